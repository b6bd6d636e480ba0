"""Tests for eie_lab.sparse_format: the one home of relative indices with padding entries."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from eie_lab.errors import EncodingError
from eie_lab.sparse_format import (
    decode_interleaved,
    decode_stream,
    encode_relative,
    encode_stream,
    interleave,
    pack_bits,
    relative_entries,
    unpack_bits,
)

PADDING_COLUMN = np.array([0, 0, 1, 2] + [0] * 18 + [3])  # [EIE §III-B]: 4-bit z, one padding


def test_eie_padding_fixture():
    m = encode_relative(PADDING_COLUMN[:, None], index_bits=4)
    assert m.v.tolist() == [1, 2, 0, 3] and m.z.tolist() == [2, 0, 15, 2]
    assert m.p.tolist() == [0, 4] and m.zmax == 15 and m.n_padding == 1
    np.testing.assert_array_equal(m.decode()[:, 0], PADDING_COLUMN)
    r = encode_relative(PADDING_COLUMN[None, :], index_bits=4, layout="csr")
    assert r.v.tolist() == [1, 2, 0, 3] and r.z.tolist() == [2, 0, 15, 2]
    v, z = encode_stream(PADDING_COLUMN, 4)
    assert v.tolist() == [1, 2, 0, 3] and z.tolist() == [2, 0, 15, 2]
    assert decode_stream(v, z, PADDING_COLUMN.size).tolist() == PADDING_COLUMN.tolist()


def test_gap_boundaries():
    # a gap of exactly 15 zeros needs no padding; 16 needs one padding entry and then z = 0
    for gap, v, z in [(15, [7], [15]), (16, [0, 7], [15, 0]), (32, [0, 0, 7], [15, 15, 0])]:
        m = encode_relative(np.array([0] * gap + [7])[:, None], 4)
        assert m.v.tolist() == v and m.z.tolist() == z
    m = encode_relative(np.array([[0], [0], [0], [5]]), 1)  # zmax = 1
    assert m.v.tolist() == [0, 5] and m.z.tolist() == [1, 1]


def _readable_entries(column, index_bits):
    """The rule as a student writes it, one entry at a time."""
    zmax, v, z, gap = (1 << index_bits) - 1, [], [], 0
    for x in column:
        if x == 0:
            gap += 1
            continue
        while gap > zmax:
            v.append(0)
            z.append(zmax)
            gap -= zmax + 1
        v.append(int(x))
        z.append(gap)
        gap = 0
    return v, z


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 5), max_size=120), st.integers(1, 6))
def test_vectorised_entries_equal_the_readable_rule(column, bits):
    col = np.array(column, dtype=np.int64)
    pos = np.flatnonzero(col)
    v, z, where = relative_entries(np.zeros_like(pos), pos, col[pos], bits)
    assert (v.tolist(), z.tolist()) == _readable_entries(column, bits)
    assert np.array_equal(v[where], col[pos])


sparse_matrices = st.tuples(st.integers(1, 30), st.integers(1, 30), st.floats(0, 1),
                            st.integers(0, 2**31 - 1)).map(
    lambda a: (np.random.default_rng(a[3]).integers(-3, 4, (a[0], a[1]))
               * (np.random.default_rng(a[3] + 1).random((a[0], a[1])) < a[2])))


@settings(max_examples=150, deadline=None)
@given(sparse_matrices, st.integers(1, 8), st.sampled_from(["csc", "csr", "stream"]))
def test_round_trip_random_sparse_matrices(w, bits, layout):
    m = encode_relative(w, bits, layout)
    np.testing.assert_array_equal(m.decode(), w)
    assert np.all(m.z <= m.zmax)
    assert m.n_entries - m.n_padding == np.count_nonzero(w)
    n_groups = {"csc": w.shape[1], "csr": w.shape[0], "stream": 1}[layout]
    assert m.p.shape == (n_groups + 1,) and m.p[-1] == m.n_entries
    assert np.all(np.diff(m.p) >= 0)
    assert m.n_pointers == (0 if layout == "stream" else n_groups + 1)


@settings(max_examples=40, deadline=None)
@given(arrays(np.float32, st.tuples(st.integers(1, 20), st.integers(1, 20)),
              elements=st.sampled_from([0.0, 0.0, 0.0, -1.5, 0.25, 3.0])), st.integers(1, 12))
def test_float_round_trip_any_index_bits(w, bits):
    m = encode_relative(w, bits, "csc")
    assert m.decode().dtype == np.float32
    np.testing.assert_array_equal(m.decode(), w)


@settings(max_examples=80, deadline=None)
@given(sparse_matrices, st.integers(1, 9), st.integers(1, 6))
def test_interleave_is_csc_per_pe(w, n_pe, bits):
    """Each PE's slice (rows k, k + N, ...) is exactly the "csc" encoding of that sub-matrix."""
    codes = np.abs(w)
    cols, rows = np.nonzero(codes.T)
    lay = interleave(codes.shape, rows, cols, codes[rows, cols], n_pe, bits)
    np.testing.assert_array_equal(decode_interleaved(lay.v, lay.z, lay.p, codes.shape), codes)
    for k in range(n_pe):
        ref = encode_relative(codes[k::n_pe], bits, "csc") if codes[k::n_pe].size else None
        if ref is None:
            assert lay.v[k].size == 0
            continue
        assert lay.v[k].tolist() == ref.v.tolist() and lay.z[k].tolist() == ref.z.tolist()
        assert lay.p[k].tolist() == ref.p.tolist()
        assert lay.e_real[k].tolist() == np.count_nonzero(codes[k::n_pe], axis=0).tolist()


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 40), st.lists(st.integers(0, 2**40), max_size=50))
def test_pack_unpack_round_trip(width, values):
    vals = np.array([v % (1 << width) for v in values], dtype=np.uint64)
    data = pack_bits(vals, width)
    assert len(data) == (vals.size * width + 7) // 8
    np.testing.assert_array_equal(unpack_bits(data, width, vals.size), vals)


def test_damaged_stream_is_rejected():
    with pytest.raises(EncodingError, match="damaged"):
        decode_stream(np.array([1, 2]), np.array([3, 9]), 8)


@pytest.mark.parametrize("call", [
    lambda: encode_relative(np.ones((2, 2)), 0),
    lambda: encode_relative(np.ones((2, 2)), 33),
    lambda: encode_relative(np.ones((2, 2)), True),
    lambda: encode_relative(np.ones((2, 2)), 4, "coo"),
    lambda: encode_relative(np.ones(4), 4),
    lambda: encode_relative(np.zeros((0, 3)), 4),
    lambda: encode_relative(np.array([[1.0, np.nan]]), 4),
    lambda: pack_bits(np.array([4]), 2),
])
def test_bad_inputs_raise(call):
    with pytest.raises(EncodingError):
        call()
