"""The road not taken: W partitioned over the PEs by *columns* instead of rows ([EIE §VII-A]).

EIE gives PE k the rows ``i ≡ k (mod N)``, and every PE sees every broadcast activation. The
alternative gives PE k the columns ``j ≡ k (mod N)`` — exactly the activations ``a_j`` it
already holds — so nothing needs broadcasting, but:

* PE k only has work for its *own* non-zero activations: when its ``a_j`` happen to be zero it
  idles, however much work the other PEs have ([EIE §VII-A]: "idle PEs when a_j = 0");
* every PE can contribute to every output, so each PE needs an accumulator per output row
  (``m`` instead of ``m / N``) and the N partial vectors must be added across PEs at the end
  (the cross-PE reduction EIE's row partitioning never needs).

:func:`column_partition_run` counts both for a layer and an input with the same per-cycle rule as
the simulator (one cycle per stored non-zero, at least ``min_column_cycles`` per non-zero
activation's column; padding is ignored, which favours the column partition). The PEs run
independently, so the layer takes as long as the busiest PE, plus the reduction.

Examples
--------
>>> import numpy as np
>>> W = np.array([[1., 0, 2, 0], [0, 3, 0, 0], [4, 0, 5, 6], [0, 7, 0, 8]])
>>> a = np.array([1.0, 0.0, 2.0, 0.0])   # PE 1 owns columns 1 and 3: both inactive
>>> run = column_partition_run(W, a, n_pe=2)
>>> run.busy.tolist(), run.cycles, run.real_macs, round(run.mac_utilization, 2)
([4, 0], 4, 4, 0.5)
>>> run.partials.tolist(), run.reduction_adds   # rows 0 and 2 of PE 0; nothing to add across PEs
([2, 0], 0)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from eie_lab.eie.encoding import check_matrix
from eie_lab.eie.engine import check_activations
from eie_lab.errors import ConfigError, fail_message

__all__ = ["ColumnPartitionRun", "column_partition_run"]


@dataclass(frozen=True, eq=False)
class ColumnPartitionRun:
    """Work, time and reduction of one layer run with W partitioned by columns.

    Attributes
    ----------
    n_pe : int
    busy : numpy.ndarray
        (n_pe,) cycles PE k works: the non-zeros of its active columns, at least
        ``min_column_cycles`` per active column.
    real_macs : int
        Non-zero weights times non-zero activations, summed over the layer.
    partials : numpy.ndarray
        (n_pe,) output rows PE k holds a partial sum for at the end of the layer.
    rows_touched : int
        Output rows that receive any product.
    n_outputs : int
        Rows of W (accumulators every PE needs, against ``ceil(m / N)`` with rows).
    """

    n_pe: int
    busy: np.ndarray
    real_macs: int
    partials: np.ndarray
    rows_touched: int
    n_outputs: int

    @property
    def cycles(self) -> int:
        """Cycles until the busiest PE is done (the reduction not included)."""
        return int(self.busy.max()) if self.busy.size else 0

    @property
    def idle_pes(self) -> int:
        """PEs with no work at all (every one of their activations is zero)."""
        return int(np.count_nonzero(self.busy == 0))

    @property
    def mac_utilization(self) -> float:
        """Real MACs / (N x cycles): the share of PE-cycles that do useful work."""
        return self.real_macs / max(1, self.n_pe * self.cycles)

    @property
    def partial_sums(self) -> int:
        """(PE, output row) pairs holding a partial sum: values that must leave their PE."""
        return int(self.partials.sum())

    @property
    def reduction_cycles_min(self) -> int:
        """A lower bound on the reduction's time: each PE sends one partial sum per cycle."""
        return int(self.partials.max()) if self.partials.size else 0

    @property
    def reduction_adds(self) -> int:
        """Additions needed to combine the partial sums across PEs (``partial_sums - rows``)."""
        return self.partial_sums - self.rows_touched


def column_partition_run(W: object, a: object, n_pe: int, *,
                         min_column_cycles: int = 1) -> ColumnPartitionRun:
    """Count a column-partitioned run of ``W @ a`` over ``n_pe`` PEs (PE k: columns j ≡ k mod N).

    Parameters
    ----------
    W : array_like
        (m, n) weights; only where they are non-zero matters (codes or values).
    a : array_like
        (n,) input activations.
    n_pe : int
        Number of PEs, N >= 1.
    min_column_cycles : int, default 1
        Cycles a PE spends at least on an active column (the simulator's rule).

    Returns
    -------
    ColumnPartitionRun

    Examples
    --------
    >>> import numpy as np
    >>> run = column_partition_run(np.ones((3, 4)), np.array([1.0, 1, 1, 1]), n_pe=4)
    >>> run.busy.tolist(), run.partial_sums, run.reduction_adds, run.reduction_cycles_min
    ([3, 3, 3, 3], 12, 9, 3)
    """
    if isinstance(n_pe, bool) or not isinstance(n_pe, (int, np.integer)) or n_pe < 1:
        raise ConfigError(fail_message("n_pe", n_pe, "must be an int >= 1",
                                       "use n_pe=64 as in the EIE paper"))
    if (isinstance(min_column_cycles, bool) or not isinstance(min_column_cycles, (int, np.integer))
            or min_column_cycles < 1):
        raise ConfigError(fail_message("min_column_cycles", min_column_cycles,
                                       "must be an int >= 1", "use min_column_cycles=1"))
    W = check_matrix(W)
    m, n = W.shape
    a = check_activations(a, n)
    n_pe = int(n_pe)
    nz = W != 0
    per_col = nz.sum(axis=0).astype(np.int64)                  # non-zeros of each column
    active = a != 0
    work = np.where(active, np.maximum(per_col, int(min_column_cycles)), 0)
    busy = np.bincount(np.arange(n) % n_pe, weights=work, minlength=n_pe).astype(np.int64)
    partials = np.zeros(n_pe, dtype=np.int64)
    touched = np.zeros(m, dtype=bool)
    for k in range(n_pe):
        cols = np.flatnonzero(active[k::n_pe]) * n_pe + k      # PE k's active columns
        rows_k = nz[:, cols].any(axis=1)
        partials[k] = int(rows_k.sum())
        touched |= rows_k
    return ColumnPartitionRun(n_pe=n_pe, busy=busy, real_macs=int(per_col[active].sum()),
                              partials=partials, rows_touched=int(touched.sum()), n_outputs=m)
