"""Deep Compression of LeNet-300-100 or LeNet-5, cached on disk by configuration.

:func:`cached_deep_compress` is what the notebooks call: the first run trains and compresses
(minutes), later runs with the same :class:`~eie_lab.compression.pipeline_config.PipelineConfig`
load the compressed model file and the pruned weights (about a second).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from eie_lab.cache import atomic_write, cache_dir
from eie_lab.compression.model_file import load, save
from eie_lab.compression.pipeline import (
    PipelineResult,
    baseline_for,
    deep_compress,
    network_class,
)
from eie_lab.compression.pipeline_config import PipelineConfig
from eie_lab.errors import ModelFormatError

__all__ = ["cache_paths", "cached_deep_compress"]


def cache_paths(config: PipelineConfig) -> tuple[Path, Path]:
    """Where :func:`cached_deep_compress` keeps the compressed model and the pruned weights.

    Examples
    --------
    >>> from eie_lab.compression.pipeline_config import preset
    >>> cfg = preset("paper")
    >>> [p.name for p in cache_paths(cfg)] == [f"deep_compress_lenet300_{cfg.key()}.npz",
    ...                                        f"deep_compress_lenet300_{cfg.key()}_pruned.npz"]
    True
    >>> cache_paths(preset("best", network="lenet5"))[0].name.startswith("deep_compress_lenet5_")
    True
    """
    stem = f"deep_compress_{config.network}_{config.key()}"
    return cache_dir(create=False) / f"{stem}.npz", cache_dir(create=False) / f"{stem}_pruned.npz"


def cached_deep_compress(config: PipelineConfig | None = None, *, cache: bool = True,
                         progress: bool | None = None) -> PipelineResult:
    """:func:`deep_compress` with the default data, cached on disk by configuration.

    The compressed model file (with the stage errors in its metadata) and the pruned weights are
    stored in :func:`eie_lab.cache.cache_dir`; a later call with the same configuration loads
    them (and the baseline of ``config.network`` from :mod:`eie_lab.nn.zoo`) in about a second.

    Examples
    --------
    >>> from eie_lab.compression.pipeline_config import preset
    >>> cfg = preset("best", seed=1)
    >>> cfg.keep["ip1"], cfg.weight_bits
    (0.05, 5)
    >>> # the real run (needs MNIST; a few minutes the first time, then cached):
    >>> result = cached_deep_compress(cfg)  # doctest: +SKIP
    >>> print(result.report())  # doctest: +SKIP
    """
    config = config or PipelineConfig()
    model_path, pruned_path = cache_paths(config)
    if cache and model_path.is_file() and pruned_path.is_file():
        try:
            compressed = load(model_path)
            with np.load(pruned_path, allow_pickle=False) as f:
                pruned = network_class(config).from_arrays(f)
            pruned.set_masks({layer.name: layer.W != 0 for layer in pruned.layers})
            baseline = baseline_for(config, progress=progress)
            meta = compressed.meta
            return PipelineResult(config, compressed, baseline, pruned, compressed.to_network(),
                                  meta["stages"], meta["prune_curve"], 0.0)
        except (ModelFormatError, OSError, KeyError, ValueError):
            pass  # damaged cache: recompute
    result = deep_compress(config=config, progress=progress)
    if cache:
        model_path.parent.mkdir(parents=True, exist_ok=True)
        save(result.compressed, model_path)
        with atomic_write(pruned_path) as fh:
            np.savez(fh, **result.pruned.to_arrays())
    return result
