"""Every EIE figure draws from plain (synthetic) numbers without a display."""

from __future__ import annotations

import math

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from eie_lab import paper_tables as T  # noqa: E402
from eie_lab.data.layers import fig2_example  # noqa: E402
from eie_lab.eie import EIEConfig, encode  # noqa: E402
from eie_lab.viz import eie_plots as P  # noqa: E402


def _texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_csc_by_pe_draws_fig3_arrays_of_pe0():
    W, a = fig2_example()
    layer = encode(W, EIEConfig(n_pe=4), codebook=np.arange(16.0), codes=W.astype(int))
    fig = P.plot_csc_by_pe(W, 4, layer.v[0], layer.z[0], layer.p[0], pe=0, a=a)
    texts = _texts(fig)
    # the paper's "virtual weight" row for PE0, in order [EIE Fig. 3]
    expected = ["W0,0", "W8,0", "W12,0", "W4,1", "W0,2", "W12,2", "W0,4", "W4,4", "W0,5",
                "W12,5", "W0,6", "W8,7", "W12,7"]
    assert [t for t in texts if t.startswith("W")] == expected
    assert texts.count("PE0") == 4 and "a2" in texts
    plt.close(fig)


def test_entry_rows_with_padding():
    rows, cols = P.entry_rows(np.array([2, 0, 15, 2]), np.array([0, 4]), pe=0, n_pe=1)
    assert rows.tolist() == [2, 3, 19, 22] and cols.tolist() == [0, 0, 0, 0]


def test_ratio_bars_are_log_and_skip_nan():
    fig = P.plot_ratio_bars(T.energy_efficiencies(), T.LAYER_NAMES, T.FIG7_LABELS, ylabel="x")
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    n_finite = sum(not math.isnan(v) for vals in T.energy_efficiencies().values() for v in vals)
    assert len(ax.patches) == n_finite
    assert "34,522" in _texts(fig)
    plt.close(fig)


def test_sweep_energy_sram_and_time_plots():
    figs = [
        P.plot_times(["A", "B"], {"sim": [1, 2], "paper": [1.5, 2.5]}),
        P.plot_fifo_sweep([1, 2, 4, 8], {"L": [0.5, 0.7, 0.85, 0.9]}),
        P.plot_pe_sweep([1, 4, 16], {"L": [1, 3.9, 15]}, {"L": [0.8, 0.85, 0.9]},
                        {"L": [1.0, 0.98, 0.9]}),
        P.plot_param_sweep([32, 64, 128], {"L": [3, 2, 1.5]}, "bits", "reads",
                           twin={"energy": [1.0, 0.9, 1.2]}, twin_label="nJ"),
        P.plot_energy_breakdown({"spmat": 5.0, "pointer": 2.0, "idle": 0.0},
                                paper=T.TABLE_II_PE_POWER_MW),
        P.plot_sram_budget(T.SRAM_PER_PE_KB, {"Alex-6": {"SpMat": 60, "Ptr": 18, "Act": 2}}),
    ]
    assert len(figs[2].axes) == 3 and len(figs[3].axes) == 2 and len(figs[4].axes) == 2
    assert figs[5].axes[-1].get_title() == "total (162 KB)"
    for fig in figs:
        fig.canvas.draw()
        plt.close(fig)


def test_pe_colors_are_distinct():
    for n in (4, 16, 64):
        colors = P.pe_colors(n)
        assert len(colors) == n and len(set(colors)) == n


def test_ratio_bars_mark_missing_values_once_per_layer():
    eff = T.energy_efficiencies()
    fig = P.plot_ratio_bars(eff, T.LAYER_NAMES, T.FIG7_LABELS)
    n_gaps = sum(any(math.isnan(vals[i]) for vals in eff.values()) for i in range(len(T.LAYER_NAMES)))
    assert n_gaps > 0 and _texts(fig).count("n/a") == n_gaps
    plt.close(fig)
    fig = P.plot_ratio_bars(eff, T.LAYER_NAMES, T.FIG7_LABELS, missing="")
    assert "n/a" not in _texts(fig)
    plt.close(fig)


