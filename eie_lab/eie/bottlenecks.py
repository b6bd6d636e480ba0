"""The broadcast as a bottleneck: two lower bounds on a layer's cycles, beside the simulation.

EIE's CCU broadcasts the non-zero activations one per cycle to all PEs ([EIE §III-B, §IV]), and a
PE spends at least ``c`` = ``min_column_cycles`` cycles on every item, even a column it holds no
entry of (the timing contract in :mod:`eie_lab.eie`, rule 5). So for K non-zero activations,
broadcast width B and entries ``e[k][j]`` of PE k in column j, every schedule needs at least

* ``broadcast_cycles = ceil(K / B)``: the bus alone;
* ``pe_work_cycles = max_k sum_t max(c, e[k][j_t])``: the busiest PE, each item costing at
  least ``c`` (>= c·K whatever B is).

The simulated ``cycles`` (fast engine) are never below either. When a layer has few rows per PE
(small layers, many PEs, NT-We at 64 PEs and up, a convolution lowered to mat-vecs) most PEs
hold 0 or 1 entries of a column, the work per PE is about one cycle per item, and adding PEs no
longer helps: the layer is bound by the stream of broadcast items. A wider broadcast
(``EIEConfig(broadcast_width=2|4)``) alone buys nothing there, because each PE still spends
``c`` cycles per item. What it *would* buy together with PEs that skip their empty columns is
bounded by

* ``skip_bound_cycles = max(ceil(K / B), entry_work_cycles)`` with
  ``entry_work_cycles = max_k sum_t e[k][j_t]`` (entries only, no per-item minimum).

That last figure is a **bound, not a simulation**: no such PE is modelled here.
``limited_by`` names the larger of the two things such a PE could not avoid: ``"broadcast"``
when ``ceil(K / B) >= entry_work_cycles``, else ``"PE work"``.

Examples
--------
>>> import numpy as np
>>> from eie_lab.eie import EIEConfig, encode
>>> rng = np.random.default_rng(0)
>>> W = np.where(rng.random((16, 64)) < 0.1, 1.0, 0.0)
>>> layer = encode(W, EIEConfig(n_pe=16), codebook=np.arange(16.0))
>>> bb = broadcast_bound(layer, np.ones(64))
>>> bb.n_items, bb.broadcast_cycles, bb.pe_work_cycles, bb.cycles, bb.limited_by
(64, 64, 64, 65, 'broadcast')
>>> bb.skip_bound_cycles <= bb.bound_cycles <= bb.cycles
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from eie_lab.data.layers import LAYER_NAMES, benchmark_layer
from eie_lab.eie.config import BROADCAST_WIDTHS, EIEConfig
from eie_lab.eie.encoding import encode
from eie_lab.eie.engine import check_activations, simulate
from eie_lab.eie.layer import EncodedLayer
from eie_lab.errors import ConfigError, EncodingError, fail_message

__all__ = ["BroadcastBound", "broadcast_bound", "pe_scaling"]


@dataclass(frozen=True)
class BroadcastBound:
    """A layer's simulated cycles beside the broadcast's and the PEs' lower bounds.

    Attributes
    ----------
    n_pe : int
        PEs (N).
    broadcast_width : int
        Non-zero activations broadcast per cycle (B).
    n_items : int
        K, the non-zero activations.
    broadcast_cycles : int
        ``ceil(K / B)``: what the broadcast alone needs.
    pe_work_cycles : int
        Max over PEs of ``sum_t max(c, e[k][j_t])``: the busiest PE's work, c cycles at least
        per item (c = ``min_column_cycles``).
    cycles : int
        Simulated cycles (fast engine, the configuration's timing model).
    limited_by : str
        ``"broadcast"`` when ``broadcast_cycles >= entry_work_cycles``, else ``"PE work"``.
    entry_work_cycles : int
        Max over PEs of ``sum_t e[k][j_t]``: entries only (padding included), no per-item minimum.
    skip_bound_cycles : int
        ``max(broadcast_cycles, entry_work_cycles)``: a lower bound for PEs that could skip
        empty columns at this width (a bound, not a simulation).
    mac_utilization : float
        Of the simulated run (:attr:`eie_lab.eie.results.SimResult.mac_utilization`).

    Examples
    --------
    >>> import numpy as np
    >>> from eie_lab.eie import EIEConfig, encode
    >>> layer = encode(np.eye(4), EIEConfig(n_pe=4), codebook=np.arange(16.0))
    >>> bb = broadcast_bound(layer, np.ones(4))
    >>> bb.broadcast_cycles, bb.entry_work_cycles, bb.pe_work_cycles, bb.bound_cycles
    (4, 1, 4, 4)
    """

    n_pe: int
    broadcast_width: int
    n_items: int
    broadcast_cycles: int
    pe_work_cycles: int
    cycles: int
    limited_by: str
    entry_work_cycles: int
    skip_bound_cycles: int
    mac_utilization: float

    @property
    def bound_cycles(self) -> int:
        """``max(broadcast_cycles, pe_work_cycles)``: the lower bound the simulated PEs obey."""
        return max(self.broadcast_cycles, self.pe_work_cycles)

    def summary(self) -> dict[str, object]:
        """The fields and :attr:`bound_cycles` as a flat dict (for tables)."""
        return {"n_pe": self.n_pe, "broadcast_width": self.broadcast_width,
                "n_items": self.n_items, "broadcast_cycles": self.broadcast_cycles,
                "pe_work_cycles": self.pe_work_cycles, "entry_work_cycles": self.entry_work_cycles,
                "bound_cycles": self.bound_cycles, "cycles": self.cycles,
                "skip_bound_cycles": self.skip_bound_cycles, "limited_by": self.limited_by,
                "mac_utilization": self.mac_utilization}


def broadcast_bound(layer: EncodedLayer, a: object, config: EIEConfig | None = None
                    ) -> BroadcastBound:
    """Simulate one layer and put its cycles beside the broadcast and per-PE bounds.

    Parameters
    ----------
    layer : EncodedLayer
        From :func:`eie_lab.eie.encode`.
    a : array_like
        ``(n,)`` input activations.
    config : EIEConfig, optional
        Timing settings (``broadcast_width``, ``fifo_depth``, ...); default ``layer.config``.

    Returns
    -------
    BroadcastBound

    Examples
    --------
    Two PEs, one dense column each: the work per PE, not the broadcast, decides.

    >>> import numpy as np
    >>> from eie_lab.eie import EIEConfig, encode
    >>> layer = encode(np.ones((8, 2)), EIEConfig(n_pe=2), codebook=np.arange(16.0))
    >>> bb = broadcast_bound(layer, np.ones(2), EIEConfig(n_pe=2, broadcast_width=2))
    >>> bb.broadcast_cycles, bb.pe_work_cycles, bb.cycles, bb.limited_by
    (1, 8, 9, 'PE work')
    """
    if not isinstance(layer, EncodedLayer):
        raise EncodingError(fail_message("layer", type(layer).__name__, "must be an EncodedLayer",
                                         "encode the matrix first: layer = encode(W, config)"))
    cfg = layer.config if config is None else config
    if not isinstance(cfg, EIEConfig):
        raise ConfigError(fail_message("config", type(cfg).__name__, "must be an EIEConfig",
                                       "pass EIEConfig(...) or None"))
    av = check_activations(a, layer.shape[1])
    res = simulate(layer, av, cfg)
    cols = res.columns
    e = layer.e[:, cols]
    k_items = int(cols.size)
    width = cfg.broadcast_width
    bcast = math.ceil(k_items / width)
    pe_work = int(np.maximum(e, cfg.min_column_cycles).sum(axis=1).max()) if k_items else 0
    entry_work = int(e.sum(axis=1).max()) if k_items else 0
    return BroadcastBound(n_pe=cfg.n_pe, broadcast_width=width, n_items=k_items,
                          broadcast_cycles=bcast, pe_work_cycles=pe_work, cycles=int(res.cycles),
                          limited_by="broadcast" if bcast >= entry_work else "PE work",
                          entry_work_cycles=entry_work, skip_bound_cycles=max(bcast, entry_work),
                          mac_utilization=float(res.mac_utilization))


def pe_scaling(name: str, n_pes: Sequence[int], seed: int = 0,
               broadcast_widths: Sequence[int] = (1,), fifo_depth: int = 8
               ) -> list[BroadcastBound]:
    """:func:`broadcast_bound` of an [EIE Table III] layer over PE counts and broadcast widths.

    Each PE count encodes the layer once (:mod:`eie_lab.data.layers`, seed ``seed``); every
    width then runs on that encoding.

    Parameters
    ----------
    name : str
        A layer of :data:`eie_lab.data.layers.LAYER_NAMES`, e.g. ``"NT-We"``.
    n_pes : sequence of int
        PE counts (each >= 1).
    seed : int
        Seed of the random benchmark layer and its activations.
    broadcast_widths : sequence of int
        Widths from :data:`eie_lab.eie.config.BROADCAST_WIDTHS`.
    fifo_depth : int
        Activation queue depth (paper 8).

    Returns
    -------
    list of BroadcastBound
        For each PE count (outer), each width (inner).

    Examples
    --------
    >>> rows = pe_scaling("NT-We", [64, 256], broadcast_widths=(1, 4))
    >>> [(r.n_pe, r.broadcast_width, r.limited_by) for r in rows]
    [(64, 1, 'PE work'), (64, 4, 'PE work'), (256, 1, 'broadcast'), (256, 4, 'PE work')]
    >>> rows[2].cycles == rows[3].cycles  # a wider bus alone: no change
    True
    """
    if name not in LAYER_NAMES:
        raise ConfigError(fail_message("name", name, "is not a Table III layer",
                                       f"use one of {list(LAYER_NAMES)}"))
    counts, widths = list(n_pes), list(broadcast_widths)
    if not counts or any(isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1
                         for n in counts):
        raise ConfigError(fail_message("n_pes", counts, "must be a non-empty list of ints >= 1",
                                       "pass e.g. (16, 32, 64, 128, 256)"))
    if not widths or any(b not in BROADCAST_WIDTHS for b in widths):
        raise ConfigError(fail_message("broadcast_widths", widths,
                                       f"must be a non-empty list from {BROADCAST_WIDTHS}",
                                       "pass (1,) or (1, 2, 4)"))
    bench = benchmark_layer(name, seed)
    out = []
    for n in counts:
        layer = encode(bench, EIEConfig(n_pe=int(n)))
        for b in widths:
            cfg = layer.config.replace(broadcast_width=int(b), fifo_depth=fifo_depth)
            out.append(broadcast_bound(layer, bench.a, cfg))
    return out
