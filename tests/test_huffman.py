"""Tests for eie_lab.compression.huffman: the seed example, optimality, exact round trips, and the
fast engine (HuffmanCode, eie_lab.compression._huffman_fast) against the readable functions."""

from __future__ import annotations

import heapq

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eie_lab.compression import _huffman_fast, huffman
from eie_lab.compression.huffman import (
    HuffmanCode,
    canonical_code,
    entropy,
    huffman_code,
    huffman_lengths,
)
from eie_lab.errors import CompressionError


def test_seed_example_19_bits_vs_24():
    code = HuffmanCode.from_counts({"A": 7, "D": 3, "B": 1, "C": 1})
    assert code.code_table() == {"A": "0", "D": "10", "B": "110", "C": "111"}
    assert code.encoded_bits() == 19 and 12 * 2 == 24
    assert code.expected_length() == pytest.approx(19 / 12)
    stream = "AAAAAAADDDBC"
    data, n_bits = code.encode(stream)
    assert n_bits == 19 and len(data) == 3
    assert "".join(code.decode(data, 12, n_bits)) == stream
    assert entropy({"A": 7, "D": 3, "B": 1, "C": 1}) < 19 / 12


def test_tree_is_a_networkx_digraph():
    g = HuffmanCode.from_counts({"A": 7, "D": 3, "B": 1, "C": 1}).to_networkx()
    assert g.number_of_nodes() == 7 and g.number_of_edges() == 6
    assert g.nodes[""]["count"] == 12 and g.nodes["11"]["count"] == 2
    leaves = {g.nodes[n]["symbol"]: n for n in g if g.out_degree(n) == 0}
    assert leaves == {"A": "0", "D": "10", "B": "110", "C": "111"}
    assert g.edges["1", "10"]["bit"] == "0"


def _optimal_cost(counts):
    """Cost of an optimal prefix code (sum of merge weights), independent of tie-breaking."""
    heap = list(counts)
    heapq.heapify(heap)
    total = 0
    while len(heap) > 1:
        a, b = heapq.heappop(heap), heapq.heappop(heap)
        total += a + b
        heapq.heappush(heap, a + b)
    return total


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(1, 10**6), min_size=2, max_size=40))
def test_lengths_are_optimal_and_prefix_free(counts):
    code = HuffmanCode.from_counts(counts)
    assert code.encoded_bits() == _optimal_cost(counts)
    assert np.sum(2.0 ** -code.lengths) == pytest.approx(1.0)  # complete code
    words = sorted(code.code_table().values())
    assert not any(b.startswith(a) for a, b in zip(words, words[1:]))
    assert entropy(counts) <= code.expected_length() < entropy(counts) + 1


def test_tie_breaking_is_deterministic_and_canonical():
    a = HuffmanCode.from_counts({3: 5, 1: 5, 2: 5, 0: 5})
    b = HuffmanCode.from_counts({0: 5, 2: 5, 1: 5, 3: 5})
    assert a.code_table() == b.code_table() == {0: "00", 1: "01", 2: "10", 3: "11"}
    assert huffman_lengths([7, 1, 1, 3]) == {0: 1, 1: 3, 2: 3, 3: 2}
    c = HuffmanCode.from_counts([4, 0, 2, 1, 1])
    assert 1 not in c.code_lengths()  # zero counts are left out


symbol_streams = st.one_of(
    st.lists(st.integers(-3, 12), max_size=300).map(np.array),
    st.lists(st.sampled_from(list("ABCDEFGH")), max_size=200),
    st.lists(st.integers(0, 2**40), max_size=50).map(lambda v: np.array(v, dtype=np.int64)),
)


@settings(max_examples=150, deadline=None)
@given(symbol_streams)
def test_round_trip_any_stream(stream):
    code = HuffmanCode.from_symbols(stream)
    data, n_bits = code.encode(stream)
    assert len(data) == (n_bits + 7) // 8
    n = len(stream)
    if n:
        assert n_bits == code.encoded_bits()
    out = code.decode(data, n, n_bits)
    if isinstance(stream, np.ndarray):
        np.testing.assert_array_equal(out, stream.astype(np.int64))
    else:
        assert list(out) == list(stream)
    assert list(code.decode(data, n)) == list(out)  # without n_bits too


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 64), st.integers(2000, 30000), st.integers(0, 2**32 - 1))
def test_round_trip_long_skewed_streams_across_chunks(n_sym, n, seed):
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.full(n_sym, 0.3))
    x = rng.choice(n_sym, size=n, p=p)
    code = HuffmanCode.from_symbols(x)
    data, n_bits = code.encode(x)
    np.testing.assert_array_equal(code.decode(data, n, n_bits), x)
    # bit-exact against a plain string encoder
    table = code.code_table()
    bits = "".join(table[int(s)] for s in x[:500])
    packed = np.packbits(np.frombuffer(bits.encode(), np.uint8) - 48).tobytes()
    head = code.encode(x[:500])[0]
    assert head == packed


