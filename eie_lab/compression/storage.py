"""Relative-index sparse storage with filler entries, and exact per-stream size reports.

A pruned matrix is stored column by column (CSC, EIE's choice) or row by row (CSR). Each stored
entry has a value ``v`` and a relative index ``z``: the number of zeros since the previous
stored entry of the same column (EIE convention [EIE §III-B, papers.md §1.8]). ``z`` has
``index_bits`` bits, so ``zmax = 2**index_bits - 1``. While a gap is longer than ``zmax`` a
filler entry ``(v=0, z=zmax)`` is emitted and the gap shrinks by ``zmax + 1``. Pointers ``p``
(one per column plus one) give each column's entries, fillers included.

Size accounting (:func:`storage_report`) uses the real bit streams, three stages as in
DC Table 2 (papers.md §2.3):

============  ==============================  ===================================
stage         weight stream                   other streams
============  ==============================  ===================================
``P``         float32 value per entry         ``z`` at index_bits, pointers
``P+Q``       code at weight_bits per entry   same + codebook (2**weight_bits x 32)
``P+Q+H``     Huffman-coded codes             Huffman-coded ``z`` + both code tables
============  ==============================  ===================================

Pointers take ``ceil(log2(n_entries + 1))`` bits each (just enough for the largest pointer)
unless ``pointer_bits`` is given. A Huffman code table is stored as one code length per
possible symbol (``2**bits`` symbols) at 6 bits each (lengths are <= 57). Fillers count as
entries in every stream. Each stream is packed MSB-first into bytes; ``bits`` is its exact
length and ``nbytes`` its length in bytes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from eie_lab.compression.huffman import HuffmanCode
from eie_lab.errors import CompressionError, fail_message

__all__ = ["RelativeIndexMatrix", "encode_relative", "encode_stream", "decode_stream", "pack_bits",
           "unpack_bits", "StreamSize", "StorageReport", "storage_report", "merge_reports", "STAGES"]

#: The three stages of DC Table 2.
STAGES = ("P", "P+Q", "P+Q+H")
_LENGTH_BITS = 6  # bits per code length in a stored Huffman table


def _check_bits(value: object, name: str, lo: int = 1, hi: int = 32) -> int:
    if not (isinstance(value, int | np.integer) and lo <= value <= hi):
        raise CompressionError(fail_message(name, value, f"must be an int in {lo}..{hi}",
                                            "EIE uses 4-bit indices, DC 4-5 (papers.md §2.4)"))
    return int(value)


def _check_matrix(w: object) -> np.ndarray:
    arr = np.asarray(w)
    if arr.ndim != 2 or arr.size == 0 or arr.dtype.kind not in "fiub":
        raise CompressionError(fail_message("w", f"{arr.dtype} array of shape {arr.shape}",
                                            "must be a non-empty numeric 2-D matrix"))
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise CompressionError(fail_message("w", "matrix with NaN/inf", "must be finite"))
    return arr


@dataclass(frozen=True)
class RelativeIndexMatrix:
    """A sparse matrix in relative-index form (see the module docstring).

    Attributes
    ----------
    shape : tuple of int
        Shape ``(m, n)`` of the dense matrix.
    orientation : {"csc", "csr"}
        ``"csc"``: entries go down each column; ``"csr"``: along each row.
    index_bits : int
        Bits per relative index ``z``.
    v, z : ndarray
        Stored values (fillers are 0) and zero counts, one per entry.
    p : ndarray of int64
        Pointers: entries of column (or row) ``j`` are ``p[j]:p[j+1]``.

    Examples
    --------
    >>> m = encode_relative(np.array([[0, 0, 1, 2] + [0] * 18 + [3]]).T, index_bits=4)
    >>> m.v.tolist(), m.z.tolist(), m.p.tolist(), m.n_fillers  # the EIE padding example
    ([1, 2, 0, 3], [2, 0, 15, 2], [0, 4], 1)
    """

    shape: tuple[int, int]
    orientation: str
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
        """Stored entries, fillers included."""
        return int(self.v.size)

    @property
    def n_fillers(self) -> int:
        """Filler entries (value 0)."""
        return int(np.count_nonzero(self.v == 0))

    def decode(self) -> np.ndarray:
        """The dense matrix, exactly as encoded."""
        n_major, n_minor = self.shape[::-1] if self.orientation == "csc" else self.shape
        counts = np.diff(self.p)
        major = np.repeat(np.arange(n_major), counts)
        steps = np.cumsum(self.z.astype(np.int64) + 1)
        before = np.concatenate(([0], steps))[self.p[:-1]]
        minor = steps - np.repeat(before, counts) - 1
        if minor.size and minor.max() >= n_minor:
            raise CompressionError(fail_message("z", "index stream", "runs past the end of a "
                                                "column", "the stream is damaged"))
        out = np.zeros((n_major, n_minor), dtype=self.v.dtype)
        out[major, minor] = self.v
        return out.T if self.orientation == "csc" else out


def encode_relative(w: np.ndarray, index_bits: int, orientation: str = "csc") -> RelativeIndexMatrix:
    """Relative-index encoding of a 2-D matrix (non-zeros are stored; zeros are skipped).

    Parameters
    ----------
    w : ndarray, shape (m, n)
        Weights or weight codes (code 0 = pruned).
    index_bits : int
        Bits per relative index (1..32).
    orientation : {"csc", "csr"}
        Store columns (EIE) or rows.

    Examples
    --------
    >>> m = encode_relative(np.array([[0, 5], [7, 0], [0, 0], [0, 9]]), 1, "csc")
    >>> m.v.tolist(), m.z.tolist(), m.p.tolist()
    ([7, 5, 0, 9], [1, 0, 1, 0], [0, 1, 4])
    """
    arr = _check_matrix(w)
    bits = _check_bits(index_bits, "index_bits")
    if orientation not in ("csc", "csr"):
        raise CompressionError(fail_message("orientation", orientation,
                                            "must be 'csc' or 'csr'", "EIE stores columns: csc"))
    major_view = arr.T if orientation == "csc" else arr
    major, minor = np.nonzero(major_view)
    v, z, rep = _entries(major, minor, major_view[major, minor], bits)
    p = np.concatenate(([0], np.cumsum(np.bincount(major[rep], minlength=major_view.shape[0]))))
    return RelativeIndexMatrix(arr.shape, orientation, bits, v, z, p.astype(np.int64))


def _entries(major: np.ndarray, minor: np.ndarray, values: np.ndarray, bits: int) -> tuple:
    """Entries ``(v, z)`` of sorted non-zeros at ``(major, minor)``, fillers in; entry -> nz."""
    prev = np.empty_like(minor)
    prev[:1] = -1
    prev[1:] = np.where(major[1:] == major[:-1], minor[:-1], -1)
    gap = minor - prev - 1
    span = (1 << bits)  # zmax + 1 positions per filler
    fill = gap // span
    per = fill + 1
    rep = np.repeat(np.arange(minor.size), per)
    start = np.cumsum(per) - per
    real = (np.arange(rep.size) - start[rep]) == fill[rep]
    v = np.where(real, values[rep], np.zeros((), values.dtype))
    z = np.where(real, gap[rep] - fill[rep] * span, span - 1).astype(np.uint32)
    return v, z, rep


def encode_stream(values: np.ndarray, index_bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Entries ``(v, z)`` of one flat stream: :func:`encode_relative` of one column, no pointers.

    Examples
    --------
    >>> [a.tolist() for a in encode_stream(np.array([0, 0, 5, 0, 0, 0, 0, 0, 7]), index_bits=2)]
    [[5, 0, 7], [2, 3, 1]]
    """
    flat = np.ravel(values)
    pos = np.flatnonzero(flat)
    return _entries(np.zeros_like(pos), pos, flat[pos], _check_bits(index_bits, "index_bits"))[:2]


