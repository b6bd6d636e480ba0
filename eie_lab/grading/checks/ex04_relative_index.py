"""Checks for ``exercises/ex04_relative_index.ipynb``: relative indexing with padding, decoding,
storage bits and the best index width.

The reference is eie-lab's own encoder: a column stored in one PE of :func:`eie_lab.eie.encode`
(``n_pe=1``) is exactly the relative-index stream of the EIE convention (z counts the zeros
before an entry; while z > zmax a padding entry (v=0, z=zmax) comes first and z drops by zmax + 1).
Columns hold codebook indices 0..15 (0 = pruned). Fixture [EIE §III-B]:
[0,0,1,2, 18 zeros, 3] -> v = [1,2,0,3], z = [2,0,15,2]. Two questions (:data:`QUESTIONS`) and
a design-to-target task judged on the measured outcome: one index width per layer of
:func:`~eie_lab.grading.exercise_data.index_layers` whose total storage comes within 1% of the
best choice.

Examples
--------
>>> from eie_lab.grading.checks import ex04_relative_index as ex
>>> v, z = ex.reference_relative_index(ex.FIXTURE, 4)
>>> v.tolist(), z.tolist()
([1, 2, 0, 3], [2, 0, 15, 2])
"""

from __future__ import annotations

import numpy as np

from eie_lab.eie import EIEConfig, encode
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
from eie_lab.grading.exercise_data import FIXTURE, index_layers

__all__ = ["REFERENCE", "PARTS", "QUESTIONS", "INTERPRET", "ANSWERS", "FIXTURE", "index_layers",
           "layer_bits", "reference_relative_index", "check_relative_index",
           "check_decode_relative", "check_storage_bits", "check_best_index_bits",
           "check_why_relative", "check_sparser_wider", "check_layer_index_bits"]

QUESTIONS = {
    "why_relative": ("abcd", "a"),  # a gap needs few bits; an absolute row index log2(m)
    "sparser_wider": ("abcd", "c"),  # index_layers(): best widths 3, 5, 7 as density falls
}
INTERPRET = tuple(QUESTIONS)
ANSWERS = INTERPRET + ("layer_index_bits",)  # answered by a constant
WEIGHT_BITS = 4  # the design task's weight width (EIE)
SLACK = 0.01  # the design target: total bits within 1% of the best per-layer choice

_PACKAGE = ("eie_lab.eie.encoding:*", "eie_lab.sparse_format:*", "eie_lab.relative_index:*",
            "eie_lab.compression.storage:*", "eie_lab.compression.model_file:*")


def reference_relative_index(column: np.ndarray, index_bits: int) -> tuple[np.ndarray, np.ndarray]:
    """(v, z) of one column, from eie-lab's interleaved-CSC encoder with one PE."""
    col = np.asarray(column, dtype=np.int64).reshape(-1, 1)
    layer = encode(col.astype(np.float64), EIEConfig(n_pe=1, index_bits=int(index_bits)),
                   codebook=np.arange(16.0), codes=col)
    return layer.v[0], layer.z[0]


def _storage_bits(column, weight_bits, index_bits):
    return int(reference_relative_index(column, index_bits)[0].size * (weight_bits + index_bits))


def _best_index_bits(column, weight_bits, candidates=range(1, 9)):
    return min(candidates, key=lambda b: (_storage_bits(column, weight_bits, b), b))


def _decode(v, z, length):
    out, row = np.zeros(length, dtype=np.int64), -1
    for vi, zi in zip(v, z):
        row += int(zi) + 1
        out[row] = vi
    return out


REFERENCE = {
    "relative_index": reference_relative_index,
    "decode_relative": _decode,
    "storage_bits": _storage_bits,
    "best_index_bits": _best_index_bits,
    "why_relative": lambda: QUESTIONS["why_relative"][1],
    "sparser_wider": lambda: QUESTIONS["sparser_wider"][1],
    "layer_index_bits": lambda: {"dense": 3, "medium": 5, "sparse": 7},
}


def _columns(hidden: bool, seed: int) -> list[tuple[np.ndarray, int]]:
    if not hidden:
        return [(FIXTURE, 4), (np.array([5, 0, 0, 7]), 2), (np.array([0, 0, 0]), 4),
                (np.array([0] * 9 + [4]), 2)]
    out = []
    for _, rng in cases(seed, 30):
        n = int(rng.integers(1, 120))
        density = float(rng.choice([0.02, 0.1, 0.3, 0.9]))
        col = np.where(rng.random(n) < density, rng.integers(1, 16, size=n), 0)
        out.append((col, int(rng.integers(1, 6))))
    return out


def _label(hidden: bool, i: int) -> str:
    return f"{'hidden' if hidden else 'example'} {i + 1}"


def _ri_cases(hidden, seed):
    return [(f"{_label(hidden, i)}: relative_index({describe(col)}, index_bits={bits})",
             (col, bits)) for i, (col, bits) in enumerate(_columns(hidden, seed))]


def _ri_judge(args, got, case):
    if type(got) is not tuple or len(got) != 2:
        raise CheckFailed(f"{case}: expected a tuple (v, z), got {type(got).__name__}")
    v, z = reference_relative_index(*args)
    expect_array(got[1], z, "z", case, kind="iu")
    expect_array(got[0], v, "v", case)


def _dr_cases(hidden, seed):
    out = []
    for i, (col, bits) in enumerate(_columns(hidden, seed)):
        v, z = reference_relative_index(col, bits)
        out.append((f"{_label(hidden, i)}: decode_relative(v={describe(v)}, z={describe(z)}, "
                    f"length={col.size})", (v, z, col.size)))
    return out


