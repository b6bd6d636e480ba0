"""Leading non-zero detector (LNZD): finds the next non-zero input activation to broadcast.

[EIE §IV, "Distributed Leading Non-Zero Detection", Fig. 4]: the input activations are spread
over the PEs, activation ``a_j`` in PE ``j mod N`` at local slot ``j // N``, so the vector is
scanned as *rows* of N activations (row r holds a_{rN} … a_{rN+N-1}). A tree of LNZD nodes of
fan-in 4 sits over the PEs: each level-0 node sees the activations of its group of 4 PEs, each
node one level up sees 4 nodes below it, and the root (in the central control unit, CCU) hands
the winning ``(j, a_j)`` to the broadcast bus. For 64 PEs that is 16 + 4 + 1 = 21 nodes.

One pass of the tree over row r (:meth:`LeadingNonZeroDetector.reduce`): a leaf offers its PE
number when its activation is a non-zero not yet taken; a node offers the offer of its first
child (lowest PE numbers) that has one, and **-1 ("no non-zero") when its whole group is zero**.
When the root offers PE k, item ``j = r*N + k`` is picked and that leaf is cleared; when the root
offers -1 the row is exhausted and the detector loads the next row. Taking picks one by one
therefore yields the non-zeros in ascending j (:meth:`~LeadingNonZeroDetector.take`), which is
what the closed form :func:`lnzd_scan` returns in bulk; the tests check the two agree.

Cost. The timing contract (see ``help(eie_lab.eie)``) charges no cycles for the scan: the LNZD
delivers the next non-zero whenever the CCU can broadcast, however many all-zero rows lie
between. The pipeline timing (``EIEConfig(timing="pipeline")``, the EIE authors' simulator)
charges for rows: row 0 is loaded in cycle 0, the detector offers one non-zero per cycle (up to
``broadcast_width``) from the row it holds, leaving a row costs one cycle unless its last pick
was in the final slot (N - 1), and each all-zero row costs one cycle. :func:`row_delays` is that
rule in closed form; stepping :meth:`~LeadingNonZeroDetector.offer` and
:meth:`~LeadingNonZeroDetector.advance` one row per cycle is the same rule, unit by unit. The
detector also reports what it scanned (rows visited, all-zero rows skipped, activations read from
the source registers); its source reads are the ``n`` activation-register reads of
:class:`~eie_lab.eie.results.AccessCounts` ``act_reads``.

Examples
--------
>>> import numpy as np
>>> det = LeadingNonZeroDetector(4)
>>> det.levels, det.unit_count
((1,), 1)
>>> det.load(np.array([0, 0, 0.5, 0, 1.0, 2.0, 0, 3.0]))   # EIE Fig. 2's input, rows of 4
>>> [det.take() for _ in range(5)]
[2, 4, 5, 7, None]
>>> lnzd_scan(np.array([0, 0, 0.5, 0, 1.0, 2.0, 0, 3.0]), n_pe=4).order.tolist()
[2, 4, 5, 7]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from eie_lab.errors import ConfigError, fail_message

__all__ = ["FAN_IN", "LeadingNonZeroDetector", "LNZDState", "LNZDScan", "lnzd_scan",
           "lnzd_unit_count", "row_delays"]

#: Children per LNZD node: EIE's tree is a quadtree.
FAN_IN = 4
NO_PICK = -1  # what a node offers when every activation in its group is zero (or taken)

Node = tuple  # (level, index): level 0 sits over the PEs, the root has the highest level


def _check(n_pe: object, fan_in: object) -> None:
    if isinstance(n_pe, bool) or not isinstance(n_pe, (int, np.integer)) or n_pe < 1:
        raise ConfigError(fail_message("n_pe", n_pe, "must be an int >= 1",
                                       "use n_pe=64 as in EIE"))
    if isinstance(fan_in, bool) or not isinstance(fan_in, (int, np.integer)) or fan_in < 2:
        raise ConfigError(fail_message("fan_in", fan_in, "must be an int >= 2",
                                       "use fan_in=4 (EIE's quadtree)"))


def _level_sizes(n_pe: int, fan_in: int) -> tuple[int, ...]:
    sizes = [-(-n_pe // fan_in)]  # level 0: one node per group of fan_in PEs
    while sizes[-1] > 1:
        sizes.append(-(-sizes[-1] // fan_in))
    return tuple(sizes)


def lnzd_unit_count(n_pe: int, fan_in: int = FAN_IN) -> int:
    """Number of LNZD nodes in the tree over ``n_pe`` PEs.

    Parameters
    ----------
    n_pe : int
        Number of PEs (leaves).
    fan_in : int, default 4
        Children per node.

    Returns
    -------
    int

    Examples
    --------
    >>> [lnzd_unit_count(n) for n in (1, 4, 16, 64, 256)]
    [1, 1, 5, 21, 85]
    """
    _check(n_pe, fan_in)
    return sum(_level_sizes(int(n_pe), int(fan_in)))


@dataclass(frozen=True, eq=False)
class LNZDState:
    """What every node of the tree offers at one moment (for drawing and teaching).

    Attributes
    ----------
    n_pe, fan_in : int
    levels : tuple of int
        Nodes per level, level 0 (over the PEs) first; the last level is the root.
    row : int
        Activation row being scanned (``a[row*n_pe : (row+1)*n_pe]``); ``n_rows`` when the
        whole vector has been scanned.
    n_rows : int
        Rows in the input vector, ``ceil(n / n_pe)``.
    pending : numpy.ndarray
        (n_pe,) bool: PE k's activation in this row is a non-zero not yet broadcast.
    offers : tuple of numpy.ndarray
        Per level, (levels[l],) int: the PE each node offers, -1 for "no non-zero in my group".
    pick : int or None
        Column j the root offers (``row * n_pe + offers[-1][0]``), None when it offers nothing.

    Examples
    --------
    >>> import numpy as np
    >>> det = LeadingNonZeroDetector(8)
    >>> st = det.state(np.array([0, 0, 0, 0, 0, 3.0, 0, 1.0]), taken=0)
    >>> st.offers[0].tolist(), st.pick, st.path()
    ([-1, 5], 5, [(1, 0), (0, 1)])
    """

    n_pe: int
    fan_in: int
    levels: tuple[int, ...]
    row: int
    n_rows: int
    pending: np.ndarray
    offers: tuple[np.ndarray, ...]
    pick: int | None

    @property
    def owner_pe(self) -> int | None:
        """PE that holds the offered activation (``pick mod n_pe``), or None."""
        return None if self.pick is None else self.pick % self.n_pe

    def path(self) -> list[Node]:
        """Nodes that pass the pick up, root first (empty when nothing is offered)."""
        pe = self.owner_pe
        return [] if pe is None else node_path(pe, self.levels, self.fan_in)


def node_path(pe: int, levels: tuple[int, ...], fan_in: int) -> list[Node]:
    """Nodes from the root down to the level-0 node over PE ``pe``.

    Examples
    --------
    >>> node_path(37, (16, 4, 1), 4)
    [(2, 0), (1, 2), (0, 9)]
    """
    return [(level, pe // fan_in ** (level + 1)) for level in range(len(levels) - 1, -1, -1)]


@dataclass(frozen=True, eq=False)
class LNZDScan:
    """Closed-form result of scanning a whole input vector (:func:`lnzd_scan`).

    Attributes
    ----------
    order : numpy.ndarray
        (K,) int64 columns j of the non-zeros in the order the root delivers them (ascending).
    row, pos : numpy.ndarray
        (K,) int64 row ``j // n_pe`` and PE ``j mod n_pe`` of each pick.
    n_rows : int
        Rows scanned (``ceil(n / n_pe)``; every row is visited, all-zero ones included).
    empty_rows : int
        Rows whose root offered nothing at all (all-zero groups up to the root).
    activations_read : int
        Source-register reads of the scan: every activation once (n).

    Examples
    --------
    See :func:`lnzd_scan`.
    """

    order: np.ndarray
    row: np.ndarray
    pos: np.ndarray
    n_rows: int
    empty_rows: int
    activations_read: int


def lnzd_scan(a: np.ndarray, n_pe: int) -> LNZDScan:
    """Everything the detector delivers for ``a``, in bulk (what stepping it would give).

    Rows are scanned in order and, within a row, the tree's priority to the first child
    delivers the non-zeros by increasing PE, so the picks are the non-zeros in row-major order,
    i.e. by ascending j.

    Parameters
    ----------
    a : numpy.ndarray
        (n,) input activations.
    n_pe : int
        N: activation j sits in PE ``j mod N``, row ``j // N``.

    Returns
    -------
    LNZDScan

    Examples
    --------
    >>> import numpy as np
    >>> sc = lnzd_scan(np.array([0, 2.0, 0, 0, 0, 0, 0, 0, 1.0, 0]), n_pe=4)
    >>> sc.order.tolist(), sc.row.tolist(), sc.pos.tolist(), sc.n_rows, sc.empty_rows
    ([1, 8], [0, 2], [1, 0], 3, 1)
    """
    a = np.asarray(a)
    n = int(a.size)
    order = np.flatnonzero(a).astype(np.int64)  # row-major positions of the non-zeros
    row, pos = np.divmod(order, n_pe)
    n_rows = -(-n // n_pe)
    empty = n_rows - int(np.unique(row).size)
    return LNZDScan(order=order, row=row, pos=pos, n_rows=n_rows, empty_rows=empty,
                    activations_read=n)


def row_delays(row: np.ndarray, pos: np.ndarray, n_pe: int) -> np.ndarray:
    """Cycles the pipelined detector needs before each pick, beyond the previous broadcast.

    With ``row_t``, ``pos_t`` the row and slot of pick t: ``d_0 = 1 + row_0`` (row 0 is loaded in
    cycle 0, then one cycle per all-zero row), ``d_t = 0`` within a row, and
    ``d_t = 1 + (row_t - row_{t-1}) - [pos_{t-1} = N - 1]`` when the pick lies in a later row.
    Pick t is offered from cycle ``b_{t-1} + d_t`` (``b_{-1} = 0``); one per cycle is enforced
    separately by the broadcast width.

    Parameters
    ----------
    row, pos : numpy.ndarray
        (K,) from :func:`lnzd_scan`.
    n_pe : int
        N.

    Returns
    -------
    numpy.ndarray
        (K,) int64.

    Examples
    --------
    >>> sc = lnzd_scan(np.array([0, 0, 0.5, 0, 1.0, 2.0, 0, 3.0]), n_pe=4)   # EIE Fig. 2
    >>> row_delays(sc.row, sc.pos, 4).tolist()
    [1, 2, 0, 0]
    >>> row_delays(np.array([0, 1, 3]), np.array([3, 3, 0]), 4).tolist()   # final slots
    [1, 1, 2]
    """
    row = np.asarray(row, dtype=np.int64)
    pos = np.asarray(pos, dtype=np.int64)
    d = np.zeros(row.size, dtype=np.int64)
    if row.size:
        d[0] = 1 + row[0]
        step = row[1:] - row[:-1]
        d[1:] = np.where(step > 0, 1 + step - (pos[:-1] == n_pe - 1), 0)
    return d


class LeadingNonZeroDetector:
    """The LNZD tree over ``n_pe`` PEs, stepped one pick at a time.

    Parameters
    ----------
    n_pe : int
        Number of PEs (leaves of the tree).
    fan_in : int, default 4
        Children per node (EIE: 4).

    Attributes
    ----------
    levels : tuple of int
        Nodes per level, from the PEs up to the root.
    row : int
        Row being scanned (-1 before the first :meth:`peek`; ``ceil(n / n_pe)`` at the end).
    rows_scanned : int
        Rows loaded so far.
    empty_rows : int
        Rows in which the root offered nothing at all.
    activations_read : int
        Source activations read so far (each row reads its up to n_pe activations once).

    Examples
    --------
    >>> import numpy as np
    >>> det = LeadingNonZeroDetector(64)
    >>> det.levels, det.unit_count
    ((16, 4, 1), 21)
    >>> det.load(np.r_[np.zeros(130), 1.0])
    >>> det.take(), det.take(), det.rows_scanned, det.empty_rows, det.activations_read
    (130, None, 3, 2, 131)
    """

    def __init__(self, n_pe: int, fan_in: int = FAN_IN) -> None:
        _check(n_pe, fan_in)
        self.n_pe, self.fan_in = int(n_pe), int(fan_in)
        self.levels = _level_sizes(self.n_pe, self.fan_in)
        self._width = self.fan_in ** len(self.levels)  # leaves of the full tree (padded)
        self.load(np.zeros(0))

    @property
    def unit_count(self) -> int:
        """Number of LNZD nodes."""
        return sum(self.levels)

    def covers(self, level: int, index: int) -> tuple[int, int]:
        """First and last PE under node ``(level, index)``.

        Examples
        --------
        >>> LeadingNonZeroDetector(64).covers(1, 2)
        (32, 47)
        """
        span = self.fan_in ** (level + 1)
        return index * span, min(self.n_pe, (index + 1) * span) - 1

    def path(self, pe: int) -> list[Node]:
        """Nodes that pass an activation of PE ``pe`` up to the root, root first.

        Examples
        --------
        >>> LeadingNonZeroDetector(16).path(6)
        [(1, 0), (0, 1)]
        """
        if isinstance(pe, bool) or not isinstance(pe, (int, np.integer)) or not 0 <= pe < self.n_pe:
            raise ConfigError(fail_message("pe", pe, f"must be a PE of this tree, 0 <= pe < {self.n_pe}",
                                           "pass the owner of a_j, j mod n_pe"))
        return node_path(int(pe), self.levels, self.fan_in)

    def reduce(self, pending: np.ndarray) -> tuple[np.ndarray, ...]:
        """One pass of the tree over a row: what every node offers.

        Parameters
        ----------
        pending : numpy.ndarray
            (n_pe,) bool, the leaves holding a non-zero not yet taken.

        Returns
        -------
        tuple of numpy.ndarray
            Per level, the PE each node offers (its first child's offer that is not -1), or -1
            when every activation under the node is zero.

        Examples
        --------
        >>> det = LeadingNonZeroDetector(8)
        >>> [o.tolist() for o in det.reduce(np.array([0, 0, 0, 0, 0, 1, 1, 0], bool))]
        [[-1, 5], [5]]
        """
        offer = np.full(self._width, NO_PICK, dtype=np.int64)
        leaves = np.flatnonzero(pending)
        offer[leaves] = leaves
        out = []
        for size in self.levels:
            groups = offer.reshape(-1, self.fan_in)
            has = groups >= 0
            first = has.argmax(axis=1)  # the first child with an offer wins
            offer = np.where(has.any(axis=1), groups[np.arange(groups.shape[0]), first], NO_PICK)
            out.append(offer[:size])
        return tuple(out)

    def load(self, a: np.ndarray) -> None:
        """Start scanning a new input vector (the source activation registers) from row 0."""
        a = np.asarray(a)
        self._n = int(a.size)
        self._rows = -(-self._n // self.n_pe)
        mask = np.zeros(self._rows * self.n_pe, dtype=bool)
        mask[: self._n] = a != 0
        self._mask = mask.reshape(self._rows, self.n_pe)
        self._left = int(np.count_nonzero(mask))
        self.row = -1
        self._pending = np.zeros(self.n_pe, dtype=bool)
        self._pick: int | None = None
        self.rows_scanned = self.empty_rows = self.activations_read = 0
        self._row_had_pick = True

    def _next_row(self) -> None:
        if self.row >= 0 and not self._row_had_pick:
            self.empty_rows += 1
        self.row += 1
        if self.row < self._rows:
            self._pending = self._mask[self.row].copy()
            self.rows_scanned += 1
            self.activations_read += min(self.n_pe, self._n - self.row * self.n_pe)
            self._row_had_pick = False

    def peek(self) -> int | None:
        """The column j the root offers now (scanning on past exhausted rows), or None at the end.

        Peeking does not take the pick: a stalled broadcast holds it.
        """
        while self._pick is None and self.row < self._rows:
            root = int(self.reduce(self._pending)[-1][0]) if self.row >= 0 else NO_PICK
            if root >= 0:
                self._pick = self.row * self.n_pe + root
            else:
                self._next_row()
        return self._pick

    def take(self) -> int | None:
        """Take the offered pick (it goes onto the broadcast bus) and clear its leaf."""
        j = self.peek()
        if j is not None:
            self._pending[j % self.n_pe] = False
            self._row_had_pick = True
            self._left -= 1
            self._pick = None
        return j

    @property
    def remaining(self) -> int:
        """Non-zeros not yet taken (in the row held and in the rows still to load)."""
        return self._left

    def offer(self) -> int | None:
        """The pick of the row held now, without moving to another row (None: row exhausted).

        The pipeline timing moves rows with :meth:`advance`, one per cycle; :meth:`peek` (the
        timing contract's detector) moves past exhausted rows at once.

        Examples
        --------
        >>> det = LeadingNonZeroDetector(4)
        >>> det.load(np.array([0, 0, 0, 0, 1.0]))
        >>> det.offer(), det.advance(), det.offer(), det.advance(), det.offer()
        (None, True, None, True, 4)
        """
        if self._pick is None and 0 <= self.row < self._rows:
            root = int(self.reduce(self._pending)[-1][0])
            if root >= 0:
                self._pick = self.row * self.n_pe + root
        return self._pick

    def advance(self) -> bool:
        """Load the next row (what the pipelined detector does in one cycle); False past the end."""
        if self.row >= self._rows:
            return False
        self._pick = None
        self._next_row()
        return self.row < self._rows

    def snapshot(self) -> LNZDState:
        """The detector's state now: the row it scans, its pending leaves, every node's offer.

        Examples
        --------
        >>> det = LeadingNonZeroDetector(4)
        >>> det.load(np.array([0, 0, 0.5, 0, 1.0, 2.0, 0, 3.0]))
        >>> det.take()
        2
        >>> st = det.snapshot()
        >>> st.row, st.pending.tolist(), st.pick
        (1, [True, True, False, True], 4)
        """
        self.peek()
        done = self.row >= self._rows
        pending = np.zeros(self.n_pe, dtype=bool) if done else self._pending.copy()
        offers = self.reduce(pending)
        return LNZDState(n_pe=self.n_pe, fan_in=self.fan_in, levels=self.levels,
                         row=self._rows if done else self.row, n_rows=self._rows,
                         pending=pending, offers=offers, pick=self._pick)

    def state(self, a: np.ndarray, taken: int) -> LNZDState:
        """The tree's state after the first ``taken`` picks of ``a`` have been broadcast.

        The closed form of ``load(a)``, ``taken`` times :meth:`take`, then :meth:`snapshot`
        (the tests check the two agree), so a frame of a long trace is drawn without replaying
        the scan.

        Parameters
        ----------
        a : numpy.ndarray
            (n,) input activations.
        taken : int
            Picks already taken (0 <= taken <= number of non-zeros).

        Returns
        -------
        LNZDState
            At the row of the next pick; after the last pick, past the last row with no offers.

        Examples
        --------
        >>> import numpy as np
        >>> a = np.array([0, 0, 0.5, 0, 1.0, 2.0, 0, 3.0])
        >>> st = LeadingNonZeroDetector(4).state(a, taken=1)
        >>> st.row, st.pending.tolist(), st.pick
        (1, [True, True, False, True], 4)
        >>> LeadingNonZeroDetector(4).state(a, taken=4).pick is None
        True
        """
        scan = lnzd_scan(a, self.n_pe)
        K = int(scan.order.size)
        if isinstance(taken, bool) or not isinstance(taken, (int, np.integer)) or not 0 <= taken <= K:
            raise ConfigError(fail_message("taken", taken, f"must be an int in [0, {K}]",
                                           "pass how many non-zeros were broadcast already"))
        pending = np.zeros(self.n_pe, dtype=bool)
        if taken < K:
            row = int(scan.row[taken])
            left = scan.pos[taken:][scan.row[taken:] == row]
            pending[left] = True
        else:
            row = scan.n_rows
        offers = self.reduce(pending)
        root = int(offers[-1][0])
        return LNZDState(n_pe=self.n_pe, fan_in=self.fan_in, levels=self.levels, row=row,
                         n_rows=scan.n_rows, pending=pending, offers=offers,
                         pick=None if root < 0 else row * self.n_pe + root)
