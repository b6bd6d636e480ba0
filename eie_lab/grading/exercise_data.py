"""The public data of the exercises: what the set-up cells give students, nothing secret.

The exercises' set-up cells read worked-example data from their checks module
(``checks.FIG3_CODES``, ``checks.FIXTURE``, ``checks.example_layer()``). That data lives here, in a
module the grading sandbox may import, so that :mod:`eie_lab.grading.checks` (reference answers,
hidden-case generators) can stay out of the student's kernel while it is graded: there the
sandbox runner installs :func:`student_view` under the checks module's name.

:class:`LayerRecipe` stands for a layer built by :func:`example_layer`: grader-chosen inputs are
sent into the sandbox as plain data (:mod:`eie_lab.grading.wire`), and a recipe is how a layer
travels; :func:`materialise` turns recipes back into layers on either side.

Examples
--------
>>> from eie_lab.grading.exercise_data import FIXTURE, student_view
>>> FIXTURE.tolist()[:4]
[0, 0, 1, 2]
>>> view = student_view("ex04_relative_index")
>>> view.FIXTURE is FIXTURE, view.check_relative_index(None) is None, hasattr(view, "REFERENCE")
(True, True, False)
"""

from __future__ import annotations

import functools
import types
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from eie_lab.eie import EIEConfig, encode, simulate
from eie_lab.eie.conv_lowering import conv_pe_sweep
from eie_lab.eie.design_space import DesignSpace
from eie_lab.errors import ConfigError, fail_message
from eie_lab.paper_tables import LAYER_NAMES, SRAM_PER_PE_KB

__all__ = ["FIG3_CODES", "FIG3_GRAD", "FIG3_CODEBOOK", "FIXTURE", "SEED_COUNTS", "LayerRecipe",
           "example_layer", "reordered_cycles", "layer_cycles", "index_layers", "DESIGN_LAYER",
           "PAPER_DESIGN", "DESIGN_LIMITS", "BUDGET_BITS", "DesignScore", "evaluate_design",
           "benchmark", "CONV_N_PES", "conv2_standin", "conv_cycles", "materialise",
           "student_view", "PUBLIC_NAMES"]

FIG3_CODES = np.array([[3, 0, 2, 1], [1, 1, 0, 3], [0, 3, 1, 0], [3, 1, 2, 2]])
FIG3_GRAD = np.array([[-0.03, -0.01, 0.03, 0.02], [-0.01, 0.01, -0.02, 0.12],
                      [-0.01, 0.02, 0.04, 0.01], [-0.07, -0.02, 0.01, -0.02]])
FIG3_CODEBOOK = np.array([-1.0, 0.0, 1.5, 2.0])
FIXTURE = np.array([0, 0, 1, 2] + [0] * 18 + [3])
SEED_COUNTS = {"A": 7, "D": 3, "B": 1, "C": 1}


@functools.lru_cache(maxsize=64)
def _example_layer(m: int, n: int, n_pe: int, density: float, seed: int):
    rng = np.random.default_rng(seed)
    row_density = density * rng.gamma(2.0, 0.5, size=(m, 1))  # uneven rows -> uneven PEs
    codes = np.where(rng.random((m, n)) < np.minimum(row_density, 1.0),
                     rng.integers(1, 16, size=(m, n)), 0)
    a = np.where(rng.random(n) < 0.4, rng.random(n), 0.0)
    layer = encode(codes.astype(np.float64), EIEConfig(n_pe=n_pe), codebook=np.arange(16.0),
                   codes=codes)
    a.setflags(write=False)
    return layer, a


