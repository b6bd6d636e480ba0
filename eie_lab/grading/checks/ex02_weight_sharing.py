"""Checks for ``exercises/ex02_weight_sharing.ipynb``: linear init, one Lloyd step, fine-tuning.

References: :mod:`eie_lab.compression.quantize` (``init_centroids``, ``reduce_gradients``,
``finetune_centroids``, ``compression_rate``). The single Lloyd step is written out here
(:func:`lloyd_step`): the package's ``kmeans_1d`` runs to convergence and relocates empty
clusters, while the exercise asks for one plain step in which an empty cluster keeps its centroid
(the test-suite checks both agree whenever no cluster is empty).

The visible examples are DC Fig. 3 (papers.md §2.5): codebook [-1, 0, 1.5, 2], reduced gradients
-0.03/0.04/0.02/0.04 and, with lr = 1, fine-tuned centroids -0.97/-0.04/1.48/1.96; rate 3.2.

Examples
--------
>>> from eie_lab.grading.checks import ex02_weight_sharing as ex
>>> ex.check_finetune_centroids(ex.REFERENCE["finetune_centroids"])
"""

from __future__ import annotations

import numpy as np

from eie_lab.compression import quantize
from eie_lab.grading.checks._core import (
    CheckFailed,
    Part,
    cases,
    expect_array,
    expect_number,
    run_part,
)
from eie_lab.grading.exercise_data import FIG3_CODEBOOK, FIG3_CODES, FIG3_GRAD

__all__ = ["REFERENCE", "PARTS", "lloyd_step", "FIG3_CODES", "FIG3_GRAD", "FIG3_CODEBOOK",
           "check_linear_init", "check_lloyd_step", "check_reduce_gradients",
           "check_finetune_centroids", "check_compression_rate"]

_PACKAGE = ("eie_lab.compression.quantize:*", "eie_lab.quantizer:*", "eie_lab._kmeans_fast:*",
            "eie_lab.compression._kmeans_hist:*")


