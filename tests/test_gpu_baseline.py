"""The shipped H100 measurement loads, and the GPU benchmark script skips cleanly without CUDA."""

from __future__ import annotations

import importlib.util
import json
import math
import pathlib
import sys

import pytest

from eie_lab.data import gpu_baseline as G
from eie_lab.errors import DataError
from eie_lab.paper_tables import LAYER_NAMES

SCRIPT = pathlib.Path(__file__).resolve().parents[1] / "benchmarks" / "gpu_fc_latency.py"


def test_shipped_files_cover_the_nine_layers():
    lat = G.load_latency()
    assert [r["layer"] for r in lat["rows"]] == list(LAYER_NAMES)
    assert lat["meta"]["gpu"].startswith("NVIDIA H100")
    for row in lat["rows"]:
        for variant in G.VARIANTS:
            assert row[variant]["graph_us"] > 0 and row[variant]["stream_us"] > 0
    assert [r["layer"] for r in G.load_power()["rows"]] == list(LAYER_NAMES)


def test_energy_table_against_eie():
    rows = G.energy_table()
    assert [r["layer"] for r in rows] == list(LAYER_NAMES)
    for r in rows:
        assert r["h100_csr_fp32_uj"] == pytest.approx(r["h100_csr_fp32_us"] * r["h100_csr_fp32_w"])
        assert r["ratio"] > 100  # a 700 W board spends two to three orders of magnitude more
    sim = {name: 1.0 for name in LAYER_NAMES}
    assert G.energy_table(sim, 2.0)[0]["eie_uj"] == 2.0


def test_latency_lookup_errors_and_nulls(tmp_path):
    with pytest.raises(DataError, match="layer"):
        G.latency_us("LeNet")
    with pytest.raises(DataError, match="variant"):
        G.latency_us("Alex-6", "dense_int8_b1")
    with pytest.raises(DataError, match="timing"):
        G.latency_us("Alex-6", timing="wall")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(DataError, match="JSON"):
        G.load_latency(bad)
    own = tmp_path / "own.json"
    own.write_text(json.dumps({"meta": {}, "rows": [{"layer": "Alex-6", "rows": 1, "cols": 1,
                               "nnz": 1, "csr_fp32_b1": {"graph_us": None, "stream_us": 3.0}}]}))
    assert math.isnan(G.latency_us("Alex-6", "csr_fp32_b1", data=G.load_latency(own)))
    assert G.latency_table("stream", G.load_latency(own))[0]["csr_fp32_b1"] == 3.0


def test_gpu_script_skips_cleanly_without_torch(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch -> ImportError
    spec = importlib.util.spec_from_file_location("gpu_fc_latency", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--out", str(tmp_path)]) == 0
    assert "skipped" in capsys.readouterr().out
    assert list(tmp_path.iterdir()) == []
