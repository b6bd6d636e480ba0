"""encode works on the non-zeros only: its working memory stays within 3x the input (issue 11)."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from benchmarks import bench_encode_memory
from eie_lab.eie import EIEConfig, encode


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("with_codebook", [False, True])
def test_encode_peak_memory_is_at_most_three_times_the_input(dtype, with_codebook):
    rng = np.random.default_rng(0)
    W = (rng.standard_normal((1024, 1024)) * (rng.random((1024, 1024)) < 0.1)).astype(dtype)
    cb = np.linspace(-3, 3, 16)
    cb[0] = 0.0
    kw = {"codebook": cb} if with_codebook else {}
    tracemalloc.start()
    layer = encode(W, EIEConfig(n_pe=64), **kw)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert layer.nnz == np.count_nonzero(W)
    assert peak <= 3 * W.nbytes, f"peak {peak / W.nbytes:.2f}x the input"


def test_benchmark_reports_the_ratio(tmp_path):
    out = tmp_path / "m.json"
    assert bench_encode_memory.main(["--n", "256", "--out", str(out)]) == 0
    assert '"ratio"' in out.read_text()
