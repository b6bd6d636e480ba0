"""Tests for eie_lab.compression.storage: the EIE padding fixture, exact round trips, sizes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from eie_lab.compression.huffman import HuffmanCode
from eie_lab.compression.quantize import share_weights
from eie_lab.compression.storage import (
    STAGES,
    encode_relative,
    merge_reports,
    pack_bits,
    storage_report,
    unpack_bits,
)
from eie_lab.errors import CompressionError

PADDING_COLUMN = np.array([0, 0, 1, 2] + [0] * 18 + [3])  # papers.md §1.8


def test_eie_padding_fixture():
    m = encode_relative(PADDING_COLUMN[:, None], index_bits=4)
    assert m.v.tolist() == [1, 2, 0, 3] and m.z.tolist() == [2, 0, 15, 2]
    assert m.p.tolist() == [0, 4] and m.zmax == 15 and m.n_fillers == 1
    np.testing.assert_array_equal(m.decode()[:, 0], PADDING_COLUMN)
    # the same column as a row, stored CSR
    r = encode_relative(PADDING_COLUMN[None, :], index_bits=4, orientation="csr")
    assert r.v.tolist() == [1, 2, 0, 3] and r.z.tolist() == [2, 0, 15, 2]


def test_gap_boundaries():
    # a gap of exactly 15 zeros needs no filler; 16 needs one filler and then z = 0
    for gap, v, z in [(15, [7], [15]), (16, [0, 7], [15, 0]), (32, [0, 0, 7], [15, 15, 0])]:
        col = np.array([0] * gap + [7])[:, None]
        m = encode_relative(col, 4)
        assert m.v.tolist() == v and m.z.tolist() == z
    m = encode_relative(np.array([[0], [0], [0], [5]]), 1)  # zmax = 1
    assert m.v.tolist() == [0, 5] and m.z.tolist() == [1, 1]


sparse_matrices = st.tuples(st.integers(1, 30), st.integers(1, 30), st.floats(0, 1),
                            st.integers(0, 2**31 - 1)).map(
    lambda a: (np.random.default_rng(a[3]).integers(-3, 4, (a[0], a[1]))
               * (np.random.default_rng(a[3] + 1).random((a[0], a[1])) < a[2])))


@settings(max_examples=150, deadline=None)
@given(sparse_matrices, st.integers(1, 8), st.sampled_from(["csc", "csr"]))
def test_round_trip_random_sparse_matrices(w, bits, orientation):
    m = encode_relative(w, bits, orientation)
    np.testing.assert_array_equal(m.decode(), w)
    assert np.all(m.z <= m.zmax)
    assert m.n_entries - m.n_fillers == np.count_nonzero(w)
    n_major = w.shape[1] if orientation == "csc" else w.shape[0]
    assert m.p.shape == (n_major + 1,) and m.p[-1] == m.n_entries
    assert np.all(np.diff(m.p) >= 0)


@settings(max_examples=40, deadline=None)
@given(arrays(np.float32, st.tuples(st.integers(1, 20), st.integers(1, 20)),
              elements=st.sampled_from([0.0, 0.0, 0.0, -1.5, 0.25, 3.0])), st.integers(1, 12))
def test_float_round_trip_any_index_bits(w, bits):
    m = encode_relative(w, bits, "csc")
    assert m.decode().dtype == np.float32
    np.testing.assert_array_equal(m.decode(), w)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 40), st.lists(st.integers(0, 2**40), max_size=50))
def test_pack_unpack_round_trip(width, values):
    vals = np.array([v % (1 << width) for v in values], dtype=np.uint64)
    data = pack_bits(vals, width)
    assert len(data) == (vals.size * width + 7) // 8
    np.testing.assert_array_equal(unpack_bits(data, width, vals.size), vals)


def _layer(seed=0, shape=(120, 90), density=0.1):
    rng = np.random.default_rng(seed)
    return (rng.normal(0, 1, shape) * (rng.random(shape) < density)).astype(np.float32)


def test_storage_report_counts_real_streams():
    w = _layer()
    cb, codes = share_weights(w, 4)
    r = storage_report(w, weight_bits=4, index_bits=4, codebook=cb, codes=codes, name="fc")
    m = encode_relative(codes, 4)
    n = m.n_entries
    assert r.nnz == np.count_nonzero(w) and r.n_entries == n and r.n_fillers == m.n_fillers
    assert r.pointer_bits == int(np.ceil(np.log2(n + 1)))
    p, q, h = (r.streams[s] for s in STAGES)
    assert p["weights"].bits == 32 * n and p["weights"].nbytes == 4 * n
    assert p["indices"].bits == q["indices"].bits == 4 * n
    assert q["weights"].bits == 4 * n and q["weights"].nbytes == (4 * n + 7) // 8
    assert q["pointers"].bits == 91 * r.pointer_bits and q["codebook"].bits == 16 * 32
    hw = HuffmanCode.from_symbols(m.v.astype(np.int64))
    assert h["weights"].bits == hw.encoded_bits()
    assert h["weights"].nbytes == len(hw.encode(m.v.astype(np.int64))[0])
    assert h["tables"].bits == (16 + 16) * 6
    assert r.total_bits("P+Q") == sum(s.bits for s in q.values())
    assert r.rate("P+Q+H") < r.rate("P+Q") < r.rate("P") < 1
    row = r.row()
    assert row["weight_bits_pq"] == 4 and row["index_bits_pq"] == 4
    assert row["weight_bits_pqh"] < 4 and row["weights_pct"] == pytest.approx(r.nnz / w.size)
    assert "P+Q+H" in r.table() and "fc" in r.table()


def test_lenet_ip1_like_layer_matches_dc_table2_scale():
    w = _layer(1, (300, 784), 0.08)
    r = storage_report(w, weight_bits=6, index_bits=5)
    assert 0.025 < r.rate("P+Q") < 0.04  # DC Table 2 ip1: 3.1% (papers.md §2.3)


def test_merge_reports_sums_streams():
    a = storage_report(_layer(2), weight_bits=4, index_bits=4, name="a")
    b = storage_report(_layer(3, (50, 60)), weight_bits=4, index_bits=4, name="b")
    t = merge_reports([a, b])
    assert t.name == "Total" and t.n_weights == a.n_weights + b.n_weights
    for st_ in STAGES:
        assert t.total_bits(st_) == a.total_bits(st_) + b.total_bits(st_)


def test_codes_are_computed_when_omitted_and_must_match_zeros():
    w = _layer(4)
    r = storage_report(w, weight_bits=5, index_bits=4)
    assert r.streams["P+Q"]["codebook"].bits == 32 * 32
    bad = np.ones(w.shape, dtype=np.uint8)
    with pytest.raises(CompressionError, match="exactly where w is 0"):
        storage_report(w, weight_bits=4, index_bits=4, codebook=np.zeros(16), codes=bad)


@pytest.mark.parametrize("call", [
    lambda: encode_relative(np.ones((2, 2)), 0),
    lambda: encode_relative(np.ones((2, 2)), 33),
    lambda: encode_relative(np.ones((2, 2)), 4, "coo"),
    lambda: encode_relative(np.ones(4), 4),
    lambda: encode_relative(np.zeros((0, 3)), 4),
    lambda: encode_relative(np.array([[1.0, np.nan]]), 4),
    lambda: pack_bits(np.array([4]), 2),
    lambda: storage_report(np.ones((2, 2)), weight_bits=0, index_bits=4),
    lambda: merge_reports([]),
])
def test_bad_inputs_raise(call):
    with pytest.raises(CompressionError):
        call()
