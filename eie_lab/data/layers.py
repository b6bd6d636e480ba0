"""The nine EIE benchmark layers ([EIE Table III]) as seeded random matrices.

The compressed AlexNet / VGG-16 / NeuralTalk weights are not public in a usable form, so each
layer is rebuilt from its published shape and densities:

* **Sparsity pattern** — every weight is kept independently with probability = Table III's
  Weight% (i.i.d. Bernoulli, drawn as geometric gaps in column-major order so the dense matrix
  is never needed). Uniform random pruning is the neutral choice: it has no row or column
  structure that would favour or hurt any PE, so the simulated imbalance comes only from chance
  and padding.
* **Weights** — magnitude-pruned Gaussians: w ~ N(0, 0.01) conditioned on |w| > tau, with tau
  set so that plain magnitude pruning would keep Weight% of a Gaussian layer. They are shared
  over a 4-bit codebook: code 0 = 0.0 and 15 levels spaced linearly over the kept range
  (linear initialisation, [DC §3.2]), each weight taking its nearest level.
* **Activations** — exactly round(Act% x n) non-zeros at positions drawn without replacement,
  with ReLU-like values |N(0, 1)|; the NT layers (100 %) are fully dense.

Layers are cached in memory per (name, seed).

Examples
--------
>>> from eie_lab.data.layers import LAYER_NAMES, benchmark_layer
>>> LAYER_NAMES[:3]
('Alex-6', 'Alex-7', 'Alex-8')
>>> L = benchmark_layer("NT-We")
>>> L.shape, round(L.weight_density, 2), round(L.act_density, 2)
((600, 4096), 0.1, 1.0)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from math import erfc, sqrt

import numpy as np

from eie_lab.errors import DataError, fail_message
from eie_lab.paper_tables import LAYER_NAMES, TABLE_III
from eie_lab.quantizer import quantize_to_codebook
from eie_lab.random import as_rng

__all__ = ["LayerSpec", "LAYER_SPECS", "LAYER_NAMES", "BenchmarkLayer", "benchmark_layer",
           "all_layers", "fig2_example", "weight_codebook"]


@dataclass(frozen=True)
class LayerSpec:
    """One row of EIE Table III: W is (n_out x n_in).

    Examples
    --------
    >>> spec = LAYER_SPECS["Alex-8"]
    >>> spec.n_out, spec.n_in, spec.weight_density, spec.act_density
    (1000, 4096, 0.25, 0.375)
    """

    name: str
    n_in: int
    n_out: int
    weight_density: float
    act_density: float
    flop_density: float
    description: str


_ALEX = "Compressed AlexNet, ImageNet classification"
_VGG = "Compressed VGG-16, ImageNet classification and detection"
_NT = "Compressed NeuralTalk (RNN + LSTM), image captioning"
_KIND = {"Alex": _ALEX, "VGG": _VGG, "NT": _NT}
#: [EIE Table III] as :class:`LayerSpec` rows, keyed by name in the paper's order.
LAYER_SPECS = {name: LayerSpec(name, *row, _KIND[name.split("-")[0]])
               for name, row in TABLE_III.items()}

_SIGMA = 0.01  # scale of the unpruned Gaussian weights


@dataclass(frozen=True, eq=False)
class BenchmarkLayer:
    """A generated benchmark layer in coordinate form (column-major order) plus its input.

    Attributes
    ----------
    spec : LayerSpec
    rows, cols : numpy.ndarray
        int64 coordinates of the stored weights, sorted by column then row.
    values : numpy.ndarray
        float32 pruned weights before sharing.
    codes : numpy.ndarray
        uint8 codebook index of each stored weight (never 0).
    codebook : numpy.ndarray
        (16,) float64, ``codebook[0] == 0.0``.
    a : numpy.ndarray
        (n_in,) float32 input activations.
    seed : int

    Examples
    --------
    >>> L = benchmark_layer("NT-We")
    >>> L.shape, L.W_codes.shape, int(L.codes.min()), L.codebook.size, L.a.dtype
    ((600, 4096), (600, 4096), 1, 16, dtype('float32'))
    """

    spec: LayerSpec
    rows: np.ndarray
    cols: np.ndarray
    values: np.ndarray
    codes: np.ndarray
    codebook: np.ndarray
    a: np.ndarray
    seed: int

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def shape(self) -> tuple[int, int]:
        """(outputs, inputs) = (n_out, n_in)."""
        return (self.spec.n_out, self.spec.n_in)

    @property
    def weight_density(self) -> float:
        """Measured fraction of stored weights."""
        return self.rows.size / (self.spec.n_out * self.spec.n_in)

    @property
    def act_density(self) -> float:
        """Measured fraction of non-zero activations."""
        return float(np.count_nonzero(self.a)) / self.a.size

    @property
    def W(self) -> np.ndarray:
        """Dense float32 pruned weights (built on each access; large for VGG-6: 411 MB)."""
        out = np.zeros(self.shape, dtype=np.float32)
        out[self.rows, self.cols] = self.values
        return out

    @property
    def W_codes(self) -> np.ndarray:
        """Dense uint8 codes (0 = pruned), the quantised W being ``codebook[W_codes]``."""
        out = np.zeros(self.shape, dtype=np.uint8)
        out[self.rows, self.cols] = self.codes
        return out


def weight_codebook(tau: float, wmax: float, bits: int = 4) -> np.ndarray:
    """Code 0 = 0.0 plus 2**bits - 1 levels spaced linearly over [-wmax, -tau] ∪ [tau, wmax].

    Examples
    --------
    >>> cb = weight_codebook(0.5, 2.0, bits=2)
    >>> cb.tolist()
    [0.0, -2.0, -0.5, 2.0]
    """
    k = (1 << bits) - 1
    n_neg = k // 2 + (k % 2)
    neg = -np.linspace(wmax, tau, n_neg) if n_neg > 1 else np.array([-wmax])
    pos = np.linspace(tau, wmax, k - n_neg) if k - n_neg > 1 else np.array([wmax][: k - n_neg])
    cb = np.concatenate(([0.0], neg, pos))
    return cb.astype(np.float32).astype(np.float64)


def _ndtri_upper(q: float) -> float:
    """x with P(|N(0,1)| > x) = q, by bisection (keeps scipy out of the runtime)."""
    lo, hi = 0.0, 40.0
    for _ in range(100):
        mid = (lo + hi) / 2
        if erfc(mid / sqrt(2)) > q:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


@functools.lru_cache(maxsize=16)
def benchmark_layer(name: str, seed: int = 0) -> BenchmarkLayer:
    """One Table III layer as a seeded random sparse matrix plus input (cached in memory).

    Parameters
    ----------
    name : str
        One of :data:`LAYER_NAMES` ("Alex-6" … "NT-LSTM").
    seed : int
        Seed of the pattern, weights and activations.

    Returns
    -------
    BenchmarkLayer

    Examples
    --------
    >>> L = benchmark_layer("NT-We", seed=0)
    >>> L is benchmark_layer("NT-We", seed=0), round(L.weight_density, 2)  # cached, Table III 10%
    (True, 0.1)
    """
    if name not in LAYER_SPECS:
        raise DataError(fail_message("name", name, f"must be one of {LAYER_NAMES}",
                                     'use e.g. benchmark_layer("Alex-7")'))
    spec = LAYER_SPECS[name]
    rng = as_rng(np.random.SeedSequence([seed, LAYER_NAMES.index(name)]))
    m, n, d = spec.n_out, spec.n_in, spec.weight_density
    size = m * n
    # i.i.d. Bernoulli(d) positions in column-major order via geometric gaps
    draw = int(size * d + 6 * np.sqrt(size * d) + 16)
    pos = np.cumsum(rng.geometric(d, size=draw)) - 1
    while pos[-1] < size:  # practically never: top up
        pos = np.concatenate((pos, pos[-1] + np.cumsum(rng.geometric(d, size=draw))))
    pos = pos[pos < size]
    cols, rows = np.divmod(pos, m)
    tau = _SIGMA * _ndtri_upper(d)
    u = rng.random(pos.size)
    # |w| ~ N(0, sigma) conditioned on |w| > tau: inverse CDF of the tail on a fine grid
    grid = np.linspace(tau, tau + 12 * _SIGMA, 8193)
    tail = np.array([erfc(x / _SIGMA / sqrt(2)) for x in grid])
    cdf = (tail[0] - tail) / (tail[0] - tail[-1])
    mag = np.interp(u, cdf, grid)
    values = (mag * rng.choice([-1.0, 1.0], size=pos.size)).astype(np.float32)
    wmax = float(np.abs(values).max()) if values.size else 2 * tau
    cb = weight_codebook(tau, wmax)
    codes = quantize_to_codebook(values.astype(np.float64), cb).astype(np.uint8)
    k = int(round(spec.act_density * n))
    a = np.zeros(n, dtype=np.float32)
    idx = rng.choice(n, size=k, replace=False)
    a[idx] = np.abs(rng.standard_normal(k)).astype(np.float32) + np.float32(1e-3)
    for arr in (rows, cols, values, codes, a):
        arr.flags.writeable = False
    return BenchmarkLayer(spec=spec, rows=rows.astype(np.int64), cols=cols.astype(np.int64),
                          values=values, codes=codes, codebook=cb, a=a, seed=seed)


def all_layers(seed: int = 0) -> list[BenchmarkLayer]:
    """The nine Table III layers, in paper order.

    Examples
    --------
    >>> len(LAYER_NAMES), LAYER_NAMES[-1]
    (9, 'NT-LSTM')
    >>> layers = all_layers(seed=0)  # doctest: +SKIP
    >>> [L.name for L in layers] == list(LAYER_NAMES)  # doctest: +SKIP
    True
    """
    return [benchmark_layer(name, seed) for name in LAYER_NAMES]


def fig2_example() -> tuple[np.ndarray, np.ndarray]:
    """The 16 x 8 matrix W and 8-vector a of EIE Fig. 2/3 (4 PEs).

    PE0's rows (0, 4, 8, 12) follow the paper exactly, so PE0's arrays are
    z = 0 1 0 1 0 2 0 0 0 2 0 2 0 and p = 0 3 4 6 6 8 10 11 13 [EIE Fig. 3]. The other PEs'
    patterns are not legible in the paper, so they are chosen to fit its narrative and PE0's
    density (13 of 32): PE1 (rows 1, 5, 9, 13) has nothing in column 2, PE2 (rows 2, 6, 10, 14)
    holds W[2, 2] and W[14, 2] in column 2, and row 3 holds W[3, 5] (the "w0,5" of Fig. 2 that
    is probably w3,5). Weight values are small integers 1..15 so they double as codebook
    indices with ``codebook = np.arange(16.0)``. a = (0, 0, a2, 0, a4, a5, 0, a7) with
    a2, a4, a5, a7 = 0.5, 1.0, 2.0, 1.5.

    Examples
    --------
    >>> W, a = fig2_example()
    >>> W.shape, a.tolist()
    ((16, 8), [0.0, 0.0, 0.5, 0.0, 1.0, 2.0, 0.0, 1.5])
    >>> [int(i) for i in W[:, 2].nonzero()[0]]
    [0, 2, 7, 12, 14]
    """
    pattern = {
        0: (0, 2, 4, 5, 6), 4: (1, 4), 8: (0, 7), 12: (0, 2, 5, 7),  # PE0, as in the paper
        1: (1, 5), 5: (0, 3, 6), 9: (4, 7), 13: (1, 5, 6),  # PE1: column 2 empty
        2: (2, 3, 7), 6: (0, 4), 10: (1, 6), 14: (2, 5),  # PE2: W2,2 and W14,2
        3: (0, 5), 7: (1, 2, 6), 11: (3, 4), 15: (0, 7),  # PE3: W3,5
    }
    W = np.zeros((16, 8))
    for i, js in pattern.items():
        for j in js:
            W[i, j] = 1 + (i * 8 + j) % 15
    a = np.array([0, 0, 0.5, 0, 1.0, 2.0, 0, 1.5])
    return W, a
