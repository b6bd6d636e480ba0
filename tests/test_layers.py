"""The nine EIE Table III layers and the Fig. 2/3 example."""

from __future__ import annotations

import numpy as np
import pytest

from eie_lab.data.layers import (
    LAYER_NAMES,
    LAYER_SPECS,
    all_layers,
    benchmark_layer,
    fig2_example,
    weight_codebook,
)
from eie_lab.errors import DataError

# [EIE Table III]: (in, out, weight %, act %)
TABLE3 = {"Alex-6": (9216, 4096, 9, 35.1), "Alex-7": (4096, 4096, 9, 35.3),
          "Alex-8": (4096, 1000, 25, 37.5), "VGG-6": (25088, 4096, 4, 18.3),
          "VGG-7": (4096, 4096, 4, 37.5), "VGG-8": (4096, 1000, 23, 41.1),
          "NT-We": (4096, 600, 10, 100), "NT-Wd": (600, 8791, 11, 100),
          "NT-LSTM": (1201, 2400, 10, 100)}


def test_specs_match_table3():
    assert LAYER_NAMES == tuple(TABLE3)
    for name, (n_in, n_out, wd, ad) in TABLE3.items():
        s = LAYER_SPECS[name]
        assert (s.n_in, s.n_out) == (n_in, n_out)
        assert s.weight_density == pytest.approx(wd / 100) and s.act_density == pytest.approx(ad / 100)


def test_generated_layers_have_the_paper_densities():
    for layer in all_layers():
        spec = layer.spec
        assert layer.shape == (spec.n_out, spec.n_in)
        n = spec.n_in * spec.n_out
        sd = np.sqrt(spec.weight_density * (1 - spec.weight_density) / n)
        assert abs(layer.weight_density - spec.weight_density) < 6 * sd
        assert np.count_nonzero(layer.a) == round(spec.act_density * spec.n_in)
        assert layer.a.dtype == np.float32 and layer.values.dtype == np.float32
        assert (layer.codes > 0).all() and layer.codebook[0] == 0.0 and layer.codebook.size == 16
        assert np.all(np.diff(layer.cols * spec.n_out + layer.rows) > 0)  # CSC order, unique


def test_layers_are_seeded_and_cached():
    a = benchmark_layer("NT-LSTM", seed=0)
    assert benchmark_layer("NT-LSTM", seed=0) is a
    b = benchmark_layer("NT-LSTM", seed=1)
    assert not np.array_equal(a.rows[:100], b.rows[:100])
    c = benchmark_layer.__wrapped__("NT-LSTM", seed=0)  # fresh, bypassing the cache
    assert c is not a and np.array_equal(c.rows, a.rows) and np.array_equal(c.a, a.a)


def test_dense_views_and_quantisation():
    layer = benchmark_layer("NT-LSTM")
    W, codes = layer.W, layer.W_codes
    assert W.dtype == np.float32 and W.shape == (2400, 1201)
    assert np.array_equal(W != 0, codes != 0)
    # every weight took its nearest codebook level
    err = np.abs(layer.codebook[layer.codes] - layer.values)
    others = np.abs(layer.codebook[1:][None, :] - layer.values[:, None].astype(float))
    assert np.all(err <= others.min(axis=1) + 1e-7)
    assert np.abs(layer.values).min() > 0


def test_weight_codebook():
    cb = weight_codebook(0.1, 1.0)
    assert cb.size == 16 and cb[0] == 0 and (cb[1:] != 0).all()
    assert np.all(np.abs(cb[1:]) >= 0.1 - 1e-7) and np.abs(cb).max() == pytest.approx(1.0)


def test_unknown_layer():
    with pytest.raises(DataError, match="must be one of"):
        benchmark_layer("Alex-9")


def test_fig2_example_follows_the_paper():
    W, a = fig2_example()
    assert W.shape == (16, 8) and a.shape == (8,)
    assert np.flatnonzero(a).tolist() == [2, 4, 5, 7]
    pe0 = {0: [0, 2, 4, 5, 6], 4: [1, 4], 8: [0, 7], 12: [0, 2, 5, 7]}  # [EIE §III-B]
    for row, cols in pe0.items():
        assert np.flatnonzero(W[row]).tolist() == cols
    assert not W[[1, 5, 9, 13], 2].any()  # PE1: nothing in column 2
    assert np.flatnonzero(W[[2, 6, 10, 14], 2]).tolist() == [0, 3]  # PE2: W2,2 and W14,2
    assert set(np.unique(W)) <= set(range(16))
