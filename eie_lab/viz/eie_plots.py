"""Figures for the EIE notebooks and ``eie-lab reproduce`` (matplotlib only; nothing is simulated here).

- :func:`plot_csc_by_pe`: the interleaved-CSC picture of [EIE Fig. 2/3], rows coloured by PE,
  with one PE's v / z / p arrays underneath.
- :func:`plot_ratio_bars`: Fig. 6/7-style grouped bars on a log axis, with the paper's labels.
- :func:`plot_times`: simulated vs the paper's theoretical/actual µs per layer (Table IV).
- :func:`plot_fifo_sweep`, :func:`plot_pe_sweep`, :func:`plot_param_sweep`: the design-space sweeps.
- :func:`plot_energy_breakdown`, :func:`plot_sram_budget`: where energy and SRAM go in one PE.

Every function takes plain numbers (dicts and lists), returns a :class:`matplotlib.figure.Figure`
and never calls ``plt.show()``.

Examples
--------
>>> from eie_lab.viz.eie_plots import plot_fifo_sweep
>>> fig = plot_fifo_sweep([1, 2, 4], {"Alex-7": [0.5, 0.7, 0.8]})
>>> fig.axes[0].get_xscale()
'log'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

#: Font sizes (points) for labels inside plots and legends: readable when projected.
LABEL_PT = 8
LEGEND_PT = 9
#: Bar labels of the Fig. 6/7 plots, in points. JupyterLab shows a 12-inch figure 848 px wide on
#: a 1280 x 720 screen (measured by tests/test_browser.py): 12.5 / 72 x 848 / 12 = 12.3 px.
BAR_LABEL_PT = 12.5
RED_TEXT = "#C0392B"

__all__ = ["pe_colors", "entry_rows", "plot_csc_by_pe", "plot_ratio_bars", "plot_times",
           "plot_fifo_sweep", "plot_pe_sweep", "plot_param_sweep", "plot_energy_breakdown",
           "plot_sram_budget"]


def pe_colors(n_pe: int) -> list[tuple[float, float, float, float]]:
    """One distinct RGBA colour per PE (tab10/tab20 for small arrays, a colour wheel otherwise)."""
    cmap = plt.get_cmap("tab10" if n_pe <= 10 else "tab20" if n_pe <= 20 else "hsv")
    denom = 1 if n_pe <= 20 else n_pe
    return [cmap(k / denom if n_pe > 20 else k) for k in range(n_pe)]


def entry_rows(z: np.ndarray, p: np.ndarray, pe: int, n_pe: int) -> tuple[np.ndarray, np.ndarray]:
    """Global row and column of each stored entry of one PE, from its z and p arrays.

    The row is recovered as the paper says: a running sum of (z + 1) within the column, minus 1,
    gives the local row; global row = local * n_pe + pe.

    Examples
    --------
    >>> import numpy as np
    >>> rows, cols = entry_rows(np.array([0, 1, 0]), np.array([0, 2, 3]), pe=0, n_pe=4)
    >>> rows.tolist(), cols.tolist()
    ([0, 8, 0], [0, 0, 1])
    """
    z, p = np.asarray(z), np.asarray(p)
    cols = np.repeat(np.arange(p.size - 1), np.diff(p))
    steps = np.cumsum(z + 1)
    starts = np.concatenate(([0], steps))[p[:-1]]
    local = steps - starts[cols] - 1
    return local * n_pe + pe, cols


def plot_csc_by_pe(W: np.ndarray, n_pe: int, v: Sequence[int], z: Sequence[int], p: Sequence[int],
                   pe: int = 0, a: Sequence[float] | None = None, title: str | None = None) -> Figure:
    """[EIE Fig. 2/3]: W with each PE's rows tinted in its colour, and PE ``pe``'s v, z, p arrays.

    Parameters
    ----------
    W : array_like
        (m, n) weights (only the zero pattern and the shape are drawn; cells show ``w{i},{j}``).
    n_pe : int
        Number of PEs; row i belongs to PE ``i % n_pe``.
    v, z, p : sequences of int
        The arrays of PE ``pe`` (from ``encode(...)``): codebook indices, relative row indices,
        column pointers (n + 1 entries).
    a : sequence of float, optional
        Input activations, drawn as a row above W (non-zeros highlighted).
    """
    W = np.asarray(W)
    m, n = W.shape
    colors = pe_colors(n_pe)
    fig = plt.figure(figsize=(max(7.0, 0.75 * n + 3.5), 0.36 * m + 3.6))
    grid = fig.add_gridspec(2, 1, height_ratios=[m + (2 if a is not None else 0), 4.5], hspace=0.35)
    ax = fig.add_subplot(grid[0])
    for i in range(m):
        tint = (*colors[i % n_pe][:3], 0.18)
        ax.add_patch(plt.Rectangle((0, i), n, 1, color=tint, lw=0))
        for j in np.flatnonzero(W[i]):
            ax.add_patch(plt.Rectangle((j + 0.05, i + 0.05), 0.9, 0.9, color=colors[i % n_pe], lw=0))
            if m <= 32 and n <= 32:
                ax.text(j + 0.5, i + 0.5, f"w{i},{j}", ha="center", va="center", fontsize=LABEL_PT,
                        color="white")
        ax.text(-0.3, i + 0.5, f"PE{i % n_pe}", ha="right", va="center", fontsize=LABEL_PT + 1,
                color=colors[i % n_pe])
    if a is not None:
        for j, aj in enumerate(np.asarray(a)):
            face = "gold" if aj != 0 else "white"
            ax.add_patch(plt.Rectangle((j + 0.05, -1.6), 0.9, 0.9, facecolor=face, edgecolor="grey"))
            ax.text(j + 0.5, -1.15, f"a{j}" if aj != 0 else "0", ha="center", va="center",
                    fontsize=LABEL_PT + 1)
    ax.set_xlim(-2.2, n)
    ax.set_ylim(m, -2 if a is not None else 0)
    ax.set_xticks(np.arange(n) + 0.5, [str(j) for j in range(n)])
    ax.set_yticks([])
    ax.set_xlabel("column j (input activation)")
    ax.set_title(title or f"Interleaved CSC (EIE Fig. 2/3): row i lives in PE i mod {n_pe}")
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    # PE `pe`'s arrays, one row of cells each.
    v, z, p = np.asarray(v), np.asarray(z), np.asarray(p)
    rows, cols = entry_rows(z, p, pe, n_pe)
    tab = fig.add_subplot(grid[1])
    width = max(v.size, p.size)
    names = ("Virtual weight", "Relative row index z", "Column pointer p")
    cells = ([f"W{r},{c}" if code else "0" for code, r, c in zip(v, rows, cols)],
             [str(int(x)) for x in z], [str(int(x)) for x in p])
    for r, (name, row) in enumerate(zip(names, cells)):
        tab.text(-0.3, r + 0.5, name, ha="right", va="center", fontsize=LABEL_PT + 1)
        for c, text in enumerate(row):
            tab.add_patch(plt.Rectangle((c, r), 1, 1, facecolor=(*colors[pe][:3], 0.15),
                                        edgecolor="grey"))
            tab.text(c + 0.5, r + 0.5, text, ha="center", va="center",
                     fontsize=LABEL_PT - 1 if r == 0 else LABEL_PT + 1)
    tab.set_xlim(-4.8, width)
    tab.set_ylim(3, 0)
    tab.axis("off")
    tab.set_title(f"PE{pe}'s arrays ({v.size} entries, {int(np.sum(v == 0))} padding)",
                  fontsize=LABEL_PT + 3)
    return fig


def plot_ratio_bars(values: Mapping[str, Sequence[float]], layers: Sequence[str],
                    labels: Mapping[str, Sequence[str]] | None = None, ylabel: str = "speedup",
                    title: str = "", missing: str = "n/a",
                    paper: Mapping[str, Sequence[str]] | None = None,
                    baseline: str | None = None) -> Figure:
    """Grouped bars per layer, one bar per series, on a log axis (Fig. 6/7 style).

    ``labels`` are written above the bars; they should say what the bars show (e.g. the values
    recomputed from a table, :func:`eie_lab.paper_tables.recomputed_labels`). ``paper`` (e.g. the
    figure's own data labels): wherever a paper label differs from ``labels``, the bar's label
    reads "ours (paper: theirs)" in red and a black tick marks the paper's value on the bar.
    NaN bars are left out and ``missing`` (e.g. "n/a") is written in their place, so an empty
    slot reads as "no data" rather than as a tiny value; pass ``missing=""`` to leave it blank.
    ``baseline`` (e.g. "CPU Dense = 1"): a dashed line at 1 with that label, for the series every
    ratio is taken against, instead of a row of bars of height 1 (more room for the labels).

    Examples
    --------
    >>> fig = plot_ratio_bars({"EIE": [75.6]}, ["NT-We"], {"EIE": ["76"]}, paper={"EIE": ["63"]})
    >>> [t.get_text() for t in fig.axes[0].texts]
    ['76 (paper: 63)']
    """
    series = list(values)
    fig, ax = plt.subplots(figsize=(max(12.0, 1.3 * len(layers)), 5.6))
    width = 0.8 / max(1, len(series))
    x = np.arange(len(layers))
    floor = np.nanmin([np.nanmin(np.asarray(v, dtype=float)) for v in values.values()])
    gaps: dict[int, list[float]] = {}
    marked = False
    for s, name in enumerate(series):
        vals = np.asarray(values[name], dtype=float)[: len(layers)]
        ok = ~np.isnan(vals)
        pos = x + (s - (len(series) - 1) / 2) * width
        ax.bar(pos[ok], vals[ok], width, label=name)
        ours = list(labels[name])[: len(layers)] if labels is not None and name in labels else None
        theirs = list(paper[name])[: len(layers)] if paper is not None and name in paper else None
        for i in np.flatnonzero(ok):
            text = ours[i] if ours is not None else None
            differs = theirs is not None and text is not None and theirs[i] != text
            if differs:
                text = f"{text} (paper: {theirs[i]})"
                ref = float(str(theirs[i]).replace(",", ""))
                ax.plot([pos[i] - width / 2, pos[i] + width / 2], [ref, ref], color="black", lw=2.5,
                        label=None if marked else "paper's label, where it differs")
                marked = True
            if text is not None:
                ax.text(pos[i], vals[i] * 1.08, text, ha="center", va="bottom", rotation=90,
                        fontsize=BAR_LABEL_PT, color=RED_TEXT if differs else "black")
        for li in np.flatnonzero(~ok):
            gaps.setdefault(int(li), []).append(float(pos[li]))
    for gap in gaps.values() if missing else ():  # one note per layer, over its empty slots
        ax.text(float(np.mean(gap)), floor * 1.3, missing, ha="center", va="bottom",
                fontsize=LEGEND_PT + 1, color="#555", style="italic")
    if baseline:
        ax.axhline(1.0, color="black", ls="--", lw=1, label=baseline)
        floor = min(floor, 1.0)
    ax.set_yscale("log")
    top = np.nanmax([np.nanmax(np.asarray(v, dtype=float)) for v in values.values()])
    ax.set_ylim(floor / 2, top * 3)  # _fit_texts below makes room for the labels
    ax.set_xlim(-0.6, len(layers) - 0.4)
    ax.set_xticks(x, list(layers), rotation=0, fontsize=LEGEND_PT + 2)
    ax.set_ylabel(ylabel, fontsize=LEGEND_PT + 2)
    ax.set_title(title, fontsize=LEGEND_PT + 3)
    # under the axes: inside, the legend box would cover the labels of the tallest bars
    ax.legend(fontsize=LEGEND_PT + 1, ncol=4, loc="upper center", bbox_to_anchor=(0.5, -0.07))
    ax.grid(axis="y", which="major", alpha=0.3)
    fig.tight_layout()
    _fit_texts(fig, ax)
    return fig


def _fit_texts(fig: Figure, ax) -> None:
    """Raise the top of ``ax`` until every text drawn in it ends below the axes' top edge."""
    renderer = fig.canvas.get_renderer()
    tops = [t.get_window_extent(renderer).y1 for t in ax.texts]
    if not tops:
        return
    frame = ax.get_window_extent(renderer)
    over = max(tops) - frame.y1 + 6  # pixels a label pokes out above the axes
    if over > 0:
        lo, hi = (np.log10(v) for v in ax.get_ylim())
        ax.set_ylim(10 ** lo, 10 ** (hi + (hi - lo) * over / (frame.height - over)))


def plot_times(layers: Sequence[str], times_us: Mapping[str, Sequence[float]],
               title: str = "EIE time per layer, 64 PEs") -> Figure:
    """Bars of µs per layer for several sources, e.g. simulated / theoretical / actual."""
    fig, ax = plt.subplots(figsize=(max(7.0, 0.9 * len(layers)), 3.6))
    width = 0.8 / max(1, len(times_us))
    x = np.arange(len(layers))
    for s, (name, vals) in enumerate(times_us.items()):
        ax.bar(x + (s - (len(times_us) - 1) / 2) * width, vals, width, label=name)
    ax.set_xticks(x, list(layers))
    ax.set_ylabel("time per layer [µs]")
    ax.set_title(title)
    ax.legend(fontsize=LEGEND_PT)
    fig.tight_layout()
    return fig


def plot_fifo_sweep(depths: Sequence[int], efficiency: Mapping[str, Sequence[float]],
                    chosen: int | None = 8) -> Figure:
    """Load efficiency vs activation-queue depth per layer ([EIE Fig. 8])."""
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    for name, vals in efficiency.items():
        ax.plot(depths, np.asarray(vals) * 100, marker="o", ms=3, label=name)
    if chosen is not None:
        ax.axvline(chosen, color="grey", ls="--", lw=1, label=f"paper's choice ({chosen})")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("FIFO depth (activation queue entries)")
    ax.set_ylabel("load efficiency [%]")
    ax.set_ylim(0, 100)
    ax.legend(fontsize=LEGEND_PT, ncol=2)
    ax.set_title("Load efficiency vs FIFO depth (cf. EIE Fig. 8)")
    fig.tight_layout()
    return fig


def plot_pe_sweep(n_pes: Sequence[int], speedup: Mapping[str, Sequence[float]],
                  real_work: Mapping[str, Sequence[float]],
                  load_efficiency: Mapping[str, Sequence[float]]) -> Figure:
    """Speedup, real work and load efficiency vs #PEs ([EIE Figs 11, 12, 13]) in three panels."""
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.8))
    panels = ((speedup, "speedup over 1 PE", "speedup (cf. EIE Fig. 11)"),
              (real_work, "real work / total work [%]", "padding (cf. EIE Fig. 12)"),
              (load_efficiency, "load efficiency [%]", "load balance (cf. EIE Fig. 13)"))
    for ax, (data, ylabel, title) in zip(axes, panels):
        scale = 1.0 if data is speedup else 100.0
        for name, vals in data.items():
            ax.plot(n_pes, np.asarray(vals) * scale, marker="o", ms=3, label=name)
        ax.set_xscale("log", base=2)
        ax.set_xlabel("number of PEs")
        ax.set_ylabel(ylabel)
        ax.set_title(title)
    axes[0].plot(n_pes, n_pes, color="black", ls=":", lw=1, label="linear")
    axes[0].set_yscale("log", base=2)
    axes[1].set_ylim(0, 103)  # a line at 100 % stays visible above the frame
    axes[2].set_ylim(0, 103)
    axes[0].legend(fontsize=LEGEND_PT)
    fig.tight_layout()
    return fig


