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
    """Base class of every error raised by eie-lab.

    Examples
    --------
    >>> from eie_lab.errors import EieLabError, ModelFormatError
    >>> issubclass(ModelFormatError, EieLabError)  # catch them all with ``except EieLabError``
    True
    """


class ConfigError(EieLabError, ValueError):
    """A configuration value (e.g. an :class:`~eie_lab.eie.EIEConfig` field) breaks a rule.

    Examples
    --------
    >>> err = ConfigError(fail_message("n_pe", 0, "must be >= 1"))
    >>> isinstance(err, ValueError), str(err)
    (True, 'n_pe=0 is invalid: must be >= 1')
    """


class EncodingError(EieLabError, ValueError):
    """A matrix, codebook, code stream or activation vector cannot be encoded or decoded.

    Examples
    --------
    >>> print(EncodingError(fail_message("codes", -1, "must be >= 0", "pass codebook indices")))
    codes=-1 is invalid: must be >= 0
    help: pass codebook indices
    """


class CompressionError(EieLabError, ValueError):
    """Bad input to pruning, weight sharing, Huffman coding or sparse storage.

    Examples
    --------
    >>> from eie_lab.compression.prune import magnitude_prune
    >>> try:
    ...     magnitude_prune([1.0, 2.0], sparsity=1.5)
    ... except ValueError as exc:  # every CompressionError is also a ValueError
    ...     print(type(exc).__name__)
    CompressionError
    """


class DataError(EieLabError):
    """A data set is missing, damaged or cannot be downloaded.

    Examples
    --------
    >>> issubclass(DataError, EieLabError), issubclass(ModelFormatError, DataError)
    (True, True)
    """


class ModelFormatError(DataError):
    """A saved (compressed) model file is damaged or of an unknown version.

    Examples
    --------
    >>> from eie_lab.compression.model_file import load
    >>> try:
    ...     load("no-such-model.npz")
    ... except Exception as exc:
    ...     print(type(exc).__name__, str(exc).splitlines()[0])
    ModelFormatError path='no-such-model.npz' is invalid: does not exist
    """


class GradingError(EieLabError):
    """An assignment, submission or gradebook cannot be processed.

    Examples
    --------
    >>> issubclass(GradingError, EieLabError)
    True
    """


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

    Examples
    --------
    >>> print(fail_message("bits", 0, "must be in 1..16", "DC uses 5 to 8 bits"))
    bits=0 is invalid: must be in 1..16
    help: DC uses 5 to 8 bits
    >>> fail_message("k", 0, "must be >= 1")
    'k=0 is invalid: must be >= 1'
    """
    msg = f"{name}={value!r} is invalid: {rule}"
    if fix:
        msg += f"\nhelp: {fix}"
    return msg
