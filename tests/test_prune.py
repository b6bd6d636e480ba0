"""Tests for eie_lab.compression.prune: exact counts, thresholds, masks, schedules, sweeps."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from eie_lab.compression.prune import (
    apply_mask,
    global_magnitude_prune,
    iterative_schedule,
    magnitude_prune,
    prune_by_std,
    sensitivity_sweep,
    sparsity,
)
from eie_lab.errors import CompressionError

finite = st.floats(-1e3, 1e3, allow_nan=False, width=32)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float32, st.tuples(st.integers(1, 12), st.integers(1, 12)), elements=finite),
       st.floats(0.0, 0.999))
def test_magnitude_prune_removes_exact_count_of_smallest(w, s):
    mask = magnitude_prune(w, s)
    assert mask.shape == w.shape and mask.dtype == bool
    assert np.count_nonzero(~mask) == round(s * w.size)
    if mask.any() and (~mask).any():
        assert np.abs(w[~mask]).max() <= np.abs(w[mask]).min()


@settings(max_examples=60, deadline=None)
@given(arrays(np.float32, st.integers(1, 60),
              elements=st.sampled_from([0.0, -0.0, 0.5, -0.5, 1.0, -2.0, 3.0])),
       st.floats(0.0, 0.999))
def test_magnitude_prune_is_the_kth_magnitude_threshold_rule(w, s):
    """Below the k-th magnitude: pruned; above: kept; at it: the earliest positions pruned."""
    k = round(s * w.size)
    mask = magnitude_prune(w, s)
    if k == 0:
        assert mask.all()
        return
    mag = np.abs(w)
    threshold = np.sort(mag)[k - 1]
    assert not mask[mag < threshold].any() and mask[mag > threshold].all()
    tied = np.flatnonzero(mag == threshold)
    n_tied_pruned = k - np.count_nonzero(mag < threshold)
    np.testing.assert_array_equal(mask[tied], np.arange(tied.size) >= n_tied_pruned)


def test_magnitude_prune_zero_sparsity_keeps_all_and_is_deterministic():
    w = np.ones((3, 3))
    assert magnitude_prune(w, 0.0).all()
    m1, m2 = magnitude_prune(w, 0.5), magnitude_prune(w, 0.5)
    np.testing.assert_array_equal(m1, m2)
    assert np.count_nonzero(~m1) == 4


def test_global_prune_shares_one_threshold():
    rng = np.random.default_rng(0)
    layers = {"ip1": rng.normal(0, 1, (30, 20)), "ip2": rng.normal(0, 3, (10, 30))}
    masks = global_magnitude_prune(layers, 0.8)
    kept = np.concatenate([np.abs(layers[k][masks[k]]) for k in layers])
    pruned = np.concatenate([np.abs(layers[k][~masks[k]]) for k in layers])
    assert pruned.size == round(0.8 * 900)
    assert pruned.max() <= kept.min()
    # the wider layer keeps more of its weights
    assert masks["ip2"].mean() > masks["ip1"].mean()
    as_list = global_magnitude_prune([layers["ip1"], layers["ip2"]], 0.8)
    np.testing.assert_array_equal(as_list[1], masks["ip2"])


def test_prune_by_std_threshold_rule():
    rng = np.random.default_rng(1)
    w = rng.normal(0, 0.1, 1000)
    for q in (0.0, 0.5, 1.0, 2.0):
        mask = prune_by_std(w, q)
        np.testing.assert_array_equal(mask, np.abs(w) > q * w.std())
    # for a Gaussian, quality 1 keeps about 32%
    assert 0.27 < prune_by_std(w, 1.0).mean() < 0.37


def test_apply_mask_gives_exact_zeros_and_keeps_dtype():
    w = np.array([[1.5, -2.0], [0.25, 3.0]], dtype=np.float32)
    out = apply_mask(w, np.array([[True, False], [False, True]]))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [[1.5, 0.0], [0.0, 3.0]])
    assert sparsity(out) == 0.5
    assert w[0, 1] == -2.0  # input untouched


def test_iterative_schedule():
    s = iterative_schedule(0.92, 4)
    assert len(s) == 4 and s[-1] == 0.92 and all(a < b for a, b in zip(s, s[1:]))
    kept = 1 - np.array(s)
    np.testing.assert_allclose(kept[1:] / kept[:-1], kept[0])  # same share of survivors each round
    assert iterative_schedule(0.9, 3, kind="linear") == [0.3, 0.6, 0.9]
    assert iterative_schedule(0.9, 1, start=0.5) == [0.9]


def test_sensitivity_sweep_prunes_one_layer_at_a_time():
    w = {"a": np.arange(1.0, 11.0), "b": np.full(4, 5.0)}
    calls = []

    def evaluate(ws):
        calls.append({k: np.count_nonzero(v) for k, v in ws.items()})
        return float(sum(v.sum() for v in ws.values()))

    r = sensitivity_sweep(w, evaluate, [0.0, 0.5])
    assert r.baseline == 75.0
    np.testing.assert_allclose(r.metric["a"], [75.0, 75.0 - 15.0])
    np.testing.assert_allclose(r.metric["b"], [75.0, 65.0])
    assert {"a": 5, "b": 4} in calls and {"a": 10, "b": 2} in calls
    assert r.max_sparsity("a", 1.0) == 0.0 and r.max_sparsity("b", 10.0) == 0.5
    np.testing.assert_array_equal(w["a"], np.arange(1.0, 11.0))


@pytest.mark.parametrize("bad", [np.array([1.0, np.nan]), np.array([np.inf]), np.array([]),
                                 np.array(["a"])])
def test_bad_weights_raise(bad):
    with pytest.raises(CompressionError, match="help:|invalid"):
        magnitude_prune(bad, 0.5)


@pytest.mark.parametrize("s", [-0.1, 1.0, 1.5, float("nan"), "0.5"])
def test_bad_sparsity_raises(s):
    with pytest.raises(CompressionError, match=r"\[0, 1\)"):
        magnitude_prune(np.ones(4), s)


def test_other_bad_inputs():
    with pytest.raises(CompressionError):
        prune_by_std(np.ones(3), -1)
    with pytest.raises(CompressionError):
        apply_mask(np.ones(3), np.ones(3))
    with pytest.raises(CompressionError):
        iterative_schedule(0.9, 0)
    with pytest.raises(CompressionError):
        iterative_schedule(0.5, 2, start=0.6)
    with pytest.raises(CompressionError):
        global_magnitude_prune({}, 0.5)
    with pytest.raises(CompressionError, match="layers"):
        sensitivity_sweep({"a": np.ones(2)}, lambda ws: 0.0, [0.5], layers=["zz"])
