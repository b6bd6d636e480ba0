"""Magnitude pruning: masks, thresholds, schedules and sensitivity sweeps.

Pruning is the first stage of Deep Compression: connections whose weights are small are removed
and the network is retrained with the rest [LWC §3]. Here a *mask* is a boolean array of the
weights' shape with ``True`` = kept, ``False`` = pruned (the weight becomes exactly 0.0).

Two rules pick the pruned weights:

* :func:`magnitude_prune` removes the ``round(sparsity * size)`` smallest ``|w|`` of one layer
  (ties broken by position, so the count is exact); :func:`global_magnitude_prune` does the same
  with one threshold shared by several layers.
* :func:`prune_by_std` keeps ``|w| > quality * std(w)``: the threshold is "a quality parameter
  multiplied by the standard deviation of a layer's weights" [LWC §4].

Examples
--------
>>> import numpy as np
>>> from eie_lab.compression.prune import magnitude_prune, apply_mask, sparsity
>>> w = np.array([[0.5, -0.1], [0.05, -2.0]], dtype=np.float32)
>>> mask = magnitude_prune(w, 0.5)
>>> mask
array([[ True, False],
       [False,  True]])
>>> apply_mask(w, mask)
array([[ 0.5,  0. ],
       [ 0. , -2. ]], dtype=float32)
>>> sparsity(mask)
0.5
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from eie_lab.errors import CompressionError, fail_message
from eie_lab.progress import track
from eie_lab.quantizer import check_weights

__all__ = [
    "magnitude_prune",
    "global_magnitude_prune",
    "prune_by_std",
    "apply_mask",
    "sparsity",
    "iterative_schedule",
    "SensitivityResult",
    "sensitivity_sweep",
]


def _check_sparsity(s: float, name: str = "sparsity") -> float:
    if not (isinstance(s, int | float | np.floating | np.integer) and 0.0 <= float(s) < 1.0):
        raise CompressionError(fail_message(name, s, "must be a number in [0, 1)",
                                            "use e.g. 0.9 to remove 90% of the weights"))
    return float(s)


def magnitude_prune(w: np.ndarray, sparsity: float) -> np.ndarray:
    """Mask that prunes exactly ``k = round(sparsity * w.size)`` weights of smallest magnitude.

    Magnitude pruning [LWC §3] with an exact count: sort the weights by ``|w|``; the k-th
    smallest magnitude is the threshold. Weights below it are pruned, weights above it kept;
    among weights whose magnitude equals the threshold the earliest in flat (row-major) order
    are pruned first, so exactly ``k`` go and the result is deterministic. A stable
    ``argsort`` does all of this at once: its first ``k`` positions are the pruned weights.

    Parameters
    ----------
    w : ndarray
        Weights of one layer (any shape).
    sparsity : float
        Fraction of weights to remove, in ``[0, 1)``.

    Returns
    -------
    ndarray of bool
        Mask of ``w``'s shape, ``True`` = kept.

    Raises
    ------
    CompressionError
        Empty or non-finite weights, or a sparsity outside ``[0, 1)``.

    Examples
    --------
    >>> import numpy as np
    >>> magnitude_prune(np.array([3.0, -1.0, 2.0, 0.5]), 0.5)
    array([ True, False,  True, False])
    >>> magnitude_prune(np.array([1.0, -1.0, 1.0, 2.0]), 0.5)  # a tie at |w| = 1: earliest go
    array([False, False,  True,  True])
    """
    arr = check_weights(w)
    k = int(round(_check_sparsity(sparsity) * arr.size))
    by_magnitude = np.argsort(np.abs(arr).ravel(), kind="stable")  # smallest |w| first
    mask = np.ones(arr.size, dtype=bool)
    mask[by_magnitude[:k]] = False  # the k smallest are pruned
    return mask.reshape(arr.shape)


def global_magnitude_prune(weights: Mapping[str, np.ndarray] | Sequence[np.ndarray],
                           sparsity: float) -> dict[str, np.ndarray] | list[np.ndarray]:
    """Prune several layers with one magnitude threshold, removing ``sparsity`` of all weights.

    Parameters
    ----------
    weights : mapping of name -> ndarray, or sequence of ndarray
        The layers.
    sparsity : float
        Fraction of all weights (pooled over layers) to remove, in ``[0, 1)``.

    Returns
    -------
    dict or list of bool ndarrays
        Masks in the same container type as ``weights``.

    Examples
    --------
    >>> import numpy as np
    >>> masks = global_magnitude_prune({"a": np.array([1.0, 0.1]), "b": np.array([0.2, 3.0])}, 0.5)
    >>> masks["a"], masks["b"]
    (array([ True, False]), array([False,  True]))
    """
    is_map = isinstance(weights, Mapping)
    names = list(weights.keys()) if is_map else list(range(len(weights)))
    if not names:
        raise CompressionError(fail_message("weights", "no layers", "must hold at least one layer",
                                            "pass e.g. {'ip1': W1, 'ip2': W2}"))
    arrays = [check_weights(weights[k], name=f"weights[{k!r}]") for k in names]
    flat = np.concatenate([np.abs(a).ravel() for a in arrays])
    pooled = magnitude_prune(flat, sparsity)
    masks, start = [], 0
    for a in arrays:
        masks.append(pooled[start:start + a.size].reshape(a.shape))
        start += a.size
    return dict(zip(names, masks)) if is_map else masks


def prune_by_std(w: np.ndarray, quality: float) -> np.ndarray:
    """Mask keeping ``|w| > quality * std(w)`` (the threshold rule of [LWC §4]).

    Parameters
    ----------
    w : ndarray
        Weights of one layer.
    quality : float
        The quality parameter (>= 0); larger prunes more.

    Returns
    -------
    ndarray of bool
        ``True`` = kept.

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([-2.0, -0.5, 0.1, 0.4, 2.0])
    >>> prune_by_std(w, 0.5)   # std = 1.33..., threshold 0.67
    array([ True, False, False, False,  True])
    """
    arr = check_weights(w)
    if not (isinstance(quality, int | float | np.floating | np.integer)
            and np.isfinite(quality) and quality >= 0):
        raise CompressionError(fail_message("quality", quality, "must be a finite number >= 0",
                                            "typical values are 0.5 ... 2"))
    threshold = float(quality) * float(np.std(arr, dtype=np.float64))
    return np.abs(arr) > threshold


def apply_mask(w: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Return a copy of ``w`` with the pruned weights (``mask == False``) set to exactly 0.0.

    Examples
    --------
    >>> import numpy as np
    >>> apply_mask(np.array([1.5, -2.0]), np.array([False, True]))
    array([ 0., -2.])
    """
    arr = np.asarray(w)
    m = np.asarray(mask)
    if m.dtype != bool or m.shape != arr.shape:
        raise CompressionError(fail_message(
            "mask", f"{m.dtype} array of shape {m.shape}",
            f"must be a bool array of the weights' shape {arr.shape}",
            "build it with magnitude_prune(w, sparsity) or prune_by_std(w, quality)"))
    return np.where(m, arr, np.zeros((), dtype=arr.dtype))


