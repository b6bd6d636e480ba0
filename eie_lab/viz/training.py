"""Figures for training and Deep Compression: stage errors, weight histograms, storage, sparsity.

Every function draws into ``ax`` (a new figure when None) and returns the axes.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from eie_lab.viz.training import plot_stage_errors
>>> ax = plot_stage_errors([{"stage": "baseline", "error": 0.018},
...                         {"stage": "compressed", "error": 0.0175}])
>>> len(ax.patches)
2
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

__all__ = ["plot_stage_errors", "plot_weight_histograms", "plot_storage_breakdown",
           "plot_error_vs_sparsity", "plot_sensitivity", "plot_training"]


def _log_y(ax) -> None:
    """Log y axis labelled at 1-2-5 steps in plain numbers (1, 2, 5, 10, 20, ...), no minor labels."""
    from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter

    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.grid(axis="y", which="major", alpha=0.3)


def _ax(ax, figsize=(6, 3.5)):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_stage_errors(stages: Sequence[Mapping], ax=None, paper: float | None = None, *,
                      paper_label: str = "paper", zoom: bool = False):
    """Bar chart of the test error (%) after each pipeline stage.

    ``stages`` are dicts with ``"stage"`` and ``"error"`` (a rate). ``paper`` draws a reference
    line (e.g. DC's 1.58% [DC Table 1]); ``paper_label`` names its source in the legend.
    ``zoom=True`` starts the y axis just below the smallest bar (marked in the axis label), so
    differences of a few hundredths of a percentage point are visible; the stage
    "pruned, no retraining" is then left out when it is far above the others (its value is
    printed in the title instead).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> st = [{"stage": "baseline", "error": 0.0178}, {"stage": "pruned, no retraining", "error": 0.3},
    ...       {"stage": "fine-tuned", "error": 0.0180}]
    >>> ax = plot_stage_errors(st, zoom=True)
    >>> len(ax.patches), bool(ax.get_ylim()[0] > 1.0)
    (2, True)
    """
    ax = _ax(ax, (7, 3.5))
    stages = list(stages)
    dropped = ""
    if zoom:
        others = [float(s["error"]) for s in stages if s["stage"] != "pruned, no retraining"]
        for s in stages:
            if s["stage"] == "pruned, no retraining" and others and float(s["error"]) > 2 * max(others):
                dropped = f" (pruned, no retraining: {100 * float(s['error']):.2f}%, not drawn)"
        if dropped:
            stages = [s for s in stages if s["stage"] != "pruned, no retraining"]
    names = [s["stage"] for s in stages]
    errs = [100 * float(s["error"]) for s in stages]
    bars = ax.bar(range(len(errs)), errs, color=["#4c72b0"] + ["#dd8452"] * (len(errs) - 1))
    for b, e in zip(bars, errs):
        ax.text(b.get_x() + b.get_width() / 2, e, f"{e:.2f}%", ha="center", va="bottom", fontsize=9)
    ax.set_xticks(range(len(errs)), names, rotation=20, ha="right", fontsize=9)
    ax.set_ylabel("test error (%)")
    if paper is not None:
        ax.axhline(100 * paper, color="gray", ls="--", lw=1, label=f"{paper_label}: {100 * paper:.2f}%")
        ax.legend(fontsize=9)
    ax.set_title("Test error through the Deep Compression stages" + dropped,
                 fontsize=10 if dropped else None)
    if zoom:
        values = errs + ([100 * paper] if paper is not None else [])
        lo, hi = min(values), max(values)
        pad = max(0.05, 0.15 * (hi - lo))
        ax.set_ylim(max(0.0, lo - pad), hi + 2 * pad)  # room for the value labels on top
        ax.set_ylabel("test error (%) - axis does not start at 0")
    return ax


def plot_weight_histograms(weights: Mapping[str, np.ndarray], ax=None, bins: int = 121,
                           nonzero_only: bool = True, log: bool = False, *, spikes: bool = False):
    """Overlaid histograms of several versions of one layer's weights (label -> array).

    Pruned weights (exact zeros) are left out by default, which shows the bimodal shape that
    pruning leaves behind [DC Fig. 4 / LWC]. With ``spikes=True`` every distinct value is drawn
    as one vertical line as tall as its count: the right picture for shared (quantized) weights,
    which take only a few values.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_weight_histograms({"shared": np.array([0.0, -0.5, -0.5, 0.5])}, spikes=True)
    >>> ax.get_ylabel(), len(ax.collections)
    ('count', 1)
    """
    ax = _ax(ax)
    arrays = {k: np.ravel(np.asarray(v, np.float64)) for k, v in weights.items()}
    allv = np.concatenate([a[a != 0] if nonzero_only else a for a in arrays.values()])
    lim = float(np.abs(allv).max()) if allv.size else 1.0
    edges = np.linspace(-lim, lim, bins + 1)
    for i, (label, a) in enumerate(arrays.items()):
        a = a[a != 0] if nonzero_only else a
        if spikes:
            values, counts = np.unique(a, return_counts=True)
            ax.vlines(values, 0, counts, color=f"C{i}", lw=2,
                      label=f"{label} ({a.size:,}; {values.size} values)")
            if log:
                ax.set_yscale("log")
            elif counts.size:  # bars stand on zero; headroom for the legend
                ax.set_ylim(0, max(ax.get_ylim()[1], 1.2 * counts.max()))
        else:
            ax.hist(a, bins=edges, histtype="stepfilled", alpha=0.45,
                    label=f"{label} ({a.size:,})", log=log)
    ax.set_xlim(-1.05 * lim, 1.05 * lim)
    ax.set_xlabel("weight value" + (" (non-zero only)" if nonzero_only else ""))
    ax.set_ylabel("count")
    ax.legend(fontsize=9)
    return ax


def plot_storage_breakdown(report, ax=None):
    """Stacked bars: bytes of weights, indices, codebook, Huffman tables and biases per layer."""
    ax = _ax(ax)
    rows = list(report.rows)
    parts = [k for k in rows[0]["breakdown_bytes"] if k != "pointers" or any(
        r["breakdown_bytes"][k] for r in rows)]
    bottom = np.zeros(len(rows))
    for part in parts:
        vals = np.array([r["breakdown_bytes"][part] for r in rows]) / 1024
        ax.bar([r["layer"] for r in rows], vals, bottom=bottom, label=part)
        bottom += vals
    for i, tot in enumerate(bottom):
        ax.text(i, tot, f"{tot:.1f} KiB", ha="center", va="bottom", fontsize=9)
    ax.set_ylabel("KiB stored (P+Q+H)")
    ax.set_title(f"Storage breakdown: {report.total['bytes_pqh'] / 1024:.1f} KiB in all, "
                 f"{report.total['ratio_pqh']:.1f}x smaller")
    ax.legend(fontsize=9)
    return ax


def plot_error_vs_sparsity(sparsity: Sequence[float], curves: Mapping[str, Sequence[float]],
                           ax=None, baseline: float | None = None, *,
                           title: str = "Test error vs fraction of weights pruned"):
    """Test error (%) against the fraction of weights pruned, one line per label in ``curves``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_error_vs_sparsity([0.5, 0.9], {"no retraining": [0.02, 0.19]}, baseline=0.018)
    >>> ax.get_yscale(), ax.get_title()
    ('log', 'Test error vs fraction of weights pruned')
    """
    ax = _ax(ax)
    x = 100 * np.asarray(sparsity, float)
    for label, errs in curves.items():
        ax.plot(x, 100 * np.asarray(errs, float), "o-", label=label)
    if baseline is not None:
        ax.axhline(100 * baseline, color="gray", ls="--", lw=1, label="unpruned")
    ax.set_xlabel("weights pruned (%)")
    ax.set_ylabel("test error (%)")
    ax.set_title(title)
    _log_y(ax)
    ax.legend(fontsize=9)
    return ax


def plot_sensitivity(result, ax=None, as_error: bool = True, *, baseline: float | None = None):
    """Per-layer sensitivity (a ``prune.SensitivityResult`` whose metric is accuracy or error).

    ``baseline`` (an error rate) draws the unpruned network's error as a dashed line.
    """
    ax = _ax(ax)
    x = 100 * np.asarray(result.sparsities, float)
    for name, m in result.metric.items():
        y = np.asarray(m, float)
        ax.plot(x, 100 * (1 - y) if as_error else y, "o-", label=name)
    ax.set_xlabel("weights of this layer pruned (%), no retraining")
    if baseline is not None:
        ax.axhline(100 * baseline if as_error else baseline, color="gray", ls="--", lw=1,
                   label="unpruned")
    ax.set_ylabel("test error (%)" if as_error else "metric")
    if as_error:
        _log_y(ax)
    ax.legend(fontsize=9)
    ax.set_title("Sensitivity of each layer to pruning")
    return ax


def plot_training(history, ax=None):
    """Training loss and validation error per epoch of an ``nn.train.History``."""
    ax = _ax(ax)
    ep = np.arange(1, len(history.loss) + 1)
    ax.plot(ep, history.loss, "o-", label="train loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    if not np.all(np.isnan(history.val_error)):
        ax2 = ax.twinx()
        ax2.plot(ep, 100 * np.asarray(history.val_error), "s--", color="C1", label="test error")
        ax2.set_ylabel("test error (%)")
    ax.legend(fontsize=9)
    return ax
