"""Hypothesis strategies for the EIE simulator tests: small random layers and configurations."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from eie_lab.eie import EIEConfig, EncodedLayer, encode


@dataclass(frozen=True)
class Case:
    """A random layer, its input and the configuration it was encoded with."""

    layer: EncodedLayer
    a: np.ndarray
    config: EIEConfig
    W_q: np.ndarray  # the quantised dense matrix the layer must reproduce


@st.composite
def configs(draw, arithmetic: str = "float", options: bool = False,
            timing: str | None = None) -> EIEConfig:
    """Small configurations covering every timing parameter of the contract.

    ``options=True`` also draws the opt-in timing options (timing model, broadcast width,
    activation batching with register files of 1-4 entries so that small inputs need batches);
    ``timing`` fixes the timing model.
    """
    extra: dict = {}
    if options or timing is not None:
        extra["timing"] = timing or draw(st.sampled_from(["contract", "pipeline"]))
    if options:
        extra["broadcast_width"] = draw(st.sampled_from([1, 2, 4]))
        extra["act_batching"] = draw(st.booleans())
        extra["act_regfile_entries"] = draw(st.integers(1, 4))
    low = 2 if extra.get("timing") == "pipeline" else 1
    return EIEConfig(
        **extra,
        arithmetic=arithmetic,
        n_pe=draw(st.integers(1, 9)),
        fifo_depth=draw(st.integers(low, 6)),
        weight_bits=draw(st.integers(1, 4)),
        index_bits=draw(st.integers(1, 4)),
        broadcast_latency=draw(st.integers(1, 3)),
        min_column_cycles=draw(st.integers(1, 3)),
        spmat_width_bits=draw(st.sampled_from([8, 16, 32, 64])),
    )


@st.composite
def cases(draw, max_m: int = 40, max_n: int = 24, arithmetic: str = "float",
          options: bool = False, timing: str | None = None) -> Case:
    """A random (m x n) layer at a random density with a random activation vector."""
    cfg = draw(configs(arithmetic, options=options, timing=timing))
    m = draw(st.integers(1, max_m))
    n = draw(st.integers(1, max_n))
    w_density = draw(st.sampled_from([0.0, 0.05, 0.2, 0.5, 1.0]))
    a_density = draw(st.sampled_from([0.0, 0.3, 0.7, 1.0]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    k = cfg.codebook_size
    codebook = np.concatenate(([0.0], rng.uniform(-2, 2, k - 1)))
    codes = np.where(rng.random((m, n)) < w_density, rng.integers(1, k, (m, n)) if k > 1 else 0, 0)
    a = np.where(rng.random(n) < a_density, rng.uniform(-1, 2, n), 0.0)
    W_q = codebook[codes]
    layer = encode(W_q, cfg, codebook=codebook, codes=codes)
    return Case(layer=layer, a=a, config=cfg, W_q=W_q)