def sparsity(x: np.ndarray) -> float:
    """Fraction of pruned entries: of ``False`` in a bool mask, or of zeros in a weight array.

    Examples
    --------
    >>> import numpy as np
    >>> sparsity(np.array([0.0, 1.0, 0.0, 2.0]))
    0.5
    """
    arr = np.asarray(x)
    if arr.size == 0:
        raise CompressionError(fail_message("x", "empty array", "must not be empty"))
    kept = np.count_nonzero(arr)
    return float(1.0 - kept / arr.size)


def iterative_schedule(target: float, steps: int, *, start: float = 0.0,
                       kind: str = "geometric") -> list[float]:
    """Sparsities for iterative pruning (prune, retrain, prune more ...) ending at ``target``.

    Parameters
    ----------
    target : float
        Final sparsity in ``[0, 1)``.
    steps : int
        Number of prune-retrain rounds (>= 1).
    start : float
        Sparsity before the first round (default 0).
    kind : {"geometric", "linear"}
        ``"geometric"`` shrinks the kept fraction by the same factor every round (each round
        removes the same share of the survivors, the way LWC iterates [LWC §3.3]);
        ``"linear"`` raises the sparsity by equal steps.

    Returns
    -------
    list of float
        ``steps`` increasing sparsities, the last equal to ``target``.

    Examples
    --------
    >>> [round(s, 4) for s in iterative_schedule(0.92, 3)]
    [0.5691, 0.8143, 0.92]
    >>> iterative_schedule(0.9, 3, kind="linear")
    [0.3, 0.6, 0.9]
    """
    t = _check_sparsity(target, "target")
    s0 = _check_sparsity(start, "start")
    if not (isinstance(steps, int | np.integer) and steps >= 1):
        raise CompressionError(fail_message("steps", steps, "must be an int >= 1"))
    if s0 > t:
        raise CompressionError(fail_message("start", start, f"must be <= target={target}"))
    i = np.arange(1, steps + 1) / steps
    if kind == "geometric":
        out = 1.0 - (1.0 - s0) * ((1.0 - t) / (1.0 - s0)) ** i
    elif kind == "linear":
        out = s0 + (t - s0) * i
    else:
        raise CompressionError(fail_message("kind", kind, "must be 'geometric' or 'linear'"))
    result = [float(round(v, 12)) for v in out]
    result[-1] = t
    return result


