"""Both engines on hand-worked cases: the Fig. 2/3 example step by step, traces, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from eie_lab.data.layers import fig2_example
from eie_lab.eie import BUSY, IDLE, STARVED, EIEConfig, encode, schedule, simulate
from eie_lab.eie.trace import trace_from_schedule
from eie_lab.errors import ConfigError, EncodingError

CB16 = np.arange(16.0)


def fig2(**kw):
    W, a = fig2_example()
    return encode(W, EIEConfig(n_pe=4, **kw), codebook=CB16, codes=W.astype(int)), W, a


def starts(c, j):
    return [(c, f"PE{k} start j={j}") for k in range(4)]


def test_fig2_event_list_fifo_depth_1():
    """Worked by hand. Items j = 2, 4, 5, 7; work per PE (entries, at least 1 cycle):
    PE0 [2,2,2,2], PE1 [1,1,2,1] (column 2 empty -> 1 cycle), PE2 [2,1,1,1], PE3 [1,1,1,1].
    With D = 1 a new broadcast waits until every PE has finished the previous item, and PE0
    (lowest number) is blamed for each wait."""
    layer, W, a = fig2(fifo_depth=1)
    res = simulate(layer, a, engine="cycle")
    stall = "stall: PE 0 queue full"
    expected = [
        (0, "broadcast j=2"),
        (1, stall), *starts(1, 2),
        (2, "PE1 done j=2"), (2, "PE3 done j=2"), (2, stall),
        (3, "PE0 done j=2"), (3, "PE2 done j=2"), (3, "broadcast j=4"),
        (4, stall), *starts(4, 4),
        (5, "PE1 done j=4"), (5, "PE2 done j=4"), (5, "PE3 done j=4"), (5, stall),
        (6, "PE0 done j=4"), (6, "broadcast j=5"),
        (7, stall), *starts(7, 5),
        (8, "PE2 done j=5"), (8, "PE3 done j=5"), (8, stall),
        (9, "PE0 done j=5"), (9, "PE1 done j=5"), (9, "broadcast j=7"),
        *starts(10, 7),
        (11, "PE1 done j=7"), (11, "PE2 done j=7"), (11, "PE3 done j=7"),
        (12, "PE0 done j=7"),
    ]
    assert res.trace.events() == expected
    assert res.cycles == 12 and res.broadcast_stalls == 6
    assert res.busy.tolist() == [8, 5, 5, 4]
    assert res.load_efficiency == pytest.approx(22 / 48)
    assert res.b.tolist() == [0, 3, 6, 9]
    assert np.allclose(res.y, W @ a)


def test_fig2_default_depth_agrees_between_engines():
    layer, W, a = fig2()
    fast, cyc = simulate(layer, a), simulate(layer, a, engine="cycle")
    assert (fast.cycles, cyc.cycles) == (9, 9)
    assert fast.counts == cyc.counts
    assert fast.counts.macs == 21 and fast.counts.broadcasts == 4 and fast.counts.padding_entries == 0
    for name in ("b", "s", "f", "busy", "y"):
        assert np.array_equal(getattr(fast, name), getattr(cyc, name)), name
    assert fast.trace is None and cyc.trace is not None


def test_trace_conventions():
    layer, W, a = fig2(fifo_depth=2)
    res = simulate(layer, a, engine="cycle")
    tr = res.trace
    assert tr.queue_len.shape == tr.state.shape == (res.cycles, 4)
    for c in range(tr.n_cycles):
        for k in range(4):
            items = [t for t in range(res.n_items) if res.b[t] <= c < res.f[k, t]]
            assert tr.queue_items(c, k) == [int(res.columns[t]) for t in items]
            assert tr.queue_len[c, k] == len(items)
            working = [t for t in items if res.s[k, t] <= c]
            if working:
                assert tr.state[c, k] == BUSY and tr.column[c, k] == res.columns[working[0]]
            elif res.f[k, -1] > c:
                assert tr.state[c, k] == STARVED and tr.column[c, k] == -1
            else:
                assert tr.state[c, k] == IDLE
    assert tr.queue_len.max() <= 2
    assert tr.state_counts()["busy"].tolist() == res.busy.tolist()
    assert tr.queue_items(-1, 0) == [] and tr.queue_items(0, 9) == []
    # PE0 works on column 2 (2 entries) in cycles 1-2: entries left 2, then 1
    assert tr.entries_left[1:3, 0].tolist() == [2, 1]


def test_stepped_trace_equals_bulk_trace():
    rng = np.random.default_rng(3)
    W = np.where(rng.random((60, 40)) < 0.15, rng.integers(1, 16, (60, 40)), 0)
    a = np.where(rng.random(40) < 0.5, 1.0, 0.0)
    layer = encode(W.astype(float), EIEConfig(n_pe=5, fifo_depth=2, broadcast_latency=2),
                   codebook=CB16, codes=W)
    res = simulate(layer, a, engine="cycle")
    cols = res.columns
    bulk = trace_from_schedule(res.b, res.s, res.f, cols, layer.e[:, cols], a, 2, 2, res.cycles)
    for name in ("queue_len", "state", "column", "entries_left", "broadcast", "stall_pe"):
        assert np.array_equal(getattr(bulk, name), getattr(res.trace, name)), name
    assert bulk.stall_reason == res.trace.stall_reason


def test_schedule_small_case_by_hand():
    b, s, f = schedule(np.array([[3, 1, 1], [1, 1, 1]]), fifo_depth=1, latency=1)
    assert b.tolist() == [0, 4, 6]
    assert s.tolist() == [[1, 5, 7], [1, 5, 7]] and f.tolist() == [[4, 6, 8], [2, 6, 8]]
    b, s, f = schedule(np.zeros((3, 0), dtype=int), 4, 1)
    assert b.size == 0 and s.shape == f.shape == (3, 0)


def test_no_nonzero_activation_means_zero_cycles():
    layer, W, _ = fig2()
    for engine in ("fast", "cycle"):
        res = simulate(layer, np.zeros(8), engine=engine)
        assert res.cycles == 0 and res.time_us == 0 and res.load_efficiency == 0.0
        assert not res.y.any() and res.counts.macs == 0 and res.counts.spmat_reads == 0
        # only the LNZD scan of the 8 (zero) input activations costs energy
        assert res.energy.total_j == pytest.approx(8 * 0.70125e-12)


def test_relu_and_time():
    layer, W, a = fig2()
    neg = -a
    res = simulate(layer, neg, relu=True)
    assert np.array_equal(res.y, np.maximum(W @ neg, 0)) and not (res.y < 0).any()
    assert res.time_us == pytest.approx(res.cycles / 800)


def test_fixed16_within_documented_bound():
    rng = np.random.default_rng(0)
    W = np.where(rng.random((50, 30)) < 0.3, rng.normal(size=(50, 30)), 0.0)
    layer = encode(W, EIEConfig(n_pe=4, arithmetic="fixed16"))
    a = np.maximum(rng.normal(size=30), 0)
    res = simulate(layer, a)
    exact = layer.decode() @ a
    assert res.saturations == 0
    assert np.all(np.abs(res.y - exact) <= res.y_error_bound)
    assert np.all(res.y * 256 == np.round(res.y * 256))  # on the 8-fraction-bit grid
    assert simulate(layer, a, config=layer.config.replace(arithmetic="float")).y_error_bound is None


def test_fixed16_reports_saturation():
    W = np.array([[1.0, 2.0]])
    layer = encode(W, EIEConfig(n_pe=1, arithmetic="fixed16"), codebook=np.arange(16.0))
    ok = simulate(layer, np.array([1.0, 2.0]))
    assert ok.saturations == 0 and ok.y.tolist() == [5.0]
    big = simulate(layer, np.array([200.0, 0.0]))  # 200 > 127.996, the 8.8 format's maximum
    assert big.saturations > 0


def test_timing_config_may_differ_encoding_config_may_not():
    layer, W, a = fig2()
    deeper = simulate(layer, a, config=layer.config.replace(fifo_depth=1))
    assert deeper.cycles == 12
    with pytest.raises(ConfigError, match="re-encode"):
        simulate(layer, a, config=layer.config.replace(n_pe=2))
    with pytest.raises(ConfigError, match="engine"):
        simulate(layer, a, engine="turbo")
    with pytest.raises(ConfigError, match="EIEConfig"):
        simulate(layer, a, config="fast")


@pytest.mark.parametrize("a, match", [
    (np.ones(7), "must be \\(8,\\)"),
    (np.ones((8, 1)), "must be \\(8,\\)"),
    (np.array([1.0] * 7 + [np.nan]), "finite"),
])
def test_bad_activations(a, match):
    layer, _, _ = fig2()
    with pytest.raises(EncodingError, match=match):
        simulate(layer, a)


def test_dense_matrix_instead_of_layer():
    W, a = fig2_example()
    with pytest.raises(EncodingError, match="encode the matrix first"):
        simulate(W, a)


def test_cli_simulate(capsys):
    from eie_lab.cli import main

    assert main(["simulate", "NT-LSTM", "--n-pe", "16", "--fifo-depth", "4"]) == 0
    out = capsys.readouterr().out
    assert "16 PEs, FIFO depth 4" in out and "NT-LSTM" in out and "load eff" in out
    assert main(["simulate", "NT-We", "--engine", "cycle", "--json"]) == 0
    import json

    row = json.loads(capsys.readouterr().out)[0]
    assert row["layer"] == "NT-We" and row["cycles"] > 0 and 0 < row["load_efficiency"] <= 1
    assert main(["simulate", "Alex-9"]) == 2
    assert "must be one of" in capsys.readouterr().err
    try:  # argparse rejects the value itself (exit status 2)
        code = main(["simulate", "NT-We", "--fifo-depth", "0"])
    except SystemExit as exc:
        code = exc.code
    assert code == 2
