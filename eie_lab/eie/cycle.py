"""The cycle-stepping engine: the PE array built from the hardware units, one cycle at a time.

Units ([EIE §IV, Fig. 4]; one module each in :mod:`eie_lab.eie.units`): the leading non-zero
detector (LNZD) finds the next non-zero activation, the central control unit broadcasts it into
every PE's activation queue, and in each PE the pointer read unit, the sparse-matrix read unit,
the arithmetic unit and the activation registers process it. Within a cycle c the array
resolves, for all PEs at once (numpy over the PE axis):

1. *retire* — a PE whose item finishes at c pops it from its queue head and becomes free;
2. *broadcast* — if the LNZD offers a pick and no queue is full, the CCU takes it and pushes
   ``(j, a_j)`` into every queue (startable ``broadcast_latency`` cycles later); if the LNZD
   offers a pick but a queue is full, the cycle is a broadcast stall, blamed on the
   lowest-numbered full PE (the LNZD holds its pick);
3. *start* — a free PE whose queue head has arrived reads p_j and p_{j+1} (pointer read), points
   its sparse-matrix read unit at entries p_j … p_{j+1}-1 and stays busy for
   ``max(entries, min_column_cycles)`` cycles;
4. *work* — every PE with an entry left streams one (v, z) entry (sparse-matrix read: a new
   SRAM line at the column's first entry or a line boundary) into its arithmetic unit, which
   multiplies ``codebook[v]`` by the a_j at its queue head and accumulates into the destination
   register of row ``x = x_prev + z + 1``.

The run ends in the first cycle in which the LNZD has nothing left, every queue is empty and the
last broadcast has had ``broadcast_latency`` cycles to arrive. This is the timing contract of
``help(eie_lab.eie)``, stepped; the fast engine (:mod:`eie_lab.eie.engine`) evaluates the same
contract in closed form. Everything the run reports — broadcast order, schedule, trace, access
counts, output y — is taken from the stepped units, so agreement with the fast engine (which
computes them in bulk) is a real check.
"""

from __future__ import annotations

import numpy as np

from eie_lab.eie.config import EIEConfig
from eie_lab.eie.encoding import EncodedLayer
from eie_lab.eie.results import AccessCounts, EngineRun
from eie_lab.eie.trace import BUSY, IDLE, STARVED, Trace
from eie_lab.eie.units.act_rw import ActivationRegisters, act_batches
from eie_lab.eie.units.activation_queue import ActivationQueue
from eie_lab.eie.units.arithmetic_unit import ArithmeticUnit
from eie_lab.eie.units.lnzd import LeadingNonZeroDetector
from eie_lab.eie.units.pointer_read import PointerRead
from eie_lab.eie.units.spmat_read import SpmatRead

__all__ = ["run_cycles"]


class _Recorder:
    """Collects the per-cycle rows of a :class:`~eie_lab.eie.trace.Trace` while stepping."""

    def __init__(self, n_pe: int) -> None:
        self.n_pe = n_pe
        self.queue_len: list[np.ndarray] = []
        self.state: list[np.ndarray] = []
        self.column: list[np.ndarray] = []
        self.left: list[np.ndarray] = []
        self.broadcast: list[int] = []
        self.stall_pe: list[int] = []
        self.reasons: list[str] = []

    def cycle(self, queue_len, state, column, left, broadcast: int, stall_pe: int) -> None:
        """Record one cycle."""
        self.queue_len.append(queue_len)
        self.state.append(state)
        self.column.append(column)
        self.left.append(left)
        self.broadcast.append(broadcast)
        self.stall_pe.append(stall_pe)
        self.reasons.append(f"PE {stall_pe} queue full" if stall_pe >= 0 else "")

    def trace(self, cfg: EIEConfig, a: np.ndarray, columns: np.ndarray, b: np.ndarray,
              s: np.ndarray, f: np.ndarray) -> Trace:
        """The recorded cycles as a Trace."""
        n_cycles, N = len(self.broadcast), self.n_pe

        def stack(rows: list, dtype) -> np.ndarray:
            return np.array(rows, dtype=dtype).reshape(n_cycles, N)

        return Trace(n_cycles=n_cycles, n_pe=N, fifo_depth=cfg.fifo_depth,
                     latency=cfg.broadcast_latency, a=a, columns=columns,
                     queue_len=stack(self.queue_len, np.int16), state=stack(self.state, np.int8),
                     column=stack(self.column, np.int32), entries_left=stack(self.left, np.int32),
                     broadcast=np.array(self.broadcast, dtype=np.int32).reshape(n_cycles),
                     stall_pe=np.array(self.stall_pe, dtype=np.int32).reshape(n_cycles),
                     stall_reason=self.reasons, b=b, s=s, f=f)


