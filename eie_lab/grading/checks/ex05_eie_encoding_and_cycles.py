"""Checks for ``exercises/ex05_eie_encoding_and_cycles.ipynb``: rows interleaved over PEs,
entries per column e[k][j] (padding included) and cycles by the queue recurrence.

References: :func:`eie_lab.eie.encode` (``EncodedLayer.e``) and :func:`eie_lab.eie.simulate`
(``.cycles``, ``.busy``) under the timing contract (``help(eie_lab.eie)``, "Timing contract"): b_0 = 0,
b_t = max(b_{t-1} + 1, max_k f[k][t-D]); s[k][t] = max(b_t + L, f[k][t-1]);
f[k][t] = s[k][t] + max(e[k][j_t], c); cycles = max(max_k f[k][K-1], b_{K-1} + L).
The visible example is the 16 x 8, 4-PE matrix of EIE Fig. 2/3 (PE0: p = 0 3 4 6 6 8 10 11 13).
Two questions (:data:`QUESTIONS`: why rows and not columns, EIE §VII-A; why more PEs can be
slower) and a design-to-target task judged on the measured outcome: the fewest PEs that run the
given layer within :data:`TARGET_CYCLES` (the grader encodes and simulates the student's choice).

Examples
--------
>>> from eie_lab.grading.checks import ex05_eie_encoding_and_cycles as ex
>>> ex.check_entries_per_column(ex.REFERENCE["entries_per_column"])
✓ entries_per_column: 3 examples pass
>>> ex.check_fewest_pes_for_latency(lambda: 28)
✓ fewest_pes_for_latency: 1 example passes
"""

from __future__ import annotations

import numpy as np

from eie_lab.data.layers import fig2_example
from eie_lab.eie import EIEConfig, encode, simulate
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
from eie_lab.grading.exercise_data import example_layer, layer_cycles

__all__ = ["REFERENCE", "PARTS", "QUESTIONS", "INTERPRET", "ANSWERS", "TARGET_CYCLES",
           "TARGET_N_PE", "example_layer", "layer_cycles", "encode_codes", "check_pe_rows",
           "check_entries_per_column", "check_eie_cycles", "check_pe_busy",
           "check_partition_choice", "check_more_pes_slower", "check_fewest_pes_for_latency"]

QUESTIONS = {
    "partition_choice": ("abcd", "a"),  # EIE §VII-A: columns idle PEs on zero a_j, need a reduction
    "more_pes_slower": ("abcd", "b"),  # 24 PEs: the busiest PE gets more work than at 20
}
INTERPRET = tuple(QUESTIONS)
ANSWERS = INTERPRET + ("fewest_pes_for_latency",)  # answered by a constant
TARGET_CYCLES = 160  # the given layer (example_layer(): 249 cycles on 16 PEs) ...
TARGET_N_PE = 28  # ... within 160 cycles needs 28 PEs at least (a sweep over 1..64)


_PACKAGE = ("eie_lab.eie:*",)


def encode_codes(codes: np.ndarray, n_pe: int, index_bits: int = 4):
    """Encode an integer code matrix (0 = pruned, 1..15 = codebook index) with eie-lab."""
    codes = np.asarray(codes, dtype=np.int64)
    return encode(codes.astype(np.float64), EIEConfig(n_pe=int(n_pe), index_bits=int(index_bits)),
                  codebook=np.arange(16.0), codes=codes)


def _simulate(e: np.ndarray, a: np.ndarray, fifo_depth: int, latency: int, min_cycles: int):
    """Simulate a layer whose entries per column are ``e`` (built from a matching code matrix)."""
    n_pe, n = e.shape
    m = int(max(e.max(initial=0), 1)) * n_pe
    codes = np.zeros((m, n), dtype=np.int64)
    for k in range(n_pe):  # e[k][j] consecutive local rows of PE k, no padding (index_bits 8)
        for j in range(n):
            codes[k + n_pe * np.arange(e[k, j]), j] = 1
    layer = encode(codes.astype(np.float64), EIEConfig(n_pe=n_pe, index_bits=8),
                   codebook=np.arange(256.0)[:16], codes=codes)
    assert np.array_equal(layer.e, e)
    cfg = layer.config.replace(fifo_depth=int(fifo_depth), broadcast_latency=int(latency),
                               min_column_cycles=int(min_cycles))
    return simulate(layer, a, cfg)


