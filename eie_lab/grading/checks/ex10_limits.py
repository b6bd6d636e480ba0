"""Checks for ``exercises/ex10_limits.ipynb``: where EIE stops winning. The batch crossover
(a two-point model of a platform's time per frame against EIE's flat time), a convolution lowered
to one mat-vec per output pixel (MAC utilisation, weight re-reads against a weight-stationary
array), the broadcast bound, a question on which limit binds, and a design-to-target task: the
fewest PEs past which the lowered conv2 no longer speeds up.

References (off limits to an answer): :mod:`eie_lab.paper.limits` (``BatchModel``,
``batch_model``, ``crossover_batch``), :mod:`eie_lab.eie.conv_lowering` (``run_conv`` and its
``ConvRun``: ``mac_utilization``, ``weight_reads``, ``weight_stationary_reads``) and
:mod:`eie_lab.eie.bottlenecks` (``broadcast_bound``). The convolution is
:func:`eie_lab.grading.exercise_data.conv2_standin` (LeNet-5 conv2's shapes and density, seeded);
the design task is judged on the measured outcome, the simulated cycles of that layer at the
student's PE count against the best over :data:`CONV_N_PES` (the grader runs the sweep, seconds).

Examples
--------
>>> from eie_lab.grading.checks import ex10_limits as ex
>>> ex.check_crossover_batch(ex.REFERENCE["crossover_batch"])
✓ crossover_batch: 5 examples pass
>>> ex.check_broadcast_bound(ex.REFERENCE["broadcast_bound"], hidden=True)
✓ broadcast_bound: 25 hidden cases pass
"""

from __future__ import annotations

import functools
import math

import numpy as np

from eie_lab.data.layers import fig2_example
from eie_lab.eie import EIEConfig, encode
from eie_lab.eie.bottlenecks import broadcast_bound
from eie_lab.eie.conv_lowering import lower_conv, run_conv
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
from eie_lab.grading.exercise_data import CONV_N_PES, conv2_standin, conv_cycles
from eie_lab.paper.limits import BatchModel, crossover_batch
from eie_lab.paper_tables import EIE_ACTUAL_US, LAYER_NAMES, TABLE_IV_US

__all__ = ["REFERENCE", "PARTS", "QUESTIONS", "INTERPRET", "ANSWERS", "TOLERANCE", "GPU",
           "CONV_N_PES", "conv2_standin", "conv_cycles",  # public, re-exported
           "design_outcome", "check_batch_model", "check_crossover_batch",
           "check_gpu_crossover", "check_conv_mac_utilization", "check_sram_weight_reads",
           "check_reread_factor", "check_broadcast_bound", "check_conv2_limit",
           "check_fewest_pes"]

_BATCH = ("eie_lab.paper.limits:*",)
_CONV = ("eie_lab.eie.conv_lowering:*",)
_BOUND = ("eie_lab.eie.bottlenecks:*",)
#: The platform of the crossover question: the Titan X, dense, as EIE Table IV names its rows.
GPU = "GPU dense"
#: The design target: cycles within this fraction of the best over :data:`CONV_N_PES`.
TOLERANCE = 0.05
QUESTIONS = {  # conv2, one pixel: the busiest PE's work at 8 PEs, one cycle per item at 64
    "conv2_limit": ("abcd", "a"),
}
INTERPRET = tuple(QUESTIONS)  # multiple-choice parts
ANSWERS = INTERPRET + ("gpu_crossover", "reread_factor", "fewest_pes")  # answered by a constant


# ------------------------------------------------------------------ the reference answers
def _batch_model(t1_us, t64_us):
    """fixed + per_frame = t1 and fixed / 64 + per_frame = t64, solved for the two unknowns."""
    model = BatchModel.from_points("", "", float(t1_us), float(t64_us))
    return model.fixed_us, model.per_frame_us


