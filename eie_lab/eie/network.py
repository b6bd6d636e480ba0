"""Multi-layer runs on EIE: ReLU between layers, ping-pong activation registers, folded biases.

EIE keeps two activation register files per PE, a *source* and a *destination*; a layer reads
its input from the source file and accumulates its outputs in the destination file, then the
two swap roles for the next layer [EIE §IV "Activation Read/Write"]. Because output i and input
i of the next layer both live in PE ``i % N``, no data moves between layers. A bias is folded
into W as an extra column whose input is a constant 1 ([EIE §III-B]), so it costs
one extra broadcast per layer.

Examples
--------
>>> import numpy as np
>>> from eie_lab.eie import EIEConfig
>>> from eie_lab.eie.network import encode_network, run_network
>>> rng = np.random.default_rng(0)
>>> Ws = [np.where(rng.random((6, 8)) < .5, rng.normal(size=(6, 8)), 0), rng.normal(size=(3, 6))]
>>> net = encode_network(Ws, biases=[np.ones(6), np.zeros(3)], config=EIEConfig(n_pe=2))
>>> x = np.abs(rng.normal(size=8))
>>> out = run_network(net, x)
>>> bool(np.allclose(out.y, net.reference(x)))
True
>>> [r.shape for r in net.layers], out.register_files
([(6, 9), (3, 7)], [(0, 1), (1, 0)])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from eie_lab.eie.config import EIEConfig
from eie_lab.eie.encoding import EncodedLayer, check_matrix, encode
from eie_lab.eie.engine import check_activations, simulate
from eie_lab.eie.results import SimResult
from eie_lab.errors import EncodingError, fail_message
from eie_lab.quantizer import quantize_to_codebook

__all__ = ["EIENetwork", "NetworkResult", "encode_network", "run_network", "network_from_mlp"]


@dataclass(frozen=True, eq=False)
class EIENetwork:
    """Encoded layers of a fully connected ReLU network (biases folded in as a last column).

    Attributes
    ----------
    layers : list of EncodedLayer
        Layer l has shape (m_l, n_l + 1) when it has a bias, else (m_l, n_l).
    has_bias : list of bool
        Whether layer l has a folded bias column.
    config : EIEConfig
        The configuration every layer was encoded for.

    Examples
    --------
    >>> import numpy as np
    >>> from eie_lab.eie import EIEConfig, encode_network
    >>> net = encode_network([np.array([[1.0, -1.0], [0.0, 2.0]])], [np.array([0.5, 0.0])],
    ...                      EIEConfig(n_pe=2), codebooks=[np.r_[0.0, -7:0, 1:9]],
    ...                      codes=[np.array([[8, 7], [0, 9]])])
    >>> net.sizes, net.has_bias, net.layers[0].shape
    ([2, 2], [True], (2, 3))
    >>> net.reference(np.array([1.0, 1.0])).tolist()   # 0.5 is quantised to the code of 1.0
    [1.0, 2.0]
    """

    layers: list[EncodedLayer]
    has_bias: list[bool]
    config: EIEConfig

    @property
    def sizes(self) -> list[int]:
        """Input width followed by each layer's output width."""
        first = self.layers[0].shape[1] - int(self.has_bias[0])
        return [first] + [layer.shape[0] for layer in self.layers]

    def reference(self, x: np.ndarray, relu_last: bool = False) -> np.ndarray:
        """The same network in plain numpy (quantised weights): the oracle for tests."""
        h = np.asarray(x, dtype=np.float64)
        for i, (layer, bias) in enumerate(zip(self.layers, self.has_bias)):
            inp = np.append(h, 1.0) if bias else h
            h = layer.decode() @ inp
            if i < len(self.layers) - 1 or relu_last:
                h = np.maximum(h, 0.0)
        return h