def run_cycles(layer: EncodedLayer, a: np.ndarray, cfg: EIEConfig, relu: bool = False) -> EngineRun:
    """Step the PE array cycle by cycle over the input ``a``.

    Low-level: inputs are not validated; use ``simulate(layer, a, engine="cycle")``.

    Parameters
    ----------
    layer : EncodedLayer
        The encoded weight matrix.
    a : numpy.ndarray
        (n,) float64 activations (the LNZD broadcasts the non-zeros; kept in the trace).
    cfg : EIEConfig
        Timing and arithmetic settings; ``n_pe`` must equal the layer's.
    relu : bool
        Apply ReLU when the accumulators are written back.

    Returns
    -------
    EngineRun
        Broadcast order, schedule, busy cycles, broadcast stalls, access counts, output and the
        trace, all from the stepped units.

    Examples
    --------
    >>> from eie_lab.eie.examples import fig2_layer
    >>> layer, W, a = fig2_layer()
    >>> run = run_cycles(layer, a, layer.config)
    >>> run.b.tolist(), run.busy.tolist(), run.stalls, run.trace.n_cycles
    ([0, 1, 2, 3], [8, 5, 5, 4], 0, 9)
    >>> bool(np.allclose(run.y, W @ a))
    True
    """
    N, D, L, cmin = cfg.n_pe, cfg.fifo_depth, cfg.broadcast_latency, cfg.min_column_cycles
    m, n = layer.shape
    regs = ActivationRegisters(m, arithmetic=cfg.arithmetic, act_bits=cfg.act_bits,
                               act_frac_bits=cfg.act_frac_bits,
                               weight_frac_bits=cfg.weight_frac_bits)
    regs.load(a)
    lnzd = LeadingNonZeroDetector(N)
    lnzd.load(a)
    queue = ActivationQueue(N, D, n_items=n, value_dtype=regs.source.dtype)
    pointers = PointerRead(layer.p)
    spmat = SpmatRead(layer.v, layer.z, cfg.entries_per_row)
    alu = ArithmeticUnit(layer.codebook, N, arithmetic=cfg.arithmetic, act_bits=cfg.act_bits,
                         weight_frac_bits=cfg.weight_frac_bits)
    rec = _Recorder(N)
    pes = np.arange(N)
    # PE control: the item in progress, its column and the cycle it finishes
    busy = np.zeros(N, dtype=bool)
    item = np.full(N, -1, dtype=np.int64)
    col = np.full(N, -1, dtype=np.int64)
    fin = np.zeros(N, dtype=np.int64)
    busy_cycles = np.zeros(N, dtype=np.int64)
    b = np.zeros(n, dtype=np.int64)
    s = np.zeros((N, n), dtype=np.int64)
    f = np.zeros((N, n), dtype=np.int64)
    K = last_b = stalls = c = 0
    while True:
        # 1. retire
        fin_now = busy & (fin == c)
        if fin_now.any():
            ks = pes[fin_now]
            f[ks, item[ks]] = c
            queue.pop(ks)
            busy[ks] = False
        pick = lnzd.peek()
        if pick is None and queue.empty() and (K == 0 or c >= last_b + L):
            break
        # 2. broadcast (at most one per cycle, none while any queue is full)
        this_b = this_stall = -1
        if pick is not None:
            full = queue.full()
            if full.any():
                this_stall = int(np.argmax(full))
                stalls += 1
            else:
                j = lnzd.take()
                queue.push(K, j, regs.source[j], ready_cycle=c + L)
                b[K], last_b, this_b = c, c, K
                K += 1
        # 3. start: free PEs whose queue head has arrived
        can = ~busy & queue.ready(c)
        if can.any():
            ks = pes[can]
            ts = queue.heads()[ks]
            js = queue.col[ts]
            p0, p1 = pointers.read(ks, js)
            spmat.begin(ks, p0, p1)
            alu.new_column(ks)
            s[ks, ts] = c
            fin[ks] = c + np.maximum(p1 - p0, cmin)
            item[ks], col[ks], busy[ks] = ts, js, True
        # 4. work: one entry per PE that has one left, into the arithmetic unit
        left = np.where(busy, spmat.left(), 0)
        ks, v, z = spmat.read()
        if ks.size:
            alu.mac(ks, v, z, queue.value[item[ks]], regs)
        busy_cycles += busy
        # starved: not busy, but items still to finish (queued, or still to be broadcast)
        waiting = (queue.occupancy > 0) | (lnzd.peek() is not None)
        state = np.where(busy, BUSY, np.where(waiting, STARVED, IDLE))
        rec.cycle(queue.occupancy, state, np.where(busy, col, -1), left, this_b, this_stall)
        c += 1
    b, s, f = b[:K].copy(), s[:, :K].copy(), f[:, :K].copy()
    columns = queue.col[:K].copy()
    y, sat_y = regs.write_back(relu)
    counts = AccessCounts(broadcasts=K, queue_pushes=queue.pushes, pointer_reads=pointers.reads,
                          spmat_reads=spmat.line_reads, macs=alu.macs, real_macs=alu.real_macs,
                          padding_entries=alu.macs - alu.real_macs,
                          act_reads=lnzd.activations_read + regs.reads, act_writes=regs.writes,
                          act_batches=act_batches(n, m, N, cfg.act_regfile_entries))
    return EngineRun(columns=columns, b=b, s=s, f=f, busy=busy_cycles, stalls=stalls,
                     counts=counts, y=y,
                     saturations=regs.source_saturations + alu.weight_saturations + sat_y,
                     trace=rec.trace(cfg, a, columns, b, s, f))
