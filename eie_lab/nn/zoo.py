"""Ready-trained models, trained once and cached on disk.

:func:`pretrained_lenet300` trains LeNet-300-100 on MNIST with a fixed recipe the first time it is
called and stores the weights as ``.npz`` in :func:`eie_lab.cache.cache_dir` (written atomically).
Later calls — from any notebook or process sharing the cache — load the file in milliseconds.

The cache is keyed by everything that determines the trained weights (:func:`cache_key`): the
data (a fingerprint of the MNIST files, so a net trained on other or edited files is never served
as the baseline), the number of training images, the seed, the epochs, the recipe, and the
training code itself (a hash of ``nn/mlp.py`` and ``nn/train.py`` without comments and
docstrings, plus :data:`ZOO_VERSION`). A cached file is checked on load (the key stored in it,
the layer shapes, finite weights and error); a damaged, truncated, wrongly shaped or NaN entry is
not served: the model is trained again and the entry overwritten.

Examples
--------
>>> from eie_lab.nn.zoo import BASELINE_RECIPE, cache_key
>>> BASELINE_RECIPE["batch_size"]
128
>>> from eie_lab.data.mnist import locate_mnist
>>> if locate_mnist() is not None:
...     key = cache_key(seed=0, epochs=8)
...     assert key["seed"] == 0 and key["n_train"] is None and len(key["data"]) == 16
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import math
import numbers
import time
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from eie_lab.cache import atomic_write, cache_dir, writable_cache_dir
from eie_lab.data.mnist import load_mnist_arrays, mnist_fingerprint
from eie_lab.errors import ConfigError, EieLabError, fail_message
from eie_lab.nn.conv import ConvNet, lenet5
from eie_lab.nn.mlp import MLP, lenet300
from eie_lab.nn.network import Network
from eie_lab.nn.train import evaluate, train

__all__ = ["pretrained_lenet300", "pretrained_lenet5", "LENET5_RECIPE", "LENET5_EPOCHS",
           "mnist_arrays", "cache_key", "cache_path", "BASELINE_RECIPE",
           "DEFAULT_EPOCHS", "ZOO_VERSION"]

#: Bump when the meaning of a cached file changes in a way the code hash cannot see.
ZOO_VERSION = 2
#: Epochs of the default baseline (about 10-20 s on 2 cores, ~1.7% test error).
DEFAULT_EPOCHS = 8
#: SGD recipe of the baseline (see :func:`eie_lab.nn.train.train`).
BASELINE_RECIPE = {"batch_size": 128, "lr": 0.1, "momentum": 0.9, "weight_decay": 1e-4,
                   "schedule": "cosine"}
# the training code: a change to what it does (not to its comments) retrains
_CODE_FILES = ("mlp.py", "network.py", "train.py")
_LENET5_CODE_FILES = ("conv.py", "mlp.py", "network.py", "train.py")
#: Epochs of the default LeNet-5 baseline (3: about 0.8-0.9% test error, ~35 s CPU per epoch).
LENET5_EPOCHS = 3
#: SGD recipe of the LeNet-5 baseline.
LENET5_RECIPE = {"batch_size": 64, "lr": 0.05, "momentum": 0.9, "weight_decay": 5e-4,
                 "schedule": "cosine"}
# what a damaged cache file raises while being read
_DAMAGED = (OSError, EOFError, ValueError, KeyError, TypeError, zipfile.BadZipFile, EieLabError)


def mnist_arrays(data_dir=None, n_train: int | None = None, n_test: int | None = None,
                 verify: bool = True):
    """MNIST as ``(x_train, y_train, x_test, y_test)``: float32 rows in [0, 1], int64 labels.

    ``verify=False`` loads IDX files that are not the published MNIST (see
    :func:`eie_lab.data.mnist.load_mnist`).

    Examples
    --------
    Four tiny IDX files stand in for MNIST here (IDX header: 0, 0, 8 = uint8, ndim, sizes):

    >>> import tempfile
    >>> def idx(a):
    ...     head = bytes([0, 0, 8, a.ndim]) + b"".join(n.to_bytes(4, "big") for n in a.shape)
    ...     return head + a.tobytes()
    >>> tmp = tempfile.TemporaryDirectory()
    >>> d = Path(tmp.name)
    >>> for split, n in (("train", 5), ("t10k", 3)):
    ...     _ = (d / f"{split}-images-idx3-ubyte").write_bytes(idx(np.zeros((n, 28, 28), np.uint8)))
    ...     _ = (d / f"{split}-labels-idx1-ubyte").write_bytes(idx(np.arange(n, dtype=np.uint8)))
    >>> x, y, xt, yt = mnist_arrays(tmp.name, n_train=4, verify=False)
    >>> x.shape, x.dtype, yt.tolist()
    ((4, 784), dtype('float32'), [0, 1, 2])
    >>> tmp.cleanup()
    """
    return load_mnist_arrays(data_dir=data_dir, n_train=n_train, n_test=n_test, verify=verify)


def _strip_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(body, list) and body and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str)):
            node.body = body[1:] or [ast.Pass()]
    return tree


@functools.lru_cache(maxsize=2)
def _code_hash(files: tuple[str, ...] = _CODE_FILES) -> str:
    """Hash of the training code's syntax tree (comments, docstrings and layout do not count)."""
    h = hashlib.sha256()
    for name in files:
        tree = _strip_docstrings(ast.parse(Path(__file__).with_name(name).read_text("utf-8")))
        h.update(name.encode() + b"\0" + ast.dump(tree).encode() + b"\0")
    return h.hexdigest()[:16]