def decode_stream(v: np.ndarray, z: np.ndarray, size: int) -> np.ndarray:
    """Inverse of :func:`encode_stream`: the flat stream of length ``size`` (``v``'s dtype).

    Examples
    --------
    >>> decode_stream(np.array([5, 0, 7]), np.array([2, 3, 1]), 9).tolist()
    [0, 0, 5, 0, 0, 0, 0, 0, 7]
    """
    v, z = np.asarray(v), np.asarray(z)
    bits = max(1, int(np.max(z, initial=0)).bit_length())  # decoding ignores index_bits
    return RelativeIndexMatrix((int(size), 1), "csc", bits, v, z, np.r_[0, v.size]).decode()[:, 0]


def pack_bits(values: np.ndarray, width: int) -> bytes:
    """Pack non-negative integers into ``width``-bit fields, MSB first (zero-padded bytes).

    Examples
    --------
    >>> pack_bits(np.array([1, 2, 3]), 2)
    b'l'
    """
    width = _check_bits(width, "width", 1, 64)
    vals = np.asarray(values).astype(np.uint64).ravel()
    if vals.size and int(vals.max()) >> width:
        raise CompressionError(fail_message("values", int(vals.max()), f"must fit in {width} bits"))
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
    """One stored stream: exact length in ``bits`` and in bytes (``nbytes``).

    Examples
    --------
    >>> StreamSize.of(pack_bits(np.array([1, 2, 3]), 5), bits=15)
    StreamSize(bits=15, nbytes=2)
    """

    bits: int
    nbytes: int

    @classmethod
    def of(cls, data: bytes, bits: int | None = None) -> StreamSize:
        return cls(8 * len(data) if bits is None else int(bits), len(data))


