"""Relative-index sparse storage with padding entries: the one home of the format.

Deep Compression and EIE store a pruned matrix as a list of entries ``(v, z)`` per column
([DC §2, Fig. 2], [EIE §III-B]): ``v`` is the stored value (a weight, or its codebook index) and
``z`` the number of zeros since the previous stored entry of the same column (counted from the
column's first row for its first entry). ``z`` has ``index_bits`` bits, so it holds at most
``zmax = 2**index_bits - 1``. A longer gap is bridged by **padding entries** ``(v=0, z=zmax)``:
each one covers ``zmax`` zeros plus its own position, so the gap shrinks by ``zmax + 1`` per
padding entry. :func:`relative_entries` is the one function that produces them; everything
else here (and :mod:`eie_lab.compression.storage`, :mod:`eie_lab.compression.model_file`,
:mod:`eie_lab.eie.encoding`) is built on it.

Layouts
-------
``"csc"``
    column by column, with pointers ``p`` (``n + 1`` of them): column ``j`` is ``p[j]:p[j+1]``.
``"csr"``
    the same along rows.
``"stream"``
    the whole matrix read column-major as **one** flat stream (the model file's layout): padding
    may run across a column boundary and no pointers are stored; the decoder recovers the
    columns by counting positions (``rows * cols`` of them).
interleaved (:func:`interleave`)
    EIE's layout: row ``i`` lives in PE ``i % n_pe`` at local row ``i // n_pe``, and each PE
    keeps its slice of every column in ``"csc"`` form, with its own pointers.

Bit accounting (one set of rules for every report in the package)
-----------------------------------------------------------------
==============  ============================================================================
stream          bits
==============  ============================================================================
weights         ``n_entries x weight_bits`` at fixed width (P+Q), 32 per entry as float32 (P),
                or the Huffman stream's length (P+Q+H); padding entries count as entries
indices         ``n_entries x index_bits`` (or the Huffman stream's length)
pointers        ``"csc"``/``"csr"``: ``(groups + 1) x`` :func:`pointer_width` ``(n_entries)``
                bits, just enough for the largest pointer (EIE's SRAM uses a fixed 16 bits:
                :attr:`eie_lab.eie.EIEConfig.pointer_bits`); ``"stream"``: 0
codebook        ``2**weight_bits x 32`` (float32 shared weights)
Huffman tables  :func:`huffman_table_bits`: one code length per possible symbol
                (``2**weight_bits + 2**index_bits`` symbols) at :data:`CODE_LENGTH_BITS` = 8
                bits each, as the model file stores them (unused symbols have length 0)
==============  ============================================================================

Examples
--------
The paper's padding example: a 23-row column with 4-bit indices [EIE §III-B].

>>> import numpy as np
>>> col = np.array([0, 0, 1, 2] + [0] * 18 + [3]).reshape(-1, 1)
>>> m = encode_relative(col, index_bits=4)
>>> m.v.tolist(), m.z.tolist(), m.p.tolist(), m.n_padding
([1, 2, 0, 3], [2, 0, 15, 2], [0, 4], 1)
>>> bool(np.array_equal(m.decode(), col))
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from eie_lab.errors import EncodingError, fail_message

__all__ = ["LAYOUTS", "CODE_LENGTH_BITS", "FLOAT_BITS", "relative_entries", "group_pointers",
           "RelativeIndexMatrix", "encode_relative", "encode_stream", "decode_stream",
           "Interleaved", "interleave", "decode_interleaved", "pack_bits", "unpack_bits",
           "StreamSize", "pointer_width", "huffman_table_bits", "codebook_bits"]

#: Layouts of :func:`encode_relative`.
LAYOUTS = ("csc", "csr", "stream")
#: Bits per stored Huffman code length (one byte each, as the model file stores them).
CODE_LENGTH_BITS = 8
#: Bits of one unquantised weight or codebook entry (float32).
FLOAT_BITS = 32


def _check_bits(value: object, name: str, lo: int = 1, hi: int = 32) -> int:
    if not (isinstance(value, int | np.integer) and not isinstance(value, bool) and lo <= value <= hi):
        raise EncodingError(fail_message(name, value, f"must be an int in {lo}..{hi}",
                                         "EIE uses 4-bit indices, Deep Compression 4-5 bits"))
    return int(value)


def relative_entries(major: np.ndarray, minor: np.ndarray, values: np.ndarray, index_bits: int,
                     z_dtype: type = np.int64) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Entries ``(v, z)`` of non-zeros at ``(major, minor)``, padding entries inserted.

    This is the one place padding entries are made. The gap before a non-zero is the number of
    zeros since the previous non-zero of the same major group (or since minor position 0)::

        gap = minor[i] - minor[i-1] - 1   (same group)   or   minor[i]   (first of its group)
        padding entries before it = gap // (zmax + 1),   its z = gap mod (zmax + 1)

    Parameters
    ----------
    major, minor : numpy.ndarray of int
        Group (column, or (PE, column)) and position within the group of each non-zero, sorted by
        ``(major, minor)`` with no duplicates.
    values : numpy.ndarray
        The value of each non-zero (a padding entry stores ``0`` in this dtype).
    index_bits : int
        Bits per relative index; ``zmax = 2**index_bits - 1``.
    z_dtype : numpy dtype
        Integer dtype of the returned ``z``.

    Returns
    -------
    v, z : numpy.ndarray
        All entries in order (``v`` in ``values``' dtype, ``z`` in ``z_dtype``).
    pos : numpy.ndarray
        int64 position in ``v``/``z`` of each non-zero's own entry (the entries in between are
        padding).

    Examples
    --------
    A gap of 5 zeros with 1-bit indices (zmax = 1) needs 2 padding entries, each covering 2:

    >>> v, z, pos = relative_entries(np.array([0, 0]), np.array([0, 6]), np.array([7, 9]), 1)
    >>> v.tolist(), z.tolist(), pos.tolist()
    ([7, 0, 0, 9], [0, 1, 1, 1], [0, 3])
    """
    bits = _check_bits(index_bits, "index_bits")
    major, minor = np.asarray(major), np.asarray(minor, dtype=np.int64)
    gap = np.empty_like(minor)
    gap[:1] = minor[:1]
    np.subtract(minor[1:], minor[:-1], out=gap[1:])
    gap[1:] -= 1
    first = np.flatnonzero(major[1:] != major[:-1]) + 1
    gap[first] = minor[first]
    del first
    span = 1 << bits  # zmax + 1 positions covered by one padding entry
    pos = gap >> bits
    pos += 1
    np.cumsum(pos, out=pos)
    pos -= 1
    total = int(pos[-1]) + 1 if pos.size else 0
    v = np.zeros(total, dtype=np.asarray(values).dtype)
    z = np.full(total, span - 1, dtype=z_dtype)
    v[pos] = values
    z[pos] = gap & (span - 1)
    return v, z, pos


