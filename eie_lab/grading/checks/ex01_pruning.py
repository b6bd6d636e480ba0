"""Checks for ``exercises/ex01_pruning.ipynb``: magnitude pruning, the std rule, masks honoured,
three questions on what pruning does to LeNet-300-100, and a design-to-target task.

References: :mod:`eie_lab.compression.prune` (``magnitude_prune``, ``prune_by_std``,
``global_magnitude_prune``, ``apply_mask``). Each part is a :class:`~._core.Part` in
:data:`PARTS`; ``check_<part>(fn, hidden)`` runs it in the student's kernel. The questions are
answered by a function of no arguments: :data:`QUESTIONS` (multiple choice) and
``std_quality_for_90`` (a number); their visible test checks the form only. The design task
(``keep_fractions``) is judged on the measured outcome: LeNet-300-100 pruned per layer by
magnitude, without retraining, on the 10,000 MNIST test images (:func:`pruned_outcome`).

Examples
--------
>>> from eie_lab.grading.checks import ex01_pruning as ex
>>> ex.check_magnitude_prune(ex.REFERENCE["magnitude_prune"])
✓ magnitude_prune: 3 examples pass
>>> ex.check_most_kept_layer(lambda: "a")   # the visible test checks the form only
✓ most_kept_layer: 1 example passes
"""

from __future__ import annotations

import math

import numpy as np

from eie_lab.compression import prune
from eie_lab.grading.checks._core import (
    CheckFailed,
    Part,
    answer_part,
    cases,
    choice_part,
    describe,
    expect_array,
    run_part,
)
from eie_lab.grading.checks._lenet import error_pp, lenet_baseline

__all__ = ["REFERENCE", "PARTS", "QUESTIONS", "INTERPRET", "ANSWERS", "NEEDS_MNIST", "TARGET_KEEP",
           "TARGET_EXTRA_ERROR_PP", "pruned_outcome", "check_magnitude_prune",
           "check_prune_by_std", "check_masked_sgd_step", "check_global_magnitude_prune",
           "check_most_kept_layer", "check_why_last_layer", "check_std_quality_for_90",
           "check_keep_fractions"]

# Multiple-choice questions: part -> (choices, the right one). The notebook states them in full.
QUESTIONS = {
    "most_kept_layer": ("abc", "c"),  # global 90%: ip1 keeps 6.6%, ip2 34%, ip3 78%
    "why_last_layer": ("abcd", "b"),  # each class score rests on only 100 weights, all large
}
INTERPRET = tuple(QUESTIONS)  # parts whose answer is a constant (no hidden inputs to vary)
# The normal quantile at 0.95: |w| > q * std keeps 10% of Gaussian weights.
STD_QUALITY_FOR_90 = math.sqrt(2.0) * 1.1630871536766743  # sqrt(2) * erfinv(0.9) = 1.6449
ANSWERS = INTERPRET + ("std_quality_for_90", "keep_fractions")  # answered by a constant
NEEDS_MNIST = ("keep_fractions",)  # judged on LeNet-300-100 and the MNIST test images
TARGET_KEEP = 0.15  # design target: at most 15% of the weights kept ...
TARGET_EXTRA_ERROR_PP = 0.6  # ... at no more than +0.6 pp test error, without retraining
LAYERS = ("ip1", "ip2", "ip3")

_PACKAGE = ("eie_lab.compression.prune:*",)


def _masked_sgd_step(w, grad, mask, lr):
    return prune.apply_mask(w - lr * grad, mask)


REFERENCE = {
    "magnitude_prune": prune.magnitude_prune,
    "prune_by_std": prune.prune_by_std,
    "masked_sgd_step": _masked_sgd_step,
    "global_magnitude_prune": lambda layers, sparsity: prune.global_magnitude_prune(
        list(layers), sparsity),
    "most_kept_layer": lambda: QUESTIONS["most_kept_layer"][1],
    "why_last_layer": lambda: QUESTIONS["why_last_layer"][1],
    "std_quality_for_90": lambda: 1.645,
    "keep_fractions": lambda: {"ip1": 0.12, "ip2": 0.3, "ip3": 0.4},
}


