"""eie-lab: Deep Compression and the EIE accelerator, as a small exact numpy model.

The package is organised the way data flows through the lab::

    data, nn  ->  compression  ->  eie  ->  viz  ->  notebooks / exercises  <-  grading

The most used names are re-exported here; everything else lives in its subpackage:
:mod:`eie_lab.data` (MNIST, the EIE benchmark layers), :mod:`eie_lab.nn` (the numpy trainer),
:mod:`eie_lab.compression`, :mod:`eie_lab.eie` (encoder and simulator), :mod:`eie_lab.paper`
(the papers' numbers), and — imported only by notebooks, the CLI and tests — :mod:`eie_lab.viz`
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

from eie_lab.compression import CompressedModel, deep_compress, load_compressed
from eie_lab.data.mnist import load_mnist
from eie_lab.eie import EIEConfig, encode, simulate
from eie_lab.errors import (
    ConfigError,
    DataError,
    EieLabError,
    EncodingError,
    GradingError,
    ModelFormatError,
)
from eie_lab.nn import lenet300
from eie_lab.random import as_rng

__version__ = "0.1.0"

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