def lloyd_step(x: np.ndarray, centroids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One Lloyd step for 1-D data: nearest centroid (ties to the lower index), then means.

    1.0 lies halfway between centroids 0 and 2, so it joins the lower one; 9 keeps its place.

    Examples
    --------
    >>> c, labels = lloyd_step(np.array([0.0, 1.0, 4.0, 5.0]), np.array([0.0, 2.0, 9.0]))
    >>> c.tolist(), labels.tolist()
    ([0.5, 4.5, 9.0], [0, 0, 1, 1])
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    c = np.asarray(centroids, dtype=np.float64)
    labels = np.argmin(np.abs(x[:, None] - c[None, :]), axis=1)
    sums = np.bincount(labels, weights=x, minlength=c.size)
    counts = np.bincount(labels, minlength=c.size)
    new = np.where(counts > 0, sums / np.maximum(counts, 1), c)
    return new, labels


REFERENCE = {
    "linear_init": lambda x, k: quantize.init_centroids(x, k, "linear"),
    "lloyd_step": lloyd_step,
    "reduce_gradients": quantize.reduce_gradients,
    "finetune_centroids": quantize.finetune_centroids,
    "compression_rate": quantize.compression_rate,
}


def _labelled(kind: str, fmt, examples: list[tuple]) -> list[tuple[str, tuple]]:
    return [(f"{kind} {i + 1}: {fmt(*args)}", args) for i, args in enumerate(examples)]


def _li_fmt(x, k):
    return f"linear_init(x of shape {x.shape}, k={k})"


def _li_hidden(seed):
    return _labelled("hidden", _li_fmt, [
        (rng.normal(float(rng.normal()), 1.0, size=int(rng.integers(2, 60))),
         int(rng.integers(1, 17))) for _, rng in cases(seed, 25)])


def _li_judge(args, got, case):
    expect_array(got, quantize.init_centroids(*args, "linear"), "the centroids", case,
                 exact=False)


def _ls_fmt(x, c):
    return f"lloyd_step(x of shape {x.shape}, centroids={np.round(c, 3).tolist()})"


def _ls_hidden(seed):
    out = []
    for _, rng in cases(seed, 25):
        x = np.round(rng.normal(size=int(rng.integers(3, 80))), 1)
        k = int(rng.integers(1, 7))
        out.append((x, np.sort(rng.choice(np.linspace(-2, 2, 41), k, replace=False))))
    return _labelled("hidden", _ls_fmt, out)


def _ls_judge(args, got, case):
    if type(got) is not tuple or len(got) != 2:
        raise CheckFailed(f"{case}: expected a tuple (new_centroids, labels), got "
                          f"{type(got).__name__}")
    want_c, want_l = lloyd_step(*args)
    expect_array(got[1], want_l, "labels", case, kind="iu")
    expect_array(got[0], want_c, "new_centroids", case, exact=False)


def _rg_fmt(codes, g, k):
    return f"reduce_gradients(codes of shape {codes.shape}, grad, k={k})"


def _rg_hidden(seed):
    out = []
    for _, rng in cases(seed, 25):
        k = int(rng.integers(1, 17))
        shape = tuple(int(s) for s in rng.integers(1, 9, size=2))
        out.append((rng.integers(0, k, size=shape), rng.normal(size=shape), k))
    return _labelled("hidden", _rg_fmt, out)


def _rg_judge(args, got, case):
    expect_array(got, quantize.reduce_gradients(*args), "the reduced gradients", case,
                 exact=False)


def _ft_fmt(cb, codes, g, lr):
    return f"finetune_centroids(codebook of {cb.size}, codes, grad, lr={lr:.3g})"


def _ft_hidden(seed):
    out = []
    for _, rng in cases(seed, 25):
        k = int(rng.integers(1, 17))
        shape = tuple(int(s) for s in rng.integers(1, 9, size=2))
        out.append((np.sort(rng.normal(size=k)), rng.integers(0, k, size=shape),
                    rng.normal(size=shape), float(rng.uniform(0.001, 2.0))))
    return _labelled("hidden", _ft_fmt, out)


def _ft_judge(args, got, case):
    expect_array(got, quantize.finetune_centroids(*args), "the new codebook", case, exact=False)


def _cr_fmt(n, b, k):
    return f"compression_rate(n={n}, b={b}, k={k})"


def _cr_hidden(seed):
    return _labelled("hidden", _cr_fmt, [
        (int(rng.integers(1, 10**6)), int(rng.choice([8, 16, 32])), int(2 ** rng.integers(1, 9)))
        for _, rng in cases(seed, 20)])


def _cr_judge(args, got, case):
    expect_number(got, quantize.compression_rate(*args), "the rate", case)


PARTS = {
    "linear_init": Part("linear_init", lambda: _labelled("example", _li_fmt, [
        (np.array([0.0, 1.0, 2.0, 10.0]), 3), (np.array([[2.09, -0.98], [0.05, 1.92]]), 4)]),
        _li_hidden, _li_judge, 201, _PACKAGE),
    "lloyd_step": Part("lloyd_step", lambda: _labelled("example", _ls_fmt, [
        (np.array([0.0, 1.0, 4.0, 5.0]), np.array([0.0, 2.0, 9.0])),
        (np.array([1.0, 1.2, 5.0, 5.4, 9.0]), np.array([1.0, 5.0])),
        (np.array([0.0, 1.0, 2.0]), np.array([0.0, 2.0]))]),  # 1.0 is a tie: lower index
        _ls_hidden, _ls_judge, 202, _PACKAGE),
    "reduce_gradients": Part("reduce_gradients", lambda: _labelled(
        "example", _rg_fmt, [(FIG3_CODES, FIG3_GRAD, 4)]), _rg_hidden, _rg_judge, 203, _PACKAGE),
    "finetune_centroids": Part("finetune_centroids", lambda: _labelled(
        "example", _ft_fmt, [(FIG3_CODEBOOK, FIG3_CODES, FIG3_GRAD, 1.0)]), _ft_hidden,
        _ft_judge, 204, _PACKAGE),
    "compression_rate": Part("compression_rate", lambda: _labelled(
        "example", _cr_fmt, [(16, 32, 4), (1000, 32, 16)]), _cr_hidden, _cr_judge, 205, _PACKAGE),
}


def check_linear_init(fn, hidden: bool = False) -> None:
    """``fn(x, k)`` -> k centroids evenly spaced from min(x) to max(x)."""
    run_part(PARTS["linear_init"], fn, hidden)


def check_lloyd_step(fn, hidden: bool = False) -> None:
    """``fn(x, centroids)`` -> (new_centroids, labels) after one assignment + update step."""
    run_part(PARTS["lloyd_step"], fn, hidden)


def check_reduce_gradients(fn, hidden: bool = False) -> None:
    """``fn(codes, grad, k)`` -> (k,) sum of the gradients of each code (DC Fig. 3)."""
    run_part(PARTS["reduce_gradients"], fn, hidden)


def check_finetune_centroids(fn, hidden: bool = False) -> None:
    """``fn(codebook, codes, grad, lr)`` -> codebook - lr * reduced gradients (DC Fig. 3)."""
    run_part(PARTS["finetune_centroids"], fn, hidden)


def check_compression_rate(fn, hidden: bool = False) -> None:
    """``fn(n, b, k)`` -> DC Eq. 1 ``n*b / (n*log2(k) + k*b)`` (3.2 for DC Fig. 3)."""
    run_part(PARTS["compression_rate"], fn, hidden)