def group_pointers(major: np.ndarray, pos: np.ndarray, n_groups: int) -> np.ndarray:
    """Pointers ``p`` (``n_groups + 1``) of the entries made by :func:`relative_entries`.

    Group ``g``'s entries (its padding included) are ``p[g]:p[g+1]``.

    Examples
    --------
    >>> major = np.array([0, 2, 2])
    >>> v, z, pos = relative_entries(major, np.array([1, 0, 5]), np.array([4, 5, 6]), 1)
    >>> group_pointers(major, pos, 3).tolist()
    [0, 1, 1, 5]
    """
    ends = np.concatenate(([0], np.asarray(pos, dtype=np.int64) + 1))
    cut = np.concatenate(([0], np.cumsum(np.bincount(major, minlength=n_groups))))
    return ends[cut].astype(np.int64)


@dataclass(frozen=True)
class RelativeIndexMatrix:
    """A sparse matrix in relative-index form (see the module docstring).

    Attributes
    ----------
    shape : tuple of int
        Shape ``(m, n)`` of the dense matrix.
    layout : {"csc", "csr", "stream"}
        Entries go down each column, along each row, or through the whole matrix column-major.
    index_bits : int
        Bits per relative index ``z``.
    v, z : numpy.ndarray
        Stored values (padding entries are 0) and zero counts, one per entry.
    p : numpy.ndarray of int64
        Pointers: entries of column (or row) ``j`` are ``p[j]:p[j+1]``; ``[0, n_entries]`` for
        ``"stream"``.

    Examples
    --------
    >>> m = encode_relative(np.array([[0, 5], [7, 0], [0, 0], [0, 9]]), 1, "csc")
    >>> m.v.tolist(), m.z.tolist(), m.p.tolist(), m.n_padding
    ([7, 5, 0, 9], [1, 0, 1, 0], [0, 1, 4], 1)
    """

    shape: tuple[int, int]
    layout: str
    index_bits: int
    v: np.ndarray
    z: np.ndarray
    p: np.ndarray = field(repr=False)

    @property
    def zmax(self) -> int:
        """Largest zero count one index can hold, ``2**index_bits - 1``."""
        return (1 << self.index_bits) - 1

    @property
    def n_entries(self) -> int:
        """Stored entries, padding included."""
        return int(self.v.size)

    @property
    def n_padding(self) -> int:
        """Padding entries (value 0)."""
        return int(np.count_nonzero(self.v == 0))

    @property
    def n_pointers(self) -> int:
        """Stored pointers: ``groups + 1`` for ``"csc"``/``"csr"``, 0 for ``"stream"``."""
        return 0 if self.layout == "stream" else int(self.p.size)

    def decode(self) -> np.ndarray:
        """The dense matrix, exactly as encoded.

        Raises
        ------
        EncodingError
            When the index stream runs past the end of a column (a damaged stream).
        """
        m, n = self.shape
        if self.layout == "stream":
            flat = _decode_groups(self.v, self.z, self.p, 1, m * n)
            return flat.reshape(n, m).T
        if self.layout == "csc":
            return _decode_groups(self.v, self.z, self.p, n, m).T
        return _decode_groups(self.v, self.z, self.p, m, n)


