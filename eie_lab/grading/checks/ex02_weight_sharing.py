"""Checks for ``exercises/ex02_weight_sharing.ipynb``: linear init, one Lloyd step, fine-tuning,
DC Eq. 1, two questions on quantisation error, and a design-to-target task (bits per layer).

References: :mod:`eie_lab.compression.quantize` (``init_centroids``, ``reduce_gradients``,
``finetune_centroids``, ``compression_rate``). The single Lloyd step is written out here
(:func:`lloyd_step`): the package's ``kmeans_1d`` runs to convergence and relocates empty
clusters, while the exercise asks for one plain step in which an empty cluster keeps its centroid
(the test-suite checks both agree whenever no cluster is empty).

The questions (``init_tradeoff``, multiple choice; ``error_ratio_3_to_4_bits``, a number) are
answered by a function of no arguments; their visible test checks the form only. The design task
(``bits_per_layer``) is judged on the measured outcome (:func:`shared_outcome`): LeNet-300-100
with each layer's weights shared through ``2**bits`` centroids (linear init, 20 Lloyd steps, no
fine-tuning), its average storage per weight and its extra error on the 10,000 MNIST test images.

The visible examples are DC Fig. 3: codebook [-1, 0, 1.5, 2], reduced gradients
-0.03/0.04/0.02/0.04 and, with lr = 1, fine-tuned centroids -0.97/-0.04/1.48/1.96; rate 3.2.

Examples
--------
>>> from eie_lab.grading.checks import ex02_weight_sharing as ex
>>> ex.check_finetune_centroids(ex.REFERENCE["finetune_centroids"])
✓ finetune_centroids: 1 example passes
"""

from __future__ import annotations

import functools
import math

import numpy as np

from eie_lab.compression import quantize
from eie_lab.grading.checks._core import (
    CheckFailed,
    Part,
    answer_part,
    cases,
    choice_part,
    describe,
    expect_array,
    expect_number,
    run_part,
)
from eie_lab.grading.checks._lenet import error_pp, lenet_baseline
from eie_lab.grading.exercise_data import FIG3_CODEBOOK, FIG3_CODES, FIG3_GRAD

__all__ = ["REFERENCE", "PARTS", "QUESTIONS", "INTERPRET", "ANSWERS", "NEEDS_MNIST", "TARGET_BITS",
           "TARGET_EXTRA_ERROR_PP", "lloyd_step", "share", "demo_weights", "shared_outcome",
           "FIG3_CODES", "FIG3_GRAD", "FIG3_CODEBOOK", "check_linear_init", "check_lloyd_step",
           "check_reduce_gradients", "check_finetune_centroids", "check_compression_rate",
           "check_init_tradeoff", "check_error_ratio_3_to_4_bits", "check_bits_per_layer"]

# Multiple-choice questions: part -> (choices, the right one). The notebook states them in full.
QUESTIONS = {
    # 16 centroids on demo_weights(): RMS error linear 0.0111 / density 0.0096, largest 1%:
    # linear 0.024 / density 0.051
    "init_tradeoff": ("abcd", "b"),
}
INTERPRET = tuple(QUESTIONS)
ANSWERS = INTERPRET + ("error_ratio_3_to_4_bits", "bits_per_layer")  # answered by a constant
NEEDS_MNIST = ("bits_per_layer",)  # judged on LeNet-300-100 and the MNIST test images
TARGET_BITS = 3.0  # design target: at most 3.0 bits per weight on average (codes + codebooks)
TARGET_EXTRA_ERROR_PP = 0.25  # ... at no more than +0.25 pp test error, without fine-tuning
LAYERS = ("ip1", "ip2", "ip3")
CODEBOOK_BITS = 32  # each shared value stored as a float32

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


def share(x: np.ndarray, bits: int, steps: int = 20) -> np.ndarray:
    """``x`` with every value replaced by its nearest of ``2**bits`` shared values.

    The shared values start linearly spaced between ``min(x)`` and ``max(x)`` and take
    ``steps`` :func:`lloyd_step` updates (no fine-tuning): the lab's definition, which the
    notebook's ``share`` repeats with the student's functions.

    Examples
    --------
    >>> share(np.array([0.0, 0.1, 0.9, 1.0]), 1).tolist()
    [0.05, 0.05, 0.95, 0.95]
    """
    x = np.asarray(x, dtype=np.float64)
    c = np.linspace(x.min(), x.max(), 2 ** int(bits))
    for _ in range(steps):
        c, _ = lloyd_step(x, c)
    _, labels = lloyd_step(x, c)
    return c[labels].reshape(x.shape)


def demo_weights() -> np.ndarray:
    """The lab's bell-shaped sample: 100,000 Laplace-distributed values of scale 0.05.

    Examples
    --------
    >>> w = demo_weights()
    >>> w.shape, round(float(np.median(np.abs(w))), 3)
    ((100000,), 0.035)
    """
    return np.random.default_rng(2).laplace(size=100_000) * 0.05


