"""Activation queue: one FIFO of broadcast ``(j, a_j)`` items per PE.

[EIE §IV, "Activation Queue and Load Balancing"]: the central control unit broadcasts each
non-zero activation, with its column index j, into a queue in every PE; a PE takes the item at
its queue head when it is free, so a PE with little work on a column can run ahead of a busy one
by as many items as its queue holds. The broadcast waits while any queue is full.

This unit holds the queues as ring buffers of ``depth`` slots (numpy arrays over the PE axis)
and knows nothing about *when* an item leaves: the engine calls :meth:`ActivationQueue.pop`.
Under the timing contract (``help(eie_lab.eie)``, rule 4) an item keeps its slot until the PE
has finished it; a timing mode in which a slot frees when the PE latches the item would pop at
the start instead. Several pushes in one cycle (a wider broadcast) are allowed.

Examples
--------
>>> q = ActivationQueue(n_pe=2, depth=2, n_items=3)
>>> q.push(0, j=2, value=0.5, ready_cycle=1)
>>> q.push(1, j=4, value=1.0, ready_cycle=2)
>>> q.full().tolist(), q.ready(1).tolist(), q.heads().tolist()
([True, True], [True, True], [0, 0])
>>> q.pop(np.array([1]))
>>> q.occupancy.tolist(), q.items(1), q.pushes
([2, 1], [1], 4)
"""

from __future__ import annotations

import numpy as np

__all__ = ["ActivationQueue"]


class ActivationQueue:
    """Per-PE ring-buffer FIFOs of broadcast items.

    Parameters
    ----------
    n_pe : int
        Number of PEs (one queue each).
    depth : int
        Slots per queue (``fifo_depth``, D).
    n_items : int
        Most items that will be broadcast (sizes the per-item ``j`` and ``a_j`` arrays).
    value_dtype : numpy dtype, default float64
        dtype of the carried ``a_j`` (int64 for fixed-point activations).

    Attributes
    ----------
    col, value : numpy.ndarray
        (n_items,) the ``j`` and ``a_j`` carried by each item t (what a slot holds in hardware).
    ready_cycle : numpy.ndarray
        (n_items,) first cycle a PE may start item t (broadcast cycle + latency).
    pushes : int
        Queue writes so far (one per PE per broadcast item).
    """

    def __init__(self, n_pe: int, depth: int, n_items: int, value_dtype=np.float64) -> None:
        self.n_pe, self.depth = int(n_pe), int(depth)
        self._pes = np.arange(self.n_pe)
        self._buf = np.full((self.n_pe, self.depth), -1, dtype=np.int64)
        self._head = np.zeros(self.n_pe, dtype=np.int64)
        self._count = np.zeros(self.n_pe, dtype=np.int64)
        self.col = np.zeros(n_items, dtype=np.int64)
        self.value = np.zeros(n_items, dtype=value_dtype)
        self.ready_cycle = np.zeros(n_items, dtype=np.int64)
        self.pushes = 0

    @property
    def occupancy(self) -> np.ndarray:
        """(n_pe,) items in each queue."""
        return self._count.copy()

    def full(self) -> np.ndarray:
        """(n_pe,) bool: the queue has no free slot (a broadcast now would overflow it)."""
        return self._count >= self.depth

    def empty(self) -> bool:
        """True when every queue is empty."""
        return not self._count.any()

    def push(self, t: int, j: int, value: float, ready_cycle: int) -> None:
        """Write item t, carrying ``(j, a_j)``, into the tail of every queue (none may be full)."""
        self._buf[self._pes, (self._head + self._count) % self.depth] = t
        self._count += 1
        self.col[t], self.value[t], self.ready_cycle[t] = j, value, ready_cycle
        self.pushes += self.n_pe

    def heads(self) -> np.ndarray:
        """(n_pe,) item at each queue's head, -1 for an empty queue."""
        return np.where(self._count > 0, self._buf[self._pes, self._head], -1)

    def ready(self, cycle: int) -> np.ndarray:
        """(n_pe,) bool: the queue's head has arrived and may be started in ``cycle``."""
        heads = self.heads()
        return (heads >= 0) & (self.ready_cycle[np.maximum(heads, 0)] <= cycle)

    def pop(self, pes: np.ndarray) -> None:
        """Remove the head item of the queues of ``pes`` (each must hold one)."""
        self._head[pes] = (self._head[pes] + 1) % self.depth
        self._count[pes] -= 1

    def items(self, pe: int) -> list[int]:
        """Items in PE ``pe``'s queue, head first."""
        idx = (self._head[pe] + np.arange(self._count[pe])) % self.depth
        return [int(t) for t in self._buf[pe, idx]]
