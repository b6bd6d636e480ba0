"""simulate(): dispatch to the fast (closed-form) or the cycle-stepping engine.

Both engines broadcast the non-zero activations in the order the leading non-zero detector
delivers them (:func:`eie_lab.eie.units.lnzd.lnzd_scan`); the cycle engine
(:mod:`eie_lab.eie.cycle`) steps the hardware units, the fast engine computes the same results in
bulk. Each returns an :class:`~eie_lab.eie.results.EngineRun`; :func:`simulate` adds the totals
(cycles, load efficiency, MAC utilisation) and the energy.

The fast engine evaluates the timing (see :mod:`eie_lab.eie`: the contract, the pipeline timing
and the options) in closed form, vectorised over PEs and over blocks of ``lag`` items, where an
item waits for the queue slot of item t - lag (contract: lag = D, the slot frees at the finish
f; pipeline: lag = D - 1, it frees at the start s) and PEs start ``lat`` cycles after a broadcast
(L; pipeline L + 1, the pointer-read cycle). With d_t the cycles pick t needs after the previous
broadcast (:func:`pick_delays`), P_t = Σ_{u<=t} max(d_u, 1) (d_0 for u = 0), X_u the latest slot
release of item u over the PEs and W_t the cumulative work of a PE, at broadcast width 1

    b_t = P_t + max(b_{t0-1} - P_{t0-1},  max_{t0<=u<=t} (X_{u-lag} - P_u))
    f_t = W_t + max(f_{t0-1} - W_{t0-1},  max_{t0<=u<=t} (b_u + lat - W_{u-1}))

within a block [t0, t0 + lag): every broadcast there depends only on slots of items before t0,
so both are running maxima (``np.maximum.accumulate``). A first pass assumes no queue waits for
all items at once; the block loop only runs from the first item where that fails. At width
B > 1 the broadcasts of a block, ``max(b_{t-1} + d_t, b_{t-B} + 1, X_{t-lag})``, are a short
scalar loop; the finish times stay vectorised.

Examples
--------
>>> import numpy as np
>>> from eie_lab.data.layers import fig2_example
>>> from eie_lab.eie import EIEConfig, encode, simulate
>>> W, a = fig2_example()
>>> layer = encode(W, EIEConfig(n_pe=4), codebook=np.arange(16.0), codes=W.astype(int))
>>> res = simulate(layer, a)
>>> res.cycles, res.busy.tolist()
(9, [8, 5, 5, 4])
>>> bool(np.allclose(res.y, W @ a))
True
"""

from __future__ import annotations

import numpy as np

from eie_lab.eie.config import ENGINES, EIEConfig, check_run_memory
from eie_lab.eie.cycle import run_cycles
from eie_lab.eie.encoding import EncodedLayer
from eie_lab.eie.energy import EnergyModel
from eie_lab.eie.functional import functional_output
from eie_lab.eie.results import EngineRun, SimResult, count_accesses
from eie_lab.eie.trace import DRAIN_STAGES
from eie_lab.eie.units.act_rw import batch_delays
from eie_lab.eie.units.lnzd import lnzd_scan, row_delays
from eie_lab.errors import ConfigError, EncodingError, fail_message

__all__ = ["simulate", "schedule", "ready_cycles", "pick_delays", "check_activations",
           "PIPELINE_DRAIN"]

# Fields that change the stored arrays: a layer must be re-encoded to change them.
_ENCODING_FIELDS = ("n_pe", "weight_bits", "index_bits")


#: Cycles after the last entry in the pipeline timing: SpMat read, codebook decode, multiply,
#: add, write-back (the EIE authors' simulator; :data:`~eie_lab.eie.trace.DRAIN_STAGES`).
PIPELINE_DRAIN = len(DRAIN_STAGES)


