"""Trace: what every PE did in every cycle, as numpy arrays indexed [cycle, pe].

Conventions (the timing of ``help(eie_lab.eie)``): item t is broadcast during cycle ``b[t]``
and holds a slot in PE k's queue for cycles ``b[t] <= c < f[k, t]`` under the timing contract
(``b[t] <= c < s[k, t]`` under the pipeline timing, where the slot frees when the PE latches the
item); PE k works on it during ``s[k, t] <= c < f[k, t]`` (BUSY). PE k reads the item's pointers
p_j, p_{j+1} in cycle ``s[k, t]`` (contract) or ``s[k, t] - 1`` (pipeline: the pointer-read cycle,
overlapping the previous column's last entry). A PE that is not busy but still has items to
finish is STARVED; one whose work is all done is IDLE. These three PE states are defined here,
once; the drawings in :mod:`eie_lab.viz` import them. The pipeline timing ends with
``drain_cycles`` (5) cycles in which the last entry passes the stages of :data:`DRAIN_STAGES`.

:func:`trace_from_schedule` derives the same arrays in bulk from a schedule; the cycle engine
records them while stepping its explicit queues, and the tests check the two agree.

Examples
--------
>>> import numpy as np
>>> from eie_lab.data.layers import fig2_example
>>> from eie_lab.eie import EIEConfig, encode, simulate
>>> W, a = fig2_example()
>>> layer = encode(W, EIEConfig(n_pe=4, fifo_depth=2), codebook=np.arange(16.0), codes=W.astype(int))
>>> tr = simulate(layer, a, engine="cycle").trace
>>> tr.n_cycles, tr.queue_len[1].tolist(), tr.queue_items(1, 0)
(9, [2, 2, 2, 2], [2, 4])
>>> tr.events()[:3]
[(0, 'broadcast j=2'), (1, 'broadcast j=4'), (1, 'PE0 start j=2')]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from eie_lab.eie.units.lnzd import LeadingNonZeroDetector, LNZDState

__all__ = ["Trace", "IDLE", "BUSY", "STARVED", "STATE_NAMES", "DRAIN_STAGES",
           "trace_from_schedule"]

IDLE, BUSY, STARVED = 0, 1, 2
STATE_NAMES = {IDLE: "idle", BUSY: "busy", STARVED: "starved"}
#: The pipeline timing's drain: stages the last entry still passes after it is streamed.
DRAIN_STAGES = ("SpMat read", "codebook decode", "multiply", "add", "write-back")


@dataclass(frozen=True, eq=False)
class Trace:
    """Per-cycle record of one layer run (from ``simulate(..., engine="cycle")``).

    Attributes
    ----------
    n_cycles, n_pe, fifo_depth, latency : int
    a : numpy.ndarray
        (n,) input activations.
    columns : numpy.ndarray
        (K,) broadcast order (column index of each item).
    queue_len : numpy.ndarray
        (n_cycles, n_pe) int16 items holding a queue slot during the cycle.
    state : numpy.ndarray
        (n_cycles, n_pe) int8 IDLE=0, BUSY=1, STARVED=2.
    column : numpy.ndarray
        (n_cycles, n_pe) int32 column being processed, -1 when none.
    entries_left : numpy.ndarray
        (n_cycles, n_pe) int32 entries of the current column not yet processed at the start of
        the cycle (the one processed this cycle included); 0 when not busy.
    broadcast : numpy.ndarray
        (n_cycles,) int32 (first) item t broadcast in the cycle, -1 when none.
    stall_pe : numpy.ndarray
        (n_cycles,) int32 lowest PE whose full queue held the broadcast back, -1 when none.
    stall_reason : list of str
        Per cycle, ``""`` or e.g. ``"PE 5 queue full"``.
    b, s, f : numpy.ndarray
        The schedule: (K,) broadcast cycles, (n_pe, K) start and finish cycles.
    timing : str
        ``"contract"`` or ``"pipeline"``.
    pointer_read : numpy.ndarray or None
        (n_cycles, n_pe) int32 column whose pointers the PE reads in the cycle, -1 when none.
    broadcasts : numpy.ndarray or None
        (n_cycles, broadcast_width) int32 items broadcast in the cycle, -1 padded.
    drain_cycles : int
        Final cycles of the pipeline drain (0 under the contract).

    Examples
    --------
    >>> import numpy as np
    >>> from eie_lab.data.layers import fig2_example
    >>> from eie_lab.eie import EIEConfig, encode, simulate
    >>> W, a = fig2_example()
    >>> layer = encode(W, EIEConfig(n_pe=4), codebook=np.arange(16.0), codes=W.astype(int))
    >>> tr = simulate(layer, a, engine="cycle").trace
    >>> tr.state[0].tolist(), tr.column[0].tolist()   # cycle 0: item j=2 not yet arrived
    ([2, 2, 2, 2], [-1, -1, -1, -1])
    >>> tr.column[1].tolist(), tr.entries_left[1].tolist()
    ([2, 2, 2, 2], [2, 0, 2, 1])
    >>> {name: c.tolist() for name, c in tr.state_counts().items()}
    {'idle': [0, 3, 3, 4], 'busy': [8, 5, 5, 4], 'starved': [1, 1, 1, 1]}
    """

    n_cycles: int
    n_pe: int
    fifo_depth: int
    latency: int
    a: np.ndarray
    columns: np.ndarray
    queue_len: np.ndarray
    state: np.ndarray
    column: np.ndarray
    entries_left: np.ndarray
    broadcast: np.ndarray
    stall_pe: np.ndarray
    stall_reason: list[str] = field(repr=False)
    b: np.ndarray = field(repr=False)
    s: np.ndarray = field(repr=False)
    f: np.ndarray = field(repr=False)
    timing: str = "contract"
    pointer_read: np.ndarray | None = field(default=None, repr=False)
    broadcasts: np.ndarray | None = field(default=None, repr=False)
    drain_cycles: int = 0

    def drain_stage(self, cycle: int) -> str:
        """The drain stage the last entry is in during ``cycle`` (``""`` outside the drain)."""
        first = self.n_cycles - self.drain_cycles
        return DRAIN_STAGES[cycle - first] if first <= cycle < self.n_cycles else ""

    def queue_items(self, cycle: int, pe: int) -> list[int]:
        """Columns in PE ``pe``'s queue during ``cycle``, head (oldest) first."""
        if not 0 <= cycle < self.n_cycles or not 0 <= pe < self.n_pe:
            return []
        hold = self.s if self.timing == "pipeline" else self.f  # the slot frees at s or f
        lo = int(np.searchsorted(hold[pe], cycle, side="right"))  # first item still holding one
        hi = int(np.searchsorted(self.b, cycle, side="right"))  # items broadcast by now
        return [int(j) for j in self.columns[lo:hi]]

    def events(self) -> list[tuple[int, str]]:
        """Every event as ``(cycle, text)``, in the order the hardware resolves them in a cycle.

        Contract, per cycle: ``"PEk done j=J"`` (finished item leaves the queue), then
        ``"broadcast j=J"`` or ``"stall: PE k queue full"``, then ``"PEk start j=J"`` (its
        pointers are read in that cycle). Pipeline, per cycle: ``"PEk done j=J"``,
        ``"PEk start j=J"`` (latch: the item leaves the queue), the broadcasts or the stall,
        ``"PEk pointers j=J"`` (the pointer-read cycle); the run ends with
        ``"drain: <stage>"`` for each of :data:`DRAIN_STAGES`.
        """
        out: list[tuple[int, str]] = []
        K = self.columns.size
        pipeline = self.timing == "pipeline"
        done: dict[int, list[str]] = {}
        start: dict[int, list[str]] = {}
        ptr: dict[int, list[str]] = {}
        for k in range(self.n_pe):
            for t in range(K):
                j = int(self.columns[t])
                done.setdefault(int(self.f[k, t]), []).append(f"PE{k} done j={j}")
                start.setdefault(int(self.s[k, t]), []).append(f"PE{k} start j={j}")
                if pipeline:
                    ptr.setdefault(int(self.s[k, t]) - 1, []).append(f"PE{k} pointers j={j}")
        sent = self.broadcasts if self.broadcasts is not None else self.broadcast[:, None]
        for c in range(self.n_cycles + 1):
            out += [(c, e) for e in done.get(c, [])]
            if pipeline:
                out += [(c, e) for e in start.get(c, [])]
            if c < self.n_cycles:
                items = [int(t) for t in sent[c] if t >= 0]
                out += [(c, f"broadcast j={int(self.columns[t])}") for t in items]
                if self.stall_reason[c]:
                    out.append((c, f"stall: {self.stall_reason[c]}"))
                if self.drain_stage(c):
                    out.append((c, f"drain: {self.drain_stage(c)}"))
            out += [(c, e) for e in (ptr if pipeline else start).get(c, [])]
        return out

    def broadcasts_before(self, cycle: int) -> int:
        """Items broadcast before ``cycle`` (the LNZD picks already taken when it starts)."""
        return int(np.searchsorted(self.b, cycle, side="left"))

    def lnzd_state(self, cycle: int) -> LNZDState:
        """The leading non-zero detector's state at the start of ``cycle`` (what it offers).

        The state after the picks broadcast before ``cycle``, at the row of the next pick (the
        timing contract's detector). Under the pipeline timing the detector may still be
        stepping through the rows before it (one a cycle); the picks and pending leaves shown
        are the same.

        Examples
        --------
        >>> from eie_lab.eie.examples import fig2_trace
        >>> tr = fig2_trace(fifo_depth=1)
        >>> st = tr.lnzd_state(1)          # a_2 was taken in cycle 0; a_4 is offered (held)
        >>> st.row, st.pick, st.pending.tolist()
        (1, 4, [True, True, False, True])
        """
        taken = self.broadcasts_before(cycle)
        return LeadingNonZeroDetector(self.n_pe).state(np.asarray(self.a), taken)

    def state_counts(self) -> dict[str, np.ndarray]:
        """(n_pe,) cycles spent idle / busy / starved by each PE."""
        return {name: (self.state == code).sum(axis=0) for code, name in STATE_NAMES.items()}


