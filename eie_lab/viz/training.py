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
    from matplotlib.ticker import FormatStrFormatter

    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))
    ax.yaxis.set_minor_formatter(FormatStrFormatter("%g"))
    ax.tick_params(axis="y", which="minor", labelsize=7)


def _ax(ax, figsize=(6, 3.5)):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_stage_errors(stages: Sequence[Mapping], ax=None, paper: float | None = None):
    """Bar chart of the test error (%) after each pipeline stage.

    ``stages`` are dicts with ``"stage"`` and ``"error"`` (a rate). ``paper`` draws a reference
    line (e.g. DC's 1.58% [DC Table 1]).
    """
    ax = _ax(ax, (7, 3.5))
    names = [s["stage"] for s in stages]
    errs = [100 * float(s["error"]) for s in stages]
    bars = ax.bar(range(len(errs)), errs, color=["#4c72b0"] + ["#dd8452"] * (len(errs) - 1))
    for b, e in zip(bars, errs):
        ax.text(b.get_x() + b.get_width() / 2, e, f"{e:.2f}%", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(range(len(errs)), names, rotation=20, ha="right", fontsize=8)
    ax.set_ylabel("test error (%)")
    if paper is not None:
        ax.axhline(100 * paper, color="gray", ls="--", lw=1, label=f"paper {100 * paper:.2f}%")
        ax.legend(fontsize=8)
    ax.set_title("Test error through the Deep Compression stages")
    return ax


def plot_weight_histograms(weights: Mapping[str, np.ndarray], ax=None, bins: int = 121,
                           nonzero_only: bool = True, log: bool = False):
    """Overlaid histograms of several versions of one layer's weights (label -> array).

    Pruned weights (exact zeros) are left out by default, which shows the bimodal shape that
    pruning leaves behind [DC Fig. 4 / LWC].
    """
    ax = _ax(ax)
    arrays = {k: np.ravel(np.asarray(v, np.float64)) for k, v in weights.items()}
    allv = np.concatenate([a[a != 0] if nonzero_only else a for a in arrays.values()])
    lim = float(np.abs(allv).max()) if allv.size else 1.0
    edges = np.linspace(-lim, lim, bins + 1)
    for label, a in arrays.items():
        a = a[a != 0] if nonzero_only else a
        ax.hist(a, bins=edges, histtype="stepfilled", alpha=0.45, label=f"{label} ({a.size:,})",
                log=log)
    ax.set_xlabel("weight value" + (" (non-zero only)" if nonzero_only else ""))
    ax.set_ylabel("count")
    ax.legend(fontsize=8)
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
        ax.text(i, tot, f"{tot:.1f} KiB", ha="center", va="bottom", fontsize=8)
    ax.set_ylabel("KiB stored (P+Q+H)")
    ax.set_title(f"Storage breakdown: {report.total['bytes_pqh'] / 1024:.1f} KiB in all, "
                 f"{report.total['ratio_pqh']:.1f}x smaller")
    ax.legend(fontsize=8)
    return ax


def plot_error_vs_sparsity(sparsity: Sequence[float], curves: Mapping[str, Sequence[float]],
                           ax=None, baseline: float | None = None):
    """Test error (%) against the fraction of weights pruned, one line per label in ``curves``."""
    ax = _ax(ax)
    x = 100 * np.asarray(sparsity, float)
    for label, errs in curves.items():
        ax.plot(x, 100 * np.asarray(errs, float), "o-", label=label)
    if baseline is not None:
        ax.axhline(100 * baseline, color="gray", ls="--", lw=1, label="unpruned")
    ax.set_xlabel("weights pruned (%)")
    ax.set_ylabel("test error (%)")
    _log_y(ax)
    ax.legend(fontsize=8)
    return ax


def plot_sensitivity(result, ax=None, as_error: bool = True):
    """Per-layer sensitivity (a ``prune.SensitivityResult`` whose metric is accuracy or error)."""
    ax = _ax(ax)
    x = 100 * np.asarray(result.sparsities, float)
    for name, m in result.metric.items():
        y = np.asarray(m, float)
        ax.plot(x, 100 * (1 - y) if as_error else y, "o-", label=name)
    ax.set_xlabel("weights of this layer pruned (%), no retraining")
    ax.set_ylabel("test error (%)" if as_error else "metric")
    _log_y(ax)
    ax.legend(fontsize=8)
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
    ax.legend(fontsize=8)
    return ax
