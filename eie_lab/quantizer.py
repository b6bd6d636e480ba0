"""The 1-D quantizer: k-means weight sharing and nearest-codebook quantisation.

Deep Compression shares weights: the weights of a layer are clustered into ``k`` groups and
every weight is stored as a ``log2(k)``-bit index into a codebook of ``k`` shared values
[DC §3]. The clustering minimises the within-cluster sum of squares ::

    SSE = sum_i (x_i - c[l_i])**2

and Lloyd's algorithm finds a local minimum by alternating two steps until the labels ``l``
stop changing:

* **assign**: ``l_i = argmin_j |x_i - c_j|``. In 1-D, with the centroids sorted, this is the
  number of midpoints ``(c_j + c_{j+1}) / 2`` below ``x_i`` (a point exactly on a midpoint goes
  to the lower centroid, as in scikit-learn);
* **update**: ``c_j = mean{x_i : l_i = j}``. A centroid left without points is moved onto the
  point farthest from its mean in the cluster with the largest SSE (scikit-learn's rule), so no
  centroid is wasted, e.g. one that linear initialisation put into the gap left by pruning.

:func:`lloyd` is that loop, written to be read. :func:`kmeans_1d` runs it on inputs of fewer
than :data:`FAST_MIN` values and hands larger ones to the private engines in
:mod:`eie_lab._kmeans_fast` (one sort and prefix sums; a histogram for large float32 layers),
which reach a Lloyd fixed point by the same rules and are tested against :func:`lloyd`.

This module is on the ground floor of the package (it imports only :mod:`eie_lab.errors`,
:mod:`eie_lab.random` and the private engine), so :mod:`eie_lab.compression`, :mod:`eie_lab.eie`
and :mod:`eie_lab.data` all use it without importing each other.

Examples
--------
>>> import numpy as np
>>> from eie_lab.quantizer import share_weights, quantize_to_codebook
>>> W = np.array([[0.0, 1.2, 0.9, 0.3], [-1.0, 0.0, -1.3, 0.4]])
>>> codebook, codes = share_weights(W, bits=2)  # code 0 is reserved for the pruned zeros
>>> codebook
array([ 0.  , -1.15,  0.35,  1.05], dtype=float32)
>>> codes
array([[0, 3, 3, 2],
       [1, 0, 1, 2]], dtype=uint8)
>>> quantize_to_codebook(W, codebook).tolist()  # nearest non-zero entry of a given codebook
[[0, 3, 3, 2], [1, 0, 1, 2]]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from eie_lab import _kmeans_fast
from eie_lab.errors import CompressionError, fail_message
from eie_lab.random import as_rng

__all__ = [
    "check_weights",
    "check_k",
    "INITS",
    "init_centroids",
    "KMeansResult",
    "lloyd",
    "kmeans_1d",
    "FAST_MIN",
    "optimal_sse_1d",
    "share_weights",
    "quantize_to_codebook",
]

#: The three centroid initialisations of [DC §3.2].
INITS = ("linear", "density", "random")

#: Inputs with at least this many values go to the fast engines of :mod:`eie_lab._kmeans_fast`.
FAST_MIN = 1 << 14


def check_weights(w: object, name: str = "w") -> np.ndarray:
    """Return ``w`` as a numpy float array, rejecting empty, non-numeric, NaN or inf input.

    Parameters
    ----------
    w : array_like
        Weights of any shape. Integer and bool input becomes float64; float input keeps its
        dtype (no copy).
    name : str
        Name used in error messages.

    Returns
    -------
    ndarray
        ``w`` as a float array.

    Raises
    ------
    CompressionError
        When ``w`` is empty, not numeric, or holds NaN or inf.

    Examples
    --------
    >>> check_weights([1, 2])
    array([1., 2.])
    >>> try:
    ...     check_weights([1.0, float("nan")])
    ... except ValueError as err:
    ...     print(err)
    w='array with 1 non-finite value(s)' is invalid: must not contain NaN or inf
    help: check training for divergence (lower the learning rate) or clean the weights
    """
    arr = np.asarray(w)
    if arr.dtype.kind not in "fiub":
        raise CompressionError(fail_message(name, f"array of dtype {arr.dtype}",
                                            "must be a numeric array", "pass float weights"))
    if arr.size == 0:
        raise CompressionError(fail_message(name, "empty array", "must hold at least one weight",
                                            "pass a non-empty weight matrix"))
    if arr.dtype.kind != "f":
        arr = arr.astype(np.float64)
    # one cheap sum first; the element-wise test only when the sum is not finite
    if not np.isfinite(arr.sum(dtype=np.float64)) and not np.all(np.isfinite(arr)):
        bad = int(np.count_nonzero(~np.isfinite(arr)))
        raise CompressionError(fail_message(
            name, f"array with {bad} non-finite value(s)", "must not contain NaN or inf",
            "check training for divergence (lower the learning rate) or clean the weights"))
    return arr


def check_k(k: object, name: str = "k") -> int:
    """Return ``k`` as an int after checking that it is an integer >= 1.

    Examples
    --------
    >>> check_k(16)
    16
    >>> check_k(0)
    Traceback (most recent call last):
    ...
    eie_lab.errors.CompressionError: k=0 is invalid: must be an int >= 1
    help: e.g. k = 2**bits
    """
    if not (isinstance(k, int | np.integer) and not isinstance(k, bool) and k >= 1):
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

    Returns
    -------
    ndarray
        float64 centroids, shape ``(k,)``, ascending.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([0.0, 1.0, 2.0, 10.0])
    >>> init_centroids(x, 3, "linear")
    array([ 0.,  5., 10.])
    >>> init_centroids(x, 2, "density")
    array([0.75, 4.  ])
    """
    arr, k = check_weights(x, "x").ravel(), check_k(k)
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
    """Result of :func:`kmeans_1d` and :func:`lloyd`.

    Attributes
    ----------
    codebook : ndarray, float64, shape (k,)
        Final centroids, sorted ascending.
    labels : ndarray of int, shape of x
        Index of each point's centroid; uint8 when :func:`kmeans_1d` clusters float32 input
        into at most 255 clusters.
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


def _assign(x: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Label of the nearest of the sorted centroids ``c``: the number of midpoints below x."""
    midpoints = (c[:-1] + c[1:]) / 2.0
    return np.searchsorted(midpoints, x, side="left")  # x on a midpoint -> the lower centroid