def _crossover_batch(fixed_us, per_frame_us, eie_us):
    """Smallest batch b >= 1 with fixed / b + per_frame <= eie, else None (as
    :func:`eie_lab.paper.limits.crossover_batch` decides it for a platform's model)."""
    model = BatchModel("", "", float(fixed_us), float(per_frame_us))
    if model.time_per_frame_us(1) <= eie_us:
        return 1
    if model.fixed_us <= 0 or model.per_frame_us >= eie_us:  # never falls to eie_us
        return None
    b = max(1, math.ceil(model.fixed_us / (eie_us - model.per_frame_us)))
    while b > 1 and model.time_per_frame_us(b - 1) <= eie_us:  # float rounding at the boundary
        b -= 1
    while model.time_per_frame_us(b) > eie_us:
        b += 1
    return int(b)


def _gpu_crossover():
    return {name: crossover_batch(GPU, name, eie_us=EIE_ACTUAL_US[name]) for name in LAYER_NAMES}


def _conv_mac_utilization(matrix, columns, n_pe, cycles):
    nz = (np.asarray(matrix) != 0).astype(np.int64)
    real = int(((np.asarray(columns) != 0).astype(np.int64) @ nz.T).sum())
    return real / (n_pe * cycles) if cycles else 0.0


def _sram_weight_reads(entries, columns):
    return int(((np.asarray(columns) != 0).astype(np.int64) @ np.asarray(entries, np.int64)).sum())


@functools.lru_cache(maxsize=1)
def _standin_run():
    weight, x = conv2_standin()
    return run_conv(weight, x, EIEConfig(n_pe=64))


def _reread_factor():
    run = _standin_run()
    return run.weight_reads / run.weight_stationary_reads


def _layer_from_entries(e):
    """A layer whose entries per column and PE are exactly ``e`` (consecutive local rows, no
    padding with 8-bit indices): what :func:`broadcast_bound` needs to judge ``(e, a)``."""
    e = np.asarray(e, dtype=np.int64)
    n_pe, n = e.shape
    codes = np.zeros((max(int(e.max(initial=0)), 1) * n_pe, n), dtype=np.int64)
    for k in range(n_pe):
        for j in range(n):
            codes[k + n_pe * np.arange(e[k, j]), j] = 1
    layer = encode(codes.astype(np.float64), EIEConfig(n_pe=n_pe, index_bits=8),
                   codebook=np.arange(16.0), codes=codes)
    assert np.array_equal(layer.e, e)
    return layer


def _broadcast_bound(e, a, width):
    layer = _layer_from_entries(e)
    bound = broadcast_bound(layer, a, layer.config.replace(broadcast_width=int(width)))
    return int(bound.broadcast_cycles), int(bound.pe_work_cycles)


def _fewest_pes():
    best = min(conv_cycles(n) for n in CONV_N_PES)
    return next(n for n in CONV_N_PES if conv_cycles(n) <= (1 + TOLERANCE) * best)


def _reference_bound(e, a, width):
    """The student-facing reference: both counts straight from ``e`` and ``a`` (the judge
    compares the answer with :func:`eie_lab.eie.bottlenecks.broadcast_bound` instead)."""
    e = np.asarray(e)
    cols = np.flatnonzero(np.asarray(a))
    work = int(np.maximum(e[:, cols], 1).sum(axis=1).max()) if cols.size else 0
    return -(-cols.size // int(width)), work


REFERENCE = {
    "batch_model": _batch_model,
    "crossover_batch": _crossover_batch,
    "gpu_crossover": _gpu_crossover,
    "conv_mac_utilization": _conv_mac_utilization,
    "sram_weight_reads": _sram_weight_reads,
    "reread_factor": _reread_factor,
    "broadcast_bound": _reference_bound,
    "conv2_limit": lambda: QUESTIONS["conv2_limit"][1],
    "fewest_pes": _fewest_pes,
}


# ------------------------------------------------------------------ cases and judges
def _label(hidden: bool, i: int) -> str:
    return f"{'hidden' if hidden else 'example'} {i + 1}"


def _numbers(got, n, what, case):
    """``got`` as a tuple of ``n`` plain numbers, or a :class:`CheckFailed` naming the form."""
    if isinstance(got, np.ndarray):
        got = got.tolist()
    if not isinstance(got, (tuple, list)) or len(got) != n or any(
            isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating))
            for v in got):
        raise CheckFailed(f"{case}: expected {what}, a tuple of {n} numbers, got {describe(got)}")
    return tuple(got)