def test_one_symbol_and_empty_inputs():
    code = HuffmanCode.from_symbols(np.array([5, 5, 5]))
    assert code.code_table() == {5: "0"} and code.encode(np.array([5, 5, 5])) == (b"\x00", 3)
    np.testing.assert_array_equal(code.decode(b"\x00", 3), [5, 5, 5])
    empty = HuffmanCode.from_symbols([])
    assert empty.encode([]) == (b"", 0) and list(empty.decode(b"", 0)) == []
    assert entropy([]) == 0.0 and entropy([9]) == 0.0
    assert code.encode(np.array([], dtype=np.int64)) == (b"", 0)


def test_long_codes_round_trip_up_to_the_limit():
    code = HuffmanCode.from_counts([2**i for i in range(58)])
    assert code.max_length == 57
    x = np.arange(58).repeat(3)
    data, n_bits = code.encode(x)
    np.testing.assert_array_equal(code.decode(data, x.size, n_bits), x)
    with pytest.raises(CompressionError, match="code lengths"):
        HuffmanCode.from_counts([2**i for i in range(59)])


def test_unknown_symbols_name_the_symbol():
    code = HuffmanCode.from_counts({"A": 2, "B": 1})
    with pytest.raises(CompressionError, match="symbol='X'"):
        code.encode("AXB")
    ints = HuffmanCode.from_counts([1, 2, 3])
    with pytest.raises(CompressionError, match="symbol=7"):
        ints.encode(np.array([0, 7, 1]))
    with pytest.raises(CompressionError, match="symbol=-1"):
        ints.encode(np.array([0, -1]))
    sparse = HuffmanCode.from_counts({0: 1, 2: 1})
    with pytest.raises(CompressionError, match="symbol=1"):
        sparse.encode(np.array([0, 1, 2]))
    with pytest.raises(CompressionError, match="symbol"):
        HuffmanCode.from_symbols([]).encode(["A"])


def test_bad_decode_and_count_inputs():
    code = HuffmanCode.from_counts([5, 1, 1])
    data, n_bits = code.encode(np.array([0, 1, 2, 0]))
    with pytest.raises(CompressionError, match="too short"):
        code.decode(data, 40, n_bits)
    with pytest.raises(CompressionError):
        code.decode(data, -1)
    with pytest.raises(CompressionError):
        HuffmanCode.from_counts([1, -2])
    with pytest.raises(CompressionError):
        HuffmanCode({"a": 1, "b": 1, "c": 1})  # breaks Kraft's inequality


def test_fixed_length_codes_stay_aligned_and_fallback_decoder():
    code = HuffmanCode.from_counts([1] * 8)  # all code words 3 bits long
    x = np.arange(8).repeat(500)
    data, n_bits = code.encode(x)
    np.testing.assert_array_equal(code.decode(data, x.size, n_bits), x)
    lens = code.lengths
    starts = _huffman_fast.decode_starts_slow(lambda p: p + lens[0], n_bits, x.size)
    np.testing.assert_array_equal(starts, np.arange(x.size) * 3)


def test_tree_drawing_and_plots_smoke():
    import matplotlib

    matplotlib.use("Agg")
    from eie_lab.viz.compression import plot_code_lengths
    from eie_lab.viz.trees import draw_huffman_tree, tree_layout

    code = HuffmanCode.from_counts({"A": 7, "D": 3, "B": 1, "C": 1})
    g = code.to_networkx()
    pos = tree_layout(g)
    assert pos[""][1] == 0.0 and pos["111"] == (3.0, -3.0)
    for parent, child in g.edges:
        assert pos[child][1] == pos[parent][1] - 1
    fig = draw_huffman_tree(code)
    assert fig.axes and fig.axes[0].get_title().startswith("Huffman tree")
    assert plot_code_lengths(code).axes
    deep = HuffmanCode.from_counts([2**i for i in range(40)])
    assert len(tree_layout(deep.to_networkx())) == 79


# --- the readable lesson (huffman_code, encode, decode on bit strings) --------------------------


def test_readable_seed_example_merges_the_two_rarest():
    counts = {"A": 7, "D": 3, "B": 1, "C": 1}
    assert huffman_lengths(counts) == {"A": 1, "B": 3, "C": 3, "D": 2}
    code = huffman_code(counts)
    assert code == {"A": "0", "D": "10", "B": "110", "C": "111"}
    bits = huffman.encode("AAAAAAADDDBC", code)
    assert len(bits) == 19 and huffman.decode(bits, code) == list("AAAAAAADDDBC")
    assert huffman_code({"x": 5}) == {"x": "0"} and huffman_code({}) == {}
    assert huffman_code([3, 0, 1]) == {0: "0", 2: "1"}  # count 0: no code word


