"""The experiments the compression notebooks (01-04) run, each cached on disk so a re-run is fast.

The package's stages (:mod:`eie_lab.compression.prune`, :mod:`~eie_lab.compression.quantize`,
:mod:`~eie_lab.compression.pipeline`) do one step each; the notebooks also *compare* steps, and
those comparisons cost several epochs of training. They live here:

- :func:`connections_per_pixel` -- how many connections of ``ip1`` survive per input pixel, the
  28 x 28 map of [LWC Fig. 4]; :func:`dead_pixels` -- pixels that are 0 in every image.
- :func:`row_prune` -- structured (whole-neuron) pruning, to compare with fine-grained pruning.
- :func:`pruned_lenet300` -- a short prune-and-retrain run to DC Table 2's densities, cached
  (notebooks 01-03 share it).
- :func:`one_shot_vs_iterative` -- one-shot against iterative pruning at equal final sparsity and
  an equal retraining budget [LWC §3.3].
- :func:`trained_quantization` -- quantize a pruned network to a few bits, then fine-tune only the
  shared values (codes fixed, DC Eq. 3) and measure the recovery [DC §3.3].
- :func:`cached_sensitivity` and :func:`cached_pruning_tradeoff` -- the package's sweeps, cached.

Every cached result is keyed by a digest of the input model's arrays, of the data, of the
arguments and :data:`EXPERIMENTS_VERSION` (:func:`cached_arrays`), and written atomically into
:func:`eie_lab.cache.cache_dir`; a damaged entry is recomputed.

Examples
--------
>>> import numpy as np
>>> mask = np.zeros((300, 784), dtype=bool)
>>> mask[:, 14 * 28 + 14] = True          # keep only the connections of the centre pixel
>>> counts = connections_per_pixel(mask)
>>> counts.shape, int(counts[14, 14]), int(counts.sum())
((28, 28), 300, 300)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np

from eie_lab.cache import atomic_write, cache_dir
from eie_lab.compression.pipeline import prune_and_retrain, pruning_tradeoff
from eie_lab.compression.pipeline_config import PipelineConfig
from eie_lab.compression.prune import SensitivityResult, magnitude_prune, sensitivity_sweep
from eie_lab.compression.quantize import reduce_gradients, share_weights
from eie_lab.errors import CompressionError, ConfigError, fail_message
from eie_lab.nn.mlp import MLP
from eie_lab.nn.train import evaluate, train

__all__ = ["EXPERIMENTS_VERSION", "model_digest", "data_digest", "cached_arrays",
           "connections_per_pixel", "dead_pixels", "row_prune", "pruned_lenet300",
           "one_shot_vs_iterative", "trained_quantization", "cached_sensitivity",
           "cached_pruning_tradeoff"]

#: Bump when an experiment's behaviour changes (part of every cache key).
EXPERIMENTS_VERSION = 1


# ----------------------------------------------------------------------------- caching
def model_digest(model: MLP) -> str:
    """SHA-256 (16 hex digits) of every array of ``model`` (weights, biases, masks, codebooks).

    Examples
    --------
    >>> from eie_lab.nn.mlp import lenet300
    >>> a, b = lenet300(seed=0), lenet300(seed=0)
    >>> model_digest(a) == model_digest(b), model_digest(a) == model_digest(lenet300(seed=1))
    (True, False)
    """
    h = hashlib.sha256()
    for layer in model.layers:
        for name in ("W", "b", "mask", "codebook", "codes"):
            arr = getattr(layer, name)
            h.update(f"{layer.name}.{name}".encode())
            if arr is not None:
                arr = np.ascontiguousarray(arr)
                h.update(f"{arr.dtype}{arr.shape}".encode() + arr.tobytes())
    return h.hexdigest()[:16]


def data_digest(*arrays: np.ndarray) -> str:
    """SHA-256 (16 hex digits) of the shapes, dtypes and contents of ``arrays``.

    Examples
    --------
    >>> x = np.arange(6, dtype=np.float32).reshape(3, 2)
    >>> data_digest(x) == data_digest(x.copy()), data_digest(x) == data_digest(x[:2])
    (True, False)
    """
    h = hashlib.sha256()
    for arr in arrays:
        arr = np.ascontiguousarray(arr)
        h.update(f"{arr.dtype}{arr.shape}".encode() + arr.tobytes())
    return h.hexdigest()[:16]


def _cache_path(name: str, key: Mapping) -> Path:
    text = json.dumps({"experiment": name, "version": EXPERIMENTS_VERSION, **key}, sort_keys=True)
    return cache_dir(create=False) / f"experiment_{name}_{hashlib.sha256(text.encode()).hexdigest()[:16]}.npz"


def cached_arrays(name: str, key: Mapping, compute: Callable[[], Mapping[str, np.ndarray]], *,
                  cache: bool = True) -> dict[str, np.ndarray]:
    """``compute()`` (a dict of arrays), stored under ``name`` and ``key`` in the cache folder.

    Parameters
    ----------
    name : str
        The experiment (part of the file name).
    key : mapping
        JSON-serialisable description of everything the result depends on (digests, arguments).
    compute : callable
        Returns ``{name: array}``; called only when no valid cached entry exists.
    cache : bool
        Read and write the cache (False: always compute, write nothing).

    Examples
    --------
    >>> import os, tempfile
    >>> from unittest import mock
    >>> calls = []
    >>> def compute():
    ...     calls.append(1)
    ...     return {"x": np.arange(3)}
    >>> with tempfile.TemporaryDirectory() as tmp, mock.patch.dict(os.environ, {"EIE_LAB_CACHE": tmp}):
    ...     first = cached_arrays("demo", {"n": 3}, compute)
    ...     again = cached_arrays("demo", {"n": 3}, compute)   # loaded, not recomputed
    >>> again["x"].tolist(), len(calls)
    ([0, 1, 2], 1)
    """
    if not name.isidentifier():
        raise ConfigError(fail_message("name", name, "must be a Python identifier",
                                       "use e.g. 'one_shot_vs_iterative'"))
    try:
        path = _cache_path(name, key)
    except TypeError as exc:
        raise ConfigError(fail_message("key", key, "must be JSON-serialisable",
                                       "pass digests, numbers and strings")) from exc
    if cache and path.is_file():
        try:
            with np.load(path, allow_pickle=False) as f:
                return {k: f[k] for k in f.files}
        except (OSError, ValueError, EOFError):
            pass  # damaged entry: recompute and overwrite
    result = {k: np.asarray(v) for k, v in compute().items()}
    if cache:
        cache_dir(create=True)
        with atomic_write(path) as fh:
            np.savez(fh, **result)
    return result


def _model_from(arrays: Mapping[str, np.ndarray], prefix: str) -> MLP:
    """The MLP stored under ``prefix`` in a cached dict (masks rebuilt from the zeros)."""
    net = MLP.from_arrays({k[len(prefix):]: v for k, v in arrays.items() if k.startswith(prefix)})
    net.set_masks({layer.name: layer.W != 0 for layer in net.layers})
    return net


def _prefixed(model: MLP, prefix: str) -> dict[str, np.ndarray]:
    return {prefix + k: v for k, v in model.to_arrays().items()}


def _check_data(data) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    if not (isinstance(data, tuple | list) and len(data) == 4):
        raise ConfigError(fail_message("data", type(data).__name__,
                                       "must be (x_train, y_train, x_test, y_test)",
                                       "pass eie_lab.nn.zoo.mnist_arrays()"))
    return tuple(np.asarray(a) for a in data)  # type: ignore[return-value]


def _check_keep(keep: Mapping[str, float], model: MLP) -> dict[str, float]:
    out = {}
    for name in model.names:
        frac = keep.get(name, 1.0)
        if not (isinstance(frac, int | float | np.floating) and 0.0 < float(frac) <= 1.0):
            raise ConfigError(fail_message(f"keep[{name!r}]", frac, "must be in (0, 1]",
                                           "DC Table 2 keeps 0.08 / 0.09 / 0.26"))
        out[name] = float(frac)
    return out


# ----------------------------------------------------------------------------- pruning
def connections_per_pixel(mask: np.ndarray, image_shape: tuple[int, int] = (28, 28)) -> np.ndarray:
    """Kept connections of each input of a first layer, as an image (the map of [LWC Fig. 4]).

    Parameters
    ----------
    mask : ndarray
        Kept connections of the first layer, shape ``(outputs, inputs)`` (bool, or weights:
        non-zero = kept).
    image_shape : tuple of int
        How the inputs form an image (MNIST: 28 x 28).

    Returns
    -------
    ndarray of int
        ``image_shape`` counts: how many of the layer's outputs still read each pixel.

    Examples
    --------
    >>> m = np.zeros((3, 4), dtype=bool)
    >>> m[:, 0] = True
    >>> m[0, 3] = True
    >>> connections_per_pixel(m, (2, 2))
    array([[3, 0],
           [0, 1]])
    """
    m = np.asarray(mask)
    if m.ndim != 2 or m.shape[1] != int(np.prod(image_shape)):
        raise CompressionError(fail_message("mask.shape", m.shape,
                                            f"must be (outputs, {int(np.prod(image_shape))})",
                                            "pass the first layer's mask, W stored (out, in)"))
    return np.count_nonzero(m, axis=0).reshape(image_shape)


def dead_pixels(x: np.ndarray, image_shape: tuple[int, int] = (28, 28)) -> np.ndarray:
    """Pixels that are exactly 0 in every image of ``x`` (``(N, pixels)``), as a bool image.

    Their weights never receive a data gradient: only weight decay moves them.

    Examples
    --------
    >>> x = np.array([[0.0, 1.0, 0.0, 0.0], [0.0, 0.5, 0.2, 0.0]])
    >>> dead_pixels(x, (2, 2))
    array([[ True, False],
           [False,  True]])
    """
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[1] != int(np.prod(image_shape)):
        raise ConfigError(fail_message("x.shape", x.shape,
                                       f"must be (N, {int(np.prod(image_shape))})",
                                       "pass flattened images"))
    return ~np.any(x != 0, axis=0).reshape(image_shape)


def row_prune(w: np.ndarray, sparsity: float) -> np.ndarray:
    """Structured pruning: a mask removing whole rows (output neurons) of smallest L2 norm.

    ``round(sparsity * rows)`` rows go (ties: the earliest first), so the kept weights form a
    smaller *dense* matrix -- what ordinary dense hardware can use -- unlike the scattered
    survivors of :func:`~eie_lab.compression.prune.magnitude_prune`.

    Parameters
    ----------
    w : ndarray
        Weights ``(outputs, inputs)``.
    sparsity : float
        Fraction of rows to remove, in ``[0, 1)``.

    Returns
    -------
    ndarray of bool
        Mask of ``w``'s shape (True = kept), constant along each row.

    Examples
    --------
    >>> row_prune(np.array([[3.0, 0.0], [0.1, 0.1], [1.0, 1.0]]), 1 / 3)
    array([[ True,  True],
           [False, False],
           [ True,  True]])
    """
    w = np.asarray(w)
    if w.ndim != 2:
        raise CompressionError(fail_message("w.ndim", w.ndim, "must be 2 (outputs, inputs)",
                                            "pass one layer's W"))
    if not (isinstance(sparsity, int | float | np.floating) and 0.0 <= float(sparsity) < 1.0):
        raise CompressionError(fail_message("sparsity", sparsity, "must be a number in [0, 1)",
                                            "use e.g. 0.5 to remove half of the neurons"))
    k = int(round(float(sparsity) * w.shape[0]))
    order = np.argsort(np.linalg.norm(w, axis=1), kind="stable")  # weakest rows first
    keep_rows = np.ones(w.shape[0], dtype=bool)
    keep_rows[order[:k]] = False
    return np.repeat(keep_rows[:, None], w.shape[1], axis=1)


def pruned_lenet300(model: MLP, data, keep: Mapping[str, float] | None = None, *,
                    prune_steps: int = 2, retrain_epochs: int = 1, n_retrain: int = 20000,
                    seed: int = 0, cache: bool = True, progress: bool | None = None) -> MLP:
    """A short prune-and-retrain run (:func:`~eie_lab.compression.pipeline.prune_and_retrain`), cached.

    The notebooks' shared pruned network: ``prune_steps`` rounds towards ``keep`` (default DC
    Table 2: 8% / 9% / 26%), each retrained for ``retrain_epochs`` on the first ``n_retrain``
    training images.

    Parameters
    ----------
    model : MLP
        Trained baseline.
    data : tuple
        ``(x_train, y_train, x_test, y_test)``.
    keep : mapping of str -> float, optional
        Kept fraction per layer.
    prune_steps, retrain_epochs, n_retrain, seed : int
        The schedule (see :class:`~eie_lab.compression.pipeline_config.PipelineConfig`).
    cache : bool
        Read and write the cache.
    progress : bool, optional
        Progress bars (None follows ``EIE_LAB_PROGRESS``).

    Returns
    -------
    MLP
        Masked copy of ``model``; ``meta["test_error"]`` holds its test error.

    Examples
    --------
    >>> x = np.random.default_rng(0).random((64, 16), dtype=np.float32)
    >>> y = np.arange(64) % 4
    >>> net = pruned_lenet300(MLP((16, 12, 8, 4)), (x, y, x, y), {"ip1": 0.5, "ip2": 0.5},
    ...                       n_retrain=64, cache=False, progress=False)
    >>> [round(float(layer.mask.mean()), 2) for layer in net.layers]
    [0.5, 0.5, 1.0]
    """
    x, y, xt, yt = _check_data(data)
    keep = _check_keep(keep if keep is not None else {"ip1": 0.08, "ip2": 0.09, "ip3": 0.26},
                       model)
    config = PipelineConfig(keep=keep, prune_steps=prune_steps, retrain_epochs=retrain_epochs,
                            seed=seed)
    sub = (x[:n_retrain], y[:n_retrain], xt, yt)
    key = {"model": model_digest(model), "data": data_digest(*sub), "config": config.key()}

    def compute():
        net = prune_and_retrain(model, sub, config, progress=progress)
        return _prefixed(net, "net.")

    net = _model_from(cached_arrays("pruned_lenet300", key, compute, cache=cache), "net.")
    net.meta = {"test_error": evaluate(net, xt, yt), "keep": keep}
    return net


def one_shot_vs_iterative(model: MLP, data, keep: Mapping[str, float], *, steps: int = 3,
                          epochs_per_step: int = 1, n_retrain: int = 10000, seed: int = 0,
                          cache: bool = True, progress: bool | None = None) -> dict:
    """Prune to ``keep`` in one shot or in ``steps`` rounds, with the same retraining budget.

    *One-shot*: prune every layer straight to its kept fraction, then retrain
    ``steps * epochs_per_step`` epochs. *Iterative* [LWC §3.3]: ``steps`` rounds on the geometric
    schedule of :func:`~eie_lab.compression.prune.iterative_schedule`, each followed by
    ``epochs_per_step`` epochs. Both end at exactly the same sparsity and see the same number of
    training images, so the difference is the schedule alone.

    Parameters
    ----------
    model : MLP
        Trained baseline.
    data : tuple
        ``(x_train, y_train, x_test, y_test)``; retraining uses the first ``n_retrain`` images.
    keep : mapping of str -> float
        Final kept fraction per layer.
    steps, epochs_per_step, n_retrain, seed : int
        The schedule.
    cache : bool
        Read and write the cache.
    progress : bool, optional
        Progress bars.

    Returns
    -------
    dict
        ``one_shot`` and ``iterative``: test error after retraining; ``one_shot_pruned``: the
        error straight after the one-shot cut; ``iterative_curve``: error after each round;
        ``kept``: the fraction of all weights kept (equal for both).

    Examples
    --------
    >>> x = np.random.default_rng(0).random((64, 16), dtype=np.float32)
    >>> y = np.arange(64) % 4
    >>> out = one_shot_vs_iterative(MLP((16, 12, 8, 4)), (x, y, x, y), {"ip1": 0.2}, steps=2,
    ...                             n_retrain=64, cache=False, progress=False)
    >>> sorted(out), len(out["iterative_curve"])
    (['iterative', 'iterative_curve', 'kept', 'one_shot', 'one_shot_pruned'], 2)
    """
    x, y, xt, yt = _check_data(data)
    keep = _check_keep(keep, model)
    if int(steps) < 2:
        raise ConfigError(fail_message("steps", steps, "must be >= 2 (one step is one-shot)",
                                       "use steps=3"))
    sub = (x[:n_retrain], y[:n_retrain], xt, yt)
    iterative = PipelineConfig(keep=keep, prune_steps=steps, retrain_epochs=epochs_per_step,
                               seed=seed)
    key = {"model": model_digest(model), "data": data_digest(*sub), "config": iterative.key()}

    def compute():
        net = model.copy()
        net.set_masks({layer.name: magnitude_prune(layer.W, 1.0 - keep[layer.name])
                       for layer in net.layers})
        cut = evaluate(net, xt, yt)
        train(net, sub[0], sub[1], epochs=steps * epochs_per_step, batch_size=iterative.batch_size,
              lr=iterative.retrain_lr, weight_decay=iterative.weight_decay, seed=seed + 1,
              desc="one-shot retrain", progress=progress)
        curve: list[dict] = []
        it = prune_and_retrain(model, sub, iterative, progress=progress, curve=curve)
        kept = [sum(int(np.count_nonzero(la.W)) for la in n.layers) for n in (net, it)]
        if kept[0] != kept[1]:  # the comparison is only fair at equal sparsity
            raise CompressionError(fail_message("kept weights", kept, "must be equal",
                                                "report this as a bug"))
        return {"one_shot": evaluate(net, xt, yt), "one_shot_pruned": cut,
                "iterative": evaluate(it, xt, yt),
                "iterative_curve": np.array([c["error_retrained"] for c in curve]),
                "kept": kept[0] / model.n_weights()}

    out = cached_arrays("one_shot_vs_iterative", key, compute, cache=cache)
    return {k: (v.tolist() if v.ndim else float(v)) for k, v in out.items()}


# ----------------------------------------------------------------------------- quantization
def trained_quantization(model: MLP, data, bits: Sequence[int] = (2, 3), *, epochs: int = 2,
                         n_train: int = 20000, lr: float = 0.02, codebook_lr: float = 3e-4,
                         seed: int = 0, cache: bool = True,
                         progress: bool | None = None) -> dict[int, dict[str, float]]:
    """Quantize every layer to ``bits``, then fine-tune the shared values only [DC §3.3].

    Each layer's kept weights are clustered into ``2**bits - 1`` shared values (linear init;
    code 0 = the pruned weights, this lab's convention); then ``epochs`` of SGD move only the
    codebooks (and biases), with each centroid's gradient the sum of its weights' gradients
    (``grad_hook`` = :func:`~eie_lab.compression.quantize.reduce_gradients`, DC Eq. 3). The codes
    never change, so the storage cost is that of the quantized network.

    Parameters
    ----------
    model : MLP
        A trained (usually pruned) network.
    data : tuple
        ``(x_train, y_train, x_test, y_test)``; fine-tuning uses the first ``n_train`` images.
    bits : sequence of int
        Bit widths to try (each 1..8).
    epochs, n_train, seed : int
        Fine-tuning schedule.
    lr, codebook_lr : float
        Learning rates of the biases and of the codebooks.
    cache : bool
        Read and write the cache.
    progress : bool, optional
        Progress bars.

    Returns
    -------
    dict
        ``{bits: {"float": error of model, "quantized": after clustering,
        "finetuned": after fine-tuning}}`` (test error rates).

    Examples
    --------
    >>> x = np.random.default_rng(0).random((64, 16), dtype=np.float32)
    >>> y = np.arange(64) % 4
    >>> out = trained_quantization(MLP((16, 12, 8, 4)), (x, y, x, y), bits=[2], n_train=64,
    ...                            cache=False, progress=False)
    >>> sorted(out[2])
    ['finetuned', 'float', 'quantized']
    """
    x, y, xt, yt = _check_data(data)
    bits = [int(b) for b in bits]
    if not bits or any(not 1 <= b <= 8 for b in bits):
        raise ConfigError(fail_message("bits", bits, "must be a non-empty list of ints in 1..8",
                                       "use bits=(2, 3)"))
    sub = (x[:n_train], y[:n_train])
    key = {"model": model_digest(model), "data": data_digest(*sub, xt, yt), "bits": bits,
           "epochs": epochs, "lr": lr, "codebook_lr": codebook_lr, "seed": seed}

    def compute():
        rows = []
        for b in bits:
            net = model.copy()
            for layer in net.layers:
                cb, codes = share_weights(layer.W, b, reserve_zero=True, seed=seed)
                net.set_shared(layer.name, cb, codes)
                layer.mask = None
            err_q = evaluate(net, xt, yt)
            train(net, *sub, epochs=epochs, batch_size=128, lr=lr, weight_decay=0.0,
                  codebook_lr=codebook_lr, grad_hook=reduce_gradients, seed=seed + 100,
                  desc=f"fine-tune {b}-bit codebooks", progress=progress)
            rows.append([b, evaluate(model, xt, yt), err_q, evaluate(net, xt, yt)])
        return {"rows": np.array(rows, dtype=np.float64)}

    rows = cached_arrays("trained_quantization", key, compute, cache=cache)["rows"]
    return {int(r[0]): {"float": float(r[1]), "quantized": float(r[2]), "finetuned": float(r[3])}
            for r in rows}


# ----------------------------------------------------------------------------- cached sweeps
def cached_sensitivity(model: MLP, x: np.ndarray, y: np.ndarray, sparsities: Sequence[float], *,
                       cache: bool = True, progress: bool | None = None) -> SensitivityResult:
    """:func:`~eie_lab.compression.prune.sensitivity_sweep` of ``model``'s test error, cached.

    The metric is the *accuracy* ``1 - error`` (so ``max_sparsity`` works as documented).

    Examples
    --------
    >>> x = np.random.default_rng(0).random((32, 16), dtype=np.float32)
    >>> r = cached_sensitivity(MLP((16, 8, 4)), x, np.arange(32) % 4, [0.0, 0.5], cache=False,
    ...                        progress=False)
    >>> r.sparsities.tolist(), sorted(r.metric)
    ([0.0, 0.5], ['ip1', 'ip2'])
    """
    svals = [float(s) for s in sparsities]
    key = {"model": model_digest(model), "data": data_digest(x, y), "sparsities": svals}

    def compute():
        r = sensitivity_sweep(model.weights(),
                              lambda ws: 1.0 - evaluate(model.with_weights(ws), x, y), svals,
                              progress=progress)
        return {"baseline": r.baseline, **{f"metric.{k}": v for k, v in r.metric.items()}}

    out = cached_arrays("sensitivity", key, compute, cache=cache)
    return SensitivityResult(np.array(svals),
                             {n: out[f"metric.{n}"] for n in model.names}, float(out["baseline"]))


def cached_pruning_tradeoff(model: MLP, data, sparsities: Sequence[float], *,
                            retrain_epochs: int = 1, n_retrain: int = 10000, seed: int = 0,
                            cache: bool = True, progress: bool | None = None) -> dict:
    """:func:`~eie_lab.compression.pipeline.pruning_tradeoff`, cached.

    Examples
    --------
    >>> x = np.random.default_rng(0).random((64, 16), dtype=np.float32)
    >>> y = np.arange(64) % 4
    >>> out = cached_pruning_tradeoff(MLP((16, 12, 8, 4)), (x, y, x, y), [0.5], n_retrain=32,
    ...                               cache=False, progress=False)
    >>> out["sparsity"], len(out["retrain"])
    ([0.5], 1)
    """
    x, y, xt, yt = _check_data(data)
    svals = [float(s) for s in sparsities]
    key = {"model": model_digest(model), "data": data_digest(x[:n_retrain], y[:n_retrain], xt, yt),
           "sparsities": svals, "epochs": retrain_epochs, "seed": seed}

    def compute():
        out = pruning_tradeoff(model, (x, y, xt, yt), svals, retrain_epochs=retrain_epochs,
                               n_retrain=n_retrain, seed=seed, progress=progress)
        return {k: np.array(v) for k, v in out.items()}

    out = cached_arrays("pruning_tradeoff", key, compute, cache=cache)
    return {k: v.tolist() for k, v in out.items()}
