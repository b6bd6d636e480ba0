"""Weight sharing: exact 1-D k-means per layer, centroid fine-tuning and DC Eq. 1.

Deep Compression clusters the weights of each layer with k-means so that every weight is stored
as a ``log2(k)``-bit index into a small codebook of shared values [DC §3, papers.md §2.5].

The clustering itself (initialisations, exact Lloyd iterations, the optimal dynamic
programme) lives in :mod:`eie_lab.compression.kmeans1d` and is re-exported here.

Examples
--------
>>> import numpy as np
>>> from eie_lab.compression.quantize import share_weights
>>> codebook, codes = share_weights(np.array([[0.0, 1.1, 0.9], [-1.0, 0.0, -1.2]]), bits=2)
>>> codebook, codes
(array([ 0. , -1.2, -1. ,  1. ], dtype=float32), array([[0, 3, 3], [2, 0, 1]], dtype=uint8))
"""

from __future__ import annotations

import numpy as np

from eie_lab.compression.kmeans1d import (
    INITS,
    KMeansResult,
    _check_k,
    init_centroids,
    kmeans_1d,
    optimal_sse_1d,
)
from eie_lab.compression.prune import check_weights
from eie_lab.errors import CompressionError, fail_message

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

