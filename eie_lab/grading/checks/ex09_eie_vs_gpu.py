"""Checks for ``exercises/ex09_eie_vs_gpu.ipynb``: speedup and energy efficiency recomputed from
the raw times of EIE Table IV and the powers of DC Table 9, the geometric mean, the headline
numbers, and a design-to-target challenge on the nine benchmark layers.

References: :mod:`eie_lab.paper_tables` (``speedups``, ``energy_efficiencies``, ``geomean``:
off limits to an answer). The design task is judged on the measured outcome:
:func:`eie_lab.grading.exercise_data.evaluate_design` runs the nine layers with the student's
``n_pe``, ``fifo_depth`` and ``index_bits`` (a few seconds, cached per design), checks the
162 KB/PE budget and scores energy x delay against the paper's design (higher is better).
:func:`rank_designs` turns a class's designs into a leaderboard.

Examples
--------
>>> from eie_lab.grading.checks import ex09_eie_vs_gpu as ex
>>> ex.check_geomean(ex.REFERENCE["geomean"], hidden=True)
✓ geomean: 20 hidden cases pass
>>> ex.check_fig6_mismatch(ex.REFERENCE["fig6_mismatch"], hidden=True)
✓ fig6_mismatch: 1 hidden case passes
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

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
from eie_lab.grading.exercise_data import (
    BUDGET_BITS,
    DESIGN_LIMITS,
    PAPER_DESIGN,
    evaluate_design,
)
from eie_lab.paper_tables import (
    ALEXNET_VGG,
    DC_TABLE9_POWER_W,
    EIE_POWER_W,
    TABLE_IV_US,
)

__all__ = ["REFERENCE", "PARTS", "QUESTIONS", "INTERPRET", "ANSWERS", "TARGET_SCORE", "rank_designs",
           "PAPER_DESIGN", "DESIGN_LIMITS", "BUDGET_BITS", "evaluate_design",  # public, re-exported
           "check_speedup", "check_energy_efficiency", "check_geomean", "check_gpu_speedup",
           "check_gpu_energy_ratio", "check_fig6_mismatch", "check_design"]

_PACKAGE = ("eie_lab.paper_tables:speedups", "eie_lab.paper_tables:energy_efficiencies",
            "eie_lab.paper_tables:geomean")
#: The design target: energy x delay at most 1/1.5 of the paper design's (score >= 1.5).
TARGET_SCORE = 1.5
QUESTIONS = {"fig6_mismatch": ("abcd", "b")}  # Fig. 6's NT-We label vs Table IV: the paper's slip
INTERPRET = tuple(QUESTIONS)  # multiple-choice parts
ANSWERS = INTERPRET + ("gpu_speedup", "gpu_energy_ratio", "design")  # answered by a constant


def _speedup(baseline_us, platform_us):
    return np.asarray(baseline_us, dtype=float) / np.asarray(platform_us, dtype=float)


def _energy_efficiency(baseline_us, baseline_w, platform_us, platform_w):
    return ((np.asarray(baseline_us, dtype=float) * np.asarray(baseline_w, dtype=float))
            / (np.asarray(platform_us, dtype=float) * np.asarray(platform_w, dtype=float)))


def _geomean(values):
    return float(np.exp(np.mean(np.log(np.asarray(values, dtype=float)))))


def _gpu_speedup():
    return _geomean(_speedup(TABLE_IV_US[("GPU", 1, "dense")], TABLE_IV_US[("EIE", 1, "actual")]))


def _gpu_energy_ratio():
    six = len(ALEXNET_VGG)
    return _geomean(_energy_efficiency(TABLE_IV_US[("GPU", 1, "dense")][:six],
                                       DC_TABLE9_POWER_W[("GPU", 1, "dense")],
                                       TABLE_IV_US[("EIE", 1, "actual")][:six], EIE_POWER_W))


REFERENCE = {
    "speedup": _speedup,
    "energy_efficiency": _energy_efficiency,
    "geomean": _geomean,
    "gpu_speedup": _gpu_speedup,
    "gpu_energy_ratio": _gpu_energy_ratio,
    "fig6_mismatch": lambda: QUESTIONS["fig6_mismatch"][1],
    "design": lambda: {"n_pe": 128, "fifo_depth": 32, "index_bits": 5},
}


def _times(rng, n):
    return np.round(10 ** rng.uniform(0, 4.5, size=n), 1)


def _sp_cases(hidden, seed):
    if not hidden:
        ex = [(np.array(TABLE_IV_US[("CPU", 1, "dense")]), np.array(TABLE_IV_US[("EIE", 1, "actual")])),
              (np.array([10.0, 4.0]), np.array([2.0, 8.0]))]
        label = "example"
    else:
        ex = [(_times(rng, n := int(rng.integers(1, 12))), _times(rng, n)) for _, rng in cases(seed, 20)]
        label = "hidden"
    return [(f"{label} {i + 1}: speedup(baseline_us of {len(b)} layers, platform_us)", (b, p))
            for i, (b, p) in enumerate(ex)]


def _sp_judge(args, got, case):
    expect_array(got, _speedup(*args), "the speedups", case, exact=False, rtol=1e-9)


def _ee_cases(hidden, seed):
    six = len(ALEXNET_VGG)
    if not hidden:
        ex = [(np.array(TABLE_IV_US[("CPU", 1, "dense")][:six]),
               np.array(DC_TABLE9_POWER_W[("CPU", 1, "dense")]),
               np.array(TABLE_IV_US[("GPU", 1, "dense")][:six]),
               np.array(DC_TABLE9_POWER_W[("GPU", 1, "dense")])),
              (np.array([100.0, 50.0]), np.array([80.0, 70.0]), np.array([2.0, 1.0]), 0.6)]
        label = "example"
    else:
        ex = []
        for _, rng in cases(seed, 20):
            n = int(rng.integers(1, 10))
            pw = float(rng.uniform(0.1, 5)) if rng.random() < 0.5 else rng.uniform(1, 200, n)
            ex.append((_times(rng, n), rng.uniform(1, 200, n), _times(rng, n), pw))
        label = "hidden"
    return [(f"{label} {i + 1}: energy_efficiency(baseline_us, baseline_w, platform_us, "
             f"platform_w={describe(pw) if np.isscalar(pw) else 'one power per layer'}) over "
             f"{len(b)} layers", (b, bw, p, pw)) for i, (b, bw, p, pw) in enumerate(ex)]


def _ee_judge(args, got, case):
    expect_array(got, _energy_efficiency(*args), "the energy efficiencies", case, exact=False,
                 rtol=1e-9)


def _gm_cases(hidden, seed):
    if not hidden:
        ex = [[1.0, 100.0], [2.0, 8.0, 4.0], [13.0]]
        label = "example"
    else:
        ex = [list(10 ** rng.uniform(-2, 5, size=int(rng.integers(1, 12))))
              for _, rng in cases(seed, 20)]
        label = "hidden"
    return [(f"{label} {i + 1}: geomean({describe(v) if len(v) <= 3 else f'{len(v)} values'})",
             (v,)) for i, v in enumerate(ex)]


def _gm_judge(args, got, case):
    expect_number(got, _geomean(*args), "the geometric mean", case, rtol=1e-9)


def _number_form(got, label):
    if isinstance(got, bool) or not isinstance(got, (int, float, np.integer, np.floating)):
        raise CheckFailed(f"{label}: expected a number, got {describe(got)}")
    if not np.isfinite(got) or got <= 0:
        raise CheckFailed(f"{label}: expected a positive ratio, got {got!r}")


def _within(reference, what):
    def grade(got, label):
        if not np.isclose(float(got), reference(), rtol=0.01):
            raise CheckFailed(f"{label}: {float(got):.4g} is not {what} (within 1%); check which "
                              "rows of the tables you divide and over which layers you average")
    return grade


def _design_form(got, label):
    if not isinstance(got, Mapping) or sorted(got) != sorted(DESIGN_LIMITS):
        raise CheckFailed(f"{label}: expected a dict with the keys {sorted(DESIGN_LIMITS)}, got "
                          f"{describe(got)}")
    for key, (low, high) in DESIGN_LIMITS.items():
        v = got[key]
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not low <= v <= high:
            raise CheckFailed(f"{label}: {key} must be an int from {low} to {high}, got "
                              f"{describe(v)}")


def _design_grade(got, label):
    s = evaluate_design(got)
    if not s.fits:
        raise CheckFailed(f"{label}: {s.design} needs {s.worst_bits:,} bits of SRAM in its "
                          f"fullest PE; the budget is {BUDGET_BITS:,} (128 KB + 32 KB)")
    if s.score < TARGET_SCORE:
        raise CheckFailed(f"{label}: {s.design} scores {s.score:.3f} (energy {s.energy_uj:.1f} "
                          f"µJ x delay {s.delay_us:.1f} µs); the target is {TARGET_SCORE} or more")


def _part(name, make, judge, seed, nudge):
    return Part(name, lambda: make(False, seed), lambda s: make(True, s), judge, seed, _PACKAGE,
                nudge)


PARTS = {
    "speedup": _part("speedup", _sp_cases, _sp_judge, 901,
                     "a speedup compares the time of the baseline with the platform's, layer by layer"),
    "energy_efficiency": _part("energy_efficiency", _ee_cases, _ee_judge, 902,
                               "energy is power over time; numpy broadcasts a single power"),
    "geomean": _part("geomean", _gm_cases, _gm_judge, 903,
                     "a geometric mean is an arithmetic mean in another space"),
    "gpu_speedup": answer_part("gpu_speedup", _number_form,
                               _within(_gpu_speedup, "the paper's headline GPU speedup"), 904,
                               nudge="EIE Table IV: GPU dense at batch 1 against EIE's actual time"),
    "gpu_energy_ratio": answer_part("gpu_energy_ratio", _number_form,
                                    _within(_gpu_energy_ratio, "the recomputed energy ratio"), 905,
                                    nudge="DC Table 9 has powers for six layers only"),
    "fig6_mismatch": choice_part("fig6_mismatch", *QUESTIONS["fig6_mismatch"], 906,
                                 nudge="compare Fig. 6's label with both EIE rows of Table IV"),
    "design": answer_part("design", _design_form, _design_grade, 907, reveal=True,
                          nudge="energy x delay trades the two: measure before you choose"),
}


def rank_designs(designs: Mapping[str, Mapping[str, int]]) -> list[tuple[str, float]]:
    """A leaderboard: ``(name, score)`` best first; a design over budget or malformed scores 0.

    Parameters
    ----------
    designs : mapping
        Student (or team) -> their ``design()`` answer.

    Returns
    -------
    list of (str, float)
        Sorted by score, highest first (ties by name).

    Examples
    --------
    >>> rank_designs({"paper": PAPER_DESIGN, "typo": {"n_pe": 64}})
    [('paper', 1.0), ('typo', 0.0)]
    """
    scored = []
    for name, design in designs.items():
        try:
            _design_form(design, name)
            s = evaluate_design(design)
            scored.append((str(name), round(s.score, 4) if s.fits else 0.0))
        except CheckFailed:
            scored.append((str(name), 0.0))
    return sorted(scored, key=lambda item: (-item[1], item[0]))


def check_speedup(fn, hidden: bool = False) -> None:
    """``fn(baseline_us, platform_us)`` -> per-layer speedups of the platform over the baseline."""
    run_part(PARTS["speedup"], fn, hidden)


def check_energy_efficiency(fn, hidden: bool = False) -> None:
    """``fn(baseline_us, baseline_w, platform_us, platform_w)`` -> per-layer energy ratios."""
    run_part(PARTS["energy_efficiency"], fn, hidden)


def check_geomean(fn, hidden: bool = False) -> None:
    """``fn(values)`` -> their geometric mean."""
    run_part(PARTS["geomean"], fn, hidden)


def check_gpu_speedup(fn, hidden: bool = False) -> None:
    """``fn()`` -> EIE's geometric-mean speedup over the batch-1 dense GPU, nine layers."""
    run_part(PARTS["gpu_speedup"], fn, hidden)


def check_gpu_energy_ratio(fn, hidden: bool = False) -> None:
    """``fn()`` -> EIE's geometric-mean energy ratio over the batch-1 dense GPU, six layers."""
    run_part(PARTS["gpu_energy_ratio"], fn, hidden)


def check_fig6_mismatch(fn, hidden: bool = False) -> None:
    """``fn()`` -> the letter explaining Fig. 6's NT-We label."""
    run_part(PARTS["fig6_mismatch"], fn, hidden)


def check_design(fn, hidden: bool = False) -> None:
    """``fn()`` -> a design within budget whose score reaches :data:`TARGET_SCORE`."""
    run_part(PARTS["design"], fn, hidden)
