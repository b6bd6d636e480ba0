"""The modern baseline: FC-layer latency and energy measured on an NVIDIA H100 (2026-11-26).

Two JSON files ship with the package (``eie_lab/data/h100_fc_baseline.json`` and
``h100_fc_power.json``). They were measured on an NVIDIA H100 80GB HBM3 (SXM, 700 W limit) on
2026-11-26 with PyTorch 2.11 / CUDA 13.0, on random matrices with the shapes and weight densities of
EIE Table III (seed 0): dense GEMV via cuBLAS (``torch.mv``) and CSR SpMV via cuSPARSE
(``torch.sparse_csr``), batch 1 and 64, timed as CUDA-graph replays ("graph") and as back-to-back
launches ("stream"). Board power came from ``nvidia-smi`` while a kernel was replayed for ~3 s;
energy = per-call time x median board power (whole board, idle power included).

``benchmarks/gpu_fc_latency.py`` regenerates files of the same schema on any CUDA machine; pass
their paths to :func:`load_latency` / :func:`load_power` to use your own measurement.

Examples
--------
>>> from eie_lab.data.gpu_baseline import latency_us, MEASURED
>>> round(latency_us("Alex-7", "dense_fp16_b1"), 1)
10.2
>>> MEASURED
'measured on an NVIDIA H100, 2026-11-26'
"""

from __future__ import annotations

import json
import math
import os
from importlib import resources
from typing import Any

from eie_lab.errors import DataError, fail_message
from eie_lab.paper_tables import EIE_ACTUAL_US, EIE_POWER_W

__all__ = ["MEASURED", "VARIANTS", "load_latency", "load_power", "latency_us", "latency_table",
           "energy_table"]

#: How to cite these numbers.
MEASURED = "measured on an NVIDIA H100, 2026-11-26"
#: Kernel variants in the latency file: <format>_<precision>_b<batch>.
VARIANTS: tuple[str, ...] = ("dense_fp32_b1", "dense_fp16_b1", "csr_fp32_b1", "csr_fp16_b1",
                             "dense_fp32_b64", "dense_fp16_b64", "csr_fp32_b64", "csr_fp16_b64")
_LATENCY_FILE = "h100_fc_baseline.json"
_POWER_FILE = "h100_fc_power.json"


def _read(path: str | os.PathLike[str] | None, default: str) -> dict[str, Any]:
    try:
        if path is None:
            text = resources.files("eie_lab.data").joinpath(default).read_text(encoding="utf-8")
        else:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
        data = json.loads(text)
    except (OSError, json.JSONDecodeError) as exc:
        raise DataError(fail_message("path", path or default, f"cannot be read as JSON ({exc})",
                                     "reinstall eie-lab or rerun benchmarks/gpu_fc_latency.py")) from exc
    if not isinstance(data, dict) or not isinstance(data.get("rows"), list):
        raise DataError(fail_message("path", path or default, "has no 'rows' list",
                                     "use a file written by benchmarks/gpu_fc_latency.py"))
    return data


def _us(value: Any) -> float:
    """A time from the file; a kernel that could not be timed (null) becomes NaN."""
    return math.nan if value is None else float(value)


