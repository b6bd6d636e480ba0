"""Checks for ``exercises/ex08_sram_and_pingpong.ipynb``: a PE's SRAM budget (sparse matrix and
pointers against EIE's 128 KB + 32 KB), a layer's energy breakdown, the ping-pong schedule of the
activation register files over a network, and a design-to-target task: hold NT-Wd in the fewest
PEs.

References: :class:`eie_lab.eie.EncodedLayer` (``spmat_bits``, ``ptr_bits``, ``sram_report``),
:class:`eie_lab.eie.EnergyBreakdown` (``as_dict``) and :func:`eie_lab.eie.run_network`
(``register_files``: source and destination swap after every layer). The design task is judged
on the measured outcome: the grader encodes NT-Wd with the student's ``n_pe`` and
``index_bits`` and checks that every PE's SRAMs hold it and its pointers can address it.

Examples
--------
>>> from eie_lab.grading.checks import ex08_sram_and_pingpong as ex
>>> ex.check_pingpong_schedule(ex.REFERENCE["pingpong_schedule"], hidden=True)
✓ pingpong_schedule: 20 hidden cases pass
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from eie_lab.eie import EIEConfig, encode, simulate
from eie_lab.grading.checks._core import (
    CheckFailed,
    Part,
    answer_part,
    cases,
    choice_part,
    describe,
    expect_array,
    expect_equal,
    expect_number,
    run_part,
)
from eie_lab.grading.exercise_data import DESIGN_LAYER, LayerRecipe, benchmark, example_layer

__all__ = ["REFERENCE", "PARTS", "QUESTIONS", "INTERPRET", "ANSWERS", "TARGET_N_PE",
           "DESIGN_LAYER", "example_layer", "benchmark", "check_pe_sram_bits",
           "check_overflows", "check_vgg6_fit", "check_energy_shares", "check_top_consumer",
           "check_pingpong_schedule", "check_fewest_pes"]

GIVEN = LayerRecipe(256, 256, 16, 0.1, 0)  # the set-up cell's example_layer()
TARGET_N_PE = 9  # the fewest PEs that hold NT-Wd (at some index width), found by search
COMPONENTS = ("spmat_j", "pointer_j", "arith_j", "act_j", "queue_j", "static_j")
QUESTIONS = {
    "vgg6_fit": ("abcd", "c"),  # (25088 + 1) x 16 bits of pointers > 32 KB; spmat fits at 64 PEs
    "top_consumer": ("abcd", "b"),  # a sparse 256-column layer on 16 PEs: pointer reads lead
}
INTERPRET = tuple(QUESTIONS)
ANSWERS = INTERPRET + ("fewest_pes",)  # answered by a constant


def _pe_sram_bits(n_entries, n_cols, entry_bits, pointer_bits):
    spmat = np.asarray(n_entries, dtype=np.int64) * int(entry_bits)
    return spmat, np.full(spmat.shape, (int(n_cols) + 1) * int(pointer_bits), dtype=np.int64)


def _overflows(spmat_bits, ptr_bits, spmat_kb=128, ptr_kb=32):
    out = []
    if int(np.max(spmat_bits)) > spmat_kb * 1024 * 8:
        out.append("spmat")
    if int(np.max(ptr_bits)) > ptr_kb * 1024 * 8:
        out.append("ptr")
    return out


def _energy_shares(parts):
    total = sum(float(v) for v in parts.values())
    return {k: (float(v) / total if total else 0.0) for k, v in parts.items()}


def _pingpong_schedule(cycles):
    out, start = [], 0
    for k, c in enumerate(cycles):
        out.append((start, start + int(c), k % 2, 1 - k % 2))
        start += int(c)
    return out


def _fits(n_pe: int, index_bits: int) -> tuple[bool, dict]:
    layer = encode(benchmark(DESIGN_LAYER), EIEConfig(n_pe=n_pe, index_bits=index_bits))
    rep = layer.sram_report()
    return bool(rep["fits"] and not rep["pointer_overflow"]), rep


REFERENCE = {
    "pe_sram_bits": _pe_sram_bits,
    "overflows": _overflows,
    "vgg6_fit": lambda: QUESTIONS["vgg6_fit"][1],
    "energy_shares": _energy_shares,
    "top_consumer": lambda: QUESTIONS["top_consumer"][1],
    "pingpong_schedule": _pingpong_schedule,
    "fewest_pes": lambda: {"n_pe": TARGET_N_PE, "index_bits": 6},
}


def _label(hidden: bool, i: int) -> str:
    return f"{'hidden' if hidden else 'example'} {i + 1}"


def _psb_cases(hidden, seed):
    if not hidden:
        layer = GIVEN.build()
        ex = [(layer.n_entries, layer.shape[1], 8, 16), (np.array([3, 0, 5]), 4, 9, 16)]
    else:
        ex = [(rng.integers(0, 70000, size=int(rng.integers(1, 65))), int(rng.integers(1, 30000)),
               int(rng.integers(2, 17)), int(rng.choice([8, 16, 20, 32])))
              for _, rng in cases(seed, 20)]
    return [(f"{_label(hidden, i)}: pe_sram_bits(entries of {len(e)} PEs, n_cols={n}, "
             f"entry_bits={b}, pointer_bits={p})", (e, n, b, p)) for i, (e, n, b, p) in enumerate(ex)]


def _psb_judge(args, got, case):
    want = _pe_sram_bits(*args)
    if not isinstance(got, tuple) or len(got) != 2:
        raise CheckFailed(f"{case}: expected a tuple (spmat_bits, ptr_bits), got {describe(got)}")
    expect_array(got[0], want[0], "spmat_bits", case, kind="iu")
    expect_array(got[1], want[1], "ptr_bits", case, kind="iu")


def _ov_cases(hidden, seed):
    kb = 8 * 1024
    if not hidden:
        ex = [(np.array([808024, 700000]), np.array([401424, 401424]), 128, 32),
              (np.array([128 * kb, 5]), np.array([32 * kb, 0]), 128, 32),
              (np.array([128 * kb + 1]), np.array([1]), 128, 32)]
    else:
        ex = []
        for _, rng in cases(seed, 25):
            n, s_kb, p_kb = int(rng.integers(1, 9)), int(rng.choice([64, 128, 256])), int(
                rng.choice([16, 32, 64]))
            ex.append((rng.integers(0, int(1.3 * s_kb * kb), size=n),
                       rng.integers(0, int(1.3 * p_kb * kb), size=n), s_kb, p_kb))
    return [(f"{_label(hidden, i)}: overflows(spmat_bits of {len(s)} PEs, ptr_bits, spmat_kb={sk}, "
             f"ptr_kb={pk})", (s, p, sk, pk)) for i, (s, p, sk, pk) in enumerate(ex)]


def _ov_judge(args, got, case):
    if not isinstance(got, list):
        raise CheckFailed(f"{case}: expected a list of names, got {describe(got)}")
    expect_equal(got, _overflows(*args), "the SRAMs that overflow", case)


def _es_cases(hidden, seed):
    if not hidden:
        parts = simulate(GIVEN.build(), GIVEN.activations()).energy.as_dict()
        ex = [{k: parts[k] for k in COMPONENTS}, {"spmat_j": 3.0, "pointer_j": 1.0}]
    else:
        ex = [{k: float(rng.uniform(0, 1e-6)) for k in COMPONENTS[:int(rng.integers(1, 7))]}
              for _, rng in cases(seed, 20)]
    return [(f"{_label(hidden, i)}: energy_shares({describe(p) if len(p) <= 2 else f'{len(p)} components'})",
             (p,)) for i, p in enumerate(ex)]


def _es_judge(args, got, case):
    want = _energy_shares(*args)
    if not isinstance(got, Mapping) or sorted(got) != sorted(want):
        raise CheckFailed(f"{case}: expected a dict with the keys {sorted(want)}, got "
                          f"{describe(got)}")
    for k, v in want.items():
        expect_number(got[k], v, f"the share of {k}", case)


def _pp_cases(hidden, seed):
    if not hidden:
        ex = [[249, 100], [6, 3, 5]]
    else:
        ex = [[int(c) for c in rng.integers(1, 5000, size=int(rng.integers(1, 8)))]
              for _, rng in cases(seed, 20)]
    return [(f"{_label(hidden, i)}: pingpong_schedule(cycles={c})", (c,)) for i, c in enumerate(ex)]


def _pp_judge(args, got, case):
    want = _pingpong_schedule(*args)
    try:
        got = [tuple(int(x) for x in row) for row in got]
    except (TypeError, ValueError):
        raise CheckFailed(f"{case}: expected a list of (start, end, source, destination) tuples, "
                          f"got {describe(got)}") from None
    expect_equal(got, want, "the schedule", case)


def _design_form(got, label):
    if not isinstance(got, Mapping) or sorted(got) != ["index_bits", "n_pe"]:
        raise CheckFailed(f"{label}: expected a dict with the keys ['index_bits', 'n_pe'], got "
                          f"{describe(got)}")
    for key, (low, high) in {"n_pe": (1, 64), "index_bits": (1, 16)}.items():
        v = got[key]
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not low <= v <= high:
            raise CheckFailed(f"{label}: {key} must be an int from {low} to {high}, got "
                              f"{describe(v)}")


def _design_grade(got, label):
    ok, rep = _fits(int(got["n_pe"]), int(got["index_bits"]))
    if not ok:
        why = ("a PE's pointers cannot address its entries (pointer_overflow)"
               if rep["pointer_overflow"] else "a PE's SRAM overflows")
        raise CheckFailed(f"{label}: {dict(got)} does not hold {DESIGN_LAYER}: {why} "
                          f"(spmat {rep['spmat_bits_max']:,} of {rep['spmat_bits_capacity']:,} bits,"
                          f" pointers {rep['ptr_bits_max']:,} of {rep['ptr_bits_capacity']:,})")
    if got["n_pe"] > TARGET_N_PE:
        raise CheckFailed(f"{label}: {dict(got)} holds {DESIGN_LAYER}; the target is "
                          f"{TARGET_N_PE} PEs or fewer")


def _part(name, make, judge, seed, nudge):
    return Part(name, lambda: make(False, seed), lambda s: make(True, s), judge, seed, (), nudge)


PARTS = {  # the package's own properties are what this exercise reads: none is off limits
    "pe_sram_bits": _part("pe_sram_bits", _psb_cases, _psb_judge, 801,
                          "every stored entry costs its bits; every column has a pointer, plus one"),
    "overflows": _part("overflows", _ov_cases, _ov_judge, 802,
                       "the fullest PE decides; a kilobyte is 1024 bytes of 8 bits"),
    "vgg6_fit": choice_part("vgg6_fit", *QUESTIONS["vgg6_fit"], 803,
                            nudge="compute both SRAMs' use with your pe_sram_bits"),
    "energy_shares": _part("energy_shares", _es_cases, _es_judge, 804,
                           "each component over the sum of all of them; keep the keys"),
    "top_consumer": choice_part("top_consumer", *QUESTIONS["top_consumer"], 805,
                                nudge="print the shares of the given layer"),
    "pingpong_schedule": _part("pingpong_schedule", _pp_cases, _pp_judge, 806,
                               "a layer starts when the one before ends; the files swap roles"),
    "fewest_pes": answer_part("fewest_pes", _design_form, _design_grade, 807, reveal=True,
                              nudge="sweep n_pe for each index width; check sram_report"),
}


def check_pe_sram_bits(fn, hidden: bool = False) -> None:
    """``fn(n_entries, n_cols, entry_bits, pointer_bits)`` -> (spmat_bits, ptr_bits) per PE."""
    run_part(PARTS["pe_sram_bits"], fn, hidden)


def check_overflows(fn, hidden: bool = False) -> None:
    """``fn(spmat_bits, ptr_bits, spmat_kb=128, ptr_kb=32)`` -> names of the SRAMs that overflow."""
    run_part(PARTS["overflows"], fn, hidden)


def check_vgg6_fit(fn, hidden: bool = False) -> None:
    """``fn()`` -> the letter saying whether VGG-6 fits 64 PEs."""
    run_part(PARTS["vgg6_fit"], fn, hidden)


def check_energy_shares(fn, hidden: bool = False) -> None:
    """``fn(parts)`` -> each component's share of the total energy."""
    run_part(PARTS["energy_shares"], fn, hidden)


def check_top_consumer(fn, hidden: bool = False) -> None:
    """``fn()`` -> the letter of the component spending the most energy on the given layer."""
    run_part(PARTS["top_consumer"], fn, hidden)


def check_pingpong_schedule(fn, hidden: bool = False) -> None:
    """``fn(cycles)`` -> [(start, end, source, destination), ...] one per layer."""
    run_part(PARTS["pingpong_schedule"], fn, hidden)


def check_fewest_pes(fn, hidden: bool = False) -> None:
    """``fn()`` -> {"n_pe", "index_bits"} holding NT-Wd in at most :data:`TARGET_N_PE` PEs."""
    run_part(PARTS["fewest_pes"], fn, hidden)
