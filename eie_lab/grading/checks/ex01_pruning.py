"""Checks for ``exercises/ex01_pruning.ipynb``: magnitude pruning, the std rule, masks honoured.

References: :mod:`eie_lab.compression.prune` (``magnitude_prune``, ``prune_by_std``,
``global_magnitude_prune``, ``apply_mask``). Each part is a :class:`~._core.Part` in
:data:`PARTS`; ``check_<part>(fn, hidden)`` runs it in the student's kernel.

Examples
--------
>>> from eie_lab.grading.checks import ex01_pruning as ex
>>> ex.check_magnitude_prune(ex.REFERENCE["magnitude_prune"])
"""

from __future__ import annotations

import numpy as np

from eie_lab.compression import prune
from eie_lab.grading.checks._core import CheckFailed, Part, cases, expect_array, run_part

__all__ = ["REFERENCE", "PARTS", "check_magnitude_prune", "check_prune_by_std",
           "check_masked_sgd_step", "check_global_magnitude_prune"]

_PACKAGE = ("eie_lab.compression.prune:*",)


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


def _labelled(kind: str, fmt, examples: list[tuple]) -> list[tuple[str, tuple]]:
    return [(f"{kind} {i + 1}: {fmt(*args)}", args) for i, args in enumerate(examples)]


# --- magnitude_prune --------------------------------------------------------------------------
def _mp_fmt(w, s):
    return f"magnitude_prune(w of shape {w.shape}, sparsity={s:.3g})"


def _mp_examples():
    return _labelled("example", _mp_fmt, [
        (np.array([3.0, -1.0, 2.0, 0.5]), 0.5), (np.array([[0.3, -0.1], [-0.7, 0.2]]), 0.25),
        (np.array([1.0, -1.0, 1.0, 2.0]), 0.5)])  # ties: earlier positions go first


def _mp_hidden(seed):
    out = []
    for i, (_, rng) in enumerate(cases(seed, 30)):
        w = _weights(rng, ties=i % 3 == 0)
        out.append((w, float(rng.choice([0.0, 0.1, 0.37, 0.5, 0.9, rng.uniform(0, 0.99)]))))
    return _labelled("hidden", _mp_fmt, out)


def _mp_judge(args, got, case):
    expect_array(got, prune.magnitude_prune(*args), "the mask", case, kind="b")


# --- prune_by_std -----------------------------------------------------------------------------
def _std_fmt(w, q):
    return f"prune_by_std(w of shape {w.shape}, quality={q:.3g})"


def _std_examples():
    return _labelled("example", _std_fmt, [
        (np.array([-2.0, -0.5, 0.1, 0.4, 2.0]), 0.5), (np.array([[1.0, -3.0], [0.2, 0.0]]), 1.0),
        (np.array([0.01, -0.02, 0.03, -0.5, 0.04]), 0.5)])


def _std_hidden(seed):
    return _labelled("hidden", _std_fmt,
                     [(_weights(rng), float(rng.uniform(0.0, 2.5))) for _, rng in cases(seed, 30)])


def _std_judge(args, got, case):
    expect_array(got, prune.prune_by_std(*args), "the mask", case, kind="b")


# --- masked_sgd_step --------------------------------------------------------------------------
def _sgd_fmt(w, g, m, lr):
    return f"masked_sgd_step(w of shape {w.shape}, lr={lr:.3g})"


def _sgd_examples():
    w = np.array([[0.5, 0.0], [-1.0, 0.0]])
    return _labelled("example", _sgd_fmt, [(w, np.array([[0.1, 0.3], [-0.2, -0.4]]), w != 0, 0.5)])


def _sgd_hidden(seed):
    out = []
    for _, rng in cases(seed, 25):
        w = _weights(rng)
        mask = prune.magnitude_prune(w, float(rng.uniform(0, 0.95)))
        out.append((prune.apply_mask(w, mask), rng.normal(size=w.shape), mask,
                    float(rng.uniform(0.001, 1.0))))
    return _labelled("hidden", _sgd_fmt, out)


def _sgd_judge(args, got, case):
    w, g, m, lr = args
    if np.shape(got) == w.shape and isinstance(got, np.ndarray) and got.dtype.kind in "biuf":
        moved = int(np.sum(np.asarray(got, dtype=float)[~m] != 0.0))
        if moved:
            raise CheckFailed(f"{case}: pruned weights (mask == False) must stay exactly 0.0; "
                              f"{moved} of them moved")
    expect_array(got, _masked_sgd_step(w, g, m, lr), "the updated weights", case, exact=False)


# --- global_magnitude_prune -------------------------------------------------------------------
def _gmp_fmt(layers, s):
    return (f"global_magnitude_prune({len(layers)} layers of shapes {[x.shape for x in layers]}, "
            f"sparsity={s:.3g})")


def _gmp_examples():
    return _labelled("example", _gmp_fmt, [
        ([np.array([1.0, 0.1]), np.array([0.2, 3.0])], 0.5),
        ([np.array([[0.9, -0.05], [0.4, 0.3]]), np.array([-0.2, 0.01, 0.6])], 3 / 7)])


def _gmp_hidden(seed):
    return _labelled("hidden", _gmp_fmt, [
        ([_weights(rng, ties=j % 2 == 1) for j in range(int(rng.integers(1, 5)))],
         float(rng.uniform(0, 0.95))) for _, rng in cases(seed, 25)])


def _gmp_judge(args, got, case):
    layers, s = args
    want = prune.global_magnitude_prune(list(layers), s)
    if type(got) not in (list, tuple) or len(got) != len(want):
        raise CheckFailed(f"{case}: expected a list of {len(want)} masks, got "
                          f"{type(got).__name__}"
                          + (f" of length {len(got)}" if type(got) in (list, tuple) else ""))
    for j, (g, m) in enumerate(zip(got, want)):
        expect_array(g, m, f"mask {j}", case, kind="b")


PARTS = {
    "magnitude_prune": Part("magnitude_prune", _mp_examples, _mp_hidden, _mp_judge, 101, _PACKAGE),
    "prune_by_std": Part("prune_by_std", _std_examples, _std_hidden, _std_judge, 102, _PACKAGE),
    "masked_sgd_step": Part("masked_sgd_step", _sgd_examples, _sgd_hidden, _sgd_judge, 103,
                            _PACKAGE),
    "global_magnitude_prune": Part("global_magnitude_prune", _gmp_examples, _gmp_hidden,
                                   _gmp_judge, 104, _PACKAGE),
}


def check_magnitude_prune(fn, hidden: bool = False) -> None:
    """``fn(w, sparsity)`` -> bool mask keeping all but the ``round(sparsity*w.size)`` smallest."""
    run_part(PARTS["magnitude_prune"], fn, hidden)


def check_prune_by_std(fn, hidden: bool = False) -> None:
    """``fn(w, quality)`` -> mask ``|w| > quality * std(w)``."""
    run_part(PARTS["prune_by_std"], fn, hidden)


def check_masked_sgd_step(fn, hidden: bool = False) -> None:
    """``fn(w, grad, mask, lr)`` -> ``w - lr*grad`` with pruned weights exactly 0.0."""
    run_part(PARTS["masked_sgd_step"], fn, hidden)


def check_global_magnitude_prune(fn, hidden: bool = False) -> None:
    """``fn(layers, sparsity)`` -> one mask per layer, one threshold for all layers."""
    run_part(PARTS["global_magnitude_prune"], fn, hidden)