def _decode_groups(v: np.ndarray, z: np.ndarray, p: np.ndarray, n_groups: int,
                   length: int) -> np.ndarray:
    """(n_groups, length) array from the entries of each group (``p`` pointers)."""
    counts = np.diff(p)
    group = np.repeat(np.arange(n_groups), counts)
    steps = np.cumsum(np.asarray(z, dtype=np.int64) + 1)  # running sum of (z + 1)
    before = np.concatenate(([0], steps))[p[:-1]]  # running sum before each group
    position = steps - np.repeat(before, counts) - 1
    if position.size and position.max() >= length:
        raise EncodingError(fail_message("z", f"position {int(position.max())}",
                                         f"must be < {length} (the length of a column)",
                                         "the index stream is damaged: re-encode the matrix"))
    out = np.zeros((n_groups, length), dtype=np.asarray(v).dtype)
    out[group, position] = v
    return out


def _check_matrix(w: object) -> np.ndarray:
    arr = np.asarray(w)
    if arr.ndim != 2 or arr.size == 0 or arr.dtype.kind not in "fiub":
        raise EncodingError(fail_message("w", f"{arr.dtype} array of shape {arr.shape}",
                                         "must be a non-empty numeric 2-D matrix",
                                         "reshape a vector with .reshape(-1, 1)"))
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise EncodingError(fail_message("w", "matrix with NaN/inf", "must be finite",
                                         "replace NaN/inf (np.nan_to_num) first"))
    return arr


