"""The cycle-stepping engine: the PE array built from the hardware units, one cycle at a time.

Units ([EIE §IV, Fig. 4]; one module each in :mod:`eie_lab.eie.units`): the leading non-zero
detector (LNZD) finds the next non-zero activation, the central control unit broadcasts it into
every PE's activation queue, and in each PE the pointer read unit, the sparse-matrix read unit,
the arithmetic unit and the activation registers process it. Within a cycle c the array
resolves, for all PEs at once (numpy over the PE axis):

1. *retire* — a PE whose item finishes at c becomes free (under the timing contract the item
   also leaves its queue now);
2. *latch* (pipeline timing only) — a PE that read the pointers of its queue head in cycle c-1
   pops the item (its queue slot frees) and starts streaming it;
3. *broadcast* — while the LNZD offers a pick (at most ``broadcast_width`` per cycle) and no
   queue is full, the CCU takes it and pushes ``(j, a_j)`` into every queue (startable
   ``broadcast_latency`` cycles later); if the LNZD offers a pick but a queue is full, the cycle
   is a broadcast stall, blamed on the lowest-numbered full PE (the LNZD holds its pick);
4. *start* (contract) — a free PE whose queue head has arrived reads p_j and p_{j+1} (pointer
   read), points its sparse-matrix read unit at entries p_j … p_{j+1}-1 and stays busy for
   ``max(entries, min_column_cycles)`` cycles; *pointer read* (pipeline) — a PE whose queue head
   has arrived and that is free or finishes at c+1 reads p_j and p_{j+1} now and latches the item
   in c+1 (so the pointer read overlaps the previous column's last entry: no bubble);
5. *work* — every PE with an entry left streams one (v, z) entry (sparse-matrix read: a new
   SRAM line only when the entry lies on another line than the previous one) into its arithmetic
   unit, which multiplies ``codebook[v]`` by the item's a_j and accumulates into the destination
   register of row ``x = x_prev + z + 1``.

When picks are offered: under the contract the LNZD offers the next non-zero at once; under the
pipeline timing it holds one row at a time and moves one row per cycle
(:meth:`~eie_lab.eie.units.lnzd.LeadingNonZeroDetector.advance`); with ``act_batching`` each
source-register batch after the first is reloaded for ``act_regfile_entries`` cycles before its
picks are offered (:mod:`eie_lab.eie.units.act_rw`).

The run ends in the first cycle in which the LNZD has nothing left, every queue is empty, every
PE is free and the last broadcast has had ``broadcast_latency`` cycles to arrive; the pipeline
timing then records its five drain cycles (SpMat read, codebook decode, multiply, add,
write-back of the last entry). This is the timing of ``help(eie_lab.eie)``, stepped; the fast
engine (:mod:`eie_lab.eie.engine`) evaluates the same rules in closed form. Everything the run
reports — broadcast order, schedule, trace, access counts, output y — is taken from the stepped
units, so agreement with the fast engine (which computes them in bulk) is a real check.
"""

from __future__ import annotations

import numpy as np