@dataclass(frozen=True, eq=False)
class NetworkResult:
    """Outcome of :func:`run_network`.

    Attributes
    ----------
    y : numpy.ndarray
        Output of the last layer.
    results : list of SimResult
        One per layer.
    activations : list of numpy.ndarray
        Input of each layer (bias 1 appended where used), then the output.
    register_files : list of (int, int)
        (source, destination) register file per layer; they swap after every layer.

    Examples
    --------
    >>> import numpy as np
    >>> from eie_lab.eie import EIEConfig, encode_network, run_network
    >>> net = encode_network([np.eye(2), np.ones((1, 2))], config=EIEConfig(n_pe=2),
    ...                      codebooks=[np.arange(16.0)] * 2,
    ...                      codes=[np.eye(2, dtype=int), np.ones((1, 2), dtype=int)])
    >>> out = run_network(net, np.array([1.0, 2.0]))
    >>> out.y.tolist(), out.cycles, out.register_files
    ([3.0], 6, [(0, 1), (1, 0)])
    >>> [x.tolist() for x in out.activations]
    [[1.0, 2.0], [1.0, 2.0], [3.0]]
    """

    y: np.ndarray
    results: list[SimResult]
    activations: list[np.ndarray]
    register_files: list[tuple[int, int]]

    @property
    def cycles(self) -> int:
        """Total cycles (layers run one after another)."""
        return int(sum(r.cycles for r in self.results))

    @property
    def time_us(self) -> float:
        """Total time in µs."""
        return float(sum(r.time_us for r in self.results))

    @property
    def energy_j(self) -> float:
        """Total energy in joules."""
        return float(sum(r.energy.total_j for r in self.results))


def encode_network(weights: Sequence[np.ndarray], biases: Sequence[np.ndarray | None] | None = None,
                   config: EIEConfig | None = None, *, codebooks: Sequence | None = None,
                   codes: Sequence | None = None, seed: int = 0) -> EIENetwork:
    """Fold biases into the weights and encode every layer for the PE array.

    Parameters
    ----------
    weights : sequence of array_like
        W_l of shape (out_l, in_l) (rows are outputs); in_{l+1} must equal out_l.
    biases : sequence of array_like or None, optional
        b_l of shape (out_l,); None (or a None entry) means no bias.
    config : EIEConfig, optional
    codebooks, codes : sequence, optional
        Per-layer codebook / codes for W (already shared weights); otherwise each layer is
        quantised by :func:`~eie_lab.eie.encode`. A bias is shared with its layer's codebook.
    seed : int
        Passed to weight sharing when no codebook is given.

    Returns
    -------
    EIENetwork

    Raises
    ------
    EncodingError
        No layers, mismatched layer widths, a bias of the wrong length, or ``codebooks`` /
        ``codes`` not holding one entry per layer.

    Examples
    --------
    >>> import numpy as np
    >>> from eie_lab.eie import EIEConfig
    >>> net = encode_network([np.ones((3, 4)), np.ones((2, 3))], [None, np.ones(2)],
    ...                      EIEConfig(n_pe=2), codebooks=[np.arange(16.0)] * 2,
    ...                      codes=[np.ones((3, 4), dtype=int), np.ones((2, 3), dtype=int)])
    >>> net.sizes, [layer.shape for layer in net.layers]
    ([4, 3, 2], [(3, 4), (2, 4)])
    """
    cfg = EIEConfig() if config is None else config
    if len(weights) == 0:
        raise EncodingError(fail_message("weights", [], "must hold at least one layer",
                                         "pass a list of (out, in) matrices"))
    mats = [check_matrix(W, f"weights[{i}]") for i, W in enumerate(weights)]
    bs = list(biases) if biases is not None else [None] * len(mats)
    if len(bs) != len(mats):
        raise EncodingError(fail_message("len(biases)", len(bs), f"must equal len(weights)={len(mats)}",
                                         "pass one bias (or None) per layer"))
    for label, per_layer in (("codebooks", codebooks), ("codes", codes)):
        if per_layer is not None and len(per_layer) != len(mats):
            raise EncodingError(fail_message(f"len({label})", len(per_layer),
                                             f"must equal len(weights)={len(mats)}",
                                             f"pass one entry of {label} per layer"))
    for i in range(1, len(mats)):
        if mats[i].shape[1] != mats[i - 1].shape[0]:
            raise EncodingError(fail_message(f"weights[{i}].shape", mats[i].shape,
                                             f"needs {mats[i - 1].shape[0]} inputs (layer {i - 1} outputs)",
                                             "pass (out, in) matrices in order; transpose (in, out) ones"))
    layers, has_bias = [], []
    for i, (W, b) in enumerate(zip(mats, bs)):
        cb = None if codebooks is None else codebooks[i]
        cd = None if codes is None else np.asarray(codes[i])
        if b is not None:
            b = np.asarray(b, dtype=np.float64).ravel()
            if b.shape != (W.shape[0],):
                raise EncodingError(fail_message(f"biases[{i}].shape", b.shape,
                                                 f"must be ({W.shape[0]},)", "one bias per output"))
            W = np.concatenate((W, b[:, None]), axis=1)
            if cd is not None:
                cd = np.concatenate((cd, quantize_to_codebook(b[:, None], np.asarray(cb, float))), axis=1)
        layers.append(encode(W, cfg, codebook=cb, codes=cd, seed=seed))
        has_bias.append(b is not None)
    return EIENetwork(layers=layers, has_bias=has_bias, config=cfg)