def _bm_cases(hidden, seed):
    i1 = LAYER_NAMES.index("Alex-6")
    if not hidden:
        pairs = [(65.0, 2.0)] + [(TABLE_IV_US[(dev, 1, "dense")][i1],
                                  TABLE_IV_US[(dev, 64, "dense")][i1]) for dev in ("GPU", "CPU")]
    else:
        pairs = []
        for _, rng in cases(seed, 20):
            t1 = float(np.round(10 ** rng.uniform(0, 4.5), 1))
            ratio = rng.uniform(1.0, 1.6) if len(pairs) % 5 == 4 else rng.uniform(0.005, 1.0)
            pairs.append((t1, float(np.round(t1 * ratio, 2)) or 0.01))  # ratio > 1: fixed < 0
    return [(f"{_label(hidden, i)}: batch_model(t1_us={t1}, t64_us={t64})", (t1, t64))
            for i, (t1, t64) in enumerate(pairs)]


def _bm_judge(args, got, case):
    fixed, per = _numbers(got, 2, "(fixed_us, per_frame_us)", case)
    want, atol = _batch_model(*args), 1e-9 * max(1.0, float(args[0]))  # cancellation in t1 - fixed
    expect_number(fixed, want[0], "fixed_us", case, rtol=1e-9, atol=atol)
    expect_number(per, want[1], "per_frame_us", case, rtol=1e-9, atol=atol)


def _cb_cases(hidden, seed):
    if not hidden:
        i1 = LAYER_NAMES.index("Alex-6")
        alex = _batch_model(TABLE_IV_US[("GPU", 1, "dense")][i1],
                            TABLE_IV_US[("GPU", 64, "dense")][i1])
        ex = [(64.0, 1.0, 3.0), (64.0, 1.0, 65.0), (64.0, 3.0, 3.0),
              (alex[0], alex[1], EIE_ACTUAL_US["Alex-6"]), (-10.0, 40.0, 35.0)]
    else:
        ex = []
        for i, (_, rng) in enumerate(cases(seed, 30)):
            fixed, eie = float(10 ** rng.uniform(0, 4)), float(10 ** rng.uniform(0, 2))
            kind = i % 6  # 0-2: a crossover; 3: never (None); 4: no per-frame cost; 5: slower
            share = {3: rng.uniform(1.0, 3.0), 4: 0.0}.get(kind, rng.uniform(0.0, 0.98))
            per = eie * float(share)
            if i % 7 == 2:  # already at or below EIE's time at batch 1
                fixed = (eie - per) * float(rng.uniform(0.1, 1.0))
            if kind == 5:  # slower per frame at larger batches: fixed < 0 (a Tegra K1 row)
                per = eie * float(rng.uniform(0.5, 2.0))
                fixed = -per * float(rng.uniform(0.05, 0.9))
            ex.append((fixed, per, eie))
    return [(f"{_label(hidden, i)}: crossover_batch(fixed_us={f:.6g}, per_frame_us={p:.6g}, "
             f"eie_us={e:.6g})", (f, p, e)) for i, (f, p, e) in enumerate(ex)]


def _cb_judge(args, got, case):
    fixed, per, eie = args
    want = _crossover_batch(fixed, per, eie)
    if want is None:
        if got is not None:
            raise CheckFailed(f"{case}: expected None (no batch size gets down to EIE's time per "
                              f"frame), got {describe(got)}")
        return
    if isinstance(got, bool) or not isinstance(got, (int, np.integer)):
        raise CheckFailed(f"{case}: the crossover batch expected {want}, got {describe(got)}")
    b = int(got)
    if b != want and abs(b - want) == 1:  # float rounding may put a near-tie on either side
        edge = BatchModel("", "", float(fixed), float(per)).time_per_frame_us(min(b, want))
        if edge != eie and abs(edge - eie) <= 1e-12 * eie:
            return
    expect_number(b, want, "the crossover batch", case, integer=True)


