"""Checks for ``exercises/ex03_huffman.ipynb``: code lengths, canonical code, encode, decode,
expected length and entropy, a question on which weight codes Huffman compresses, and a
design-to-target task (a quantiser whose Huffman-coded codes meet a size and error target).

Huffman code lengths are not unique when counts tie, so :func:`check_code_lengths` accepts any
optimal prefix code: the lengths must satisfy Kraft's equality and give the optimal total
length, which is unique. References: the readable functions of :mod:`eie_lab.compression.huffman`
(``huffman_lengths``, ``canonical_code``, ``encode``, ``decode``, ``entropy``; the package tests
check them bit for bit against its fast engine) and ``HuffmanCode.expected_length``; a decoded
stream must equal the stream that was encoded. The question (``which_codes_compress``) is
answered by a function of no arguments returning a letter; its visible test checks the form
only. The design task (``coding_plan``) is judged on the measured outcome
(:func:`coded_outcome`) on ex02's bell-shaped sample
(:func:`~eie_lab.grading.checks.ex02_weight_sharing.demo_weights`).

Examples
--------
>>> from eie_lab.grading.checks import ex03_huffman as ex
>>> counts = {"A": 7, "D": 3, "B": 1, "C": 1}            # the seed example: 19 bits
>>> lengths = huffman_lengths(counts)
>>> sum(counts[s] * lengths[s] for s in counts)
19
>>> canonical_code(lengths)
{'A': '0', 'D': '10', 'B': '110', 'C': '111'}
"""

from __future__ import annotations

import functools

import numpy as np

from eie_lab.compression import huffman
from eie_lab.compression.huffman import HuffmanCode
from eie_lab.grading.checks._core import (
    CheckFailed,
    Part,
    answer_part,
    cases,
    choice_part,
    describe,
    expect_equal,
    expect_number,
    run_part,
)
from eie_lab.grading.checks.ex02_weight_sharing import demo_weights, lloyd_step
from eie_lab.grading.exercise_data import SEED_COUNTS

__all__ = ["REFERENCE", "PARTS", "QUESTIONS", "INTERPRET", "ANSWERS", "TARGET_BITS",
           "TARGET_RMS", "huffman_lengths", "canonical_code", "entropy", "SEED_COUNTS",
           "coded_outcome", "check_code_lengths", "check_canonical_code", "check_encode",
           "check_decode", "check_expected_length", "check_entropy",
           "check_which_codes_compress", "check_coding_plan"]

# Multiple-choice questions: part -> (choices, the right one). The notebook states them in full.
QUESTIONS = {
    # 16 clusters, 20 Lloyd steps on demo_weights(): linear init 2.92 bits/weight after Huffman,
    # density init 3.81 (equal-count clusters leave Huffman nothing to gain)
    "which_codes_compress": ("abc", "a"),
}
INTERPRET = tuple(QUESTIONS)
ANSWERS = INTERPRET + ("coding_plan",)  # answered by a constant
TARGET_BITS = 4.1  # design target: at most 4.1 Huffman-coded bits per weight ...
TARGET_RMS = 0.005  # ... at an RMS error of at most 0.005 on demo_weights()
INITS = ("linear", "density")

_PACKAGE = ("eie_lab.compression.huffman:*", "eie_lab.compression._huffman_engine:*",
            "eie_lab.compression._huffman_fast:*")


huffman_lengths = huffman.huffman_lengths
canonical_code = huffman.canonical_code
entropy = huffman.entropy

REFERENCE = {
    "code_lengths": huffman.huffman_lengths,
    "canonical_code": huffman.canonical_code,
    "encode": huffman.encode,
    "decode": huffman.decode,
    "expected_length": lambda counts, lengths: HuffmanCode(lengths).expected_length(counts),
    "entropy": huffman.entropy,
    "which_codes_compress": lambda: QUESTIONS["which_codes_compress"][1],
    "coding_plan": lambda: {"bits": 6, "init": "linear", "steps": 0},
}


@functools.lru_cache(maxsize=64)
def coded_outcome_of(bits: int, init: str, steps: int) -> tuple[float, float]:
    """:func:`coded_outcome` of one plan (cached: plans repeat across students)."""
    x = demo_weights()
    k = 2 ** bits
    c = np.linspace(x.min(), x.max(), k) if init == "linear" else np.quantile(
        x, np.linspace(0.0, 1.0, k))
    for _ in range(steps):
        c, _ = lloyd_step(x, c)
    _, labels = lloyd_step(x, c)
    counts = {int(s): int(n) for s, n in enumerate(np.bincount(labels, minlength=k)) if n}
    lengths = huffman.huffman_lengths(counts)
    coded = sum(counts[s] * lengths[s] for s in counts) / x.size
    return coded, float(np.sqrt(np.mean(np.square(x - c[labels]))))