def _dr_judge(args, got, case):
    expect_array(got, _decode(*args), "the column", case)


def _sb_cases(hidden, seed):
    return [(f"{_label(hidden, i)}: storage_bits({describe(col)}, weight_bits=4, "
             f"index_bits={bits})", (col, 4, bits))
            for i, (col, bits) in enumerate(_columns(hidden, seed))]


def _sb_judge(args, got, case):
    expect_number(got, _storage_bits(*args), "the bits", case, integer=True)


def _bib_cases(hidden, seed):
    examples = [(FIXTURE, 4), (np.array([0] * 40 + [3] + [0] * 40 + [2]), 4),
                (np.array([1, 1, 1, 1]), 4)]
    if hidden:
        examples = [(col, int(rng.integers(1, 9))) for (col, _), (_, rng)
                    in zip(_columns(True, seed), cases(seed + 1, 30))]
    return [(f"{_label(hidden, i)}: best_index_bits({describe(col)}, weight_bits={wbits}, "
             "candidates=1..8)", (col, wbits, list(range(1, 9))))
            for i, (col, wbits) in enumerate(examples)]


def _bib_judge(args, got, case):
    expect_number(got, _best_index_bits(*args), "the best index_bits", case, integer=True)


def layer_bits(codes: np.ndarray, index_bits: int, weight_bits: int = WEIGHT_BITS) -> int:
    """Storage bits of a whole layer stored column by column (relative indices, padding).

    Examples
    --------
    >>> layer_bits(FIXTURE.reshape(-1, 1), 4)
    32
    """
    codes = np.asarray(codes, dtype=np.int64)
    layer = encode(codes.astype(np.float64), EIEConfig(n_pe=1, index_bits=int(index_bits)),
                   codebook=np.arange(16.0), codes=codes)
    return int(layer.n_entries.sum()) * (int(weight_bits) + int(index_bits))


def _best_total() -> int:
    return sum(min(layer_bits(c, b) for b in range(1, 9)) for c in index_layers().values())


def _lib_form(got, label):
    names = sorted(index_layers())
    if not isinstance(got, dict) or sorted(got) != names:
        raise CheckFailed(f"{label}: expected a dict with the keys {names}, got {describe(got)}")
    for k, v in got.items():
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not 1 <= v <= 8:
            raise CheckFailed(f"{label}: the width for {k!r} must be an int from 1 to 8, got "
                              f"{describe(v)}")


def _lib_grade(got, label):
    layers = index_layers()
    total = sum(layer_bits(layers[k], int(b)) for k, b in got.items())
    target = int(_best_total() * (1 + SLACK))
    if total > target:
        raise CheckFailed(f"{label}: {dict(got)} stores the three layers in {total:,} bits; the "
                          f"target is {target:,} or fewer")


def _part(name, make, judge, seed):
    return Part(name, lambda: make(False, seed), lambda s: make(True, s), judge, seed, _PACKAGE)


PARTS = {
    "relative_index": _part("relative_index", _ri_cases, _ri_judge, 401),
    "decode_relative": _part("decode_relative", _dr_cases, _dr_judge, 402),
    "storage_bits": _part("storage_bits", _sb_cases, _sb_judge, 403),
    "best_index_bits": _part("best_index_bits", _bib_cases, _bib_judge, 404),
    "why_relative": choice_part("why_relative", *QUESTIONS["why_relative"], 405,
                                nudge="how many bits does an absolute row index of a 4096-row "
                                      "column take?"),
    "sparser_wider": choice_part("sparser_wider", *QUESTIONS["sparser_wider"], 406,
                                 nudge="run your best_index_bits on the three layers"),
    "layer_index_bits": answer_part("layer_index_bits", _lib_form, _lib_grade, 407, reveal=True,
                                    nudge="sweep the width of each layer on its own"),
}


def check_relative_index(fn, hidden: bool = False) -> None:
    """``fn(column, index_bits)`` -> (v, z) with padding entries (v=0, z=zmax)."""
    run_part(PARTS["relative_index"], fn, hidden)


def check_decode_relative(fn, hidden: bool = False) -> None:
    """``fn(v, z, length)`` -> the column of ``length`` entries back."""
    run_part(PARTS["decode_relative"], fn, hidden)


def check_storage_bits(fn, hidden: bool = False) -> None:
    """``fn(column, weight_bits, index_bits)`` -> bits of the (v, z) stream, padding included."""
    run_part(PARTS["storage_bits"], fn, hidden)


def check_best_index_bits(fn, hidden: bool = False) -> None:
    """``fn(column, weight_bits, candidates)`` -> the index width with the fewest bits."""
    run_part(PARTS["best_index_bits"], fn, hidden)


def check_why_relative(fn, hidden: bool = False) -> None:
    """``fn()`` -> the letter of why relative indices beat absolute ones."""
    run_part(PARTS["why_relative"], fn, hidden)


def check_sparser_wider(fn, hidden: bool = False) -> None:
    """``fn()`` -> the letter of how the best width moves with the density."""
    run_part(PARTS["sparser_wider"], fn, hidden)


def check_layer_index_bits(fn, hidden: bool = False) -> None:
    """``fn()`` -> {layer: index_bits} storing index_layers() within 1% of the best total."""
    run_part(PARTS["layer_index_bits"], fn, hidden)
