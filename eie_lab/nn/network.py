"""What every network of :mod:`eie_lab.nn` shares: named weight layers, masks, shared weights.

A network is a list of *weight layers* (:class:`~eie_lab.nn.mlp.Dense` and its subclasses), each
with a ``name``, a 2-D weight matrix ``W`` (rows are outputs), a bias ``b``, an optional boolean
``mask`` and, in shared-weight mode, a ``codebook`` and ``codes``. :class:`Network` holds the
operations that only look at that list (find a layer, attach masks, switch a layer to shared
weights, copy, predict); a subclass adds the maths (``forward``, ``loss_and_grads``), the input
width ``sizes[0]`` the trainer checks, and its (de)serialisation. The trainer
(:func:`eie_lab.nn.train.train`) and the compression pipeline work on this interface only, so
LeNet-300-100 (:class:`~eie_lab.nn.mlp.MLP`) and LeNet-5 (:class:`~eie_lab.nn.conv.ConvNet`) are
pruned, shared and coded the same way.

Examples
--------
>>> import numpy as np
>>> from eie_lab.nn.mlp import MLP
>>> net = MLP((4, 3, 2), seed=0)
>>> isinstance(net, Network), net.names, net.n_weights()
(True, ['ip1', 'ip2'], 18)
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np

from eie_lab.errors import ConfigError, fail_message

__all__ = ["Network", "softmax_cross_entropy"]

_N = TypeVar("_N", bound="Network")


class Network:
    """Base class: a sequence of named weight layers and the operations on it.

    Subclasses set ``self.layers`` (weight layers in forward order) and ``self.meta`` and define
    ``forward(x)`` (logits of a batch of flattened inputs), ``loss_and_grads(x, y)`` and
    ``sizes`` (input width first).

    Examples
    --------
    >>> from eie_lab.nn.mlp import MLP
    >>> net = MLP((4, 3, 2), seed=0)
    >>> net.set_masks({"ip1": np.eye(3, 4, dtype=bool)})  # pruned weights become exactly 0.0
    >>> int(np.count_nonzero(net.layer("ip1").W)), net.copy().layer("ip1").mask.sum()
    (3, np.int64(3))
    """

    layers: list
    meta: dict

    # ------------------------------------------------------------------ structure
    @property
    def names(self) -> list[str]:
        """Layer names."""
        return [layer.name for layer in self.layers]

    def layer(self, name: str):
        """The layer called ``name``."""
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ConfigError(fail_message("name", name, f"is not a layer ({self.names})",
                                       "use one of the listed names"))

    @property
    def architecture(self) -> dict | None:
        """What a saved model needs, beyond its layers, to rebuild this network (JSON-ready);
        ``None`` for a plain chain of fully connected ReLU layers."""
        return None

    def n_weights(self) -> int:
        """Number of weights (biases excluded), as in DC Tables 2 and 3."""
        return int(sum(layer.W.size for layer in self.layers))

    def _clone_with(self: _N, layers: list) -> _N:
        """A network of the same kind and structure made of ``layers`` (subclasses extend)."""
        new = self.__class__.__new__(self.__class__)
        new.__dict__.update(self.__dict__)
        new.layers, new.meta = list(layers), dict(self.meta)
        return new

    def copy(self: _N) -> _N:
        """Deep copy of the network."""
        return self._clone_with([layer.copy() for layer in self.layers])

    def weights(self) -> dict[str, np.ndarray]:
        """``{layer name: W}`` (the arrays themselves, not copies)."""
        return {layer.name: layer.W for layer in self.layers}

    def with_weights(self: _N, weights: dict[str, np.ndarray]) -> _N:
        """A copy whose layers named in ``weights`` get those weight matrices (biases kept)."""
        new = self.copy()
        for layer in new.layers:
            if layer.name in weights:
                w = np.asarray(weights[layer.name], dtype=np.float32)
                if w.shape != layer.W.shape:
                    raise ConfigError(fail_message(f"weights[{layer.name!r}].shape", w.shape,
                                                   f"must be {layer.W.shape}", "keep the shape"))
                layer.W, layer.mask, layer.codebook, layer.codes = w.copy(), None, None, None
        return new

    def set_masks(self, masks: dict[str, np.ndarray] | None) -> None:
        """Attach boolean masks (``None`` removes them) and zero the pruned weights exactly."""
        for layer in self.layers:
            m = None if masks is None else masks.get(layer.name)
            if m is None:
                layer.mask = None
                continue
            m = np.asarray(m, dtype=bool)
            if m.shape != layer.W.shape:
                raise ConfigError(fail_message(f"masks[{layer.name!r}].shape", m.shape,
                                               f"must equal the weight shape {layer.W.shape}",
                                               "build the mask from this layer's W"))
            layer.mask = m.copy()
            np.copyto(layer.W, 0.0, where=~m)

    def set_shared(self, name: str, codebook: np.ndarray, codes: np.ndarray) -> None:
        """Put layer ``name`` in shared-weight mode: ``W = codebook[codes]``."""
        layer = self.layer(name)
        codes = np.asarray(codes)
        codebook = np.asarray(codebook, dtype=np.float32)
        if codes.shape != layer.W.shape:
            raise ConfigError(fail_message("codes.shape", codes.shape,
                                           f"must equal the weight shape {layer.W.shape}",
                                           "pass the codes returned by share_weights(W)"))
        if codes.size and (codes.min() < 0 or codes.max() >= codebook.size):
            raise ConfigError(fail_message("codes", f"range [{codes.min()}, {codes.max()}]",
                                           f"must index the codebook of size {codebook.size}",
                                           "pass matching codebook and codes"))
        layer.codebook = codebook.copy()
        layer.codes = codes.astype(np.intp if codebook.size > 256 else np.uint8)
        layer.sync_shared()

    # ------------------------------------------------------------------ maths
    def forward(self, x: np.ndarray, return_hidden: bool = False):  # pragma: no cover - abstract
        """Logits for a batch of flattened inputs (defined by each network)."""
        raise NotImplementedError

    def predict(self, x: np.ndarray, batch_size: int = 10000) -> np.ndarray:
        """Predicted class per row of ``x``."""
        x = np.asarray(x, dtype=np.float32)
        out = np.empty(x.shape[0], dtype=np.int64)
        for s in range(0, x.shape[0], batch_size):
            out[s:s + batch_size] = self.forward(x[s:s + batch_size]).argmax(axis=1)
        return out

    def error_rate(self, x: np.ndarray, y: np.ndarray) -> float:
        """Fraction of misclassified rows (0.0 ... 1.0)."""
        return float(np.mean(self.predict(x) != np.asarray(y)))


def softmax_cross_entropy(logits: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean softmax cross-entropy of ``logits`` ``(N, classes)`` and its gradient (in place).

    ``logits`` is overwritten by the gradient ``(softmax - onehot(y)) / N``.

    Examples
    --------
    >>> z = np.zeros((2, 4), np.float32)
    >>> loss, d = softmax_cross_entropy(z, np.array([0, 3]))
    >>> round(loss, 4) == round(float(np.log(4)), 4), d[0].tolist()
    (True, [-0.375, 0.125, 0.125, 0.125])
    """
    n = logits.shape[0]
    logits -= logits.max(axis=1, keepdims=True)
    np.exp(logits, out=logits)
    logits /= logits.sum(axis=1, keepdims=True)
    p_true = logits[np.arange(n), y]
    loss = float(-np.mean(np.log(np.maximum(p_true, 1e-30))))
    logits[np.arange(n), y] -= 1.0
    logits /= n
    return loss, logits