def _layers_form(got, label):
    if not isinstance(got, dict) or sorted(got) != sorted(LAYER_NAMES):
        raise CheckFailed(f"{label}: expected a dict with the nine layer names "
                          f"{list(LAYER_NAMES)} as keys, got {describe(got)}")
    for name, v in got.items():
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1):
            raise CheckFailed(f"{label}: {name}: expected a batch size (int >= 1) or None, got "
                              f"{describe(v)}")


def _gc_grade(got, label):
    want = _gpu_crossover()
    wrong = [n for n in LAYER_NAMES if (None if got[n] is None else int(got[n])) != want[n]]
    if wrong:
        raise CheckFailed(f"{label}: {len(wrong)} of the {len(LAYER_NAMES)} layers are wrong, "
                          f"first {wrong[0]} (your {got[wrong[0]]!r}); check the rows you fit "
                          "and the EIE time you compare with")


def _conv_draw(rng):
    c_out, c_in, k = int(rng.integers(1, 17)), int(rng.integers(1, 6)), int(rng.integers(1, 4))
    h, w = int(rng.integers(k, k + 6)), int(rng.integers(k, k + 6))
    weight = rng.normal(size=(c_out, c_in, k, k)) * (rng.random((c_out, c_in, k, k))
                                                     < rng.uniform(0.05, 0.6))
    x = np.maximum(rng.normal(rng.uniform(-1.5, 1.0), 1.0, (c_in, h, w)), 0.0)
    return weight, x, int(rng.integers(1, 17))


def _conv_inputs(hidden, seed):
    """(weight, x, n_pe) per case: the stand-in conv2 and a small hand case, or random convs."""
    if not hidden:
        weight, x = conv2_standin()
        small = (np.arange(8.0).reshape(2, 1, 2, 2) % 3, np.array([[[1.0, 0.0, 2.0],
                                                                   [0.0, 3.0, 0.0]]]), 2)
        return [small, (weight, x, 64), (weight, x, 8)]
    return [_conv_draw(rng) for _, rng in cases(seed, 12)]


def _cu_cases(hidden, seed):
    out = []
    for i, (weight, x, n_pe) in enumerate(_conv_inputs(hidden, seed)):
        matrix, columns = lower_conv(weight, x)
        run = run_conv(weight, x, EIEConfig(n_pe=n_pe))
        out.append((f"{_label(hidden, i)}: conv_mac_utilization(matrix {matrix.shape}, columns "
                    f"{columns.shape}, n_pe={n_pe}, cycles={run.cycles})",
                    (matrix, columns, n_pe, int(run.cycles))))
    return out


def _cu_judge(args, got, case):
    matrix, columns, n_pe, cycles = args
    expect_number(got, _conv_mac_utilization(matrix, columns, n_pe, cycles),
                  "the MAC utilisation", case, rtol=1e-9)


def _wr_cases(hidden, seed):
    out = []
    for i, (weight, x, n_pe) in enumerate(_conv_inputs(hidden, seed)):
        matrix, columns = lower_conv(weight, x)
        entries = encode(matrix, EIEConfig(n_pe=n_pe)).e.sum(axis=0)
        out.append((f"{_label(hidden, i)}: sram_weight_reads(entries of {entries.size} columns "
                    f"on {n_pe} PEs, columns {columns.shape})", (entries, columns)))
    return out


def _wr_judge(args, got, case):
    entries, columns = args
    expect_number(got, _sram_weight_reads(entries, columns), "the weight reads", case,
                  integer=True)


def _number_form(got, label):
    if isinstance(got, bool) or not isinstance(got, (int, float, np.integer, np.floating)):
        raise CheckFailed(f"{label}: expected one number, got {describe(got)}")
    if not np.isfinite(got) or got <= 0:
        raise CheckFailed(f"{label}: expected a positive ratio, got {got!r}")