def encode_relative(w: object, index_bits: int, layout: str = "csc") -> RelativeIndexMatrix:
    """Relative-index encoding of a 2-D matrix (non-zeros are stored; zeros are skipped).

    Parameters
    ----------
    w : array_like, shape (m, n)
        Weights or weight codes (code 0 = pruned).
    index_bits : int
        Bits per relative index (1..32).
    layout : {"csc", "csr", "stream"}
        Store columns (EIE), rows, or one column-major stream without pointers (the model file).

    Returns
    -------
    RelativeIndexMatrix

    Raises
    ------
    EncodingError
        A matrix that is not 2-D, empty, non-numeric or not finite; a bad ``index_bits`` or
        ``layout``.

    Examples
    --------
    >>> s = encode_relative(np.array([[0, 2, 0, 0], [1, 0, 0, 3]]), 2, "stream")
    >>> s.v.tolist(), s.z.tolist(), s.n_pointers   # (0, 3) is a padding entry
    ([1, 2, 0, 3], [1, 0, 3, 0], 0)
    """
    arr = _check_matrix(w)
    bits = _check_bits(index_bits, "index_bits")
    if layout not in LAYOUTS:
        raise EncodingError(fail_message("layout", layout, f"must be one of {LAYOUTS}",
                                         "EIE stores columns: 'csc'"))
    if layout == "stream":
        flat = arr.T.ravel()
        minor = np.flatnonzero(flat)
        major = np.zeros_like(minor)
        n_groups, values = 1, flat[minor]
    else:
        view = arr.T if layout == "csc" else arr
        major, minor = np.nonzero(view)
        n_groups, values = view.shape[0], view[major, minor]
    v, z, pos = relative_entries(major, minor, values, bits)
    p = group_pointers(major, pos, n_groups)
    return RelativeIndexMatrix(arr.shape, layout, bits, v, z, p)


