"""The EIE design space for one layer: choose n_pe, fifo_depth and index_bits, get the run.

What the design explorer (:class:`eie_lab.viz.widgets.DesignExplorer`) shows is computed here;
the widget only draws it. A :class:`DesignSpace` holds the layers it was asked for and their
encodings, cached per (layer, n_pe, index_bits): changing the queue depth only reschedules
(the fast engine), changing n_pe or index_bits re-encodes once.

Layers:

* the nine EIE benchmark layers (:data:`eie_lab.data.layers.LAYER_NAMES`, seeded random
  matrices at EIE Table III's densities, with their inputs);
* LeNet-300-100's three layers (:data:`LENET_LAYERS`): the trained model's weights when the model
  zoo has one cached (never trained from here), magnitude-pruned to DC Table 2's density;
  otherwise a seeded random matrix with the layer's shape and density. Inputs are seeded, at the
  non-zero fraction LWC Table 2 reports for the layer before. :attr:`DesignLayer.note` says which.

Examples
--------
>>> space = DesignSpace(seed=0)
>>> point = space.evaluate("NT-LSTM", n_pe=16, fifo_depth=4, index_bits=4)
>>> point.result.config.n_pe, point.result.cycles > 0, space.n_encodings
(16, True, 1)
>>> _ = space.evaluate("NT-LSTM", n_pe=16, fifo_depth=1, index_bits=4)
>>> space.n_encodings   # the queue depth needs no new encoding
1
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from eie_lab.compression.prune import magnitude_prune
from eie_lab.data.layers import LAYER_NAMES, BenchmarkLayer, benchmark_layer
from eie_lab.eie.config import EIEConfig
from eie_lab.eie.encoding import EncodedLayer, encode
from eie_lab.eie.engine import simulate
from eie_lab.eie.results import SimResult
from eie_lab.errors import ConfigError, EieLabError, fail_message
from eie_lab.nn.zoo import DEFAULT_EPOCHS, cache_path, pretrained_lenet300
from eie_lab.random import as_rng

__all__ = ["LENET_LAYERS", "LAYER_CHOICES", "DesignLayer", "DesignPoint", "DesignSpace",
           "lenet_layer"]

#: LeNet-300-100 layers: (n_out, n_in), kept-weight fraction [DC Table 2] and the
#: non-zero fraction of the layer's *input* (ip1: the image, counted dense; ip2/ip3: LWC Table 2's
#: Act% of the layer before, [LWC Table 2]).
LENET_LAYERS = {"LeNet ip1": ((300, 784), 0.08, 1.0), "LeNet ip2": ((100, 300), 0.09, 0.38),
                "LeNet ip3": ((10, 100), 0.26, 0.65)}
#: Every layer a design space offers, benchmark layers first.
LAYER_CHOICES = tuple(LAYER_NAMES) + tuple(LENET_LAYERS)


@dataclass(frozen=True, eq=False)
class DesignLayer:
    """One layer of the design space: its weights (or benchmark layer), input and provenance.

    Attributes
    ----------
    name : str
    source : numpy.ndarray or BenchmarkLayer
        What :func:`eie_lab.eie.encode` is given (a dense (m, n) matrix or a benchmark layer).
    a : numpy.ndarray
        (n,) input activations.
    note : str
        Where the weights and input come from.
    """

    name: str
    source: np.ndarray | BenchmarkLayer
    a: np.ndarray
    note: str

    @property
    def shape(self) -> tuple[int, int]:
        """(outputs, inputs)."""
        return tuple(self.source.shape)


@dataclass(frozen=True, eq=False)
class DesignPoint:
    """One evaluated design: the layer, the configuration and the fast engine's result.

    Attributes
    ----------
    layer : DesignLayer
    result : SimResult
        ``result.config`` is the configuration evaluated.
    seconds : float
        Wall time of the evaluation (encoding included when it was not cached).
    """

    layer: DesignLayer
    result: SimResult
    seconds: float


def lenet_layer(name: str, seed: int = 0) -> DesignLayer:
    """One LeNet-300-100 layer: trained weights if the model zoo has them cached, else seeded.

    Parameters
    ----------
    name : str
        A key of :data:`LENET_LAYERS` ("LeNet ip1", "LeNet ip2", "LeNet ip3").
    seed : int
        Seed of the input (and of the stand-in matrix when no trained model is cached).

    Returns
    -------
    DesignLayer

    Examples
    --------
    >>> lay = lenet_layer("LeNet ip3", seed=0)
    >>> lay.shape, lay.a.shape
    ((10, 100), (100,))
    """
    if name not in LENET_LAYERS:
        raise ConfigError(fail_message("name", name, f"must be one of {list(LENET_LAYERS)}",
                                       'use e.g. name="LeNet ip1"'))
    (m, n), w_density, a_density = LENET_LAYERS[name]
    rng = as_rng(np.random.SeedSequence([seed, list(LENET_LAYERS).index(name)]))
    W, note = None, ""
    try:
        if cache_path(0, DEFAULT_EPOCHS).is_file():  # never train from inside the design space
            dense = pretrained_lenet300(seed=0).layer(name.split()[1]).W.astype(np.float64)
            W = np.where(magnitude_prune(dense, 1.0 - w_density), dense, 0.0)
            note = "trained LeNet-300-100 weights (model zoo), magnitude-pruned to DC Table 2"
    except (OSError, ValueError, KeyError, EieLabError):  # an unreadable cache: use the stand-in
        W = None
    if W is None:
        W = np.where(rng.random((m, n)) < w_density, rng.normal(0.0, 0.1, (m, n)), 0.0)
        note = ("no trained LeNet cached: seeded random matrix with LeNet's shape and DC Table 2 "
                "density")
    a = np.where(rng.random(n) < a_density, np.abs(rng.normal(size=n)), 0.0)
    return DesignLayer(name=name, source=W, a=a,
                       note=note + "; seeded input activations at the LWC Table 2 density")


class DesignSpace:
    """Layers, cached encodings and fast-engine runs for exploring the array's design.

    Parameters
    ----------
    seed : int, default 0
        Seed of the benchmark layers, the LeNet stand-ins and their inputs.

    Examples
    --------
    >>> space = DesignSpace()
    >>> space.layer("NT-We").shape
    (600, 4096)
    >>> space.evaluate("Alex-99", n_pe=4, fifo_depth=8, index_bits=4)
    Traceback (most recent call last):
    ...
    eie_lab.errors.ConfigError: layer='Alex-99' is invalid: must be one of ['Alex-6', 'Alex-7', 'Alex-8', 'VGG-6', 'VGG-7', 'VGG-8', 'NT-We', 'NT-Wd', 'NT-LSTM', 'LeNet ip1', 'LeNet ip2', 'LeNet ip3']
    help: use e.g. layer="Alex-7"
    """

    def __init__(self, seed: int = 0) -> None:
        self.seed = int(seed)
        self._layers: dict[str, DesignLayer] = {}
        self._encodings: dict[tuple[str, int, int], EncodedLayer] = {}

    @staticmethod
    def check_layer(name: object) -> str:
        """``name`` if it is one of :data:`LAYER_CHOICES`, else a :class:`ConfigError`."""
        if name not in LAYER_CHOICES:
            raise ConfigError(fail_message("layer", name, f"must be one of {list(LAYER_CHOICES)}",
                                           'use e.g. layer="Alex-7"'))
        return str(name)

    @property
    def n_encodings(self) -> int:
        """Encodings held in the cache."""
        return len(self._encodings)

    def layer(self, name: str) -> DesignLayer:
        """The layer called ``name`` (built once)."""
        name = self.check_layer(name)
        if name not in self._layers:
            if name in LENET_LAYERS:
                self._layers[name] = lenet_layer(name, self.seed)
            else:
                bl = benchmark_layer(name, self.seed)
                self._layers[name] = DesignLayer(
                    name=name, source=bl, a=bl.a,
                    note="seeded random layer at EIE Table III densities")
        return self._layers[name]

    def encoded(self, name: str, config: EIEConfig) -> EncodedLayer:
        """The layer encoded for ``config`` (cached per n_pe and index_bits)."""
        key = (self.check_layer(name), config.n_pe, config.index_bits)
        if key not in self._encodings:
            lay = self.layer(name)
            if isinstance(lay.source, BenchmarkLayer):
                enc = encode(lay.source, config)
            else:
                enc = encode(lay.source, config, seed=self.seed)
            self._encodings[key] = enc
        return self._encodings[key]

    def evaluate(self, name: str, *, n_pe: int, fifo_depth: int, index_bits: int) -> DesignPoint:
        """Run the fast engine on layer ``name`` with the given design.

        Parameters
        ----------
        name : str
            One of :data:`LAYER_CHOICES`.
        n_pe, fifo_depth, index_bits : int
            The design (validated by :class:`~eie_lab.eie.EIEConfig`).

        Returns
        -------
        DesignPoint
        """
        t0 = time.perf_counter()
        name = self.check_layer(name)
        cfg = EIEConfig(n_pe=n_pe, fifo_depth=fifo_depth, index_bits=index_bits)
        layer = self.encoded(name, cfg)
        res = simulate(layer, self.layer(name).a, cfg, engine="fast")
        return DesignPoint(layer=self.layer(name), result=res,
                           seconds=time.perf_counter() - t0)
