"""Exact 1-D k-means for weight sharing: three initialisations, Lloyd, optimal DP.

In 1-D every cluster is a run of the sorted data between the midpoints of neighbouring
centroids, so Lloyd's algorithm needs no distance matrix. Two exact engines:

* **sorted** (float64, small inputs, k > 255): sort once; each iteration is a ``searchsorted``
  of the ``k - 1`` midpoints plus prefix-sum differences, ``O(k log n)``.
* **histogram** (float32 with >= :data:`HIST_MIN` values and k <= 255; no full sort): the
  floats are counted into 2**20 buckets of an order-preserving key with ``np.bincount``.
  A few Lloyd steps on the bucket means, then Newton's method on the Lloyd fixed-point
  equation of a smooth model of the data (points spread evenly inside each bucket) bring the
  centroids close; *exact* iterations finish: whole buckets come from the histogram and only
  the buckets around the midpoints are pulled out and sorted; each takes a Newton step only
  when its exact SSE is below the Lloyd step's. If the Newton path does not settle within a
  small budget, plain Lloyd is run instead. It ends at an exact Lloyd fixed point (every point
  nearest its centroid, every centroid the mean of its points), possibly a different (often
  slightly better) one than the sorted engine's. Details: :mod:`._kmeans_hist`.

Both stop when the assignment no longer changes and are deterministic. Final labels of float32
data come from a table on each float's top bits (exact ``searchsorted`` only near the
midpoints). :func:`optimal_sse_1d` gives the optimal cost (dynamic programming) for comparison.
See :class:`KMeansResult` for an example.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from eie_lab.compression._kmeans_hist import kmeans_hist, labels_float32, lloyd_weighted
from eie_lab.compression.prune import check_weights
from eie_lab.errors import CompressionError, fail_message
from eie_lab.random import as_rng

__all__ = ["INITS", "init_centroids", "KMeansResult", "kmeans_1d", "optimal_sse_1d", "HIST_MIN"]

#: float32 inputs at least this large (and k <= 255) use the histogram engine.
HIST_MIN = 1 << 18


#: The three centroid initialisations of DC §3.2 (papers.md §2.6).
INITS = ("linear", "density", "random")


def _check_k(k: object, name: str = "k") -> int:
    if not (isinstance(k, int | np.integer) and k >= 1):
        raise CompressionError(fail_message(name, k, "must be an int >= 1", "e.g. k = 2**bits"))
    return int(k)


def init_centroids(x: np.ndarray, k: int, method: str = "linear", seed: int = 0) -> np.ndarray:
    """Initial centroids for 1-D k-means, sorted ascending (float64, shape (k,)).

    Parameters
    ----------
    x, k : ndarray, int
        The values to cluster (any shape; flattened) and the number of clusters (>= 1).
    method : {"linear", "density", "random"}
        ``"linear"``: evenly spaced between ``min(x)`` and ``max(x)``. ``"density"``: the CDF is
        split into ``k`` equal slices on the y-axis and each centroid is the x where the CDF
        crosses the middle of its slice, i.e. the quantiles ``(2i + 1) / 2k``. ``"random"``
        (Forgy): ``k`` distinct data points drawn with ``seed`` (with repeats only when ``x``
        has fewer than ``k`` points).
    seed : int
        Seed for ``"random"``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([0.0, 1.0, 2.0, 10.0])
    >>> init_centroids(x, 3, "linear")
    array([ 0.,  5., 10.])
    >>> init_centroids(x, 2, "density")
    array([0.75, 4.  ])
    """
    arr, k = check_weights(x, "x").ravel(), _check_k(k)
    if method == "linear":
        return np.linspace(float(arr.min()), float(arr.max()), k)
    if method == "density":
        return np.quantile(arr.astype(np.float64), (2.0 * np.arange(k) + 1.0) / (2.0 * k))
    if method == "random":
        return np.sort(as_rng(seed).choice(arr.astype(np.float64), k, replace=arr.size < k))
    raise CompressionError(fail_message("method", method, f"must be one of {INITS}",
                                        "linear is the paper's choice (DC §3.2)"))


@dataclass
class KMeansResult:
    """Result of :func:`kmeans_1d`.

    Attributes
    ----------
    codebook : ndarray, float64, shape (k,)
        Final centroids, sorted ascending.
    labels : ndarray of int (uint8 for float32 input with k <= 255), shape of x
        Index of each point's centroid.
    sse : float
        Sum of squared distances of the points to their centroids.
    n_iter, converged : int, bool
        Number of centroid updates; whether the assignment stopped changing before max_iter.
    sse_history : ndarray
        SSE before each update and after the last one (length ``n_iter + 1``; for the
        histogram engine, of its exact iterations only, each a Lloyd or an accepted Newton
        step; never increasing).

    Examples
    --------
    >>> r = kmeans_1d(np.array([1.0, 1.2, 5.0, 5.4, 9.0]), 2)
    >>> r.codebook, r.labels, r.n_iter, r.converged
    (array([1.1       , 6.46666667]), array([0, 0, 1, 1, 1]), 2, True)
    """

    codebook: np.ndarray
    labels: np.ndarray
    sse: float
    n_iter: int
    sse_history: np.ndarray
    converged: bool


def kmeans_1d(x: np.ndarray, k: int, init: str | np.ndarray = "linear", *, max_iter: int = 1000,
              seed: int = 0) -> KMeansResult:
    """Exact Lloyd iterations for 1-D k-means, run until the assignment no longer changes.

    Ties (a point exactly on a midpoint) go to the lower centroid, as in scikit-learn. A cluster
    that becomes empty is moved, like scikit-learn does, onto the point farthest from its mean in
    the cluster with the largest SSE (so no centroid is wasted, e.g. one that linear
    initialisation put into the gap left by pruning); this never increases the SSE. Iterations
    stop when the assignment no longer changes (or the SSE stops falling at float resolution).

    Parameters
    ----------
    x, k : ndarray, int
        Values to cluster (any shape, finite) and the number of clusters (>= 1).
    init : str or ndarray
        One of :data:`INITS` or an explicit array of ``k`` starting centroids.
    max_iter, seed : int
        Bound on the (exact) Lloyd updates; seed for the ``"random"`` initialisation.

    Returns
    -------
    KMeansResult

    Examples
    --------
    >>> import numpy as np
    >>> r = kmeans_1d(np.array([1.0, 1.2, 5.0, 5.4, 9.0]), 2)
    >>> r.codebook, r.labels, round(r.sse, 3), r.converged
    (array([1.1       , 6.46666667]), array([0, 0, 1, 1, 1]), 9.727, True)
    """
    arr = check_weights(x, "x")
    k = _check_k(k)
    if isinstance(init, str):
        c = init_centroids(arr, k, init, seed=seed)
    else:
        c = np.sort(np.asarray(init, dtype=np.float64).ravel())
        if c.shape != (k,) or not np.all(np.isfinite(c)):
            raise CompressionError(fail_message("init", f"array of shape {c.shape}",
                                                f"must hold {k} finite centroids"))
    flat = arr.ravel()
    if flat.dtype == np.float32 and flat.size >= HIST_MIN and k <= 255:
        res = kmeans_hist(np.ascontiguousarray(flat), c, max_iter)
        if res is not None:
            codebook, labels, history, n_iter, converged = res
            return KMeansResult(codebook, labels.reshape(arr.shape), float(history[-1]),
                                n_iter, history, converged)
    xs = np.sort(flat)  # sort in the input dtype (faster), sum in float64
    shift = float(xs[xs.size // 2])  # centre the data: keeps the prefix sums well conditioned
    xs = np.subtract(xs, shift, dtype=np.float64)
    c, b, n_iter, history, converged = lloyd_weighted(xs, None, c - shift, max_iter)
    codebook = c + shift
    mid = (codebook[:-1] + codebook[1:]) / 2.0
    if arr.dtype == np.float32 and k <= 255:
        labels = labels_float32(np.ascontiguousarray(flat), mid)
    else:
        labels = np.searchsorted(mid, flat.astype(np.float64), side="left")
    return KMeansResult(codebook, labels.reshape(arr.shape), history[-1], n_iter,
                        np.array(history), converged)


def optimal_sse_1d(x: np.ndarray, k: int) -> float:
    """Minimum possible k-means SSE of 1-D data, by dynamic programming.

    ``D[m][i]`` (best cost of the ``i`` smallest points in ``m`` clusters) is
    ``min_j D[m-1][j] + cost(j, i)`` with ``cost`` the SSE of a sorted run from prefix sums. The
    best ``j`` is monotone in ``i``, so each layer is solved by divide and conquer in
    ``O(n log n)``, vectorised over all sub-problems of one recursion depth.

    Examples
    --------
    >>> import numpy as np
    >>> optimal_sse_1d(np.array([0.0, 1.0, 10.0, 11.0, 30.0]), 3)
    1.0
    """
    xs = np.sort(check_weights(x, "x").ravel().astype(np.float64))
    k = _check_k(k)
    xs -= xs.mean()
    n = xs.size
    cs = np.concatenate(([0.0], np.cumsum(xs)))
    cs2 = np.concatenate(([0.0], np.cumsum(xs * xs)))

    def cost(j: np.ndarray, i: np.ndarray) -> np.ndarray:
        cnt = np.maximum(i - j, 1)
        s = cs[i] - cs[j]
        return np.maximum(cs2[i] - cs2[j] - s * s / cnt, 0.0)

    idx = np.arange(n + 1)
    prev = cost(np.zeros_like(idx), idx)  # one cluster
    for _ in range(1, min(k, n)):
        cur = np.empty_like(prev)
        cur[0] = 0.0
        lo, hi, olo, ohi = np.array([1]), np.array([n]), np.array([0]), np.array([n])
        while lo.size:
            mid = (lo + hi) // 2
            top = np.minimum(mid, ohi)
            width = top - olo + 1
            seg = np.repeat(np.arange(mid.size), width)
            start = np.concatenate(([0], np.cumsum(width)[:-1]))
            j = olo[seg] + np.arange(seg.size) - start[seg]
            val = prev[j] + cost(j, mid[seg])
            best = np.minimum.reduceat(val, start)
            first = np.flatnonzero(val == best[seg])
            arg = j[first[np.unique(seg[first], return_index=True)[1]]]
            cur[mid] = best
            left, right = lo <= mid - 1, mid + 1 <= hi
            lo = np.concatenate((lo[left], mid[right] + 1))
            hi = np.concatenate((mid[left] - 1, hi[right]))
            olo, ohi = (np.concatenate((olo[left], arg[right])),
                        np.concatenate((arg[left], ohi[right])))
        prev = cur
    return float(prev[n])