def coded_outcome(plan: dict) -> tuple[float, float]:
    """Huffman-coded bits per weight and RMS error of a quantiser plan on ex02's sample.

    ``2**bits`` centroids start ``"linear"`` (evenly spaced between the extremes) or
    ``"density"`` (at evenly spaced quantiles), take ``steps`` Lloyd steps; every value gets its
    nearest centroid's code, and the codes are Huffman coded (the codebook's few bits are not
    counted).

    Parameters
    ----------
    plan : dict
        ``{"bits": 2..8, "init": "linear" | "density", "steps": 0..50}``.

    Returns
    -------
    (float, float)
        Bits per weight, RMS error.

    Examples
    --------
    >>> bits, rms = coded_outcome({"bits": 4, "init": "density", "steps": 20})
    >>> round(bits, 2), round(rms, 4)        # equal-count clusters: Huffman gains little
    (3.81, 0.0096)
    """
    return coded_outcome_of(int(plan["bits"]), str(plan["init"]), int(plan["steps"]))


def _counts(rng: np.random.Generator) -> dict:
    n = int(rng.integers(1, 20))
    symbols = (list(range(n)) if rng.random() < 0.5
               else [chr(ord("a") + i) for i in range(n)])
    values = rng.integers(1, int(rng.choice([3, 20, 1000])), size=n)  # small ranges: many ties
    return {s: int(v) for s, v in zip(symbols, values)}


def _label(hidden: bool, i: int) -> str:
    return f"{'hidden' if hidden else 'example'} {i + 1}"


def _count_cases(hidden: bool, seed: int) -> list[dict]:
    if hidden:
        return [_counts(rng) for _, rng in cases(seed, 30)]
    return [SEED_COUNTS, {"x": 5}, {0: 1, 1: 1, 2: 2}]


def _counts_part(name: str, hidden: bool, seed: int) -> list[tuple[str, tuple]]:
    return [(f"{_label(hidden, i)}: {name}({describe(c)})", (c,))
            for i, c in enumerate(_count_cases(hidden, seed))]


def _cl_judge(args, got, case):
    counts, = args
    if type(got) is not dict or set(got) != set(counts):
        raise CheckFailed(f"{case}: expected a dict with one length per symbol "
                          f"{sorted(counts)}, got {describe(got)}")
    if any(not isinstance(v, (int, np.integer)) or v < 1 for v in got.values()):
        raise CheckFailed(f"{case}: every length must be an integer >= 1, got {got}")
    kraft = sum(2.0 ** -int(v) for v in got.values())
    if len(counts) > 1 and kraft != 1.0:
        raise CheckFailed(f"{case}: the lengths break Kraft's equality (sum of 2^-l = "
                          f"{kraft:.6g}, a Huffman code has exactly 1)")
    want = huffman_lengths(counts)
    bits_got = sum(counts[s] * int(got[s]) for s in counts)
    bits_want = sum(counts[s] * want[s] for s in counts)
    if bits_got != bits_want:
        raise CheckFailed(f"{case}: these lengths take {bits_got} bits in total, the optimal "
                          f"(Huffman) code takes {bits_want}; e.g. {want}")


def _cc_cases(hidden: bool, seed: int):
    return [(f"{_label(hidden, i)}: canonical_code({describe(lengths)})", (lengths,))
            for i, lengths in enumerate(huffman_lengths(c) for c in _count_cases(hidden, seed))]


def _cc_judge(args, got, case):
    expect_equal(got, canonical_code(*args), "the code", case)


def _streams(hidden: bool, seed: int):
    if not hidden:
        code = canonical_code(huffman_lengths(SEED_COUNTS))
        yield list("AADBACDA"), code
        yield [], code
        return
    for _, rng in cases(seed, 25):
        counts = _counts(rng)
        symbols = list(counts)
        stream = [symbols[j] for j in rng.integers(0, len(symbols), size=int(rng.integers(0, 60)))]
        yield stream, canonical_code(huffman_lengths(counts))


def _enc_cases(hidden: bool, seed: int):
    return [(f"{_label(hidden, i)}: encode({describe(stream)}, code)", (stream, code))
            for i, (stream, code) in enumerate(_streams(hidden, seed))]


def _enc_judge(args, got, case):
    expect_equal(got, huffman.encode(*args), "the bits", case)


