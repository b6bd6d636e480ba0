"""eie_lab.compression.experiments: the notebooks' cached comparisons, on tiny networks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eie_lab.compression import experiments as E
from eie_lab.compression.prune import iterative_schedule, magnitude_prune
from eie_lab.errors import CompressionError, ConfigError
from eie_lab.nn.mlp import MLP


@pytest.fixture()
def tiny():
    rng = np.random.default_rng(0)
    x = rng.random((96, 16), dtype=np.float32)
    y = (x[:, :4].argmax(axis=1)).astype(np.int64)
    return MLP((16, 12, 8, 4), seed=0), (x, y, x, y)


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("EIE_LAB_CACHE", str(tmp_path))
    return tmp_path


def test_cached_arrays_computes_once_and_recomputes_a_damaged_entry(cache):
    calls = []

    def compute():
        calls.append(1)
        return {"a": np.arange(4.0)}

    first = E.cached_arrays("t", {"k": 1}, compute)
    second = E.cached_arrays("t", {"k": 1}, compute)
    np.testing.assert_array_equal(first["a"], second["a"])
    assert len(calls) == 1
    E.cached_arrays("t", {"k": 2}, compute)  # another key: computed again
    assert len(calls) == 2
    damaged = [p for p in cache.glob("experiment_t_*.npz")]
    assert len(damaged) == 2
    for path in damaged:
        path.write_bytes(b"not an npz")
    np.testing.assert_array_equal(E.cached_arrays("t", {"k": 1}, compute)["a"], np.arange(4.0))
    assert len(calls) == 3  # the damaged entry was recomputed


def test_cached_arrays_rejects_bad_names_and_keys(cache):
    with pytest.raises(ConfigError, match="identifier"):
        E.cached_arrays("a b", {}, dict)
    with pytest.raises(ConfigError, match="JSON"):
        E.cached_arrays("ok", {"x": object()}, dict)


def test_connections_per_pixel_counts_kept_outputs_per_input():
    rng = np.random.default_rng(1)
    mask = rng.random((300, 784)) < 0.08
    counts = E.connections_per_pixel(mask)
    assert counts.shape == (28, 28)
    np.testing.assert_array_equal(counts.ravel(), mask.sum(axis=0))
    with pytest.raises(CompressionError, match="outputs, 784"):
        E.connections_per_pixel(mask[:, :100])


def test_dead_pixels_of_a_border():
    x = np.zeros((5, 16), dtype=np.float32)
    x[:, 5] = 1.0
    dead = E.dead_pixels(x, (4, 4))
    assert dead.sum() == 15 and not dead[1, 1]


@settings(max_examples=40, deadline=None)
@given(rows=st.integers(1, 12), cols=st.integers(1, 6), s=st.floats(0.0, 0.99),
       seed=st.integers(0, 10**6))
def test_row_prune_removes_whole_rows_of_smallest_norm(rows, cols, s, seed):
    w = np.random.default_rng(seed).normal(size=(rows, cols))
    mask = E.row_prune(w, s)
    kept_rows = mask.all(axis=1)
    assert (mask == kept_rows[:, None]).all()  # constant along each row
    assert (~kept_rows).sum() == round(s * rows)
    norms = np.linalg.norm(w, axis=1)
    if kept_rows.any() and (~kept_rows).any():
        assert norms[kept_rows].min() >= norms[~kept_rows].max()


def test_row_prune_bad_input():
    with pytest.raises(CompressionError, match="sparsity"):
        E.row_prune(np.ones((2, 2)), 1.0)
    with pytest.raises(CompressionError, match="ndim"):
        E.row_prune(np.ones(4), 0.5)


def test_pruned_lenet300_reaches_the_kept_fractions_and_is_cached(tiny, cache):
    model, data = tiny
    keep = {"ip1": 0.25, "ip2": 0.5, "ip3": 1.0}
    net = E.pruned_lenet300(model, data, keep, n_retrain=96, progress=False)
    for layer in net.layers:
        assert np.count_nonzero(layer.W) == round(keep[layer.name] * layer.W.size)
    again = E.pruned_lenet300(model, data, keep, n_retrain=96, progress=False)
    assert E.model_digest(again) == E.model_digest(net)
    assert len(list(cache.glob("experiment_pruned_lenet300_*.npz"))) == 1
    with pytest.raises(ConfigError, match="keep"):
        E.pruned_lenet300(model, data, {"ip1": 0.0})


def test_one_shot_vs_iterative_ends_at_equal_sparsity(tiny, cache):
    model, data = tiny
    keep = {"ip1": 0.2, "ip2": 0.3, "ip3": 0.5}
    out = E.one_shot_vs_iterative(model, data, keep, steps=3, n_retrain=96, progress=False)
    expected = sum(round(keep[n] * model.layer(n).W.size) for n in model.names) / model.n_weights()
    assert out["kept"] == pytest.approx(expected)
    assert len(out["iterative_curve"]) == 3
    assert out["iterative_curve"][-1] == out["iterative"]
    assert all(0.0 <= out[k] <= 1.0 for k in ("one_shot", "one_shot_pruned", "iterative"))
    # the one-shot cut before retraining is exactly magnitude pruning of the baseline
    net = model.copy()
    net.set_masks({la.name: magnitude_prune(la.W, 1 - keep[la.name]) for la in net.layers})
    assert out["one_shot_pruned"] == pytest.approx(net.error_rate(data[2], data[3]))
    with pytest.raises(ConfigError, match="steps"):
        E.one_shot_vs_iterative(model, data, keep, steps=1)
    assert iterative_schedule(0.8, 3)[-1] == 0.8


def test_trained_quantization_keeps_codes_and_reports_three_errors(tiny, cache):
    model, data = tiny
    out = E.trained_quantization(model, data, bits=(1, 2), n_train=96, epochs=1, progress=False)
    assert sorted(out) == [1, 2]
    for row in out.values():
        assert set(row) == {"float", "quantized", "finetuned"}
        assert row["float"] == pytest.approx(model.error_rate(data[2], data[3]))
    with pytest.raises(ConfigError, match="bits"):
        E.trained_quantization(model, data, bits=(0,))


def test_cached_sensitivity_matches_the_package_sweep(tiny, cache):
    from eie_lab.compression.prune import sensitivity_sweep

    model, (x, y, _, _) = tiny
    r = E.cached_sensitivity(model, x, y, [0.0, 0.5, 0.9], progress=False)
    ref = sensitivity_sweep(model.weights(), lambda ws: 1 - model.with_weights(ws).error_rate(x, y),
                            [0.0, 0.5, 0.9], progress=False)
    assert r.baseline == ref.baseline
    for name in model.names:
        np.testing.assert_array_equal(r.metric[name], ref.metric[name])


def test_model_digest_sees_masks_and_codebooks(tiny):
    model, _ = tiny
    a = E.model_digest(model)
    m2 = model.copy()
    m2.set_masks({"ip1": np.ones_like(m2.layer("ip1").W, dtype=bool)})
    assert E.model_digest(m2) != a
