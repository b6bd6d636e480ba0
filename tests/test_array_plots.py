"""Static figures of the PE array (eie_lab.viz.array_plots)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from eie_lab.data.layers import fig2_example
from eie_lab.eie import EIEConfig, encode, simulate
from eie_lab.errors import ConfigError
from eie_lab.viz.array_plots import busy_bars, pe_time_split, queue_heatmap, state_timeline


@pytest.fixture(scope="module")
def runs():
    rng = np.random.default_rng(1)
    W = np.where(rng.random((48, 30)) < 0.3, 1.0 + rng.integers(0, 14, (48, 30)), 0.0)
    a = np.where(rng.random(30) < 0.7, 1.0, 0.0)
    cfg = EIEConfig(n_pe=12, fifo_depth=2)
    layer = encode(W, cfg, codebook=np.arange(16.0), codes=W.astype(int))
    return simulate(layer, a, cfg, engine="cycle"), simulate(layer, a, cfg, engine="fast")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_time_split_from_schedule_equals_trace(runs):
    cyc, fast = runs
    from_trace, from_fast = pe_time_split(cyc.trace), pe_time_split(fast)
    for key in ("busy", "starved", "idle"):
        assert from_trace[key].tolist() == from_fast[key].tolist(), key
    total = from_fast["busy"] + from_fast["starved"] + from_fast["idle"]
    assert total.tolist() == [fast.cycles] * 12
    assert from_fast["busy"].tolist() == fast.busy.tolist()
    assert min(from_fast["idle"]) == 0  # the slowest PE finishes last


def test_busy_bars_heights(runs):
    _, fast = runs
    fig = busy_bars(fast)
    ax = fig.axes[0]
    heights = np.array([p.get_height() for p in ax.patches]).reshape(3, 12)
    split = pe_time_split(fast)
    assert heights[0].tolist() == split["busy"].tolist()
    assert heights.sum(axis=0).tolist() == [fast.cycles] * 12
    assert f"{100 * fast.load_efficiency:.1f}%" in ax.get_title()
    fig2, ax2 = plt.subplots()
    assert busy_bars(fast, ax=ax2, title="mine") is fig2 and ax2.get_title() == "mine"


def test_queue_heatmap_and_state_timeline(runs):
    cyc, _ = runs
    tr = cyc.trace
    fig = queue_heatmap(tr)
    img = fig.axes[0].images[0].get_array()
    assert img.shape == (12, tr.n_cycles) and np.array_equal(img, tr.queue_len.T)
    assert fig.axes[0].images[0].get_clim() == (0, 2)
    part = queue_heatmap(tr, max_cycles=5).axes[0].images[0].get_array()
    assert part.shape == (12, 5)
    st = state_timeline(tr, max_cycles=7).axes[0].images[0].get_array()
    assert np.array_equal(st, tr.state[:7].T)


def test_fig2_stalls_marked():
    W, a = fig2_example()
    cfg = EIEConfig(n_pe=4, fifo_depth=1)
    tr = simulate(encode(W, cfg, codebook=np.arange(16.0), codes=W.astype(int)), a, cfg,
                  engine="cycle").trace
    ax = queue_heatmap(tr).axes[0]
    marks = ax.lines[0].get_xdata()
    assert list(marks) == [c for c in range(tr.n_cycles) if tr.stall_reason[c]]


def test_bad_input():
    with pytest.raises(ConfigError, match="must be a SimResult or a Trace"):
        busy_bars(np.zeros(4))


def test_busy_bars_axis_starts_below_the_least_busy_pe():
    from eie_lab.data.layers import benchmark_layer
    from eie_lab.eie import EIEConfig, encode, simulate

    bl = benchmark_layer("NT-LSTM", seed=0)
    res = simulate(encode(bl, EIEConfig(n_pe=16)), bl.a)
    ax = busy_bars(res).axes[0]
    low, high = ax.get_ylim()
    assert 0 < low < res.busy.min() and high > res.cycles
    assert f"axis from {low:,.0f}" in ax.get_ylabel()
    ax0 = busy_bars(res, from_zero=True).axes[0]
    assert ax0.get_ylim()[0] == 0 and ax0.get_ylabel() == "cycles"
    plt.close("all")


@pytest.mark.parametrize(("low", "high"), [(0, 10), (1, 10), (9, 10), (999, 1000), (5400, 6000)])
def test_axis_floor_stays_below_the_lowest_bar(low, high):
    from eie_lab.viz.array_plots import axis_floor

    f = axis_floor(low, high)
    assert 0 <= f <= low and (f == 0 or f < low)
