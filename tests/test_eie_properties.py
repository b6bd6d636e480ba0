"""Property tests (Hypothesis): the two engines agree exactly (under the timing contract, in the
pipeline timing and with every opt-in option), and the contract's invariants hold."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eie_lab.eie import simulate
from tests.strategies_eie import cases

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _agree(fast, cyc):
    assert fast.cycles == cyc.cycles
    assert fast.broadcast_stalls == cyc.broadcast_stalls
    assert fast.counts == cyc.counts
    for name in ("busy", "b", "s", "f", "y", "columns"):
        assert np.array_equal(getattr(fast, name), getattr(cyc, name)), name
    assert fast.load_efficiency == cyc.load_efficiency and fast.real_work == cyc.real_work
    assert fast.mac_utilization == cyc.mac_utilization
    assert fast.energy == cyc.energy and fast.saturations == cyc.saturations
    assert cyc.trace.n_cycles == cyc.cycles


@SETTINGS
@given(cases(), st.booleans())
def test_engines_agree_exactly(case, relu):
    _agree(simulate(case.layer, case.a, relu=relu),
           simulate(case.layer, case.a, engine="cycle", relu=relu))


@SETTINGS
@given(cases(timing="pipeline"), st.booleans())
def test_engines_agree_exactly_in_pipeline_mode(case, relu):
    """Random layers, shapes, n_pe, fifo_depth >= 2, index_bits, latency, minimum cycles."""
    _agree(simulate(case.layer, case.a, relu=relu),
           simulate(case.layer, case.a, engine="cycle", relu=relu))


@SETTINGS
@given(cases(options=True))
def test_engines_agree_exactly_with_every_option(case):
    """Either timing, broadcast width 1/2/4, activation batching with 1-4 registers per PE."""
    _agree(simulate(case.layer, case.a), simulate(case.layer, case.a, engine="cycle"))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(arithmetic="fixed16", options=True), st.booleans())
def test_engines_agree_exactly_in_fixed16(case, relu):
    """The cycle engine's arithmetic unit and activation registers reproduce the functional
    model's fixed-point output and saturation count exactly."""
    fast = simulate(case.layer, case.a, relu=relu)
    cyc = simulate(case.layer, case.a, engine="cycle", relu=relu)
    assert np.array_equal(fast.y, cyc.y)
    assert fast.saturations == cyc.saturations
    assert fast.cycles == cyc.cycles and fast.counts == cyc.counts


@SETTINGS
@given(cases())
def test_round_trip_and_functional_output(case):
    assert np.array_equal(case.layer.decode(), case.W_q)
    res = simulate(case.layer, case.a)
    np.testing.assert_allclose(res.y, case.W_q @ case.a, rtol=1e-12, atol=1e-12)
    zmax = case.config.zmax
    for k in range(case.config.n_pe):
        z, v = case.layer.z[k], case.layer.v[k]
        assert z.size == v.size == case.layer.p[k, -1]
        assert (z <= zmax).all() and (z >= 0).all()
        assert (z[v == 0] == zmax).all()  # every zero stored entry is padding (0, zmax)


@SETTINGS
@given(cases())
def test_invariants(case):
    res = simulate(case.layer, case.a)
    K = int(np.count_nonzero(case.a))
    if K == 0:
        assert res.cycles == 0 and res.load_efficiency == 0.0
        return
    assert res.cycles >= res.busy.max()
    assert res.cycles >= K  # at most one broadcast per cycle
    assert 0 < res.load_efficiency <= 1
    assert 0 < res.real_work <= 1
    cfg = case.config
    # the recurrence of the timing contract, checked literally
    w = np.maximum(case.layer.e[:, res.columns], cfg.min_column_cycles)
    assert np.array_equal(res.f, res.s + w)
    assert np.all(res.s[:, 0] == cfg.broadcast_latency)
    assert np.all(np.diff(res.b) >= 1)
    D = cfg.fifo_depth
    if K > D:
        assert np.all(res.b[D:] >= res.f[:, :-D].max(axis=0))
    assert res.busy.sum() == w.sum()
    assert res.counts.macs == case.layer.e[:, res.columns].sum()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(), st.integers(1, 5))
def test_cycles_non_increasing_in_fifo_depth(case, extra):
    cfg = case.config
    shallow = simulate(case.layer, case.a).cycles
    deeper = simulate(case.layer, case.a, config=cfg.replace(fifo_depth=cfg.fifo_depth + extra))
    assert deeper.cycles <= shallow
