"""The EIE hardware units (eie_lab.eie.units), each on small hand-worked cases.

The running example is EIE Fig. 2/3: W is 16 x 8 over 4 PEs, a = (0, 0, 0.5, 0, 1, 2, 0, 1.5).
PE 0 owns rows 0, 4, 8, 12; its pointers are p = 0 3 4 6 6 8 10 11 13, so column 2 is its
entries 4 and 5: (v, z) = (3, 0) for row 0 (W[0, 2] = 3) and (9, 2) for row 12 (two zero rows
skipped, W[12, 2] = 9).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eie_lab.eie import simulate
from eie_lab.eie.cycle import run_cycles
from eie_lab.eie.examples import fig2_layer
from eie_lab.eie.functional import functional_output
from eie_lab.eie.results import count_accesses
from eie_lab.eie.units import (
    ActivationQueue,
    ActivationRegisters,
    ArithmeticUnit,
    LeadingNonZeroDetector,
    PointerRead,
    SpmatRead,
    act_batches,
    batch_delays,
    input_batch,
    line_reads,
    lnzd_scan,
    lnzd_unit_count,
    pointer_reads,
    row_delays,
)
from eie_lab.errors import ConfigError

A_FIG2 = np.array([0, 0, 0.5, 0, 1.0, 2.0, 0, 1.5])


# ----------------------------------------------------------------------------- LNZD
def test_lnzd_delivers_fig2_inputs_in_ascending_order():
    det = LeadingNonZeroDetector(4)
    det.load(A_FIG2)
    assert [det.take() for _ in range(4)] == [2, 4, 5, 7]
    assert det.take() is None and det.peek() is None
    assert (det.rows_scanned, det.empty_rows, det.activations_read) == (2, 0, 8)
    scan = lnzd_scan(A_FIG2, 4)
    assert scan.order.tolist() == [2, 4, 5, 7]
    assert scan.row.tolist() == [0, 1, 1, 1] and scan.pos.tolist() == [2, 0, 1, 3]


def test_lnzd_peek_holds_the_pick_until_taken():
    det = LeadingNonZeroDetector(4)
    det.load(A_FIG2)
    assert det.peek() == det.peek() == 2  # a stalled broadcast keeps offering a_2
    assert det.take() == 2 and det.peek() == 4


def test_lnzd_group_structure():
    det = LeadingNonZeroDetector(64)
    assert det.levels == (16, 4, 1) and det.unit_count == 21 == lnzd_unit_count(64)
    assert det.covers(0, 9) == (36, 39) and det.covers(1, 2) == (32, 47) and det.covers(2, 0) == (0, 63)
    assert det.path(37) == [(2, 0), (1, 2), (0, 9)]
    assert LeadingNonZeroDetector(5).levels == (2, 1) and LeadingNonZeroDetector(5).covers(0, 1) == (4, 4)
    assert LeadingNonZeroDetector(1).levels == (1,)
    assert [lnzd_unit_count(n) for n in (1, 4, 5, 16, 64, 256)] == [1, 1, 3, 5, 21, 85]


def test_lnzd_node_offers_its_first_child_and_minus_one_for_an_all_zero_group():
    det = LeadingNonZeroDetector(16)
    pending = np.zeros(16, dtype=bool)
    pending[[6, 7, 13]] = True
    offers = det.reduce(pending)
    # groups of 4 PEs: 0-3 all zero, 4-7 offers its first non-zero (6), 8-11 zero, 12-15 -> 13
    assert [o.tolist() for o in offers] == [[-1, 6, -1, 13], [6]]
    nothing = det.reduce(np.zeros(16, dtype=bool))
    assert [o.tolist() for o in nothing] == [[-1, -1, -1, -1], [-1]]


def test_lnzd_skips_all_zero_rows_and_reports_them():
    a = np.zeros(20)
    a[[1, 17]] = 1.0  # rows of 4: row 0 has a_1, rows 1-3 are all zero, row 4 has a_17
    det = LeadingNonZeroDetector(4)
    det.load(a)
    assert det.take() == 1 and det.take() == 17 and det.take() is None
    assert (det.rows_scanned, det.empty_rows, det.activations_read) == (5, 3, 20)
    scan = lnzd_scan(a, 4)
    assert (scan.n_rows, scan.empty_rows, scan.activations_read) == (5, 3, 20)


def test_lnzd_all_zero_input():
    det = LeadingNonZeroDetector(4)
    det.load(np.zeros(10))
    assert det.take() is None
    assert (det.rows_scanned, det.empty_rows, det.activations_read) == (3, 3, 10)
    st_ = det.state(np.zeros(10), taken=0)
    assert st_.pick is None and st_.row == 3 and st_.path() == []


def test_lnzd_state_after_each_pick():
    det = LeadingNonZeroDetector(4)
    picks = [det.state(A_FIG2, t).pick for t in range(5)]
    assert picks == [2, 4, 5, 7, None]
    assert det.state(A_FIG2, 2).pending.tolist() == [False, True, False, True]
    with pytest.raises(ConfigError, match="taken=5"):
        det.state(A_FIG2, 5)


def test_lnzd_rejects_bad_sizes():
    with pytest.raises(ConfigError, match="n_pe=0"):
        LeadingNonZeroDetector(0)
    with pytest.raises(ConfigError, match="fan_in=1"):
        LeadingNonZeroDetector(4, fan_in=1)
    with pytest.raises(ConfigError, match="pe=4"):
        LeadingNonZeroDetector(4).path(4)


@settings(max_examples=60, deadline=None)
@given(n_pe=st.integers(1, 70), n=st.integers(1, 200), density=st.sampled_from([0.0, 0.02, 0.3, 1.0]),
       seed=st.integers(0, 2**16))
def test_lnzd_stepping_equals_the_bulk_scan(n_pe, n, density, seed):
    rng = np.random.default_rng(seed)
    a = np.where(rng.random(n) < density, rng.random(n) + 0.1, 0.0)
    det = LeadingNonZeroDetector(n_pe)
    det.load(a)
    stepped = []
    while (j := det.take()) is not None:
        stepped.append(j)
    scan = lnzd_scan(a, n_pe)
    assert stepped == scan.order.tolist() == np.flatnonzero(a).tolist()
    assert (det.rows_scanned, det.empty_rows, det.activations_read) == (
        scan.n_rows, scan.empty_rows, scan.activations_read)


@settings(max_examples=40, deadline=None)
@given(n_pe=st.integers(1, 20), n=st.integers(1, 60), density=st.sampled_from([0.0, 0.1, 0.5, 1.0]),
       seed=st.integers(0, 2**16))
def test_lnzd_state_is_the_stepped_snapshot(n_pe, n, density, seed):
    rng = np.random.default_rng(seed)
    a = np.where(rng.random(n) < density, 1.0, 0.0)
    det = LeadingNonZeroDetector(n_pe)
    det.load(a)
    for taken in range(int(np.count_nonzero(a)) + 1):
        stepped, bulk = det.snapshot(), det.state(a, taken)
        assert (stepped.row, stepped.pick, stepped.n_rows) == (bulk.row, bulk.pick, bulk.n_rows)
        assert stepped.pending.tolist() == bulk.pending.tolist()
        assert [o.tolist() for o in stepped.offers] == [o.tolist() for o in bulk.offers]
        det.take()


# ----------------------------------------------------------------------------- activation queue
def test_activation_queue_is_fifo_and_blocks_when_full():
    q = ActivationQueue(n_pe=3, depth=2, n_items=4)
    q.push(0, j=2, value=0.5, ready_cycle=1)
    assert q.ready(0).tolist() == [False] * 3 and q.ready(1).tolist() == [True] * 3
    q.push(1, j=4, value=1.0, ready_cycle=2)
    assert q.full().all() and q.occupancy.tolist() == [2, 2, 2]
    q.pop(np.array([0, 2]))  # PEs 0 and 2 finished item 0
    assert q.full().tolist() == [False, True, False]
    assert q.heads().tolist() == [1, 0, 1] and q.items(1) == [0, 1]
    assert (q.col[1], q.value[1]) == (4, 1.0)
    q.pop(np.array([0]))
    assert q.heads()[0] == -1 and not q.empty() and q.pushes == 6


def test_activation_queue_ring_wraps_around():
    q = ActivationQueue(n_pe=1, depth=2, n_items=5)
    for t in range(5):
        q.push(t, j=t, value=1.0, ready_cycle=0)
        assert q.items(0)[-1] == t
        if t:
            q.pop(np.array([0]))
    assert q.items(0) == [4]


# ----------------------------------------------------------------------------- pointer read
def test_pointer_read_fig2_pe0():
    layer, W, a = fig2_layer()
    unit = PointerRead(layer.p)
    p0, p1 = unit.read(np.array([0, 1]), np.array([2, 2]))
    assert p0.tolist() == [4, 3] and p1.tolist() == [6, 3]  # PE 1 stores nothing of column 2
    assert unit.reads == 4 == pointer_reads(2, 1)
    assert [PointerRead.bank(j) for j in (2, 3)] == ["even", "odd"]  # p_j, p_{j+1}: both banks


# ----------------------------------------------------------------------------- spmat read
def test_spmat_read_streams_fig2_pe0_column_2():
    layer, W, a = fig2_layer()
    unit = SpmatRead(layer.v, layer.z, per_line=8)
    unit.begin(np.array([0]), np.array([4]), np.array([6]))
    got = [unit.read() for _ in range(3)]
    assert [(p.tolist(), v.tolist(), z.tolist()) for p, v, z in got] == [
        ([0], [3], [0]), ([0], [9], [2]), ([], [], [])]
    assert unit.line_reads == 1  # entries 4 and 5 share line 0


def test_spmat_line_reads_count_boundaries():
    unit = SpmatRead([np.arange(1, 7)], [np.zeros(6, dtype=int)], per_line=2)
    unit.begin(np.array([0]), np.array([1]), np.array([5]))  # entries 1..4 touch lines 0, 1, 2
    for _ in range(4):
        unit.read()
    assert unit.line_reads == 3 == int(line_reads(np.array(1), np.array(5), 2))
    assert line_reads(np.array([3]), np.array([3]), 8).tolist() == [0]  # empty column: none


def test_spmat_line_buffer_survives_across_columns():
    """A line is read only when the next entry streamed lies on another line than the previous
    one: the next column starting on line 2 (entry 5) reads nothing new; an empty column in
    between does not clear the buffer; a jump to entry 9 (line 4) reads one line."""
    unit = SpmatRead([np.arange(12)], [np.zeros(12, dtype=int)], per_line=2)
    reads = []
    for start, end in ((1, 5), (5, 6), (6, 6), (6, 7), (9, 10)):
        before = unit.line_reads
        unit.begin(np.array([0]), np.array([start]), np.array([end]))
        for _ in range(end - start):
            unit.read()
        reads.append(unit.line_reads - before)
    assert reads == [3, 0, 0, 1, 1]
    bulk = line_reads(np.array([1, 5, 6, 6, 9]), np.array([5, 6, 6, 7, 10]), 2)
    assert bulk.tolist() == reads


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 5), min_size=1, max_size=12), st.integers(1, 4),
       st.integers(1, 3))
def test_spmat_line_reads_bulk_equals_stepped(lengths, per_line, n_pe):
    """Random column lengths and gaps, several PEs: the bulk rule counts what the unit reads."""
    ends = np.cumsum(np.array(lengths) + 1)  # a gap of one entry between columns
    starts = ends - np.array(lengths)
    total = int(ends[-1])
    unit = SpmatRead([np.arange(total)] * n_pe, [np.zeros(total, dtype=int)] * n_pe, per_line)
    for s0, e0 in zip(starts, ends):
        unit.begin(np.arange(n_pe), np.full(n_pe, s0), np.full(n_pe, e0))
        for _ in range(e0 - s0):
            unit.read()
    bulk = line_reads(np.tile(starts, (n_pe, 1)), np.tile(ends, (n_pe, 1)), per_line)
    assert unit.line_reads == int(bulk.sum())


# ----------------------------------------------------------------------------- arithmetic unit
def test_arithmetic_unit_accumulates_fig2_pe0_column_2():
    layer, W, a = fig2_layer()
    regs = ActivationRegisters(m=16, arithmetic="float")
    alu = ArithmeticUnit(layer.codebook, n_pe=4, arithmetic="float")
    alu.new_column(np.array([0]))
    alu.mac(np.array([0]), np.array([3]), np.array([0]), np.array([0.5]), regs)  # row 0
    alu.mac(np.array([0]), np.array([9]), np.array([2]), np.array([0.5]), regs)  # row 3*4+0
    assert np.flatnonzero(regs.dest).tolist() == [0, 12]
    assert regs.dest[[0, 12]].tolist() == [1.5, 4.5]
    assert (alu.macs, alu.real_macs, regs.reads, regs.writes) == (2, 2, 2, 2)


def test_arithmetic_unit_padding_advances_the_row_only():
    regs = ActivationRegisters(m=40, arithmetic="float")
    alu = ArithmeticUnit(np.array([0.0, 2.0]), n_pe=2, arithmetic="float")
    alu.new_column(np.array([1]))
    alu.mac(np.array([1]), np.array([0]), np.array([15]), np.array([3.0]), regs)  # padding -> x=15
    alu.mac(np.array([1]), np.array([1]), np.array([2]), np.array([3.0]), regs)  # x = 15 + 3 = 18
    assert np.flatnonzero(regs.dest).tolist() == [18 * 2 + 1] and regs.dest[37] == 6.0
    assert (alu.macs, alu.real_macs) == (2, 1)


@pytest.mark.parametrize("weight_frac_bits, saturations", [(8, 0), (12, 12)])
def test_fixed16_arithmetic_matches_the_functional_model(weight_frac_bits, saturations):
    """With 12 fraction bits the codebook's 8 … 15 do not fit 16 bits: the 12 real entries of
    the active columns that use them saturate, in the units as in the functional model."""
    layer, W, a = fig2_layer(arithmetic="fixed16", weight_frac_bits=weight_frac_bits)
    run = run_cycles(layer, a, layer.config)
    y, bound, sat = functional_output(layer, a, np.flatnonzero(a), arithmetic="fixed16",
                                      act_bits=16, act_frac_bits=8,
                                      weight_frac_bits=weight_frac_bits, relu=False)
    assert np.array_equal(run.y, y) and run.saturations == sat == saturations
    if saturations == 0:
        assert np.array_equal(run.y, W @ a)  # small integers times halves are exact in 8.8


# ----------------------------------------------------------------------------- activation registers
def test_activation_registers_fixed16_load_and_write_back():
    regs = ActivationRegisters(m=2, arithmetic="fixed16")
    regs.load(np.array([0.5, 200.0]))  # 200 does not fit 8.8 (max 127.996)
    assert regs.source.tolist() == [128, 32767] and regs.source_saturations == 1
    regs.accumulate(np.array([0, 1]), np.array([-(3 << 12) * 128, 7 << 19]))
    y, sat = regs.write_back(relu=True)
    assert y.tolist() == [0.0, 7 * 128 / 256] and sat == 0


def test_act_batches():
    assert act_batches(4096, 4096, 64, 64) == 1
    assert act_batches(25088, 4096, 64, 64) == 7  # VGG-6's input needs 7 batches of 4K
    assert act_batches(600, 8791, 64, 64) == 3  # NT-Wd: the output is the long vector


# ----------------------------------------------------------------------------- composed
def test_cycle_engine_counts_are_the_units_tallies_and_match_the_bulk_rules():
    layer, W, a = fig2_layer()
    run = run_cycles(layer, a, layer.config)
    bulk = count_accesses(layer, np.flatnonzero(a))
    assert run.counts == bulk
    # by hand: 4 broadcasts x 4 PEs; 2 pointers each; 21 entries; LNZD reads 8 sources
    c = run.counts
    assert (c.queue_pushes, c.pointer_reads, c.macs, c.act_reads, c.act_writes) == (16, 32, 21, 29, 21)
    # line buffer across columns (8 entries a line): PE 0 streams entries 4-5, 6-7, 8-9, 11-12
    # and reads lines 0 and 1 once each; PEs 1-3 read 2 each too -> 8 (15 when every column
    # re-read its first line)
    assert line_reads(layer.p[:, run.columns], layer.p[:, run.columns + 1], 8).tolist() == [
        [1, 0, 1, 0], [0, 1, 0, 1], [1, 0, 0, 1], [1, 0, 0, 1]]
    assert c.spmat_reads == 8
    assert run.columns.tolist() == [2, 4, 5, 7]
    assert np.array_equal(run.y, W @ a)


def test_simulate_uses_the_lnzd_order():
    layer, W, a = fig2_layer()
    for engine in ("fast", "cycle"):
        assert simulate(layer, a, engine=engine).columns.tolist() == lnzd_scan(a, 4).order.tolist()


# ----------------------------------------------------------------------------- pipelined LNZD
@settings(max_examples=200, deadline=None)
@given(st.lists(st.booleans(), min_size=1, max_size=40), st.integers(1, 9))
def test_lnzd_stepped_one_row_per_cycle_equals_row_delays(mask, n_pe):
    """Stepping the detector as the pipeline timing does (row 0 loaded in cycle 0, a pick per
    cycle, a cycle per row change unless the last pick was in the final slot, a cycle per empty
    row), taking every pick as soon as it is offered, gives the offsets of row_delays."""
    a = np.array(mask, dtype=float)
    det = LeadingNonZeroDetector(n_pe)
    det.load(a)
    ready, c, taken = 0, 0, []
    while det.remaining:
        if c >= ready and det.offer() is None:
            det.advance()
            ready = c + 1
        elif c >= ready:
            j = det.take()
            taken.append(c)
            if j % n_pe == n_pe - 1 and det.remaining:
                det.advance()
                ready = c + 1
        c += 1
    sc = lnzd_scan(a, n_pe)
    d = row_delays(sc.row, sc.pos, n_pe)
    expect = np.cumsum(np.where(np.arange(d.size) > 0, np.maximum(d, 1), d))
    assert taken == expect.tolist()


def test_batch_delays_vgg6():
    cols = np.arange(0, 25088, 1000)
    d = batch_delays(cols, 64, 64)
    assert d.sum() == 6 * 64  # batches 0..6: six reloads of 64 cycles
    assert input_batch(25087, 64, 64) == 6
