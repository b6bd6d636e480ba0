"""eie-lab: Deep Compression and the EIE accelerator, as a small exact numpy model.

The package is organised the way data flows through the lab::

    data, nn  ->  compression  ->  eie  ->  viz  ->  notebooks / exercises  <-  grading

Examples
--------
>>> import eie_lab
>>> isinstance(eie_lab.__version__, str)
True
"""

from __future__ import annotations

from eie_lab.errors import (
    ConfigError,
    DataError,
    EieLabError,
    EncodingError,
    GradingError,
    ModelFormatError,
)
from eie_lab.random import as_rng

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "as_rng",
    "EieLabError",
    "ConfigError",
    "DataError",
    "EncodingError",
    "GradingError",
    "ModelFormatError",
]