from eie_lab.eie.config import EIEConfig
from eie_lab.eie.encoding import EncodedLayer
from eie_lab.eie.results import AccessCounts, EngineRun
from eie_lab.eie.trace import BUSY, DRAIN_STAGES, IDLE, STARVED, Trace
from eie_lab.eie.units.act_rw import ActivationRegisters, act_batches, input_batch
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
        self.pointer_read: list[np.ndarray] = []
        self.broadcast: list[list[int]] = []
        self.stall_pe: list[int] = []
        self.reasons: list[str] = []

    def cycle(self, queue_len, state, column, left, pointer_read, broadcast: list[int],
              stall_pe: int) -> None:
        """Record one cycle (``broadcast``: the items broadcast in it, in order)."""
        self.queue_len.append(queue_len)
        self.state.append(state)
        self.column.append(column)
        self.left.append(left)
        self.pointer_read.append(pointer_read)
        self.broadcast.append(broadcast)
        self.stall_pe.append(stall_pe)
        self.reasons.append(f"PE {stall_pe} queue full" if stall_pe >= 0 else "")

    def trace(self, cfg: EIEConfig, a: np.ndarray, columns: np.ndarray, b: np.ndarray,
              s: np.ndarray, f: np.ndarray) -> Trace:
        """The recorded cycles as a Trace."""
        n_cycles, N = len(self.broadcast), self.n_pe
        width = cfg.broadcast_width

        def stack(rows: list, dtype) -> np.ndarray:
            return np.array(rows, dtype=dtype).reshape(n_cycles, N)

        bc = np.full((n_cycles, width), -1, dtype=np.int32)
        for c, items in enumerate(self.broadcast):
            bc[c, :len(items)] = items
        return Trace(n_cycles=n_cycles, n_pe=N, fifo_depth=cfg.fifo_depth,
                     latency=cfg.broadcast_latency, a=a, columns=columns,
                     queue_len=stack(self.queue_len, np.int16), state=stack(self.state, np.int8),
                     column=stack(self.column, np.int32), entries_left=stack(self.left, np.int32),
                     broadcast=bc[:, 0].copy(),
                     stall_pe=np.array(self.stall_pe, dtype=np.int32).reshape(n_cycles),
                     stall_reason=self.reasons, b=b, s=s, f=f, timing=cfg.timing,
                     pointer_read=stack(self.pointer_read, np.int32),
                     broadcasts=bc, drain_cycles=len(DRAIN_STAGES) if cfg.timing == "pipeline"
                     and columns.size else 0)


