"""Checks for ``exercises/ex07_compression_recipe.ipynb``: the storage accounting of Deep
Compression's stages, two questions on what the numbers mean, and a design-to-target task: a
whole compression recipe (keep fractions, bits per layer, index bits) for LeNet-300-100.

References: :mod:`eie_lab.sparse_format` (``codebook_bits``, ``CODE_LENGTH_BITS``) and
:func:`eie_lab.compression.huffman.huffman_lengths` for the accounting, which
:func:`eie_lab.compression.storage.storage_report` applies stream by stream (the test-suite checks
that they agree). The design task is judged on the measured outcome (:func:`recipe_outcome`):
each layer pruned by magnitude, its kept weights shared (code 0 = pruned), stored at P+Q+H in the
model file's layout, no retraining; the ratio of the dense float32 network to that storage, and
the extra error on the 10,000 MNIST test images.

Examples
--------
>>> from eie_lab.grading.checks import ex07_compression_recipe as ex
>>> ex.check_pq_bits(ex.REFERENCE["pq_bits"])
✓ pq_bits: 2 examples pass
"""

from __future__ import annotations

import functools
import json
import math

import numpy as np

from eie_lab.compression.huffman import huffman_lengths
from eie_lab.compression.prune import magnitude_prune
from eie_lab.compression.storage import storage_report
from eie_lab.grading.checks._core import (
    CheckFailed,
    Part,
    answer_part,
    cases,
    choice_part,
    describe,
    expect_number,
    run_part,
)
from eie_lab.grading.checks._lenet import error_pp, lenet_baseline
from eie_lab.quantizer import share_weights
from eie_lab.sparse_format import CODE_LENGTH_BITS, FLOAT_BITS, codebook_bits

__all__ = ["REFERENCE", "PARTS", "QUESTIONS", "INTERPRET", "ANSWERS", "NEEDS_MNIST", "TARGET_RATIO",
           "TARGET_EXTRA_ERROR_PP", "recipe_outcome", "check_overall_ratio",
           "check_huffman_stream_bits", "check_pq_bits", "check_ratio_driver",
           "check_wider_index", "check_recipe"]

_PACKAGE = ("eie_lab.compression.storage:*", "eie_lab.compression.huffman:*",
            "eie_lab.compression._huffman_fast:*", "eie_lab.compression._huffman_engine:*",
            "eie_lab.sparse_format:*", "eie_lab.compression.report:*")

# Multiple-choice questions: part -> (choices, the right one). The notebook states them in full.
QUESTIONS = {
    "ratio_driver": ("abc", "a"),  # the overall ratio is total bits over total bits: ip1 (88%)
    "wider_index": ("abc", "a"),  # 5-bit indices: fewer padding entries, Huffman removes the rest
}
INTERPRET = tuple(QUESTIONS)
ANSWERS = INTERPRET + ("recipe",)  # answered by a constant
NEEDS_MNIST = ("recipe",)  # judged on LeNet-300-100 and the MNIST test images
TARGET_RATIO = 33.0  # design target: the network stored at least 33x smaller (P+Q+H) ...
TARGET_EXTRA_ERROR_PP = 0.6  # ... at no more than +0.6 pp test error, without retraining
LAYERS = ("ip1", "ip2", "ip3")


def _overall_ratio(dense_bits, stored_bits):
    return float(sum(dense_bits)) / float(sum(stored_bits))


def _huffman_stream_bits(symbols, bits):
    counts: dict[int, int] = {}
    for s in symbols:
        counts[int(s)] = counts.get(int(s), 0) + 1
    lengths = huffman_lengths(counts)
    return sum(counts[s] * lengths[s] for s in counts) + (1 << int(bits)) * CODE_LENGTH_BITS


def _pq_bits(n_entries, weight_bits, index_bits):
    return int(n_entries) * (int(weight_bits) + int(index_bits)) + codebook_bits(weight_bits)


REFERENCE = {
    "overall_ratio": _overall_ratio,
    "huffman_stream_bits": _huffman_stream_bits,
    "pq_bits": _pq_bits,
    "ratio_driver": lambda: QUESTIONS["ratio_driver"][1],
    "wider_index": lambda: QUESTIONS["wider_index"][1],
    "recipe": lambda: {"keep": {"ip1": 0.12, "ip2": 0.3, "ip3": 0.4},
                       "bits": {"ip1": 3, "ip2": 2, "ip3": 4}, "index_bits": 5},
}


def _labelled(kind: str, fmt, examples: list[tuple]) -> list[tuple[str, tuple]]:
    return [(f"{kind} {i + 1}: {fmt(*args)}", args) for i, args in enumerate(examples)]


