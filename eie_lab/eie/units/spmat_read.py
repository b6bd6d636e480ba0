"""Sparse-matrix read unit: streams a column's (v, z) entries out of the PE's spmat SRAM.

[EIE §IV, "Sparse Matrix Read Unit"]: with the pointers p_j and p_{j+1}, the unit reads the
entries of column j stored in this PE, one 8-bit entry (4-bit weight index v, 4-bit relative row
index z) per cycle, padding entries included. The SRAM is ``spmat_width_bits`` wide (64 bits = 8
entries in the paper), so one SRAM *line* read serves several entries.

Line-read rule (what :attr:`AccessCounts.spmat_reads <eie_lab.eie.results.AccessCounts>`
counts): a PE streaming entries p_j … p_{j+1}-1 reads every line they touch once per item, i.e. a
new line at the column's first entry and whenever the address crosses a line boundary; an empty
column reads none. :func:`line_reads` is the same rule in bulk.

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
    """SRAM lines read to stream entries ``start … end-1`` (elementwise; 0 when empty).

    Parameters
    ----------
    start, end : numpy.ndarray
        Entry addresses (same shape), e.g. (n_pe, K) from the column pointers.
    per_line : int
        Entries per SRAM line (``EIEConfig.entries_per_row``).

    Returns
    -------
    numpy.ndarray
        Lines read, same shape.

    Examples
    --------
    >>> line_reads(np.array([0, 7, 3]), np.array([8, 9, 3]), per_line=8).tolist()
    [1, 2, 0]
    """
    return np.where(end > start, (end - 1) // per_line - start // per_line + 1, 0)


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

    Examples
    --------
    >>> import numpy as np
    >>> unit = SpmatRead([np.array([1, 2, 3]), np.array([4])], [np.array([0, 1, 0]), np.array([2])],
    ...                  per_line=2)
    >>> unit.begin(np.array([0, 1]), np.array([0, 0]), np.array([3, 1]))
    >>> pes, v, z = unit.read()
    >>> pes.tolist(), v.tolist(), z.tolist(), unit.left().tolist()
    ([0, 1], [1, 4], [0, 2], [2, 0])
    >>> unit.read()[1].tolist(), unit.read()[1].tolist(), unit.line_reads
    ([2], [3], 3)
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
        new_line = (addr == self._start[pes]) | (addr % self.per_line == 0)
        self.line_reads += int(np.count_nonzero(new_line))
        flat = self._offset[pes] + addr
        self._addr[pes] += 1
        return pes, self._v[flat], self._z[flat]
