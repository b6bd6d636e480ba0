"""Sparse-matrix read unit: streams a column's (v, z) entries out of the PE's spmat SRAM.

[EIE §IV, "Sparse Matrix Read Unit"]: with the pointers p_j and p_{j+1}, the unit reads the
entries of column j stored in this PE, one 8-bit entry (4-bit weight index v, 4-bit relative row
index z) per cycle, padding entries included. The SRAM is ``spmat_width_bits`` wide (64 bits = 8
entries in the paper), so one SRAM *line* read serves several entries.

Line-read rule (what :attr:`AccessCounts.spmat_reads <eie_lab.eie.results.AccessCounts>`
counts, in both timing modes): the unit keeps the last line it read in a line buffer, and that
buffer survives from one column to the next. A line is read only when the next entry streamed
lies on a different line than the previous one (the first entry of a PE's run always reads one);
an empty column reads none. So a column that starts on the line the previous column ended on
reads it for free, as in the EIE authors' cycle simulator. :func:`line_reads` is the same rule in
bulk.

Examples
--------
>>> import numpy as np
>>> line_reads(np.array([[6, 0]]), np.array([[10, 0]]), per_line=8).tolist()  # 6..9 spans 2 lines
[[2, 0]]
"""

from __future__ import annotations

import numpy as np

__all__ = ["SpmatRead", "line_reads"]


def line_reads(start: np.ndarray, end: np.ndarray, per_line: int) -> np.ndarray:
    """SRAM lines read to stream entries ``start … end-1`` of each item, in order along the last axis.

    The line buffer survives across items: an item whose first entry lies on the line the
    previous non-empty item (earlier along the last axis) ended on does not read that line again.

    Parameters
    ----------
    start, end : numpy.ndarray
        Entry addresses (same shape), e.g. (n_pe, K) from the column pointers, items in the order
        they are streamed (increasing addresses along the last axis).
    per_line : int
        Entries per SRAM line (``EIEConfig.entries_per_row``).

    Returns
    -------
    numpy.ndarray
        Lines read for each item, same shape (0 for an empty item).

    Examples
    --------
    >>> line_reads(np.array([0, 7, 9, 9]), np.array([8, 9, 9, 12]), per_line=8).tolist()
    [1, 1, 0, 0]
    >>> line_reads(np.array([[6, 17]]), np.array([[10, 18]]), per_line=8).tolist()
    [[2, 1]]
    """
    start = np.asarray(start, dtype=np.int64)
    end = np.asarray(end, dtype=np.int64)
    nonempty = end > start
    first = start // per_line
    last = np.where(nonempty, (end - 1) // per_line, -1)
    span = np.where(nonempty, last - first + 1, 0)
    if start.ndim == 0 or start.shape[-1] == 0:
        return span
    # the line in the buffer when each item begins: the last line of the previous non-empty item
    idx = np.where(nonempty, np.arange(start.shape[-1]), -1)
    prev_idx = np.maximum.accumulate(idx, axis=-1)
    prev_idx = np.concatenate((np.full(prev_idx.shape[:-1] + (1,), -1), prev_idx[..., :-1]),
                              axis=-1)
    prev_line = np.where(prev_idx >= 0,
                         np.take_along_axis(last, np.maximum(prev_idx, 0), axis=-1), -1)
    return span - (nonempty & (first == prev_line))


class SpmatRead:
    """The sparse-matrix read units of all PEs, streaming one entry per busy PE per cycle.

    Parameters
    ----------
    v, z : list of numpy.ndarray
        Per PE, the stored weight indices and relative row indices (``EncodedLayer.v``, ``.z``).
    per_line : int
        Entries per SRAM line.

    Attributes
    ----------
    line_reads : int
        SRAM lines read so far.
    line : numpy.ndarray
        (n_pe,) the line held in each PE's line buffer (-1 before the first read).

    Examples
    --------
    >>> import numpy as np
    >>> unit = SpmatRead([np.array([1, 2, 3]), np.array([4])], [np.array([0, 1, 0]), np.array([2])],
    ...                  per_line=2)
    >>> unit.begin(np.array([0, 1]), np.array([0, 0]), np.array([3, 1]))
    >>> pes, v, z = unit.read()
    >>> pes.tolist(), v.tolist(), z.tolist(), unit.left().tolist()
    ([0, 1], [1, 4], [0, 2], [2, 0])
    >>> unit.read()[1].tolist(), unit.read()[1].tolist(), unit.line_reads, unit.line.tolist()
    ([2], [3], 3, [1, 0])
    """

    def __init__(self, v: list[np.ndarray], z: list[np.ndarray], per_line: int) -> None:
        n_pe = len(v)
        self._offset = np.concatenate(([0], np.cumsum([x.size for x in v])))[:-1].astype(np.int64)
        self._v = np.concatenate(v).astype(np.int64) if n_pe else np.zeros(0, dtype=np.int64)
        self._z = np.concatenate(z).astype(np.int64) if n_pe else np.zeros(0, dtype=np.int64)
        self.per_line = int(per_line)
        self._pes = np.arange(n_pe)
        self._addr = np.zeros(n_pe, dtype=np.int64)  # next entry (local to the PE's stream)
        self._start = np.zeros(n_pe, dtype=np.int64)
        self._end = np.zeros(n_pe, dtype=np.int64)
        self.line = np.full(n_pe, -1, dtype=np.int64)
        self.line_reads = 0

    def begin(self, pes: np.ndarray, start: np.ndarray, end: np.ndarray) -> None:
        """Start streaming entries ``start … end-1`` in PEs ``pes`` (from the pointer read)."""
        self._addr[pes], self._start[pes], self._end[pes] = start, start, end

    def left(self) -> np.ndarray:
        """(n_pe,) entries of the current column not streamed yet."""
        return self._end - self._addr

    def read(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Stream one entry in every PE that has one left: ``(pes, v, z)``."""
        pes = self._pes[self._addr < self._end]
        addr = self._addr[pes]
        line = addr // self.per_line
        self.line_reads += int(np.count_nonzero(line != self.line[pes]))  # buffer miss
        self.line[pes] = line
        flat = self._offset[pes] + addr
        self._addr[pes] += 1
        return pes, self._v[flat], self._z[flat]
