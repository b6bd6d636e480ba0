"""Exact 1-D k-means for weight sharing: three initialisations, Lloyd, optimal DP.

In 1-D every cluster is a run of the sorted data between the midpoints of neighbouring
centroids, so Lloyd's algorithm needs no distance matrix. Two exact engines:

* **sorted** (float64, small inputs, k > 255): sort once; each iteration is a ``searchsorted``
  of the ``k - 1`` midpoints plus prefix-sum differences, ``O(k log n)``.
* **histogram** (float32 with >= :data:`HIST_MIN` values and k <= 255; no full sort): the
  floats are counted into 2**20 buckets of an order-preserving key with ``np.bincount``.
  Lloyd runs first on the bucket means, then with the points spread evenly inside each bucket,
  and finally *exact* Lloyd iterations take over: whole buckets come from the histogram and
  only the buckets around the midpoints are pulled out and sorted. It ends at an exact Lloyd
  fixed point (every point nearest its centroid, every centroid the mean of its points),
  possibly a different (often slightly better) one than the sorted engine's.

Both stop when the assignment no longer changes and are deterministic. Final labels of float32
data come from a table on each float's top 16 bits (exact ``searchsorted`` only near the
midpoints). :func:`optimal_sse_1d` gives the optimal cost (dynamic programming) for comparison.
See :class:`KMeansResult` for an example.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from eie_lab.compression.prune import check_weights
from eie_lab.errors import CompressionError, fail_message
from eie_lab.random import as_rng

__all__ = ["INITS", "init_centroids", "KMeansResult", "kmeans_1d", "optimal_sse_1d", "HIST_MIN"]

#: float32 inputs at least this large (and k <= 255) use the histogram engine.
HIST_MIN = 1 << 18
_BITS = 20  # histogram key bits
_WIN = 8  # buckets pulled out on each side of a midpoint's bucket


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
        histogram engine, of its exact iterations only).

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
        res = _kmeans_hist(np.ascontiguousarray(flat), c, max_iter, arr.shape)
        if res is not None:
            return res
    xs = np.sort(flat)  # sort in the input dtype (faster), sum in float64
    shift = float(xs[xs.size // 2])  # centre the data: keeps the prefix sums well conditioned
    xs = np.subtract(xs, shift, dtype=np.float64)
    c, b, n_iter, history, converged = _lloyd_weighted(xs, None, c - shift, max_iter)
    codebook = c + shift
    mid = (codebook[:-1] + codebook[1:]) / 2.0
    if arr.dtype == np.float32 and k <= 255:
        labels = _labels_float32(np.ascontiguousarray(flat), mid)
    else:
        labels = np.searchsorted(mid, flat.astype(np.float64), side="left")
    return KMeansResult(codebook, labels.reshape(arr.shape), history[-1], n_iter,
                        np.array(history), converged)


def _lloyd_weighted(xs, wt, c, max_iter):
    """Lloyd on sorted points ``xs`` with weights ``wt`` (None = 1; empty clusters moved)."""
    if wt is None:
        pc, ps = np.arange(xs.size + 1.0), np.concatenate(([0.0], np.cumsum(xs)))
        total_sq = float(np.dot(xs, xs))
    else:
        pc = np.concatenate(([0.0], np.cumsum(wt)))
        ps = np.concatenate(([0.0], np.cumsum(wt * xs)))
        total_sq = float(np.dot(wt, xs * xs))

    def bounds(cent):
        return np.concatenate(([0], np.searchsorted(xs, (cent[:-1] + cent[1:]) / 2.0,
                                                    side="right"), [xs.size]))

    b = bounds(c)
    history = [_sse(total_sq, np.diff(pc[b]), np.diff(ps[b]), c)]
    n_iter, converged = 0, False
    while n_iter < max_iter:
        n, sums = np.diff(pc[b]), np.diff(ps[b])
        c = np.where(n > 0, sums / np.where(n > 0, n, 1.0), c)
        empty = np.flatnonzero(n == 0)
        if empty.size:
            c = _relocate(c, empty, b, n, sums, xs, wt)
        n_iter += 1
        new_b = bounds(c)
        history.append(_sse(total_sq, np.diff(pc[new_b]), np.diff(ps[new_b]), c))
        stalled = history[-1] >= history[-2]  # no progress at floating-point resolution
        b, converged = new_b, bool(np.array_equal(new_b, b) or stalled)
        if converged:
            break
    return c, b, n_iter, history, converged


def _sse(total_sq, n, sums, c):
    return max(total_sq + float(np.sum(n * c * c - 2.0 * c * sums)), 0.0)


def _key16(h: np.ndarray) -> np.ndarray:
    """Top 16 bits of float32 values (as uint16) -> an order-preserving uint16 key."""
    return h ^ ((h >> np.uint16(15)) * np.uint16(0x7FFF)) ^ np.uint16(0x8000)


_HI = slice(1, None, 2) if np.little_endian else slice(0, None, 2)


def _floor32(m: np.ndarray) -> np.ndarray:
    """Largest float32 <= m (so that x > m  <=>  x > floor32(m) for float32 x); no -0.0."""
    m32 = m.astype(np.float32)
    m32 = np.where(m32.astype(np.float64) > m, np.nextafter(m32, np.float32(-np.inf)), m32)
    return m32 + np.float32(0.0)


def _key20(x: np.ndarray) -> np.ndarray:
    """Order-preserving 20-bit keys (top 20 bits of the float32 pattern, negatives flipped)."""
    k = x.view(np.uint32) >> np.uint32(32 - _BITS)
    return k ^ ((k >> np.uint32(_BITS - 1)) * np.uint32((1 << (_BITS - 1)) - 1)) ^ np.uint32(
        1 << (_BITS - 1))


def _key_value(b: np.ndarray) -> np.ndarray:
    """Smallest float32 value (as float64) whose key is ``b`` (inverse of :func:`_key20`)."""
    top = np.uint32(1 << (_BITS - 1))
    b = b.astype(np.uint32)
    u = np.where(b >= top, b ^ top, b ^ np.uint32((1 << _BITS) - 1)) << np.uint32(32 - _BITS)
    u = np.where(b >= top, u, u | np.uint32((1 << (32 - _BITS)) - 1))
    return u.view(np.float32).astype(np.float64)


def _kmeans_hist(x, c, max_iter, shape):
    """Exact Lloyd for large float32 data without a full sort (see :func:`kmeans_1d`)."""
    nb = 1 << _BITS
    key = _key20(x).astype(np.intp)
    cnt = np.bincount(key, minlength=nb)
    sm = np.bincount(key, weights=x, minlength=nb)
    pc, ps = np.concatenate(([0], np.cumsum(cnt))), np.concatenate(([0.0], np.cumsum(sm)))
    nz = np.flatnonzero(cnt)  # 1. Lloyd on the histogram (each bucket at its mean)
    if nz.size < 64 * c.size:
        return None  # data too narrow for the histogram: sort instead
    shift = float(sm[nz[np.searchsorted(pc[nz + 1], x.size // 2)]] / cnt[nz[np.searchsorted(
        pc[nz + 1], x.size // 2)]])  # a central value: SSEs are computed about it
    cb, _, n_hist, _, _ = _lloyd_weighted(sm[nz] / cnt[nz] - shift,
                                          cnt[nz].astype(np.float64), c - shift, 1000)
    c = cb + shift
    for _ in range(1000):  # 2. ... with points spread evenly inside each bucket
        m = (c[:-1] + c[1:]) / 2.0
        b = _key20(_floor32(m)).astype(np.intp)
        lo, hi = _key_value(b), _key_value(np.minimum(b + 1, nb - 1))
        f = np.clip((m - lo) / np.where(hi > lo, hi - lo, 1.0), 0.0, 1.0)
        C = np.concatenate(([0.0], pc[b] + cnt[b] * f, [x.size]))
        S = np.concatenate(([0.0], ps[b] + sm[b] * f, [ps[-1]]))
        n = np.diff(C)
        new = np.where(n > 0.5, np.diff(S) / np.maximum(n, 1e-300), c)
        n_hist += 1
        done = np.max(np.abs(new - c)) <= 1e-12 * (np.abs(c).max() + 1e-300)
        c = new
        if done:
            break
    total_sq = float(np.sum(np.square(np.subtract(x, shift, dtype=np.float64))))
    cached = cnt == 0  # empty buckets never need their points
    ext = [np.zeros(0, np.float32), np.zeros(0, np.intp), np.zeros(1)]  # values, keys, cumsum

    def cumulative(cent):  # 3. exact: whole buckets from the histogram, split ones sorted
        m32 = _floor32((cent[:-1] + cent[1:]) / 2.0)
        mk = _key20(m32).astype(np.intp)
        if not cached[mk].all():  # pull out the points of the buckets around each midpoint
            win = np.clip(np.add.outer(mk[~cached[mk]], np.arange(-_WIN, _WIN + 1)), 0, nb - 1)
            win = np.unique(win)
            win = win[~cached[win]]
            need = np.zeros(nb, dtype=bool)
            need[win] = True
            cached[win] = True
            vals = np.sort(np.concatenate((ext[0], x[np.flatnonzero(need[key])])))
            ext[:] = [vals, _key20(vals).astype(np.intp),
                      np.concatenate(([0.0], np.cumsum(vals, dtype=np.float64)))]
        st = np.searchsorted(ext[1], mk, side="left")  # first extracted point of each bucket
        pos = np.searchsorted(ext[0], m32, side="right")
        C = np.concatenate(([0], pc[mk] + pos - st, [x.size]))
        S = np.concatenate(([0.0], ps[mk] + ext[2][pos] - ext[2][st], [ps[-1]]))
        return C, S

    def sse(C, S, c):  # about the shift, for precision
        n = np.diff(C)
        return _sse(total_sq, n, np.diff(S) - n * shift, c - shift)

    C, S = cumulative(c)
    history, converged, n_iter = [sse(C, S, c)], False, 0
    while n_iter < max_iter:
        n = np.diff(C)
        c = np.where(n > 0, np.diff(S) / np.maximum(n, 1), c)
        n_iter += 1
        new_c, S = cumulative(c)
        history.append(sse(new_c, S, c))
        converged = bool(np.array_equal(new_c, C) or history[-1] >= history[-2])
        C = new_c
        if converged:
            break
    labels = _labels_float32(x, (c[:-1] + c[1:]) / 2.0)
    return KMeansResult(c, labels.reshape(shape), history[-1], n_hist + n_iter,
                        np.array(history), converged)


def _labels_float32(x: np.ndarray, mid: np.ndarray) -> np.ndarray:
    """Labels of float32 data, exactly ``sum(x > mid)``: a table on each float's top 16 bits
    (as an order-preserving key), and ``searchsorted`` for values in a bucket with a midpoint."""
    m32 = _floor32(mid)
    mh = _key16(m32.view(np.uint16)[_HI])
    lut = np.searchsorted(mh, np.arange(65536, dtype=np.uint16), side="left").astype(np.uint8)
    lut[mh] = 255
    lab = lut[_key16(x.view(np.uint16)[_HI])]
    near = np.flatnonzero(lab == 255)
    lab[near] = np.searchsorted(m32, x[near], side="left")
    return lab


def _relocate(c, empty, b, n, sums, xs, wt):
    """Move each empty centroid onto the farthest point of the worst cluster (sklearn's rule)."""
    mean = sums / np.maximum(n, 1e-300)
    # weighted SSE of each cluster about its mean (direct sums: relocations are rare)
    w = np.ones(xs.size) if wt is None else wt
    spread = np.array([float(np.dot(w[b[j]:b[j + 1]], (xs[b[j]:b[j + 1]] - mean[j]) ** 2))
                       if b[j + 1] - b[j] > 1 else 0.0 for j in range(n.size)])
    c = c.copy()
    for e in empty:
        j = int(np.argmax(spread))
        if spread[j] <= 0.0:
            break
        lo, hi = xs[b[j]], xs[b[j + 1] - 1]
        c[e] = lo if mean[j] - lo > hi - mean[j] else hi
        spread[j] = -1.0
    return np.sort(c)


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
