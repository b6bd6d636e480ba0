"""The opt-in timing modes and options (issue 16, issue 14 batching, issue 15 broadcast width).

* ``timing="pipeline"``: the EIE authors' cycle simulator (rules in ``help(eie_lab.eie)``),
  checked on the hand-worked EIE Fig. 2/3 event list and against its recurrences, literally;
* ``broadcast_width`` 2 and 4, ``act_batching`` with small register files;
* the stepped trace equals the one derived in bulk from the schedule; the engines' exact
  agreement with every option drawn is in ``tests/test_eie_properties.py``.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from eie_lab.data.layers import benchmark_layer
from eie_lab.eie import EIEConfig, encode, simulate
from eie_lab.eie.engine import PIPELINE_DRAIN, pick_delays, ready_cycles
from eie_lab.eie.examples import fig2_layer
from eie_lab.eie.trace import BUSY, trace_from_schedule
from eie_lab.eie.units.lnzd import lnzd_scan
from eie_lab.errors import ConfigError
from tests.strategies_eie import cases

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- the hand-worked EIE Fig. 2/3 example (16 x 8 over 4 PEs, inputs a2, a4, a5, a7) ---------

def test_fig2_pipeline_event_list_by_hand():
    """Rule 1: row 0 loaded in cycle 0, a2 offered in cycle 1; a4 lies in row 1 and a2 was not in
    the final slot, so leaving row 0 costs a cycle: 1 + 1 + 1 = 3; a5 and a7 follow at 4 and 5.
    Rule 3: PE 0 has 2 entries in each of its columns (2, 4, 5, 7): it starts a2 at 1 + 2 = 3
    and then back to back, at 5, 7 and 9, finishing at 11; rule 4: + 5 drain = 16 cycles."""
    layer, W, a = fig2_layer(timing="pipeline")
    for engine in ("fast", "cycle"):
        res = simulate(layer, a, engine=engine)
        assert res.b.tolist() == [1, 3, 4, 5]
        assert res.s[0].tolist() == [3, 5, 7, 9] and res.f[0].tolist() == [5, 7, 9, 11]
        assert res.cycles == 11 + PIPELINE_DRAIN == 16
        assert res.broadcast_stalls == 0
        assert np.allclose(res.y, W @ a)
    events = simulate(layer, a, engine="cycle").trace.events()
    pe0 = [(c, e) for c, e in events if e.startswith("PE0") or not e.startswith("PE")]
    assert pe0 == [
        (1, "broadcast j=2"), (2, "PE0 pointers j=2"), (3, "PE0 start j=2"),
        (3, "broadcast j=4"), (4, "broadcast j=5"), (4, "PE0 pointers j=4"),
        (5, "PE0 done j=2"), (5, "PE0 start j=4"), (5, "broadcast j=7"),
        (6, "PE0 pointers j=5"), (7, "PE0 done j=4"), (7, "PE0 start j=5"),
        (8, "PE0 pointers j=7"), (9, "PE0 done j=5"), (9, "PE0 start j=7"),
        (11, "PE0 done j=7"), (11, "drain: SpMat read"), (12, "drain: codebook decode"),
        (13, "drain: multiply"), (14, "drain: add"), (15, "drain: write-back")]
    # the same layer under the timing contract: 9 cycles
    contract, _, _ = fig2_layer()
    assert simulate(contract, a).cycles == 9


def test_fig2_mac_utilization_by_hand():
    """21 stored entries, all real weights (no padding at 4 local rows per PE): 21 real MACs.
    Contract: 21 / (4 PEs x 9 cycles) = 0.5833; pipeline: 21 / (4 x 16) = 0.328."""
    for timing, cycles in (("contract", 9), ("pipeline", 16)):
        layer, W, a = fig2_layer(timing=timing)
        for engine in ("fast", "cycle"):
            res = simulate(layer, a, engine=engine)
            assert res.counts.real_macs == 21 == np.count_nonzero(W[:, a != 0])
            assert res.cycles == cycles
            assert res.mac_utilization == pytest.approx(21 / (4 * cycles))
            assert res.summary()["mac_utilization"] == res.mac_utilization
            # load efficiency counts the same busy cycles; no padding, no empty column here
            assert res.load_efficiency == pytest.approx(res.busy.sum() / (4 * cycles))


def test_mac_utilization_excludes_padding_and_empty_columns():
    W = np.zeros((40, 3))
    W[39, 0] = 1.0  # one weight 39 rows down: padding entries in front of it at index_bits=2
    layer = encode(W, EIEConfig(n_pe=1, index_bits=2), codebook=np.arange(16.0))
    res = simulate(layer, np.ones(3))
    assert res.counts.padding_entries > 0
    assert res.mac_utilization == pytest.approx(1 / res.cycles)
    assert res.mac_utilization < res.load_efficiency


def test_pipeline_needs_a_ring_of_two():
    with pytest.raises(ConfigError, match="fifo_depth=1 is invalid"):
        EIEConfig(timing="pipeline", fifo_depth=1)
    with pytest.raises(ConfigError, match="timing='cycle' is invalid"):
        EIEConfig(timing="cycle")
    with pytest.raises(ConfigError, match="broadcast_width=3 is invalid"):
        EIEConfig(broadcast_width=3)
    with pytest.raises(ConfigError, match="act_batching=1 is invalid"):
        EIEConfig(act_batching=1)


def test_pipeline_row_rule_examples():
    """Empty rows cost one cycle each; a pick in the final slot leaves its row for free."""
    a = np.zeros(16)
    a[[3, 13]] = 1.0  # rows 0 and 3 of 4 PEs; a3 sits in the final slot
    layer = encode(np.eye(16), EIEConfig(n_pe=4, timing="pipeline"), codebook=np.arange(16.0))
    res = simulate(layer, a)
    assert res.b.tolist() == [1, 1 + 1 + 3 - 1]
    a[3], a[2] = 0.0, 1.0  # a2 is not in the final slot: one more cycle to leave row 0
    assert simulate(layer, a).b.tolist() == [1, 1 + 1 + 3]


# --- both engines, every option ------------------------------------------------------------

@SETTINGS
@given(cases(options=True))
def test_recurrences_hold_literally(case):
    """b, s, f, stalls and cycles satisfy the rules of help(eie_lab.eie) for the drawn options."""
    cfg = case.config
    res = simulate(case.layer, case.a)
    K = res.n_items
    if K == 0:
        assert res.cycles == 0 and res.mac_utilization == 0.0
        return
    scan = lnzd_scan(case.a, cfg.n_pe)
    d = pick_delays(scan.order, scan.row, scan.pos, cfg)
    B, L = cfg.broadcast_width, cfg.broadcast_latency
    w = np.maximum(case.layer.e[:, res.columns], cfg.min_column_cycles)
    pipeline = cfg.timing == "pipeline"
    lag, hold = (cfg.fifo_depth - 1, res.s) if pipeline else (cfg.fifo_depth, res.f)
    b, s, f = res.b, res.s, res.f
    E = ready_cycles(b, d, B)
    for t in range(K):
        expect_E = d[t] + (b[t - 1] if t else 0)
        if t >= B:
            expect_E = max(expect_E, b[t - B] + 1)
        assert E[t] == expect_E
        wait = hold[:, t - lag].max() if t >= lag else E[t]
        assert b[t] == max(E[t], wait)
        prev = f[:, t - 1] if t else np.zeros(cfg.n_pe, dtype=np.int64)
        assert np.array_equal(s[:, t], np.maximum(b[t] + L + (1 if pipeline else 0), prev))
    assert np.array_equal(f, s + w)
    assert res.broadcast_stalls == int((b - E).sum())
    if pipeline:
        assert res.cycles == f[:, -1].max() + PIPELINE_DRAIN
    else:
        assert res.cycles == max(f[:, -1].max(), b[-1] + L)
    assert 0 <= res.mac_utilization <= res.load_efficiency <= 1
    # each PE spends >= c cycles on every item, whatever the broadcast width
    assert res.cycles >= cfg.min_column_cycles * K
    # at most B broadcasts per cycle
    assert np.bincount(b).max() <= B


@SETTINGS
@given(cases(options=True))
def test_stepped_trace_equals_bulk_trace(case):
    cfg = case.config
    res = simulate(case.layer, case.a, engine="cycle")
    scan = lnzd_scan(case.a, cfg.n_pe)
    ready = ready_cycles(res.b, pick_delays(scan.order, scan.row, scan.pos, cfg),
                         cfg.broadcast_width)
    cols = res.columns
    bulk = trace_from_schedule(res.b, res.s, res.f, cols, case.layer.e[:, cols], case.a,
                               cfg.fifo_depth, cfg.broadcast_latency, res.cycles,
                               timing=cfg.timing, ready=ready, width=cfg.broadcast_width)
    for name in ("queue_len", "state", "column", "entries_left", "broadcast", "broadcasts",
                 "stall_pe", "pointer_read"):
        assert np.array_equal(getattr(bulk, name), getattr(res.trace, name)), name
    assert bulk.stall_reason == res.trace.stall_reason
    assert bulk.drain_cycles == res.trace.drain_cycles
    assert (res.trace.state == BUSY).sum() == res.busy.sum()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(options=True))
def test_wider_broadcast_never_slower_and_batching_never_faster(case):
    """Every rule is a max of non-decreasing terms, so relaxing a lower bound (a wider bus)
    cannot delay anything and adding reload cycles cannot speed anything up."""
    cfg = case.config
    res = simulate(case.layer, case.a)
    wide = simulate(case.layer, case.a, config=cfg.replace(broadcast_width=4))
    assert wide.cycles <= res.cycles
    no_batch = simulate(case.layer, case.a, config=cfg.replace(act_batching=False))
    assert no_batch.cycles <= res.cycles
    assert res.cycles >= -(-res.n_items // cfg.broadcast_width)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(timing="pipeline"))
def test_pipeline_never_faster_than_the_contract(case):
    """Same queue, two more cycles per broadcast, one slot fewer, a drain: never fewer cycles."""
    pipe = simulate(case.layer, case.a)
    contract = simulate(case.layer, case.a, config=case.config.replace(timing="contract"))
    assert pipe.cycles >= contract.cycles
    assert pipe.counts == contract.counts and np.array_equal(pipe.y, contract.y)


def test_defaults_are_the_contract():
    cfg = EIEConfig()
    assert (cfg.timing, cfg.broadcast_width, cfg.act_batching) == ("contract", 1, False)


def test_batching_costs_on_vgg6():
    """VGG-6's 25,088 inputs need 7 batches of 4,096 in 64 PEs' registers: 6 reloads of 64
    cycles hold the broadcast back; the PEs' queued work hides part of it."""
    bl = benchmark_layer("VGG-6")
    layer = encode(bl, EIEConfig())
    base = simulate(layer, bl.a)
    batched = simulate(layer, bl.a, config=layer.config.replace(act_batching=True))
    assert base.counts.act_batches == batched.counts.act_batches == 7
    extra = batched.cycles - base.cycles
    assert 0 < extra <= 6 * 64
    assert batched.counts == base.counts and np.array_equal(batched.y, base.y)
