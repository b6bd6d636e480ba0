"""simulate(): dispatch to the fast (closed-form) or the cycle-stepping engine.

Both engines broadcast the non-zero activations in the order the leading non-zero detector
delivers them (:func:`eie_lab.eie.units.lnzd.lnzd_scan`); the cycle engine
(:mod:`eie_lab.eie.cycle`) steps the hardware units, the fast engine computes the same results in
bulk. Each returns an :class:`~eie_lab.eie.results.EngineRun`; :func:`simulate` adds the totals
of the timing contract (rules 6-7) and the energy.

The fast engine evaluates the timing contract (see :mod:`eie_lab.eie`) in closed form, vectorised over PEs and
over blocks of ``fifo_depth`` items. Within a block [t0, t0 + D) every broadcast depends only on
finish times of items before t0, so, with W_t the cumulative work of a PE,

    b_t = max(b_{t0-1} + (t - t0 + 1),  max_{t0<=u<=t} (F_{u-D} + t - u))      (F = max_k f[k])
    f_t = W_t + max(f_{t0-1} - W_{t0-1},  max_{t0<=u<=t} (b_u + L - W_{u-1}))

which are running maxima (``np.maximum.accumulate``). A first pass assumes no broadcast stalls
(b_t = t) for all items at once; the block loop only runs from the first item where that fails.

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

from eie_lab.eie.config import EIEConfig
from eie_lab.eie.cycle import run_cycles
from eie_lab.eie.encoding import EncodedLayer
from eie_lab.eie.energy import EnergyModel
from eie_lab.eie.functional import functional_output
from eie_lab.eie.results import EngineRun, SimResult, count_accesses
from eie_lab.eie.units.lnzd import lnzd_scan
from eie_lab.errors import ConfigError, EncodingError, fail_message

__all__ = ["simulate", "schedule", "check_activations", "ENGINES"]

ENGINES = ("fast", "cycle")
# Fields that change the stored arrays: a layer must be re-encoded to change them.
_ENCODING_FIELDS = ("n_pe", "weight_bits", "index_bits")


def schedule(w: np.ndarray, fifo_depth: int, latency: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Broadcast, start and finish cycles for per-item work ``w`` (timing contract rules 4–5).

    Parameters
    ----------
    w : numpy.ndarray
        (n_pe, K) int64 cycles each PE spends on each item (already ``max(e, c)``).
    fifo_depth, latency : int
        D and L.

    Returns
    -------
    b : (K,) int64, s : (n_pe, K) int64, f : (n_pe, K) int64

    Examples
    --------
    >>> import numpy as np
    >>> b, s, f = schedule(np.array([[3, 1, 1], [1, 1, 1]]), fifo_depth=1, latency=1)
    >>> b.tolist(), f.tolist()
    ([0, 4, 6], [[4, 6, 8], [2, 6, 8]])
    """
    w = np.asarray(w, dtype=np.int64)
    N, K = w.shape
    D, L = int(fifo_depth), int(latency)
    if K == 0:
        empty = np.zeros((N, 0), dtype=np.int64)
        return np.zeros(0, dtype=np.int64), empty, empty.copy()
    if D == 1:
        # Each broadcast waits until every PE has finished the previous item, so all PEs start
        # item t together at b_t + L and b_{t+1} = b_t + L + max_k w[k][t] (as L, w >= 1).
        step = L + w.max(axis=0)
        b = np.concatenate(([0], np.cumsum(step[:-1]))).astype(np.int64)
        s = np.broadcast_to(b + L, (N, K)).copy()
        return b, s, s + w
    C = np.cumsum(w, axis=1)  # (N, K) work up to and including item t
    Cm1 = C - w  # work before item t
    # Pass 1: assume no stalls, b_t = t, all items at once.
    b = np.arange(K, dtype=np.int64)
    f = C + np.maximum.accumulate(b + L - Cm1, axis=1)
    F = f.max(axis=0)
    ok = np.ones(K, dtype=bool)
    if K > D:
        ok[D:] = F[:-D] <= b[D:]
    bad = np.flatnonzero(~ok)
    if bad.size:
        _blocks(int(bad[0]), w, C, Cm1, b, f, F, D, L)
    return b, f - w, f


