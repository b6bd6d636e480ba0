"""Weight sharing in the compression pipeline: centroid fine-tuning and DC Eq. 1.

Deep Compression clusters the weights of each layer with k-means so that every weight is stored
as a ``log2(k)``-bit index into a small codebook of shared values [DC §3], then
fine-tunes the shared values with the gradients grouped by code [DC §3.3, Fig. 3].

The clustering itself (initialisations, the readable Lloyd loop and its fast engines, the
optimal dynamic programme, :func:`share_weights`) lives one floor down in
:mod:`eie_lab.quantizer`, so that :mod:`eie_lab.eie` can use it without importing
``compression``; its names are re-exported here for notebooks and exercises. This module keeps
what only the compression pipeline needs: :func:`reduce_gradients`,
:func:`finetune_centroids` and :func:`compression_rate`.

Examples
--------
DC Fig. 3: sixteen weights, four shared values, one fine-tuning step with learning rate 1.

>>> import numpy as np
>>> from eie_lab.compression.quantize import finetune_centroids, share_weights
>>> W = np.array([[2.09, -0.98, 1.48, 0.09], [0.05, -0.14, -1.08, 2.12],
...               [-0.91, 1.92, 0.0, -1.03], [1.87, 0.0, 1.53, 1.49]])
>>> codebook, codes = share_weights(W, bits=2, reserve_zero=False)
>>> codebook.round(2), codes[0]
(array([-1. ,  0. ,  1.5,  2. ], dtype=float32), array([3, 0, 2, 1], dtype=uint8))
>>> grad = np.array([[-0.03, -0.01, 0.03, 0.02], [-0.01, 0.01, -0.02, 0.12],
...                  [-0.01, 0.02, 0.04, 0.01], [-0.07, -0.02, 0.01, -0.02]])
>>> finetune_centroids(codebook.astype(float).round(2), codes, grad, lr=1.0).round(2)
array([-0.97, -0.04,  1.48,  1.96])
"""

from __future__ import annotations

import numpy as np

from eie_lab.errors import CompressionError, fail_message
from eie_lab.quantizer import (
    INITS,
    KMeansResult,
    check_k,
    init_centroids,
    kmeans_1d,
    optimal_sse_1d,
    share_weights,
)

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


def reduce_gradients(codes: np.ndarray, grad: np.ndarray, k: int) -> np.ndarray:
    """Group the weight gradients by code and sum them (DC Eq. 3, Fig. 3 "reduce").

    Examples
    --------
    >>> import numpy as np
    >>> reduce_gradients(np.array([0, 1, 1]), np.array([0.5, 0.25, 0.25]), 3)
    array([0.5, 0.5, 0. ])
    """
    c, g, k = np.asarray(codes), np.asarray(grad, dtype=np.float64), check_k(k)
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
    n, b, k = (check_k(v) for v in (n, b, k))
    return float(n * b / (n * np.log2(k) + k * b))

