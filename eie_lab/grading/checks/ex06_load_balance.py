"""Checks for ``exercises/ex06_load_balance.ipynb``: load efficiency and MAC utilisation, their
dependence on the FIFO depth, the bottleneck PE, where more FIFO stops paying, three questions on
what the figures mean, and a design-to-target task: reorder a layer's rows so the PEs finish
together.

References: :func:`eie_lab.eie.simulate` (``.load_efficiency`` = sum(busy) / (n_pe * cycles),
``.mac_utilization`` = real MACs / (n_pe * cycles), ``.busy``) on layers encoded by
:func:`eie_lab.eie.encode`. The questions (:data:`QUESTIONS`) are answered by a function that
returns one letter: the visible test checks only that it is one of the choices, the hidden test
whether it is right. The design task is judged on the measured outcome: the simulated cycles of
the reordered layer against a target.

Examples
--------
>>> from eie_lab.grading.checks import ex06_load_balance as ex
>>> ex.check_smallest_good_depth(ex.REFERENCE["smallest_good_depth"])
✓ smallest_good_depth: 2 examples pass
>>> ex.check_fig8_metric(ex.REFERENCE["fig8_metric"], hidden=True)
✓ fig8_metric: 1 hidden case passes
"""

from __future__ import annotations

import math

import numpy as np

from eie_lab.eie import simulate
from eie_lab.grading.checks._core import (
    CheckFailed,
    Part,
    cases,
    choice_part,
    expect_array,
    expect_number,
    run_part,
)
from eie_lab.grading.exercise_data import LayerRecipe, example_layer, reordered_cycles

__all__ = ["REFERENCE", "PARTS", "QUESTIONS", "INTERPRET", "ANSWERS", "TARGET_CYCLES",
           "example_layer", "reordered_cycles", "check_load_efficiency", "check_mac_utilization",
           "check_efficiency_vs_fifo", "check_bottleneck_pe", "check_smallest_good_depth",
           "check_gap_cause", "check_deep_fifo_floor", "check_fig8_metric",
           "check_balanced_row_order"]

GIVEN = LayerRecipe(256, 256, 16, 0.1, 0)  # the set-up cell's example_layer()
TARGET_CYCLES = 200  # the design target on the given layer (as given: 249 cycles)

# Multiple-choice questions: part -> (choices, the right one). The notebook states them in full.
QUESTIONS = {
    "gap_cause": ("abcd", "b"),  # busy cycles that are not real MACs: empty columns, padding
    "deep_fifo_floor": ("abcd", "c"),  # a deep FIFO leaves the busiest PE's work as the floor
    "fig8_metric": ("ab", "a"),  # 1 - bubble/total counts every non-idle cycle: load efficiency
}
INTERPRET = tuple(QUESTIONS)  # multiple-choice parts
ANSWERS = INTERPRET  # parts answered by a constant (no inputs to vary)


def _efficiency_vs_fifo(layer, a, depths):
    return np.array([simulate(layer, a, layer.config.replace(fifo_depth=int(d))).load_efficiency
                     for d in depths])


def _smallest_good_depth(depths, efficiencies, fraction=0.95):
    eff = np.asarray(efficiencies, dtype=np.float64)
    return int(np.asarray(depths)[np.flatnonzero(eff >= fraction * eff.max())[0]])


def _balanced_row_order(layer, a):
    """Longest-processing-time first: the heaviest row goes to the least-loaded PE with room."""
    w = layer.decode()
    n, m = layer.n_pe, layer.shape[0]
    work = np.count_nonzero(w[:, np.asarray(a) != 0], axis=1)
    room = np.array([len(range(k, m, n)) for k in range(n)])
    load = np.zeros(n)
    rows: list[list[int]] = [[] for _ in range(n)]
    for r in np.argsort(-work, kind="stable"):
        free = np.flatnonzero(room > 0)
        k = int(free[np.argmin(load[free])])
        rows[k].append(int(r))
        load[k] += work[r]
        room[k] -= 1
    order = np.empty(m, dtype=np.int64)
    for k in range(n):
        order[k::n] = rows[k]
    return order


REFERENCE = {
    "load_efficiency": lambda busy, cycles: (float(np.sum(busy)) / (len(busy) * cycles)
                                             if cycles else 0.0),
    "mac_utilization": lambda real_macs, n_pe, cycles: (float(real_macs) / (n_pe * cycles)
                                                        if cycles else 0.0),
    "efficiency_vs_fifo": _efficiency_vs_fifo,
    "bottleneck_pe": lambda layer, a: int(np.argmax(simulate(layer, a).busy)),
    "smallest_good_depth": _smallest_good_depth,
    "gap_cause": lambda: QUESTIONS["gap_cause"][1],
    "deep_fifo_floor": lambda: QUESTIONS["deep_fifo_floor"][1],
    "fig8_metric": lambda: QUESTIONS["fig8_metric"][1],
    "balanced_row_order": _balanced_row_order,
}


