"""Figures of eie_lab.viz.training and eie_lab.viz.compression: labels, scales, new options."""

from __future__ import annotations

import matplotlib.pyplot as plt  # conftest selects the Agg backend
import numpy as np
import pytest

from eie_lab.compression.huffman import HuffmanCode
from eie_lab.viz.compression import plot_bits_vs_error, plot_code_lengths
from eie_lab.viz.training import plot_error_vs_sparsity, plot_stage_errors, plot_weight_histograms


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _tick_labels(axis):
    return [t.get_text() for t in axis.get_majorticklabels() if t.get_text()]


def test_log_error_axis_has_plain_non_overlapping_labels():
    ax = plot_error_vs_sparsity([0.5, 0.9, 0.97], {"a": [0.019, 0.19, 0.74]}, baseline=0.0178)
    ax.figure.canvas.draw()
    labels = _tick_labels(ax.yaxis)
    assert {"2", "5", "10", "20", "50"} <= set(labels)
    assert not any("10^" in t or "$" in t for t in labels)
    assert all(not t.get_text() for t in ax.yaxis.get_minorticklabels())
    assert ax.get_title() and ax.get_xlabel() == "weights pruned (%)"


def test_stage_errors_cites_the_paper_line():
    ax = plot_stage_errors([{"stage": "baseline", "error": 0.018}], paper=0.0158,
                           paper_label="DC Table 1")
    assert ax.get_legend().get_texts()[0].get_text() == "DC Table 1: 1.58%"


def test_weight_histogram_spikes_one_line_per_value():
    w = np.array([0.0, -0.5, -0.5, 0.25, 0.25, 0.25])
    ax = plot_weight_histograms({"shared": w}, spikes=True)
    segs = ax.collections[0].get_segments()
    assert sorted((s[0][0], s[1][1]) for s in segs) == [(-0.5, 2.0), (0.25, 3.0)]
    assert ax.get_ylim()[0] == 0 and "2 values" in ax.get_legend().get_texts()[0].get_text()
    ax2 = plot_weight_histograms({"dense": w})  # default: a histogram, as before
    assert len(ax2.patches) == 1


def test_bits_vs_error_percent_and_baseline():
    fig = plot_bits_vs_error([1, 2, 3], {"linear": [0.2, 0.03, 0.02]}, percent=True, logy=True,
                             baseline=0.018, ylabel="test error (%)")
    ax = fig.axes[0]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [20, 3, 2])
    np.testing.assert_allclose(ax.lines[1].get_ydata(), [1.8, 1.8])
    assert ax.get_yscale() == "log"
    fig = plot_bits_vs_error([1, 2], {"x": [0.5, 0.25]})  # old call: values unchanged
    np.testing.assert_allclose(fig.axes[0].lines[0].get_ydata(), [0.5, 0.25])


def test_code_length_labels_do_not_crowd():
    code = HuffmanCode.from_counts([2**(32 - i) if i < 31 else 2**10 for i in range(32)])
    fig = plot_code_lengths(code)
    labels = _tick_labels(fig.axes[0].xaxis)
    assert labels == ["0", "5", "10", "15", "20", "25", "31"]
    assert len(fig.axes[0].patches) == 32 and len(fig.axes[0].texts) == 32
    small = plot_code_lengths(HuffmanCode.from_counts({"A": 7, "D": 3, "B": 1, "C": 1}))
    assert _tick_labels(small.axes[0].xaxis) == ["A", "B", "C", "D"]


def test_sse_history_relative_to_optimum():
    from types import SimpleNamespace

    from eie_lab.viz.compression import plot_sse_history

    runs = {"linear": SimpleNamespace(sse_history=np.array([6.0, 2.0, 1.1])),
            "random": SimpleNamespace(sse_history=np.array([12.0, 1.3]))}
    ax = plot_sse_history(runs, optimum=1.0).axes[0]
    ax.figure.canvas.draw()
    assert [line.get_label() for line in ax.lines] == ["linear", "random", "optimum (DP)"]
    assert ax.get_yscale() == "log" and "1.25" in _tick_labels(ax.yaxis)
    assert plot_sse_history(runs).axes[0].get_ylabel() == "SSE"