def _blocks(t0: int, w: np.ndarray, C: np.ndarray, Cm1: np.ndarray, b: np.ndarray,
            f: np.ndarray, F: np.ndarray, D: int, L: int) -> None:
    """Redo items t0.. in blocks of D (in place); items before t0 are already exact."""
    K = w.shape[1]
    # item-major copies so each block is a contiguous (B, N) slice
    CT, Cm1T = np.ascontiguousarray(C.T), np.ascontiguousarray(Cm1.T)
    fT = np.ascontiguousarray(f.T)
    neg = np.iinfo(np.int64).min // 4
    while t0 < K:
        t1 = min(t0 + D, K)
        idx = np.arange(t0, t1)
        if t0 >= D:  # every broadcast of the block waits for a finish before t0
            g = F[t0 - D:t1 - D]
        else:  # first block: only items >= D wait on queues; b_0 = 0
            g = np.full(t1 - t0, neg, dtype=np.int64)
            g[idx >= D] = F[idx[idx >= D] - D]
            if t0 == 0:
                g[0] = 0
        run = idx + np.maximum.accumulate(g - idx)
        bb = np.maximum(run, b[t0 - 1] + 1 + (idx - t0)) if t0 > 0 else run
        b[t0:t1] = bb
        x = np.maximum.accumulate((bb + L)[:, None] - Cm1T[t0:t1], axis=0)  # (B, N)
        if t0 > 0:
            np.maximum(x, fT[t0 - 1] - Cm1T[t0], out=x)
        x += CT[t0:t1]
        fT[t0:t1] = x
        F[t0:t1] = x.max(axis=1)
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
    columns = lnzd_scan(av, cfg.n_pe).order  # the leading non-zero detector's broadcast order
    y, bound, sat = functional_output(layer, av, columns, arithmetic=cfg.arithmetic,
                                      act_bits=cfg.act_bits, act_frac_bits=cfg.act_frac_bits,
                                      weight_frac_bits=cfg.weight_frac_bits, relu=relu)
    if engine == "fast":
        run = _run_fast(layer, columns, cfg, y, sat)
    else:
        run = run_cycles(layer, av, cfg, relu=relu)
    return _finish(layer, cfg, engine, run, bound, energy_model)


def _run_fast(layer: EncodedLayer, columns: np.ndarray, cfg: EIEConfig, y: np.ndarray,
              saturations: int) -> EngineRun:
    """The fast engine: the contract's schedule in closed form, access counts in bulk."""
    w = np.maximum(layer.e[:, columns], cfg.min_column_cycles)
    b, s, f = schedule(w, cfg.fifo_depth, cfg.broadcast_latency)
    stalls = int((np.diff(b) - 1).sum()) if b.size else 0
    return EngineRun(columns=columns, b=b, s=s, f=f, busy=w.sum(axis=1), stalls=stalls,
                     counts=count_accesses(layer, columns), y=y, saturations=saturations)


def _finish(layer: EncodedLayer, cfg: EIEConfig, engine: str, run: EngineRun,
            bound: np.ndarray | None, energy_model: EnergyModel | None) -> SimResult:
    """Totals of the timing contract (rules 6-7) and energy, around one engine's run."""
    K = int(run.columns.size)
    cycles = 0 if K == 0 else int(max(int(run.f[:, -1].max()),
                                      int(run.b[-1]) + cfg.broadcast_latency))
    total_busy = int(run.busy.sum())
    eff = total_busy / (cfg.n_pe * cycles) if cycles else 0.0
    counts = run.counts
    real = counts.real_macs / counts.macs if counts.macs else 1.0
    model = EnergyModel() if energy_model is None else energy_model
    energy = model.energy(counts, cycles, cfg.n_pe, cfg.clock_mhz)
    return SimResult(cycles=cycles, y=run.y, busy=run.busy.astype(np.int64),
                     load_efficiency=float(eff), real_work=float(real),
                     broadcast_stalls=int(run.stalls), time_us=cycles / float(cfg.clock_mhz),
                     counts=counts, energy=energy, columns=run.columns, b=run.b, s=run.s,
                     f=run.f, config=cfg, engine=engine, y_error_bound=bound,
                     saturations=int(run.saturations), trace=run.trace)