class _PickSource:
    """When the LNZD offers its picks: at once (contract) or one row per cycle (pipeline), each
    source-register batch after the first reloaded for ``reload`` cycles (``act_batching``)."""

    def __init__(self, lnzd: LeadingNonZeroDetector, cfg: EIEConfig) -> None:
        self.lnzd, self.pipeline = lnzd, cfg.timing == "pipeline"
        self.N, self.R = cfg.n_pe, cfg.act_regfile_entries
        self.reload = cfg.act_regfile_entries if cfg.act_batching else 0
        self.ready = 0  # first cycle the held row / next pick may be offered
        if not self.pipeline:
            first = lnzd.peek()
            self.ready = 0 if first is None else self.reload * self._batch(first)

    def _batch(self, j: int) -> int:
        return int(input_batch(j, self.N, self.R))

    def _advance(self, c: int) -> None:
        """Load the next row in cycle c (pipeline): offered from c + 1, plus any reload."""
        old = self.lnzd.row
        self.lnzd.advance()
        crossed = self.lnzd.row // self.R - (old // self.R if old >= 0 else 0)
        self.ready = c + 1 + self.reload * crossed

    def begin_cycle(self, c: int) -> None:
        """Pipeline: a cycle in which the held row has nothing left loads the next row."""
        if (self.pipeline and c >= self.ready and self.lnzd.remaining
                and self.lnzd.offer() is None):
            self._advance(c)

    def offer(self, c: int) -> int | None:
        """The pick offered in cycle c, or None."""
        if c < self.ready:
            return None
        return self.lnzd.offer() if self.pipeline else self.lnzd.peek()

    def take(self, c: int) -> int:
        """The CCU takes the offered pick in cycle c."""
        j = int(self.lnzd.take())
        if self.pipeline:
            if j % self.N == self.N - 1 and self.lnzd.remaining:  # final slot: row done at once
                self._advance(c)
        else:
            nxt = self.lnzd.peek()
            if nxt is not None and self.reload:
                self.ready = c + self.reload * (self._batch(nxt) - self._batch(j))
        return j


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
    pipeline, width = cfg.timing == "pipeline", cfg.broadcast_width
    m, n = layer.shape
    regs = ActivationRegisters(m, arithmetic=cfg.arithmetic, act_bits=cfg.act_bits,
                               act_frac_bits=cfg.act_frac_bits,
                               weight_frac_bits=cfg.weight_frac_bits)
    regs.load(a)
    lnzd = LeadingNonZeroDetector(N)
    lnzd.load(a)
    source = _PickSource(lnzd, cfg)
    # pipeline: a ring of D slots holds D - 1 items (a slot frees when the PE latches the item)
    queue = ActivationQueue(N, D - 1 if pipeline else D, n_items=n, value_dtype=regs.source.dtype)
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
    # pipeline: pointers read in the previous cycle for the item at the queue head
    latched = np.zeros(N, dtype=bool)
    ptr0 = np.zeros(N, dtype=np.int64)
    ptr1 = np.zeros(N, dtype=np.int64)
    b = np.zeros(n, dtype=np.int64)
    s = np.zeros((N, n), dtype=np.int64)
    f = np.zeros((N, n), dtype=np.int64)
    K = last_b = stalls = c = 0

    def start(ks: np.ndarray, p0: np.ndarray, p1: np.ndarray) -> None:
        ts = queue.heads()[ks]
        spmat.begin(ks, p0, p1)
        alu.new_column(ks)
        s[ks, ts] = c
        fin[ks] = c + np.maximum(p1 - p0, cmin)
        item[ks], col[ks], busy[ks] = ts, queue.col[ts], True

    while True:
        # 1. retire
        fin_now = busy & (fin == c)
        if fin_now.any():
            ks = pes[fin_now]
            f[ks, item[ks]] = c
            if not pipeline:
                queue.pop(ks)
            busy[ks] = False
        if (not lnzd.remaining and queue.empty() and not busy.any()
                and (K == 0 or c >= last_b + L)):
            break
        ptr_col = np.full(N, -1, dtype=np.int64)
        # 2. latch (pipeline): the item whose pointers were read last cycle leaves the queue
        if pipeline and latched.any():
            ks = pes[latched]
            start(ks, ptr0[ks], ptr1[ks])
            queue.pop(ks)
            latched[ks] = False
        # 3. broadcast (at most `width` per cycle, none while any queue is full)
        source.begin_cycle(c)
        this_b: list[int] = []
        this_stall = -1
        while len(this_b) < width:
            j = source.offer(c)
            if j is None:
                break
            full = queue.full()
            if full.any():
                this_stall = int(np.argmax(full))
                stalls += 1
                break
            j = source.take(c)
            queue.push(K, j, regs.source[j], ready_cycle=c + L)
            b[K], last_b = c, c
            this_b.append(K)
            K += 1
        if pipeline:
            # 4. pointer read: head arrived, PE free now or in the next cycle
            can = ~latched & queue.ready(c) & (~busy | (fin == c + 1))
            if can.any():
                ks = pes[can]
                js = queue.col[queue.heads()[ks]]
                ptr0[ks], ptr1[ks] = pointers.read(ks, js)
                latched[ks] = True
                ptr_col[ks] = js
        else:
            # 4. start: free PEs whose queue head has arrived
            can = ~busy & queue.ready(c)
            if can.any():
                ks = pes[can]
                js = queue.col[queue.heads()[ks]]
                p0, p1 = pointers.read(ks, js)
                start(ks, p0, p1)
                ptr_col[ks] = js
        # 5. work: one entry per PE that has one left, into the arithmetic unit
        left = np.where(busy, spmat.left(), 0)
        ks, v, z = spmat.read()
        if ks.size:
            alu.mac(ks, v, z, queue.value[item[ks]], regs)
        busy_cycles += busy
        # starved: not busy, but items still to finish (queued, or still to be broadcast)
        waiting = (queue.occupancy > 0) | (lnzd.remaining > 0)
        state = np.where(busy, BUSY, np.where(waiting, STARVED, IDLE))
        rec.cycle(queue.occupancy, state, np.where(busy, col, -1), left, ptr_col, this_b,
                  this_stall)
        c += 1
    if pipeline and K:
        for _ in DRAIN_STAGES:  # the last entry's remaining pipeline stages
            rec.cycle(queue.occupancy, np.full(N, IDLE), np.full(N, -1), np.zeros(N, np.int64),
                      np.full(N, -1), [], -1)
    while lnzd.advance():  # rows after the last pick are still scanned (read), in no extra time
        pass
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