@dataclass
class SensitivityResult:
    """Metric vs sparsity for each layer pruned alone (the others untouched).

    Attributes
    ----------
    sparsities : ndarray
        The sparsities tried, shape (S,).
    metric : dict of str -> ndarray
        For each layer, the metric at each sparsity, shape (S,).
    baseline : float
        The metric of the unpruned weights.

    Examples
    --------
    >>> r = sensitivity_sweep({"a": np.array([1.0, -0.1, 0.2, 2.0])},
    ...                       lambda ws: float(np.abs(ws["a"]).sum()), [0.0, 0.25, 0.5])
    >>> r.baseline, r.sparsities.tolist(), r.metric["a"].tolist()
    (3.3, [0.0, 0.25, 0.5], [3.3, 3.2, 3.0])
    """

    sparsities: np.ndarray
    metric: dict[str, np.ndarray] = field(default_factory=dict)
    baseline: float = float("nan")

    def max_sparsity(self, layer: str, tolerance: float, *, higher_is_better: bool = True) -> float:
        """Largest sparsity tried whose metric stays within ``tolerance`` of the baseline.

        Examples
        --------
        >>> import numpy as np
        >>> r = SensitivityResult(np.array([0.0, 0.5, 0.9]), {"a": np.array([0.98, 0.97, 0.6])}, 0.98)
        >>> r.max_sparsity("a", 0.02)
        0.5
        """
        m = self.metric[layer]
        loss = (self.baseline - m) if higher_is_better else (m - self.baseline)
        ok = np.flatnonzero(loss <= tolerance)
        return float(self.sparsities[ok].max()) if ok.size else 0.0


def sensitivity_sweep(weights: Mapping[str, np.ndarray],
                      evaluate: Callable[[dict[str, np.ndarray]], float],
                      sparsities: Sequence[float] = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95),
                      *, layers: Sequence[str] | None = None, desc: str = "sensitivity",
                      progress: bool | None = None) -> SensitivityResult:
    """Prune one layer at a time to each sparsity (no retraining) and record ``evaluate``.

    Parameters
    ----------
    weights : mapping of str -> ndarray
        All layers' weights (not modified).
    evaluate : callable
        Called with a dict of all layers' weights (one of them pruned) and returns a float
        (e.g. test accuracy). Any model works: the sweep only swaps weight arrays.
    sparsities : sequence of float
        Sparsities to try, each in ``[0, 1)``.
    layers : sequence of str, optional
        Layers to sweep (default all).
    desc : str
        Progress-bar label.
    progress : bool, optional
        Draw the progress bar; None follows ``EIE_LAB_PROGRESS``.

    Returns
    -------
    SensitivityResult

    Examples
    --------
    >>> import numpy as np
    >>> w = {"a": np.array([1.0, -0.1, 0.2, 2.0])}
    >>> r = sensitivity_sweep(w, lambda ws: float(np.abs(ws["a"]).sum()), [0.0, 0.5])
    >>> r.metric["a"]
    array([3.3, 3. ])
    """
    names = list(layers) if layers is not None else list(weights.keys())
    for name in names:
        if name not in weights:
            raise CompressionError(fail_message("layers", name, "must name a layer of weights",
                                                f"choose from {sorted(weights)}"))
    svals = np.array([_check_sparsity(s) for s in sparsities], dtype=np.float64)
    base = {k: np.asarray(v) for k, v in weights.items()}
    result = SensitivityResult(svals, {}, float(evaluate(dict(base))))
    jobs = [(name, s) for name in names for s in svals]
    values: dict[str, list[float]] = {name: [] for name in names}
    for name, s in track(jobs, total=len(jobs), desc=desc, unit="eval", progress=progress):
        trial = dict(base)
        trial[name] = apply_mask(base[name], magnitude_prune(base[name], float(s)))
        values[name].append(float(evaluate(trial)))
    result.metric = {name: np.array(v) for name, v in values.items()}
    return result
