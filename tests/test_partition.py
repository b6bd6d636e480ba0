"""Column-partitioned runs (eie_lab.eie.partition) against brute force and the row-partitioned engine."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eie_lab.eie import EIEConfig, encode, simulate
from eie_lab.eie.partition import column_partition_run
from eie_lab.errors import EieLabError


@st.composite
def layers(draw):
    m, n = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    W = np.where(rng.random((m, n)) < draw(st.floats(0.0, 1.0)), rng.integers(1, 9, (m, n)), 0)
    a = np.where(rng.random(n) < draw(st.floats(0.0, 1.0)), rng.random(n) + 0.1, 0.0)
    return W.astype(float), a, draw(st.integers(1, 6)), draw(st.integers(1, 3))


@settings(max_examples=60, deadline=None)
@given(layers())
def test_counts_match_a_brute_force_loop(case):
    W, a, n_pe, min_cyc = case
    run = column_partition_run(W, a, n_pe, min_column_cycles=min_cyc)
    busy = np.zeros(n_pe, dtype=int)
    holds = np.zeros((n_pe, W.shape[0]), dtype=bool)
    for j in np.flatnonzero(a):
        k = j % n_pe
        busy[k] += max(np.count_nonzero(W[:, j]), min_cyc)
        holds[k] |= W[:, j] != 0
    assert run.busy.tolist() == busy.tolist()
    assert run.real_macs == int(np.count_nonzero(W[:, a != 0]))
    assert run.partials.tolist() == holds.sum(axis=1).tolist()
    assert run.reduction_adds == holds.sum() - holds.any(axis=0).sum()
    assert run.cycles == (busy.max() if busy.size else 0)
    assert run.idle_pes == int(np.count_nonzero(busy == 0))


def test_one_pe_does_the_same_work_as_the_row_partitioned_engine():
    rng = np.random.default_rng(0)
    W = np.where(rng.random((30, 20)) < 0.3, 1.0, 0.0)
    a = np.where(rng.random(20) < 0.5, 1.0, 0.0)
    cfg = EIEConfig(n_pe=1, index_bits=8)  # wide z: no padding, so the work is the same
    res = simulate(encode(W, cfg, seed=0), a, cfg)
    run = column_partition_run(W, a, 1)
    assert run.cycles == res.cycles - 1  # the engine adds the broadcast latency (L = 1)
    assert run.real_macs == res.counts.real_macs and run.reduction_adds == 0


def test_inactive_columns_idle_their_pe():
    W = np.ones((4, 8))
    a = np.array([1.0, 0, 1, 0, 1, 0, 1, 0])  # PE 1 of 2 owns only zero activations
    run = column_partition_run(W, a, 2)
    assert run.busy.tolist() == [16, 0] and run.idle_pes == 1 and run.mac_utilization == 0.5


@pytest.mark.parametrize("kwargs", [{"n_pe": 0}, {"n_pe": 2.5}, {"n_pe": True},
                                    {"n_pe": 2, "min_column_cycles": 0}])
def test_bad_arguments_raise_clear_errors(kwargs):
    with pytest.raises(EieLabError, match="help:"):
        column_partition_run(np.ones((2, 2)), np.ones(2), **kwargs)


def test_bad_activations_raise_clear_errors():
    with pytest.raises(EieLabError):
        column_partition_run(np.ones((2, 3)), np.ones(2), 2)
