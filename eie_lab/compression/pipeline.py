"""Deep Compression end to end: prune → share weights → Huffman code [DC §2-4].

The same pipeline compresses LeNet-300-100 (DC Table 2) and the convolutional LeNet-5 (DC Table
3), or any :class:`~eie_lab.nn.network.Network` whose weight layers have a name, a 2-D ``W``, a
bias, a mask and a shared-weight mode (a convolution's filters are stored as a matrix
``out_channels x in_channels*k*k``, :mod:`eie_lab.nn.conv`).

1. **Baseline**: :func:`eie_lab.nn.zoo.pretrained_lenet300` or
   :func:`~eie_lab.nn.zoo.pretrained_lenet5` (``config.network``; trained once, cached).
2. **Pruning** (LWC): ``prune_steps`` rounds of per-layer magnitude pruning on a geometric schedule
   towards the kept fractions (DC Table 2: 8% / 9% / 26%; DC Table 3: 66% / 12% / 8% / 19%), each
   followed by retraining with the mask held (pruned weights stay exactly 0).
3. **Weight sharing**: per-layer 1-D k-means (linear init) with ``2**weight_bits`` codes (per layer:
   DC uses 8 bits for convolutions, 5 or 6 for fully connected layers), code 0
   reserved for the weight 0.0; then the codebooks are fine-tuned with the gradients grouped by
   code and summed (DC Eq. 3) while the codes stay fixed.
4. **Huffman coding** of the weight codes and of the relative indices (``index_bits``), giving a
   :class:`~eie_lab.compression.model_file.CompressedModel` whose predictions are computed from the
   decoded bitstreams.

Examples
--------
>>> import numpy as np
>>> from eie_lab.nn.mlp import MLP
>>> x, y = np.random.default_rng(0).random((64, 16), dtype=np.float32), np.arange(64) % 4
>>> cfg = PipelineConfig(prune_steps=2, retrain_epochs=0, finetune_epochs=0, weight_bits=3)
>>> [s["stage"] for s in deep_compress(MLP((16, 12, 8, 4)), cfg, data=(x, y, x, y)).stages]
... # doctest: +NORMALIZE_WHITESPACE
['baseline', 'pruned, no retraining', 'pruned + retrained (P)', 'quantized (P+Q)',
 'codebooks fine-tuned', 'Huffman coded (P+Q+H)']

The configuration lives in :mod:`eie_lab.compression.pipeline_config`, the on-disk cache the
notebooks use in :mod:`eie_lab.compression.pipeline_cache`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from eie_lab.compression.model_file import CompressedModel, encode_layer
from eie_lab.compression.pipeline_config import PIPELINE_VERSION, PipelineConfig
from eie_lab.compression.prune import iterative_schedule, magnitude_prune
from eie_lab.compression.quantize import reduce_gradients, share_weights
from eie_lab.compression.report import compression_report
from eie_lab.errors import ConfigError, fail_message
from eie_lab.nn.conv import ConvNet
from eie_lab.nn.mlp import MLP
from eie_lab.nn.network import Network
from eie_lab.nn.train import evaluate, train
from eie_lab.nn.zoo import mnist_arrays, pretrained_lenet5, pretrained_lenet300

__all__ = ["PipelineResult", "deep_compress", "prune_and_retrain", "quantize_and_finetune",
           "pruning_tradeoff", "baseline_for", "network_class"]

#: The trained baseline of each network name of :data:`~.pipeline_config.NETWORKS`.
_BASELINES = {"lenet300": pretrained_lenet300, "lenet5": pretrained_lenet5}
_CLASSES: dict[str, type[Network]] = {"lenet300": MLP, "lenet5": ConvNet}


def baseline_for(config: PipelineConfig, *, progress: bool | None = None) -> Network:
    """The cached trained baseline of ``config.network`` (seed, epochs and ``n_train`` from
    ``config``: the baseline sees the same training images as the pipeline).

    Examples
    --------
    >>> from eie_lab.compression.pipeline_config import preset
    >>> net = baseline_for(preset("best", network="lenet5"))  # doctest: +SKIP
    >>> net.names  # doctest: +SKIP
    ['conv1', 'conv2', 'ip1', 'ip2']
    """
    return _BASELINES[config.network](seed=config.seed, epochs=config.baseline_epochs,
                                      n_train=config.n_train, progress=progress)


def network_class(config: PipelineConfig) -> type[Network]:
    """The class of ``config.network`` (for ``from_arrays``).

    Examples
    --------
    >>> from eie_lab.compression.pipeline_config import PipelineConfig
    >>> network_class(PipelineConfig(network="lenet5")).__name__
    'ConvNet'
    """
    return _CLASSES[config.network]


def _check_layers(model: Network, config: PipelineConfig) -> None:
    """Every layer named in ``keep`` / ``weight_bits`` must exist (checked before any work)."""
    bits = config.weight_bits
    named = set(config.keep) | (set(bits) if isinstance(bits, Mapping) else set())
    unknown = sorted(named - set(model.names))
    if unknown:
        raise ConfigError(fail_message("layer names", unknown,
                                       f"must be layers of the model ({model.names})",
                                       f"use network={config.network!r} with its own layer "
                                       "names, or rename the keep/weight_bits entries"))


@dataclass
class PipelineResult:
    """What :func:`deep_compress` produced at every stage.

    ``stages`` is a list of ``{"stage", "error", "seconds"}`` (error rates on the test set);
    ``prune_curve`` one ``{"step", "sparsity", "error_pruned", "error_retrained"}`` per round.

    Examples
    --------
    >>> from eie_lab.nn.mlp import MLP
    >>> x, y = np.random.default_rng(0).random((64, 16), dtype=np.float32), np.arange(64) % 4
    >>> cfg = PipelineConfig(prune_steps=2, retrain_epochs=0, finetune_epochs=0, weight_bits=3)
    >>> res = deep_compress(MLP((16, 12, 8, 4)), cfg, data=(x, y, x, y), progress=False)
    >>> res.stages[-1]["stage"], res.error_after == res.stages[-1]["error"], len(res.prune_curve)
    ('Huffman coded (P+Q+H)', True, 2)
    >>> res.report().rows[0]["layer"]
    'ip1'
    """

    config: PipelineConfig
    compressed: CompressedModel
    baseline: Network
    pruned: Network
    final: Network
    stages: list = field(default_factory=list)
    prune_curve: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def error_before(self) -> float:
        """Test error of the baseline."""
        return float(self.stages[0]["error"])

    @property
    def error_after(self) -> float:
        """Test error of the compressed model (computed from its bitstreams)."""
        return float(self.stages[-1]["error"])

    def report(self, file_size: int | None = None):
        """The DC Table 2-shaped :class:`~eie_lab.compression.report.CompressionReport`."""
        return compression_report(self.compressed, error_before=self.error_before,
                                  error_after=self.error_after, file_size=file_size)


def prune_and_retrain(model: Network, data, config: PipelineConfig, *, progress: bool | None = None,
                      curve: list | None = None) -> Network:
    """Iterative magnitude pruning with retraining (returns a masked copy of ``model``).

    Examples
    --------
    >>> from eie_lab.nn.mlp import MLP
    >>> x, y = np.random.default_rng(0).random((64, 16), dtype=np.float32), np.arange(64) % 4
    >>> cfg = PipelineConfig(prune_steps=2, retrain_epochs=0, finetune_epochs=0, weight_bits=3)
    >>> curve = []
    >>> net = prune_and_retrain(MLP((16, 12, 8, 4)), (x, y, x, y), cfg, curve=curve)
    >>> [int(layer.mask.sum()) for layer in net.layers], [c["step"] for c in curve]
    ([15, 9, 8], [1, 2])
    """
    x, y, xt, yt = data
    net = model.copy()
    scheds = {name: iterative_schedule(1.0 - float(config.keep.get(name, 1.0)), config.prune_steps)
              for name in net.names}
    for step in range(config.prune_steps):
        net.set_masks({layer.name: magnitude_prune(layer.W, scheds[layer.name][step])
                       for layer in net.layers})
        err_pruned = evaluate(net, xt, yt)
        if config.retrain_epochs:
            train(net, x, y, epochs=config.retrain_epochs, batch_size=config.batch_size,
                  lr=config.retrain_lr, weight_decay=config.weight_decay,
                  seed=config.seed + 1 + step, desc=f"prune {step + 1}/{config.prune_steps}",
                  progress=progress)
        if curve is not None:
            curve.append({"step": step + 1,
                          "sparsity": {n: float(s[step]) for n, s in scheds.items()},
                          "error_pruned": err_pruned, "error_retrained": evaluate(net, xt, yt)})
    return net


def quantize_and_finetune(model: Network, data, config: PipelineConfig, *,
                          progress: bool | None = None) -> tuple[Network, float]:
    """k-means weight sharing per layer, then codebook fine-tuning; returns (model, error before
    fine-tuning).

    Examples
    --------
    >>> from eie_lab.nn.mlp import MLP
    >>> x, y = np.random.default_rng(0).random((64, 16), dtype=np.float32), np.arange(64) % 4
    >>> cfg = PipelineConfig(prune_steps=2, retrain_epochs=0, finetune_epochs=0, weight_bits=3)
    >>> net, err = quantize_and_finetune(MLP((16, 12, 8, 4)), (x, y, x, y), cfg)
    >>> layer = net.layers[0]
    >>> layer.codebook.size, bool(np.all(layer.W == layer.codebook[layer.codes])), 0 <= err <= 1
    (8, True, True)
    """
    x, y, xt, yt = data
    net = model.copy()
    for layer in net.layers:
        cb, codes = share_weights(layer.W, config.bits_for(layer.name), reserve_zero=True,
                                  init=config.kmeans_init, seed=config.seed)
        net.set_shared(layer.name, cb, codes)
        layer.mask = None
    err = evaluate(net, xt, yt)
    if config.finetune_epochs:
        train(net, x, y, epochs=config.finetune_epochs, batch_size=config.batch_size,
              lr=config.finetune_lr, weight_decay=0.0, codebook_lr=config.codebook_lr,
              grad_hook=reduce_gradients, seed=config.seed + 100, desc="fine-tune codebooks",
              progress=progress)
    return net, err


def deep_compress(model: Network | None = None, config: PipelineConfig | None = None, *, data=None,
                  progress: bool | None = None) -> PipelineResult:
    """Run the whole pipeline; see the module docstring.

    Parameters
    ----------
    model : Network, optional
        Trained baseline (an :class:`~eie_lab.nn.mlp.MLP` or :class:`~eie_lab.nn.conv.ConvNet`;
        default: the cached baseline of ``config.network``, :func:`baseline_for`).
    config : PipelineConfig, optional
        Schedule, bit widths, seeds.
    data : tuple, optional
        ``(x_train, y_train, x_test, y_test)`` (default MNIST, ``config.n_train`` examples).
    progress : bool, optional
        Force progress bars on/off (None follows ``EIE_LAB_PROGRESS``).

    Examples
    --------
    >>> from eie_lab.nn.mlp import MLP
    >>> x, y = np.random.default_rng(0).random((64, 16), dtype=np.float32), np.arange(64) % 4
    >>> cfg = PipelineConfig(prune_steps=2, retrain_epochs=0, finetune_epochs=0, weight_bits=3)
    >>> res = deep_compress(MLP((16, 12, 8, 4)), cfg, data=(x, y, x, y), progress=False)
    >>> [round(float(layer.mask.mean()), 2) for layer in res.pruned.layers]  # tiny, no retraining
    [0.08, 0.09, 0.25]
    >>> bool((res.compressed.predict(x) == res.final.predict(x)).all())
    True
    """
    config = config or PipelineConfig()
    if model is not None:
        _check_layers(model, config)
    t0 = time.perf_counter()
    if data is None:
        data = mnist_arrays(n_train=config.n_train)
    x, y, xt, yt = data
    if model is None:
        model = baseline_for(config, progress=progress)
        _check_layers(model, config)
    stages: list[dict] = []

    def mark(stage: str, err: float) -> None:
        stages.append({"stage": stage, "error": float(err),
                       "seconds": round(time.perf_counter() - t0, 3)})

    mark("baseline", evaluate(model, xt, yt))
    curve: list[dict] = []
    pruned = prune_and_retrain(model, data, config, progress=progress, curve=curve)
    mark("pruned, no retraining", curve[-1]["error_pruned"])
    mark("pruned + retrained (P)", curve[-1]["error_retrained"])
    final, err_q = quantize_and_finetune(pruned, data, config, progress=progress)
    mark("quantized (P+Q)", err_q)
    mark("codebooks fine-tuned", evaluate(final, xt, yt))
    compressed = CompressedModel(
        [encode_layer(layer.name, layer.codebook, layer.codes, layer.b, config.bits_for(layer.name),
                      config.index_bits) for layer in final.layers],
        {"config": config.to_dict(), "pipeline_version": PIPELINE_VERSION},
        final.architecture)
    mark("Huffman coded (P+Q+H)", float(np.mean(compressed.predict(xt) != yt)))
    compressed.meta.update({"stages": stages, "prune_curve": curve})
    return PipelineResult(config, compressed, model, pruned, final, stages, curve,
                          time.perf_counter() - t0)


def pruning_tradeoff(model: Network, data, sparsities, *, retrain_epochs: int = 1, lr: float = 0.1,
                     n_retrain: int | None = 10000, seed: int = 0,
                     progress: bool | None = None) -> dict:
    """Test error after pruning every layer to each sparsity, without and with retraining.

    One-shot magnitude pruning per layer (no iterative schedule), then ``retrain_epochs`` of
    masked SGD on the first ``n_retrain`` training images: the experiment of LWC Fig. 5 in
    miniature. Returns ``{"sparsity": [...], "no_retrain": [...], "retrain": [...]}`` (rates).

    Examples
    --------
    >>> from eie_lab.nn.mlp import MLP
    >>> x, y = np.random.default_rng(0).random((64, 16), dtype=np.float32), np.arange(64) % 4
    >>> out = pruning_tradeoff(MLP((16, 12, 8, 4)), (x, y, x, y), [0.5, 0.9], n_retrain=32,
    ...                        progress=False)
    >>> out["sparsity"], len(out["no_retrain"]), len(out["retrain"])
    ([0.5, 0.9], 2, 2)
    """
    x, y, xt, yt = data
    if n_retrain is not None:
        x, y = x[:n_retrain], y[:n_retrain]
    out: dict = {"sparsity": [], "no_retrain": [], "retrain": []}
    for i, s in enumerate(sparsities):
        net = model.copy()
        net.set_masks({layer.name: magnitude_prune(layer.W, float(s)) for layer in net.layers})
        out["sparsity"].append(float(s))
        out["no_retrain"].append(evaluate(net, xt, yt))
        train(net, x, y, epochs=retrain_epochs, lr=lr, batch_size=128, seed=seed + i,
              desc=f"retrain at {s:.0%}", progress=progress)
        out["retrain"].append(evaluate(net, xt, yt))
    return out