# --- overall_ratio ----------------------------------------------------------------------------
def _or_fmt(d, s):
    return f"overall_ratio(dense_bits={describe(d)}, stored_bits={describe(s)})"


def _or_hidden(seed):
    out = []
    for _, rng in cases(seed, 20):
        n = int(rng.integers(1, 6))
        dense = [int(x) * FLOAT_BITS for x in rng.integers(100, 300_000, size=n)]
        out.append((dense, [max(1, int(d / rng.uniform(2, 60))) for d in dense]))
    return _labelled("hidden", _or_fmt, out)


def _or_judge(args, got, case):
    expect_number(got, _overall_ratio(*args), "the ratio", case, rtol=1e-9)


# --- huffman_stream_bits ----------------------------------------------------------------------
def _hs_fmt(symbols, bits):
    return f"huffman_stream_bits({describe(symbols)}, bits={bits})"


def _hs_hidden(seed):
    out = []
    for i, (_, rng) in enumerate(cases(seed, 20)):
        bits = int(rng.integers(1, 6))
        n_used = 1 if i == 0 else int(rng.integers(1, 2 ** bits + 1))
        p = rng.dirichlet(np.full(n_used, 0.5))
        used = rng.choice(2 ** bits, size=n_used, replace=False)
        out.append(([int(s) for s in rng.choice(used, size=int(rng.integers(1, 400)), p=p)], bits))
    return _labelled("hidden", _hs_fmt, out)


def _hs_judge(args, got, case):
    expect_number(got, _huffman_stream_bits(*args), "the stream's bits", case, integer=True)


# --- pq_bits ----------------------------------------------------------------------------------
def _pq_fmt(n, wb, ib):
    return f"pq_bits(n_entries={n}, weight_bits={wb}, index_bits={ib})"


def _pq_hidden(seed):
    return _labelled("hidden", _pq_fmt, [
        (int(rng.integers(0, 100_000)), int(rng.integers(1, 9)), int(rng.integers(1, 9)))
        for _, rng in cases(seed, 20)])


def _pq_judge(args, got, case):
    expect_number(got, _pq_bits(*args), "the P+Q bits", case, integer=True)


# --- the design task --------------------------------------------------------------------------
@functools.lru_cache(maxsize=32)
def _outcome(key: str) -> tuple[float, float]:
    recipe = json.loads(key)
    model, x, y = lenet_baseline()
    base = error_pp(model, x, y)
    net = model.copy()
    dense = stored = 0
    for layer in net.layers:
        keep, bits = recipe["keep"][layer.name], recipe["bits"][layer.name]
        w = np.where(magnitude_prune(layer.W, 1.0 - keep), layer.W, 0).astype(np.float32)
        codebook, codes = share_weights(w, bits)
        report = storage_report(w, weight_bits=bits, index_bits=recipe["index_bits"],
                                codebook=codebook, codes=codes, layout="stream")
        layer.W = np.asarray(codebook, dtype=layer.W.dtype)[codes]
        dense += FLOAT_BITS * w.size
        stored += report.total_bits("P+Q+H")
    return dense / stored, error_pp(net, x, y) - base


def recipe_outcome(recipe: dict) -> tuple[float, float]:
    """Compression ratio (P+Q+H) and extra test error (pp) of a recipe for LeNet-300-100.

    Each layer keeps ``keep[name]`` of its weights by magnitude, shares the kept ones through
    ``2**bits[name]`` values (code 0 = pruned, linear init), and is stored with
    ``index_bits``-bit relative indices, Huffman coded, in the model file's layout; no
    retraining or fine-tuning. The ratio is the dense float32 network's bits over the stored
    bits; the error is measured on the 10,000 MNIST test images against the dense network's.

    Parameters
    ----------
    recipe : dict
        ``{"keep": {layer: fraction}, "bits": {layer: 1..8}, "index_bits": 2..8}``.

    Returns
    -------
    (float, float)

    Examples
    --------
    >>> ratio, extra = recipe_outcome(REFERENCE["recipe"]())  # doctest: +SKIP
    >>> round(ratio, 1), round(extra, 2)  # doctest: +SKIP
    (35.1, 0.48)
    """
    return _outcome(json.dumps(recipe, sort_keys=True))


def _number(v) -> bool:
    return not isinstance(v, bool) and isinstance(v, (int, float, np.integer, np.floating)) \
        and math.isfinite(float(v))


