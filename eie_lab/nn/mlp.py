"""A fully connected ReLU network (LeNet-300-100) in plain float32 numpy.

Each layer keeps its weights ``W`` with shape ``(out, in)`` — rows are outputs, the EIE convention —
and a bias ``b`` of shape ``(out,)``. A layer can carry a boolean ``mask`` (``True`` = connection
kept; pruned weights stay exactly zero) and, in *shared-weight* mode, a ``codebook`` plus integer
``codes`` so that ``W == codebook[codes]`` [DC §3].

Examples
--------
>>> import numpy as np
>>> from eie_lab.nn.mlp import lenet300
>>> net = lenet300(seed=0)
>>> [(layer.name, layer.W.shape) for layer in net.layers]
[('ip1', (300, 784)), ('ip2', (100, 300)), ('ip3', (10, 100))]
>>> net.predict(np.zeros((2, 784), np.float32)).shape
(2,)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from eie_lab.errors import ConfigError, fail_message
from eie_lab.nn.network import Network, softmax_cross_entropy
from eie_lab.random import as_rng

__all__ = ["Dense", "MLP", "lenet300", "LENET300_SIZES", "LENET300_NAMES"]

#: Layer widths of LeNet-300-100 [DC Table 2].
LENET300_SIZES = (784, 300, 100, 10)
#: Layer names used in DC Table 2.
LENET300_NAMES = ("ip1", "ip2", "ip3")


@dataclass
class Dense:
    """One fully connected layer ``y = W x + b`` (``W`` is ``(out, in)``).

    ``mask`` (bool, same shape as ``W``) marks kept connections; ``codebook``/``codes`` switch the
    layer to shared weights (``W`` is kept equal to ``codebook[codes]``).

    Examples
    --------
    >>> layer = Dense("fc", np.zeros((2, 3), np.float32), np.zeros(2, np.float32),
    ...               codebook=np.array([0.0, 0.5]), codes=np.array([[0, 1, 1], [1, 0, 0]]))
    >>> layer.sync_shared()
    >>> layer.shared, layer.W
    (True, array([[0. , 0.5, 0.5],
                  [0.5, 0. , 0. ]], dtype=float32))
    """

    name: str
    W: np.ndarray
    b: np.ndarray
    mask: np.ndarray | None = None
    codebook: np.ndarray | None = None
    codes: np.ndarray | None = None

    @property
    def shared(self) -> bool:
        """Whether the layer is in shared-weight mode."""
        return self.codebook is not None

    def sync_shared(self) -> None:
        """Recompute ``W = codebook[codes]`` (shared-weight mode only)."""
        if self.codebook is not None and self.codes is not None:
            self.W = self.codebook.astype(np.float32)[self.codes]

    def copy(self) -> Dense:
        """Deep copy."""
        cp = lambda a: None if a is None else a.copy()  # noqa: E731
        return Dense(self.name, self.W.copy(), self.b.copy(), cp(self.mask), cp(self.codebook),
                     cp(self.codes))


class MLP(Network):
    """A ReLU multilayer perceptron with a softmax cross-entropy loss.

    Parameters
    ----------
    sizes : sequence of int
        Widths, input first (LeNet-300-100: ``(784, 300, 100, 10)``).
    names : sequence of str, optional
        One name per layer (default ``ip1``, ``ip2``...).
    seed : int or numpy.random.Generator
        Seed of the He-uniform initialisation.

    Examples
    --------
    >>> net = MLP((4, 3, 2), seed=0)
    >>> net.sizes, net.names, net.n_weights()
    ((4, 3, 2), ['ip1', 'ip2'], 18)
    >>> net.set_masks({"ip1": np.eye(3, 4, dtype=bool)})  # pruned weights become exactly 0.0
    >>> int(np.count_nonzero(net.layer("ip1").W))
    3
    >>> loss, grads = net.loss_and_grads(np.ones((5, 4), np.float32), np.zeros(5, int))
    >>> [dW.shape for dW, db in grads], net.predict(np.ones((2, 4))).shape
    ([(3, 4), (2, 3)], (2,))
    """

    def __init__(self, sizes: Sequence[int] = LENET300_SIZES, names: Sequence[str] | None = None,
                 seed: int | np.random.Generator = 0) -> None:
        sizes = [int(s) for s in sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ConfigError(fail_message("sizes", sizes, "needs >= 2 positive widths",
                                           "use e.g. (784, 300, 100, 10)"))
        names = list(names) if names is not None else [f"ip{i + 1}" for i in range(len(sizes) - 1)]
        if len(names) != len(sizes) - 1:
            raise ConfigError(fail_message("names", names, f"needs {len(sizes) - 1} names",
                                           "give one name per layer"))
        rng = as_rng(seed)
        #: Free-form facts about the model (e.g. ``test_error`` of a cached baseline).
        self.meta: dict = {}
        self.layers: list[Dense] = []
        for name, n_in, n_out in zip(names, sizes[:-1], sizes[1:]):
            bound = np.sqrt(6.0 / n_in)
            W = rng.uniform(-bound, bound, size=(n_out, n_in)).astype(np.float32)
            self.layers.append(Dense(name, W, np.zeros(n_out, np.float32)))

    # ------------------------------------------------------------------ structure
    @property
    def sizes(self) -> tuple[int, ...]:
        """Layer widths, input first."""
        return (self.layers[0].W.shape[1],) + tuple(layer.W.shape[0] for layer in self.layers)

    @classmethod
    def from_layers(cls, layers: Sequence[Dense], meta: dict | None = None) -> MLP:
        """A network made of ``layers`` as given (no initialisation, no copies)."""
        new = cls.__new__(cls)
        new.layers, new.meta = list(layers), dict(meta or {})
        return new

    # ------------------------------------------------------------------ maths
    def forward(self, x: np.ndarray, return_hidden: bool = False):
        """Logits for a batch ``x`` of shape ``(N, in)``; optionally the list of layer inputs."""
        h = np.asarray(x, dtype=np.float32)
        inputs = []
        for i, layer in enumerate(self.layers):
            inputs.append(h)
            h = h @ layer.W.T
            h += layer.b
            if i < len(self.layers) - 1:
                np.maximum(h, 0.0, out=h)
        return (h, inputs) if return_hidden else h

    def loss_and_grads(self, x: np.ndarray, y: np.ndarray
                       ) -> tuple[float, list[tuple[np.ndarray, np.ndarray]]]:
        """Mean softmax cross-entropy on ``(x, y)`` and its gradients ``[(dW, db), ...]``."""
        logits, inputs = self.forward(x, return_hidden=True)
        loss, d = softmax_cross_entropy(logits, y)
        grads: list[tuple[np.ndarray, np.ndarray]] = []
        for i in range(len(self.layers) - 1, -1, -1):
            layer, h = self.layers[i], inputs[i]
            grads.append((d.T @ h, d.sum(axis=0)))
            if i > 0:
                d = d @ layer.W
                d *= h > 0
        grads.reverse()
        return loss, grads

    # ------------------------------------------------------------------ (de)serialisation
    def to_arrays(self) -> dict[str, np.ndarray]:
        """Weights and biases as a flat dict (``"ip1.W"``, ``"ip1.b"``...) for ``np.savez``."""
        out: dict[str, np.ndarray] = {"sizes": np.array(self.sizes, dtype=np.int64),
                                      "names": np.array(self.names)}
        for layer in self.layers:
            out[f"{layer.name}.W"] = layer.W
            out[f"{layer.name}.b"] = layer.b
        return out

    @classmethod
    def from_arrays(cls, arrays) -> MLP:
        """Inverse of :meth:`to_arrays`."""
        names = [str(n) for n in arrays["names"]]
        return cls.from_layers([Dense(n, np.asarray(arrays[f"{n}.W"], np.float32).copy(),
                                      np.asarray(arrays[f"{n}.b"], np.float32).copy())
                                for n in names])


def lenet300(seed: int | np.random.Generator = 0) -> MLP:
    """A freshly initialised LeNet-300-100 (784-300-100-10) with layers ``ip1``-``ip3``.

    Examples
    --------
    >>> net = lenet300(seed=0)
    >>> net.sizes, net.names, net.n_weights()
    ((784, 300, 100, 10), ['ip1', 'ip2', 'ip3'], 266200)
    """
    return MLP(LENET300_SIZES, LENET300_NAMES, seed=seed)