def example_layer(m: int = 256, n: int = 256, n_pe: int = 16, density: float = 0.1,
                  seed: int = 0):
    """A seeded layer whose rows have uneven density (some PEs get more work), and its input.

    Parameters
    ----------
    m, n : int
        Rows and columns.
    n_pe : int
        Processing elements.
    density : float
        Mean fraction of non-zeros (rows vary around it).
    seed : int
        Seed of every random draw.

    Returns
    -------
    (EncodedLayer, numpy.ndarray)
        The layer and a copy of its input activations (40% non-zero).

    Examples
    --------
    >>> layer, a = example_layer(32, 16, n_pe=4)
    >>> layer.shape, a.shape
    ((32, 16), (16,))
    """
    layer, a = _example_layer(int(m), int(n), int(n_pe), float(density), int(seed))
    return layer, a.copy()


def reordered_cycles(layer, a, order) -> int:
    """Cycles of ``layer`` on ``a`` with its rows in ``order``: row i of the new layer is row
    ``order[i]``, and output i still goes to PE ``i % n_pe``, so the order decides each PE's work.

    Parameters
    ----------
    layer : EncodedLayer
        The layer (its codebook and configuration are kept).
    a : numpy.ndarray
        Its input activations.
    order : array_like of int
        A permutation of ``range(layer.shape[0])``.

    Returns
    -------
    int
        Simulated cycles of the reordered layer.

    Examples
    --------
    >>> layer, a = example_layer()
    >>> reordered_cycles(layer, a, np.arange(256)), reordered_cycles(layer, a, np.arange(256)[::-1])
    (249, 249)
    """
    w = layer.decode()[np.asarray(order)]
    return int(simulate(encode(w, layer.config, codebook=layer.codebook), a).cycles)


@functools.lru_cache(maxsize=128)
def layer_cycles(n_pe: int) -> int:
    """Cycles of :func:`example_layer`'s weights and input re-encoded for ``n_pe`` PEs (paper's
    FIFO depth and index width): what ex05's design task measures.

    Parameters
    ----------
    n_pe : int
        Processing elements (1 to 64).

    Returns
    -------
    int

    Examples
    --------
    >>> layer_cycles(16)   # the layer as example_layer() gives it
    249
    """
    layer, a = example_layer()
    encoded = encode(layer.decode(), EIEConfig(n_pe=int(n_pe)), codebook=layer.codebook)
    return int(simulate(encoded, a).cycles)


@functools.lru_cache(maxsize=1)
def _index_layers() -> dict[str, np.ndarray]:
    out = {}
    for name, density in (("dense", 0.3), ("medium", 0.08), ("sparse", 0.02)):
        codes = _example_layer(256, 256, 1, density, 4)[0].decode().astype(np.int64)
        codes.setflags(write=False)
        out[name] = codes
    return out


def index_layers() -> dict[str, np.ndarray]:
    """Three seeded 256 x 256 layers of codebook indices (0 = pruned) at about 30%, 8% and 2%
    density: ex04's design task chooses an index width for each.

    Returns
    -------
    dict
        ``{"dense": codes, "medium": codes, "sparse": codes}`` (copies, int64).

    Examples
    --------
    >>> {k: round(float((v != 0).mean()), 2) for k, v in index_layers().items()}
    {'dense': 0.31, 'medium': 0.08, 'sparse': 0.02}
    """
    return {k: v.copy() for k, v in _index_layers().items()}


#: The layer ex08's design task must hold in the fewest PEs.
DESIGN_LAYER = "NT-Wd"
#: The EIE paper's design [EIE §VI]: 64 PEs, FIFO depth 8, 4-bit relative indices.
PAPER_DESIGN = {"n_pe": 64, "fifo_depth": 8, "index_bits": 4}
#: The choices ex09's design task allows (inclusive ranges; each run stays within seconds).
DESIGN_LIMITS = {"n_pe": (1, 256), "fifo_depth": (1, 64), "index_bits": (2, 8)}
#: Per-PE weight + pointer SRAM [EIE §VI]: 128 KB + 32 KB (the 2 KB activation SRAM completes 162 KB).
BUDGET_BITS = (SRAM_PER_PE_KB["SpMat"] + SRAM_PER_PE_KB["Ptr"]) * 1024 * 8


