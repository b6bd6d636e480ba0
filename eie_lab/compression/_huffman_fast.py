"""Fast engine behind :class:`eie_lab.compression.huffman.HuffmanCode` (private; no public API).

The readable lesson is in :mod:`eie_lab.compression.huffman` (``huffman_lengths``,
``canonical_code``, ``encode`` and ``decode`` on '0'/'1' strings); this module produces the
same bits, packed into bytes, at numpy speed, and ``tests/test_huffman.py`` checks the two agree
bit for bit. A code is given as arrays aligned in canonical order: ``codes`` (the code words as
the low ``lengths[i]`` bits of a uint64) and ``lengths``.

* :func:`encode` packs the code words most significant bit first into 64-bit big-endian words
  with one OR-reduction; when the code words are short it first joins ``g`` symbols into one
  table entry (the code words of every g-tuple are precomputed), so there are ``g`` times fewer
  words to place.
* :func:`decode` finds where each code word starts, then reads each word with one table lookup
  on a ``max_length``-bit window. Finding the starts is the sequential part of Huffman decoding;
  it is made parallel by speculation: the bit stream is cut into 2048-bit chunks, every chunk is
  decoded from its nominal start at once, and each chunk's true path (entered where the previous
  chunk's path left it) is followed only until it meets the speculative one. Huffman codes
  resynchronise within a few symbols, so little is decoded twice. A chunk that never
  resynchronises falls back to :func:`decode_starts_slow`, one symbol at a time.
"""

from __future__ import annotations

import numpy as np

from eie_lab.errors import CompressionError, fail_message

#: Longest code word supported (a 64-bit read at any bit offset holds 57 bits).
MAX_LENGTH = 57

_CHUNK_BITS = 2048  # speculative decoding: bits per chunk
_DENSE_LUT = 1 << 22  # integer symbols spanning fewer values use a dense lookup table


def count_ints(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values of the integer array ``x`` (ascending) and how often each occurs."""
    x = x.ravel()
    lo, hi = int(x.min()), int(x.max())
    if hi - lo < (1 << 20):  # a bincount over the value range
        cnt = np.bincount((x - lo).astype(np.intp))
        return np.flatnonzero(cnt) + lo, cnt[cnt > 0]
    return np.unique(x, return_counts=True)


def int_indices(symbols: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Position of each value of the integer array ``x`` in ``symbols`` (int64); -1 if absent."""
    x = x.ravel()
    if x.size == 0:
        return np.zeros(0, dtype=np.int64)
    lo, hi = int(symbols.min()), int(symbols.max())
    if hi - lo < _DENSE_LUT:
        lut = np.full(hi - lo + 1, -1, dtype=np.int64)
        lut[symbols - lo] = np.arange(symbols.size)
        if lo <= int(x.min()) and int(x.max()) <= hi:  # the common case: one gather
            return lut[x - lo if lo else x]
        xi = x.astype(np.int64)
        inside = (xi >= lo) & (xi <= hi)
        return np.where(inside, lut[np.clip(xi, lo, hi) - lo], -1)
    order = np.argsort(symbols)
    pos = order[np.clip(np.searchsorted(symbols[order], x), 0, symbols.size - 1)]
    return np.where(symbols[pos] == x, pos, -1)


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


def encode(codes: np.ndarray, lengths: np.ndarray, idx: np.ndarray) -> tuple[bytes, int]:
    """Encode the canonical indices ``idx`` (non-empty): ``(data, n_bits)``, zero-padded bytes.

    ``g`` symbols go into one table entry when ``g`` code words fit into 64 bits and the table
    of all g-tuples stays small (``nsym**g <= 65536``).
    """
    nsym, width = codes.size, int(lengths.max())
    g = 1
    while (g + 1) * width <= 64 and nsym ** (g + 1) <= (1 << 16):
        g += 1
    if g == 1:
        return _encode_words(codes[idx], lengths[idx])
    gcodes, glens = codes, lengths
    for _ in range(g - 1):
        gcodes = ((gcodes[:, None] << lengths.astype(np.uint64)[None, :])
                  | codes[None, :]).ravel()
        glens = (glens[:, None] + lengths[None, :]).ravel()
    pad = (-idx.size) % g
    if pad:
        idx = np.concatenate((idx, np.zeros(pad, dtype=idx.dtype)))
    gi = idx[0::g]
    for r in range(1, g):
        gi = gi * nsym + idx[r::g]
    data, n_bits = _encode_words(gcodes[gi], glens[gi])
    if pad:  # drop the padding symbols' bits again
        n_bits -= pad * int(lengths[0])
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


def _symbol_index(codes: np.ndarray, lengths: np.ndarray):
    """Return ``f(window) -> canonical symbol index`` (a lookup table for short codes)."""
    width = int(lengths.max())
    left = codes << (np.uint64(width) - lengths.astype(np.uint64))
    if width <= 20:
        span = np.int64(1) << (width - lengths)
        lut = np.repeat(np.arange(codes.size, dtype=np.int64), span)
        lut = np.concatenate((lut, np.full((1 << width) - lut.size, lut[-1])))
        return lambda w: lut[w]
    return lambda w: np.searchsorted(left, w, side="right") - 1


def decode(data: bytes, codes: np.ndarray, lengths: np.ndarray, n_symbols: int,
           avail: int) -> np.ndarray:
    """Canonical indices of the first ``n_symbols`` (>= 1) code words in ``avail`` bits of data."""
    width = int(lengths.max())
    win, sym = _word_reader(data, width), _symbol_index(codes, lengths)
    starts = decode_starts(lambda p: p + lengths[sym(win(p))], width, n_symbols, avail,
                           int(np.gcd.reduce(lengths)), len(data))
    return sym(win(starts))


def decode_starts(step, width: int, n_symbols: int, avail: int, d: int,
                  n_bytes: int) -> np.ndarray:
    """Bit positions of the first ``n_symbols`` code words (chunk-parallel, see the module doc).

    ``step(p)`` gives the start of the code word after the one starting at ``p``; every true
    start is a multiple of ``d`` (the gcd of the code lengths), so chunks start on multiples
    of ``d``.
    """
    chunk = d * -(-_CHUNK_BITS // d)
    n_chunks = -(-avail // chunk)
    visited = np.zeros(avail + width + 1, dtype=bool)
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
        return decode_starts_slow(step, avail, n_symbols)
    # 3. the true starts: each chunk's speculative starts before its sync point are false
    for c in range(1, n_chunks):
        visited[c * chunk:sync[c - 1]] = False
    visited[avail:] = False
    visited[np.concatenate(extra or [np.zeros(0, np.int64)])] = True
    starts = np.flatnonzero(visited)[:n_symbols]
    if starts.size < n_symbols or int(step(starts[-1:])[0]) > avail:
        raise CompressionError(fail_message("data", f"{n_bytes} bytes", f"too short for "
                                            f"{n_symbols} symbols", "pass the encoder's output"))
    return starts


def decode_starts_slow(step, avail: int, n_symbols: int) -> np.ndarray:
    """Plain sequential decode of the symbol start positions (fallback, rarely needed)."""
    starts, p = [], 0
    while len(starts) < n_symbols and p < avail:
        starts.append(p)
        p = int(step(np.array([p]))[0])
    if len(starts) < n_symbols or p > avail:
        raise CompressionError(fail_message("data", "stream", f"too short for {n_symbols} "
                                            "symbols", "pass the encoder's output"))
    return np.array(starts, dtype=np.int64)
