"""Checks for ``exercises/ex01_pruning.ipynb``: magnitude pruning, the std rule, masks honoured.

References: :mod:`eie_lab.compression.prune` (``magnitude_prune``, ``prune_by_std``,
``global_magnitude_prune``, ``apply_mask``).

Examples
--------
>>> from eie_lab.grading.checks import ex01_pruning as ex
>>> ex.check_magnitude_prune(ex.REFERENCE["magnitude_prune"])
"""

from __future__ import annotations

import numpy as np

from eie_lab.compression import prune
from eie_lab.grading.checks._core import CheckFailed, call, cases, expect_array

__all__ = ["REFERENCE", "check_magnitude_prune", "check_prune_by_std", "check_masked_sgd_step",
           "check_global_magnitude_prune"]


def _masked_sgd_step(w, grad, mask, lr):
    return prune.apply_mask(w - lr * grad, mask)


REFERENCE = {
    "magnitude_prune": prune.magnitude_prune,
    "prune_by_std": prune.prune_by_std,
    "masked_sgd_step": _masked_sgd_step,
    "global_magnitude_prune": lambda layers, sparsity: prune.global_magnitude_prune(
        list(layers), sparsity),
}


def _weights(rng: np.random.Generator, ties: bool = False) -> np.ndarray:
    shape = tuple(int(s) for s in rng.integers(1, 12, size=int(rng.integers(1, 3))))
    if ties:  # few distinct magnitudes: the tie rule matters
        return rng.integers(-3, 4, size=shape).astype(np.float64)
    return rng.normal(0.0, float(rng.uniform(0.01, 2.0)), size=shape)


def check_magnitude_prune(fn, hidden: bool = False) -> None:
    """``fn(w, sparsity)`` -> bool mask keeping all but the ``round(sparsity*w.size)`` smallest."""
    examples = [(np.array([3.0, -1.0, 2.0, 0.5]), 0.5),
                (np.array([[0.3, -0.1], [-0.7, 0.2]]), 0.25),
                (np.array([1.0, -1.0, 1.0, 2.0]), 0.5)]  # ties: earlier positions go first
    if hidden:
        examples = []
        for i, (_, rng) in enumerate(cases(101, 30)):
            w = _weights(rng, ties=i % 3 == 0)
            examples.append((w, float(rng.choice([0.0, 0.1, 0.37, 0.5, 0.9, rng.uniform(0, 0.99)]))))
    for i, (w, s) in enumerate(examples):
        case = f"{'hidden' if hidden else 'example'} {i + 1}: magnitude_prune(w of shape {w.shape}, sparsity={s:.3g})"
        got = call(fn, w, s)
        expect_array(got, prune.magnitude_prune(w, s), "the mask", case, kind="b")


def check_prune_by_std(fn, hidden: bool = False) -> None:
    """``fn(w, quality)`` -> mask ``|w| > quality * std(w)``."""
    examples = [(np.array([-2.0, -0.5, 0.1, 0.4, 2.0]), 0.5), (np.array([[1.0, -3.0], [0.2, 0.0]]), 1.0),
                (np.array([0.01, -0.02, 0.03, -0.5, 0.04]), 0.5)]
    if hidden:
        examples = [(_weights(rng), float(rng.uniform(0.0, 2.5))) for _, rng in cases(102, 30)]
    for i, (w, q) in enumerate(examples):
        case = f"{'hidden' if hidden else 'example'} {i + 1}: prune_by_std(w of shape {w.shape}, quality={q:.3g})"
        expect_array(call(fn, w, q), prune.prune_by_std(w, q), "the mask", case, kind="b")


def check_masked_sgd_step(fn, hidden: bool = False) -> None:
    """``fn(w, grad, mask, lr)`` -> ``w - lr*grad`` with pruned weights exactly 0.0."""
    w = np.array([[0.5, 0.0], [-1.0, 0.0]])
    examples = [(w, np.array([[0.1, 0.3], [-0.2, -0.4]]), w != 0, 0.5)]
    if hidden:
        examples = []
        for _, rng in cases(103, 25):
            w = _weights(rng)
            mask = prune.magnitude_prune(w, float(rng.uniform(0, 0.95)))
            examples.append((prune.apply_mask(w, mask), rng.normal(size=w.shape), mask,
                             float(rng.uniform(0.001, 1.0))))
    for i, (w, g, m, lr) in enumerate(examples):
        case = f"{'hidden' if hidden else 'example'} {i + 1}: masked_sgd_step(w of shape {w.shape}, lr={lr:.3g})"
        got = call(fn, w, g, m, lr)
        want = _masked_sgd_step(w, g, m, lr)
        arr = np.asarray(got, dtype=float) if np.shape(got) == w.shape else got
        if np.shape(got) == w.shape and np.any(arr[~m] != 0.0):
            raise CheckFailed(f"{case}: pruned weights (mask == False) must stay exactly 0.0; "
                              f"{int(np.sum(arr[~m] != 0.0))} of them moved")
        expect_array(got, want, "the updated weights", case, exact=False)


def check_global_magnitude_prune(fn, hidden: bool = False) -> None:
    """``fn(layers, sparsity)`` -> one mask per layer, one threshold for all layers."""
    examples = [([np.array([1.0, 0.1]), np.array([0.2, 3.0])], 0.5),
                ([np.array([[0.9, -0.05], [0.4, 0.3]]), np.array([-0.2, 0.01, 0.6])], 3 / 7)]
    if hidden:
        examples = [([_weights(rng, ties=j % 2 == 1) for j in range(int(rng.integers(1, 5)))],
                     float(rng.uniform(0, 0.95))) for _, rng in cases(104, 25)]
    for i, (layers, s) in enumerate(examples):
        case = (f"{'hidden' if hidden else 'example'} {i + 1}: global_magnitude_prune("
                f"{len(layers)} layers of shapes {[x.shape for x in layers]}, sparsity={s:.3g})")
        got = call(fn, layers, s)
        want = prune.global_magnitude_prune(list(layers), s)
        if not isinstance(got, (list, tuple)) or len(got) != len(want):
            raise CheckFailed(f"{case}: expected a list of {len(want)} masks, got "
                              f"{type(got).__name__}"
                              + (f" of length {len(got)}" if hasattr(got, '__len__') else ""))
        for j, (g, m) in enumerate(zip(got, want)):
            expect_array(g, m, f"mask {j}", case, kind="b")