def pruned_outcome(keep: dict) -> tuple[float, float]:
    """Kept fraction of all weights and extra test error (pp) of LeNet-300-100 pruned by layer.

    Each layer keeps ``keep[name]`` of its weights by magnitude (the package's
    ``magnitude_prune``), no retraining; the error is measured on the 10,000 MNIST test images
    against the unpruned network's.

    Parameters
    ----------
    keep : dict
        ``{"ip1": f1, "ip2": f2, "ip3": f3}``, fractions in [0, 1].

    Returns
    -------
    (float, float)
        Fraction of the weights kept, error increase in percentage points.

    Examples
    --------
    >>> kept, extra = pruned_outcome({"ip1": 1.0, "ip2": 1.0, "ip3": 1.0})  # doctest: +SKIP
    >>> kept, extra  # doctest: +SKIP
    (1.0, 0.0)
    """
    model, x, y = lenet_baseline()
    base = error_pp(model, x, y)
    pruned = model.copy()
    kept = total = 0
    for layer in pruned.layers:
        mask = prune.magnitude_prune(layer.W, 1.0 - float(keep[layer.name]))
        layer.W = np.where(mask, layer.W, 0).astype(layer.W.dtype)
        kept += int(mask.sum())
        total += mask.size
    return kept / total, error_pp(pruned, x, y) - base


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


# --- the questions and the design task -------------------------------------------------------
def _number_form(got, case):
    if isinstance(got, bool) or not isinstance(got, (int, float, np.integer, np.floating)) \
            or not math.isfinite(float(got)):
        raise CheckFailed(f"{case}: expected one number, got {describe(got)}")


def _quality_grade(got, case):
    if abs(float(got) - STD_QUALITY_FOR_90) > 0.03:
        raise CheckFailed(f"{case}: {float(got):.4g} does not keep 10% of Gaussian weights "
                          "(within 0.03 of the quality that does); measure the kept fraction "
                          "of a large normal sample at your quality")


def _keep_form(got, case):
    if not isinstance(got, dict) or sorted(got) != sorted(LAYERS):
        raise CheckFailed(f"{case}: expected a dict with keys {', '.join(LAYERS)}, got "
                          f"{describe(got)}")
    for name in LAYERS:
        v = got[name]
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) \
                or not 0.0 <= float(v) <= 1.0:
            raise CheckFailed(f"{case}: keep fraction of {name} should be a number in [0, 1], "
                              f"got {describe(v)}")


def _keep_grade(got, case):
    kept, extra = pruned_outcome(got)
    if kept > TARGET_KEEP + 1e-9 or extra > TARGET_EXTRA_ERROR_PP + 1e-9:
        raise CheckFailed(
            f"{case}: your keep fractions keep {100 * kept:.2f}% of the weights at "
            f"{extra:+.2f} pp test error; the target is at most {100 * TARGET_KEEP:.0f}% at no "
            f"more than +{TARGET_EXTRA_ERROR_PP} pp")


PARTS = {
    "magnitude_prune": Part("magnitude_prune", _mp_examples, _mp_hidden, _mp_judge, 101, _PACKAGE,
                            "sort positions by magnitude, stably; the first ones go"),
    "prune_by_std": Part("prune_by_std", _std_examples, _std_hidden, _std_judge, 102, _PACKAGE,
                         "a strict comparison: a weight exactly at the threshold is pruned"),
    "masked_sgd_step": Part("masked_sgd_step", _sgd_examples, _sgd_hidden, _sgd_judge, 103,
                            _PACKAGE, "the update happens everywhere, the mask decides what stays"),
    "global_magnitude_prune": Part("global_magnitude_prune", _gmp_examples, _gmp_hidden,
                                   _gmp_judge, 104, _PACKAGE,
                                   "one pooled ranking, then each layer gets its own slice back"),
    "most_kept_layer": choice_part("most_kept_layer", *QUESTIONS["most_kept_layer"], 105),
    "why_last_layer": choice_part("why_last_layer", *QUESTIONS["why_last_layer"], 106),
    "std_quality_for_90": answer_part("std_quality_for_90", _number_form, _quality_grade, 107),
    "keep_fractions": answer_part("keep_fractions", _keep_form, _keep_grade, 108, reveal=True,
                                  nudge="measure each layer alone first: which one tolerates "
                                        "the least pruning?"),
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


def check_most_kept_layer(fn, hidden: bool = False) -> None:
    """``fn()`` -> one letter (question: which layer keeps most under one global threshold)."""
    run_part(PARTS["most_kept_layer"], fn, hidden)


def check_why_last_layer(fn, hidden: bool = False) -> None:
    """``fn()`` -> one letter (question: why the last layer needs a larger keep fraction)."""
    run_part(PARTS["why_last_layer"], fn, hidden)


def check_std_quality_for_90(fn, hidden: bool = False) -> None:
    """``fn()`` -> the quality at which the std rule keeps 10% of Gaussian weights."""
    run_part(PARTS["std_quality_for_90"], fn, hidden)


def check_keep_fractions(fn, hidden: bool = False) -> None:
    """``fn()`` -> ``{"ip1": f1, "ip2": f2, "ip3": f3}`` meeting the design target."""
    run_part(PARTS["keep_fractions"], fn, hidden)
