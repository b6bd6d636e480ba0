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

from eie_lab.eie import EIEConfig, encode, simulate
from eie_lab.grading.checks._core import CheckFailed, call, cases, expect_array, expect_number

__all__ = ["REFERENCE", "example_layer", "check_load_efficiency", "check_efficiency_vs_fifo",
           "check_bottleneck_pe", "check_smallest_good_depth"]


def example_layer(m: int = 256, n: int = 256, n_pe: int = 16, density: float = 0.1,
                  seed: int = 0):
    """A seeded layer whose rows have uneven density (some PEs get more work), and its input.

    Examples
    --------
    >>> layer, a = example_layer(32, 16, n_pe=4)
    >>> layer.shape, a.shape
    ((32, 16), (16,))
    """
    rng = np.random.default_rng(seed)
    row_density = density * rng.gamma(2.0, 0.5, size=(m, 1))  # uneven rows -> uneven PEs
    codes = np.where(rng.random((m, n)) < np.minimum(row_density, 1.0),
                     rng.integers(1, 16, size=(m, n)), 0)
    a = np.where(rng.random(n) < 0.4, rng.random(n), 0.0)
    layer = encode(codes.astype(np.float64), EIEConfig(n_pe=n_pe), codebook=np.arange(16.0),
                   codes=codes)
    return layer, a


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


def _layers(hidden: bool, seed: int):
    if not hidden:
        yield example_layer(64, 64, n_pe=8)
        yield example_layer(32, 16, n_pe=4, density=0.3, seed=1)
        return
    for _, rng in cases(seed, 12):
        yield example_layer(int(rng.integers(4, 96)), int(rng.integers(1, 64)),
                            n_pe=int(rng.integers(1, 17)), density=float(rng.uniform(0.02, 0.5)),
                            seed=int(rng.integers(2**31)))


def _label(hidden: bool, i: int) -> str:
    return f"{'hidden' if hidden else 'example'} {i + 1}"


def check_load_efficiency(fn, hidden: bool = False) -> None:
    """``fn(busy, cycles)`` -> sum(busy) / (n_pe * cycles), 0.0 when cycles == 0."""
    examples = [(np.array([4, 2, 3, 3]), 4), (np.array([0, 0]), 0)]
    for layer, a in _layers(hidden, 601):
        res = simulate(layer, a)
        examples.append((res.busy, res.cycles))
    for i, (busy, cycles) in enumerate(examples):
        case = f"{_label(hidden, i)}: load_efficiency(busy of {len(busy)} PEs, cycles={cycles})"
        expect_number(call(fn, busy, cycles), REFERENCE["load_efficiency"](busy, cycles),
                      "the load efficiency", case)


def check_efficiency_vs_fifo(fn, hidden: bool = False) -> None:
    """``fn(layer, a, depths)`` -> load efficiency at each FIFO depth (an array)."""
    for i, (layer, a) in enumerate(_layers(hidden, 602)):
        depths = [1, 2, 4, 8] if not hidden else sorted({1, 3, int(1 + i % 9), 16})
        case = f"{_label(hidden, i)}: efficiency_vs_fifo(layer {layer.shape} on {layer.n_pe} PEs, a, depths={depths})"
        expect_array(call(fn, layer, a, depths), _efficiency_vs_fifo(layer, a, depths),
                     "the efficiencies", case, exact=False)


def check_bottleneck_pe(fn, hidden: bool = False) -> None:
    """``fn(layer, a)`` -> index of the PE with the most busy cycles (lowest on ties)."""
    for i, (layer, a) in enumerate(_layers(hidden, 603)):
        case = f"{_label(hidden, i)}: bottleneck_pe(layer {layer.shape} on {layer.n_pe} PEs, a)"
        got = call(fn, layer, a)
        want = REFERENCE["bottleneck_pe"](layer, a)
        if isinstance(got, bool) or not isinstance(got, (int, np.integer)):
            raise CheckFailed(f"{case}: expected a PE index (int), got {type(got).__name__}")
        expect_number(got, want, "the bottleneck PE", case, integer=True)


def check_smallest_good_depth(fn, hidden: bool = False) -> None:
    """``fn(depths, efficiencies, fraction)`` -> smallest depth within ``fraction`` of the best."""
    examples = [([1, 2, 4, 8, 16], [0.5, 0.7, 0.85, 0.93, 0.95], 0.95),
                ([1, 2, 4], [0.9, 0.9, 0.9], 0.95)]
    if hidden:
        examples = []
        for _, rng in cases(604, 25):
            depths = sorted(int(d) for d in rng.choice(np.arange(1, 257), int(rng.integers(1, 9)),
                                                       replace=False))
            eff = np.sort(rng.uniform(0.2, 1.0, size=len(depths)))
            examples.append((depths, eff, float(rng.choice([0.9, 0.95, 0.99]))))
    for i, (depths, eff, frac) in enumerate(examples):
        case = f"{_label(hidden, i)}: smallest_good_depth({depths}, efficiencies, fraction={frac})"
        expect_number(call(fn, depths, eff, frac), _smallest_good_depth(depths, eff, frac),
                      "the depth", case, integer=True)
