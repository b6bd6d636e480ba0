"""The cycle-stepping engine: explicit per-PE activation FIFOs, one cycle at a time.

Each PE's queue is a ring buffer (``fifo_depth`` slots) of item numbers. Within a cycle c the
hardware resolves, for all PEs at once (numpy over the PE axis):

1. *retire* — a PE whose item finishes at c pops it from its queue head and becomes free;
2. *broadcast* — if an item is left, none was broadcast this cycle yet and no queue is full, the
   CCU pushes it into every queue (it may be started ``broadcast_latency`` cycles later);
   otherwise the cycle is a broadcast stall, blamed on the lowest-numbered full PE;
3. *start* — a free PE whose queue head has arrived starts it and stays busy for
   ``max(entries, min_column_cycles)`` cycles;
4. *work* — a busy PE streams one (v, z) entry: a MAC, plus a new spmat SRAM row read when the
   entry is the column's first or starts a new ``spmat_width_bits`` row.

The trace is recorded while stepping; access counts are tallied from the stepped events, so
agreement with the fast engine (which computes them in bulk) is a real check.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from eie_lab.eie.config import EIEConfig
from eie_lab.eie.encoding import EncodedLayer
from eie_lab.eie.results import AccessCounts
from eie_lab.eie.trace import BUSY, IDLE, STARVED, Trace

__all__ = ["CycleRun", "run_cycles"]


@dataclass(frozen=True, eq=False)
class CycleRun:
    """Raw outcome of :func:`run_cycles` (``simulate`` wraps it into a SimResult).

    Attributes
    ----------
    b : numpy.ndarray
        (K,) broadcast cycle of each item.
    s, f : numpy.ndarray
        (n_pe, K) start and finish cycle of each item in each PE.
    busy : numpy.ndarray
        (n_pe,) busy cycles per PE.
    stalls : int
        Cycles in which a full queue held the next broadcast back.
    counts : AccessCounts
        Accesses tallied while stepping.
    trace : Trace
        The per-cycle record.

    Examples
    --------
    See :func:`run_cycles`.
    """

    b: np.ndarray
    s: np.ndarray
    f: np.ndarray
    busy: np.ndarray
    stalls: int
    counts: AccessCounts
    trace: Trace


def run_cycles(layer: EncodedLayer, a: np.ndarray, columns: np.ndarray, cfg: EIEConfig) -> CycleRun:
    """Step the PE array cycle by cycle for the non-zero activations at ``columns``.

    Low-level: inputs are not validated; use ``simulate(layer, a, engine="cycle")``.

    Parameters
    ----------
    layer : EncodedLayer
        The encoded weight matrix.
    a : numpy.ndarray
        (n,) float64 activations (kept in the trace).
    columns : numpy.ndarray
        (K,) indices of the non-zero activations, in broadcast (increasing) order.
    cfg : EIEConfig
        Timing settings; ``n_pe`` must equal the layer's.

    Returns
    -------
    CycleRun
        Schedule, busy cycles, broadcast stalls, access counts and the trace.

    Examples
    --------
    >>> import numpy as np
    >>> from eie_lab.data.layers import fig2_example
    >>> from eie_lab.eie import EIEConfig, encode
    >>> W, a = fig2_example()
    >>> layer = encode(W, EIEConfig(n_pe=4), codebook=np.arange(16.0), codes=W.astype(int))
    >>> run = run_cycles(layer, a, np.flatnonzero(a), layer.config)
    >>> run.b.tolist(), run.busy.tolist(), run.stalls, run.trace.n_cycles
    ([0, 1, 2, 3], [8, 5, 5, 4], 0, 9)
    """
    N, K = cfg.n_pe, int(columns.size)
    D, L, cmin = cfg.fifo_depth, cfg.broadcast_latency, cfg.min_column_cycles
    per_row = cfg.entries_per_row
    pes = np.arange(N)
    bounds = np.concatenate(([0], np.cumsum(layer.p[:, -1])))  # offsets of each PE's stream
    v_flat = np.concatenate(layer.v) if N else np.zeros(0, dtype=np.int64)
    # explicit FIFOs: ring buffers of item numbers
    buf = np.full((N, D), -1, dtype=np.int64)
    head = np.zeros(N, dtype=np.int64)
    count = np.zeros(N, dtype=np.int64)
    arrival = np.zeros(K, dtype=np.int64)
    # per-PE processing state
    busy = np.zeros(N, dtype=bool)
    item = np.full(N, -1, dtype=np.int64)  # item in progress
    fin = np.zeros(N, dtype=np.int64)
    ptr = np.zeros(N, dtype=np.int64)  # next entry address (local to the PE's stream)
    start_ptr = np.zeros(N, dtype=np.int64)
    end = np.zeros(N, dtype=np.int64)
    done = np.zeros(N, dtype=np.int64)  # items finished
    busy_cycles = np.zeros(N, dtype=np.int64)
    b = np.zeros(K, dtype=np.int64)
    s = np.zeros((N, K), dtype=np.int64)
    f = np.zeros((N, K), dtype=np.int64)
    rows_q, rows_state, rows_col, rows_left = [], [], [], []
    bcast, stall_pe, reasons = [], [], []
    t_next, last_b, stalls = 0, -1, 0
    macs = real = spmat = ptr_reads = 0
    c = 0
    while True:
        # 1. retire
        fin_now = busy & (fin == c)
        if fin_now.any():
            ks = pes[fin_now]
            f[ks, item[ks]] = c
            head[ks] = (head[ks] + 1) % D
            count[ks] -= 1
            done[ks] += 1
            busy[ks] = False
        if t_next == K and bool((done == K).all()) and (K == 0 or c >= last_b + L):
            break
        # 2. broadcast (at most one per cycle, none while any queue is full)
        this_b, this_stall, reason = -1, -1, ""
        if t_next < K and c >= last_b + 1:
            full = count >= D
            if full.any():
                this_stall = int(np.argmax(full))
                reason = f"PE {this_stall} queue full"
                stalls += 1
            else:
                buf[pes, (head + count) % D] = t_next
                count += 1
                arrival[t_next] = c + L
                b[t_next] = c
                this_b, last_b = t_next, c
                t_next += 1
        # 3. start: free PEs whose queue head has arrived
        hd = buf[pes, head]
        can = ~busy & (count > 0)
        if can.any():
            can &= arrival[np.where(can, hd, 0)] <= c
            if can.any():
                ks = pes[can]
                ts = hd[ks]
                js = columns[ts]
                s[ks, ts] = c
                p0 = layer.p[ks, js]
                p1 = layer.p[ks, js + 1]
                fin[ks] = c + np.maximum(p1 - p0, cmin)
                item[ks], ptr[ks], start_ptr[ks], end[ks] = ts, p0, p0, p1
                busy[ks] = True
                ptr_reads += 2 * ks.size
        # 4. work: stream one entry per busy PE; record the cycle
        left = np.where(busy, end - ptr, 0)
        working = busy & (ptr < end)
        if working.any():
            ks = pes[working]
            addr = ptr[ks]
            macs += ks.size
            real += int(np.count_nonzero(v_flat[bounds[ks] + addr]))
            spmat += int(np.count_nonzero((addr == start_ptr[ks]) | (addr % per_row == 0)))
            ptr[ks] += 1
        busy_cycles += busy
        pending = done < K
        rows_q.append(count.copy())
        rows_state.append(np.where(busy, BUSY, np.where(pending, STARVED, IDLE)))
        rows_col.append(np.where(busy, columns[np.maximum(item, 0)] if K else -1, -1))
        rows_left.append(left)
        bcast.append(this_b)
        stall_pe.append(this_stall)
        reasons.append(reason)
        c += 1
    n_cycles = c
    m, n = layer.shape

    def stack(rows: list, dtype) -> np.ndarray:
        return np.array(rows, dtype=dtype).reshape(n_cycles, N)

    trace = Trace(n_cycles=n_cycles, n_pe=N, fifo_depth=D, latency=L, a=a, columns=columns,
                  queue_len=stack(rows_q, np.int16), state=stack(rows_state, np.int8),
                  column=stack(rows_col, np.int32), entries_left=stack(rows_left, np.int32),
                  broadcast=np.array(bcast, dtype=np.int32).reshape(n_cycles),
                  stall_pe=np.array(stall_pe, dtype=np.int32).reshape(n_cycles),
                  stall_reason=reasons, b=b, s=s, f=f)
    batches = -(-max(n, m) // (N * cfg.act_regfile_entries))
    counts = AccessCounts(broadcasts=t_next, queue_pushes=N * t_next, pointer_reads=ptr_reads,
                          spmat_reads=spmat, macs=macs, real_macs=real, padding_entries=macs - real,
                          act_reads=n + macs, act_writes=macs, act_batches=int(batches))
    return CycleRun(b=b, s=s, f=f, busy=busy_cycles, stalls=stalls, counts=counts, trace=trace)
