"""Tests for eie_lab.compression.storage: per-stream sizes at the stages P, P+Q, P+Q+H."""

from __future__ import annotations

import numpy as np
import pytest

from eie_lab.compression.huffman import HuffmanCode
from eie_lab.compression.quantize import share_weights
from eie_lab.compression.storage import STAGES, merge_reports, storage_report
from eie_lab.errors import CompressionError
from eie_lab.sparse_format import encode_relative


def _layer(seed=0, shape=(120, 90), density=0.1):
    rng = np.random.default_rng(seed)
    return (rng.normal(0, 1, shape) * (rng.random(shape) < density)).astype(np.float32)


def test_storage_report_counts_real_streams():
    w = _layer()
    cb, codes = share_weights(w, 4)
    r = storage_report(w, weight_bits=4, index_bits=4, codebook=cb, codes=codes, name="fc")
    m = encode_relative(codes, 4)
    n = m.n_entries
    assert r.nnz == np.count_nonzero(w) and r.n_entries == n and r.n_padding == m.n_padding
    assert r.pointer_bits == int(np.ceil(np.log2(n + 1)))
    p, q, h = (r.streams[s] for s in STAGES)
    assert p["weights"].bits == 32 * n and p["weights"].nbytes == 4 * n
    assert p["indices"].bits == q["indices"].bits == 4 * n
    assert q["weights"].bits == 4 * n and q["weights"].nbytes == (4 * n + 7) // 8
    assert q["pointers"].bits == 91 * r.pointer_bits and q["codebook"].bits == 16 * 32
    hw = HuffmanCode.from_symbols(m.v.astype(np.int64))
    assert h["weights"].bits == hw.encoded_bits()
    assert h["weights"].nbytes == len(hw.encode(m.v.astype(np.int64))[0])
    assert h["tables"].bits == (16 + 16) * 8  # one byte per code length
    assert r.total_bits("P+Q") == sum(s.bits for s in q.values())
    assert r.rate("P+Q+H") < r.rate("P+Q") < r.rate("P") < 1
    row = r.row()
    assert row["weight_bits_pq"] == 4 and row["index_bits_pq"] == 4
    assert row["weight_bits_pqh"] < 4 and row["weights_pct"] == pytest.approx(r.nnz / w.size)
    assert "P+Q+H" in r.table() and "fc" in r.table()


def test_lenet_ip1_like_layer_matches_dc_table2_scale():
    w = _layer(1, (300, 784), 0.08)
    r = storage_report(w, weight_bits=6, index_bits=5)
    assert 0.025 < r.rate("P+Q") < 0.04  # [DC Table 2] ip1: 3.1%


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
    lambda: storage_report(np.ones(4), weight_bits=4, index_bits=4),
    lambda: storage_report(np.array([[1.0, np.nan]]), weight_bits=4, index_bits=4),
    lambda: storage_report(np.ones((2, 2)), weight_bits=4, index_bits=4, layout="coo"),
    lambda: storage_report(np.ones((2, 2)), weight_bits=4, index_bits=0),
    lambda: storage_report(np.ones((2, 2)), weight_bits=0, index_bits=4),
    lambda: merge_reports([]),
])
def test_bad_inputs_raise(call):
    with pytest.raises(CompressionError):
        call()


def test_stream_layout_matches_the_model_file():
    """One accounting: the model file's parts equal storage_report's P+Q+H at layout="stream"."""
    from eie_lab.compression.model_file import encode_layer

    w = _layer(5, (40, 30), 0.15)
    cb, codes = share_weights(w, 4)
    r = storage_report(w, weight_bits=4, index_bits=3, codebook=cb, codes=codes, layout="stream")
    f = encode_layer("fc", cb, codes, np.zeros(40), 4, 3).sizes_bits()
    h = r.streams["P+Q+H"]
    assert (f["weights"], f["index"], f["codebook"], f["tables"], f["pointers"]) == (
        h["weights"].bits, h["indices"].bits, h["codebook"].bits, h["tables"].bits,
        h["pointers"].bits)
