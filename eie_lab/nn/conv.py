"""Convolutional networks in plain float32 numpy: im2col convolutions, 2x2 max pooling, LeNet-5.

A convolution is a fully connected layer applied to every ``k x k`` patch of its input. *im2col*
copies the patches into the rows of a matrix (one row per output pixel, columns ordered
channel, kernel row, kernel column), so the whole layer is one BLAS matrix product with the
filters stored as a 2-D matrix ``W`` of shape ``(out_channels, in_channels*k*k)`` — the same
layout as a :class:`~eie_lab.nn.mlp.Dense` layer, rows are outputs. That is why a
:class:`Conv2D` *is* a ``Dense`` layer here (with a ``kernel`` size): masks, shared weights
(``W == codebook[codes]``), the trainer and the compressed model file treat both alike, and it is
the matrix EIE would see if a convolution were lowered to one matrix-vector product per output
pixel.

Activations are kept as ``(N, H, W, C)`` inside the network; inputs and the flattening before the
first fully connected layer use Caffe's ``(C, H, W)`` order, so ``ip1``'s columns mean what they
mean in Caffe's LeNet-5.

:func:`lenet5` builds the Caffe LeNet-5 of DC Table 3: conv 20@5x5, max pool 2x2, conv 50@5x5,
max pool 2x2, fully connected 500 + ReLU, fully connected 10 (430,500 weights; like Caffe's model
there is no ReLU after the convolutions).

Examples
--------
>>> import numpy as np
>>> net = lenet5(seed=0)
>>> [(layer.name, layer.W.shape) for layer in net.layers]
[('conv1', (20, 25)), ('conv2', (50, 500)), ('ip1', (500, 800)), ('ip2', (10, 500))]
>>> net.n_weights(), net.sizes, net.predict(np.zeros((2, 784), np.float32)).shape
(430500, (784, 11520, 3200, 500, 10), (2,))
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from eie_lab.errors import ConfigError, fail_message
from eie_lab.nn.mlp import Dense
from eie_lab.nn.network import Network, softmax_cross_entropy
from eie_lab.random import as_rng

__all__ = ["Conv2D", "ConvNet", "lenet5", "im2col", "col2im", "maxpool_forward",
           "maxpool_backward", "check_plan", "LENET5_NAMES", "LENET5_PLAN", "LENET5_INPUT"]

#: Weight layers of the Caffe LeNet-5 [DC Table 3].
LENET5_NAMES = ("conv1", "conv2", "ip1", "ip2")
#: Its forward plan: weight layers by name, ``"pool"`` (2x2 max, stride 2) and ``"relu"``.
LENET5_PLAN = ("conv1", "pool", "conv2", "pool", "ip1", "relu", "ip2")
#: Input shape ``(channels, height, width)`` (MNIST).
LENET5_INPUT = (1, 28, 28)
_OPS = ("pool", "relu")


@dataclass
class Conv2D(Dense):
    """A 2-D convolution (stride 1, no padding) with filters stored as a matrix.

    ``W`` has shape ``(out_channels, in_channels * kernel**2)``: row ``o`` is filter ``o``
    flattened in (channel, kernel row, kernel column) order; ``b`` is ``(out_channels,)``.
    Masks and shared weights work as in :class:`~eie_lab.nn.mlp.Dense`.

    Examples
    --------
    >>> layer = Conv2D("conv", np.ones((2, 3 * 9), np.float32), np.zeros(2, np.float32), kernel=3)
    >>> layer.in_channels, layer.out_channels, layer.filters().shape
    (3, 2, (2, 3, 3, 3))
    """

    kernel: int = 1

    @property
    def in_channels(self) -> int:
        """Input channels."""
        return self.W.shape[1] // (self.kernel * self.kernel)

    @property
    def out_channels(self) -> int:
        """Output channels (filters)."""
        return self.W.shape[0]

    def filters(self) -> np.ndarray:
        """``W`` as ``(out_channels, in_channels, kernel, kernel)`` (a view)."""
        return self.W.reshape(self.out_channels, self.in_channels, self.kernel, self.kernel)

    def copy(self) -> Conv2D:
        """Deep copy."""
        cp = lambda a: None if a is None else a.copy()  # noqa: E731
        return Conv2D(self.name, self.W.copy(), self.b.copy(), cp(self.mask), cp(self.codebook),
                      cp(self.codes), self.kernel)


# ---------------------------------------------------------------------- building blocks
def im2col(x: np.ndarray, k: int) -> np.ndarray:
    """Patches of ``x`` ``(N, H, W, C)`` as rows: ``(N*(H-k+1)*(W-k+1), C*k*k)``.

    Row ``(n, i, j)`` holds the ``k x k`` patch whose top-left corner is pixel ``(i, j)`` of
    image ``n``, in (channel, kernel row, kernel column) order; built from a strided view
    (:func:`numpy.lib.stride_tricks.sliding_window_view`) with one copy.

    Examples
    --------
    >>> x = np.arange(9.0).reshape(1, 3, 3, 1)
    >>> im2col(x, 2)
    array([[0., 1., 3., 4.],
           [1., 2., 4., 5.],
           [3., 4., 6., 7.],
           [4., 5., 7., 8.]])
    """
    n, h, w, c = x.shape
    win = sliding_window_view(x, (k, k), axis=(1, 2))  # (N, Ho, Wo, C, k, k), no copy
    return win.reshape(n * (h - k + 1) * (w - k + 1), c * k * k)


def col2im(cols: np.ndarray, x_shape: tuple[int, int, int, int], k: int) -> np.ndarray:
    """Adjoint of :func:`im2col`: add each row's patch back into an ``(N, H, W, C)`` array.

    Examples
    --------
    >>> col2im(np.ones((4, 4)), (1, 3, 3, 1), 2)[0, :, :, 0]  # how many patches cover a pixel
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    n, h, w, c = x_shape
    ho, wo = h - k + 1, w - k + 1
    d6 = cols.reshape(n, ho, wo, c, k, k)
    dx = np.zeros(x_shape, dtype=cols.dtype)
    for i in range(k):
        for j in range(k):
            dx[:, i:i + ho, j:j + wo, :] += d6[:, :, :, :, i, j]
    return dx


