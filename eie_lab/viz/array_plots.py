"""Static matplotlib figures of the PE array: per-PE busy/starved/idle bars, queue and state maps.

They take a :class:`~eie_lab.eie.SimResult` (either engine) or a cycle-engine
:class:`~eie_lab.eie.Trace`; none of them runs a simulation.

* busy: cycles spent on entries (padding included), ``busy[k]``;
* starved: not busy although items are still to come (waiting for a broadcast);
* idle: all of the PE's work is done, waiting for the slowest PE (the load imbalance).

Examples
--------
>>> import numpy as np
>>> from eie_lab.data.layers import fig2_example
>>> from eie_lab.eie import EIEConfig, encode, simulate
>>> W, a = fig2_example()
>>> cfg = EIEConfig(n_pe=4, fifo_depth=1)
>>> res = simulate(encode(W, cfg, codebook=np.arange(16.0), codes=W.astype(int)), a, cfg,
...                engine="cycle")
>>> pe_time_split(res)["busy"].tolist() == res.busy.tolist()
True
>>> fig = busy_bars(res); fig2 = queue_heatmap(res.trace)
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from eie_lab.errors import ConfigError, fail_message
from eie_lab.viz.style import STATE_COLORS

__all__ = ["pe_time_split", "axis_floor", "busy_bars", "queue_heatmap", "state_timeline"]


def pe_time_split(result_or_trace) -> dict[str, np.ndarray]:
    """Cycles each PE spends busy, starved and idle; the three add up to ``cycles``.

    Parameters
    ----------
    result_or_trace : SimResult or Trace

    Returns
    -------
    dict
        ``busy``, ``starved``, ``idle``: (n_pe,) int arrays; ``cycles``: int.
    """
    if hasattr(result_or_trace, "state") and hasattr(result_or_trace, "queue_items"):
        st = np.asarray(result_or_trace.state)
        return {"busy": (st == 1).sum(axis=0), "starved": (st == 2).sum(axis=0),
                "idle": (st == 0).sum(axis=0), "cycles": int(result_or_trace.n_cycles)}
    if not hasattr(result_or_trace, "busy") or not hasattr(result_or_trace, "f"):
        raise ConfigError(fail_message("result_or_trace", type(result_or_trace).__name__,
                                       "must be a SimResult or a Trace",
                                       "pass what simulate(...) returned, or its .trace"))
    r = result_or_trace
    busy = np.asarray(r.busy, dtype=np.int64)
    cycles = int(r.cycles)
    f = np.asarray(r.f)
    last = f[:, -1].astype(np.int64) if f.size else np.zeros_like(busy)  # (n_pe,) own last finish
    return {"busy": busy, "starved": last - busy, "idle": cycles - last, "cycles": cycles}


def axis_floor(low: float, high: float) -> float:
    """A round y-axis start a little below ``low`` (0 when ``low`` is under a fifth of ``high``).

    Examples
    --------
    >>> axis_floor(5400, 6000), axis_floor(9, 12), axis_floor(100, 1000)
    (5200.0, 8.0, 0.0)
    """
    if high <= 0 or low < 0.2 * high:
        return 0.0
    target = low - 0.1 * (high - low) - 0.02 * high  # leave a margin under the lowest bar
    step = 10.0 ** np.floor(np.log10(max(high - target, 1e-9)))
    return float(max(0.0, np.floor(target / step) * step))


def busy_bars(result_or_trace, ax=None, *, title: str | None = None, from_zero: bool = False,
              figsize: tuple[float, float] | None = None) -> Figure:
    """Stacked per-PE bars: busy (green), starved (orange), idle (grey).

    The dashed line is the mean busy time; load efficiency = mean busy / cycles. The y axis
    does not start at 0 (unless ``from_zero``): it starts a little below the least busy PE, so
    the differences between PEs (the imbalance, the starved and idle strips on top) fill the
    plot instead of a thin band at its top; the axis label says where it starts.

    Parameters
    ----------
    result_or_trace : SimResult or Trace
    ax : matplotlib.axes.Axes, optional
        Draw into this axes instead of a new figure.
    title : str, optional
    from_zero : bool, default False
        Start the y axis at 0.
    figsize : tuple, optional
        Figure size in inches (default grows with the number of PEs up to 12 inches).

    Examples
    --------
    >>> import numpy as np
    >>> from eie_lab.eie.examples import fig2_trace
    >>> ax = busy_bars(fig2_trace()).axes[0]
    >>> bool(ax.get_ylim()[0] > 0), "axis from" in ax.get_ylabel()
    (True, True)
    """
    split = pe_time_split(result_or_trace)
    n_pe = split["busy"].size
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize or (min(12.0, 4 + 0.12 * n_pe), 3.2))
    else:
        fig = ax.figure
    x = np.arange(n_pe)
    bottom = np.zeros(n_pe)
    width = 1.0 if n_pe > 32 else 0.8
    for key, code in (("busy", 1), ("starved", 2), ("idle", 0)):
        ax.bar(x, split[key], bottom=bottom, width=width, color=STATE_COLORS[code], label=key,
               edgecolor="none" if n_pe > 32 else "#333", linewidth=0.5)
        bottom += split[key]
    cycles = max(split["cycles"], 1)
    mean_busy = float(split["busy"].mean()) if n_pe else 0.0
    ax.axhline(mean_busy, color="#000", ls="--", lw=1, label=f"mean busy = {mean_busy:.0f}")
    ax.set_xlim(-0.5 - (width < 1) * 0.2, n_pe - 0.5 + (width < 1) * 0.2)
    floor = 0.0 if from_zero else axis_floor(float(split["busy"].min()) if n_pe else 0.0, cycles)
    ax.set_ylim(floor, cycles + 0.1 * (cycles - floor))
    ax.set_xlabel("PE")
    ax.set_ylabel("cycles" if floor == 0 else f"cycles (axis from {floor:,.0f})")
    if n_pe <= 16:
        ax.set_xticks(x)
    eff = split["busy"].sum() / (n_pe * cycles)
    ax.set_title(title or f"Per-PE time: load efficiency {100 * eff:.1f}% of {cycles} cycles")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9, borderaxespad=0.3)
    fig.tight_layout()
    return fig


def _cycle_map_axes(per_cycle: np.ndarray, ax, max_cycles: int | None):
    """Cycles to show and the (figure, axes) for a (n_cycles, n_pe) map: PEs down, cycles across."""
    n = per_cycle.shape[0] if max_cycles is None else min(per_cycle.shape[0], int(max_cycles))
    if ax is None:
        fig, ax = plt.subplots(figsize=(10, min(6.0, 1.7 + 0.06 * per_cycle.shape[1])))
    else:
        fig = ax.figure
    return n, fig, ax


def queue_heatmap(trace, ax=None, *, max_cycles: int | None = None) -> Figure:
    """Queue occupancy over time: PEs down, cycles across, colour = items in the queue.

    Orange ticks above the map mark cycles whose broadcast stalled on a full queue.

    Parameters
    ----------
    trace : Trace
    ax : matplotlib.axes.Axes, optional
    max_cycles : int, optional
        Show only the first ``max_cycles`` cycles.
    """
    q = np.asarray(trace.queue_len)
    n, fig, ax = _cycle_map_axes(q, ax, max_cycles)
    depth = int(trace.fifo_depth)
    im = ax.imshow(q[:n].T, aspect="auto", interpolation="nearest", cmap="Blues", vmin=0,
                   vmax=depth, origin="upper", extent=(-0.5, n - 0.5, q.shape[1] - 0.5, -0.5))
    stalls = np.flatnonzero(np.asarray(trace.stall_pe)[:n] >= 0)
    if stalls.size:
        ax.plot(stalls, np.full(stalls.size, -0.5), "|", color="#D55E00", ms=8, mew=1.5,
                clip_on=False, label=f"broadcast stalled ({stalls.size} cycles)")
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=9, frameon=False,
                  borderaxespad=0.3)
    ax.set_xlabel("cycle")
    ax.set_ylabel("PE")
    # left-aligned and lifted, so neither the stall ticks nor their legend cover the title
    ax.set_title(f"Activation queue occupancy (depth {depth})", loc="left", pad=10)
    fig.colorbar(im, ax=ax, label="items in queue", pad=0.01)
    fig.tight_layout()
    return fig


def state_timeline(trace, ax=None, *, max_cycles: int | None = None) -> Figure:
    """PE state over time: busy (green), starved (orange), idle (grey); PEs down, cycles across.

    Parameters
    ----------
    trace : Trace
    ax : matplotlib.axes.Axes, optional
    max_cycles : int, optional
        Show only the first ``max_cycles`` cycles.
    """
    st = np.asarray(trace.state)
    n, fig, ax = _cycle_map_axes(st, ax, max_cycles)
    cmap = ListedColormap([STATE_COLORS[0], STATE_COLORS[1], STATE_COLORS[2]])
    ax.imshow(st[:n].T, aspect="auto", interpolation="nearest", cmap=cmap, vmin=-0.5, vmax=2.5,
              extent=(-0.5, n - 0.5, st.shape[1] - 0.5, -0.5))
    handles = [plt.Rectangle((0, 0), 1, 1, color=STATE_COLORS[c]) for c in (1, 2, 0)]
    # outside the map, so it hides no PE's state
    ax.legend(handles, ["busy", "starved", "idle"], loc="upper left", bbox_to_anchor=(1.005, 1.0),
              fontsize=9, borderaxespad=0.0)
    ax.set_xlabel("cycle")
    ax.set_ylabel("PE")
    ax.set_title("PE state per cycle")
    fig.tight_layout()
    return fig
