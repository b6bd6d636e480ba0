"""Tests for the 1-D quantizer (eie_lab.quantizer, re-exported by eie_lab.compression.quantize):
DC Fig. 3, Eq. 1, Lloyd's algorithm and its fast engines (eie_lab._kmeans_fast) against the
readable loop, share_weights, quantize_to_codebook."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from eie_lab import _kmeans_fast, quantizer
from eie_lab.compression.quantize import (
    compression_rate,
    finetune_centroids,
    init_centroids,
    kmeans_1d,
    optimal_sse_1d,
    reduce_gradients,
    share_weights,
)
from eie_lab.errors import CompressionError
from eie_lab.quantizer import lloyd, quantize_to_codebook

# [DC Fig. 3]
FIG3_W = np.array([[2.09, -0.98, 1.48, 0.09], [0.05, -0.14, -1.08, 2.12],
                   [-0.91, 1.92, 0.0, -1.03], [1.87, 0.0, 1.53, 1.49]], dtype=np.float32)
FIG3_CODES = np.array([[3, 0, 2, 1], [1, 1, 0, 3], [0, 3, 1, 0], [3, 1, 2, 2]])
FIG3_CODEBOOK = np.array([-1.0, 0.0, 1.5, 2.0])
FIG3_GRAD = np.array([[-0.03, -0.01, 0.03, 0.02], [-0.01, 0.01, -0.02, 0.12],
                      [-0.01, 0.02, 0.04, 0.01], [-0.07, -0.02, 0.01, -0.02]])


def test_fig3_clustering_reproduced():
    codebook, codes = share_weights(FIG3_W, 2, reserve_zero=False)
    np.testing.assert_allclose(codebook, FIG3_CODEBOOK, atol=1e-6)
    np.testing.assert_array_equal(codes, FIG3_CODES)


def test_fig3_reduced_gradients_and_finetuned_centroids():
    reduced = reduce_gradients(FIG3_CODES, FIG3_GRAD, 4)
    np.testing.assert_allclose(reduced, [-0.03, 0.04, 0.02, 0.04], atol=1e-12)
    tuned = finetune_centroids(FIG3_CODEBOOK, FIG3_CODES, FIG3_GRAD, lr=1.0)
    np.testing.assert_allclose(tuned, [-0.97, -0.04, 1.48, 1.96], atol=1e-12)
    frozen = finetune_centroids(FIG3_CODEBOOK, FIG3_CODES, FIG3_GRAD, lr=1.0, frozen=(1,))
    assert frozen[1] == 0.0


def test_eq1_compression_rate():
    assert compression_rate(16, 32, 4) == pytest.approx(3.2)
    assert compression_rate(10**6, 32, 16) == pytest.approx(32 / 4, rel=1e-3)


def test_inits():
    x = np.linspace(-1, 1, 1001)
    np.testing.assert_allclose(init_centroids(x, 5, "linear"), [-1, -0.5, 0, 0.5, 1])
    np.testing.assert_allclose(init_centroids(x, 4, "density"), [-0.75, -0.25, 0.25, 0.75],
                               atol=1e-9)
    r1, r2 = init_centroids(x, 6, "random", seed=3), init_centroids(x, 6, "random", seed=3)
    np.testing.assert_array_equal(r1, r2)
    assert np.all(np.isin(r1, x)) and np.unique(r1).size == 6 and np.all(np.diff(r1) > 0)
    assert not np.array_equal(r1, init_centroids(x, 6, "random", seed=4))


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, st.integers(1, 300), elements=st.floats(-100, 100)),
       st.integers(1, 9), st.sampled_from(["linear", "density", "random"]))
def test_lloyd_sse_never_increases_and_labels_are_nearest(x, k, init):
    r = kmeans_1d(x, k, init, seed=1)
    h = r.sse_history
    scale = 1e-9 * (1.0 + float(np.sum((x - np.median(x)) ** 2)))
    assert np.all(np.diff(h) <= scale)
    assert r.converged and r.n_iter == h.size - 1
    assert np.all(np.diff(r.codebook) >= 0)
    dist = np.abs(x[:, None] - r.codebook[None, :])
    assert np.all(dist[np.arange(x.size), r.labels] <= dist.min(axis=1) + 1e-9)
    assert r.sse == pytest.approx(float(np.sum((x - r.codebook[r.labels]) ** 2)), abs=scale)
    assert r.sse >= optimal_sse_1d(x, k) - scale


def test_equals_sklearn_at_convergence():
    from sklearn.cluster import KMeans

    rng = np.random.default_rng(0)
    for trial in range(4):
        x = np.concatenate([rng.normal(c, 0.3, 200) for c in (-3, -1, 0.5, 2, 4)])
        x = x[np.abs(x) > 0.2 * trial]
        init = init_centroids(x, 8, "linear")
        ours = kmeans_1d(x, 8, init)
        sk = KMeans(8, init=init.reshape(-1, 1), n_init=1, tol=0.0, max_iter=1000,
                    algorithm="lloyd").fit(x.reshape(-1, 1))
        assert ours.sse == pytest.approx(sk.inertia_, rel=1e-9)
        np.testing.assert_allclose(ours.codebook, np.sort(sk.cluster_centers_.ravel()),
                                   rtol=1e-9, atol=1e-12)


def _brute_force_optimum(x, k):
    xs = np.sort(x)
    best = np.inf
    for cuts in itertools.combinations(range(1, xs.size), min(k, xs.size) - 1):
        parts = np.split(xs, cuts)
        best = min(best, sum(float(np.sum((p - p.mean()) ** 2)) for p in parts))
    return best


@settings(max_examples=30, deadline=None)
@given(arrays(np.float64, st.integers(1, 9), elements=st.floats(-10, 10)), st.integers(1, 4))
def test_optimal_sse_matches_brute_force(x, k):
    assert optimal_sse_1d(x, k) == pytest.approx(_brute_force_optimum(x, k), abs=1e-9)


def test_lloyd_gets_close_to_optimum_on_a_pruned_layer():
    rng = np.random.default_rng(5)
    w = rng.normal(0, 0.02, 200_000)
    w = w[np.abs(w) > np.quantile(np.abs(w), 0.91)].astype(np.float32)
    r = kmeans_1d(w, 15)
    assert r.sse <= 1.005 * optimal_sse_1d(w, 15)
    assert r.labels.shape == w.shape


def test_share_weights_reserves_code_zero_for_exact_zeros():
    rng = np.random.default_rng(2)
    w = rng.normal(0, 1, (40, 30)).astype(np.float32)
    w[np.abs(w) < 1.0] = 0.0
    codebook, codes = share_weights(w, 4)
    assert codebook.dtype == np.float32 and codebook.shape == (16,) and codebook[0] == 0.0
    assert codes.dtype == np.uint8 and codes.shape == w.shape
    np.testing.assert_array_equal(codes == 0, w == 0)
    assert np.all(np.diff(codebook[1:]) > 0)
    assert np.abs(codebook[codes] - w).max() < 0.5
    cb16, codes16 = share_weights(w, 9)
    assert codes16.dtype == np.uint16 and cb16.shape == (512,)


def test_share_weights_with_mask_and_all_zero_layer():
    w = np.array([[0.0, 1.0], [2.0, 3.0]])
    mask = np.array([[True, False], [True, True]])
    cb, codes = share_weights(w, 2, mask=mask)
    assert codes[0, 1] == 0 and codes[0, 0] != 0  # a kept weight that is 0.0 is still clustered
    cb, codes = share_weights(np.zeros((3, 3)), 4)
    assert not codes.any() and not cb.any()
    cb, codes = share_weights(w, 1, reserve_zero=False, mask=mask)
    assert cb[codes[0, 1]] == cb[np.argmin(np.abs(cb))]


def test_share_weights_inits_are_deterministic():
    rng = np.random.default_rng(3)
    w = rng.laplace(0, 1, 5000)
    for init in ("linear", "density", "random"):
        a, b = share_weights(w, 3, init=init, seed=7), share_weights(w, 3, init=init, seed=7)
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])


@pytest.mark.parametrize("call", [
    lambda: kmeans_1d(np.array([1.0, np.nan]), 2),
    lambda: kmeans_1d(np.array([1.0, np.inf]), 2),
    lambda: kmeans_1d(np.array([]), 2),
    lambda: kmeans_1d(np.ones(3), 0),
    lambda: kmeans_1d(np.ones(3), 2, init=np.array([1.0])),
    lambda: init_centroids(np.ones(3), 2, "kmeans++"),
    lambda: share_weights(np.ones(3), 0),
    lambda: share_weights(np.ones(3), 17),
    lambda: share_weights(np.ones(3), 2, mask=np.ones(2, bool)),
    lambda: reduce_gradients(np.array([0, 4]), np.ones(2), 4),
    lambda: reduce_gradients(np.array([0, 1]), np.ones(3), 4),
    lambda: compression_rate(0, 32, 4),
    lambda: optimal_sse_1d(np.array([1.0]), 0),
    lambda: lloyd(np.array([1.0, np.nan]), np.array([0.0])),
    lambda: lloyd(np.array([1.0]), np.array([])),
])
def test_bad_inputs_raise(call):
    with pytest.raises(CompressionError):
        call()


@settings(max_examples=60, deadline=None)
@given(arrays(np.float32, st.integers(1, 200),
              elements=st.one_of(st.floats(-4, 4, width=32),
                                 st.sampled_from([0.0, -0.0, 1e-40, -1e-40, 1.0, -2.5]))),
       st.integers(1, 20))
def test_float32_labels_are_exactly_nearest_centroid(x, k):
    r = kmeans_1d(x, k, "random", seed=2)
    mid = (r.codebook[:-1] + r.codebook[1:]) / 2.0
    np.testing.assert_array_equal(r.labels, np.searchsorted(mid, x.astype(np.float64)))
    r64 = kmeans_1d(x.astype(np.float64), k, "random", seed=2)
    np.testing.assert_array_equal(r.labels, r64.labels)


def _fixed_point_checks(x, r):
    mid = (r.codebook[:-1] + r.codebook[1:]) / 2.0
    x64 = x.astype(np.float64)
    np.testing.assert_array_equal(r.labels, np.searchsorted(mid, x64))  # nearest centroid
    k = r.codebook.size
    n = np.bincount(r.labels, minlength=k)
    means = np.bincount(r.labels, weights=x64, minlength=k) / np.maximum(n, 1)
    np.testing.assert_allclose(r.codebook[n > 0], means[n > 0], rtol=1e-12, atol=1e-15)
    assert r.sse == pytest.approx(float(np.sum((x64 - r.codebook[r.labels]) ** 2)), rel=1e-9)


@pytest.mark.parametrize("k", [2, 15, 64])
def test_histogram_engine_reaches_an_exact_lloyd_fixed_point(k, monkeypatch):
    rng = np.random.default_rng(k)
    w = rng.normal(0, 0.02, 1_200_000).astype(np.float32)
    w = w[np.abs(w) > np.quantile(np.abs(w), 0.75)]
    assert w.size >= _kmeans_fast.HIST_MIN
    r = kmeans_1d(w, k)
    assert r.converged
    _fixed_point_checks(w, r)
    monkeypatch.setattr(_kmeans_fast, "HIST_MIN", 10**12)  # the sorted engine on the same data
    ref = kmeans_1d(w, k)  # both are Lloyd fixed points, not necessarily the same one
    assert r.sse <= ref.sse * 1.01


def test_histogram_engine_falls_back_on_narrow_data():
    x = (1.0 + np.random.default_rng(0).normal(0, 1e-6, _kmeans_fast.HIST_MIN)).astype(np.float32)
    r = kmeans_1d(x, 8)
    assert r.converged
    _fixed_point_checks(x, r)


def _pruned_float32(n, seed):
    rng = np.random.default_rng(seed)
    w = rng.normal(0, 0.02, n).astype(np.float32)
    return w[np.abs(w) > np.quantile(np.abs(w), 0.7)]


def test_histogram_engine_newton_path_is_monotone_and_deterministic():
    w = _pruned_float32(1_000_000, 7)
    assert w.size >= _kmeans_fast.HIST_MIN
    r = kmeans_1d(w, 16)
    assert r.converged and r.sse_history.size >= 2
    assert np.all(np.diff(r.sse_history) <= 1e-12 * r.sse_history[0])
    _fixed_point_checks(w, r)
    again = kmeans_1d(w, 16)
    np.testing.assert_array_equal(r.codebook, again.codebook)
    np.testing.assert_array_equal(r.labels, again.labels)


def test_histogram_engine_plain_lloyd_fallback(monkeypatch):
    w = _pruned_float32(1_000_000, 8)
    fast = kmeans_1d(w, 8)
    monkeypatch.setattr(_kmeans_fast, "_BUDGET", 0)  # the Newton path never settles
    slow = kmeans_1d(w, 8)
    assert slow.converged
    _fixed_point_checks(w, slow)
    assert fast.sse <= slow.sse * 1.001


def test_histogram_engine_labels_with_signed_zeros():
    rng = np.random.default_rng(4)
    x = rng.normal(0, 1, _kmeans_fast.HIST_MIN).astype(np.float32)
    x[::7], x[1::7], x[2::11] = 0.0, -0.0, np.float32(1e-40)
    r = kmeans_1d(x, 5, init=np.array([-2.0, -1e-3, 0.0, 1e-3, 2.0]))
    assert r.converged
    _fixed_point_checks(x, r)


# --- the readable reference (quantizer.lloyd) against the fast engines (_kmeans_fast) ---------


def test_readable_lloyd_is_the_textbook_loop():
    """Every point is assigned to its nearest centroid, every centroid is its cluster's mean."""
    x = np.array([0.0, 0.1, 0.2, 3.0, 3.2, 7.0, 7.4, 7.5])
    r = lloyd(x, np.array([0.0, 1.0, 7.5]))
    np.testing.assert_allclose(r.codebook, [0.1, 3.1, 7.3])
    assert r.labels.tolist() == [0, 0, 0, 1, 1, 2, 2, 2] and r.converged
    assert r.n_iter == r.sse_history.size - 1 and r.sse == r.sse_history[-1]
    assert r.sse == pytest.approx(0.02 + 0.02 + 0.14)