def network_from_mlp(model: Any, config: EIEConfig | None = None, seed: int = 0) -> EIENetwork:
    """Encode an :class:`eie_lab.nn.mlp.MLP` (or anything with ``.layers`` of W, b, codebook, codes).

    Parameters
    ----------
    model : eie_lab.nn.mlp.MLP
        Or any object whose ``.layers`` have ``W`` (out, in), ``b`` and optional ``codebook`` and
        ``codes``. The shared weights are used when every layer has a codebook; otherwise each
        layer is quantised by :func:`~eie_lab.eie.encode`.
    config : EIEConfig, optional
        Defaults to ``EIEConfig()``.
    seed : int
        Passed to weight sharing.

    Returns
    -------
    EIENetwork

    Examples
    --------
    >>> import numpy as np
    >>> from eie_lab.nn.mlp import MLP
    >>> from eie_lab.eie import EIEConfig
    >>> net = network_from_mlp(MLP(sizes=(8, 4, 2), seed=0), EIEConfig(n_pe=2))
    >>> net.sizes, [layer.shape for layer in net.layers]
    ([8, 4, 2], [(4, 9), (2, 5)])
    >>> x = np.abs(np.random.default_rng(0).normal(size=8))
    >>> bool(np.allclose(run_network(net, x).y, net.reference(x)))
    True
    """
    layers = list(model.layers)
    shared = all(getattr(layer, "codebook", None) is not None for layer in layers)
    return encode_network([layer.W for layer in layers], [layer.b for layer in layers], config,
                          codebooks=[layer.codebook for layer in layers] if shared else None,
                          codes=[layer.codes for layer in layers] if shared else None, seed=seed)


def run_network(net: EIENetwork, x: object, *, engine: str = "fast", relu_last: bool = False,
                config: EIEConfig | None = None) -> NetworkResult:
    """Run all layers in order: ReLU after hidden layers, registers swapped after each layer.

    Parameters
    ----------
    net : EIENetwork
    x : array_like
        Input vector (without the bias 1).
    engine : {"fast", "cycle"}
    relu_last : bool
        Also apply ReLU to the last layer (False for logits).
    config : EIEConfig, optional
        Timing settings overriding ``net.config`` (see :func:`~eie_lab.eie.simulate`).

    Returns
    -------
    NetworkResult

    Examples
    --------
    >>> import numpy as np
    >>> from eie_lab.eie import EIEConfig, encode_network
    >>> net = encode_network([np.array([[1.0, -1.0]])], config=EIEConfig(n_pe=1),
    ...                      codebooks=[np.r_[0.0, -7:0, 1:9]], codes=[np.array([[8, 7]])])
    >>> run_network(net, [1.0, 3.0]).y.tolist(), run_network(net, [1.0, 3.0], relu_last=True).y.tolist()
    ([-2.0], [0.0])
    """
    h = check_activations(x, net.sizes[0])
    results, acts, regs = [], [], []
    src = 0
    for i, (layer, bias) in enumerate(zip(net.layers, net.has_bias)):
        inp = np.append(h, 1.0) if bias else h
        acts.append(inp)
        relu = i < len(net.layers) - 1 or relu_last
        res = simulate(layer, inp, config=config, engine=engine, relu=relu)
        results.append(res)
        regs.append((src, 1 - src))
        src = 1 - src  # ping-pong: this layer's destination is the next layer's source
        h = res.y
    acts.append(h)
    return NetworkResult(y=h, results=results, activations=acts, register_files=regs)