def _rf_grade(got, label):
    if not np.isclose(float(got), _reread_factor(), rtol=0.01):
        raise CheckFailed(f"{label}: {float(got):.4g} is not the measured ratio (within 1%); "
                          "divide what EIE reads from SRAM by what a weight-stationary array "
                          "reads, both over all pixels")


def _bb_cases(hidden, seed):
    if not hidden:
        W, a = fig2_example()
        codes = W.astype(np.int64)
        fig2 = encode(codes.astype(np.float64), EIEConfig(n_pe=4), codebook=np.arange(16.0),
                      codes=codes).e
        weight, x = conv2_standin()
        matrix, columns = lower_conv(weight, x)
        ex = [(fig2, a, 1), (fig2, a, 2)]
        for n_pe, width in ((8, 1), (64, 1), (64, 4)):
            ex.append((encode(matrix, EIEConfig(n_pe=n_pe)).e, columns[0], width))
        names = ["EIE Fig. 2 on 4 PEs", "EIE Fig. 2 on 4 PEs", "conv2 pixel 0 on 8 PEs",
                 "conv2 pixel 0 on 64 PEs", "conv2 pixel 0 on 64 PEs"]
    else:
        ex, names = [], []
        for _, rng in cases(seed, 25):
            n_pe, n = int(rng.integers(1, 17)), int(rng.integers(1, 48))
            e = rng.poisson(float(rng.uniform(0.1, 3.0)), size=(n_pe, n)).astype(np.int64)
            a = np.where(rng.random(n) < rng.uniform(0.1, 1.0), rng.random(n) + 0.1, 0.0)
            ex.append((e, a, int(rng.choice([1, 2, 4]))))
            names.append(f"e of {n} columns on {n_pe} PEs")
    return [(f"{_label(hidden, i)}: broadcast_bound({name}, a with "
             f"{int(np.count_nonzero(a))} non-zeros, width={w})", (e, a, w))
            for i, ((e, a, w), name) in enumerate(zip(ex, names))]


def _bb_judge(args, got, case):
    broadcast, work = _numbers(got, 2, "(broadcast_cycles, pe_work_cycles)", case)
    want = _broadcast_bound(*args)
    expect_number(broadcast, want[0], "broadcast_cycles", case, integer=True)
    expect_number(work, want[1], "pe_work_cycles", case, integer=True)


def design_outcome(n_pe: int) -> tuple[int, int, int]:
    """``(cycles at n_pe, best cycles over CONV_N_PES, PE count of the best)`` of the stand-in.

    Examples
    --------
    >>> cycles, best, at = design_outcome(64)
    >>> best <= cycles and at in CONV_N_PES
    True
    """
    sweep = {n: conv_cycles(n) for n in CONV_N_PES}
    at = min(sweep, key=lambda n: (sweep[n], n))
    return sweep[int(n_pe)], sweep[at], at


def _fp_form(got, label):
    if isinstance(got, bool) or not isinstance(got, (int, np.integer)) or got not in CONV_N_PES:
        raise CheckFailed(f"{label}: expected a PE count (int) among {CONV_N_PES}, got "
                          f"{describe(got)}")


def _fp_grade(got, label):
    cycles, best, at = design_outcome(int(got))
    if cycles > (1 + TOLERANCE) * best:
        raise CheckFailed(f"{label}: {int(got)} PEs take {cycles:,} cycles, "
                          f"{100 * (cycles / best - 1):.1f}% above the best ({best:,} cycles at "
                          f"{at} PEs); the target is within {100 * TOLERANCE:g}%")
    if int(got) > _fewest_pes():
        raise CheckFailed(f"{label}: {int(got)} PEs take {cycles:,} cycles, within "
                          f"{100 * TOLERANCE:g}% of the best ({best:,}), but fewer PEs get there "
                          "too: the target is the fewest")


def _part(name, make, judge, seed, package, nudge):
    return Part(name, lambda: make(False, seed), lambda s: make(True, s), judge, seed, package,
                nudge)


