"""Pointer read unit: looks up where column j's entries start and end in a PE's sparse matrix.

[EIE §IV, "Pointer Read Unit"]: the index j at the head of the activation queue selects the
column pointers p_j and p_{j+1}; their difference is the number of entries (padding included)
the PE stores for column j. The pointers sit in two single-ported SRAM banks, even j in one and
odd j in the other, so p_j and p_{j+1} always come from different banks and are read in the same
cycle: 2 pointer reads per PE per broadcast item.

Examples
--------
>>> import numpy as np
>>> unit = PointerRead(np.array([[0, 3, 4], [0, 0, 2]]))   # 2 PEs, 2 columns
>>> unit.read(np.array([0, 1]), np.array([0, 0]))
(array([0, 0]), array([3, 0]))
>>> unit.reads, PointerRead.bank(0), PointerRead.bank(1), pointer_reads(n_pe=2, n_items=1)
(4, 'even', 'odd', 4)
"""

from __future__ import annotations

import numpy as np

__all__ = ["PointerRead", "pointer_reads", "POINTERS_PER_ITEM"]

#: Pointer words read per PE and broadcast item: p_j and p_{j+1}.
POINTERS_PER_ITEM = 2


def pointer_reads(n_pe: int, n_items: int) -> int:
    """Pointer words read by the whole array for ``n_items`` broadcasts (bulk count).

    Examples
    --------
    >>> pointer_reads(64, 10)
    1280
    """
    return POINTERS_PER_ITEM * int(n_pe) * int(n_items)


class PointerRead:
    """The pointer read units of all PEs.

    Parameters
    ----------
    p : numpy.ndarray
        (n_pe, n + 1) column pointers of the encoded layer.

    Attributes
    ----------
    reads : int
        Pointer words read so far.
    """

    def __init__(self, p: np.ndarray) -> None:
        self._p = p
        self.reads = 0

    @staticmethod
    def bank(j: int) -> str:
        """The SRAM bank holding pointer p_j: ``"even"`` or ``"odd"``."""
        return "odd" if j % 2 else "even"

    def read(self, pes: np.ndarray, js: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Read p_j and p_{j+1} for PE ``pes[i]`` and column ``js[i]`` (one cycle, both banks)."""
        self.reads += POINTERS_PER_ITEM * int(pes.size)
        return self._p[pes, js], self._p[pes, js + 1]
