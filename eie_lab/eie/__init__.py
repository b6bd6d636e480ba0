"""The EIE simulator: interleaved CSC encoding, an exact cycle model and an energy model.

Public API: :class:`EIEConfig`, :func:`encode` -> :class:`EncodedLayer`,
:func:`simulate` -> :class:`SimResult` (with :class:`AccessCounts`, :class:`EnergyBreakdown` and,
for ``engine="cycle"``, a :class:`Trace`), :class:`EnergyModel`, and multi-layer runs
(:func:`run_network`). The timing contract both engines follow is in ``design.md`` §3.

Examples
--------
>>> import numpy as np
>>> from eie_lab.eie import EIEConfig, encode, simulate
>>> rng = np.random.default_rng(0)
>>> W = np.where(rng.random((32, 16)) < 0.2, rng.normal(size=(32, 16)), 0.0)
>>> cb = np.concatenate(([0.0], np.linspace(-2, 2, 15)))
>>> layer = encode(W, EIEConfig(n_pe=4), codebook=cb)
>>> a = np.where(rng.random(16) < 0.5, rng.random(16), 0.0)
>>> res = simulate(layer, a)
>>> bool(np.allclose(res.y, layer.decode() @ a))
True
>>> res.cycles == simulate(layer, a, engine="cycle").cycles
True
"""

from eie_lab.eie.config import EIEConfig
from eie_lab.eie.encoding import EncodedLayer, encode, encode_coo
from eie_lab.eie.energy import EnergyBreakdown, EnergyModel
from eie_lab.eie.engine import schedule, simulate
from eie_lab.eie.network import (
    EIENetwork,
    NetworkResult,
    encode_network,
    network_from_mlp,
    run_network,
)
from eie_lab.eie.results import AccessCounts, SimResult
from eie_lab.eie.trace import BUSY, IDLE, STARVED, Trace

__all__ = [
    "EIEConfig",
    "encode",
    "encode_coo",
    "EncodedLayer",
    "simulate",
    "schedule",
    "SimResult",
    "AccessCounts",
    "Trace",
    "IDLE",
    "BUSY",
    "STARVED",
    "EnergyModel",
    "EnergyBreakdown",
    "EIENetwork",
    "NetworkResult",
    "encode_network",
    "network_from_mlp",
    "run_network",
]