PARTS = {
    "batch_model": _part("batch_model", _bm_cases, _bm_judge, 1001, _BATCH,
                         "two equations, two unknowns: write the time per frame at batch 1 and "
                         "at batch 64"),
    "crossover_batch": _part("crossover_batch", _cb_cases, _cb_judge, 1002, _BATCH,
                             "the time per frame only falls towards per_frame_us; solve the "
                             "inequality for b and round the right way"),
    "gpu_crossover": answer_part("gpu_crossover", _layers_form, _gc_grade, 1003,
                                 nudge="fit each layer's GPU dense rows, compare with EIE's "
                                       "actual time of the same layer"),
    "conv_mac_utilization": _part("conv_mac_utilization", _cu_cases, _cu_judge, 1004, _CONV,
                                  "a real MAC pairs a non-zero weight with a non-zero "
                                  "activation of that pixel; count them over all pixels"),
    "sram_weight_reads": _part("sram_weight_reads", _wr_cases, _wr_judge, 1005, _CONV,
                               "each pixel streams the stored entries of every column whose "
                               "activation is non-zero"),
    "reread_factor": answer_part("reread_factor", _number_form, _rf_grade, 1006,
                                 nudge="a weight-stationary array reads each non-zero weight "
                                       "once for all pixels"),
    "broadcast_bound": _part("broadcast_bound", _bb_cases, _bb_judge, 1007, _BOUND,
                             "the bus carries `width` activations a cycle; a PE spends at least "
                             "one cycle on every activation it is sent"),
    "conv2_limit": choice_part("conv2_limit", *QUESTIONS["conv2_limit"], 1008,
                               nudge="compare the two counts of your broadcast_bound at 8 and "
                                     "at 64 PEs"),
    "fewest_pes": answer_part("fewest_pes", _fp_form, _fp_grade, 1009, reveal=True,
                              nudge="measure cycles over the PE counts first; where does the "
                                    "curve flatten?"),
}


def check_batch_model(fn, hidden: bool = False) -> None:
    """``fn(t1_us, t64_us)`` -> ``(fixed_us, per_frame_us)`` of the two-point batch model."""
    run_part(PARTS["batch_model"], fn, hidden)


def check_crossover_batch(fn, hidden: bool = False) -> None:
    """``fn(fixed_us, per_frame_us, eie_us)`` -> smallest batch at or below EIE's time, or None."""
    run_part(PARTS["crossover_batch"], fn, hidden)


def check_gpu_crossover(fn, hidden: bool = False) -> None:
    """``fn()`` -> ``{layer: crossover batch or None}`` of the dense Titan X against EIE."""
    run_part(PARTS["gpu_crossover"], fn, hidden)


def check_conv_mac_utilization(fn, hidden: bool = False) -> None:
    """``fn(matrix, columns, n_pe, cycles)`` -> real MACs / (n_pe * cycles) over all pixels."""
    run_part(PARTS["conv_mac_utilization"], fn, hidden)


def check_sram_weight_reads(fn, hidden: bool = False) -> None:
    """``fn(entries, columns)`` -> entries EIE reads from SRAM over all pixels."""
    run_part(PARTS["sram_weight_reads"], fn, hidden)


def check_reread_factor(fn, hidden: bool = False) -> None:
    """``fn()`` -> EIE's SRAM weight reads over a weight-stationary array's, conv2 on 64 PEs."""
    run_part(PARTS["reread_factor"], fn, hidden)


def check_broadcast_bound(fn, hidden: bool = False) -> None:
    """``fn(e, a, width)`` -> ``(broadcast_cycles, pe_work_cycles)``."""
    run_part(PARTS["broadcast_bound"], fn, hidden)


def check_conv2_limit(fn, hidden: bool = False) -> None:
    """``fn()`` -> the letter of the limit that binds conv2 at 8 and at 64 PEs."""
    run_part(PARTS["conv2_limit"], fn, hidden)


def check_fewest_pes(fn, hidden: bool = False) -> None:
    """``fn()`` -> the fewest PEs whose conv2 cycles are within :data:`TOLERANCE` of the best."""
    run_part(PARTS["fewest_pes"], fn, hidden)