def plot_param_sweep(x: Sequence[float], series: Mapping[str, Sequence[float]], xlabel: str,
                     ylabel: str, title: str = "", twin: Mapping[str, Sequence[float]] | None = None,
                     twin_label: str = "", logx: bool = True) -> Figure:
    """A generic sweep plot (e.g. padding vs index bits, SRAM reads and energy vs width).

    ``twin`` series go on a second y axis (dashed), e.g. energy beside read counts (Fig. 9).
    """
    fig, ax = plt.subplots(figsize=(9.5 if twin else 6.5, 3.8))
    for name, vals in series.items():
        ax.plot(x, vals, marker="o", ms=3, label=name)
    if logx:
        ax.set_xscale("log", base=2)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    handles, names = ax.get_legend_handles_labels()
    if twin:
        ax2 = ax.twinx()
        for name, vals in twin.items():
            ax2.plot(x, vals, ls="--", marker="s", ms=3, color="black", label=name)
        ax2.set_ylabel(twin_label)
        h2, n2 = ax2.get_legend_handles_labels()
        handles, names = handles + h2, names + n2
    if twin:  # outside the axes: a twin series may cross any corner of the plot
        ax.legend(handles, names, fontsize=LEGEND_PT, loc="upper left", bbox_to_anchor=(1.15, 1.0),
                  borderaxespad=0.0)
    else:
        ax.legend(handles, names, fontsize=LEGEND_PT)
    ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_energy_breakdown(parts: Mapping[str, float], paper: Mapping[str, float] | None = None,
                          unit: str = "nJ", title: str = "Energy by component",
                          paper_title: str = "paper") -> Figure:
    """Pie of a simulated energy breakdown, with the paper's shares (e.g. EIE Table II) beside it.

    A component has the same colour in both pies (colours follow the order of first appearance
    in ``parts``, then ``paper``), so the two can be compared slice by slice.
    """
    ncols = 2 if paper else 1
    fig, axes = plt.subplots(1, ncols, figsize=(5.6 * ncols, 4.6), squeeze=False)
    keys_all = list(dict.fromkeys([*parts, *(paper or {})]))
    cmap = plt.get_cmap("tab10")
    colors = {k: cmap(i % 10) for i, k in enumerate(keys_all)}
    total = sum(parts.values())
    for ax, (data, name) in zip(axes[0], ((parts, f"simulated ({total:.4g} {unit})"),
                                          (paper or {}, paper_title))):
        keys = [k for k in keys_all if data.get(k, 0) > 0]
        ax.pie([data[k] for k in keys], labels=keys, colors=[colors[k] for k in keys],
               autopct="%1.0f%%", pctdistance=0.72, startangle=90, counterclock=False,
               textprops={"fontsize": LEGEND_PT + 1})
        ax.set_title(name, fontsize=LEGEND_PT + 2)
    fig.suptitle(title, fontsize=LEGEND_PT + 4)
    fig.tight_layout()
    return fig


