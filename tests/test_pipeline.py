"""A shortened Deep Compression pipeline on real MNIST, end to end, plus the compress CLI."""

from __future__ import annotations

import numpy as np
import pytest

from eie_lab.cli import main as cli_main
from eie_lab.compression.model_file import load
from eie_lab.compression.pipeline import deep_compress
from eie_lab.compression.pipeline_config import PipelineConfig, preset
from eie_lab.errors import ConfigError
from eie_lab.nn import evaluate, lenet300, train
from eie_lab.nn.zoo import mnist_arrays


@pytest.fixture(scope="module")
def short_run(mnist_dir, tmp_path_factory):
    data = mnist_arrays(mnist_dir, n_train=8000, n_test=2000)
    x, y, xt, yt = data
    base = lenet300(seed=0)
    train(base, x, y, epochs=2, batch_size=64, lr=0.1, seed=0)
    cfg = PipelineConfig(prune_steps=2, retrain_epochs=1, finetune_epochs=1, weight_bits=5)
    result = deep_compress(base, cfg, data=data)
    path = result.compressed.save(tmp_path_factory.mktemp("dc") / "lenet.npz")
    return data, base, result, path


def test_pipeline_stages_and_targets(short_run):
    data, base, result, _ = short_run
    x, y, xt, yt = data
    names = [s["stage"] for s in result.stages]
    assert names[0] == "baseline" and names[-1] == "Huffman coded (P+Q+H)"
    assert result.error_before == pytest.approx(evaluate(base, xt, yt))
    assert result.error_after < 0.15
    for layer in result.pruned.layers:  # pruned to the configured kept fraction, mask held
        kept = np.count_nonzero(layer.W) / layer.W.size
        assert kept == pytest.approx(result.config.keep[layer.name], abs=0.002)
        assert np.all(layer.W[~layer.mask] == 0)
    for layer, pruned in zip(result.final.layers, result.pruned.layers):
        assert np.array_equal(layer.W, layer.codebook[layer.codes])  # on the codebook
        assert layer.codebook[0] == 0 and np.array_equal(layer.codes == 0, pruned.W == 0)
        assert layer.codebook.size == 32


def test_compressed_model_predicts_like_the_finetuned_one(short_run):
    data, _, result, path = short_run
    xt = data[2]
    loaded = load(path)
    assert np.array_equal(result.final.predict(xt), result.compressed.predict(xt))
    assert np.array_equal(loaded.predict(xt), result.compressed.predict(xt))
    for a, b in zip(loaded.to_mlp().layers, result.final.layers):
        assert np.array_equal(a.W, b.W) and np.array_equal(a.b, b.b)
    assert loaded.meta["stages"] == result.stages


def test_report_counts_the_real_bitstreams(short_run):
    _, _, result, path = short_run
    rep = result.report(file_size=path.stat().st_size)
    total = rep.total
    streams = sum(len(layer.w_stream) + len(layer.z_stream) for layer in result.compressed.layers)
    assert total["breakdown_bytes"]["weights"] + total["breakdown_bytes"]["index"] <= streams
    assert streams * 8 - (total["breakdown_bytes"]["weights"] + total["breakdown_bytes"]["index"]) * 8 < 16 * 3
    assert total["bits_pqh"] == result.compressed.total_bits()
    assert total["ratio_pqh"] > total["ratio_pq"] > 15
    assert [r["layer"] for r in rep.rows] == ["ip1", "ip2", "ip3"]
    assert all(isinstance(v, (int, float, str, dict)) for v in total.values())
    text = rep.to_text()
    assert "Rate P+Q+H" in text and "file size on disk" in text


def test_cli_prints_the_report_of_a_saved_file(short_run, capsys):
    _, _, _, path = short_run
    assert cli_main(["compress", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Total" in out and "ip1" in out
    assert cli_main(["compress", str(path), "--json"]) == 0
    assert '"ratio_pqh"' in capsys.readouterr().out


def test_cli_rejects_bad_arguments(capsys):
    assert cli_main(["compress", "lenet300"]) == 2            # no --out
    assert cli_main(["compress", "no_such_model"]) == 2
    assert cli_main(["compress", "lenet300", "--out", "x.npz", "--keep", "ip1"]) == 2
    assert "--keep" in capsys.readouterr().err
    with pytest.raises(ConfigError):
        PipelineConfig(keep={"ip1": 0.0})
    with pytest.raises(ConfigError):
        PipelineConfig(weight_bits=0)


def test_cli_compresses_lenet300_end_to_end(mnist_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("EIE_LAB_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "m.npz"
    args = ["compress", "lenet300", "--out", str(out), "--epochs", "1", "--n-train", "3000",
            "--prune-steps", "1", "--retrain-epochs", "1", "--finetune-epochs", "1",
            "--weight-bits", "4", "--index-bits", "4", "--keep", "ip1=0.1"]
    assert cli_main(args) == 0
    text = capsys.readouterr().out
    assert "Huffman coded (P+Q+H)" in text and f"wrote {out}" in text
    model = load(out)
    assert [layer.weight_bits for layer in model.layers] == [4, 4, 4]
    assert model.meta["config"]["keep"] == {**preset("best").keep, "ip1": 0.1}


def test_pipeline_cache_key_covers_config_data_and_code(monkeypatch):
    """A cached pipeline result is keyed by what determines it, not by the configuration only."""
    from eie_lab.compression import pipeline_cache

    monkeypatch.setattr(pipeline_cache, "mnist_fingerprint", lambda download=False: "data-a")
    base = pipeline_cache.cache_key(preset("best"))
    assert pipeline_cache.cache_key(preset("best", seed=1)) != base
    monkeypatch.setattr(pipeline_cache, "mnist_fingerprint", lambda download=False: "data-b")
    assert pipeline_cache.cache_key(preset("best")) != base  # other data, other entry
    monkeypatch.setattr(pipeline_cache, "_code_digest", lambda: "edited code")
    assert pipeline_cache.cache_key(preset("best")) not in (base,)
    assert pipeline_cache.cache_paths(preset("best"))[0].name.endswith(
        pipeline_cache.cache_key(preset("best")) + ".npz")