def _check_int(name: str, value: Any, low: int, fix: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ConfigError(fail_message(name, value, f"must be an int >= {low}", fix))
    return int(value)


def _arguments(seed: Any, epochs: Any, n_train: Any) -> tuple[int, int, int | None]:
    seed = _check_int("seed", seed, 0, "use pretrained_lenet300(seed=0)")
    epochs = _check_int("epochs", DEFAULT_EPOCHS if epochs is None else epochs, 1,
                        f"use epochs={DEFAULT_EPOCHS} (the default recipe)")
    if n_train is not None:
        n_train = _check_int("n_train", n_train, 1, "use n_train=None (all 60000 images)")
    return seed, epochs, n_train


def cache_key(seed: int = 0, epochs: int | None = None, data_dir=None,
              n_train: int | None = None, *, download: bool = False,
              progress: bool | None = None) -> dict[str, Any]:
    """Everything that determines the weights :func:`pretrained_lenet300` trains.

    Parameters
    ----------
    seed, epochs, data_dir, n_train
        As in :func:`pretrained_lenet300`.
    download : bool
        Download MNIST when it is not found (to fingerprint it); otherwise a missing MNIST is a
        :class:`~eie_lab.errors.DataError`.
    progress : bool, optional
        Progress bar of such a download.

    Returns
    -------
    dict
        ``model``, ``zoo_version``, ``code`` (hash of the training code), ``data`` (the MNIST
        fingerprint, :func:`eie_lab.data.mnist.mnist_fingerprint`), ``n_train``, ``seed``,
        ``epochs`` and ``recipe``; plain JSON values.

    Examples
    --------
    >>> from eie_lab.data.mnist import locate_mnist
    >>> if locate_mnist() is not None:
    ...     assert cache_key(seed=1)["epochs"] == DEFAULT_EPOCHS
    ...     assert cache_key(n_train=600) != cache_key()  # a subset is another model
    """
    seed, epochs, n_train = _arguments(seed, epochs, n_train)
    return {"model": "lenet300", "zoo_version": ZOO_VERSION, "code": _code_hash(),
            "data": mnist_fingerprint(data_dir, download=download, progress=progress),
            "n_train": n_train, "seed": seed, "epochs": epochs, "recipe": dict(BASELINE_RECIPE)}


def _key_text(key: dict[str, Any]) -> str:
    return json.dumps(key, sort_keys=True)


def cache_path(seed: int = 0, epochs: int | None = None, data_dir=None,
               n_train: int | None = None, *, key: dict[str, Any] | None = None) -> Path:
    """Where :func:`pretrained_lenet300` keeps the weights trained under :func:`cache_key`.

    The name shows seed and epochs; its last part is a digest of the whole key.

    Examples
    --------
    >>> from eie_lab.data.mnist import locate_mnist
    >>> if locate_mnist() is not None:
    ...     name = cache_path(seed=1, epochs=4).name
    ...     assert name.startswith("lenet300_seed1_ep4_") and name.endswith(".npz")
    """
    key = key if key is not None else cache_key(seed, epochs, data_dir, n_train)
    digest = hashlib.sha256(_key_text(key).encode()).hexdigest()[:16]
    subset = "" if key["n_train"] is None else f"_n{key['n_train']}"
    return cache_dir(create=False) / (f"{key['model']}_seed{key['seed']}_ep{key['epochs']}{subset}_"
                                      f"{digest}.npz")


def _load_checked(path: Path, key: dict[str, Any], reference: Network) -> Network:
    """Read one cache entry and check it against a freshly built ``reference`` network: the key
    it was trained under, layer names, shapes (and architecture), finite values, the error.
    Raises ValueError (or what the reader raises) when the entry is bad."""
    with np.load(path, allow_pickle=False) as f:
        # the file name carries the key's digest; a stored key must match it too
        if "key" in f.files and str(f["key"]) != _key_text(key):
            raise ValueError("it was trained under another key")
        model = type(reference).from_arrays(f)
        test_error, seconds = float(f["test_error"]), float(f["train_seconds"])
    if tuple(model.names) != tuple(reference.names):
        raise ValueError(f"layers {model.names}, expected {reference.names}")
    if getattr(model, "architecture", None) != getattr(reference, "architecture", None):
        raise ValueError(f"architecture {model.architecture}, expected {reference.architecture}")
    for layer, ref in zip(model.layers, reference.layers):
        if layer.W.shape != ref.W.shape or layer.b.shape != ref.b.shape:
            raise ValueError(f"{layer.name} has shapes {layer.W.shape}, {layer.b.shape}")
        if not (np.isfinite(layer.W).all() and np.isfinite(layer.b).all()):
            raise ValueError(f"{layer.name} holds NaN or inf")
    if not (math.isfinite(test_error) and 0.0 <= test_error <= 1.0):
        raise ValueError(f"test_error={test_error}")
    model.meta = {"test_error": test_error, "train_seconds": seconds, "seed": key["seed"],
                  "epochs": key["epochs"], "n_train": key["n_train"], "from_cache": True}
    return model


def _trained(key: dict[str, Any], build: Callable[[], Network], recipe: dict[str, Any],
             desc: str, *, cache: bool, data_dir, progress: bool | None) -> Network:
    """The network ``build()`` trained under ``key``: from the cache when a good entry exists,
    else trained on MNIST (``recipe``) and written to the cache. A damaged entry is retrained
    with a warning; the cache folder is checked before training, so no result is lost."""
    path = cache_path(key=key)
    if cache and path.is_file():
        try:
            return _load_checked(path, key, build())
        except _DAMAGED as exc:  # damaged entry: train again and overwrite it
            warnings.warn(f"the cached model {path} is damaged ({type(exc).__name__}: {exc}); "
                          "training it again", RuntimeWarning, stacklevel=3)
    if cache:
        writable_cache_dir()  # before training: a result that cannot be saved is not lost later
    x, y, xt, yt = mnist_arrays(data_dir, n_train=key["n_train"])
    model = build()
    t0 = time.process_time()
    train(model, x, y, epochs=key["epochs"], seed=key["seed"], desc=desc, progress=progress,
          **recipe)
    seconds = time.process_time() - t0
    err = evaluate(model, xt, yt)
    model.meta = {"test_error": err, "train_seconds": seconds, "seed": key["seed"],
                  "epochs": key["epochs"], "n_train": key["n_train"], "from_cache": False}
    if cache:
        with atomic_write(path) as fh:
            np.savez(fh, key=np.array(_key_text(key)), test_error=np.float64(err),
                     train_seconds=np.float64(seconds), **model.to_arrays())
    return model


def pretrained_lenet300(seed: int = 0, epochs: int | None = None, cache: bool = True,
                        data_dir=None, progress: bool | None = None,
                        n_train: int | None = None) -> MLP:
    """LeNet-300-100 trained on MNIST (loaded from the cache when it was trained before).

    Parameters
    ----------
    seed : int
        Seed of the initialisation and of the shuffling (>= 0).
    epochs : int, optional
        Training epochs (default :data:`DEFAULT_EPOCHS`).
    cache : bool
        Read and write the cache (``False`` always trains and writes nothing).
    data_dir : path-like, optional
        MNIST folder (default: :func:`eie_lab.data.mnist.locate_mnist`).
    progress : bool, optional
        Draw the progress bars; None follows ``EIE_LAB_PROGRESS``.
    n_train : int, optional
        Train on the first ``n_train`` images only (default: all 60000). A subset is cached
        under its own key, never served as the full baseline.

    Returns
    -------
    MLP
        With ``model.meta`` holding ``test_error``, ``train_seconds``, ``seed``, ``epochs``,
        ``n_train`` and ``from_cache``.

    Raises
    ------
    ConfigError
        For a bad argument, or (with ``cache=True``) a cache folder that cannot be written —
        checked before training, so no training run is lost.

    Examples
    --------
    A cached model loads without training (here a fresh network stands in for the trained one):

    >>> import os, tempfile
    >>> from unittest import mock
    >>> from eie_lab.data.mnist import locate_mnist
    >>> tmp = tempfile.TemporaryDirectory()
    >>> with mock.patch.dict(os.environ, {"EIE_LAB_CACHE": tmp.name}):
    ...     if locate_mnist() is not None:
    ...         np.savez(cache_path(seed=0, epochs=1), test_error=0.5, train_seconds=0.0,
    ...                  **lenet300(seed=0).to_arrays())
    ...         net = pretrained_lenet300(seed=0, epochs=1)
    ...         assert net.meta["from_cache"] and net.meta["test_error"] == 0.5
    >>> tmp.cleanup()
    """
    seed, epochs, n_train = _arguments(seed, epochs, n_train)
    key = cache_key(seed, epochs, data_dir, n_train, download=True, progress=progress)
    return _trained(key, functools.partial(lenet300, seed=seed), BASELINE_RECIPE,
                    "LeNet-300-100", cache=cache, data_dir=data_dir, progress=progress)



def pretrained_lenet5(seed: int = 0, epochs: int | None = None, cache: bool = True,
                      data_dir=None, progress: bool | None = None,
                      n_train: int | None = None) -> ConvNet:
    """The Caffe LeNet-5 (:func:`eie_lab.nn.conv.lenet5`) trained on MNIST, cached like
    :func:`pretrained_lenet300`.

    Trained with :data:`LENET5_RECIPE` for :data:`LENET5_EPOCHS` epochs by default; the cache key
    is :func:`cache_key` with ``model="lenet5"``, this recipe and a hash of ``nn/conv.py`` too.

    Parameters
    ----------
    seed, epochs, cache, data_dir, progress, n_train
        As in :func:`pretrained_lenet300` (``epochs`` default :data:`LENET5_EPOCHS`).

    Returns
    -------
    ConvNet
        With ``model.meta`` holding ``test_error``, ``train_seconds`` (CPU seconds of the
        training, :func:`time.process_time`), ``seed``, ``epochs``, ``n_train`` and
        ``from_cache``.

    Examples
    --------
    >>> net = pretrained_lenet5(seed=0)  # doctest: +SKIP
    >>> net.names, net.meta["test_error"] < 0.01  # doctest: +SKIP
    (['conv1', 'conv2', 'ip1', 'ip2'], True)
    """
    seed, epochs, n_train = _arguments(seed, LENET5_EPOCHS if epochs is None else epochs, n_train)
    key = {**cache_key(seed, epochs, data_dir, n_train, download=True, progress=progress),
           "model": "lenet5", "code": _code_hash(_LENET5_CODE_FILES),
           "recipe": dict(LENET5_RECIPE)}
    return _trained(key, functools.partial(lenet5, seed=seed), LENET5_RECIPE, "LeNet-5",
                    cache=cache, data_dir=data_dir, progress=progress)
