"""A shortened Deep Compression of LeNet-5 on a subset of real MNIST, end to end (DC Table 3).

The full run (benchmarks/bench_lenet5.py: 3 baseline epochs, >= 39x at <= +0.1 pp) takes minutes;
here the baseline trains 1 epoch on 4000 images and the pipeline prunes in 2 rounds of 1 epoch
(about 20 s of CPU on one core).
The bounds are what such a run honestly meets and what a broken pipeline misses: a wrong
gradient or mask leaves the baseline near chance, a lost layer or a wrong bit width changes the
stored bytes, a badly decoded file predicts differently.
"""

from __future__ import annotations

import numpy as np
import pytest

from eie_lab.cli import main as cli_main
from eie_lab.compression.model_file import load
from eie_lab.compression.pipeline import deep_compress
from eie_lab.compression.pipeline_config import PipelineConfig, preset
from eie_lab.compression.report import compare_with_paper
from eie_lab.errors import ConfigError
from eie_lab.nn import ConvNet, evaluate, lenet5, lenet300, train
from eie_lab.nn.conv import LENET5_PLAN
from eie_lab.nn.zoo import LENET5_RECIPE, mnist_arrays


@pytest.fixture(scope="module")
def short_run(mnist_dir, tmp_path_factory):
    data = mnist_arrays(mnist_dir, n_train=4000, n_test=2000)
    x, y, xt, yt = data
    base = lenet5(seed=0)
    train(base, x, y, epochs=1, seed=0, **{**LENET5_RECIPE, "batch_size": 32})
    cfg = preset("best", network="lenet5", prune_steps=2, retrain_epochs=1, finetune_epochs=1)
    result = deep_compress(base, cfg, data=data)
    path = result.compressed.save(tmp_path_factory.mktemp("dc5") / "lenet5.npz")
    return data, base, result, path


def test_baseline_learns(short_run):
    data, base, result, _ = short_run
    assert result.error_before == pytest.approx(evaluate(base, data[2], data[3]))
    assert result.error_before < 0.12          # 1 epoch on 4000 images; chance is 0.90


def test_pruned_to_the_configured_fractions_and_shared_with_dc_bits(short_run):
    _, _, result, _ = short_run
    cfg = result.config
    for layer in result.pruned.layers:
        kept = np.count_nonzero(layer.W) / layer.W.size
        assert kept == pytest.approx(cfg.keep[layer.name], abs=0.002)
        assert np.all(layer.W[~layer.mask] == 0)
    for layer, pruned in zip(result.final.layers, result.pruned.layers):
        assert layer.codebook.size == (256 if layer.name.startswith("conv") else 32)
        assert np.array_equal(layer.W, layer.codebook[layer.codes])
        assert layer.codebook[0] == 0 and np.array_equal(layer.codes == 0, pruned.W == 0)
    assert [layer.weight_bits for layer in result.compressed.layers] == [8, 8, 5, 5]


def test_compression_and_accuracy_bounds(short_run):
    _, _, result, _ = short_run
    rep = result.report()
    assert rep.total["ratio_pqh"] >= 39.0                     # DC Table 3: 39x
    assert rep.total["ratio_pqh"] > rep.total["ratio_pq"]     # Huffman helps
    # a short run may lose a little; the full benchmark holds +0.1 pp
    assert result.error_after <= result.error_before + 0.02
    names = [s["stage"] for s in result.stages]
    assert names[0] == "baseline" and names[-1] == "Huffman coded (P+Q+H)"
    table = compare_with_paper(rep)
    assert "| conv1 | ours |" in table and "| | paper | 66.0%" in table


def test_saved_file_rebuilds_lenet5_and_predicts_identically(short_run):
    data, _, result, path = short_run
    xt = data[2]
    loaded = load(path)
    net = loaded.to_network()
    assert isinstance(net, ConvNet) and net.plan == LENET5_PLAN
    assert np.array_equal(loaded.predict(xt), result.final.predict(xt))
    for a, b in zip(net.layers, result.final.layers):
        assert np.array_equal(a.W, b.W) and np.array_equal(a.b, b.b)


def test_pipeline_rejects_layer_names_of_another_network():
    x = np.zeros((4, 784), np.float32)
    with pytest.raises(ConfigError, match="layer names"):
        deep_compress(lenet5(seed=0), PipelineConfig(), data=(x, np.zeros(4, int), x,
                                                              np.zeros(4, int)))
    with pytest.raises(ConfigError, match="layer names"):
        deep_compress(lenet300(seed=0), PipelineConfig(network="lenet5"),
                      data=(x, np.zeros(4, int), x, np.zeros(4, int)))
    with pytest.raises(ConfigError, match="network"):
        PipelineConfig(network="alexnet")


def test_cli_compresses_lenet5_end_to_end(mnist_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("EIE_LAB_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "m5.npz"
    args = ["compress", "lenet5", "--out", str(out), "--epochs", "1", "--n-train", "1000",
            "--prune-steps", "1", "--retrain-epochs", "0", "--finetune-epochs", "0",
            "--keep", "ip1=0.1"]
    assert cli_main(args) == 0
    text = capsys.readouterr().out
    assert "Huffman coded (P+Q+H)" in text and "beside DC Table 3" in text
    model = load(out)
    assert [layer.name for layer in model.layers] == ["conv1", "conv2", "ip1", "ip2"]
    assert model.meta["config"]["keep"]["ip1"] == 0.1
    assert model.meta["config"]["network"] == "lenet5"
    assert cli_main(["compress", str(out)]) == 0                 # the report of the saved file
    assert "conv2" in capsys.readouterr().out
    assert cli_main(["compress", "lenet5", "--out", str(out), "--keep", "ip3=0.1"]) == 2
    assert "conv1" in capsys.readouterr().err                    # names LeNet-5's layers


def test_cached_pipeline_stores_and_reloads_a_lenet5(short_run, tmp_path, monkeypatch):
    from eie_lab.compression import pipeline_cache

    data, base, result, _ = short_run
    monkeypatch.setenv("EIE_LAB_CACHE", str(tmp_path))
    calls = []
    monkeypatch.setattr(pipeline_cache, "deep_compress",
                        lambda config, progress=None: calls.append(config) or result)
    monkeypatch.setattr(pipeline_cache, "baseline_for", lambda config, progress=None: base)
    first = pipeline_cache.cached_deep_compress(result.config)
    again = pipeline_cache.cached_deep_compress(result.config)      # from the cache files
    assert len(calls) == 1 and first is result
    assert all(p.name.startswith("deep_compress_lenet5_") and p.is_file()
               for p in pipeline_cache.cache_paths(result.config))
    assert isinstance(again.final, ConvNet) and isinstance(again.pruned, ConvNet)
    assert np.array_equal(again.final.predict(data[2]), result.final.predict(data[2]))
    for a, b in zip(again.pruned.layers, result.pruned.layers):
        assert np.array_equal(a.W, b.W) and np.array_equal(a.mask, b.W != 0)
    assert again.stages == result.stages