def test_energy_breakdown_colours_a_component_alike_in_both_pies():
    fig = P.plot_energy_breakdown({"SpmatRead": 5.0, "PtrRead": 2.0}, paper=T.TABLE_II_PE_POWER_MW,
                                  paper_title="EIE Table II")
    names = [[t.get_text() for t in ax.texts if not t.get_text().endswith("%")] for ax in fig.axes]
    colour = [dict(zip(n, (w.get_facecolor() for w in ax.patches))) for n, ax in zip(names, fig.axes)]
    assert colour[0]["SpmatRead"] == colour[1]["SpmatRead"]
    assert colour[0]["PtrRead"] == colour[1]["PtrRead"]
    assert fig.axes[1].get_title() == "EIE Table II"
    plt.close(fig)


def test_sram_budget_title_cites_the_paper():
    fig = P.plot_sram_budget(T.SRAM_PER_PE_KB)
    assert "EIE" in fig._suptitle.get_text()
    assert P.plot_sram_budget(T.SRAM_PER_PE_KB, title="x")._suptitle.get_text().startswith("x")
    plt.close("all")


def test_sram_budget_judges_each_memory_against_its_own_capacity():
    from eie_lab.eie.sram_budget import SramUse

    vgg6 = SramUse({"SpMat": 98.6, "Ptr": 49.0, "Act": 0.8}, {"SpMat": 128, "Ptr": 32, "Act": 2},
                   pointer_overflow=True)
    fig = P.plot_sram_budget(T.SRAM_PER_PE_KB, {"VGG-6": vgg6, "Alex-7": {"SpMat": 28, "Ptr": 8}})
    over = {ax.get_title(): [t.get_text() for t in ax.texts] for ax in fig.axes}
    assert over == {"SpMat (128 KB)": [], "Ptr (32 KB)": ["over"], "Act (2 KB)": [],
                    "total (162 KB)": []}  # under 162 KB in total, yet the pointers do not fit
    ptr_bars = fig.axes[1].patches
    assert ptr_bars[0].get_height() == 49.0 and ptr_bars[0].get_facecolor() != ptr_bars[1].get_facecolor()
    plt.close(fig)


def test_ratio_bars_baseline_replaces_the_unit_bars():
    values = {k: v for k, v in T.speedups().items() if k != "CPU Dense"}
    fig = P.plot_ratio_bars(values, T.LAYER_NAMES, baseline="CPU Dense = 1")
    ax = fig.axes[0]
    assert len(ax.patches) == 6 * 9 and any(ln.get_label() == "CPU Dense = 1" for ln in ax.lines)
    plt.close(fig)


def test_ratio_bars_label_our_numbers_and_mark_the_papers():
    fig = P.plot_ratio_bars(T.speedups(), T.LAYER_NAMES, T.recomputed_labels("fig6"),
                            paper=T.FIG6_LABELS)
    texts = _texts(fig)
    for series, layer in T.FIG6_MISMATCHES:
        i = T.LAYER_NAMES.index(layer)
        ours, theirs = T.recomputed_labels("fig6")[series][i], T.FIG6_LABELS[series][i]
        assert f"{ours} (paper: {theirs})" in texts
    assert sum("(paper:" in t for t in texts) == len(T.FIG6_MISMATCHES)
    labels = [t for t in fig.axes[0].texts if "(paper:" in t.get_text()]
    # shown 848 px wide in JupyterLab at 1280 x 720 (measured in tests/test_browser.py)
    width_in = fig.get_size_inches()[0]
    assert all(t.get_fontsize() / 72 * 848 / width_in >= 12 for t in fig.axes[0].texts)
    assert all(t.get_color() != "black" for t in labels)
    plt.close(fig)