def encode_stream(values: object, index_bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Int64 entries ``(v, z)`` of one flat stream (a matrix already flattened column-major).

    Examples
    --------
    >>> [a.tolist() for a in encode_stream(np.array([0, 0, 5, 0, 0, 0, 0, 0, 7]), index_bits=2)]
    [[5, 0, 7], [2, 3, 1]]
    """
    flat = np.ravel(np.asarray(values))
    m = encode_relative(flat.reshape(-1, 1), index_bits, "stream")
    return m.v.astype(np.int64), m.z.astype(np.int64)


def decode_stream(v: object, z: object, size: int) -> np.ndarray:
    """Inverse of :func:`encode_stream`: the flat int64 stream of length ``size``.

    Raises
    ------
    EncodingError
        When the entries run past ``size`` positions.

    Examples
    --------
    >>> decode_stream(np.array([5, 0, 7]), np.array([2, 3, 1]), 9).tolist()
    [0, 0, 5, 0, 0, 0, 0, 0, 7]
    """
    v = np.asarray(v, dtype=np.int64)
    z = np.asarray(z, dtype=np.int64)
    return _decode_groups(v, z, np.array([0, v.size]), 1, int(size))[0]


@dataclass(frozen=True)
class Interleaved:
    """A matrix interleaved over ``n_pe`` PEs (EIE's layout), from :func:`interleave`.

    Attributes
    ----------
    v, z : list of numpy.ndarray
        Per PE, its entries (padding included): values (int16, int32 past 14 bits) and
        relative indices (int16, int32 past 14 bits).
    p : numpy.ndarray
        (n_pe, n + 1) int64 pointers per PE: PE k's column j is ``p[k, j]:p[k, j+1]``.
    e, e_real : numpy.ndarray
        (n_pe, n) int64 entries per column and PE, with and without padding.
    """

    v: list[np.ndarray]
    z: list[np.ndarray]
    p: np.ndarray
    e: np.ndarray
    e_real: np.ndarray


def interleave(shape: tuple[int, int], rows: np.ndarray, cols: np.ndarray, values: np.ndarray,
               n_pe: int, index_bits: int, value_bits: int = 16) -> Interleaved:
    """Interleave non-zeros given in CSC order (by column, then row) over ``n_pe`` PEs [EIE §III-B].

    Row ``i`` goes to PE ``i % n_pe`` at local row ``i // n_pe``; each PE stores its slice of
    every column with :func:`relative_entries` (so padding counts local rows).

    Parameters
    ----------
    shape : (int, int)
        (m, n) of the matrix.
    rows, cols, values : numpy.ndarray
        Row, column and value (a non-negative integer such as a codebook index, never 0) of each
        non-zero, sorted by
        column, then row.
    n_pe : int
        Number of PEs.
    index_bits : int
        Bits per relative index.
    value_bits : int
        Bits of a stored value (picks the integer dtype of ``v``).

    Returns
    -------
    Interleaved

    Examples
    --------
    Rows 0 and 2 go to PE 0 (local rows 0, 1), rows 1 and 3 to PE 1:

    >>> lay = interleave((4, 2), np.array([1, 3, 0, 3]), np.array([0, 0, 1, 1]),
    ...                  np.array([2, 3, 1, 1]), n_pe=2, index_bits=4)
    >>> [v.tolist() for v in lay.v], [z.tolist() for z in lay.z], lay.p.tolist()
    ([[1], [2, 3, 1]], [[0], [0, 0, 1]], [[0, 0, 1], [0, 2, 3]])
    """
    m, n = (int(x) for x in shape)
    N = int(n_pe)
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    values = np.asarray(values)
    if N & (N - 1) == 0:  # power of two: shifts and masks are much cheaper than // and %
        pe, local = rows & (N - 1), rows >> (N.bit_length() - 1)
    else:
        local, pe = np.divmod(rows, N)
    # A stable sort by PE keeps (column, local row) order within each PE; one gather of a packed
    # (column, local row, value) key instead of three. Temporaries are freed as soon as they are
    # used: the working memory stays a few int64 arrays of length nnz.
    order = np.argsort(pe.astype(np.uint16) if N <= np.iinfo(np.uint16).max else pe, kind="stable")
    counts = np.bincount(pe, minlength=N)
    del pe
    vb = max(int(values.max(initial=0)), 1).bit_length()
    lb = max(-(-m // N) - 1, 1).bit_length()
    if n.bit_length() + lb + vb <= 62:
        packed = cols << (lb + vb)
        local <<= vb
        packed |= local
        del local
        packed |= values
        packed = packed[order]
        del order
        val_s = packed & ((1 << vb) - 1)
        loc_s = (packed >> vb) & ((1 << lb) - 1)
        packed >>= lb + vb
        col_s = packed
        del packed
    else:  # pragma: no cover - astronomically large layers
        val_s, loc_s, col_s = values[order], local[order], cols[order]
    group = col_s  # (PE, column) key, sorted: column + PE * n, computed in place
    group += np.repeat(np.arange(N, dtype=np.int64) * n, counts)
    small = np.int16 if value_bits <= 14 else np.int32
    val_s = val_s.astype(small)
    v_all, z_all, pos = relative_entries(group, loc_s, val_s, index_bits,
                                         np.int16 if index_bits <= 14 else np.int32)
    del val_s, loc_s
    p_flat = group_pointers(group, pos, N * n)  # entries before each (PE, column) group
    p = np.empty((N, n + 1), dtype=np.int64)
    p[:, :n] = p_flat[:-1].reshape(N, n)
    p[:, n] = p_flat[n::n]
    bounds = p[:, 0].copy()
    p -= bounds[:, None]
    e_real = np.bincount(group, minlength=N * n).reshape(N, n).astype(np.int64)
    ends = bounds + p[:, -1]
    return Interleaved(v=[v_all[a:b] for a, b in zip(bounds, ends)],
                       z=[z_all[a:b] for a, b in zip(bounds, ends)],
                       p=p, e=np.diff(p, axis=1), e_real=e_real)


def decode_interleaved(v: list[np.ndarray], z: list[np.ndarray], p: np.ndarray,
                       shape: tuple[int, int]) -> np.ndarray:
    """The (m, n) int64 value matrix of an interleaved layout (0 where nothing is stored).

    Examples
    --------
    >>> lay = interleave((4, 2), np.array([1, 3, 0, 3]), np.array([0, 0, 1, 1]),
    ...                  np.array([2, 3, 1, 1]), n_pe=2, index_bits=4)
    >>> decode_interleaved(lay.v, lay.z, lay.p, (4, 2)).tolist()
    [[0, 1], [2, 0], [0, 0], [3, 1]]
    """
    m, n = shape
    n_pe = len(v)
    out = np.zeros((m, n), dtype=np.int64)
    local_rows = -(-m // n_pe)
    for k in range(n_pe):
        if v[k].size == 0:
            continue
        slice_k = _decode_groups(v[k].astype(np.int64), z[k], p[k], n, local_rows)
        rows_k = np.arange(k, m, n_pe)
        out[rows_k, :] = slice_k[:, :rows_k.size].T
    return out


def pack_bits(values: object, width: int) -> bytes:
    """Pack non-negative integers into ``width``-bit fields, MSB first (zero-padded bytes).

    Examples
    --------
    >>> pack_bits(np.array([1, 2, 3]), 2)
    b'l'
    """
    width = _check_bits(width, "width", 1, 64)
    vals = np.asarray(values).astype(np.uint64).ravel()
    if vals.size and int(vals.max()) >> width:
        raise EncodingError(fail_message("values", int(vals.max()), f"must fit in {width} bits",
                                         "use a wider field"))
    shifts = np.arange(width - 1, -1, -1, dtype=np.uint64)
    return np.packbits(((vals[:, None] >> shifts) & np.uint64(1)).astype(np.uint8)).tobytes()


def unpack_bits(data: bytes, width: int, count: int) -> np.ndarray:
    """Inverse of :func:`pack_bits`: ``count`` fields of ``width`` bits (uint64).

    Examples
    --------
    >>> unpack_bits(b'l', 2, 3)
    array([1, 2, 3], dtype=uint64)
    """
    bits = np.unpackbits(np.frombuffer(data, np.uint8))[:count * width].reshape(count, width)
    return (bits.astype(np.uint64) << np.arange(width - 1, -1, -1, dtype=np.uint64)).sum(1)


@dataclass(frozen=True)
class StreamSize:
    """One stored stream: exact length in ``bits`` and in whole bytes (``nbytes``).

    Examples
    --------
    >>> StreamSize.of_bits(15)
    StreamSize(bits=15, nbytes=2)
    """

    bits: int
    nbytes: int

    @classmethod
    def of_bits(cls, bits: int) -> StreamSize:
        """A stream of ``bits`` bits, packed into ``ceil(bits / 8)`` bytes."""
        return cls(int(bits), -(-int(bits) // 8))


def pointer_width(n_entries: int) -> int:
    """Bits per pointer: just enough for the largest pointer, ``ceil(log2(n_entries + 1))``.

    Examples
    --------
    >>> pointer_width(0), pointer_width(1), pointer_width(255), pointer_width(256)
    (1, 1, 8, 9)
    """
    return max(1, math.ceil(math.log2(int(n_entries) + 1)))


def huffman_table_bits(weight_bits: int, index_bits: int) -> int:
    """Bits of the two stored Huffman tables: one code length per possible symbol, 8 bits each.

    Examples
    --------
    >>> huffman_table_bits(5, 5)   # 32 + 32 symbols x 8 bits
    512
    """
    return ((1 << int(weight_bits)) + (1 << int(index_bits))) * CODE_LENGTH_BITS


def codebook_bits(weight_bits: int) -> int:
    """Bits of a stored codebook: ``2**weight_bits`` float32 shared weights.

    Examples
    --------
    >>> codebook_bits(4)
    512
    """
    return (1 << int(weight_bits)) * FLOAT_BITS