def test_readable_lloyd_moves_an_empty_cluster_into_the_widest_one():
    x = np.array([0.0, 0.1, 0.2, 1.0, 1.1, 10.0])  # the centroid at 5.5 gets no point
    r = lloyd(x, np.array([0.0, 5.5, 10.0]), max_iter=1)
    # cluster 0 ({0, 0.1, 0.2, 1, 1.1}) has the largest SSE; its point farthest from its mean
    # (0.48) is 1.1, which becomes the third centroid
    np.testing.assert_allclose(r.codebook, [0.48, 1.1, 10.0])
    assert r.labels.tolist() == [0, 0, 0, 1, 1, 2]


def _lloyd_case(seed, n, k, kind, init):
    rng = np.random.default_rng(seed)
    x = {"normal": lambda: rng.normal(0, 1, n),
         "pruned": lambda: rng.laplace(0, 0.02, 4 * n)[:n] + np.sign(rng.random(n) - 0.5) * 0.03,
         "clumps": lambda: rng.choice([-2.0, 0.5, 3.0], n) + rng.normal(0, 0.1, n)}[kind]()
    return x, init_centroids(x, k, init, seed=seed)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(20, 1000), st.integers(1, 40),
       st.sampled_from(["normal", "pruned", "clumps"]), st.sampled_from(["linear", "density", "random"]),
       st.booleans())
