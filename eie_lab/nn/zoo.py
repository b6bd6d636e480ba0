"""Ready-trained models, trained once and cached on disk.

:func:`pretrained_lenet300` trains LeNet-300-100 on MNIST with a fixed recipe the first time it is
called and stores the weights as ``.npz`` in :func:`eie_lab.cache.cache_dir` (written atomically),
keyed by seed, epochs and :data:`ZOO_VERSION`. Later calls — from any notebook or process sharing
the cache — load the file in milliseconds.

Examples
--------
>>> from eie_lab.nn.zoo import BASELINE_RECIPE, cache_path
>>> BASELINE_RECIPE["batch_size"]
128
>>> cache_path(seed=0, epochs=8).name
'lenet300_seed0_ep8_v1.npz'
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from eie_lab.cache import atomic_write, cache_dir
from eie_lab.errors import ConfigError, fail_message
from eie_lab.nn.mlp import MLP, lenet300
from eie_lab.nn.train import evaluate, train

__all__ = ["pretrained_lenet300", "mnist_arrays", "cache_path", "BASELINE_RECIPE", "DEFAULT_EPOCHS",
           "ZOO_VERSION"]

#: Bump when the training code or recipe changes, so stale cached weights are not reused.
ZOO_VERSION = 1
#: Epochs of the default baseline (about 10-20 s on 2 cores, ~1.7% test error).
DEFAULT_EPOCHS = 8
#: SGD recipe of the baseline (see :func:`eie_lab.nn.train.train`).
BASELINE_RECIPE = {"batch_size": 128, "lr": 0.1, "momentum": 0.9, "weight_decay": 1e-4,
                   "schedule": "cosine"}


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
    from eie_lab.data.mnist import load_mnist_arrays

    return load_mnist_arrays(data_dir=data_dir, n_train=n_train, n_test=n_test, verify=verify)


def cache_path(seed: int = 0, epochs: int = DEFAULT_EPOCHS) -> Path:
    """Where :func:`pretrained_lenet300` keeps the weights for ``(seed, epochs)``.

    Examples
    --------
    >>> cache_path(seed=1, epochs=4).name
    'lenet300_seed1_ep4_v1.npz'
    """
    return cache_dir(create=False) / f"lenet300_seed{seed}_ep{epochs}_v{ZOO_VERSION}.npz"


def pretrained_lenet300(seed: int = 0, epochs: int | None = None, cache: bool = True,
                        data_dir=None, progress: bool | None = None) -> MLP:
    """LeNet-300-100 trained on MNIST (loaded from the cache when it was trained before).

    Parameters
    ----------
    seed : int
        Seed of the initialisation and of the shuffling.
    epochs : int, optional
        Training epochs (default :data:`DEFAULT_EPOCHS`).
    cache : bool
        Read and write the cache (``False`` always trains and writes nothing).
    data_dir : path-like, optional
        MNIST folder (default: :func:`eie_lab.data.mnist.locate_mnist`).
    progress : bool, optional
        Force the progress bar on/off; None follows ``EIE_LAB_PROGRESS``.

    Returns
    -------
    MLP
        With ``model.meta`` holding ``test_error``, ``train_seconds``, ``seed``, ``epochs`` and
        ``from_cache``.

    Examples
    --------
    A cached model loads without MNIST (here a fresh network stands in for the trained one):

    >>> import os, tempfile
    >>> from unittest import mock
    >>> tmp = tempfile.TemporaryDirectory()
    >>> with mock.patch.dict(os.environ, {"EIE_LAB_CACHE": tmp.name}):
    ...     np.savez(cache_path(seed=0, epochs=1), test_error=0.5, train_seconds=0.0,
    ...              **lenet300(seed=0).to_arrays())
    ...     net = pretrained_lenet300(seed=0, epochs=1)
    >>> net.sizes, net.meta["from_cache"], net.meta["test_error"]
    ((784, 300, 100, 10), True, 0.5)
    >>> tmp.cleanup()
    """
    epochs = DEFAULT_EPOCHS if epochs is None else epochs
    if int(epochs) != epochs or epochs < 1 or int(seed) != seed or seed < 0:
        raise ConfigError(fail_message("(seed, epochs)", (seed, epochs),
                                       "need seed >= 0 and epochs >= 1 (ints)",
                                       "use pretrained_lenet300(seed=0)"))
    seed, epochs = int(seed), int(epochs)
    path = cache_path(seed, epochs)
    if cache and path.is_file():
        try:
            with np.load(path, allow_pickle=False) as f:
                model = MLP.from_arrays(f)
                model.meta = {"test_error": float(f["test_error"]),
                              "train_seconds": float(f["train_seconds"]),
                              "seed": seed, "epochs": epochs, "from_cache": True}
            return model
        except (OSError, KeyError, ValueError):
            pass  # damaged cache file: retrain and overwrite it
    x, y, xt, yt = mnist_arrays(data_dir)
    model = lenet300(seed=seed)
    t0 = time.perf_counter()
    train(model, x, y, epochs=epochs, seed=seed, desc="LeNet-300-100", progress=progress,
          **BASELINE_RECIPE)
    seconds = time.perf_counter() - t0
    err = evaluate(model, xt, yt)
    model.meta = {"test_error": err, "train_seconds": seconds, "seed": seed, "epochs": epochs,
                  "from_cache": False}
    if cache:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(path) as fh:
            np.savez(fh, test_error=np.float64(err), train_seconds=np.float64(seconds),
                     **model.to_arrays())
    return model
