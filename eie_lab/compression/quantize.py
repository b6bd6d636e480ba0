"""Weight sharing: exact 1-D k-means per layer, centroid fine-tuning and DC Eq. 1.

Deep Compression clusters the weights of each layer with k-means so that every weight is stored
as a ``log2(k)``-bit index into a small codebook of shared values [DC §3, papers.md §2.5].

In 1-D, with sorted data and centroids, each cluster is a contiguous run of the sorted data
bounded by the midpoints between centroids. So :func:`kmeans_1d` sorts once; each Lloyd
iteration is then one ``np.searchsorted`` of the ``k - 1`` midpoints plus prefix-sum
differences: ``O(k log n)``. It runs to exact convergence and is deterministic.
:func:`optimal_sse_1d` gives the globally optimal cost (dynamic programming) for comparison.

Examples
--------
>>> import numpy as np
>>> from eie_lab.compression.quantize import share_weights
>>> codebook, codes = share_weights(np.array([[0.0, 1.1, 0.9], [-1.0, 0.0, -1.2]]), bits=2)
>>> codebook, codes
(array([ 0. , -1.2, -1. ,  1. ], dtype=float32), array([[0, 3, 3], [2, 0, 1]], dtype=uint8))
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from eie_lab.compression.prune import check_weights
from eie_lab.errors import CompressionError, fail_message
from eie_lab.random import as_rng

__all__ = [
    "INITS",
    "init_centroids",
    "KMeansResult",
    "kmeans_1d",
    "share_weights",
    "reduce_gradients",
    "finetune_centroids",
    "compression_rate",
    "optimal_sse_1d",
]

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
        SSE before each update and after the last one (length ``n_iter + 1``).
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
        Upper bound on the number of updates; seed for the ``"random"`` initialisation.

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
    xs = np.sort(arr.ravel())  # sort in the input dtype (faster), sum in float64
    shift = float(xs[xs.size // 2])  # centre the data: keeps the prefix sums well conditioned
    xs = np.subtract(xs, shift, dtype=np.float64)
    c = c - shift
    cs = np.concatenate(([0.0], np.cumsum(xs)))
    total_sq = float(np.dot(xs, xs))

    def bounds(cent: np.ndarray) -> np.ndarray:
        b = np.searchsorted(xs, (cent[:-1] + cent[1:]) / 2.0, side="right")
        return np.concatenate(([0], b, [xs.size]))

    def sse_of(b: np.ndarray, cent: np.ndarray) -> float:
        s1, n = np.diff(cs[b]), np.diff(b)
        return max(total_sq + float(np.sum(n * cent * cent - 2.0 * cent * s1)), 0.0)

    b = bounds(c)
    history = [sse_of(b, c)]
    n_iter, converged = 0, False
    while n_iter < max_iter:
        n, sums = np.diff(b), np.diff(cs[b])
        c = np.where(n > 0, sums / np.maximum(n, 1), c)
        empty = np.flatnonzero(n == 0)
        if empty.size:
            c = _relocate(c, empty, b, n, sums, xs)
        n_iter += 1
        new_b = bounds(c)
        history.append(sse_of(new_b, c))
        stalled = history[-1] >= history[-2]  # no progress at floating-point resolution
        b, converged = new_b, np.array_equal(new_b, b) or stalled
        if converged:
            break
    codebook = c + shift
    mid = (codebook[:-1] + codebook[1:]) / 2.0
    if arr.dtype == np.float32 and k <= 255:
        labels = _labels_float32(np.ascontiguousarray(arr.ravel()), mid)
    else:
        labels = np.searchsorted(mid, arr.ravel().astype(np.float64), side="left")
    return KMeansResult(codebook, labels.reshape(arr.shape), sse_of(b, c),
                        n_iter, np.array(history), converged)


def _labels_float32(x: np.ndarray, mid: np.ndarray) -> np.ndarray:
    """Labels of float32 data, exactly ``sum(x > mid)``: a table on each float's top 16 bits
    (as an order-preserving key), and ``searchsorted`` for values in a bucket with a midpoint."""
    m32 = mid.astype(np.float32)  # x > m (float64)  <=>  x > largest float32 <= m
    m32 = np.where(m32.astype(np.float64) > mid, np.nextafter(m32, np.float32(-np.inf)), m32)
    m32 = m32 + np.float32(0.0)  # -0.0 -> +0.0

    def key16(h: np.ndarray) -> np.ndarray:  # top 16 bits of a float32 -> monotone uint16
        return h ^ ((h >> np.uint16(15)) * np.uint16(0x7FFF)) ^ np.uint16(0x8000)

    hi = slice(1, None, 2) if np.little_endian else slice(0, None, 2)
    mh = key16(m32.view(np.uint16)[hi])
    lut = np.searchsorted(mh, np.arange(65536, dtype=np.uint16), side="left").astype(np.uint8)
    lut[mh] = 255
    lab = lut[key16(x.view(np.uint16)[hi])]
    near = np.flatnonzero(lab == 255)
    lab[near] = np.searchsorted(m32, x[near], side="left")
    return lab


def _relocate(c, empty, b, n, sums, xs):
    """Move each empty centroid onto the farthest point of the worst cluster (sklearn's rule)."""
    mean = sums / np.maximum(n, 1)
    # SSE of each cluster about its mean (direct sums: relocations are rare)
    spread = np.array([float(np.sum((xs[b[j]:b[j + 1]] - mean[j]) ** 2)) if n[j] > 1 else 0.0
                       for j in range(n.size)])
    c = c.copy()
    for e in empty:
        j = int(np.argmax(spread))
        if spread[j] <= 0.0:
            break
        lo, hi = xs[b[j]], xs[b[j + 1] - 1]
        c[e] = lo if mean[j] - lo > hi - mean[j] else hi
        spread[j] = -1.0
    return np.sort(c)


def share_weights(w: np.ndarray, bits: int, *, reserve_zero: bool = True, init: str = "linear",
                  mask: np.ndarray | None = None, seed: int = 0,
                  max_iter: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """Cluster a layer's weights into a ``2**bits``-entry codebook and per-weight codes.

    Parameters
    ----------
    w, bits : ndarray, int
        Weights of one layer (pruned = 0.0); bits per code (1..16, ``2**bits`` entries).
    reserve_zero : bool
        If True (EIE's convention), ``codebook[0] == 0.0`` and code 0 is used for exactly the
        pruned weights; the kept weights are clustered into the other ``2**bits - 1`` entries.
        If False, all weights in ``mask`` are clustered into ``2**bits`` entries.
    init : {"linear", "density", "random"}
        Centroid initialisation (:func:`init_centroids`).
    mask : ndarray of bool, optional
        Kept weights (``True``). Default: ``w != 0`` when ``reserve_zero``, else all weights.
        Weights outside the mask get code 0 (``reserve_zero``) or the code nearest 0.0.
    seed, max_iter : int
        Seed for ``init="random"``; bound on Lloyd iterations.

    Returns
    -------
    codebook, codes : ndarray
        float32 ``(2**bits,)`` shared values (with ``reserve_zero``: entry 0 is 0.0, entries 1..
        ascending); uint8 (bits <= 8) or uint16 codes of w's shape: ``codebook[codes]``.

    Examples
    --------
    >>> import numpy as np
    >>> cb, codes = share_weights(np.array([0.0, 0.5, 0.6, 2.0, 2.2, -1.0]), bits=2)
    >>> cb
    array([ 0.  , -1.  ,  0.55,  2.1 ], dtype=float32)
    >>> codes
    array([0, 2, 2, 3, 3, 1], dtype=uint8)
    """
    arr = check_weights(w)
    if not (isinstance(bits, int | np.integer) and 1 <= bits <= 16):
        raise CompressionError(fail_message("bits", bits, "must be an int in 1..16",
                                            "DC uses 5 (FC) to 8 (CONV) bits, EIE 4"))
    if mask is None:
        keep = arr != 0 if reserve_zero else np.ones(arr.shape, dtype=bool)
    else:
        keep = np.asarray(mask)
        if keep.dtype != bool or keep.shape != arr.shape:
            raise CompressionError(fail_message("mask", f"{keep.dtype} array {keep.shape}",
                                                f"must be a bool array of shape {arr.shape}"))
    n_codes = 1 << int(bits)
    k = n_codes - 1 if reserve_zero else n_codes
    codes = np.zeros(arr.shape, dtype=np.uint8 if bits <= 8 else np.uint16)
    codebook, values = np.zeros(n_codes, dtype=np.float64), arr[keep]
    if values.size:
        res = kmeans_1d(values, k, init, max_iter=max_iter, seed=seed)
        offset = 1 if reserve_zero else 0
        codebook[offset:] = res.codebook
        codes[keep] = res.labels + offset
        if not reserve_zero and not keep.all():
            codes[~keep] = int(np.argmin(np.abs(res.codebook)))
    return codebook.astype(np.float32), codes


def reduce_gradients(codes: np.ndarray, grad: np.ndarray, k: int) -> np.ndarray:
    """Group the weight gradients by code and sum them (DC Eq. 3, Fig. 3 "reduce").

    Examples
    --------
    >>> import numpy as np
    >>> reduce_gradients(np.array([0, 1, 1]), np.array([0.5, 0.25, 0.25]), 3)
    array([0.5, 0.5, 0. ])
    """
    c, g, k = np.asarray(codes), np.asarray(grad, dtype=np.float64), _check_k(k)
    if c.shape != g.shape:
        raise CompressionError(fail_message("grad", f"shape {g.shape}",
                                            f"must match codes' shape {c.shape}"))
    if c.size and (c.dtype.kind not in "iu" or c.min() < 0 or c.max() >= k):
        raise CompressionError(fail_message("codes", f"range [{c.min()}, {c.max()}]",
                                            f"must be integers in [0, {k})"))
    return np.bincount(c.ravel().astype(np.intp), weights=g.ravel(), minlength=k)


def finetune_centroids(codebook: np.ndarray, codes: np.ndarray, grad: np.ndarray, lr: float,
                       *, frozen: tuple[int, ...] = ()) -> np.ndarray:
    """One centroid update: ``codebook - lr * reduce_gradients(codes, grad)`` (DC §3.3).

    Parameters
    ----------
    frozen : tuple of int
        Codes whose centroid is not updated (e.g. ``(0,)`` to keep EIE's zero exactly 0.0).

    Returns
    -------
    ndarray
        The new codebook (``codebook``'s dtype); the codes stay fixed.

    Examples
    --------
    >>> import numpy as np
    >>> finetune_centroids(np.array([0.0, 1.0]), np.array([0, 1, 1]), np.array([1.0, 0.5, 0.5]),
    ...                    lr=0.1, frozen=(0,))
    array([0. , 0.9])
    """
    cb, step = np.asarray(codebook), float(lr) * reduce_gradients(codes, grad, np.size(codebook))
    step[list(frozen)] = 0.0
    return (cb.astype(np.float64) - step).astype(cb.dtype)


def compression_rate(n: int, b: int, k: int) -> float:
    """DC Eq. 1: ``n*b / (n*log2(k) + k*b)`` for ``n`` weights of ``b`` bits and ``k`` clusters.

    Examples
    --------
    >>> compression_rate(16, 32, 4)  # DC Fig. 3
    3.2
    """
    n, b, k = (_check_k(v) for v in (n, b, k))
    return float(n * b / (n * np.log2(k) + k * b))


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
