"""What a simulation returns: :class:`SimResult` and its :class:`AccessCounts`.

Both engines fill the same fields (each returns an :class:`EngineRun`, which
:func:`~eie_lab.eie.simulate` completes into a :class:`SimResult`); the test-suite checks they
agree exactly. Counts are Python ints so reports print cleanly. The counting rules live with the
hardware units (:mod:`eie_lab.eie.units`); :func:`count_accesses` applies them in bulk.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from eie_lab.eie.config import EIEConfig
from eie_lab.eie.energy import EnergyBreakdown
from eie_lab.eie.layer import EncodedLayer
from eie_lab.eie.trace import Trace
from eie_lab.eie.units.act_rw import act_batches
from eie_lab.eie.units.pointer_read import pointer_reads
from eie_lab.eie.units.spmat_read import line_reads

__all__ = ["AccessCounts", "SimResult", "EngineRun", "count_accesses"]


@dataclass(frozen=True)
class AccessCounts:
    """Accesses made by the whole PE array during one layer.

    Attributes
    ----------
    broadcasts : int
        Non-zero activations broadcast by the CCU (K).
    queue_pushes : int
        Activation-queue writes: every broadcast enters every PE's queue (N x K); each is popped
        once, so pops equal pushes.
    pointer_reads : int
        Pointer words read: p_j and p_{j+1} for every (PE, item), from the even/odd banks in one
        cycle ([EIE §IV]) -> 2 x N x K.
    spmat_reads : int
        Spmat SRAM rows (lines) read (``spmat_width_bits`` wide, 8 entries by default). Each PE
        keeps its last line in a buffer that survives from column to column: a line is read only
        when the next entry streamed lies on a different line than the previous one; empty
        columns read none (:mod:`eie_lab.eie.units.spmat_read`).
    macs : int
        Entries processed (one multiply-accumulate each), padding included.
    real_macs : int
        Entries processed that are real weights (macs minus padding).
    padding_entries : int
        Padding entries processed (``macs - real_macs``).
    act_reads : int
        Activation register reads: n source activations scanned by the LNZD tree plus one
        destination (accumulator) read per MAC.
    act_writes : int
        Activation register writes: one destination (accumulator) write per MAC.
    act_batches : int
        Activation-SRAM batches: ceil(max(n, m) / (N x act_regfile_entries)), 1 when the vectors
        fit the register files (> 1 needs the 2 KB activation SRAM, [EIE §IV]).

    Examples
    --------
    >>> import numpy as np
    >>> from eie_lab.data.layers import fig2_example
    >>> from eie_lab.eie import EIEConfig, encode, simulate
    >>> W, a = fig2_example()
    >>> layer = encode(W, EIEConfig(n_pe=4), codebook=np.arange(16.0), codes=W.astype(int))
    >>> counts = simulate(layer, a).counts
    >>> counts.broadcasts, counts.queue_pushes, counts.spmat_reads, counts.act_reads
    (4, 16, 8, 29)
    """

    broadcasts: int
    queue_pushes: int
    pointer_reads: int
    spmat_reads: int
    macs: int
    real_macs: int
    padding_entries: int
    act_reads: int
    act_writes: int
    act_batches: int

    def as_dict(self) -> dict[str, int]:
        """The counts as a plain dict of ints."""
        return asdict(self)


def count_accesses(layer: EncodedLayer, columns: np.ndarray) -> AccessCounts:
    """Access counts for broadcasting ``columns`` (in order) to the PE array, computed in bulk.

    Parameters
    ----------
    layer : EncodedLayer
        The encoded weight matrix.
    columns : numpy.ndarray
        (K,) indices of the non-zero activations, in broadcast order.

    Returns
    -------
    AccessCounts
        What the fast engine reports (the cycle engine tallies the same numbers while stepping).

    Examples
    --------
    >>> import numpy as np
    >>> from eie_lab.data.layers import fig2_example
    >>> from eie_lab.eie import EIEConfig, encode
    >>> W, a = fig2_example()
    >>> layer = encode(W, EIEConfig(n_pe=4), codebook=np.arange(16.0), codes=W.astype(int))
    >>> c = count_accesses(layer, np.flatnonzero(a))
    >>> c.broadcasts, c.pointer_reads, c.macs
    (4, 32, 21)
    """
    cfg = layer.config
    m, n = layer.shape
    N, K = cfg.n_pe, int(columns.size)
    start = layer.p[:, columns]  # (N, K) pointer read: p_j and p_{j+1} of every (PE, item)
    end = layer.p[:, columns + 1]
    macs = int((end - start).sum())
    real = int(layer.e_real[:, columns].sum())
    return AccessCounts(broadcasts=K, queue_pushes=N * K, pointer_reads=pointer_reads(N, K),
                        spmat_reads=int(line_reads(start, end, cfg.entries_per_row).sum()),
                        macs=macs, real_macs=real, padding_entries=macs - real,
                        act_reads=n + macs,  # the LNZD reads all n sources; one read per MAC
                        act_writes=macs,
                        act_batches=act_batches(n, m, N, cfg.act_regfile_entries))


@dataclass(frozen=True, eq=False)
class EngineRun:
    """What one engine computed for a layer; :func:`~eie_lab.eie.simulate` adds the totals.

    Attributes
    ----------
    columns : numpy.ndarray
        (K,) broadcast order, as the leading non-zero detector delivered it.
    b, s, f : numpy.ndarray
        (K,) broadcast cycles; (n_pe, K) start and finish cycles.
    busy : numpy.ndarray
        (n_pe,) busy cycles per PE.
    stalls : int
        Cycles in which a full queue held the next broadcast back.
    counts : AccessCounts
    y : numpy.ndarray
        (m,) output.
    saturations : int
        Values clipped to the fixed-point range (0 in float mode).
    trace : Trace or None
        Per-cycle record (cycle engine only).

    Examples
    --------
    >>> import numpy as np
    >>> from eie_lab.eie.examples import fig2_layer
    >>> from eie_lab.eie.cycle import run_cycles
    >>> layer, W, a = fig2_layer()
    >>> run = run_cycles(layer, a, layer.config)
    >>> run.columns.tolist(), run.stalls, run.counts.macs
    ([2, 4, 5, 7], 0, 21)
    """

    columns: np.ndarray
    b: np.ndarray
    s: np.ndarray
    f: np.ndarray
    busy: np.ndarray
    stalls: int
    counts: AccessCounts
    y: np.ndarray
    saturations: int = 0
    trace: Trace | None = field(default=None, repr=False)


@dataclass(frozen=True, eq=False)
class SimResult:
    """Outcome of :func:`eie_lab.eie.simulate` for one layer and one input vector.

    Attributes
    ----------
    cycles : int
        Total cycles (timing contract rule 6).
    y : numpy.ndarray
        (m,) layer output (quantised W @ a, ReLU applied when asked; fixed-point when
        ``config.arithmetic == "fixed16"``).
    busy : numpy.ndarray
        (n_pe,) int64 busy cycles per PE.
    load_efficiency : float
        sum(busy) / (n_pe x cycles); 0.0 when cycles == 0. Counts a PE's one-cycle minimum on an
        empty column and its padding entries as busy.
    mac_utilization : float
        Real MACs / (n_pe x cycles), 0.0 when cycles == 0: the share of the array's multiplier
        cycles spent on real weights (what the EIE authors' simulator prints as "Efficiency").
    real_work : float
        Real entries processed / all entries processed (1.0 when nothing was processed).
    broadcast_stalls : int
        Cycles in which the next broadcast was held back by a full queue.
    time_us : float
        cycles / clock_mhz.
    counts : AccessCounts
    energy : EnergyBreakdown
    columns : numpy.ndarray
        (K,) broadcast order (indices of the non-zero activations, increasing).
    b : numpy.ndarray
        (K,) broadcast cycle of each item.
    s, f : numpy.ndarray
        (n_pe, K) start and finish cycle of each item in each PE.
    config : EIEConfig
    engine : str
        ``"fast"`` or ``"cycle"``.
    y_error_bound : numpy.ndarray or None
        (m,) bound on ``|y - W_q @ a|`` in fixed16 mode (None in float mode); valid when
        ``saturations == 0``.
    saturations : int
        Values clipped to the fixed-point range in fixed16 mode: input activations, stored
        entries whose codebook weight was clipped, and outputs.
    trace : Trace or None
        Per-cycle record (``engine="cycle"`` only).

    Examples
    --------
    >>> import numpy as np
    >>> from eie_lab.data.layers import fig2_example
    >>> from eie_lab.eie import EIEConfig, encode, simulate
    >>> W, a = fig2_example()
    >>> layer = encode(W, EIEConfig(n_pe=4), codebook=np.arange(16.0), codes=W.astype(int))
    >>> res = simulate(layer, a)
    >>> res.cycles, res.n_items, res.broadcast_stalls, round(res.load_efficiency, 3)
    (9, 4, 0, 0.611)
    >>> res.counts.real_macs, res.mac_utilization == 21 / (4 * 9)
    (21, True)
    >>> res.b.tolist(), res.engine, res.trace is None
    ([0, 1, 2, 3], 'fast', True)
    >>> s = res.summary()
    >>> s["cycles"], s["macs"], round(s["energy_nj"], 3)
    (9, 21, 0.615)
    """

    cycles: int
    y: np.ndarray
    busy: np.ndarray
    load_efficiency: float
    mac_utilization: float
    real_work: float
    broadcast_stalls: int
    time_us: float
    counts: AccessCounts
    energy: EnergyBreakdown
    columns: np.ndarray
    b: np.ndarray
    s: np.ndarray
    f: np.ndarray
    config: EIEConfig
    engine: str
    y_error_bound: np.ndarray | None = None
    saturations: int = 0
    trace: Trace | None = field(default=None, repr=False)

    @property
    def n_items(self) -> int:
        """K, the number of broadcast (non-zero) activations."""
        return int(self.columns.size)

    def summary(self) -> dict[str, object]:
        """Headline numbers as plain Python scalars (for tables and JSON)."""
        return {
            "cycles": int(self.cycles),
            "time_us": float(self.time_us),
            "load_efficiency": float(self.load_efficiency),
            "mac_utilization": float(self.mac_utilization),
            "real_work": float(self.real_work),
            "broadcast_stalls": int(self.broadcast_stalls),
            "energy_nj": float(self.energy.total_j * 1e9),
            "power_w": float(self.energy.power_w),
            **self.counts.as_dict(),
        }