@dataclass
class StorageReport:
    """Per-stream sizes of one layer at the stages P, P+Q, P+Q+H (see the module docstring).

    Attributes
    ----------
    name : str
    n_weights, nnz, n_entries, n_fillers : int
        Dense size, real non-zeros, stored entries (fillers included), fillers.
    weight_bits, index_bits, pointer_bits : int
        Fixed widths used for P+Q.
    streams : dict
        ``streams[stage][stream] -> StreamSize``, stream in weights/indices/pointers/codebook/
        tables.

    Examples
    --------
    >>> r = storage_report(np.eye(4), weight_bits=2, index_bits=2, name="eye")
    >>> r.n_entries, r.n_fillers, r.total_bits("P+Q"), r.streams["P+Q"]["indices"]
    (4, 0, 159, StreamSize(bits=8, nbytes=1))
    """

    name: str
    n_weights: int
    nnz: int
    n_entries: int
    n_fillers: int
    weight_bits: int
    index_bits: int
    pointer_bits: int
    streams: dict[str, dict[str, StreamSize]]

    def total_bits(self, stage: str) -> int:
        """All bits stored at ``stage``."""
        return sum(s.bits for s in self.streams[stage].values())

    def total_bytes(self, stage: str) -> int:
        """All bytes stored at ``stage`` (each stream rounded up to whole bytes)."""
        return sum(s.nbytes for s in self.streams[stage].values())

    def rate(self, stage: str) -> float:
        """Stored size as a fraction of the dense float32 layer (DC's "compress rate")."""
        return self.total_bits(stage) / (32.0 * self.n_weights)

    def bits_per_entry(self, stage: str, stream: str) -> float:
        """Average bits per stored entry of the ``weights`` or ``indices`` stream."""
        return self.streams[stage][stream].bits / max(self.n_entries, 1)

    def row(self) -> dict[str, object]:
        """This layer as one row of DC Table 2 (fractions, not percent)."""
        return {"layer": self.name, "weights": self.n_weights, "weights_pct": self.nnz /
                self.n_weights, "weight_bits_pq": self.bits_per_entry("P+Q", "weights"),
                "weight_bits_pqh": self.bits_per_entry("P+Q+H", "weights"),
                "index_bits_pq": self.bits_per_entry("P+Q", "indices"),
                "index_bits_pqh": self.bits_per_entry("P+Q+H", "indices"),
                "rate_p": self.rate("P"), "rate_pq": self.rate("P+Q"),
                "rate_pqh": self.rate("P+Q+H")}

    def table(self) -> str:
        """A plain-text table of every stream at every stage (bits and bytes)."""
        names = ["weights", "indices", "pointers", "codebook", "tables"]
        lines = [f"{self.name or 'layer'}: {self.nnz}/{self.n_weights} non-zeros "
                 f"({100 * self.nnz / self.n_weights:.1f}%), {self.n_fillers} fillers",
                 f"{'stage':<7}" + "".join(f"{n:>12}" for n in names) +
                 f"{'total bits':>12}{'bytes':>10}{'rate':>8}"]
        for st in STAGES:
            cells = "".join(f"{self.streams[st].get(n, StreamSize(0, 0)).bits:>12}"
                            for n in names)
            lines.append(f"{st:<7}{cells}{self.total_bits(st):>12}{self.total_bytes(st):>10}"
                         f"{100 * self.rate(st):>7.2f}%")
        return "\n".join(lines)