def _recipes(hidden: bool, seed: int) -> list[LayerRecipe]:
    if not hidden:
        return [LayerRecipe(64, 64, 8, 0.1, 0), LayerRecipe(32, 16, 4, 0.3, 1)]
    return [LayerRecipe(int(rng.integers(4, 96)), int(rng.integers(1, 64)),
                        int(rng.integers(1, 17)), float(rng.uniform(0.02, 0.5)),
                        int(rng.integers(2**31))) for _, rng in cases(seed, 12)]


def _label(hidden: bool, i: int) -> str:
    return f"{'hidden' if hidden else 'example'} {i + 1}"


def _le_cases(hidden, seed):
    examples = [(np.array([4, 2, 3, 3]), 4), (np.array([0, 0]), 0)]
    for r in _recipes(hidden, seed):
        res = simulate(r.build(), r.activations())
        examples.append((res.busy, res.cycles))
    return [(f"{_label(hidden, i)}: load_efficiency(busy of {len(busy)} PEs, cycles={cycles})",
             (busy, cycles)) for i, (busy, cycles) in enumerate(examples)]


def _le_judge(args, got, case):
    expect_number(got, REFERENCE["load_efficiency"](*args), "the load efficiency", case)


def _mu_cases(hidden, seed):
    examples = [(21, 4, 9), (0, 2, 0)]
    for r in _recipes(hidden, seed):
        layer = r.build()
        res = simulate(layer, r.activations())
        examples.append((int(res.counts.real_macs), layer.n_pe, res.cycles))
    return [(f"{_label(hidden, i)}: mac_utilization(real_macs={m}, n_pe={n}, cycles={c})",
             (m, n, c)) for i, (m, n, c) in enumerate(examples)]


def _mu_judge(args, got, case):
    expect_number(got, REFERENCE["mac_utilization"](*args), "the MAC utilisation", case)


def _evf_cases(hidden, seed):
    out = []
    for i, r in enumerate(_recipes(hidden, seed)):
        depths = [1, 2, 4, 8] if not hidden else sorted({1, 3, int(1 + i % 9), 16})
        out.append((f"{_label(hidden, i)}: efficiency_vs_fifo({r}, a, depths={depths})",
                    (r, r.activations(), depths)))
    return out


def _evf_judge(args, got, case):
    r, a, depths = args
    expect_array(got, _efficiency_vs_fifo(r.build(), a, depths), "the efficiencies", case,
                 exact=False)


def _bpe_cases(hidden, seed):
    return [(f"{_label(hidden, i)}: bottleneck_pe({r}, a)", (r, r.activations()))
            for i, r in enumerate(_recipes(hidden, seed))]


def _bpe_judge(args, got, case):
    r, a = args
    want = REFERENCE["bottleneck_pe"](r.build(), a)
    if isinstance(got, bool) or not isinstance(got, (int, np.integer)):
        raise CheckFailed(f"{case}: expected a PE index (int), got {type(got).__name__}")
    expect_number(got, want, "the bottleneck PE", case, integer=True)


def _sgd_cases(hidden, seed):
    examples = [([1, 2, 4, 8, 16], [0.5, 0.7, 0.85, 0.93, 0.95], 0.95),
                ([1, 2, 4], [0.9, 0.9, 0.9], 0.95)]
    if hidden:
        examples = []
        for _, rng in cases(seed, 25):
            depths = sorted(int(d) for d in rng.choice(np.arange(1, 257), int(rng.integers(1, 9)),
                                                       replace=False))
            eff = np.sort(rng.uniform(0.2, 1.0, size=len(depths)))
            examples.append((depths, eff, float(rng.choice([0.9, 0.95, 0.99]))))
    return [(f"{_label(hidden, i)}: smallest_good_depth({d}, efficiencies, fraction={f})",
             (d, e, f)) for i, (d, e, f) in enumerate(examples)]


def _sgd_judge(args, got, case):
    expect_number(got, _smallest_good_depth(*args), "the depth", case, integer=True)