def _move_empty(x: np.ndarray, labels: np.ndarray, c: np.ndarray,
                empty: np.ndarray) -> np.ndarray:
    """Move each empty centroid onto the point farthest from its mean in the worst cluster."""
    k = c.size
    n = np.bincount(labels, minlength=k)
    mean = np.bincount(labels, weights=x, minlength=k) / np.maximum(n, 1)
    spread = np.bincount(labels, weights=(x - mean[labels]) ** 2, minlength=k)  # SSE per cluster
    c = c.copy()
    for e in empty:
        j = int(np.argmax(spread))
        if spread[j] <= 0.0:  # every cluster is a single value: nothing to split
            break
        members = x[labels == j]
        lo, hi = members.min(), members.max()
        c[e] = lo if mean[j] - lo > hi - mean[j] else hi
        spread[j] = -1.0  # split each cluster at most once per update
    return np.sort(c)


def lloyd(x: np.ndarray, centroids: np.ndarray, max_iter: int = 1000) -> KMeansResult:
    """Lloyd's algorithm for 1-D data, written to be read (the reference for the fast engines).

    Repeats *update* (each centroid becomes the mean of its points; empty clusters are moved,
    see the module docstring) and *assign* (each point to its nearest centroid) until the
    labels no longer change, the SSE stops falling at float resolution, or ``max_iter`` updates.

    Parameters
    ----------
    x : array_like
        Finite values (any shape; flattened, computed in float64).
    centroids : array_like
        Starting centroids (any order; sorted here).
    max_iter : int
        Bound on the number of updates.

    Returns
    -------
    KMeansResult
        With labels of dtype intp (flat).

    Raises
    ------
    CompressionError
        Empty or non-finite ``x`` or ``centroids``.

    Examples
    --------
    >>> import numpy as np
    >>> r = lloyd(np.array([1.0, 1.2, 5.0, 5.4, 9.0]), np.array([1.0, 9.0]))  # 5.0: a tie, goes low
    >>> r.codebook, r.labels, r.sse_history.round(3), r.converged
    (array([1.1       , 6.46666667]), array([0, 0, 1, 1, 1]), array([29.   , 14.72 ,  9.727]), True)
    """
    x = check_weights(x, "x").astype(np.float64).ravel()
    c = np.sort(check_weights(centroids, "centroids").astype(np.float64).ravel())
    labels = _assign(x, c)
    history = [float(np.sum((x - c[labels]) ** 2))]
    n_iter, converged = 0, False
    while n_iter < max_iter and not converged:
        n = np.bincount(labels, minlength=c.size)  # update: c_j = mean of cluster j
        sums = np.bincount(labels, weights=x, minlength=c.size)
        c = np.where(n > 0, sums / np.maximum(n, 1), c)
        if not n.all():
            c = _move_empty(x, labels, c, np.flatnonzero(n == 0))
        n_iter += 1
        new_labels = _assign(x, c)  # assign: nearest centroid
        history.append(float(np.sum((x - c[new_labels]) ** 2)))
        converged = bool(np.array_equal(new_labels, labels) or history[-1] >= history[-2])
        labels = new_labels
    return KMeansResult(c, labels, history[-1], n_iter, np.array(history), converged)


