"""Minibatch SGD with momentum and L2 weight decay for :class:`~eie_lab.nn.mlp.MLP`.

Masks are honoured exactly: the gradient, the weight decay and the momentum of a pruned weight are
all zeroed, so a pruned weight stays ``0.0`` through retraining [LWC §3]. In shared-weight mode the
weight gradients of a layer are grouped by code and summed, and the sum updates the codebook
(``centroid -= lr × sum``) [DC §3.3, Eq. 3]; the codes never change, and code 0 (the weight 0.0
that EIE reserves) stays fixed. The grouping is Deep Compression's idea, so it lives in
:mod:`eie_lab.compression` and reaches the trainer as a gradient hook (``grad_hook=``): the trainer
stays on the floor below compression.

Examples
--------
>>> import numpy as np
>>> from eie_lab.nn.mlp import MLP
>>> rng = np.random.default_rng(0)
>>> y = rng.integers(0, 10, 256)
>>> x = (0.1 * rng.random((256, 20))).astype(np.float32)
>>> x[np.arange(256), y] += 1.0
>>> net = MLP((20, 32, 10), seed=0)  # a small stand-in for lenet300()
>>> hist = train(net, x, y, epochs=5, batch_size=32, lr=0.1, seed=0)
>>> len(hist.loss)
5
>>> evaluate(net, x, y) < 0.1
True
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from eie_lab.errors import ConfigError, fail_message
from eie_lab.nn.mlp import MLP
from eie_lab.progress import progress_bar
from eie_lab.random import as_rng

__all__ = ["train", "evaluate", "History", "GradHook"]

#: ``hook(codes, grad, k) -> (k,) codebook gradient`` for a shared-weight layer: the gradient of
#: each shared weight from the gradients of the weights that use it [DC §3.3, Eq. 3], e.g.
#: :func:`eie_lab.compression.quantize.reduce_gradients`.
GradHook = Callable[[np.ndarray, np.ndarray, int], np.ndarray]


@dataclass
class History:
    """Per-epoch record of a :func:`train` run (mean training loss, validation error or NaN).

    Examples
    --------
    >>> h = History(loss=[0.9, 0.4], val_error=[0.2, 0.1], seconds=1.5)
    >>> len(h.loss), h.val_error[-1]
    (2, 0.1)
    """

    loss: list[float] = field(default_factory=list)
    val_error: list[float] = field(default_factory=list)
    seconds: float = 0.0


def evaluate(model: MLP, x: np.ndarray, y: np.ndarray) -> float:
    """Error rate (0.0 ... 1.0) of ``model`` on ``(x, y)``.

    Examples
    --------
    >>> import numpy as np
    >>> from eie_lab.nn import lenet300, evaluate
    >>> 0.0 <= evaluate(lenet300(0), np.zeros((4, 784), np.float32), np.arange(4)) <= 1.0
    True
    """
    return model.error_rate(x, y)


def _lr_at(schedule: str, lr: float, step: int, total: int) -> float:
    if schedule == "constant":
        return lr
    if schedule == "cosine":
        return 0.5 * lr * (1.0 + math.cos(math.pi * step / max(1, total)))
    if schedule == "linear":
        return lr * (1.0 - step / max(1, total))
    raise ConfigError(fail_message("schedule", schedule, "must be 'cosine', 'linear' or 'constant'",
                                   "use schedule='cosine'"))


def train(model: MLP, x: np.ndarray, y: np.ndarray, *, epochs: int = 10, batch_size: int = 64,
          lr: float = 0.05, momentum: float = 0.9, weight_decay: float = 1e-4,
          schedule: str = "cosine", codebook_lr: float | None = None,
          grad_hook: GradHook | None = None,
          x_val: np.ndarray | None = None, y_val: np.ndarray | None = None,
          seed: int | np.random.Generator = 0, desc: str = "train",
          progress: bool | None = None) -> History:
    """Train ``model`` in place with minibatch SGD + momentum + L2; returns a :class:`History`.

    Parameters
    ----------
    model : MLP
        Trained in place; layer masks and shared-weight codebooks are honoured.
    x, y : numpy.ndarray
        Inputs ``(N, in)`` (float32) and integer labels ``(N,)``.
    epochs, batch_size : int
        Passes over the data and minibatch size (the data are reshuffled each epoch, seeded).
    lr, momentum, weight_decay : float
        Peak learning rate, momentum and L2 coefficient.
    schedule : {"cosine", "linear", "constant"}
        Learning-rate decay over all steps.
    codebook_lr : float, optional
        Learning rate of the codebooks in shared-weight mode (default: ``lr / 10``, because the
        reduced gradient is a sum over many weights).
    grad_hook : callable, optional
        ``grad_hook(codes, grad, k)`` turns a shared-weight layer's weight gradient into its
        codebook gradient (:data:`GradHook`; pass
        :func:`eie_lab.compression.quantize.reduce_gradients`). Needed when the model has
        shared-weight layers.
    x_val, y_val : numpy.ndarray, optional
        Evaluated after every epoch into ``History.val_error``.
    seed : int or numpy.random.Generator
        Seed of the shuffling.
    desc : str
        Progress bar label.
    progress : bool, optional
        Draw the progress bar; None follows ``EIE_LAB_PROGRESS``.

    Examples
    --------
    A tiny network; the mask keeps the pruned weights at exactly 0.0 through training:

    >>> from eie_lab.nn.mlp import MLP
    >>> x = np.random.default_rng(0).random((32, 4), dtype=np.float32)
    >>> y = (x[:, 0] > 0.5).astype(int)
    >>> net = MLP((4, 8, 2), seed=0)
    >>> net.set_masks({"ip1": np.eye(8, 4, dtype=bool)})
    >>> hist = train(net, x, y, epochs=3, batch_size=8, lr=0.1, x_val=x, y_val=y)
    >>> len(hist.loss), len(hist.val_error), int(np.count_nonzero(net.layer("ip1").W))
    (3, 3, 4)
    """
    x = np.ascontiguousarray(x, dtype=np.float32)
    y = np.asarray(y).astype(np.int64)
    if x.ndim != 2 or x.shape[0] != y.shape[0] or x.shape[1] != model.sizes[0]:
        raise ConfigError(fail_message("x.shape", x.shape,
                                       f"must be (N, {model.sizes[0]}) with N == len(y)",
                                       "flatten the images and pass matching labels"))
    for name, val, lo in (("epochs", epochs, 0), ("batch_size", batch_size, 1)):
        if int(val) != val or val < lo:
            raise ConfigError(fail_message(name, val, f"must be an int >= {lo}", "e.g. 10"))
    if not (lr > 0 and 0 <= momentum < 1 and weight_decay >= 0):
        raise ConfigError(fail_message("lr/momentum/weight_decay", (lr, momentum, weight_decay),
                                       "need lr > 0, 0 <= momentum < 1, weight_decay >= 0",
                                       "use lr=0.05, momentum=0.9, weight_decay=1e-4"))
    if grad_hook is None and any(layer.shared for layer in model.layers):
        raise ConfigError(fail_message("grad_hook", None, "is needed to train shared-weight layers",
                                       "pass grad_hook=eie_lab.compression.quantize."
                                       "reduce_gradients [DC Eq. 3]"))
    cb_lr = lr / 10.0 if codebook_lr is None else float(codebook_lr)
    rng = as_rng(seed)
    n = x.shape[0]
    steps_per_epoch = max(1, math.ceil(n / batch_size))
    total = steps_per_epoch * epochs
    vel = [(np.zeros_like(layer.codebook if layer.shared else layer.W), np.zeros_like(layer.b))
           for layer in model.layers]
    hist = History()
    t0 = time.perf_counter()
    bar = progress_bar(total=total, desc=desc, unit="step", progress=progress)
    step = 0
    try:
        for _ in range(epochs):
            order = rng.permutation(n)
            loss_sum = 0.0
            for s in range(0, n, batch_size):
                idx = order[s:s + batch_size]
                loss, grads = model.loss_and_grads(x[idx], y[idx])
                loss_sum += loss * idx.size
                rate = _lr_at(schedule, lr, step, total)
                for layer, (gW, gb), (vW, vb) in zip(model.layers, grads, vel):
                    if weight_decay:
                        gW += weight_decay * layer.W
                    if layer.shared:
                        k = layer.codebook.size
                        gc = np.asarray(grad_hook(layer.codes, gW, k), dtype=np.float32)
                        gc[0] = 0.0  # code 0 (weight 0.0) stays fixed
                        vW *= momentum
                        vW -= (cb_lr * rate / lr) * gc
                        layer.codebook += vW
                        layer.sync_shared()
                    else:
                        if layer.mask is not None:
                            gW *= layer.mask
                        vW *= momentum
                        vW -= rate * gW
                        layer.W += vW
                        if layer.mask is not None:
                            np.copyto(layer.W, 0.0, where=~layer.mask)
                            np.copyto(vW, 0.0, where=~layer.mask)
                    vb *= momentum
                    vb -= rate * gb
                    layer.b += vb
                step += 1
                bar.update(1)
            hist.loss.append(loss_sum / n)
            if x_val is not None and y_val is not None:
                hist.val_error.append(evaluate(model, x_val, y_val))
                bar.set_postfix_str(f"loss={hist.loss[-1]:.4f} val_err={hist.val_error[-1]:.2%}")
            else:
                hist.val_error.append(float("nan"))
                bar.set_postfix_str(f"loss={hist.loss[-1]:.4f}")
    finally:
        bar.close()
    hist.seconds = time.perf_counter() - t0
    return hist
