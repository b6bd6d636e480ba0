"""Figures for the compression notebooks: weight histograms, CDF with the three inits, codebooks.

- :func:`plot_weight_histogram`: weights before and after pruning (the bimodal shape).
- :func:`plot_inits`: histogram and CDF of a layer with the linear, density and random
  (Forgy) initial centroids marked, as in [DC Fig. 4].
- :func:`plot_codebook`: the shared values drawn on the histogram of the weights they replace.
- :func:`plot_sse_history`: SSE of k-means runs per Lloyd iteration, relative to the optimum.
- :func:`plot_bits_vs_error`: any metric against bits per weight, one line per series.
- :func:`plot_code_lengths`: symbol frequencies with their Huffman code lengths.
- :func:`plot_pixel_map`: surviving connections of a first layer per input pixel [LWC Fig. 4].
- :func:`plot_stream_histograms`: the weight-code and index histograms of a layer [DC Fig. 5].

Every function returns a :class:`matplotlib.figure.Figure` and never calls ``plt.show()``.

Examples
--------
>>> import numpy as np
>>> from eie_lab.viz.compression import plot_inits
>>> w = np.random.default_rng(0).normal(size=1000)
>>> fig = plot_inits(w[np.abs(w) > 1], k=8)
>>> len(fig.axes)
2
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from eie_lab.quantizer import INITS, init_centroids

__all__ = ["plot_weight_histogram", "plot_inits", "plot_codebook", "plot_sse_history",
           "plot_bits_vs_error", "plot_code_lengths", "plot_pixel_map", "plot_stream_histograms",
           "INIT_STYLES"]

#: Colour and marker of each initialisation in every figure.
INIT_STYLES = {"linear": ("tab:green", "o"), "density": ("tab:orange", "s"),
               "random": ("tab:purple", "^")}


def _ax(ax: plt.Axes | None, figsize: tuple[float, float] = (6.5, 3.5)) -> tuple[Figure, plt.Axes]:
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
        return fig, ax
    return ax.figure, ax


def plot_weight_histogram(w: np.ndarray, pruned: np.ndarray | None = None, ax=None, *,
                          bins: int = 121, title: str = "Weight distribution",
                          log: bool = False) -> Figure:
    """Histogram of ``w`` and, if given, of the non-zero weights of the pruned ``pruned``."""
    fig, ax = _ax(ax)
    w = np.asarray(w).ravel()
    edges = np.linspace(float(w.min()), float(w.max()), bins + 1)
    ax.hist(w, bins=edges, color="0.6", alpha=0.7, label=f"before pruning ({w.size:,})", log=log)
    if pruned is not None:
        kept = np.asarray(pruned).ravel()
        kept = kept[kept != 0]
        ax.hist(kept, bins=edges, color="tab:blue", alpha=0.8, log=log,
                label=f"after pruning ({kept.size:,} kept)")
    ax.set_xlabel("weight value")
    ax.set_ylabel("count")
    ax.set_title(title)
    ax.legend(fontsize=9)
    return fig


def plot_inits(w: np.ndarray, k: int, *, seed: int = 0, methods: Sequence[str] = INITS,
               bins: int = 100, title: str | None = None) -> Figure:
    """Two panels: histogram and CDF of ``w`` with each method's ``k`` initial centroids."""
    x = np.sort(np.asarray(w, dtype=np.float64).ravel())
    fig, (ax_h, ax_c) = plt.subplots(1, 2, figsize=(11, 3.6))
    ax_h.hist(x, bins=bins, color="0.7")
    cdf = np.arange(1, x.size + 1) / x.size
    ax_c.plot(x, cdf, color="0.3", lw=1.2, label="CDF")
    top = ax_h.get_ylim()[1]
    for i, method in enumerate(methods):
        c = init_centroids(x, k, method, seed=seed)
        color, marker = INIT_STYLES.get(method, ("k", "x"))
        ax_h.scatter(c, np.full(k, top * (0.95 - 0.08 * i)), color=color, marker=marker,
                     label=method, zorder=3)
        ax_c.scatter(c, np.searchsorted(x, c, side="right") / x.size, color=color, marker=marker,
                     label=method, zorder=3)
    ax_h.set_xlabel("weight value")
    ax_h.set_ylabel("count")
    ax_c.set_xlabel("weight value")
    ax_c.set_ylabel("cumulative fraction")
    ax_h.legend(fontsize=9)
    ax_c.legend(fontsize=9, loc="lower right")
    fig.suptitle(title or f"Centroid initialisation, k = {k}")
    fig.tight_layout()
    return fig