@dataclass(frozen=True)
class DesignScore:
    """A design of the PE array measured on the nine EIE benchmark layers.

    Attributes
    ----------
    design : dict
        ``n_pe``, ``fifo_depth``, ``index_bits``.
    energy_uj, delay_us : float
        Total simulated energy (µJ) and time (µs) of the nine layers, one after the other.
    worst_bits : int
        The most SRAM bits (sparse matrix + pointers) any PE needs on any of the layers.
    fits : bool
        ``worst_bits <= BUDGET_BITS``.
    score : float
        The paper design's energy x delay divided by this one's (higher is better; 1.0 = paper).
    """

    design: dict
    energy_uj: float
    delay_us: float
    worst_bits: int
    fits: bool
    score: float

    @property
    def edp(self) -> float:
        """Energy x delay (µJ·µs)."""
        return self.energy_uj * self.delay_us


@functools.lru_cache(maxsize=1)
def _space() -> DesignSpace:
    return DesignSpace(seed=0)


@functools.lru_cache(maxsize=256)
def _measure(n_pe: int, fifo_depth: int, index_bits: int) -> tuple[float, float, int]:
    space, energy, delay, worst = _space(), 0.0, 0.0, 0
    for name in LAYER_NAMES:
        point = space.evaluate(name, n_pe=n_pe, fifo_depth=fifo_depth, index_bits=index_bits)
        energy += point.result.energy.total_j * 1e6
        delay += point.result.time_us
        rep = space.encoded(name, point.result.config).sram_report()
        worst = max(worst, int(rep["spmat_bits_max"]) + int(rep["ptr_bits_max"]))
    return energy, delay, worst


def evaluate_design(design: Mapping[str, int]) -> DesignScore:
    """Run the nine EIE benchmark layers (seeded, :class:`~eie_lab.eie.design_space.DesignSpace`)
    on ``design`` and score its energy x delay against :data:`PAPER_DESIGN`'s.

    Parameters
    ----------
    design : mapping
        ``{"n_pe": int, "fifo_depth": int, "index_bits": int}`` within :data:`DESIGN_LIMITS`.

    Returns
    -------
    DesignScore

    Raises
    ------
    ConfigError
        When a key is missing or a value is not an int within its limits (checked before any run).

    Examples
    --------
    >>> paper = evaluate_design(PAPER_DESIGN)
    >>> paper.score, paper.fits, paper.worst_bits <= BUDGET_BITS
    (1.0, True, True)
    """
    if not isinstance(design, Mapping) or sorted(design) != sorted(DESIGN_LIMITS):
        raise ConfigError(fail_message("design", design, "must be a dict with exactly the keys "
                                       f"{sorted(DESIGN_LIMITS)}", f"use e.g. {PAPER_DESIGN}"))
    for key, (low, high) in DESIGN_LIMITS.items():
        value = design[key]
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not (
                low <= value <= high):
            raise ConfigError(fail_message(key, value, f"must be an int from {low} to {high}",
                                           f"use e.g. {key}={PAPER_DESIGN[key]} (the paper's)"))
    chosen = {k: int(design[k]) for k in DESIGN_LIMITS}
    energy, delay, worst = _measure(chosen["n_pe"], chosen["fifo_depth"], chosen["index_bits"])
    p_energy, p_delay, _ = _measure(*(PAPER_DESIGN[k] for k in DESIGN_LIMITS))
    return DesignScore(chosen, energy, delay, worst, worst <= BUDGET_BITS,
                       (p_energy * p_delay) / (energy * delay))


def benchmark(name: str):
    """One of EIE's nine benchmark layers as the design tasks use it (seed 0, built once).

    Parameters
    ----------
    name : str
        E.g. ``"NT-Wd"`` (:data:`eie_lab.paper_tables.LAYER_NAMES`).

    Returns
    -------
    BenchmarkLayer
        What :func:`eie_lab.eie.encode` takes (its input activations are ``.a``).

    Examples
    --------
    >>> layer = benchmark("NT-Wd")
    >>> layer.shape, encode(layer, EIEConfig(n_pe=9, index_bits=6)).sram_report()["fits"]
    ((8791, 600), True)
    """
    return _space().layer(name).source


