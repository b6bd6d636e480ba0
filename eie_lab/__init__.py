"""eie-lab: Deep Compression and the EIE accelerator, as a small exact numpy model.

The package is organised in floors, the way data flows through the lab; every import points
down (a module imports only from its own floor or the floors below)::

    ground    errors, random, progress, cache, paper_tables (the papers' numbers),
              sparse_format (relative index with padding), quantizer (1-D k-means)
    1         data (MNIST, EIE benchmark matrices), nn (the numpy trainer)
    2         compression (prune, share weights, Huffman, storage reports, pipeline, model file)
    3         eie (encoder, hardware units, cycle and fast engines, energy)
    4         viz (plots, SVG frames, widgets); paper (reproduce, sweeps) on top of it
    top       grading, commands / cli

The most used names are re-exported here; everything else lives in its subpackage:
:mod:`eie_lab.data` (MNIST, the EIE benchmark layers), :mod:`eie_lab.nn` (the numpy trainer),
:mod:`eie_lab.compression`, :mod:`eie_lab.eie` (encoder and simulator), :mod:`eie_lab.paper`
(reproducing the paper on the simulator), and — imported only by notebooks, the CLI and tests —
:mod:`eie_lab.viz`
and :mod:`eie_lab.grading`.

Examples
--------
>>> import numpy as np
>>> import eie_lab
>>> W = np.array([[0.0, 1.0], [2.0, 0.0], [0.0, 3.0]])
>>> layer = eie_lab.encode(W, eie_lab.EIEConfig(n_pe=2), codebook=np.arange(16.0),
...                        codes=W.astype(int))
>>> result = eie_lab.simulate(layer, np.array([1.0, 1.0]))
>>> result.y.tolist(), result.cycles
([1.0, 2.0, 3.0], 4)
"""

from __future__ import annotations

import importlib

from eie_lab.errors import (
    ConfigError,
    DataError,
    EieLabError,
    EncodingError,
    GradingError,
    ModelFormatError,
)

__version__ = "0.1.0"

# The most used names, loaded on first use (PEP 562): importing one floor (``import eie_lab.eie``)
# never loads the floors beside or above it, and ``import eie_lab`` itself loads no numpy (so the
# command line answers --help and Ctrl-C at once).
_LAZY = {
    "as_rng": "eie_lab.random",
    "EIEConfig": "eie_lab.eie", "encode": "eie_lab.eie", "simulate": "eie_lab.eie",
    "deep_compress": "eie_lab.compression", "CompressedModel": "eie_lab.compression",
    "load_compressed": "eie_lab.compression", "lenet300": "eie_lab.nn",
    "load_mnist": "eie_lab.data.mnist",
}

__all__ = [
    "__version__",
    "as_rng",
    "EIEConfig",
    "encode",
    "simulate",
    "deep_compress",
    "CompressedModel",
    "load_compressed",
    "lenet300",
    "load_mnist",
    "EieLabError",
    "ConfigError",
    "DataError",
    "EncodingError",
    "GradingError",
    "ModelFormatError",
]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'eie_lab' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
