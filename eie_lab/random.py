"""The one place where seeds become :class:`numpy.random.Generator` objects.

Every function in eie-lab that draws random numbers takes a ``seed`` argument and passes it
through :func:`as_rng`, so results are reproducible from a single integer.

Examples
--------
>>> from eie_lab.random import as_rng
>>> float(as_rng(0).random()) == float(as_rng(0).random())
True
>>> g = as_rng(1)
>>> as_rng(g) is g
True
"""

from __future__ import annotations

import numpy as np

from eie_lab.errors import ConfigError, fail_message

__all__ = ["as_rng", "DEFAULT_SEED"]

#: Seed used by notebooks and examples when none is given.
DEFAULT_SEED = 0

SeedLike = int | np.random.Generator | np.random.SeedSequence | None


def as_rng(seed: SeedLike = None) -> np.random.Generator:
    """Return a numpy Generator for ``seed``.

    Parameters
    ----------
    seed : int, numpy.random.Generator, numpy.random.SeedSequence or None
        An int (>= 0) or SeedSequence makes a fresh PCG64 generator; a Generator is returned
        unchanged (so callers can share one stream); None means :data:`DEFAULT_SEED` — eie-lab
        never draws from an unseeded source.

    Returns
    -------
    numpy.random.Generator
    """
    if seed is None:
        return np.random.default_rng(DEFAULT_SEED)
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, np.random.SeedSequence):
        return np.random.default_rng(seed)
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise ConfigError(
            fail_message("seed", seed, "must be a non-negative int or a numpy Generator",
                         "pass e.g. seed=0")
        )
    if seed < 0:
        raise ConfigError(fail_message("seed", seed, "must be >= 0", "pass e.g. seed=0"))
    return np.random.default_rng(int(seed))