def test_readable_tie_breaking_is_documented_order():
    # equal counts: single-symbol trees leave in symbol order, merged trees after them
    assert huffman_lengths({"d": 1, "c": 1, "b": 1, "a": 1, "e": 2}) == {
        "a": 3, "b": 3, "c": 2, "d": 2, "e": 2}
    assert huffman_lengths({2: 1, "x": 1, 1: 1}) == {1: 2, 2: 2, "x": 1}  # mixed: by type name


def test_readable_errors_name_the_problem():
    with pytest.raises(CompressionError, match="symbol='X'"):
        huffman.encode("AX", {"A": "0"})
    with pytest.raises(CompressionError, match="end inside a code word"):
        huffman.decode("011", {"A": "0", "B": "10"})
    with pytest.raises(CompressionError, match="must be '0' or '1'"):
        huffman.decode("0a", {"A": "0", "B": "1"})
    with pytest.raises(CompressionError, match="Kraft"):
        canonical_code({"a": 1, "b": 1, "c": 1})
    with pytest.raises(CompressionError, match="int >= 0"):
        huffman_lengths({"a": 1.5})


count_tables = st.one_of(
    st.lists(st.integers(0, 10**6), min_size=1, max_size=60),  # symbols 0, 1, ...; zeros
    st.dictionaries(st.text("abcdefgh", min_size=1, max_size=3), st.integers(1, 20),
                    min_size=1, max_size=30),  # few distinct counts: many ties
    st.dictionaries(st.integers(-50, 2**40), st.integers(1, 2**30), min_size=1, max_size=40),
)


@settings(max_examples=120, deadline=None)
@given(count_tables)
def test_fast_code_equals_readable_code_and_is_optimal(freqs):
    table = dict(freqs) if isinstance(freqs, dict) else dict(enumerate(freqs))
    table = {s: c for s, c in table.items() if c > 0}
    readable = huffman_code(freqs)
    fast = HuffmanCode.from_counts(freqs)
    assert fast.code_table() == readable and list(fast.code_table()) == list(readable)
    assert fast.code_lengths() == {s: len(w) for s, w in readable.items()}
    assert set(readable) == set(table)
    total = sum(table[s] * len(w) for s, w in readable.items())
    if len(table) > 1:
        assert total == _optimal_cost(table.values())  # optimal average length
        assert sum(2.0 ** -len(w) for w in readable.values()) == pytest.approx(1.0)
        words = sorted(readable.values())
        assert not any(b.startswith(a) for a, b in zip(words, words[1:]))  # prefix-free
    if table:
        assert fast.encoded_bits() == total


def _pack(bits: str) -> bytes:
    return np.packbits(np.frombuffer(bits.encode(), np.uint8) - 48).tobytes() if bits else b""


@settings(max_examples=120, deadline=None)
@given(st.data())
def test_fast_encode_decode_bit_exact_against_readable(data):
    freqs = data.draw(count_tables)
    code = huffman_code(freqs)
    if not code:
        return
    symbols = list(code)
    stream = data.draw(st.lists(st.sampled_from(symbols), max_size=3000))
    bits = huffman.encode(stream, code)
    assert huffman.decode(bits, code) == stream  # the readable round trip
    fast = HuffmanCode.from_counts(freqs)
    as_array = all(isinstance(s, int) for s in symbols) and data.draw(st.booleans())
    got, n_bits = fast.encode(np.array(stream, dtype=np.int64) if as_array else stream)
    assert (got, n_bits) == (_pack(bits), len(bits))  # same bits, packed MSB first
    out = fast.decode(got, len(stream), n_bits)
    assert list(out) == stream


@settings(max_examples=20, deadline=None)
@given(st.integers(2, 300), st.integers(5000, 60000), st.integers(0, 2**32 - 1))
def test_fast_engine_on_long_streams_matches_readable(n_sym, n, seed):
    """Long skewed streams cross many 2048-bit chunks of the speculative decoder."""
    rng = np.random.default_rng(seed)
    x = rng.choice(n_sym, size=n, p=rng.dirichlet(np.full(n_sym, 0.2)))
    counts = np.bincount(x)
    code = huffman_code(counts.tolist())
    bits = huffman.encode(x.tolist(), code)
    fast = HuffmanCode.from_symbols(x)
    data, n_bits = fast.encode(x)
    assert (data, n_bits) == (_pack(bits), len(bits))
    np.testing.assert_array_equal(fast.decode(data, n, n_bits), x)
    assert huffman.decode(bits, code) == x.tolist()
