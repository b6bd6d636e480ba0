"""SRAM a layer needs in one PE, per memory, against the paper's 162 KB budget ([EIE §VI]).

Each PE has three SRAMs: 128 KB for the sparse matrix (8-bit entries), 32 KB for the column
pointers (two banks) and 2 KB for activations that do not fit the two 64-entry register files
([EIE §IV "Activation Read/Write", §VI]). :func:`sram_use` measures what an encoded layer puts
into each of them in its busiest PE; every memory is judged against its *own* capacity, so a
layer whose total is under 162 KB can still not fit (VGG-6: its 25,088 input columns need
25,089 pointers per PE, 49 KB of 16-bit pointers in a 32 KB memory).

The activations: a vector of ``len`` values puts ``ceil(len / N)`` of them in each PE. When that
exceeds the register file (``act_regfile_entries``, 64), the vector is held in the activation
SRAM and processed in batches through the register files ([EIE §IV]); the input and the output
vector are counted separately, at ``act_bits`` each.

Examples
--------
>>> import numpy as np
>>> from eie_lab.eie import EIEConfig, encode
>>> W = np.where(np.random.default_rng(0).random((64, 5000)) < 0.1, 1.0, 0.0)
>>> use = sram_use(encode(W, EIEConfig(n_pe=4), seed=0))
>>> use.used_kb["Ptr"] > use.capacity_kb["Ptr"], use.fits, use.over
(False, False, ('Act',))
>>> round(use.used_kb["Act"], 2)    # 1250 inputs per PE x 16 bit > 2 KB; the 16 outputs fit the registers
2.44
"""

from __future__ import annotations

from dataclasses import dataclass

from eie_lab.eie.layer import EncodedLayer
from eie_lab.errors import ConfigError, fail_message
from eie_lab.paper_tables import SRAM_PER_PE_KB

__all__ = ["MEMORIES", "SramUse", "act_sram_bits", "sram_use"]

#: The PE's three SRAMs, in the order the paper lists them ([EIE §VI]).
MEMORIES = ("SpMat", "Ptr", "Act")


@dataclass(frozen=True)
class SramUse:
    """What one layer puts in the SRAMs of its busiest PE, per memory, in KB (1 KB = 1024 B).

    Attributes
    ----------
    used_kb : dict
        Memory (:data:`MEMORIES`) -> KB used in the worst PE.
    capacity_kb : dict
        Memory -> KB the configuration provides (paper: 128, 32, 2).
    pointer_overflow : bool
        A pointer value needs more than ``pointer_bits`` (the busiest PE stores more entries
        than a 16-bit pointer can address).
    """

    used_kb: dict[str, float]
    capacity_kb: dict[str, float]
    pointer_overflow: bool

    @property
    def over(self) -> tuple[str, ...]:
        """The memories whose use exceeds their own capacity."""
        return tuple(m for m in MEMORIES if self.used_kb[m] > self.capacity_kb[m])

    @property
    def fits(self) -> bool:
        """Every memory within its capacity and no pointer overflow."""
        return not self.over and not self.pointer_overflow

    @property
    def total_kb(self) -> float:
        """Sum over the three memories (a total under 162 KB does not mean it fits)."""
        return float(sum(self.used_kb.values()))


def act_sram_bits(length: int, n_pe: int, regfile_entries: int, act_bits: int) -> int:
    """Activation-SRAM bits one PE needs for a vector of ``length`` activations.

    Zero when the PE's share (``ceil(length / n_pe)``) fits its register file, else the whole
    share at ``act_bits`` each.

    Examples
    --------
    >>> act_sram_bits(4096, 64, 64, 16), act_sram_bits(25088, 64, 64, 16)
    (0, 6272)
    """
    share = -(-int(length) // int(n_pe))
    return 0 if share <= int(regfile_entries) else share * int(act_bits)


def sram_use(layer: EncodedLayer) -> SramUse:
    """Per-memory SRAM use of ``layer`` in its busiest PE, against its configuration's budget.

    Parameters
    ----------
    layer : EncodedLayer
        From :func:`eie_lab.eie.encode`; its ``config`` gives the capacities.

    Returns
    -------
    SramUse

    Examples
    --------
    >>> from eie_lab.data.layers import benchmark_layer
    >>> from eie_lab.eie import EIEConfig, encode
    >>> use = sram_use(encode(benchmark_layer("Alex-8", seed=0), EIEConfig()))
    >>> use.fits, round(use.used_kb["Ptr"], 1)
    (True, 8.0)
    """
    if not isinstance(layer, EncodedLayer):
        raise ConfigError(fail_message("layer", type(layer).__name__, "must be an EncodedLayer",
                                       "pass what eie_lab.eie.encode(W, config) returned"))
    cfg = layer.config
    rep = layer.sram_report()
    m, n = layer.shape
    act = sum(act_sram_bits(length, cfg.n_pe, cfg.act_regfile_entries, cfg.act_bits)
              for length in (n, m))
    kb = 8 * 1024
    used = {"SpMat": rep["spmat_bits_max"] / kb, "Ptr": rep["ptr_bits_max"] / kb, "Act": act / kb}
    cap = {"SpMat": cfg.spmat_sram_bytes / 1024, "Ptr": cfg.ptr_sram_bytes / 1024,
           "Act": float(SRAM_PER_PE_KB["Act"])}  # EIEConfig has no field for it: the paper's 2 KB
    return SramUse(used_kb=used, capacity_kb=cap, pointer_overflow=bool(rep["pointer_overflow"]))

