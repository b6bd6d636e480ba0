"""Huffman coding: build the code by merging the two rarest, write it canonically, encode, decode.

Deep Compression Huffman-codes the quantized weight indices and the sparse-matrix index
differences, saving 20-30% of storage [DC §4, Table 2]. A Huffman code gives frequent
symbols short code words and rare ones long words, and no word is the prefix of another, so a
bit stream decodes without separators. It is optimal: no prefix code has a smaller total length.

The lesson, in four readable functions:

1. :func:`huffman_lengths` — start with one tree per symbol, weighted by its count; repeatedly
   take the two *rarest* trees off a heap and merge them into one whose count is their sum.
   Every merge puts the symbols of both trees one level deeper, i.e. one bit longer. When one
   tree is left, each symbol's depth is its code length.
2. :func:`canonical_code` — only the lengths matter: sort the symbols by (length, symbol) and
   give them consecutive binary numbers, shifting left whenever the length grows. Encoder and
   decoder then need only the lengths (that is what a compressed file stores).
3. :func:`encode` — concatenate the code words.
4. :func:`decode` — read bits until they form a code word, emit its symbol, start again.

:func:`huffman_code` is steps 1 and 2 together and :func:`entropy` the lower bound on the
average length. :class:`HuffmanCode` is the same code as an object, built with these functions,
whose encoder and decoder work on bytes at numpy speed (the engine is in the private module
``eie_lab.compression._huffman_fast``; the tests check it agrees bit for bit with
:func:`encode` and :func:`decode`).

Tie-breaking, so that one count table always gives one code: symbols are put in sorted order
(mixed types: by type name, then ``repr``); on the heap, trees of equal count leave in the order
they were made: the single-symbol trees in symbol order first, then the merged trees in order
of creation. A table with a single symbol gets the 1-bit word ``0``; symbols of count 0 are
left out.

Examples
--------
>>> from eie_lab.compression.huffman import decode, encode, huffman_code, huffman_lengths
>>> counts = {"A": 7, "D": 3, "B": 1, "C": 1}
>>> huffman_lengths(counts)
{'A': 1, 'B': 3, 'C': 3, 'D': 2}
>>> code = huffman_code(counts)
>>> code
{'A': '0', 'D': '10', 'B': '110', 'C': '111'}
>>> bits = encode("AADBC", code)
>>> bits
'0010110111'
>>> "".join(decode(bits, code))
'AADBC'
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any

import numpy as np

from eie_lab.compression import _huffman_fast
from eie_lab.errors import CompressionError, fail_message

__all__ = ["huffman_lengths", "canonical_code", "huffman_code", "encode", "decode", "entropy",
           "HuffmanCode"]


def _sorted_symbols(symbols: Iterable[Any]) -> list:
    """The symbols in sorted order (mixed types: by type name, then ``repr``)."""
    symbols = list(symbols)
    try:
        return sorted(symbols)
    except TypeError:
        return sorted(symbols, key=lambda s: (type(s).__name__, repr(s)))


def _count_table(freqs: Mapping[Any, int] | Iterable[int]) -> dict[Any, int]:
    """``{symbol: count}`` with count > 0, from a mapping or from the counts of symbols 0, 1, ..."""
    table = dict(freqs) if isinstance(freqs, Mapping) else dict(enumerate(freqs))
    for s, c in table.items():
        if not (isinstance(c, int | np.integer) and not isinstance(c, bool) and c >= 0):
            raise CompressionError(fail_message(f"counts[{s!r}]", c, "must be an int >= 0",
                                                "pass how often each symbol occurs"))
    return {s: int(c) for s, c in table.items() if c > 0}


def entropy(counts: Mapping[Any, int] | Iterable[int]) -> float:
    """Shannon entropy in bits per symbol of a count table (the lower bound on average length).

    ``H = -sum_s p_s log2(p_s)`` with ``p_s = count_s / total``. A Huffman code's average length
    lies in ``[H, H + 1)``.

    Parameters
    ----------
    counts : mapping of symbol -> int, or iterable of int
        How often each symbol occurs (zeros are ignored).

    Returns
    -------
    float
        Bits per symbol (0.0 for an empty table or a single symbol).

    Examples
    --------
    >>> entropy([1, 1, 2])
    1.5
    """
    c = np.asarray(list(counts.values() if isinstance(counts, Mapping) else counts), float)
    p = c[c > 0] / max(float(c[c > 0].sum()), 1.0)
    return float(-(p * np.log2(p)).sum() + 0.0)


def huffman_lengths(freqs: Mapping[Any, int] | Iterable[int]) -> dict[Any, int]:
    """Huffman code length of every symbol, by repeatedly merging the two rarest trees.

    Parameters
    ----------
    freqs : mapping of symbol -> int, or iterable of int
        How often each symbol occurs (``{symbol: count}``, or the counts of symbols 0, 1, ...).
        Symbols with count 0 get no code word.

    Returns
    -------
    dict
        ``{symbol: length in bits}`` in sorted symbol order (empty for an empty table).

    Raises
    ------
    CompressionError
        A count that is not an int >= 0.

    Examples
    --------
    The two rarest, B and C (1 each), merge first (count 2), then that tree with D (3), then
    with A (7): A ends one level deep, D two, B and C three.

    >>> huffman_lengths({"A": 7, "D": 3, "B": 1, "C": 1})
    {'A': 1, 'B': 3, 'C': 3, 'D': 2}
    >>> huffman_lengths([5, 5, 5, 5])  # four equal counts: a balanced tree
    {0: 2, 1: 2, 2: 2, 3: 2}
    """
    table = _count_table(freqs)
    symbols = _sorted_symbols(table)
    if len(symbols) <= 1:
        return dict.fromkeys(symbols, 1)
    # a heap of trees (count, tie-break rank, symbols in the tree); ranks are unique, so equal
    # counts leave in rank order and the symbol lists are never compared
    heap = [(table[s], rank, [s]) for rank, s in enumerate(symbols)]
    heapq.heapify(heap)
    length = dict.fromkeys(symbols, 0)
    next_rank = len(heap)
    while len(heap) > 1:
        count_a, _, tree_a = heapq.heappop(heap)  # the rarest tree
        count_b, _, tree_b = heapq.heappop(heap)  # the second rarest
        for s in tree_a + tree_b:
            length[s] += 1  # the merged trees hang one level lower: one more bit
        heapq.heappush(heap, (count_a + count_b, next_rank, tree_a + tree_b))
        next_rank += 1
    return length


def canonical_code(lengths: Mapping[Any, int]) -> dict[Any, str]:
    """Canonical code words for given code lengths.

    Symbols are sorted by (length, symbol); the first gets ``length`` zero bits, each next one
    the previous word plus one, shifted left by the growth in length. So the words of each
    length are consecutive binary numbers and the code is fixed by the lengths alone.

    Parameters
    ----------
    lengths : mapping of symbol -> int
        Code length of each symbol, e.g. from :func:`huffman_lengths`.

    Returns
    -------
    dict
        ``{symbol: code word as a '0'/'1' string}`` in canonical order.

    Raises
    ------
    CompressionError
        A length below 1, or lengths breaking Kraft's inequality ``sum 2**-length <= 1`` (no
        prefix code has them).

    Examples
    --------
    >>> canonical_code({"A": 1, "B": 3, "C": 3, "D": 2})
    {'A': '0', 'D': '10', 'B': '110', 'C': '111'}
    """
    if any(not (isinstance(n, int | np.integer) and n >= 1) for n in lengths.values()) or (
            sum(Fraction(1, 2 ** int(n)) for n in lengths.values()) > 1):
        raise CompressionError(fail_message(
            "code lengths", dict(lengths), "must be ints >= 1 satisfying Kraft's inequality "
            "(sum of 2**-length <= 1)", "build them with huffman_lengths(counts)"))
    rank = {s: i for i, s in enumerate(_sorted_symbols(lengths))}
    order = sorted(lengths, key=lambda s: (int(lengths[s]), rank[s]))
    words: dict[Any, str] = {}
    word, prev = 0, int(lengths[order[0]]) if order else 0
    for s in order:
        n = int(lengths[s])
        word <<= n - prev  # longer words: append zeros
        words[s] = format(word, f"0{n}b")
        word, prev = word + 1, n
    return words


def huffman_code(freqs: Mapping[Any, int] | Iterable[int]) -> dict[Any, str]:
    """The canonical Huffman code of a count table: ``canonical_code(huffman_lengths(freqs))``.

    Parameters
    ----------
    freqs : mapping of symbol -> int, or iterable of int
        How often each symbol occurs; symbols with count 0 get no code word.

    Returns
    -------
    dict
        ``{symbol: code word as a '0'/'1' string}`` in canonical order.

    Examples
    --------
    >>> code = huffman_code({"A": 7, "D": 3, "B": 1, "C": 1})
    >>> code
    {'A': '0', 'D': '10', 'B': '110', 'C': '111'}
    >>> sum(count * len(code[s]) for s, count in {"A": 7, "D": 3, "B": 1, "C": 1}.items())
    19
    """
    return canonical_code(huffman_lengths(freqs))


def encode(symbols: Iterable[Any], code: Mapping[Any, str]) -> str:
    """Concatenate the code words of ``symbols``.

    Parameters
    ----------
    symbols : iterable
        The symbol stream.
    code : mapping of symbol -> str
        Code words, e.g. from :func:`huffman_code`.

    Returns
    -------
    str
        The bit string ('0'/'1' characters).

    Raises
    ------
    CompressionError
        Naming the first symbol that has no code word.

    Examples
    --------
    >>> encode(["A", "D", "A"], {"A": "0", "D": "10"})
    '0100'
    """
    bits = []
    for s in symbols:
        if s not in code:
            raise CompressionError(fail_message("symbol", s, "is not in the code",
                                                "build the code from counts that include it"))
        bits.append(code[s])
    return "".join(bits)


def decode(bits: str, code: Mapping[Any, str]) -> list:
    """Split a bit string into code words and return their symbols.

    Reads bits one at a time until they spell a code word (a prefix code has exactly one
    match), emits its symbol and starts a new word.

    Parameters
    ----------
    bits : str
        '0'/'1' characters, e.g. from :func:`encode`.
    code : mapping of symbol -> str
        The prefix code the bits were written with.

    Returns
    -------
    list
        The symbols.

    Raises
    ------
    CompressionError
        A character other than '0'/'1', or bits that end inside a code word.

    Examples
    --------
    >>> decode("0100", {"A": "0", "D": "10"})
    ['A', 'D', 'A']
    """
    symbol_of = {word: s for s, word in code.items()}
    out, word = [], ""
    for i, bit in enumerate(bits):
        if bit not in ("0", "1"):
            raise CompressionError(fail_message(f"bits[{i}]", bit, "must be '0' or '1'"))
        word += bit
        if word in symbol_of:
            out.append(symbol_of[word])
            word = ""
    if word:
        raise CompressionError(fail_message("bits", f"...{word}", "end inside a code word",
                                            "pass the whole encoded stream"))
    return out


class HuffmanCode:
    """A canonical Huffman code whose encoder and decoder work on bytes at numpy speed.

    Built from counts (:meth:`from_counts`, :meth:`from_symbols`) with :func:`huffman_lengths`,
    or from explicit lengths; the code words are :func:`canonical_code`'s. :meth:`encode` gives
    the bits of :func:`encode` packed into bytes, most significant bit first, the last byte
    zero-padded; :meth:`decode` needs the symbol count (and optionally the exact bit count).

    Parameters
    ----------
    lengths : mapping of symbol -> int
        Code length of each symbol (1..57 bits, satisfying Kraft's inequality).
    counts : mapping of symbol -> int, optional
        The counts the code was built from (for :meth:`encoded_bits` and
        :meth:`expected_length`).

    Attributes
    ----------
    symbols : list
        The symbols in canonical order (by code length, then symbol).
    lengths, codes, counts : ndarray
        Aligned with ``symbols``: code lengths, code words (the low ``lengths[i]`` bits of a
        uint64) and the counts the code was built from (None if built from lengths).
    max_length : int
        The longest code word (0 for an empty code).

    Examples
    --------
    >>> code = HuffmanCode.from_counts({"A": 7, "D": 3, "B": 1, "C": 1})
    >>> code.code_table()
    {'A': '0', 'D': '10', 'B': '110', 'C': '111'}
    >>> code.encoded_bits()     # 7*1 + 3*2 + 1*3 + 1*3, versus 12 * 2 = 24 with fixed 2-bit codes
    19
    >>> data, n_bits = code.encode("AADBC")
    >>> data, n_bits            # the bits 0010110111 of encode("AADBC", code_table), zero-padded
    (b'-\\xc0', 10)
    >>> "".join(code.decode(data, 5))
    'AADBC'
    """

    def __init__(self, lengths: Mapping[Any, int], counts: Mapping[Any, int] | None = None):
        if any(isinstance(n, int | np.integer) and n > _huffman_fast.MAX_LENGTH
               for n in lengths.values()):
            raise CompressionError(fail_message(
                "code lengths", dict(lengths), f"must be at most {_huffman_fast.MAX_LENGTH} bits "
                "(the coder reads 64-bit words)",
                "counts this skewed need > 1e11 symbols; merge rare symbols"))
        self._table = canonical_code(lengths)
        self.symbols = list(self._table)
        self.lengths = np.array([int(lengths[s]) for s in self.symbols], dtype=np.int64)
        self.codes = np.array([int(w, 2) for w in self._table.values()], dtype=np.uint64)
        self.counts = (None if counts is None else
                       np.array([int(counts[s]) for s in self.symbols], dtype=np.int64))
        self._index = {s: i for i, s in enumerate(self.symbols)}
        self.max_length = int(self.lengths.max()) if self.symbols else 0
        self._int_symbols = bool(self.symbols) and all(
            isinstance(s, int | np.integer) and not isinstance(s, bool) for s in self.symbols)
        self._int_values = (np.array(self.symbols, dtype=np.int64) if self._int_symbols
                            else None)

    @classmethod
    def from_counts(cls, counts: Mapping[Any, int] | Iterable[int]) -> HuffmanCode:
        """Huffman code for a count table (``{symbol: count}``, or counts of symbols 0, 1, ...).

        Symbols with count 0 are left out of the code.

        Examples
        --------
        >>> HuffmanCode.from_counts([4, 0, 2, 1, 1]).code_table()
        {0: '0', 2: '10', 3: '110', 4: '111'}
        """
        table = _count_table(counts)
        return cls(huffman_lengths(table), table)

    @classmethod
    def from_symbols(cls, stream: Iterable[Any] | np.ndarray) -> HuffmanCode:
        """Huffman code for the symbol frequencies of ``stream``.

        Examples
        --------
        >>> HuffmanCode.from_symbols("ABRACADABRA").code_table()
        {'A': '0', 'B': '100', 'C': '101', 'D': '110', 'R': '111'}
        """
        if isinstance(stream, np.ndarray) and stream.dtype.kind in "iu" and stream.size:
            values, cnt = _huffman_fast.count_ints(stream)
            return cls.from_counts({int(v): int(c) for v, c in zip(values, cnt)})
        return cls.from_counts(Counter(list(stream)))

    def code_table(self) -> dict[Any, str]:
        """``{symbol: code word as a '0'/'1' string}`` in canonical order."""
        return dict(self._table)

    def code_lengths(self) -> dict[Any, int]:
        """``{symbol: code length}`` in canonical order."""
        return {s: int(n) for s, n in zip(self.symbols, self.lengths)}

    def encoded_bits(self, counts: Mapping[Any, int] | None = None) -> int:
        """Total bits to code a stream with these counts (default: the build counts)."""
        if counts is None:
            if self.counts is None:
                raise CompressionError(fail_message("counts", None, "are needed: this code was "
                                                    "built from lengths", "pass counts"))
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
            idx = _huffman_fast.int_indices(self._int_values, arr)
            bad = idx < 0
            if bad.any():
                self._lookup_one(arr.ravel()[int(np.argmax(bad))].item())
            return idx
        items = list(stream) if not isinstance(stream, np.ndarray) else stream.ravel().tolist()
        return np.array([self._lookup_one(s) for s in items], dtype=np.int64)

    def encode(self, stream: Iterable[Any] | np.ndarray) -> tuple[bytes, int]:
        """Encode a symbol stream; returns ``(data, n_bits)`` (data is zero-padded to bytes).

        Raises :class:`~eie_lab.errors.CompressionError` naming the first symbol not in the
        code.
        """
        idx = self._indices(stream)
        if idx.size == 0:
            return b"", 0
        return _huffman_fast.encode(self.codes, self.lengths, idx)

    def decode(self, data: bytes, n_symbols: int, n_bits: int | None = None) -> np.ndarray | list:
        """Decode ``n_symbols`` symbols (int array for int symbols, else a list) from ``data``.

        ``n_bits`` (optional) is the exact stream length: decoding must end within it.
        """
        if not (isinstance(n_symbols, int | np.integer) and n_symbols >= 0):
            raise CompressionError(fail_message("n_symbols", n_symbols, "must be an int >= 0"))
        avail = 8 * len(data) if n_bits is None else int(n_bits)
        if n_symbols == 0:
            return np.zeros(0, dtype=np.int64) if self._int_symbols else []
        if not self.symbols or avail > 8 * len(data):
            raise CompressionError(fail_message("n_bits", n_bits, f"must be <= 8*len(data) = "
                                                f"{8 * len(data)} with a non-empty code"))
        idx = _huffman_fast.decode(bytes(data), self.codes, self.lengths, int(n_symbols), avail)
        if self._int_symbols:
            return self._int_values[idx]
        return [self.symbols[i] for i in idx.tolist()]

    def to_networkx(self):  # -> networkx.DiGraph
        """The code tree as a ``networkx.DiGraph``.

        Nodes are code-word prefixes (``""`` is the root); each has ``count`` (sum over its
        leaves, 0 without counts) and ``symbol`` (leaves only, else None); edges carry ``bit``.
        """
        import networkx as nx  # deferred: networkx is only needed to draw the tree

        g = nx.DiGraph()
        g.add_node("", symbol=None, count=0)
        counts = self.counts if self.counts is not None else np.zeros(len(self.symbols), int)
        for s, word, c in zip(self.symbols, self._table.values(), counts):
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