def test_sorted_engine_follows_the_readable_lloyd_exactly(seed, per_cluster, k, kind, init, f32):
    """Same iteration, same path: labels and update count equal, centroids equal to rounding.

    At least 20 points per cluster: with fewer, exact ties (an empty centroid moving to either
    end of a two-point cluster, an SSE of 0) are decided by rounding, which differs between
    the engines; the adversarial test below covers those inputs."""
    x, c0 = _lloyd_case(seed, per_cluster * k, k, kind, init)
    if f32:
        x = x.astype(np.float32)
    ref = lloyd(x, c0)
    codebook, labels, history, n_iter, converged = _kmeans_fast.kmeans(x, c0, 1000)
    np.testing.assert_array_equal(labels, ref.labels)
    assert (n_iter, converged) == (ref.n_iter, ref.converged)
    np.testing.assert_allclose(codebook, ref.codebook, rtol=1e-12, atol=1e-12 * np.abs(x).max())
    np.testing.assert_allclose(history, ref.sse_history, rtol=1e-9,
                               atol=1e-12 * float(np.sum(x.astype(float) ** 2)))


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, st.integers(1, 300), elements=st.floats(-100, 100)),
       st.integers(1, 9), st.sampled_from(["linear", "density", "random"]))
def test_sorted_engine_properties_on_adversarial_data(x, k, init):
    """Ties, duplicates and empty clusters: the fast engine keeps Lloyd's guarantees."""
    c0 = init_centroids(x, k, init, seed=1)
    codebook, labels, history, n_iter, converged = _kmeans_fast.kmeans(x, c0, 1000)
    ref = lloyd(x, c0)
    scale = 1e-9 * (1.0 + float(np.sum((x - np.median(x)) ** 2)))
    assert converged and n_iter == history.size - 1 and np.all(np.diff(history) <= scale)
    mid = (codebook[:-1] + codebook[1:]) / 2.0
    np.testing.assert_array_equal(labels, np.searchsorted(mid, x))  # nearest, ties low
    assert history[-1] == pytest.approx(float(np.sum((x - codebook[labels]) ** 2)), abs=scale)
    assert history[-1] >= optimal_sse_1d(x, k) - scale
    assert ref.sse >= optimal_sse_1d(x, k) - scale