REFERENCE = {
    "pe_rows": lambda m, n_pe: [np.arange(k, m, n_pe) for k in range(n_pe)],
    "entries_per_column": lambda codes, n_pe, index_bits: encode_codes(codes, n_pe, index_bits).e,
    "eie_cycles": lambda e, a, fifo_depth, latency=1, min_cycles=1: _simulate(
        np.asarray(e), a, fifo_depth, latency, min_cycles).cycles,
    "pe_busy": lambda e, a, min_cycles=1: _simulate(np.asarray(e), a, 1, 1, min_cycles).busy,
    "partition_choice": lambda: QUESTIONS["partition_choice"][1],
    "more_pes_slower": lambda: QUESTIONS["more_pes_slower"][1],
    "fewest_pes_for_latency": lambda: TARGET_N_PE,
}


def _fig2():
    W, a = fig2_example()
    return W.astype(np.int64), a


def _layers(hidden: bool, seed: int):
    """(codes, a, n_pe, index_bits, fifo_depth, latency, min_cycles) cases."""
    codes, a = _fig2()
    if not hidden:
        yield codes, a, 4, 4, 8, 1, 1
        yield codes, a, 4, 1, 1, 1, 1
        yield codes, a, 2, 2, 2, 2, 2
        return
    for _, rng in cases(seed, 25):
        m, n = int(rng.integers(1, 48)), int(rng.integers(1, 24))
        dens = float(rng.choice([0.05, 0.2, 0.5]))
        codes = np.where(rng.random((m, n)) < dens, rng.integers(1, 16, size=(m, n)), 0)
        a = np.where(rng.random(n) < float(rng.choice([0.2, 0.6, 1.0])), rng.normal(size=n), 0.0)
        yield (codes, a, int(rng.integers(1, 9)), int(rng.integers(1, 5)),
               int(rng.integers(1, 5)), int(rng.integers(1, 4)), int(rng.integers(1, 3)))


def _label(hidden: bool, i: int) -> str:
    return f"{'hidden' if hidden else 'example'} {i + 1}"


def _pr_cases(hidden, seed):
    examples = [(16, 4), (10, 3), (2, 4)]
    if hidden:
        examples = [(int(rng.integers(0, 300)), int(rng.integers(1, 70)))
                    for _, rng in cases(seed, 25)]
    return [(f"{_label(hidden, i)}: pe_rows(m={m}, n_pe={n_pe})", (m, n_pe))
            for i, (m, n_pe) in enumerate(examples)]


def _pr_judge(args, got, case):
    m, n_pe = args
    if type(got) not in (list, tuple) or len(got) != n_pe:
        raise CheckFailed(f"{case}: expected a list of {n_pe} arrays (one per PE), got "
                          f"{type(got).__name__}")
    for k, rows in enumerate(REFERENCE["pe_rows"](m, n_pe)):
        expect_array(got[k], rows, f"the rows of PE {k}", case, kind="iu")


def _epc_cases(hidden, seed):
    return [(f"{_label(hidden, i)}: entries_per_column(codes of shape {codes.shape}, "
             f"n_pe={n_pe}, index_bits={bits})", (codes, n_pe, bits))
            for i, (codes, _, n_pe, bits, *_rest) in enumerate(_layers(hidden, seed))]


def _epc_judge(args, got, case):
    expect_array(got, encode_codes(*args).e, "e", case, kind="iu")


def _cyc_cases(hidden, seed):
    out = []
    for i, (codes, a, n_pe, bits, depth, lat, c) in enumerate(_layers(hidden, seed)):
        e = encode_codes(codes, n_pe, bits).e
        out.append((f"{_label(hidden, i)}: eie_cycles(e of shape {e.shape}, a with "
                    f"{int(np.count_nonzero(a))} non-zeros, fifo_depth={depth}, latency={lat}, "
                    f"min_cycles={c})", (e, a, depth, lat, c)))
    return out