def load_latency(path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """The latency measurement: ``{"meta": {...}, "rows": [{"layer", "rows", "cols", "nnz", ...,
    "<variant>": {"graph_us", "stream_us"}}]}`` (the shipped H100 file unless ``path`` is given).

    Examples
    --------
    >>> load_latency()["meta"]["gpu"]
    'NVIDIA H100 80GB HBM3'
    """
    return _read(path, _LATENCY_FILE)


def load_power(path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """The power measurement: ``{"gpu", "torch", "rows": [{"layer", "dense_fp16": {"us", "watts",
    "uJ"}, "csr_fp32": {...}}]}`` (the shipped H100 file unless ``path`` is given).

    Examples
    --------
    >>> round(load_power()["rows"][0]["csr_fp32"]["watts"])
    410
    """
    return _read(path, _POWER_FILE)


def latency_us(layer: str, variant: str = "dense_fp16_b1", timing: str = "graph",
               data: dict[str, Any] | None = None) -> float:
    """Measured µs per layer evaluation for one layer and kernel variant.

    Parameters
    ----------
    layer : str
        An EIE Table III layer name, e.g. ``"Alex-7"``.
    variant : str
        One of :data:`VARIANTS`.
    timing : {"graph", "stream"}
        CUDA-graph replay (kernel only) or back-to-back launches (with launch overhead).
    data : dict, optional
        A loaded latency file (default: the shipped one).

    Examples
    --------
    >>> round(latency_us("Alex-7", "dense_fp16_b1"), 1)
    10.2
    >>> round(latency_us("Alex-7", "csr_fp16_b1", timing="stream"), 1)  # launch overhead included
    20.9
    """
    data = load_latency() if data is None else data
    if timing not in ("graph", "stream"):
        raise DataError(fail_message("timing", timing, "must be 'graph' or 'stream'",
                                     "use timing='graph' (kernel time)"))
    for row in data["rows"]:
        if row["layer"] == layer:
            if variant not in row:
                raise DataError(fail_message("variant", variant, "was not measured",
                                             f"use one of {[v for v in VARIANTS if v in row]}"))
            return _us(row[variant].get(f"{timing}_us"))
    raise DataError(fail_message("layer", layer, "is not in the measurement",
                                 f"use one of {[r['layer'] for r in data['rows']]}"))


def latency_table(timing: str = "graph", data: dict[str, Any] | None = None
                  ) -> list[dict[str, Any]]:
    """One row per layer: layer, shape (out x in), nnz and µs for each variant.

    Examples
    --------
    >>> rows = latency_table()
    >>> rows[0]["layer"], rows[0]["shape"], round(rows[0]["csr_fp32_b1"], 1)
    ('Alex-6', '4096 x 9216', 24.6)
    """
    data = load_latency() if data is None else data
    out = []
    for row in data["rows"]:
        entry: dict[str, Any] = {"layer": row["layer"], "shape": f"{row['rows']} x {row['cols']}",
                                 "nnz": int(row["nnz"])}
        for variant in VARIANTS:
            if variant in row:
                entry[variant] = _us(row[variant].get(f"{timing}_us"))
        out.append(entry)
    return out


def energy_table(eie_times_us: dict[str, float] | None = None, eie_power_w: float | None = None,
                 data: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Energy per layer evaluation on the H100 (dense fp16 and CSR fp32, batch 1) beside EIE's.

    EIE's energy is time x power, by default [EIE Table IV] actual time x 0.6 W.

    Returns
    -------
    list of dict
        layer, h100_dense_fp16_us/_w/_uj, h100_csr_fp32_us/_w/_uj, eie_us, eie_uj and
        ratio = best H100 µJ / EIE µJ.

    Examples
    --------
    >>> row = energy_table()[1]
    >>> row["layer"], round(row["eie_uj"], 2), round(row["ratio"])
    ('Alex-7', 7.32, 331)
    """

    data = load_power() if data is None else data
    times = EIE_ACTUAL_US if eie_times_us is None else eie_times_us
    power = EIE_POWER_W if eie_power_w is None else eie_power_w
    out = []
    for row in data["rows"]:
        name = row["layer"]
        entry: dict[str, Any] = {"layer": name}
        for variant in ("dense_fp16", "csr_fp32"):
            m = row[variant]
            entry.update({f"h100_{variant}_us": float(m["us"]), f"h100_{variant}_w": float(m["watts"]),
                          f"h100_{variant}_uj": float(m["uJ"])})
        entry["eie_us"] = float(times[name])
        entry["eie_uj"] = entry["eie_us"] * power
        entry["ratio"] = min(entry["h100_dense_fp16_uj"], entry["h100_csr_fp32_uj"]) / entry["eie_uj"]
        out.append(entry)
    return out