def _dec_cases(hidden: bool, seed: int):
    out = []
    for i, (stream, code) in enumerate(_streams(hidden, seed)):
        bits = "".join(code[s] for s in stream)
        out.append((f"{_label(hidden, i)}: decode({describe(bits)}, code)", (bits, code)))
    return out


def _dec_judge(args, got, case):
    bits, code = args
    expect_equal(list(got) if type(got) is tuple else got, huffman.decode(bits, code), "the symbols",
                 case)


def _el_cases(hidden: bool, seed: int):
    return [(f"{_label(hidden, i)}: expected_length({describe(c)}, lengths)",
             (c, huffman_lengths(c))) for i, c in enumerate(_count_cases(hidden, seed))]


def _el_judge(args, got, case):
    expect_number(got, REFERENCE["expected_length"](*args), "the expected length", case)


def _en_judge(args, got, case):
    expect_number(got, entropy(*args), "the entropy", case, atol=1e-9)


def _part(name, make, judge, seed):
    return Part(name, lambda: make(False, seed), lambda s: make(True, s), judge, seed, _PACKAGE)


def _plan_form(got, case):
    if not isinstance(got, dict) or sorted(got) != ["bits", "init", "steps"]:
        raise CheckFailed(f"{case}: expected a dict with keys bits, init, steps, got "
                          f"{describe(got)}")
    for key, low, high in (("bits", 2, 8), ("steps", 0, 50)):
        v = got[key]
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not low <= v <= high:
            raise CheckFailed(f"{case}: {key} should be an integer from {low} to {high}, got "
                              f"{describe(v)}")
    if got["init"] not in INITS:
        raise CheckFailed(f"{case}: init should be 'linear' or 'density', got "
                          f"{describe(got['init'])}")


def _plan_grade(got, case):
    bits, rms = coded_outcome(got)
    if bits > TARGET_BITS + 1e-9 or rms > TARGET_RMS + 1e-12:
        raise CheckFailed(f"{case}: your plan codes {bits:.3f} bits per weight at RMS error "
                          f"{rms:.5f}; the target is at most {TARGET_BITS} bits at an RMS error "
                          f"of at most {TARGET_RMS}")


PARTS = {
    "code_lengths": _part("code_lengths", lambda h, s: _counts_part("code_lengths", h, s),
                          _cl_judge, 301),
    "canonical_code": _part("canonical_code", _cc_cases, _cc_judge, 302),
    "encode": _part("encode", _enc_cases, _enc_judge, 303),
    "decode": _part("decode", _dec_cases, _dec_judge, 304),
    "expected_length": _part("expected_length", _el_cases, _el_judge, 305),
    "entropy": _part("entropy", lambda h, s: _counts_part("entropy", h, s), _en_judge, 306),
}


PARTS.update({
    "which_codes_compress": choice_part("which_codes_compress",
                                        *QUESTIONS["which_codes_compress"], 307),
    "coding_plan": answer_part("coding_plan", _plan_form, _plan_grade, 308, reveal=True,
                               nudge="Huffman makes rare codes cheap: what does that do to the "
                                     "cost of many evenly spaced levels?"),
})


def check_code_lengths(fn, hidden: bool = False) -> None:
    """``fn(counts)`` -> {symbol: length} of an optimal (Huffman) prefix code."""
    run_part(PARTS["code_lengths"], fn, hidden)


def check_canonical_code(fn, hidden: bool = False) -> None:
    """``fn(lengths)`` -> {symbol: bit string} assigned canonically."""
    run_part(PARTS["canonical_code"], fn, hidden)


def check_encode(fn, hidden: bool = False) -> None:
    """``fn(symbols, code)`` -> the concatenated bit string."""
    run_part(PARTS["encode"], fn, hidden)


def check_decode(fn, hidden: bool = False) -> None:
    """``fn(bits, code)`` -> the list of symbols the bit string encodes."""
    run_part(PARTS["decode"], fn, hidden)


def check_expected_length(fn, hidden: bool = False) -> None:
    """``fn(counts, lengths)`` -> average bits per symbol."""
    run_part(PARTS["expected_length"], fn, hidden)


def check_entropy(fn, hidden: bool = False) -> None:
    """``fn(counts)`` -> Shannon entropy in bits per symbol."""
    run_part(PARTS["entropy"], fn, hidden)


def check_which_codes_compress(fn, hidden: bool = False) -> None:
    """``fn()`` -> one letter (question: which weight codes Huffman compresses more)."""
    run_part(PARTS["which_codes_compress"], fn, hidden)


def check_coding_plan(fn, hidden: bool = False) -> None:
    """``fn()`` -> ``{"bits": b, "init": i, "steps": s}`` meeting the design target."""
    run_part(PARTS["coding_plan"], fn, hidden)