def _cyc_judge(args, got, case):
    expect_number(got, REFERENCE["eie_cycles"](*args), "cycles", case, integer=True)


def _busy_cases(hidden, seed):
    out = []
    for i, (codes, a, n_pe, bits, _, _, c) in enumerate(_layers(hidden, seed)):
        e = encode_codes(codes, n_pe, bits).e
        out.append((f"{_label(hidden, i)}: pe_busy(e of shape {e.shape}, a, min_cycles={c})",
                    (e, a, c)))
    return out


def _busy_judge(args, got, case):
    expect_array(got, REFERENCE["pe_busy"](*args), "busy", case)


def _n_pe_form(got, label):
    if isinstance(got, bool) or not isinstance(got, (int, np.integer)) or not 1 <= got <= 64:
        raise CheckFailed(f"{label}: expected an int n_pe from 1 to 64, got {describe(got)}")


def _n_pe_grade(got, label):
    cycles = layer_cycles(int(got))
    if cycles > TARGET_CYCLES:
        raise CheckFailed(f"{label}: with {int(got)} PEs the given layer takes {cycles} cycles; the "
                          f"target is {TARGET_CYCLES} or fewer")
    if got > TARGET_N_PE:
        raise CheckFailed(f"{label}: {int(got)} PEs reach {cycles} cycles, but fewer PEs can "
                          f"(target: {TARGET_N_PE} or fewer)")


def _part(name, make, judge, seed):
    return Part(name, lambda: make(False, seed), lambda s: make(True, s), judge, seed, _PACKAGE)


PARTS = {
    "pe_rows": _part("pe_rows", _pr_cases, _pr_judge, 501),
    "entries_per_column": _part("entries_per_column", _epc_cases, _epc_judge, 502),
    "eie_cycles": _part("eie_cycles", _cyc_cases, _cyc_judge, 503),
    "pe_busy": _part("pe_busy", _busy_cases, _busy_judge, 504),
    "partition_choice": choice_part("partition_choice", *QUESTIONS["partition_choice"], 505,
                                    nudge="think of a PE whose column's activation is zero"),
    "more_pes_slower": choice_part("more_pes_slower", *QUESTIONS["more_pes_slower"], 506,
                                   nudge="compare the busiest PE's busy cycles at 20 and 24 PEs"),
    "fewest_pes_for_latency": answer_part("fewest_pes_for_latency", _n_pe_form, _n_pe_grade, 507,
                                          reveal=True, nudge="sweep every n_pe, not only powers "
                                          "of two"),
}


def check_pe_rows(fn, hidden: bool = False) -> None:
    """``fn(m, n_pe)`` -> list of n_pe arrays: the global rows of each PE, in local order."""
    run_part(PARTS["pe_rows"], fn, hidden)


def check_entries_per_column(fn, hidden: bool = False) -> None:
    """``fn(codes, n_pe, index_bits)`` -> e, shape (n_pe, n), padding entries included."""
    run_part(PARTS["entries_per_column"], fn, hidden)


def check_eie_cycles(fn, hidden: bool = False) -> None:
    """``fn(e, a, fifo_depth, latency, min_cycles)`` -> total cycles of the layer."""
    run_part(PARTS["eie_cycles"], fn, hidden)


def check_pe_busy(fn, hidden: bool = False) -> None:
    """``fn(e, a, min_cycles)`` -> (n_pe,) cycles each PE is busy."""
    run_part(PARTS["pe_busy"], fn, hidden)


def check_partition_choice(fn, hidden: bool = False) -> None:
    """``fn()`` -> the letter of why EIE partitions rows, not columns, over the PEs."""
    run_part(PARTS["partition_choice"], fn, hidden)


def check_more_pes_slower(fn, hidden: bool = False) -> None:
    """``fn()`` -> the letter of why 24 PEs take longer than 20 on the given layer."""
    run_part(PARTS["more_pes_slower"], fn, hidden)


def check_fewest_pes_for_latency(fn, hidden: bool = False) -> None:
    """``fn()`` -> the fewest PEs (an int) running the given layer within TARGET_CYCLES."""
    run_part(PARTS["fewest_pes_for_latency"], fn, hidden)