def _recipe_form(got, case):
    if not isinstance(got, dict) or sorted(got) != ["bits", "index_bits", "keep"]:
        raise CheckFailed(f"{case}: expected a dict with keys keep, bits, index_bits, got "
                          f"{describe(got)}")
    for key in ("keep", "bits"):
        if not isinstance(got[key], dict) or sorted(got[key]) != sorted(LAYERS):
            raise CheckFailed(f"{case}: {key} should be a dict with keys {', '.join(LAYERS)}, "
                              f"got {describe(got[key])}")
    for name in LAYERS:
        k, b = got["keep"][name], got["bits"][name]
        if not _number(k) or not 0.0 < float(k) <= 1.0:
            raise CheckFailed(f"{case}: keep of {name} should be a number in (0, 1], got "
                              f"{describe(k)}")
        if not _number(b) or int(b) != b or not 1 <= b <= 8:
            raise CheckFailed(f"{case}: bits of {name} should be an integer from 1 to 8, got "
                              f"{describe(b)}")
    ib = got["index_bits"]
    if not _number(ib) or int(ib) != ib or not 2 <= ib <= 8:
        raise CheckFailed(f"{case}: index_bits should be an integer from 2 to 8, got "
                          f"{describe(ib)}")


def _recipe_grade(got, case):
    plain = {"keep": {n: float(got["keep"][n]) for n in LAYERS},
             "bits": {n: int(got["bits"][n]) for n in LAYERS}, "index_bits": int(got["index_bits"])}
    ratio, extra = recipe_outcome(plain)
    if ratio < TARGET_RATIO - 1e-9 or extra > TARGET_EXTRA_ERROR_PP + 1e-9:
        raise CheckFailed(
            f"{case}: your recipe stores the network {ratio:.1f}x smaller at {extra:+.2f} pp test "
            f"error; the target is at least {TARGET_RATIO:.0f}x at no more than "
            f"+{TARGET_EXTRA_ERROR_PP} pp")


PARTS = {
    "overall_ratio": Part("overall_ratio", lambda: _labelled("example", _or_fmt, [
        ([32_000, 3_200], [1_000, 800]), ([7_526_400, 960_000, 32_000], [250_000, 60_000, 4_000])]),
        _or_hidden, _or_judge, 701, _PACKAGE, "a ratio of totals, not an average of ratios"),
    "huffman_stream_bits": Part("huffman_stream_bits", lambda: _labelled("example", _hs_fmt, [
        ([0, 0, 0, 0, 0, 0, 0, 3, 3, 3, 1, 2], 2), ([5, 5, 5], 3)]),
        _hs_hidden, _hs_judge, 702, _PACKAGE,
        "count the symbols, code them (your exercise 3), and add the table: one length per "
        "possible symbol"),
    "pq_bits": Part("pq_bits", lambda: _labelled("example", _pq_fmt, [(100, 4, 4), (0, 2, 3)]),
                    _pq_hidden, _pq_judge, 703, _PACKAGE,
                    "every stored entry carries a code and an index; the codebook is paid once"),
    "ratio_driver": choice_part("ratio_driver", *QUESTIONS["ratio_driver"], 704),
    "wider_index": choice_part("wider_index", *QUESTIONS["wider_index"], 705),
    "recipe": answer_part("recipe", _recipe_form, _recipe_grade, 706, reveal=True,
                          nudge="exercises 1-3: which layer tolerates pruning, which bits pay, "
                                "what Huffman does to wide indices"),
}


def check_overall_ratio(fn, hidden: bool = False) -> None:
    """``fn(dense_bits, stored_bits)`` -> the ratio of the totals."""
    run_part(PARTS["overall_ratio"], fn, hidden)


def check_huffman_stream_bits(fn, hidden: bool = False) -> None:
    """``fn(symbols, bits)`` -> Huffman-coded bits of the stream plus its table."""
    run_part(PARTS["huffman_stream_bits"], fn, hidden)


def check_pq_bits(fn, hidden: bool = False) -> None:
    """``fn(n_entries, weight_bits, index_bits)`` -> bits stored at P+Q (stream layout)."""
    run_part(PARTS["pq_bits"], fn, hidden)


def check_ratio_driver(fn, hidden: bool = False) -> None:
    """``fn()`` -> one letter (question: which layer decides the overall ratio)."""
    run_part(PARTS["ratio_driver"], fn, hidden)


def check_wider_index(fn, hidden: bool = False) -> None:
    """``fn()`` -> one letter (question: why 5-bit indices win after Huffman coding)."""
    run_part(PARTS["wider_index"], fn, hidden)


def check_recipe(fn, hidden: bool = False) -> None:
    """``fn()`` -> a recipe meeting the design target."""
    run_part(PARTS["recipe"], fn, hidden)
