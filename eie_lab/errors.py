"""One exception hierarchy for the whole package.

Every error the package raises on bad input is an :class:`EieLabError`. Messages follow one
shape: what was wrong (with the offending value), the rule it broke, and a ``help:`` line with
the fix. Use :func:`fail_message` to build them so they read alike everywhere.

Examples
--------
>>> from eie_lab.errors import ConfigError, fail_message
>>> err = ConfigError(fail_message("n_pe", 0, "must be >= 1", "use n_pe=64 as in the EIE paper"))
>>> print(err)
n_pe=0 is invalid: must be >= 1
help: use n_pe=64 as in the EIE paper
>>> isinstance(err, ValueError)
True
"""

from __future__ import annotations

__all__ = [
    "EieLabError",
    "ConfigError",
    "EncodingError",
    "CompressionError",
    "DataError",
    "ModelFormatError",
    "GradingError",
    "fail_message",
]


class EieLabError(Exception):
    """Base class of every error raised by eie-lab."""


class ConfigError(EieLabError, ValueError):
    """A configuration value (e.g. an :class:`~eie_lab.eie.EIEConfig` field) breaks a rule."""


class EncodingError(EieLabError, ValueError):
    """A matrix, codebook, code stream or activation vector cannot be encoded or decoded."""


class CompressionError(EieLabError, ValueError):
    """Bad input to pruning, weight sharing, Huffman coding or sparse storage."""


class DataError(EieLabError):
    """A data set is missing, damaged or cannot be downloaded."""


class ModelFormatError(DataError):
    """A saved (compressed) model file is damaged or of an unknown version."""


class GradingError(EieLabError):
    """An assignment, submission or gradebook cannot be processed."""


def fail_message(name: str, value: object, rule: str, fix: str | None = None) -> str:
    """Format an error message naming the value, the rule and the fix.

    Parameters
    ----------
    name : str
        Name of the offending parameter or field.
    value : object
        The value that was given (shown with ``repr``).
    rule : str
        The rule it breaks, e.g. ``"must be >= 1"``.
    fix : str, optional
        What to do instead; becomes a ``help:`` line.

    Returns
    -------
    str
        The message.
    """
    msg = f"{name}={value!r} is invalid: {rule}"
    if fix:
        msg += f"\nhelp: {fix}"
    return msg