def maxpool_forward(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """2x2 max pooling with stride 2 of ``x`` ``(N, H, W, C)`` (H, W even).

    Returns the pooled ``(N, H/2, W/2, C)`` array and the position (0..3, row-major in the 2x2
    window) of each maximum; on ties the first position wins, so the gradient goes to one input.

    Examples
    --------
    >>> x = np.array([1.0, 5, 2, 2, 0, 3, 2, 2]).reshape(1, 2, 4, 1)
    >>> out, where = maxpool_forward(x)
    >>> out[0, :, :, 0].tolist(), where[0, :, :, 0].tolist()
    ([[5.0, 2.0]], [[1, 0]])
    """
    n, h, w, c = x.shape
    win = x.reshape(n, h // 2, 2, w // 2, 2, c).transpose(0, 1, 3, 5, 2, 4)
    win = win.reshape(n, h // 2, w // 2, c, 4)
    where = win.argmax(axis=-1)
    return np.take_along_axis(win, where[..., None], axis=-1)[..., 0], where


def maxpool_backward(dout: np.ndarray, where: np.ndarray,
                     x_shape: tuple[int, int, int, int]) -> np.ndarray:
    """Gradient of :func:`maxpool_forward`: each output's gradient goes to its maximum.

    Examples
    --------
    >>> x = np.array([1.0, 5, 2, 2, 0, 3, 2, 2]).reshape(1, 2, 4, 1)
    >>> out, where = maxpool_forward(x)
    >>> maxpool_backward(np.ones_like(out), where, x.shape)[0, :, :, 0]
    array([[0., 1., 1., 0.],
           [0., 0., 0., 0.]])
    """
    n, h, w, c = x_shape
    d = np.zeros((n, h // 2, w // 2, c, 4), dtype=dout.dtype)
    np.put_along_axis(d, where[..., None], dout[..., None], axis=-1)
    return d.reshape(n, h // 2, w // 2, c, 2, 2).transpose(0, 1, 4, 2, 5, 3).reshape(x_shape)


def check_plan(input_shape: Sequence[int], plan: Sequence[str],
               shapes: Mapping[str, tuple[int, int]], kernels: Mapping[str, int]) -> list[int]:
    """Check that a plan fits its layers' shapes; returns the flattened widths (see ``sizes``).

    ``shapes`` maps every weight layer to its ``W`` shape, ``kernels`` every convolution to its
    kernel size (the other layers are fully connected). Raises :class:`ConfigError` naming the
    first misfit (a filter matrix with the wrong number of columns, a pool on an odd size, a
    convolution after the flattening, a layer missing or used twice, a spatial output).

    Examples
    --------
    >>> check_plan((1, 8, 8), ["c", "pool", "fc"], {"c": (4, 9), "fc": (3, 36)}, {"c": 3})
    [64, 144, 3]
    >>> try:
    ...     check_plan((1, 8, 8), ["c", "fc"], {"c": (4, 9), "fc": (3, 36)}, {"c": 3})
    ... except ValueError as exc:  # a ConfigError
    ...     print(str(exc).splitlines()[0])
    fc.W.shape=(3, 36) is invalid: must have 144 columns (the flattened input)
    """
    if len(input_shape) != 3 or min(int(s) for s in input_shape) < 1:
        raise ConfigError(fail_message("input_shape", tuple(input_shape),
                                       "must be 3 positive ints (channels, height, width)",
                                       "use (1, 28, 28) for MNIST"))
    c, h, w = (int(s) for s in input_shape)
    flat: int | None = None
    widths = [c * h * w]
    used = [op for op in plan if op not in _OPS]
    if sorted(used) != sorted(shapes) or len(set(used)) != len(used):
        raise ConfigError(fail_message("plan", list(plan),
                                       f"must use each weight layer {sorted(shapes)} exactly once",
                                       "list every layer name once, with 'pool'/'relu' between"))
    for op in plan:
        if op == "relu":
            continue
        if op == "pool":
            if flat is not None or h % 2 or w % 2:
                raise ConfigError(fail_message("pool input", (c, h, w) if flat is None else flat,
                                               "must be a feature map of even height and width",
                                               "pool only even-sized maps, before the flattening"))
            h, w = h // 2, w // 2
            continue
        rows, cols = (int(s) for s in shapes[op])
        if op in kernels:
            k = int(kernels[op])
            if flat is not None or k < 1 or k > min(h, w) or cols != c * k * k:
                raise ConfigError(fail_message(f"{op}.W.shape", (rows, cols),
                                               f"must be (out, {c}*{k}*{k}) for a {k}x{k} kernel "
                                               f"on a {c}x{h}x{w} map",
                                               "match the filters to the previous layer"))
            c, h, w = rows, h - k + 1, w - k + 1
            widths.append(c * h * w)
        else:
            width = c * h * w if flat is None else flat
            if cols != width:
                raise ConfigError(fail_message(f"{op}.W.shape", (rows, cols),
                                               f"must have {width} columns (the flattened input)",
                                               "match the layer to the previous one"))
            flat = rows
            widths.append(rows)
    if flat is None:
        raise ConfigError(fail_message("plan", list(plan), "must end with a fully connected layer",
                                       "add a classifier layer"))
    return widths


# ---------------------------------------------------------------------- the network
class ConvNet(Network):
    """A feed-forward network of convolutions, 2x2 max pools, ReLUs and fully connected layers.

    Parameters
    ----------
    layers : sequence of Dense / Conv2D
        The weight layers, in forward order (used as given, not copied).
    plan : sequence of str
        The forward order: layer names, ``"pool"`` and ``"relu"``; the map is flattened
        (in (C, H, W) order) before the first fully connected layer.
    input_shape : tuple of int
        ``(channels, height, width)``; inputs arrive flattened as ``(N, C*H*W)``.
    meta : dict, optional
        Free-form facts (e.g. ``test_error`` of a cached baseline).

    Examples
    --------
    A tiny convolutional net; its gradients have the shapes of its weight matrices:

    >>> rng = np.random.default_rng(0)
    >>> conv = Conv2D("c", rng.standard_normal((2, 9), np.float32), np.zeros(2, np.float32),
    ...               kernel=3)
    >>> fc = Dense("fc", rng.standard_normal((3, 18), np.float32), np.zeros(3, np.float32))
    >>> net = ConvNet([conv, fc], ["c", "pool", "relu", "fc"], (1, 8, 8))
    >>> loss, grads = net.loss_and_grads(rng.random((4, 64), np.float32), np.array([0, 1, 2, 0]))
    >>> [g[0].shape for g in grads], net.sizes
    ([(2, 9), (3, 18)], (64, 72, 3))
    """

    def __init__(self, layers: Sequence[Dense], plan: Sequence[str],
                 input_shape: Sequence[int] = LENET5_INPUT, meta: dict | None = None) -> None:
        self.layers = list(layers)
        self.plan = tuple(str(op) for op in plan)
        self.input_shape = tuple(int(s) for s in input_shape)
        self.meta = dict(meta or {})
        self._widths = check_plan(self.input_shape, self.plan,
                                  {layer.name: layer.W.shape for layer in self.layers},
                                  self.kernels)
        order = [op for op in self.plan if op not in _OPS]
        if order != self.names:
            raise ConfigError(fail_message("layers", self.names, f"must follow the plan {order}",
                                           "pass the layers in forward order"))

    # ------------------------------------------------------------------ structure
    @property
    def kernels(self) -> dict[str, int]:
        """``{convolution name: kernel size}``."""
        return {layer.name: int(layer.kernel) for layer in self.layers
                if isinstance(layer, Conv2D)}

    @property
    def sizes(self) -> tuple[int, ...]:
        """Flattened widths: the input, then the output of each weight layer."""
        return tuple(self._widths)

    @property
    def architecture(self) -> dict:
        """What rebuilds the network from its layers: JSON-ready ``input_shape``, ``plan``,
        ``kernels`` (see :meth:`from_architecture`)."""
        return {"kind": "convnet", "input_shape": list(self.input_shape),
                "plan": list(self.plan), "kernels": self.kernels}

    @classmethod
    def from_architecture(cls, architecture: Mapping, layers: Sequence[Dense],
                          meta: dict | None = None) -> ConvNet:
        """The network of :attr:`architecture` made of ``layers`` (plain ``Dense`` layers named
        in ``kernels`` become :class:`Conv2D`)."""
        kernels = {str(k): int(v) for k, v in dict(architecture.get("kernels", {})).items()}
        built = []
        for layer in layers:
            if layer.name in kernels and not isinstance(layer, Conv2D):
                layer = Conv2D(layer.name, layer.W, layer.b, layer.mask, layer.codebook,
                               layer.codes, kernels[layer.name])
            built.append(layer)
        return cls(built, architecture["plan"], architecture["input_shape"], meta)

    # ------------------------------------------------------------------ maths
    def forward(self, x: np.ndarray, return_hidden: bool = False):
        """Logits for a batch ``x`` of shape ``(N, C*H*W)``; optionally the tape for backward.

        Computed in the dtype of the first layer's ``W`` (float32 normally; float64 in the
        finite-difference tests).
        """
        dtype = self.layers[0].W.dtype
        n = x.shape[0]
        c, hh, ww = self.input_shape
        h = np.asarray(x, dtype=dtype).reshape(n, c, hh, ww).transpose(0, 2, 3, 1)
        tape: list[tuple] = []
        by_name = {layer.name: layer for layer in self.layers}
        for op in self.plan:
            if op == "pool":
                shape = h.shape
                h, where = maxpool_forward(h)
                if return_hidden:
                    tape.append(("pool", shape, where))
            elif op == "relu":
                np.maximum(h, 0.0, out=h)
                if return_hidden:
                    tape.append(("relu", h))
            elif isinstance(by_name[op], Conv2D):
                layer = by_name[op]
                k = layer.kernel
                cols = im2col(h, k)
                out = cols @ layer.W.T
                out += layer.b
                if return_hidden:
                    tape.append(("conv", layer, cols, h.shape))
                h = out.reshape(n, h.shape[1] - k + 1, h.shape[2] - k + 1, layer.out_channels)
            else:
                layer = by_name[op]
                if h.ndim == 4:
                    if return_hidden:
                        tape.append(("flatten", h.shape))
                    h = h.transpose(0, 3, 1, 2).reshape(n, -1)
                if return_hidden:
                    tape.append(("dense", layer, h))
                h = h @ layer.W.T
                h += layer.b
        return (h, tape) if return_hidden else h

    def loss_and_grads(self, x: np.ndarray, y: np.ndarray
                       ) -> tuple[float, list[tuple[np.ndarray, np.ndarray]]]:
        """Mean softmax cross-entropy on ``(x, y)`` and its gradients ``[(dW, db), ...]``.

        ``dW`` has the shape of the layer's 2-D ``W``; the gradient with respect to the input is
        never formed (the first weight layer stops the backward pass).
        """
        logits, tape = self.forward(x, return_hidden=True)
        loss, d = softmax_cross_entropy(logits, y)
        grads: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        first = min(i for i, t in enumerate(tape) if t[0] in ("conv", "dense"))
        for i in range(len(tape) - 1, first - 1, -1):
            kind = tape[i][0]
            if kind == "dense":
                _, layer, h = tape[i]
                grads[layer.name] = (d.T @ h, d.sum(axis=0))
                if i > first:
                    d = d @ layer.W
            elif kind == "conv":
                _, layer, cols, shape = tape[i]
                d2 = d.reshape(-1, layer.out_channels)
                grads[layer.name] = (d2.T @ cols, d2.sum(axis=0))
                if i > first:
                    d = col2im(d2 @ layer.W, shape, layer.kernel)
            elif kind == "relu":
                d *= tape[i][1] > 0
            elif kind == "pool":
                _, shape, where = tape[i]
                d = maxpool_backward(d, where, shape)
            else:  # flatten
                n, hh, ww, c = tape[i][1]
                d = d.reshape(n, c, hh, ww).transpose(0, 2, 3, 1)
        return loss, [grads[layer.name] for layer in self.layers]

    def predict(self, x: np.ndarray, batch_size: int = 500) -> np.ndarray:
        """Predicted class per row of ``x`` (batches of 500: the patch matrices stay small)."""
        return super().predict(x, batch_size=batch_size)

    # ------------------------------------------------------------------ (de)serialisation
    def to_arrays(self) -> dict[str, np.ndarray]:
        """Weights, biases and the architecture (JSON) as a flat dict for ``np.savez``."""
        out: dict[str, np.ndarray] = {"names": np.array(self.names),
                                      "architecture": np.array(json.dumps(self.architecture))}
        for layer in self.layers:
            out[f"{layer.name}.W"] = layer.W
            out[f"{layer.name}.b"] = layer.b
        return out

    @classmethod
    def from_arrays(cls, arrays) -> ConvNet:
        """Inverse of :meth:`to_arrays`."""
        names = [str(n) for n in arrays["names"]]
        layers = [Dense(n, np.asarray(arrays[f"{n}.W"], np.float32).copy(),
                        np.asarray(arrays[f"{n}.b"], np.float32).copy()) for n in names]
        return cls.from_architecture(json.loads(str(arrays["architecture"])), layers)


def lenet5(seed: int | np.random.Generator = 0) -> ConvNet:
    """A freshly initialised Caffe LeNet-5 (see the module docstring) for 28x28 MNIST images.

    Weights are drawn from Caffe's "xavier" filler, uniform in ``+-sqrt(3 / fan_in)``; biases
    start at 0.

    Examples
    --------
    >>> net = lenet5(seed=0)
    >>> net.names, net.kernels, net.plan[:3]
    (['conv1', 'conv2', 'ip1', 'ip2'], {'conv1': 5, 'conv2': 5}, ('conv1', 'pool', 'conv2'))
    """
    rng = as_rng(seed)
    layers: list[Dense] = []
    for name, n_out, n_in, k in (("conv1", 20, 1, 5), ("conv2", 50, 20, 5), ("ip1", 500, 800, 0),
                                 ("ip2", 10, 500, 0)):
        fan_in = n_in * k * k if k else n_in
        bound = np.sqrt(3.0 / fan_in)
        W = rng.uniform(-bound, bound, size=(n_out, fan_in)).astype(np.float32)
        b = np.zeros(n_out, np.float32)
        layers.append(Conv2D(name, W, b, kernel=k) if k else Dense(name, W, b))
    return ConvNet(layers, LENET5_PLAN, LENET5_INPUT)
