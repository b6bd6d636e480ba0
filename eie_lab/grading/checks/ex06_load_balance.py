"""Checks for ``exercises/ex06_load_balance.ipynb``: load efficiency, its dependence on the FIFO
depth, the bottleneck PE, and where more FIFO stops paying.

References: :func:`eie_lab.eie.simulate` (``.load_efficiency`` = sum(busy) / (n_pe * cycles),
``.busy``) on layers encoded by :func:`eie_lab.eie.encode`.

Examples
--------
>>> from eie_lab.grading.checks import ex06_load_balance as ex
>>> ex.check_smallest_good_depth(ex.REFERENCE["smallest_good_depth"])
"""

from __future__ import annotations

import numpy as np

from eie_lab.eie import simulate
from eie_lab.grading.checks._core import (
    CheckFailed,
    Part,
    cases,
    expect_array,
    expect_number,
    run_part,
)
from eie_lab.grading.exercise_data import LayerRecipe, example_layer

__all__ = ["REFERENCE", "PARTS", "example_layer", "check_load_efficiency",
           "check_efficiency_vs_fifo", "check_bottleneck_pe", "check_smallest_good_depth"]


def _efficiency_vs_fifo(layer, a, depths):
    return np.array([simulate(layer, a, layer.config.replace(fifo_depth=int(d))).load_efficiency
                     for d in depths])


def _smallest_good_depth(depths, efficiencies, fraction=0.95):
    eff = np.asarray(efficiencies, dtype=np.float64)
    return int(np.asarray(depths)[np.flatnonzero(eff >= fraction * eff.max())[0]])


REFERENCE = {
    "load_efficiency": lambda busy, cycles: (float(np.sum(busy)) / (len(busy) * cycles)
                                             if cycles else 0.0),
    "efficiency_vs_fifo": _efficiency_vs_fifo,
    "bottleneck_pe": lambda layer, a: int(np.argmax(simulate(layer, a).busy)),
    "smallest_good_depth": _smallest_good_depth,
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


def _part(name, make, judge, seed):
    return Part(name, lambda: make(False, seed), lambda s: make(True, s), judge, seed)


PARTS = {  # simulate is the tool of this exercise: no package implementation is off limits
    "load_efficiency": _part("load_efficiency", _le_cases, _le_judge, 601),
    "efficiency_vs_fifo": _part("efficiency_vs_fifo", _evf_cases, _evf_judge, 602),
    "bottleneck_pe": _part("bottleneck_pe", _bpe_cases, _bpe_judge, 603),
    "smallest_good_depth": _part("smallest_good_depth", _sgd_cases, _sgd_judge, 604),
}


def check_load_efficiency(fn, hidden: bool = False) -> None:
    """``fn(busy, cycles)`` -> sum(busy) / (n_pe * cycles), 0.0 when cycles == 0."""
    run_part(PARTS["load_efficiency"], fn, hidden)


def check_efficiency_vs_fifo(fn, hidden: bool = False) -> None:
    """``fn(layer, a, depths)`` -> load efficiency at each FIFO depth (an array)."""
    run_part(PARTS["efficiency_vs_fifo"], fn, hidden)


def check_bottleneck_pe(fn, hidden: bool = False) -> None:
    """``fn(layer, a)`` -> index of the PE with the most busy cycles (lowest on ties)."""
    run_part(PARTS["bottleneck_pe"], fn, hidden)


def check_smallest_good_depth(fn, hidden: bool = False) -> None:
    """``fn(depths, efficiencies, fraction)`` -> smallest depth within ``fraction`` of the best."""
    run_part(PARTS["smallest_good_depth"], fn, hidden)
