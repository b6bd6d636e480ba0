"""The EIE simulator: interleaved CSC encoding, an exact cycle model and an energy model.

Public API: :class:`EIEConfig`, :func:`encode` -> :class:`EncodedLayer`,
:func:`simulate` -> :class:`SimResult` (with :class:`AccessCounts`, :class:`EnergyBreakdown` and,
for ``engine="cycle"``, a :class:`Trace`), :class:`EnergyModel`, and multi-layer runs
(:func:`run_network`).

Timing contract
---------------
Both engines (``engine="fast"`` and ``engine="cycle"``) follow these rules exactly; see
``help(eie_lab.eie)``. W is m × n (rows are outputs); N = ``n_pe``, D = ``fifo_depth``,
L = ``broadcast_latency`` (>= 1), c = ``min_column_cycles`` (>= 1), zmax = 2**``index_bits`` − 1.

1. Row i lives in PE i mod N at local row i // N.
2. Each PE stores column j as entries (v, z) by increasing local row; z counts the zero local rows
   since the previous entry of that column in that PE (from local row 0 for the first). While
   z > zmax a padding entry (v = 0, z = zmax) comes first and z decreases by zmax + 1. Code 0 of
   the codebook is the weight 0.0. p[j] is the index of column j's first entry (n + 1 pointers).
3. e[k][j] = p[j+1] − p[j] for PE k (padding included).
4. The non-zero activations j_0 < … < j_{K−1} are broadcast in order, at most one per cycle, into
   every PE's queue. An item holds its slot in PE k's queue from its broadcast until PE k has
   finished it, and a broadcast waits while any queue is full:
   b_0 = 0, b_t = max(b_{t−1} + 1, max_k f[k][t−D]) (second term only for t >= D).
5. PE k starts item t at s[k][t] = max(b_t + L, f[k][t−1]) (f[k][−1] = 0) and is busy for
   w[k][t] = max(e[k][j_t], c) cycles: f[k][t] = s[k][t] + w[k][t].
6. cycles = max(max_k f[k][K−1], b_{K−1} + L); with K = 0, cycles = 0.
7. busy[k] = Σ_t w[k][t]; load_efficiency = Σ_k busy[k] / (N · cycles);
   real_work = non-padding entries processed / all entries processed.

Sources: [EIE §III-B, §IV] (papers.md §1.8) for rules 1–5; the rest defines this lab's counters.

Examples
--------
>>> import numpy as np
>>> from eie_lab.eie import EIEConfig, encode, simulate
>>> rng = np.random.default_rng(0)
>>> W = np.where(rng.random((32, 16)) < 0.2, rng.normal(size=(32, 16)), 0.0)
>>> cb = np.concatenate(([0.0], np.linspace(-2, 2, 15)))
>>> layer = encode(W, EIEConfig(n_pe=4), codebook=cb)
>>> a = np.where(rng.random(16) < 0.5, rng.random(16), 0.0)
>>> res = simulate(layer, a)
>>> bool(np.allclose(res.y, layer.decode() @ a))
True
>>> res.cycles == simulate(layer, a, engine="cycle").cycles
True
"""

from eie_lab.eie.config import EIEConfig
from eie_lab.eie.encoding import EncodedLayer, encode, encode_coo
from eie_lab.eie.energy import EnergyBreakdown, EnergyModel
from eie_lab.eie.engine import schedule, simulate
from eie_lab.eie.network import (
    EIENetwork,
    NetworkResult,
    encode_network,
    network_from_mlp,
    run_network,
)
from eie_lab.eie.results import AccessCounts, SimResult
from eie_lab.eie.trace import BUSY, IDLE, STARVED, Trace

__all__ = [
    "EIEConfig",
    "encode",
    "encode_coo",
    "EncodedLayer",
    "simulate",
    "schedule",
    "SimResult",
    "AccessCounts",
    "Trace",
    "IDLE",
    "BUSY",
    "STARVED",
    "EnergyModel",
    "EnergyBreakdown",
    "EIENetwork",
    "NetworkResult",
    "encode_network",
    "network_from_mlp",
    "run_network",
]