def storage_report(w: np.ndarray, *, weight_bits: int, index_bits: int,
                   codebook: np.ndarray | None = None, codes: np.ndarray | None = None,
                   orientation: str = "csc", pointer_bits: int | None = None,
                   name: str = "") -> StorageReport:
    """Measure a pruned layer stored at the stages P, P+Q and P+Q+H, stream by stream.

    Parameters
    ----------
    w : ndarray, shape (m, n)
        The pruned float weights (zeros are pruned).
    weight_bits, index_bits : int
        Bits per weight code (P+Q) and per relative index.
    codebook, codes : ndarray, optional
        Weight sharing result, code 0 = pruned (default: ``share_weights(w, weight_bits)``).
    orientation : {"csc", "csr"}
    pointer_bits : int, optional
        Bits per pointer (default ``ceil(log2(n_entries + 1))``).
    name : str
        Layer name for tables.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> w = rng.normal(size=(100, 80)) * (rng.random((100, 80)) < 0.1)
    >>> r = storage_report(w, weight_bits=4, index_bits=4, name="demo")
    >>> r.rate("P+Q+H") < r.rate("P+Q") < r.rate("P") < 1
    True
    """
    arr = _check_matrix(w).astype(np.float32)
    wb = _check_bits(weight_bits, "weight_bits", 1, 16)
    if codes is None or codebook is None:
        from eie_lab.compression.quantize import share_weights

        codebook, codes = share_weights(arr, wb)
    codes = np.asarray(codes)
    if codes.shape != arr.shape or np.asarray(codebook).size > (1 << wb):
        raise CompressionError(fail_message("codes", f"shape {codes.shape}", f"must match w "
                                            f"{arr.shape} with <= 2**weight_bits codes"))
    if not np.array_equal(codes == 0, arr == 0):
        raise CompressionError(fail_message("codes", "code array", "must be 0 exactly where w is "
                                            "0", "use share_weights(w, bits, reserve_zero=True)"))
    mp, mq = (encode_relative(a, index_bits, orientation) for a in (arr, codes))
    nq = mq.n_entries
    pb = pointer_bits if pointer_bits is not None else max(1, math.ceil(math.log2(nq + 1)))
    pb = _check_bits(pb, "pointer_bits", 1, 64)
    pointers = StreamSize.of(pack_bits(mq.p, pb), mq.p.size * pb)
    idx = StreamSize.of(pack_bits(mq.z, mq.index_bits), nq * mq.index_bits)
    cb = StreamSize(32 * (1 << wb), 4 * (1 << wb))
    # w and codes are zero at the same places, so P and P+Q share the z and pointer streams
    streams = {"P": {"weights": StreamSize.of(mp.v.astype("<f4").tobytes()), "indices": idx,
                     "pointers": pointers},
               "P+Q": {"weights": StreamSize.of(pack_bits(mq.v, wb), nq * wb), "indices": idx,
                       "pointers": pointers, "codebook": cb}}
    v, z = mq.v.astype(np.int64), mq.z.astype(np.int64)
    tables = ((1 << wb) + (1 << mq.index_bits)) * _LENGTH_BITS
    streams["P+Q+H"] = {"weights": StreamSize.of(*HuffmanCode.from_symbols(v).encode(v)),
                        "indices": StreamSize.of(*HuffmanCode.from_symbols(z).encode(z)),
                        "pointers": pointers, "codebook": cb,
                        "tables": StreamSize(tables, -(-tables // 8))}
    return StorageReport(name, arr.size, int(np.count_nonzero(arr)), nq, mq.n_fillers, wb,
                         mq.index_bits, pb, streams)


def merge_reports(reports: list[StorageReport], name: str = "Total") -> StorageReport:
    """Sum several layers' reports stream by stream (the "Total" row of DC Table 2).

    Examples
    --------
    >>> merge_reports([storage_report(np.eye(4), weight_bits=2, index_bits=2)] * 3).nnz
    12
    """
    if not reports:
        raise CompressionError(fail_message("reports", "[]", "must hold at least one report"))
    streams = {st: {} for st in STAGES}
    for r in reports:
        for st, parts in r.streams.items():
            for key, size in parts.items():
                old = streams[st].get(key, StreamSize(0, 0))
                streams[st][key] = StreamSize(old.bits + size.bits, old.nbytes + size.nbytes)
    first = reports[0]
    return StorageReport(name, sum(r.n_weights for r in reports), sum(r.nnz for r in reports),
                         sum(r.n_entries for r in reports), sum(r.n_fillers for r in reports),
                         first.weight_bits, first.index_bits, first.pointer_bits, streams)
