"""Deep Compression in numpy: pruning, weight sharing, Huffman coding and sparse storage.

Modules (one job each):

* :mod:`~eie_lab.compression.prune` — magnitude / std-threshold pruning, masks, sensitivity sweep
* :mod:`~eie_lab.compression.quantize` — centroid fine-tuning, DC Eq. 1; re-exports the 1-D
  k-means weight sharing of :mod:`eie_lab.quantizer` (one floor down, shared with :mod:`eie_lab.eie`)
* :mod:`~eie_lab.compression.huffman` — Huffman codes built by merging the two rarest, canonical
  code words, encode/decode (readable, on bit strings; :class:`HuffmanCode` runs them at numpy speed)
* :mod:`~eie_lab.compression.storage` — per-stream size reports at the stages of DC Table 2 (the
  relative-index format itself, with its padding entries, is :mod:`eie_lab.sparse_format`)
* :mod:`~eie_lab.compression.pipeline` — the whole pipeline on LeNet-300-100 (:func:`deep_compress`)
* :mod:`~eie_lab.compression.model_file` — the versioned compressed-model file (:class:`CompressedModel`)
* :mod:`~eie_lab.compression.report` — the DC Table 2-shaped report
"""

from __future__ import annotations

from eie_lab.compression.huffman import HuffmanCode, entropy
from eie_lab.compression.model_file import CompressedModel
from eie_lab.compression.model_file import load as load_compressed
from eie_lab.compression.pipeline import deep_compress
from eie_lab.compression.pipeline_config import PipelineConfig, preset
from eie_lab.compression.prune import (
    apply_mask,
    global_magnitude_prune,
    iterative_schedule,
    magnitude_prune,
    prune_by_std,
    sensitivity_sweep,
    sparsity,
)
from eie_lab.compression.quantize import (
    KMeansResult,
    compression_rate,
    finetune_centroids,
    init_centroids,
    kmeans_1d,
    optimal_sse_1d,
    reduce_gradients,
    share_weights,
)
from eie_lab.compression.storage import StorageReport, merge_reports, storage_report
from eie_lab.sparse_format import RelativeIndexMatrix, encode_relative

__all__ = [
    "apply_mask",
    "global_magnitude_prune",
    "iterative_schedule",
    "magnitude_prune",
    "prune_by_std",
    "sensitivity_sweep",
    "sparsity",
    "KMeansResult",
    "compression_rate",
    "finetune_centroids",
    "init_centroids",
    "kmeans_1d",
    "optimal_sse_1d",
    "reduce_gradients",
    "share_weights",
    "HuffmanCode",
    "entropy",
    "RelativeIndexMatrix",
    "StorageReport",
    "encode_relative",
    "merge_reports",
    "storage_report",
    "PipelineConfig",
    "deep_compress",
    "preset",
    "CompressedModel",
    "load_compressed",
]
