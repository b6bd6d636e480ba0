"""Interleaved CSC encoding: the paper's fixtures, round trips, SRAM budget and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from eie_lab.data.layers import benchmark_layer, fig2_example
from eie_lab.eie import EIEConfig, encode
from eie_lab.eie.encoding import encode_coo
from eie_lab.errors import EncodingError
from eie_lab.quantizer import quantize_to_codebook

CB16 = np.arange(16.0)


def fig2_layer(**kw):
    W, _ = fig2_example()
    return encode(W, EIEConfig(n_pe=4, **kw), codebook=CB16, codes=W.astype(int))


def test_padding_fixture_from_the_paper():
    # [EIE §III-B]: column [0,0,1,2, 18 zeros, 3] -> v = [1,2,0,3], z = [2,0,15,2]
    col = np.array([0, 0, 1, 2] + [0] * 18 + [3], dtype=float)[:, None]
    layer = encode(col, EIEConfig(n_pe=1), codebook=CB16, codes=col.astype(int))
    assert layer.v[0].tolist() == [1, 2, 0, 3]
    assert layer.z[0].tolist() == [2, 0, 15, 2]
    assert layer.p[0].tolist() == [0, 4]
    assert layer.n_padding == 1 and layer.e.tolist() == [[4]] and layer.e_real.tolist() == [[3]]


def test_fig3_pe0_arrays():
    W, _ = fig2_example()
    layer = fig2_layer()
    assert layer.z[0].tolist() == [0, 1, 0, 1, 0, 2, 0, 0, 0, 2, 0, 2, 0]
    assert layer.p[0].tolist() == [0, 3, 4, 6, 6, 8, 10, 11, 13]
    # virtual weights W0,0 W8,0 W12,0 W4,1 W0,2 W12,2 W0,4 W4,4 W0,5 W12,5 W0,6 W8,7 W12,7
    order = [(0, 0), (8, 0), (12, 0), (4, 1), (0, 2), (12, 2), (0, 4), (4, 4), (0, 5), (12, 5),
             (0, 6), (8, 7), (12, 7)]
    assert layer.v[0].tolist() == [int(W[i, j]) for i, j in order]


def test_fig2_narrative_other_pes():
    W, _ = fig2_example()
    layer = fig2_layer()
    assert layer.e[1, 2] == 0  # PE1 has no non-zeros in column 2
    assert W[2, 2] != 0 and W[14, 2] != 0 and layer.e[2, 2] == 2  # PE2 uses W2,2 and W14,2


def test_larger_gaps_need_several_padding_entries():
    col = np.zeros((40, 1))
    col[39] = 5
    layer = encode(col, EIEConfig(n_pe=1), codebook=CB16, codes=col.astype(int))
    assert layer.v[0].tolist() == [0, 0, 5] and layer.z[0].tolist() == [15, 15, 7]
    assert np.array_equal(layer.decode(), col)


def test_e_is_pointer_difference():
    layer = fig2_layer(index_bits=1)
    assert np.array_equal(layer.e, layer.p[:, 1:] - layer.p[:, :-1])
    assert all(z.max() <= 1 for z in layer.z if z.size)


def test_encode_quantises_with_share_weights():
    rng = np.random.default_rng(1)
    W = np.where(rng.random((30, 20)) < 0.3, rng.normal(size=(30, 20)), 0.0)
    layer = encode(W, EIEConfig(n_pe=3))
    Wq = layer.decode()
    assert layer.codebook[0] == 0.0 and layer.codebook.size == 16
    assert np.array_equal(Wq != 0, W != 0)
    assert np.all(np.isin(Wq, layer.codebook))


def test_encode_with_codebook_only_takes_nearest_level():
    W = np.array([[0.0, 0.9], [-2.1, 0.0]])
    cb = np.array([0.0, 1.0, -2.0, 3.0])
    layer = encode(W, EIEConfig(n_pe=2, weight_bits=2), codebook=cb)
    assert layer.decode().tolist() == [[0.0, 1.0], [-2.0, 0.0]]
    assert quantize_to_codebook(W, cb).tolist() == [[0, 1], [2, 0]]


def test_all_zero_matrix():
    layer = encode(np.zeros((5, 3)), EIEConfig(n_pe=2))
    assert layer.nnz == 0 and layer.p.sum() == 0 and not layer.decode().any()


def test_encode_coo_matches_dense_encode():
    L = benchmark_layer("NT-LSTM")
    cfg = EIEConfig(n_pe=16)
    a = encode(L, cfg)
    b = encode(L.codebook[L.W_codes], cfg, codebook=L.codebook, codes=L.W_codes)
    assert np.array_equal(a.p, b.p)
    assert all(np.array_equal(x, y) for x, y in zip(a.v, b.v))
    assert all(np.array_equal(x, y) for x, y in zip(a.z, b.z))
    # unsorted coordinates are sorted first
    perm = np.random.default_rng(0).permutation(L.rows.size)[:500]
    c = encode_coo(L.shape, L.rows[perm], L.cols[perm], L.codes[perm], L.codebook, cfg)
    dense = np.zeros(L.shape)
    dense[L.rows[perm], L.cols[perm]] = L.codebook[L.codes[perm]]
    assert np.array_equal(c.decode(), dense)


def test_sram_report_against_paper_budget():
    rep = encode(benchmark_layer("Alex-7"), EIEConfig()).sram_report()
    assert rep["fits"] and not rep["pointer_overflow"]
    assert rep["ptr_bits_max"] == 4097 * 16
    tiny = EIEConfig(n_pe=1, spmat_sram_bytes=1, ptr_sram_bytes=1)
    W, _ = fig2_example()
    rep = encode(W, tiny, codebook=CB16, codes=W.astype(int)).sram_report()
    assert not rep["fits_spmat"] and not rep["fits_ptr"] and not rep["fits"]


@pytest.mark.parametrize("W, match", [
    (np.zeros(5), "2-D"),
    (np.zeros((2, 2, 2)), "2-D"),
    (np.array([[1.0, np.nan]]), "finite"),
    (np.array([[1.0, np.inf]]), "finite"),
    (np.zeros((0, 3)), "at least 1 row"),
    (np.array([["a"]]), "real numbers"),
])
def test_bad_matrices(W, match):
    with pytest.raises(EncodingError, match=match):
        encode(W, EIEConfig(n_pe=2), codebook=CB16)


def test_bad_codebooks_and_codes():
    W = np.eye(3)
    cfg = EIEConfig(n_pe=2)
    with pytest.raises(EncodingError, match="exactly 2\\*\\*weight_bits = 16"):
        encode(W, cfg, codebook=[0.0, 1.0])  # too small
    with pytest.raises(EncodingError, match="must be 0.0"):
        encode(W, cfg, codebook=np.arange(1.0, 17.0))
    with pytest.raises(EncodingError, match="codes.shape"):
        encode(W, cfg, codebook=CB16, codes=np.zeros((2, 2), int))
    with pytest.raises(EncodingError, match="must lie in"):
        encode(W, cfg, codebook=CB16, codes=np.full((3, 3), 16))
    with pytest.raises(EncodingError, match="codebook"):
        encode(W, cfg, codes=np.eye(3, dtype=int))
    with pytest.raises(EncodingError, match="integers"):
        encode(W, cfg, codebook=CB16, codes=np.eye(3) * 0.5)
    with pytest.raises(EncodingError, match="EIEConfig"):
        encode(W, {"n_pe": 2})


@pytest.mark.parametrize("rows", [[0.7], ["a"]])
def test_encode_coo_rejects_non_integer_indices(rows):
    with pytest.raises(EncodingError, match="rows="):
        encode_coo((2, 2), rows, [0], [1], np.arange(16.0))


def test_encode_rejects_non_numeric_codebook():
    with pytest.raises(EncodingError, match="array of numbers"):
        encode(np.eye(2), codebook=["a"] * 16, codes=np.eye(2, dtype=int))