def plot_codebook(w: np.ndarray, codebook: np.ndarray, ax=None, *, bins: int = 100,
                  skip_zero: bool = True, title: str = "Shared weights on the histogram") -> Figure:
    """Histogram of the non-zero weights with a vertical line at every shared value."""
    fig, ax = _ax(ax)
    x = np.asarray(w).ravel()
    x = x[x != 0] if skip_zero else x
    ax.hist(x, bins=bins, color="0.7")
    cb = np.asarray(codebook, dtype=np.float64)
    for c in (cb[cb != 0] if skip_zero else cb):
        ax.axvline(c, color="tab:red", lw=1, alpha=0.8)
    ax.set_xlabel("weight value")
    ax.set_ylabel("count")
    ax.set_title(f"{title} ({np.count_nonzero(cb) if skip_zero else cb.size} centroids)")
    return fig


def plot_sse_history(runs: Mapping[str, object], optimum: float | None = None, ax=None, *,
                     title: str = "k-means never increases the SSE") -> Figure:
    """SSE per Lloyd iteration of each run (label -> result with ``.sse_history``).

    With ``optimum`` (e.g. from ``quantize.optimal_sse_1d``) the curves are divided by it, so
    1 is the best clustering there is, on a log axis labelled 1, 1.25, 2, 5, 10, ...

    Examples
    --------
    >>> from types import SimpleNamespace as R
    >>> fig = plot_sse_history({"linear": R(sse_history=[4.0, 2.2, 2.1])}, optimum=2.0)
    >>> fig.axes[0].lines[0].get_ydata().tolist(), fig.axes[0].get_ylabel()
    ([2.0, 1.1, 1.05], 'SSE / optimal SSE')
    """
    from matplotlib.ticker import FixedLocator, FormatStrFormatter, NullFormatter

    fig, ax = _ax(ax, (6.5, 3.2))
    scale = 1.0 if optimum is None else float(optimum)
    for name, run in runs.items():
        color, _ = INIT_STYLES.get(name, (None, "o"))
        ax.plot(np.asarray(run.sse_history, dtype=float) / scale, color=color, label=name)
    ax.set_xlabel("Lloyd iteration")
    ax.set_ylabel("SSE" if optimum is None else "SSE / optimal SSE")
    if optimum is not None:
        ax.axhline(1.0, color="0.4", ls="--", lw=1, label="optimum (DP)")
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(FixedLocator([1, 1.25, 2, 5, 10, 20, 50, 100]))
        ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))
        ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_title(title)
    ax.legend(fontsize=9)
    return fig


def plot_bits_vs_error(bits: Sequence[int], series: Mapping[str, Sequence[float]], ax=None, *,
                       ylabel: str = "error", title: str = "Bits per weight vs error",
                       logy: bool = False, percent: bool = False,
                       baseline: float | None = None,
                       baseline_label: str = "float32 (no sharing)") -> Figure:
    """One line per series of a metric against bits per weight.

    ``percent=True`` plots rates (0.018) as percentages (1.8); ``baseline`` (same units as the
    series) draws a dashed reference line, e.g. the error of the unquantized network.

    Examples
    --------
    >>> fig = plot_bits_vs_error([1, 2], {"linear": [0.2, 0.03]}, percent=True, baseline=0.018,
    ...                          ylabel="test error (%)")
    >>> fig.axes[0].lines[0].get_ydata().round(1).tolist()
    [20.0, 3.0]
    """
    fig, ax = _ax(ax)
    scale = 100.0 if percent else 1.0
    for name, values in series.items():
        color, marker = INIT_STYLES.get(name, (None, "o"))
        ax.plot(bits, scale * np.asarray(values, dtype=float), marker=marker, color=color,
                label=name)
    if baseline is not None:
        ax.axhline(scale * baseline, color="0.4", ls="--", lw=1, label=baseline_label)
    ax.set_xlabel("bits per weight")
    ax.set_ylabel(ylabel)
    if logy:
        from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter

        ax.set_yscale("log")
        if percent:  # plain 1-2-5 labels read better than powers of ten for percentages
            ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
            ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))
            ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xticks(list(bits))
    ax.set_title(title)
    ax.legend(fontsize=9)
    return fig


