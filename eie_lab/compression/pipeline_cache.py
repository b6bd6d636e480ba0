"""Deep Compression of LeNet-300-100 or LeNet-5, cached on disk by configuration.

:func:`cached_deep_compress` is what the notebooks call: the first run trains and compresses
(minutes), later runs with the same :class:`~eie_lab.compression.pipeline_config.PipelineConfig`
load the compressed model file and the pruned weights (about a second).
"""

from __future__ import annotations

import functools
import hashlib
import warnings
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
from eie_lab.data.mnist import mnist_fingerprint
from eie_lab.errors import ModelFormatError

__all__ = ["cache_paths", "cached_deep_compress"]


#: Source files whose code determines a pipeline result (relative to the package folder); any
#: edit to them gives new cache entries, so a cached result never outlives the code that made it.
_CODE_FILES = ("quantizer.py", "_kmeans_fast.py", "sparse_format.py", "nn/*.py",
               "compression/pipeline*.py", "compression/prune.py", "compression/quantize.py",
               "compression/huffman.py", "compression/_huffman_fast.py",
               "compression/model_file.py")


@functools.lru_cache(maxsize=1)
def _code_digest() -> str:
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for pattern in _CODE_FILES:
        for path in sorted(root.glob(pattern)):
            h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def cache_key(config: PipelineConfig) -> str:
    """Digest of everything that determines a cached result: the configuration, the data (the
    MNIST fingerprint, :func:`eie_lab.data.mnist.mnist_fingerprint`) and the code.

    Examples
    --------
    >>> from eie_lab.compression.pipeline_config import preset
    >>> from eie_lab.data.mnist import locate_mnist
    >>> if locate_mnist() is not None:
    ...     assert cache_key(preset("best")) != cache_key(preset("best", seed=1))
    ...     assert len(cache_key(preset("best"))) == 16
    """
    text = "\n".join([config.key(), mnist_fingerprint(download=False), _code_digest()])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def cache_paths(config: PipelineConfig) -> tuple[Path, Path]:
    """Where :func:`cached_deep_compress` keeps the compressed model and the pruned weights.

    Examples
    --------
    >>> from eie_lab.compression.pipeline_config import preset
    >>> cfg = preset("paper")
    >>> from eie_lab.data.mnist import locate_mnist
    >>> if locate_mnist() is not None:
    ...     key = cache_key(cfg)
    ...     assert [p.name for p in cache_paths(cfg)] == [f"deep_compress_lenet300_{key}.npz",
    ...                                                   f"deep_compress_lenet300_{key}_pruned.npz"]
    ...     name = cache_paths(preset("best", network="lenet5"))[0].name
    ...     assert name.startswith("deep_compress_lenet5_")
    """
    stem = f"deep_compress_{config.network}_{cache_key(config)}"
    return cache_dir(create=False) / f"{stem}.npz", cache_dir(create=False) / f"{stem}_pruned.npz"


def cached_deep_compress(config: PipelineConfig | None = None, *, cache: bool = True,
                         progress: bool | None = None) -> PipelineResult:
    """:func:`deep_compress` with the default data, cached on disk by configuration.

    The compressed model file (with the stage errors in its metadata) and the pruned weights are
    stored in :func:`eie_lab.cache.cache_dir` under :func:`cache_key` (configuration, data and
    code); a later call with the same key loads them (and the baseline of ``config.network``
    from :mod:`eie_lab.nn.zoo`) in about a second. A damaged entry is recomputed, with a warning.

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
            if meta.get("cache_key") != cache_key(config):
                raise KeyError("the entry was made under another key")
            return PipelineResult(config, compressed, baseline, pruned, compressed.to_network(),
                                  meta["stages"], meta["prune_curve"], 0.0)
        except (ModelFormatError, OSError, KeyError, ValueError) as exc:
            warnings.warn(f"recomputing the damaged cache entry {model_path.name} "
                          f"({type(exc).__name__}: {exc})", RuntimeWarning, stacklevel=2)
    result = deep_compress(config=config, progress=progress)
    if cache:
        result.compressed.meta["cache_key"] = cache_key(config)
        model_path.parent.mkdir(parents=True, exist_ok=True)
        save(result.compressed, model_path)
        with atomic_write(pruned_path) as fh:
            np.savez(fh, **result.pruned.to_arrays())
    return result