@pytest.mark.parametrize("k", [4, 16])
def test_histogram_engine_against_the_readable_lloyd(k):
    w = _pruned_float32(1_000_000, 11)
    assert w.size >= _kmeans_fast.HIST_MIN
    init = init_centroids(w, k, "linear")
    r = kmeans_1d(w, k, init)
    ref = lloyd(w, init)
    assert ref.converged and r.converged
    _fixed_point_checks(w, r)
    _fixed_point_checks(w, ref)
    # both are exact Lloyd fixed points from the same start, not necessarily the same one: the
    # histogram engine's Newton steps reach one at least as good
    assert r.sse <= ref.sse * (1 + 1e-9)


def test_kmeans_1d_dispatch_and_label_dtype(monkeypatch):
    x = np.random.default_rng(6).normal(0, 1, 3000).astype(np.float32)
    small = kmeans_1d(x, 8)
    assert small.labels.dtype == np.uint8
    monkeypatch.setattr(quantizer, "FAST_MIN", 100)  # the fast engine on the same data
    fast = kmeans_1d(x, 8)
    assert fast.labels.dtype == np.uint8
    np.testing.assert_array_equal(fast.labels, small.labels)
    np.testing.assert_allclose(fast.codebook, small.codebook, rtol=1e-12)
    assert kmeans_1d(x.astype(np.float64), 8).labels.dtype == np.intp
    assert kmeans_1d(x.reshape(60, 50), 8).labels.shape == (60, 50)


def test_quantize_to_codebook_nearest_non_zero_entry():
    cb = np.array([0.0, 0.5, -1.0, 2.0])
    W = np.array([[0.0, 0.4, 1.25, -7.0], [3.0, -0.2, 0.75, 0.0]])
    codes = quantize_to_codebook(W, cb)
    assert codes.dtype == np.int64 and codes.shape == W.shape
    # 1.25 lies halfway between 0.5 and 2.0 (tie -> the smaller value); -0.2 is nearer 0.5 than -1
    assert codes.tolist() == [[0, 1, 1, 2], [3, 1, 1, 0]]
    nz = W != 0
    dist = np.abs(W[..., None] - cb[1:])
    np.testing.assert_array_equal(np.abs(W - cb[codes])[nz], dist.min(axis=-1)[nz])
