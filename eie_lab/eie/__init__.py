"""The EIE simulator: interleaved CSC encoding, an exact cycle model and an energy model.

Public API: :class:`EIEConfig`, :func:`encode` -> :class:`EncodedLayer`,
:func:`simulate` -> :class:`SimResult` (with :class:`AccessCounts`, :class:`EnergyBreakdown` and,
for ``engine="cycle"``, a :class:`Trace`), :class:`EnergyModel`, and multi-layer runs
(:func:`run_network`). Beside them: :mod:`eie_lab.eie.units` (the hardware units of EIE Fig. 4,
one module each, from which the cycle engine is built), :mod:`eie_lab.eie.examples` (the
Fig. 2/3 worked example, encoded and traced) and :mod:`eie_lab.eie.design_space` (the encodings
and sweeps behind the design explorer). Where EIE stops winning (issue 15, notebook 10):
:mod:`eie_lab.eie.bottlenecks` (the broadcast bound against the work per PE, PE scaling, the
``broadcast_width`` option) and :mod:`eie_lab.eie.conv_lowering` (a convolution run as one
mat-vec per output pixel); the latter reads the trained LeNet-5, so it is not imported here
(``import eie_lab.eie`` loads nothing of :mod:`eie_lab.nn`).

Timing contract (``EIEConfig(timing="contract")``, the default)
---------------------------------------------------------------
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
   mac_utilization = real MACs / (N · cycles) (padding and empty-column cycles excluded; the
   EIE authors' simulator prints it as "Efficiency");
   real_work = non-padding entries processed / all entries processed;
   broadcast_stalls = Σ_t (b_t − E_t), E_t the cycle pick t was offered (below; b_{t−1} + 1
   here).

Sources: [EIE §III-B, §IV] for rules 1–5; the rest defines this lab's counters.

Pipeline timing (``EIEConfig(timing="pipeline")``, opt-in)
----------------------------------------------------------
The timing of the EIE authors' C++ cycle simulator (RalphMao/EIE-simulator), five rules of their
pipeline. Rules 1–3 and 7 of the contract hold; D >= 2 (their ring of size 1 deadlocks). With
row_t = j_t // N and pos_t = j_t mod N:

P1. The leading non-zero detector scans rows of N activations; row 0 is loaded in cycle 0:
    E_0 = 1 + row_0; E_t = b_{t−1} + 1 + (row_t − row_{t−1}) − [row_t > row_{t−1} and
    pos_{t−1} = N − 1] (one cycle per non-zero, one to leave a row unless its last pick was in
    the final slot, one per empty row).
P2. The queue is a ring of D slots holding D − 1 items; a slot frees when the PE latches the
    item (its start): b_t = max(E_t, max_k s[k][t−D+1]) for t >= D − 1, else E_t.
P3. Two cycles from broadcast to the first entry (latch the queue head, read p_j and p_{j+1}):
    s[k][t] = max(b_t + L + 1, f[k][t−1]), f[k][t] = s[k][t] + w[k][t] (L = 1 and c = 1 are the
    authors' setting; an empty column costs its pointer-read cycle; no bubble between columns).
    The trace shows the pointer read in cycle s − 1.
P4. Drain: cycles = max_k f[k][K−1] + 5 (SpMat read, codebook decode, multiply, add,
    write-back); K = 0 gives 0.
P5. Their simulator also stops early in some runs (at the first cycle after the inputs are
    scanned in which no PE writes, even with work queued: up to 24 % too few cycles on small
    layers, with an incomplete output). **This lab does not reproduce that bug**: a run always
    ends when every item is done.

At the paper's setting (64 PEs, FIFO 8) the two models agree within 1.3 % on all nine Table III
layers; they part on small layers and shallow queues (notebook 08, "Two timing models").

Options (opt-in, both timings, both engines; the defaults keep the rules above exact)
---------------------------------------------------------------------------------------
Both timings are one recurrence, b_t = max(E_t, queue wait), with
E_t = max(b_{t−1} + d_t, b_{t−B} + 1) (second term for t >= B) and d_t the cycles pick t needs
after the previous broadcast: 0 under the contract (so E_t = b_{t−1} + 1 at B = 1), the P1 row
cost in the pipeline timing, plus:

* ``broadcast_width`` B in {1, 2, 4}: up to B non-zero activations per cycle on the bus (in the
  pipeline timing, from the row the detector holds) — how far a wider broadcast helps when the
  broadcast is the bottleneck (issue 15). In both models every PE still spends at least c
  cycles on every item (an empty column costs its pointer read), so each PE needs at least c · K
  cycles whatever the width: the wider bus removes only the broadcast's own bound and the
  stalls it causes. Measured at FIFO 8: no change on NT-We, NT-LSTM and Alex-7 at 64 or 256
  PEs; it would pay only together with PEs that dispose of empty columns faster;
* ``act_batching=True``: an input longer than the source registers (n > N · 64, e.g. VGG-6's
  25,088 inputs in 7 batches of 4,096) is scanned in batches; each batch after the first is
  reloaded from the activation SRAM in ``act_regfile_entries`` cycles (64), added to d_t of its
  first pick (:mod:`eie_lab.eie.units.act_rw`). On VGG-6 (seed 0) at 64 PEs, FIFO 8 it costs
  19,978 -> 20,251 cycles under the contract (+273, +1.4 %) and 20,023 -> 20,310 in the pipeline
  timing (+287): 6 reloads x 64 = 384 cycles, partly hidden by the work already queued.

Access counts do not depend on the timing: the SpMat line buffer survives across columns (a
line is read only when the next entry streamed lies on another line than the previous one).

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
>>> pipe = layer.config.replace(timing="pipeline")
>>> simulate(layer, a, pipe).cycles == simulate(layer, a, pipe, engine="cycle").cycles
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
