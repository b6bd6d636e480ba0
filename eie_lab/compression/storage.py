"""Per-stream size reports of a pruned layer at the stages of DC Table 2: P, P+Q, P+Q+H.

The storage format itself (relative indices with padding entries, the layouts, and the rules of
the bit accounting: what a pointer, a codebook and a Huffman table cost) lives in
:mod:`eie_lab.sparse_format`; this module applies it to the three stages of Deep Compression
[DC Table 2]:

============  ==============================  ===================================
stage         weight stream                   other streams
============  ==============================  ===================================
``P``         float32 value per entry         ``z`` at index_bits, pointers
``P+Q``       code at weight_bits per entry   same + codebook (2**weight_bits x 32)
``P+Q+H``     Huffman-coded codes             Huffman-coded ``z`` + both code tables
============  ==============================  ===================================

Padding entries count as entries in every stream. ``bits`` is a stream's exact length and
``nbytes`` its length packed into whole bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from eie_lab.compression.huffman import HuffmanCode
from eie_lab.errors import CompressionError, EncodingError, fail_message
from eie_lab.quantizer import share_weights
from eie_lab.sparse_format import (
    FLOAT_BITS,
    StreamSize,
    codebook_bits,
    encode_relative,
    huffman_table_bits,
    pointer_width,
)

__all__ = ["StorageReport", "storage_report", "merge_reports", "STAGES"]

#: The three stages of DC Table 2.
STAGES = ("P", "P+Q", "P+Q+H")


def _check_bits(value: object, name: str, lo: int, hi: int) -> int:
    if not (isinstance(value, int | np.integer) and not isinstance(value, bool) and lo <= value <= hi):
        raise CompressionError(fail_message(name, value, f"must be an int in {lo}..{hi}",
                                            "Deep Compression uses 4-5 bits [DC Table 2]"))
    return int(value)


@dataclass
class StorageReport:
    """Per-stream sizes of one layer at the stages P, P+Q, P+Q+H (see the module docstring).

    Attributes
    ----------
    name : str
    n_weights, nnz, n_entries, n_padding : int
        Dense size, real non-zeros, stored entries (padding included), padding entries.
    weight_bits, index_bits, pointer_bits : int
        Fixed widths used for P+Q.
    streams : dict
        ``streams[stage][stream] -> StreamSize``, stream in weights/indices/pointers/codebook/
        tables.

    Examples
    --------
    >>> r = storage_report(np.eye(4), weight_bits=2, index_bits=2, name="eye")
    >>> r.n_entries, r.n_padding, r.total_bits("P+Q"), r.streams["P+Q"]["indices"]
    (4, 0, 159, StreamSize(bits=8, nbytes=1))
    """

    name: str
    n_weights: int
    nnz: int
    n_entries: int
    n_padding: int
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
                 f"({100 * self.nnz / self.n_weights:.1f}%), {self.n_padding} padding entries",
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
                   layout: str = "csc", pointer_bits: int | None = None,
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
    layout : {"csc", "csr", "stream"}
        How entries are grouped (:data:`eie_lab.sparse_format.LAYOUTS`); ``"stream"`` is the
        model file's layout, without pointers.
    pointer_bits : int, optional
        Bits per pointer (default :func:`~eie_lab.sparse_format.pointer_width` of the entries).
    name : str
        Layer name for tables.

    Returns
    -------
    StorageReport

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> w = rng.normal(size=(100, 80)) * (rng.random((100, 80)) < 0.1)
    >>> r = storage_report(w, weight_bits=4, index_bits=4, name="demo")
    >>> r.rate("P+Q+H") < r.rate("P+Q") < r.rate("P") < 1
    True
    >>> storage_report(w, weight_bits=4, index_bits=4, layout="stream").streams["P"]["pointers"]
    StreamSize(bits=0, nbytes=0)
    """
    wb = _check_bits(weight_bits, "weight_bits", 1, 16)
    ib = _check_bits(index_bits, "index_bits", 1, 32)
    try:
        mp = encode_relative(w, ib, layout)
    except EncodingError as exc:
        raise CompressionError(str(exc)) from None
    arr = np.asarray(w, dtype=np.float32)
    if codes is None or codebook is None:
        codebook, codes = share_weights(arr, wb)
    codes = np.asarray(codes)
    if codes.shape != arr.shape or np.asarray(codebook).size > (1 << wb):
        raise CompressionError(fail_message("codes", f"shape {codes.shape}", f"must match w "
                                            f"{arr.shape} with <= 2**weight_bits codes",
                                            "pass the codes returned with the codebook"))
    if not np.array_equal(codes == 0, arr == 0):
        raise CompressionError(fail_message("codes", "code array", "must be 0 exactly where w is "
                                            "0", "use share_weights(w, bits, reserve_zero=True)"))
    mq = encode_relative(codes, ib, layout)
    nq = mq.n_entries
    if layout == "stream":
        pointers = StreamSize(0, 0)
        pb = 0
    else:
        pb = _check_bits(pointer_width(nq) if pointer_bits is None else pointer_bits,
                         "pointer_bits", 1, 64)
        pointers = StreamSize.of_bits(mq.n_pointers * pb)
    idx = StreamSize.of_bits(nq * ib)
    cb = StreamSize.of_bits(codebook_bits(wb))
    # w and codes are zero at the same places, so P and P+Q share the z and pointer streams
    streams = {"P": {"weights": StreamSize.of_bits(mp.n_entries * FLOAT_BITS), "indices": idx,
                     "pointers": pointers},
               "P+Q": {"weights": StreamSize.of_bits(nq * wb), "indices": idx,
                       "pointers": pointers, "codebook": cb}}
    v, z = mq.v.astype(np.int64), mq.z.astype(np.int64)
    streams["P+Q+H"] = {"weights": StreamSize.of_bits(HuffmanCode.from_symbols(v).encode(v)[1]),
                        "indices": StreamSize.of_bits(HuffmanCode.from_symbols(z).encode(z)[1]),
                        "pointers": pointers, "codebook": cb,
                        "tables": StreamSize.of_bits(huffman_table_bits(wb, ib))}
    return StorageReport(name, arr.size, int(np.count_nonzero(arr)), nq, mq.n_padding, wb, ib, pb,
                         streams)


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
                         sum(r.n_entries for r in reports), sum(r.n_padding for r in reports),
                         first.weight_bits, first.index_bits, first.pointer_bits, streams)