def schedule(w: np.ndarray, fifo_depth: int, latency: int, *, timing: str = "contract",
             delays: np.ndarray | None = None, width: int = 1
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Broadcast, start and finish cycles for per-item work ``w`` (timing rules 4–5 of either mode).

    Parameters
    ----------
    w : numpy.ndarray
        (n_pe, K) int64 cycles each PE spends on each item (already ``max(e, c)``).
    fifo_depth, latency : int
        D and L.
    timing : {"contract", "pipeline"}
        The timing model (see ``help(eie_lab.eie)``).
    delays : numpy.ndarray, optional
        (K,) d_t: pick t is offered from ``b_{t-1} + d_t`` (``b_{-1} = 0``); default all 0
        (the contract's ideal detector without batches).
    width : int
        Broadcasts per cycle (1, 2 or 4).

    Returns
    -------
    b : (K,) int64, s : (n_pe, K) int64, f : (n_pe, K) int64

    Examples
    --------
    >>> import numpy as np
    >>> b, s, f = schedule(np.array([[3, 1, 1], [1, 1, 1]]), fifo_depth=1, latency=1)
    >>> b.tolist(), f.tolist()
    ([0, 4, 6], [[4, 6, 8], [2, 6, 8]])
    >>> b, s, f = schedule(np.array([[3, 1, 1], [1, 1, 1]]), 2, 1, timing="pipeline",
    ...                    delays=np.array([1, 0, 0]))
    >>> b.tolist(), s.tolist()     # item 1 waits for item 0 to leave the queue (its start, 3)
    ([1, 3, 6], [[3, 6, 8], [3, 5, 8]])
    """
    b, s, f, _ready = _schedule(w, fifo_depth, latency, timing, delays, width)
    return b, s, f


def ready_cycles(b: np.ndarray, delays: np.ndarray, width: int) -> np.ndarray:
    """E_t, the cycle pick t is offered (were no queue full): ``max(b_{t-1} + d_t, b_{t-B} + 1)``.

    Cycles ``E_t <= c < b_t`` are the broadcast stalls of item t.

    Examples
    --------
    >>> ready_cycles(np.array([0, 1, 5]), np.array([0, 0, 0]), 1).tolist()
    [0, 1, 2]
    """
    K = b.size
    ready = np.asarray(delays, dtype=np.int64).copy()
    if K > 1:
        ready[1:] += b[:-1]
    if K > width:
        np.maximum(ready[width:], b[:-width] + 1, out=ready[width:])
    return ready


def _unblocked(d: np.ndarray, width: int, g: np.ndarray | None = None, prev: list[int] | None = None,
               t0: int = 0) -> np.ndarray:
    """Broadcast cycles b_t = max(b_{t-1} + d_t, b_{t-B} + 1, g_t) for t = t0, t0 + 1, … (B > 1).

    A scalar loop; ``prev`` holds the broadcasts just before t0 (at least the last B of them).
    """
    hist = list(prev or [])
    off = t0 - len(hist)  # item index of hist[0]
    out = np.empty(d.size, dtype=np.int64)
    last = hist[-1] if hist else 0
    for i, di in enumerate(d.tolist()):
        t = t0 + i
        bt = last + di
        if t >= width:
            bt = max(bt, hist[t - width - off] + 1)
        if g is not None:
            bt = max(bt, int(g[i]))
        hist.append(bt)
        out[i] = last = bt
    return out


def _schedule(w: np.ndarray, fifo_depth: int, latency: int, timing: str,
              delays: np.ndarray | None, width: int
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`schedule` plus the ready cycles E_t (for the stall count)."""
    w = np.asarray(w, dtype=np.int64)
    N, K = w.shape
    B = int(width)
    d = np.zeros(K, dtype=np.int64) if delays is None else np.asarray(delays, dtype=np.int64)
    if K == 0:
        empty = np.zeros((N, 0), dtype=np.int64)
        return np.zeros(0, dtype=np.int64), empty, empty.copy(), np.zeros(0, dtype=np.int64)
    pipeline = timing == "pipeline"
    # queue rule: item t waits for item t - lag to free its slot (contract: at its finish,
    # D slots; pipeline: at its start, a ring of D slots holding D - 1 items)
    lag = int(fifo_depth) - 1 if pipeline else int(fifo_depth)
    lat = int(latency) + 1 if pipeline else int(latency)  # + the pointer-read cycle
    if lag == 1 and not pipeline:
        # Each broadcast waits until every PE has finished the previous item, so all PEs start
        # item t together at b_t + L and b_{t+1} = b_t + max(d_{t+1}, L + max_k w[k][t])
        # (which exceeds b_t + 1, so the width never binds).
        step = np.maximum(d[1:], lat + w[:, :-1].max(axis=0))
        b = np.concatenate((d[:1], d[0] + np.cumsum(step))).astype(np.int64)
        s = np.broadcast_to(b + lat, (N, K)).copy()
        return b, s, s + w, ready_cycles(b, d, B)
    C = np.cumsum(w, axis=1)  # (N, K) work up to and including item t
    Cm1 = C - w  # work before item t
    # Pass 1: assume no queue waits, all items at once.
    if B == 1:
        step = d.copy()
        step[1:] = np.maximum(step[1:], 1)
        b = np.cumsum(step)
    else:
        b = _unblocked(d, B)
    f = C + np.maximum.accumulate(b + lat - Cm1, axis=1)
    X = (f - w if pipeline else f).max(axis=0)  # when the slot of each item frees, latest PE
    ok = np.ones(K, dtype=bool)
    if K > lag:
        ok[lag:] = X[:-lag] <= b[lag:]
    bad = np.flatnonzero(~ok)
    if bad.size:
        _blocks(int(bad[0]), w, C, Cm1, b, f, X, d, lag, lat, B, pipeline)
    return b, f - w, f, ready_cycles(b, d, B)


def _blocks(t0: int, w: np.ndarray, C: np.ndarray, Cm1: np.ndarray, b: np.ndarray,
            f: np.ndarray, X: np.ndarray, d: np.ndarray, lag: int, lat: int, B: int,
            pipeline: bool) -> None:
    """Redo items t0.. in blocks of ``lag`` (in place); items before t0 are already exact.

    Within a block every broadcast waits only on slots of items before the block (X), so the
    broadcasts are a running maximum (width 1) or a short scalar loop (width > 1), and the finish
    times a running maximum over the block.
    """
    K = w.shape[1]
    # item-major copies so each block is a contiguous (B, N) slice
    CT, Cm1T = np.ascontiguousarray(C.T), np.ascontiguousarray(Cm1.T)
    fT, wT = np.ascontiguousarray(f.T), np.ascontiguousarray(w.T)
    neg = np.iinfo(np.int64).min // 4
    P = np.cumsum(np.where(np.arange(K) > 0, np.maximum(d, 1), d)) if B == 1 else None
    while t0 < K:
        t1 = min(t0 + lag, K)
        idx = np.arange(t0, t1)
        g = np.full(t1 - t0, neg, dtype=np.int64)
        has = idx >= lag
        g[has] = X[idx[has] - lag]
        if B == 1:
            # b_t - P_t = max(b_{t0-1} - P_{t0-1}, max_{t0<=u<=t} (g_u - P_u))
            base = b[t0 - 1] - P[t0 - 1] if t0 > 0 else 0
            bb = P[t0:t1] + np.maximum(np.maximum.accumulate(g - P[t0:t1]), base)
        else:
            bb = _unblocked(d[t0:t1], B, g, b[max(0, t0 - B):t0].tolist(), t0)
        b[t0:t1] = bb
        x = np.maximum.accumulate((bb + lat)[:, None] - Cm1T[t0:t1], axis=0)  # (B, N)
        if t0 > 0:
            np.maximum(x, fT[t0 - 1] - Cm1T[t0], out=x)
        x += CT[t0:t1]
        fT[t0:t1] = x
        X[t0:t1] = (x - wT[t0:t1]).max(axis=1) if pipeline else x.max(axis=1)
        t0 = t1
    f[:] = fT.T


def check_activations(a: object, n: int) -> np.ndarray:
    """Return ``a`` as a finite float64 vector of length n or raise :class:`EncodingError`.

    Parameters
    ----------
    a : array_like
        Candidate activation vector.
    n : int
        Required length (the layer's input width, bias column included).

    Returns
    -------
    numpy.ndarray
        (n,) float64.

    Raises
    ------
    EncodingError
        Wrong shape, non-real values, or NaN/inf.

    Examples
    --------
    >>> check_activations([0, 1.5, 2], 3).tolist()
    [0.0, 1.5, 2.0]
    >>> check_activations([1.0, 2.0], 3)
    Traceback (most recent call last):
    ...
    eie_lab.errors.EncodingError: a.shape=(2,) is invalid: must be (3,) to match W's 3 columns
    help: pass one activation per input column (append 1 for a bias)
    """
    arr = np.asarray(a)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise EncodingError(fail_message("a.shape", arr.shape, f"must be ({n},) to match W's {n} columns",
                                         "pass one activation per input column (append 1 for a bias)"))
    if not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
        raise EncodingError(fail_message("a.dtype", arr.dtype, "must be real numbers",
                                         "convert with np.asarray(a, dtype=float)"))
    arr = arr.astype(np.float64, copy=False)
    if not np.isfinite(arr).all():
        raise EncodingError(fail_message("a", "vector with NaN/inf", "must be finite",
                                         "replace NaN/inf activations before simulating"))
    return arr


def _resolve_config(layer: EncodedLayer, config: EIEConfig | None) -> EIEConfig:
    if config is None:
        return layer.config
    if not isinstance(config, EIEConfig):
        raise ConfigError(fail_message("config", type(config).__name__, "must be an EIEConfig",
                                       "pass EIEConfig(...) or None"))
    for name in _ENCODING_FIELDS:
        if getattr(config, name) != getattr(layer.config, name):
            raise ConfigError(fail_message(
                f"config.{name}", getattr(config, name),
                f"must equal the layer's encoding ({name}={getattr(layer.config, name)})",
                "re-encode the matrix with encode(W, config) to change it"))
    return config


def simulate(layer: EncodedLayer, a: object, config: EIEConfig | None = None,
             engine: str = "fast", relu: bool = False, energy_model: EnergyModel | None = None
             ) -> SimResult:
    """Run one layer on the EIE PE array: output, cycles, access counts and energy.

    Parameters
    ----------
    layer : EncodedLayer
        From :func:`eie_lab.eie.encode`.
    a : array_like
        (n,) input activations; only the non-zeros are broadcast.
    config : EIEConfig, optional
        Timing/arithmetic settings (fifo_depth, latency, clock, ...); defaults to
        ``layer.config``. n_pe, weight_bits and index_bits must match the encoding.
    engine : {"fast", "cycle"}
        ``"fast"`` evaluates the timing contract in closed form; ``"cycle"`` steps the hardware
        units (:mod:`eie_lab.eie.units`) cycle by cycle, takes y from its arithmetic unit and
        records a :class:`~eie_lab.eie.trace.Trace`.
    relu : bool
        Apply ReLU to the output.
    energy_model : EnergyModel, optional
        Per-access energies; defaults to ``EnergyModel()`` (EIE Table II).

    Returns
    -------
    SimResult

    Examples
    --------
    >>> import numpy as np
    >>> from eie_lab.eie import EIEConfig, encode
    >>> W = np.array([[0.0, 1.0], [2.0, 0.0], [0.0, 0.0], [3.0, 1.0]])
    >>> layer = encode(W, EIEConfig(n_pe=2), codebook=np.arange(16.0))
    >>> res = simulate(layer, np.array([0.5, 2.0]))
    >>> res.y.tolist(), res.cycles, res.busy.tolist()
    ([2.0, 1.0, 0.0, 3.5], 4, [2, 3])
    >>> res.counts.macs, res.counts.broadcasts
    (4, 2)
    """
    if not isinstance(layer, EncodedLayer):
        raise EncodingError(fail_message("layer", type(layer).__name__, "must be an EncodedLayer",
                                         "encode the matrix first: layer = encode(W, config)"))
    if engine not in ENGINES:
        raise ConfigError(fail_message("engine", engine, f"must be one of {ENGINES}",
                                       'use engine="fast" (or "cycle" for a trace)'))
    cfg = _resolve_config(layer, config)
    m, n = layer.shape
    av = check_activations(a, n)
    scan = lnzd_scan(av, cfg.n_pe)
    columns = scan.order  # the leading non-zero detector's broadcast order
    check_run_memory(cfg, (m, n), nnz=layer.nnz, n_active=int(columns.size), engine=engine)
    y, bound, sat = functional_output(layer, av, columns, arithmetic=cfg.arithmetic,
                                      act_bits=cfg.act_bits, act_frac_bits=cfg.act_frac_bits,
                                      weight_frac_bits=cfg.weight_frac_bits, relu=relu)
    if engine == "fast":
        run = _run_fast(layer, columns, pick_delays(scan.order, scan.row, scan.pos, cfg), cfg, y,
                        sat)
    else:
        run = run_cycles(layer, av, cfg, relu=relu)
    return _finish(layer, cfg, engine, run, bound, energy_model)


def pick_delays(columns: np.ndarray, row: np.ndarray, pos: np.ndarray, cfg: EIEConfig
                ) -> np.ndarray:
    """d_t of every pick: cycles it is offered after the previous broadcast (0 under the contract).

    The pipeline timing adds the detector's row scanning (:func:`~eie_lab.eie.units.lnzd.row_delays`);
    ``act_batching`` adds the source-register reloads
    (:func:`~eie_lab.eie.units.act_rw.batch_delays`).

    Parameters
    ----------
    columns, row, pos : numpy.ndarray
        (K,) from :func:`~eie_lab.eie.units.lnzd.lnzd_scan`.
    cfg : EIEConfig

    Returns
    -------
    numpy.ndarray
        (K,) int64.

    Examples
    --------
    >>> from eie_lab.eie.units.lnzd import lnzd_scan
    >>> sc = lnzd_scan(np.array([0, 0, 0.5, 0, 1.0, 2.0, 0, 3.0]), 4)
    >>> pick_delays(sc.order, sc.row, sc.pos, EIEConfig(n_pe=4, timing="pipeline")).tolist()
    [1, 2, 0, 0]
    """
    d = np.zeros(columns.size, dtype=np.int64)
    if cfg.timing == "pipeline":
        d += row_delays(row, pos, cfg.n_pe)
    if cfg.act_batching:
        d += batch_delays(columns, cfg.n_pe, cfg.act_regfile_entries)
    return d


def _run_fast(layer: EncodedLayer, columns: np.ndarray, delays: np.ndarray, cfg: EIEConfig,
              y: np.ndarray, saturations: int) -> EngineRun:
    """The fast engine: the schedule in closed form, access counts in bulk."""
    w = np.maximum(layer.e[:, columns], cfg.min_column_cycles)
    b, s, f, ready = _schedule(w, cfg.fifo_depth, cfg.broadcast_latency, cfg.timing, delays,
                               cfg.broadcast_width)
    stalls = int((b - ready).sum())
    return EngineRun(columns=columns, b=b, s=s, f=f, busy=w.sum(axis=1), stalls=stalls,
                     counts=count_accesses(layer, columns), y=y, saturations=saturations)


def _finish(layer: EncodedLayer, cfg: EIEConfig, engine: str, run: EngineRun,
            bound: np.ndarray | None, energy_model: EnergyModel | None) -> SimResult:
    """Totals of the timing contract (rules 6-7) and energy, around one engine's run."""
    K = int(run.columns.size)
    if K == 0:
        cycles = 0
    elif cfg.timing == "pipeline":
        cycles = int(run.f[:, -1].max()) + PIPELINE_DRAIN
    else:
        cycles = int(max(int(run.f[:, -1].max()), int(run.b[-1]) + cfg.broadcast_latency))
    total_busy = int(run.busy.sum())
    eff = total_busy / (cfg.n_pe * cycles) if cycles else 0.0
    counts = run.counts
    mac_util = counts.real_macs / (cfg.n_pe * cycles) if cycles else 0.0
    real = counts.real_macs / counts.macs if counts.macs else 1.0
    model = EnergyModel() if energy_model is None else energy_model
    energy = model.energy(counts, cycles, cfg.n_pe, cfg.clock_mhz)
    return SimResult(cycles=cycles, y=run.y, busy=run.busy.astype(np.int64),
                     load_efficiency=float(eff), mac_utilization=float(mac_util),
                     real_work=float(real),
                     broadcast_stalls=int(run.stalls), time_us=cycles / float(cfg.clock_mhz),
                     counts=counts, energy=energy, columns=run.columns, b=run.b, s=run.s,
                     f=run.f, config=cfg, engine=engine, y_error_bound=bound,
                     saturations=int(run.saturations), trace=run.trace)
