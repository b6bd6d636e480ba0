"""Canonical Huffman coding: code from counts, bit-exact encode/decode, entropy, the tree.

Deep Compression Huffman-codes the quantized weight indices and the sparse-matrix index
differences, saving 20-30% of storage [DC §4, papers.md §2.3]. A *canonical* code is fully
described by its code lengths: symbols are sorted by (length, symbol) and given consecutive
binary numbers, so encoder and decoder need only the lengths.

Ties between equal counts are broken by symbol order (leaves in sorted order, then merged
nodes in order of creation), so one set of counts always gives one code. A single symbol gets
the 1-bit word ``0``. Code words are written most significant bit first, bytes big-endian, the
last byte zero-padded; decoding needs the symbol count. Encoding ORs whole code words (several
symbols per table entry) into 64-bit words; decoding decodes 2048-bit chunks in parallel from
their nominal starts and stitches them where the true path meets the speculative one (Huffman
codes resynchronise within a few symbols), so both run at numpy speed. Example: :class:`HuffmanCode`.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from eie_lab.errors import CompressionError, fail_message

__all__ = ["HuffmanCode", "entropy", "huffman_lengths"]

_CHUNK_BITS = 2048
#: Longest code word supported (a 64-bit read at any bit offset holds 57 bits).
MAX_LENGTH = 57


def _sort_key(symbols: list) -> list:
    try:
        return sorted(symbols)
    except TypeError:  # mixed types: order by type name, then repr
        return sorted(symbols, key=lambda s: (type(s).__name__, repr(s)))


def entropy(counts: Mapping[Any, int] | Iterable[int]) -> float:
    """Shannon entropy in bits per symbol of a count table (the lower bound on average length).

    Examples
    --------
    >>> entropy([1, 1, 2])
    1.5
    """
    c = np.asarray(list(counts.values() if isinstance(counts, Mapping) else counts), float)
    p = c[c > 0] / max(float(c[c > 0].sum()), 1.0)
    return float(-(p * np.log2(p)).sum() + 0.0)


def huffman_lengths(counts: list[int]) -> list[int]:
    """Huffman code lengths for counts given in tie-break order (all counts > 0).

    Examples
    --------
    >>> huffman_lengths([7, 1, 1, 3])
    [1, 3, 3, 2]
    """
    n = len(counts)
    if n == 1:
        return [1]
    heap = [(int(c), i) for i, c in enumerate(counts)]
    heapq.heapify(heap)
    parent = list(range(n))
    next_id = n
    while len(heap) > 1:
        c1, a = heapq.heappop(heap)
        c2, b = heapq.heappop(heap)
        parent.append(next_id)
        parent[a] = parent[b] = next_id
        heapq.heappush(heap, (c1 + c2, next_id))
        next_id += 1
    depth = [0] * next_id
    for node in range(next_id - 2, -1, -1):  # parents are created after their children
        depth[node] = depth[parent[node]] + 1
    return depth[:n]


class HuffmanCode:
    """A canonical Huffman code.

    Build it with :meth:`from_counts` or :meth:`from_symbols` (or from explicit lengths).

    Attributes
    ----------
    symbols : list
        The symbols in canonical order (by code length, then symbol).
    lengths, codes, counts : ndarray
        Aligned with ``symbols``: code lengths, code words (the low ``lengths[i]`` bits of a
        uint64) and the counts the code was built from (None if built from lengths).

    Examples
    --------
    >>> code = HuffmanCode.from_counts({"A": 7, "D": 3, "B": 1, "C": 1})
    >>> code.code_table()
    {'A': '0', 'D': '10', 'B': '110', 'C': '111'}
    >>> code.encoded_bits()     # 7*1 + 3*2 + 1*3 + 1*3, versus 12 * 2 = 24 with fixed 2-bit codes
    19
    >>> data, n_bits = code.encode("AADBC")
    >>> data, n_bits
    (b'-\\xc0', 10)
    >>> "".join(code.decode(data, 5))
    'AADBC'
    """

    def __init__(self, lengths: Mapping[Any, int], counts: Mapping[Any, int] | None = None):
        order = _sort_key(list(lengths))
        rank = {s: i for i, s in enumerate(order)}
        canon = sorted(order, key=lambda s: (int(lengths[s]), rank[s]))
        self.symbols = canon
        self.lengths = np.array([int(lengths[s]) for s in canon], dtype=np.int64)
        if self.lengths.size and (self.lengths.min() < 1 or self.lengths.max() > MAX_LENGTH or
                                  np.sum(2.0 ** -self.lengths) > 1.0 + 1e-12):
            raise CompressionError(fail_message(
                "code lengths", dict(lengths), f"must be in 1..{MAX_LENGTH} and satisfy Kraft's "
                "inequality", "counts this skewed need > 1e11 symbols; merge rare symbols"))
        codes, code, prev = [], 0, int(self.lengths[0]) if canon else 0
        for length in self.lengths:
            code <<= int(length) - prev
            codes.append(code)
            code, prev = code + 1, int(length)
        self.codes = np.array(codes, dtype=np.uint64)
        self.counts = (None if counts is None else
                       np.array([int(counts[s]) for s in canon], dtype=np.int64))
        self._index = {s: i for i, s in enumerate(canon)}
        self.max_length = int(self.lengths.max()) if canon else 0
        self._int_symbols = bool(canon) and all(
            isinstance(s, int | np.integer) and not isinstance(s, bool) for s in canon)

    @classmethod
    def from_counts(cls, counts: Mapping[Any, int] | Iterable[int]) -> HuffmanCode:
        """Huffman code for a count table (``{symbol: count}``, or counts of symbols 0, 1, ...).

        Symbols with count 0 are left out of the code.
        """
        table = dict(counts) if isinstance(counts, Mapping) else dict(enumerate(counts))
        for s, c in table.items():
            if not (isinstance(c, int | np.integer) and c >= 0):
                raise CompressionError(fail_message(f"counts[{s!r}]", c, "must be an int >= 0"))
        table = {s: int(c) for s, c in table.items() if c > 0}
        order = _sort_key(list(table))
        lens = huffman_lengths([table[s] for s in order]) if order else []
        return cls(dict(zip(order, lens)), table)

    @classmethod
    def from_symbols(cls, stream: Iterable[Any] | np.ndarray) -> HuffmanCode:
        """Huffman code for the symbol frequencies of ``stream``."""
        arr = stream if isinstance(stream, np.ndarray) else None
        if arr is not None and arr.dtype.kind in "iu" and arr.size:
            lo, hi = int(arr.min()), int(arr.max())
            if hi - lo < (1 << 20):  # fast count
                cnt = np.bincount((arr.ravel() - lo).astype(np.intp))
                values, cnt = np.flatnonzero(cnt) + lo, cnt[cnt > 0]
            else:
                values, cnt = np.unique(arr, return_counts=True)
            return cls.from_counts({int(v): int(c) for v, c in zip(values, cnt)})
        return cls.from_counts(Counter(list(stream)))

    def code_table(self) -> dict[Any, str]:
        """``{symbol: code word as a '0'/'1' string}`` in canonical order."""
        return {s: format(int(c), f"0{n}b") for s, c, n in zip(self.symbols, self.codes,
                                                                self.lengths)}

    def code_lengths(self) -> dict[Any, int]:
        return {s: int(n) for s, n in zip(self.symbols, self.lengths)}  # {symbol: code length}

    def encoded_bits(self, counts: Mapping[Any, int] | None = None) -> int:
        """Total bits to code a stream with these counts (default: the build counts)."""
        if counts is None:
            if self.counts is None:
                raise CompressionError("this code was built without counts; pass counts")
            return int(np.dot(self.counts, self.lengths))
        return sum(int(c) * int(self.lengths[self._lookup_one(s)]) for s, c in counts.items() if c)

    def expected_length(self, counts: Mapping[Any, int] | None = None) -> float:
        """Average code length in bits per symbol for these counts (default: the build counts)."""
        n = int(self.counts.sum()) if counts is None and self.counts is not None else (
            sum(int(c) for c in counts.values()) if counts is not None else 0)
        return self.encoded_bits(counts) / n if n else 0.0

    def _lookup_one(self, s: Any) -> int:
        try:
            return self._index[s]
        except (KeyError, TypeError):
            raise CompressionError(fail_message(
                "symbol", s, "is not in the code",
                f"build the code from counts that include it (code has {len(self.symbols)} "
                "symbols)")) from None

    def _indices(self, stream: Iterable[Any] | np.ndarray) -> np.ndarray:
        """Canonical index of every symbol of ``stream`` (vectorised for integer arrays)."""
        arr = np.asarray(stream) if not isinstance(stream, str) else None
        if arr is not None and arr.dtype.kind in "iu" and self._int_symbols:
            arr = arr.ravel()
            if arr.size == 0:
                return np.zeros(0, dtype=np.int64)
            vals = np.array(self.symbols, dtype=np.int64)
            lo, hi = int(vals.min()), int(vals.max())
            amin, amax = int(arr.min()), int(arr.max())
            if amin < lo or amax > hi:
                self._lookup_one(amin if amin < lo else amax)
            order = np.argsort(vals)
            if hi - lo < (1 << 22):  # dense lookup table
                lut = np.full(hi - lo + 1, -1, dtype=np.int64)
                lut[vals - lo] = np.arange(vals.size)
                idx = lut[arr - lo if lo else arr]
            else:
                idx = order[np.clip(np.searchsorted(vals[order], arr), 0, vals.size - 1)]
            bad = idx < 0 if hi - lo < (1 << 22) else vals[idx] != arr
            if bad.any():
                self._lookup_one(int(arr[np.argmax(bad)]))
            return idx
        items = list(stream) if not isinstance(stream, np.ndarray) else stream.ravel().tolist()
        return np.array([self._lookup_one(s) for s in items], dtype=np.int64)

    def encode(self, stream: Iterable[Any] | np.ndarray) -> tuple[bytes, int]:
        """Encode a symbol stream; returns ``(data, n_bits)`` (data is zero-padded to bytes).

        Raises :class:`~eie_lab.errors.CompressionError` naming the first symbol not in the code."""
        idx = self._indices(stream)
        if idx.size == 0:
            return b"", 0
        return _encode(self, idx)

    def decode(self, data: bytes, n_symbols: int, n_bits: int | None = None) -> np.ndarray | list:
        """Decode ``n_symbols`` symbols (int array for int symbols, else a list) from ``data``.

        ``n_bits`` (optional) is the exact stream length: decoding must end within it."""
        if not (isinstance(n_symbols, int | np.integer) and n_symbols >= 0):
            raise CompressionError(fail_message("n_symbols", n_symbols, "must be an int >= 0"))
        avail = 8 * len(data) if n_bits is None else int(n_bits)
        if n_symbols == 0:
            return np.zeros(0, dtype=np.int64) if self._int_symbols else []
        if not self.symbols or avail > 8 * len(data):
            raise CompressionError(fail_message("n_bits", n_bits, f"must be <= 8*len(data) = "
                                                f"{8 * len(data)} with a non-empty code"))
        starts = _decode_starts(self, bytes(data), n_symbols, avail)
        idx = _symbol_index(self)(_word_reader(data, self.max_length)(starts))
        if self._int_symbols:
            return np.array(self.symbols, dtype=np.int64)[idx]
        return [self.symbols[i] for i in idx.tolist()]

    def to_networkx(self):  # -> networkx.DiGraph (imported lazily)
        """The code tree as a ``networkx.DiGraph``.

        Nodes are code-word prefixes (``""`` is the root); each has ``count`` (sum over its
        leaves, 0 without counts) and ``symbol`` (leaves only, else None); edges carry ``bit``.
        """
        import networkx as nx

        g = nx.DiGraph()
        g.add_node("", symbol=None, count=0)
        counts = self.counts if self.counts is not None else np.zeros(len(self.symbols), int)
        for s, word, c in zip(self.symbols, self.code_table().values(), counts):
            for depth in range(1, len(word) + 1):
                node, parent = word[:depth], word[:depth - 1]
                if node not in g:
                    g.add_node(node, symbol=None, count=0)
                    g.add_edge(parent, node, bit=node[-1])
            g.nodes[word]["symbol"] = s
            for depth in range(len(word) + 1):
                g.nodes[word[:depth]]["count"] += int(c)
        return g

    def __repr__(self) -> str:
        return f"HuffmanCode({self.code_table()!r})"


def _encode_words(codes: np.ndarray, lens: np.ndarray) -> tuple[bytes, int]:
    """Pack code words (MSB first) into 64-bit big-endian words with one OR-reduction."""
    ends = np.cumsum(lens, dtype=np.int64)
    n_bits = int(ends[-1])
    off = ends - lens
    word = off >> 6
    tail = (off & 63) + lens  # where each code ends, counted from the start of its word
    lsh = 64 - tail
    np.maximum(lsh, 0, out=lsh)
    hi = codes << lsh.astype(np.uint64)
    sp = np.flatnonzero(tail > 64)  # codes running into the next word (<= 1 per boundary)
    hi[sp] = codes[sp] >> (tail[sp] - 64).astype(np.uint64)
    first = np.flatnonzero(word[1:] != word[:-1]) + 1
    first = np.concatenate(([0], first))
    out = np.zeros(int(word[-1]) + 2, dtype=np.uint64)
    out[word[first]] = np.bitwise_or.reduceat(hi, first)
    out[word[sp] + 1] |= codes[sp] << (128 - tail[sp]).astype(np.uint64)
    return out.astype(">u8").tobytes()[:(n_bits + 7) // 8], n_bits


def _encode(code: HuffmanCode, idx: np.ndarray) -> tuple[bytes, int]:
    """Encode canonical indices, ``g`` symbols at a time (one table entry per g-tuple)."""
    nsym, width = len(code.symbols), code.max_length
    g = 1
    while (g + 1) * width <= 64 and nsym ** (g + 1) <= (1 << 16):
        g += 1
    if g == 1:
        return _encode_words(code.codes[idx], code.lengths[idx])
    gcodes, glens = code.codes, code.lengths
    for _ in range(g - 1):
        gcodes = ((gcodes[:, None] << code.lengths.astype(np.uint64)[None, :])
                  | code.codes[None, :]).ravel()
        glens = (glens[:, None] + code.lengths[None, :]).ravel()
    pad = (-idx.size) % g
    if pad:
        idx = np.concatenate((idx, np.zeros(pad, dtype=idx.dtype)))
    gi = idx[0::g]
    for r in range(1, g):
        gi = gi * nsym + idx[r::g]
    data, n_bits = _encode_words(gcodes[gi], glens[gi])
    if pad:
        n_bits -= pad * int(code.lengths[0])
        data = bytearray(data[:(n_bits + 7) // 8])
        if n_bits % 8:
            data[-1] &= (0xFF << (8 - n_bits % 8)) & 0xFF
        data = bytes(data)
    return data, n_bits


def _word_reader(data: bytes, width: int):
    """Return ``win(p)``: the ``width`` bits starting at bit positions ``p`` (0 past the end)."""
    buf = np.frombuffer(bytes(data) + bytes(16), dtype=np.uint8)
    w64 = np.ndarray((len(data) + 2,), dtype=">u8", buffer=buf, strides=(1,)).astype(np.uint64)
    sh = np.uint64(64 - width)
    return lambda p: (w64[p >> 3] << (p & 7).astype(np.uint64)) >> sh


def _symbol_index(code: HuffmanCode):
    """Return ``f(window) -> canonical symbol index`` (a lookup table for short codes)."""
    width = code.max_length
    left = code.codes << (np.uint64(width) - code.lengths.astype(np.uint64))
    if width <= 20:
        span = np.int64(1) << (width - code.lengths)
        lut = np.repeat(np.arange(len(code.symbols), dtype=np.int64), span)
        lut = np.concatenate((lut, np.full((1 << width) - lut.size, lut[-1])))
        return lambda w: lut[w]
    return lambda w: np.searchsorted(left, w, side="right") - 1


def _decode_starts(code: HuffmanCode, data: bytes, n_symbols: int, avail: int) -> np.ndarray:
    """Bit positions of the first ``n_symbols`` code words of ``data`` (chunk-parallel)."""
    win, sym = _word_reader(data, code.max_length), _symbol_index(code)
    lens = code.lengths

    def step(p: np.ndarray) -> np.ndarray:
        return p + lens[sym(win(p))]

    d = int(np.gcd.reduce(lens))  # every true start is a multiple of d: keep chunks aligned
    chunk = d * -(-_CHUNK_BITS // d)
    n_chunks = -(-avail // chunk)
    visited = np.zeros(avail + code.max_length + 1, dtype=bool)
    ids = np.arange(n_chunks)
    pos, end = ids * chunk, np.minimum((ids + 1) * chunk, avail)
    exits = np.empty(n_chunks, dtype=np.int64)
    while ids.size:  # 1. decode every chunk speculatively from its nominal start
        visited[pos] = True
        pos = step(pos)
        done = pos >= end
        if done.any():
            exits[ids[done]] = pos[done]
            keep = ~done
            ids, pos, end = ids[keep], pos[keep], end[keep]
    # 2. the true path enters chunk c where chunk c-1's path left it; follow it until it meets
    #    the speculative path (Huffman codes resynchronise within a few symbols)
    entry, ends = exits[:-1].copy(), np.minimum(np.arange(2, n_chunks + 1) * chunk, avail)
    p, extra, live = entry.copy(), [], np.ones(entry.size, dtype=bool)
    while True:
        live &= (p < ends) & ~visited[np.minimum(p, avail)]
        if not live.any():
            break
        extra.append(p[live])
        p[live] = step(extra[-1])
    synced = p < ends
    sync, out_exit = np.where(synced, p, ends), np.where(synced, exits[1:], p)
    if not np.array_equal(entry[1:], out_exit[:-1]):  # rare: a chunk never resynchronised
        return _decode_starts_slow(step, avail, n_symbols)
    for c in range(1, n_chunks):
        visited[c * chunk:sync[c - 1]] = False
    visited[avail:] = False
    visited[np.concatenate(extra or [np.zeros(0, np.int64)])] = True
    starts = np.flatnonzero(visited)[:n_symbols]
    if starts.size < n_symbols or int(step(starts[-1:])[0]) > avail:
        raise CompressionError(fail_message("data", f"{len(data)} bytes", f"too short for "
                                            f"{n_symbols} symbols", "pass the encoder's output"))
    return starts


def _decode_starts_slow(step, avail: int, n_symbols: int) -> np.ndarray:
    """Plain sequential decode of the symbol start positions (fallback, rarely needed)."""
    starts, p = [], 0
    while len(starts) < n_symbols and p < avail:
        starts.append(p)
        p = int(step(np.array([p]))[0])
    if len(starts) < n_symbols or p > avail:
        raise CompressionError(fail_message("data", "stream", f"too short for {n_symbols} "
                                            "symbols", "pass the encoder's output"))
    return np.array(starts, dtype=np.int64)