def plot_sram_budget(capacity_kb: Mapping[str, float],
                     used_kb: Mapping[str, Any] | None = None,
                     title: str = "SRAM per PE (budget: EIE §VI)") -> Figure:
    """SRAM per PE, one panel per memory, each against its *own* capacity, and the total.

    Parameters
    ----------
    capacity_kb : mapping
        Memory -> KB (the paper: SpMat 128, Ptr 32, Act 2; 162 in all).
    used_kb : mapping, optional
        Layer name -> {memory: KB} in the worst PE, or -> an object with a ``used_kb`` dict
        (:class:`eie_lab.eie.sram_budget.SramUse`).
    title : str

    A bar over its memory's capacity is red and says "over": a layer can stay under the
    162 KB total and still not fit, because the memories are separate.

    Examples
    --------
    >>> fig = plot_sram_budget({"SpMat": 128, "Ptr": 32, "Act": 2},
    ...                        {"VGG-6": {"SpMat": 98.6, "Ptr": 49.0, "Act": 0.8}})
    >>> [ax.get_title() for ax in fig.axes]
    ['SpMat (128 KB)', 'Ptr (32 KB)', 'Act (2 KB)', 'total (162 KB)']
    >>> sum(t.get_text() == "over" for ax in fig.axes for t in ax.texts)
    1
    """
    mems = list(capacity_kb)
    used = {name: dict(getattr(u, "used_kb", u)) for name, u in (used_kb or {}).items()}
    names = list(used)
    panels = [*mems, "total"]
    fig, axes = plt.subplots(1, len(panels), figsize=(min(13.0, 2.0 * len(panels) + 0.3 * len(names) * len(panels) + 1.0), 3.6),
                             squeeze=False)
    x = np.arange(len(names))
    for ax, mem in zip(axes[0], panels):
        cap = float(sum(capacity_kb.values())) if mem == "total" else float(capacity_kb[mem])
        vals = np.array([sum(u.get(m, 0.0) for m in mems) if mem == "total" else u.get(mem, 0.0)
                         for u in used.values()], dtype=float)
        over = vals > cap
        ax.bar(x, vals, 0.6, color=np.where(over, "#D55E00", "#0072B2"))
        ax.axhline(cap, color="black", ls="--", lw=1.2)
        for xi, v, o in zip(x, vals, over):
            if o:
                ax.text(xi, v, "over", ha="center", va="bottom", fontsize=LEGEND_PT + 1,
                        color="#D55E00", fontweight="bold")
        ax.set_ylim(0, max(cap, float(vals.max()) if vals.size else 0.0) * 1.18)
        ax.set_title(f"{mem} ({cap:g} KB)", fontsize=LEGEND_PT + 1)
        ax.set_xticks(x, names, rotation=30, ha="right")
    axes[0][0].set_ylabel("KB in the busiest PE")
    fig.suptitle(title + " — dashed: each memory's capacity", fontsize=LEGEND_PT + 2)
    fig.tight_layout()
    return fig
