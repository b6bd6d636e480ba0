"""The headline result of Deep Compression on LeNet-300-100, reproduced by the full pipeline.

The README reports one run of ``python -m benchmarks lenet`` (seed 0, preset ``best``). This test
runs the same full pipeline on real MNIST (about 30 s on 2 cores) and checks the paper's headline:
at least 40x total compression (every stored byte counted) with no real accuracy loss. The
benchmark checks the issue's tighter error target (<= +0.1 percentage points) and the timings; the
test allows +0.3 pp so that a different BLAS thread count cannot turn CI red.
"""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.mnist]


def test_full_pipeline_reaches_40x_without_accuracy_loss(mnist_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("EIE_LAB_DATA", str(mnist_dir))
    monkeypatch.setenv("EIE_LAB_CACHE", str(tmp_path))
    from eie_lab.compression.model_file import load
    from eie_lab.compression.pipeline import deep_compress
    from eie_lab.compression.pipeline_config import preset
    from eie_lab.nn import evaluate
    from eie_lab.nn.zoo import mnist_arrays, pretrained_lenet300

    data = mnist_arrays()
    base = pretrained_lenet300(seed=0, cache=False)
    base_error = evaluate(base, data[2], data[3])
    result = deep_compress(base, preset("best", seed=0), data=data)
    path = result.compressed.save(tmp_path / "lenet300.npz")
    report = result.report(file_size=path.stat().st_size)

    assert base_error <= 0.020
    assert report.total["ratio_pqh"] >= 40.0
    assert result.error_after - base_error <= 0.003
    loaded = load(path)
    assert (loaded.predict(data[2]) == result.compressed.predict(data[2])).all()
