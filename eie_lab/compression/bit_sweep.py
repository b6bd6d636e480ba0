"""How many bits per weight are enough? Quantization error and test error vs codebook size.

Weight sharing with ``2**bits`` shared values per layer ([DC §3]), swept over
bit widths and the three centroid initialisations of [DC §3.2], without
retraining. Used by notebook 02.

Examples
--------
>>> import numpy as np
>>> from eie_lab.compression.bit_sweep import weight_error_vs_bits
>>> W = np.random.default_rng(0).normal(size=(20, 30)).astype(np.float32)
>>> err = weight_error_vs_bits([W], bits=(1, 2, 4), inits=("linear",))
>>> [round(e, 3) for e in err["linear"]]
[0.602, 0.357, 0.109]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from eie_lab.quantizer import INITS, share_weights

__all__ = ["weight_error_vs_bits", "test_error_vs_bits", "fewest_bits_within"]


def weight_error_vs_bits(weights: Sequence[np.ndarray], bits: Sequence[int] = tuple(range(1, 9)),
                         inits: Sequence[str] = INITS, seed: int = 0) -> dict[str, list[float]]:
    """Relative RMS quantization error of the weights, all layers together.

    Each layer is clustered on its own (``share_weights(w, b, reserve_zero=False)``); the error is
    ``sqrt(sum (w_q - w)^2 / sum w^2)`` over every weight of every layer.

    Parameters
    ----------
    weights : sequence of ndarray
        The layers' weight matrices.
    bits : sequence of int
        Bits per weight (codebook of ``2**b`` values).
    inits : sequence of str
        Centroid initialisations to compare.
    seed : int
        Seed for the random (Forgy) initialisation.

    Returns
    -------
    dict
        ``{init: [error for each b in bits]}``.
    """
    total = sum(float(np.sum(np.asarray(w, np.float64) ** 2)) for w in weights)
    out: dict[str, list[float]] = {}
    for init in inits:
        errors = []
        for b in bits:
            err = 0.0
            for w in weights:
                cb, cd = share_weights(w, b, reserve_zero=False, init=init, seed=seed)
                err += float(np.sum((cb[cd].astype(np.float64) - w) ** 2))
            errors.append(float(np.sqrt(err / total)))
        out[init] = errors
    return out


def test_error_vs_bits(model, x: np.ndarray, y: np.ndarray, bits: Sequence[int] = tuple(range(1, 9)),
                       inits: Sequence[str] = INITS, seed: int = 0) -> dict[str, list[float]]:
    """Test error of ``model`` with every layer weight-shared to ``b`` bits, no retraining.

    Parameters
    ----------
    model : eie_lab.nn.MLP
        A trained network (left unchanged; copies are quantized).
    x, y : ndarray
        Test inputs and labels.
    bits, inits, seed
        As in :func:`weight_error_vs_bits`.

    Returns
    -------
    dict
        ``{init: [error rate for each b in bits]}``.

    Examples
    --------
    >>> import numpy as np
    >>> from eie_lab.nn import lenet300
    >>> x = np.random.default_rng(0).random((8, 784), dtype=np.float32)
    >>> err = test_error_vs_bits(lenet300(seed=0), x, np.zeros(8, int), bits=(2,), inits=("linear",))
    >>> list(err), len(err["linear"]), 0.0 <= err["linear"][0] <= 1.0
    (['linear'], 1, True)
    """
    out: dict[str, list[float]] = {}
    for init in inits:
        errors = []
        for b in bits:
            q = model.copy()
            for layer in q.layers:
                cb, cd = share_weights(layer.W, b, reserve_zero=False, init=init, seed=seed)
                layer.W = cb[cd]
            errors.append(float(q.error_rate(x, y)))
        out[init] = errors
    return out


test_error_vs_bits.__test__ = False  # a sweep, not a pytest test


def fewest_bits_within(errors: dict[str, list[float]], bits: Sequence[int], reference: float,
                       tolerance: float = 0.001,
                       key: Callable[[float], float] | None = None) -> dict[str, int | None]:
    """For each init, the fewest bits whose error is within ``tolerance`` of ``reference``.

    Examples
    --------
    >>> fewest_bits_within({"linear": [0.30, 0.05, 0.021, 0.0201]}, [1, 2, 3, 4], 0.02)
    {'linear': 3}
    """
    return {m: next((b for b, e in zip(bits, errs) if e <= reference + tolerance), None)
            for m, errs in errors.items()}