def kmeans_1d(x: np.ndarray, k: int, init: str | np.ndarray = "linear", *, max_iter: int = 1000,
              seed: int = 0) -> KMeansResult:
    """1-D k-means by Lloyd iterations, run until the assignment no longer changes.

    Inputs with fewer than :data:`FAST_MIN` values run :func:`lloyd`; larger ones the engines of
    :mod:`eie_lab._kmeans_fast` (same rules, ``O(k log n)`` per iteration; for large float32
    layers a histogram engine that ends at an exact Lloyd fixed point, possibly a different and
    often slightly better one). Deterministic for a given seed.

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
        Labels have ``x``'s shape.

    Raises
    ------
    CompressionError
        Empty or non-finite ``x``, ``k < 1``, an unknown ``init`` or one of the wrong shape.

    Examples
    --------
    >>> import numpy as np
    >>> r = kmeans_1d(np.array([1.0, 1.2, 5.0, 5.4, 9.0]), 2)
    >>> r.codebook, r.labels, round(r.sse, 3), r.converged
    (array([1.1       , 6.46666667]), array([0, 0, 1, 1, 1]), 9.727, True)
    """
    arr = check_weights(x, "x")
    k = check_k(k)
    if isinstance(init, str):
        c = init_centroids(arr, k, init, seed=seed)
    else:
        c = np.sort(np.asarray(init, dtype=np.float64).ravel())
        if c.shape != (k,) or not np.all(np.isfinite(c)):
            raise CompressionError(fail_message("init", f"array of shape {c.shape}",
                                                f"must hold {k} finite centroids"))
    flat = arr.ravel()
    if flat.size >= FAST_MIN:
        codebook, labels, history, n_iter, converged = _kmeans_fast.kmeans(flat, c, max_iter)
        res = KMeansResult(codebook, labels, float(history[-1]), n_iter, history, converged)
    else:
        res = lloyd(flat, c, max_iter)
    if flat.dtype == np.float32 and k <= 255:
        res.labels = res.labels.astype(np.uint8, copy=False)
    res.labels = res.labels.reshape(arr.shape)
    return res


def optimal_sse_1d(x: np.ndarray, k: int) -> float:
    """Minimum possible k-means SSE of 1-D data, by dynamic programming.

    ``D[m][i]`` (best cost of the ``i`` smallest points in ``m`` clusters) is
    ``min_j D[m-1][j] + cost(j, i)`` with ``cost`` the SSE of a sorted run from prefix sums. The
    best ``j`` is monotone in ``i``, so each layer is solved by divide and conquer in
    ``O(n log n)``, vectorised over all sub-problems of one recursion depth.

    Parameters
    ----------
    x, k : ndarray, int
        Values (any shape, finite) and the number of clusters (>= 1).

    Returns
    -------
    float
        The optimal SSE, a lower bound for any :func:`kmeans_1d` result.

    Examples
    --------
    >>> import numpy as np
    >>> optimal_sse_1d(np.array([0.0, 1.0, 10.0, 11.0, 30.0]), 3)
    1.0
    """
    xs = np.sort(check_weights(x, "x").ravel().astype(np.float64))
    k = check_k(k)
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


def share_weights(w: np.ndarray, bits: int, *, reserve_zero: bool = True, init: str = "linear",
                  mask: np.ndarray | None = None, seed: int = 0,
                  max_iter: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """Cluster a layer's weights into a ``2**bits``-entry codebook and per-weight codes.

    Parameters
    ----------
    w : ndarray
        Weights of one layer (pruned = 0.0).
    bits : int
        Bits per code (1..16, ``2**bits`` entries).
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

    Raises
    ------
    CompressionError
        Bad weights, ``bits`` outside 1..16, or a mask that is not a bool array of w's shape.

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


def quantize_to_codebook(W: np.ndarray, codebook: np.ndarray) -> np.ndarray:
    """Codes of the nearest non-zero codebook entry for each non-zero of W; 0 for zeros.

    Parameters
    ----------
    W : numpy.ndarray
        Weights of any shape; zeros are pruned weights.
    codebook : numpy.ndarray
        (C,) shared weights; entry 0 is reserved for zero and never chosen for a non-zero.

    Returns
    -------
    numpy.ndarray
        int64 codes with W's shape (ties go to the smaller codebook value).

    Examples
    --------
    >>> import numpy as np
    >>> quantize_to_codebook(np.array([[0.0, 0.9, -2.2]]), np.array([0.0, 1.0, -2.0, 3.0])).tolist()
    [[0, 1, 2]]
    """
    W = np.asarray(W)
    cb = np.asarray(codebook, dtype=np.float64)[1:]
    order = np.argsort(cb, kind="stable")
    srt = cb[order]
    flat = W.ravel()
    pos = np.clip(np.searchsorted(srt, flat), 1, max(srt.size - 1, 1))
    if srt.size == 1:
        nearest = np.zeros(flat.shape, dtype=np.int64)
    else:
        left = srt[pos - 1]
        right = srt[pos]
        nearest = np.where(np.abs(flat - left) <= np.abs(right - flat), pos - 1, pos)
    codes = order[nearest] + 1
    codes[flat == 0] = 0
    return codes.reshape(W.shape).astype(np.int64)