def _target(r: LayerRecipe, a) -> int:
    """The cycle target: :data:`TARGET_CYCLES` on the given layer; on another, within 10% (at
    least 3 cycles) of the longest-row-first reordering and at least 40% of the way to it from the
    layer as given."""
    if r == GIVEN:
        return TARGET_CYCLES
    layer = r.build()
    ref = reordered_cycles(layer, a, _balanced_row_order(layer, a))
    base = reordered_cycles(layer, a, np.arange(layer.shape[0]))
    return min(ref + max(3, math.ceil(0.1 * ref)), ref + 3 * (base - ref) // 5)


def _bro_cases(hidden, seed):
    if not hidden:
        return [(f"example 1: balanced_row_order(the given {GIVEN}, a), target {TARGET_CYCLES} "
                 "cycles", (GIVEN, GIVEN.activations()))]
    out = []
    for i, (_, rng) in enumerate(cases(seed, 4)):
        n_pe = int(rng.choice([4, 8, 16]))
        r = LayerRecipe(int(n_pe * rng.integers(8, 17)), int(rng.integers(64, 257)), n_pe,
                        float(rng.uniform(0.05, 0.2)), int(rng.integers(2**31)))
        out.append((f"hidden {i + 1}: balanced_row_order({r}, a)", (r, r.activations())))
    return out


def _bro_judge(args, got, case):
    r, a = args
    layer = r.build()
    m = layer.shape[0]
    order = np.asarray(got)
    if order.shape != (m,) or order.dtype.kind not in "iu" or not np.array_equal(
            np.sort(order), np.arange(m)):
        raise CheckFailed(f"{case}: expected an integer permutation of range({m}) (each row "
                          f"once), got {type(got).__name__} of shape {order.shape}")
    cycles, target = reordered_cycles(layer, a, order), _target(r, a)
    if cycles > target:
        raise CheckFailed(f"{case}: the reordered layer takes {cycles} cycles; the target is "
                          f"{target} or fewer (the layer as given: "
                          f"{reordered_cycles(layer, a, np.arange(m))})")


def _part(name, make, judge, seed, nudge):
    return Part(name, lambda: make(False, seed), lambda s: make(True, s), judge, seed, (), nudge)


PARTS = {  # simulate is the tool of this exercise: no package implementation is off limits
    "load_efficiency": _part("load_efficiency", _le_cases, _le_judge, 601,
                             "every PE-cycle of the run is in the denominator; an empty run is 0.0"),
    "mac_utilization": _part("mac_utilization", _mu_cases, _mu_judge, 605,
                             "count real multiply-accumulates only, over all PE-cycles"),
    "efficiency_vs_fifo": _part("efficiency_vs_fifo", _evf_cases, _evf_judge, 602,
                                "one simulation per depth, the same layer and input each time"),
    "bottleneck_pe": _part("bottleneck_pe", _bpe_cases, _bpe_judge, 603,
                           "the PE with the most busy cycles, as a plain int"),
    "smallest_good_depth": _part("smallest_good_depth", _sgd_cases, _sgd_judge, 604,
                                 "compare each efficiency with the fraction of the best one"),
    "gap_cause": choice_part("gap_cause", *QUESTIONS["gap_cause"], 606,
                             nudge="which choice describes a PE that is working?"),
    "deep_fifo_floor": choice_part("deep_fifo_floor", *QUESTIONS["deep_fifo_floor"], 607,
                                   nudge="print the four numbers beside the simulated cycles"),
    "fig8_metric": choice_part("fig8_metric", *QUESTIONS["fig8_metric"], 608,
                               nudge="is a PE on an empty column's one cycle in a bubble?"),
    "balanced_row_order": _part("balanced_row_order", _bro_cases, _bro_judge, 609,
                                "even out each PE's work on the non-zero activations"),
}


def check_load_efficiency(fn, hidden: bool = False) -> None:
    """``fn(busy, cycles)`` -> sum(busy) / (n_pe * cycles), 0.0 when cycles == 0."""
    run_part(PARTS["load_efficiency"], fn, hidden)


def check_mac_utilization(fn, hidden: bool = False) -> None:
    """``fn(real_macs, n_pe, cycles)`` -> real MACs / (n_pe * cycles), 0.0 when cycles == 0."""
    run_part(PARTS["mac_utilization"], fn, hidden)


def check_efficiency_vs_fifo(fn, hidden: bool = False) -> None:
    """``fn(layer, a, depths)`` -> load efficiency at each FIFO depth (an array)."""
    run_part(PARTS["efficiency_vs_fifo"], fn, hidden)


def check_bottleneck_pe(fn, hidden: bool = False) -> None:
    """``fn(layer, a)`` -> index of the PE with the most busy cycles (lowest on ties)."""
    run_part(PARTS["bottleneck_pe"], fn, hidden)


def check_smallest_good_depth(fn, hidden: bool = False) -> None:
    """``fn(depths, efficiencies, fraction)`` -> smallest depth within ``fraction`` of the best."""
    run_part(PARTS["smallest_good_depth"], fn, hidden)


def check_gap_cause(fn, hidden: bool = False) -> None:
    """``fn()`` -> the letter of the cause of load efficiency > MAC utilisation."""
    run_part(PARTS["gap_cause"], fn, hidden)


def check_deep_fifo_floor(fn, hidden: bool = False) -> None:
    """``fn()`` -> the letter of the bound a very deep FIFO leaves the cycles at."""
    run_part(PARTS["deep_fifo_floor"], fn, hidden)


def check_fig8_metric(fn, hidden: bool = False) -> None:
    """``fn()`` -> the letter of the simulator figure EIE Fig. 8 plots."""
    run_part(PARTS["fig8_metric"], fn, hidden)


def check_balanced_row_order(fn, hidden: bool = False) -> None:
    """``fn(layer, a)`` -> a row permutation whose reordered layer meets the cycle target."""
    run_part(PARTS["balanced_row_order"], fn, hidden)