def trace_from_schedule(b: np.ndarray, s: np.ndarray, f: np.ndarray, columns: np.ndarray,
                        e: np.ndarray, a: np.ndarray, fifo_depth: int, latency: int,
                        n_cycles: int, *, timing: str = "contract", ready: np.ndarray | None = None,
                        width: int = 1) -> Trace:
    """Derive a :class:`Trace` in bulk from a schedule.

    Parameters
    ----------
    b, s, f : numpy.ndarray
        (K,), (n_pe, K), (n_pe, K) broadcast, start and finish cycles.
    columns : numpy.ndarray
        (K,) column of each item.
    e : numpy.ndarray
        (n_pe, K) entries of each item's column in each PE.
    a : numpy.ndarray
        (n,) activations.
    fifo_depth, latency, n_cycles : int
        D, L and the run's total cycles (``SimResult.cycles``).
    timing : {"contract", "pipeline"}
        The timing model the schedule follows.
    ready : numpy.ndarray, optional
        (K,) cycle each pick was offered (:func:`~eie_lab.eie.engine.ready_cycles`); cycles
        ``ready[t] <= c < b[t]`` are stalls. Default: ``b[t-1] + 1`` (the contract at width 1).
    width : int
        Broadcast width (columns of ``Trace.broadcasts``).

    Returns
    -------
    Trace
        The same arrays the cycle engine records while stepping.

    Examples
    --------
    >>> import numpy as np
    >>> from eie_lab.data.layers import fig2_example
    >>> from eie_lab.eie import EIEConfig, encode, simulate
    >>> W, a = fig2_example()
    >>> layer = encode(W, EIEConfig(n_pe=4), codebook=np.arange(16.0), codes=W.astype(int))
    >>> res = simulate(layer, a)
    >>> tr = trace_from_schedule(res.b, res.s, res.f, res.columns, layer.e[:, res.columns], a,
    ...                          fifo_depth=8, latency=1, n_cycles=res.cycles)
    >>> bool(np.array_equal(tr.state, simulate(layer, a, engine="cycle").trace.state))
    True
    """
    N, K = s.shape
    pipeline = timing == "pipeline"
    hold = s if pipeline else f  # a queue slot frees at the latch (pipeline) or the finish
    cyc = np.arange(n_cycles)
    ql = np.empty((n_cycles, N), dtype=np.int16)
    state = np.full((n_cycles, N), IDLE, dtype=np.int8)
    col = np.full((n_cycles, N), -1, dtype=np.int32)
    left = np.zeros((n_cycles, N), dtype=np.int32)
    ptr = np.full((n_cycles, N), -1, dtype=np.int32)
    arrived = np.searchsorted(b, cyc, side="right")  # (n_cycles,) items broadcast so far
    for k in range(N):
        gone = np.searchsorted(hold[k], cyc, side="right")  # items out of the queue by the cycle
        ql[:, k] = arrived - gone
        cur = np.searchsorted(s[k], cyc, side="right") - 1  # latest item started
        valid = cur >= 0
        curc = np.where(valid, cur, 0)
        busy = valid & (f[k, curc] > cyc) if K else np.zeros(n_cycles, dtype=bool)
        pending = (f[k, -1] > cyc) if K else np.zeros(n_cycles, dtype=bool)
        state[:, k] = np.where(busy, BUSY, np.where(pending, STARVED, IDLE))
        if K:
            col[busy, k] = columns[curc[busy]]
            left[busy, k] = np.maximum(e[k, curc[busy]] - (cyc[busy] - s[k, curc[busy]]), 0)
            ptr[s[k] - (1 if pipeline else 0), k] = columns
    bcs = np.full((n_cycles, width), -1, dtype=np.int32)
    slot = np.arange(K) - np.searchsorted(b, b, side="left")  # rank within its cycle
    bcs[b, slot] = np.arange(K)
    stall_pe = np.full(n_cycles, -1, dtype=np.int32)
    reasons = [""] * n_cycles
    if ready is None:
        ready = np.concatenate(([0], b[:-1] + 1)) if K else np.zeros(0, dtype=np.int64)
    lag = fifo_depth - 1 if pipeline else fifo_depth
    for t in np.flatnonzero(b > ready):
        for c in range(int(ready[t]), int(b[t])):  # cycles the broadcast of item t waited
            k = int(np.argmax(hold[:, t - lag] > c))
            stall_pe[c] = k
            reasons[c] = f"PE {k} queue full"
    drain = len(DRAIN_STAGES) if pipeline and K else 0
    return Trace(n_cycles=int(n_cycles), n_pe=N, fifo_depth=fifo_depth, latency=int(latency),
                 a=np.asarray(a), columns=np.asarray(columns), queue_len=ql, state=state,
                 column=col, entries_left=left, broadcast=bcs[:, 0].copy(), stall_pe=stall_pe,
                 stall_reason=reasons, b=b, s=s, f=f, timing=timing, pointer_read=ptr,
                 broadcasts=bcs, drain_cycles=drain)