#: The PE counts ex10's design task chooses from: array sizes a designer would build (the grader
#: simulates each of them).
CONV_N_PES = (1, 2, 4, 8, 12, 16, 20, 24, 28, 32, 40, 48, 56, 64)


@functools.lru_cache(maxsize=4)
def _conv2_standin(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    weight = rng.normal(0.0, 0.05, size=(50, 20, 5, 5))
    kept = round(0.12 * weight.size)  # conv2 keeps 12% of its weights [DC Table 3]
    threshold = np.partition(np.abs(weight).ravel(), weight.size - kept)[weight.size - kept]
    weight = np.where(np.abs(weight) >= threshold, weight, 0.0)
    # conv1's 20 maps (24 x 24), each channel with its own bias, then 2 x 2 max-pool; Caffe's
    # LeNet-5 has no ReLU between conv1 and conv2, so the input is dense
    maps = rng.normal(rng.uniform(-1.0, 1.0, size=(20, 1, 1)), 1.0, (20, 24, 24))
    x = maps.reshape(20, 12, 2, 12, 2).max(axis=(2, 4))
    weight.setflags(write=False)
    x.setflags(write=False)
    return weight, x


def conv2_standin(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A seeded stand-in for LeNet-5's pruned conv2 and its input: what ex10 lowers and runs.

    The shapes and density of the real layer (50 filters of 20 x 5 x 5, 12% of the weights kept
    as in [DC Table 3]; a dense 20 x 12 x 12 input made like conv1's max-pooled maps, as Caffe's
    LeNet-5 has no ReLU there) without training a network, so the grader rebuilds it in
    milliseconds. Notebook 10 runs the trained one
    (:func:`eie_lab.eie.conv_lowering.lenet5_conv2`).

    Parameters
    ----------
    seed : int
        Seed of every random draw.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``weight`` (50, 20, 5, 5) and ``x`` (20, 12, 12), float64 copies.

    Examples
    --------
    >>> weight, x = conv2_standin()
    >>> weight.shape, x.shape, int(np.count_nonzero(weight))
    ((50, 20, 5, 5), (20, 12, 12), 3000)
    >>> bool(np.all(x != 0))
    True
    """
    weight, x = _conv2_standin(int(seed))
    return weight.copy(), x.copy()


@functools.lru_cache(maxsize=1)
def _conv_sweep() -> dict[int, int]:
    weight, x = _conv2_standin(0)
    return {run.n_pe: int(run.cycles) for run in conv_pe_sweep(weight, x, CONV_N_PES)}


def conv_cycles(n_pe: int) -> int:
    """Total cycles of :func:`conv2_standin` lowered to one mat-vec per output pixel and run on
    ``n_pe`` PEs (the paper's FIFO depth and index width): what ex10's design task measures.

    The whole sweep over :data:`CONV_N_PES` is simulated once per process (a few seconds).

    Parameters
    ----------
    n_pe : int
        Processing elements, one of :data:`CONV_N_PES`.

    Returns
    -------
    int

    Raises
    ------
    ConfigError
        When ``n_pe`` is not an int in :data:`CONV_N_PES` (checked before any run).

    Examples
    --------
    >>> conv_cycles(64) < conv_cycles(4) < conv_cycles(1)
    True
    """
    if isinstance(n_pe, bool) or not isinstance(n_pe, (int, np.integer)) or int(n_pe) not in (
            CONV_N_PES):
        raise ConfigError(fail_message("n_pe", n_pe, f"must be one of {CONV_N_PES}",
                                       "use e.g. n_pe=64 (the paper's)"))
    return _conv_sweep()[int(n_pe)]


@dataclass(frozen=True)
class LayerRecipe:
    """The arguments of :func:`example_layer`: how a layer travels as plain data.

    Examples
    --------
    >>> r = LayerRecipe(32, 16, 4, 0.2, 7)
    >>> r.build().shape, r.activations().shape
    ((32, 16), (16,))
    """

    m: int
    n: int
    n_pe: int
    density: float
    seed: int

    def build(self):
        """The :class:`~eie_lab.eie.EncodedLayer` this recipe stands for."""
        return _example_layer(self.m, self.n, self.n_pe, self.density, self.seed)[0]

    def activations(self) -> np.ndarray:
        """The input activations :func:`example_layer` draws with the layer."""
        return _example_layer(self.m, self.n, self.n_pe, self.density, self.seed)[1].copy()

    def __str__(self) -> str:
        return f"layer ({self.m}, {self.n}) on {self.n_pe} PEs"


def materialise(obj: Any) -> Any:
    """``obj`` with every :class:`LayerRecipe` (in tuples and lists) replaced by its layer.

    Examples
    --------
    >>> out = materialise((LayerRecipe(8, 4, 2, 0.5, 0), [1, 2]))
    >>> type(out[0]).__name__, out[1]
    ('EncodedLayer', [1, 2])
    """
    if isinstance(obj, LayerRecipe):
        return obj.build()
    if isinstance(obj, tuple):
        return tuple(materialise(x) for x in obj)
    if isinstance(obj, list):
        return [materialise(x) for x in obj]
    return obj


# What each exercise's set-up cell may read from its checks module while being graded.
PUBLIC_NAMES = {
    "ex02_weight_sharing": ("FIG3_CODES", "FIG3_GRAD", "FIG3_CODEBOOK"),
    "ex03_huffman": ("SEED_COUNTS",),
    "ex04_relative_index": ("FIXTURE", "index_layers"),
    "ex05_eie_encoding_and_cycles": ("example_layer", "layer_cycles"),
    "ex06_load_balance": ("example_layer", "reordered_cycles"),
    "ex08_sram_and_pingpong": ("example_layer", "benchmark", "DESIGN_LAYER"),
    "ex09_eie_vs_gpu": ("PAPER_DESIGN", "DESIGN_LIMITS", "BUDGET_BITS", "evaluate_design"),
    "ex10_limits": ("conv2_standin", "conv_cycles", "CONV_N_PES"),
}


class CheckFailed(AssertionError):
    """The student view's stand-in for the checks' exception (nothing raises it there)."""


def _no_check(fn: Any = None, hidden: bool = False) -> None:
    """While graded, visible checks do not run in the student's kernel: the grader scores."""
    return None


def student_view(assignment: str, check_names: tuple[str, ...] = ()) -> types.ModuleType:
    """The module a graded kernel gets instead of ``eie_lab.grading.checks.<assignment>``.

    It holds the public data of :data:`PUBLIC_NAMES`, ``CheckFailed``, and a no-op for every
    ``check_*`` name (a student who calls a check inside an answer cell is not punished): no
    reference answers, no hidden cases.

    Parameters
    ----------
    assignment : str
        Checks module name, e.g. ``"ex01_pruning"``.
    check_names : tuple of str
        Names of the checks to provide as no-ops (any ``check_*`` name works anyway).

    Returns
    -------
    types.ModuleType

    Examples
    --------
    >>> view = student_view("ex02_weight_sharing", ("check_lloyd_step",))
    >>> view.FIG3_CODEBOOK.tolist(), view.check_lloyd_step(print), view.check_other(print)
    ([-1.0, 0.0, 1.5, 2.0], None, None)
    """
    mod = types.ModuleType(f"eie_lab.grading.checks.{assignment}",
                           "Student view of the checks while graded (no references).")
    for name in PUBLIC_NAMES.get(assignment, ()):
        setattr(mod, name, globals()[name])
    mod.CheckFailed = CheckFailed
    for name in check_names:
        setattr(mod, name, _no_check)

    def __getattr__(name: str):
        if name.startswith("check_"):
            return _no_check
        raise AttributeError(f"{name!r} is not available while the exercise is graded")

    mod.__getattr__ = __getattr__
    return mod