def _rms(a: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(a))))


@functools.lru_cache(maxsize=1)
def _error_ratio() -> float:
    x = demo_weights()
    return _rms(x - share(x, 4)) / _rms(x - share(x, 3))


def shared_outcome(bits: dict) -> tuple[float, float]:
    """Average bits per weight and extra test error (pp) of LeNet-300-100 with shared weights.

    Each layer's weights are replaced by :func:`share` with ``bits[name]`` bits; storage per
    layer is ``n * bits + 2**bits * 32`` (codes and a float32 codebook, DC Eq. 1's
    denominator), averaged over all weights; the error is measured on the 10,000 MNIST test
    images against the unshared network's.

    Parameters
    ----------
    bits : dict
        ``{"ip1": b1, "ip2": b2, "ip3": b3}``, integers from 1 to 8.

    Returns
    -------
    (float, float)

    Examples
    --------
    >>> shared_outcome({"ip1": 3, "ip2": 3, "ip3": 3})  # doctest: +SKIP
    (3.003..., 0.37)
    """
    model, x, y = lenet_baseline()
    base = error_pp(model, x, y)
    net = model.copy()
    stored = total = 0
    for layer in net.layers:
        b = int(bits[layer.name])
        layer.W = share(layer.W, b).astype(layer.W.dtype)
        stored += layer.W.size * b + 2 ** b * CODEBOOK_BITS
        total += layer.W.size
    return stored / total, error_pp(net, x, y) - base


REFERENCE = {
    "linear_init": lambda x, k: quantize.init_centroids(x, k, "linear"),
    "lloyd_step": lloyd_step,
    "reduce_gradients": quantize.reduce_gradients,
    "finetune_centroids": quantize.finetune_centroids,
    "compression_rate": quantize.compression_rate,
    "init_tradeoff": lambda: QUESTIONS["init_tradeoff"][1],
    "error_ratio_3_to_4_bits": lambda: 0.67,
    "bits_per_layer": lambda: {"ip1": 3, "ip2": 2, "ip3": 4},
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


# --- the questions and the design task -------------------------------------------------------
def _number_form(got, case):
    if isinstance(got, bool) or not isinstance(got, (int, float, np.integer, np.floating)) \
            or not math.isfinite(float(got)):
        raise CheckFailed(f"{case}: expected one number, got {describe(got)}")


def _ratio_grade(got, case):
    if abs(float(got) - _error_ratio()) > 0.02:
        raise CheckFailed(f"{case}: {float(got):.4g} is not the measured ratio (within 0.02); "
                          "divide the 4-bit RMS error by the 3-bit one, both from share()")


def _bits_form(got, case):
    if not isinstance(got, dict) or sorted(got) != sorted(LAYERS):
        raise CheckFailed(f"{case}: expected a dict with keys {', '.join(LAYERS)}, got "
                          f"{describe(got)}")
    for name in LAYERS:
        v = got[name]
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not 1 <= v <= 8:
            raise CheckFailed(f"{case}: bits of {name} should be an integer from 1 to 8, got "
                              f"{describe(v)}")


def _bits_grade(got, case):
    bits, extra = shared_outcome(got)
    if bits > TARGET_BITS + 1e-9 or extra > TARGET_EXTRA_ERROR_PP + 1e-9:
        raise CheckFailed(
            f"{case}: your bits store {bits:.3f} bits per weight at {extra:+.2f} pp test error; "
            f"the target is at most {TARGET_BITS} bits at no more than "
            f"+{TARGET_EXTRA_ERROR_PP} pp")


PARTS.update({
    "init_tradeoff": choice_part("init_tradeoff", *QUESTIONS["init_tradeoff"], 206),
    "error_ratio_3_to_4_bits": answer_part("error_ratio_3_to_4_bits", _number_form, _ratio_grade,
                                           207),
    "bits_per_layer": answer_part("bits_per_layer", _bits_form, _bits_grade, 208, reveal=True,
                                  nudge="the codebook costs 2**bits * 32 bits per layer: small "
                                        "layers pay for many centroids"),
})


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


def check_init_tradeoff(fn, hidden: bool = False) -> None:
    """``fn()`` -> one letter (question: linear vs density initialisation)."""
    run_part(PARTS["init_tradeoff"], fn, hidden)


def check_error_ratio_3_to_4_bits(fn, hidden: bool = False) -> None:
    """``fn()`` -> RMS error at 4 bits / RMS error at 3 bits on :func:`demo_weights`."""
    run_part(PARTS["error_ratio_3_to_4_bits"], fn, hidden)


def check_bits_per_layer(fn, hidden: bool = False) -> None:
    """``fn()`` -> ``{"ip1": b1, "ip2": b2, "ip3": b3}`` meeting the design target."""
    run_part(PARTS["bits_per_layer"], fn, hidden)