def plot_code_lengths(code, ax=None, *, title: str = "Symbol frequency and code length") -> Figure:
    """Bars of each symbol's frequency (from the code's counts) with its code length on top.

    With more than 20 symbols only every 5th symbol is labelled on the x axis (so the labels
    never overlap); every bar still carries its code length.
    """
    fig, ax = _ax(ax, (8, 3.4))
    order = np.argsort(np.array(code.symbols), kind="stable")
    symbols = [code.symbols[i] for i in order]
    freq = code.counts[order] / code.counts.sum()
    bars = ax.bar(range(len(symbols)), freq, color="tab:blue")
    for bar, n in zip(bars, code.lengths[order]):
        ax.annotate(f"{n}", (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                    ha="center", va="bottom", fontsize=8 if len(symbols) > 20 else 9)
    step = 5 if len(symbols) > 20 else 1
    ticks = list(range(0, len(symbols), step))
    if ticks[-1] < len(symbols) - 1:  # always label the last symbol (often the padding entry / zmax)
        if len(symbols) - 1 - ticks[-1] < min(step, 3):
            ticks.pop()  # ... in place of a neighbour it would collide with
        ticks.append(len(symbols) - 1)
    ax.set_xticks(ticks, [str(symbols[i]) for i in ticks])
    ax.set_xlim(-0.7, len(symbols) - 0.3)
    ax.set_xlabel("symbol (number above the bar: code length in bits)")
    ax.set_ylabel("fraction of symbols")
    ax.set_title(title)
    return fig


def plot_pixel_map(counts: np.ndarray, ax=None, *, title: str = "Surviving connections per pixel",
                   n_outputs: int | None = None) -> Figure:
    """Image of how many connections of a first layer survive per input pixel [LWC Fig. 4].

    ``counts`` is the 2-D map of :func:`eie_lab.compression.experiments.connections_per_pixel`;
    ``n_outputs`` (the layer's outputs, the largest possible count) fixes the colour scale.

    Examples
    --------
    >>> fig = plot_pixel_map(np.arange(16).reshape(4, 4), n_outputs=300)
    >>> len(fig.axes)  # the image and its colour bar
    2
    """
    fig, ax = _ax(ax, (4.2, 3.6))
    counts = np.asarray(counts)
    im = ax.imshow(counts, cmap="viridis", vmin=0, vmax=n_outputs or max(int(counts.max()), 1))
    fig.colorbar(im, ax=ax, label="kept connections")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=10)
    return fig


def plot_stream_histograms(codes: np.ndarray, gaps: np.ndarray, *, weight_bits: int,
                           index_bits: int, title: str = "") -> Figure:
    """Histograms of a layer's two stored streams, as in [DC Fig. 5].

    Left: how often each weight code is used (code 0, the padding entries, included); right: how
    often each relative index (zeros before an entry) occurs. Both x axes span every value the
    fixed-width field can hold, so an unused code shows as a gap.

    Examples
    --------
    >>> fig = plot_stream_histograms(np.array([1, 2, 2, 3]), np.array([0, 0, 5, 31]),
    ...                              weight_bits=2, index_bits=5)
    >>> len(fig.axes)
    2
    """
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.2))
    for ax, values, bits, label in ((axes[0], codes, weight_bits, "weight code"),
                                    (axes[1], gaps, index_bits, "relative index (zeros before)")):
        counts = np.bincount(np.asarray(values, dtype=np.int64).ravel(), minlength=1 << bits)
        ax.bar(np.arange(counts.size), counts, width=1.0, color="tab:blue")
        ax.set_xlim(-0.5, counts.size - 0.5)
        ax.set_xlabel(f"{label} ({bits}-bit field)")
        ax.set_ylabel("count")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig
