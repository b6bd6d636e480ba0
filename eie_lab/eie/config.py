"""EIEConfig: the frozen, validated configuration of one EIE processing-element array.

Every field carries one comment with its unit and the paper's value ([EIE §III–§VI],
papers.md §1.7). The configuration is immutable; derive variants with :meth:`EIEConfig.replace`.

Examples
--------
>>> from eie_lab.eie import EIEConfig
>>> cfg = EIEConfig()
>>> cfg.n_pe, cfg.fifo_depth, cfg.zmax, cfg.entries_per_row
(64, 8, 15, 8)
>>> cfg.replace(n_pe=4).n_pe
4
>>> EIEConfig(fifo_depth=0)
Traceback (most recent call last):
...
eie_lab.errors.ConfigError: fifo_depth=0 is invalid: must be an int >= 1
help: use fifo_depth=8 as in the EIE paper (§VI-C)
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from eie_lab.errors import ConfigError, fail_message

__all__ = ["EIEConfig", "ARITHMETICS"]

#: Arithmetic modes of the functional model.
ARITHMETICS = ("float", "fixed16")

# (field, minimum, paper hint) for the integer fields; validated in order.
_INT_RULES = (
    ("n_pe", 1, "use n_pe=64 as in the EIE paper"),
    ("fifo_depth", 1, "use fifo_depth=8 as in the EIE paper (§VI-C)"),
    ("weight_bits", 1, "use weight_bits=4 (a 16-entry codebook) as in the EIE paper"),
    ("index_bits", 1, "use index_bits=4 as in the EIE paper (zmax = 15)"),
    ("pointer_bits", 1, "use pointer_bits=16 as in the EIE paper"),
    ("broadcast_latency", 1, "use broadcast_latency=1 (the timing contract needs L >= 1)"),
    ("min_column_cycles", 1, "use min_column_cycles=1 (a PE spends at least one cycle per item)"),
    ("spmat_width_bits", 1, "use spmat_width_bits=64 as in the EIE paper"),
    ("act_bits", 2, "use act_bits=16 as in the EIE paper"),
    ("act_frac_bits", 0, "use act_frac_bits=8"),
    ("weight_frac_bits", 0, "use weight_frac_bits=12"),
    ("act_regfile_entries", 1, "use act_regfile_entries=64 as in the EIE paper"),
    ("spmat_sram_bytes", 1, "use 128 * 1024 as in the EIE paper"),
    ("ptr_sram_bytes", 1, "use 32 * 1024 as in the EIE paper"),
)


@dataclass(frozen=True)
class EIEConfig:
    """Parameters of the EIE PE array and of its functional model.

    Parameters
    ----------
    n_pe : int
        Number of processing elements N (paper: 64; swept 1…256 in Fig. 11).
    fifo_depth : int
        Activation-queue depth D per PE, in items (paper: 8, chosen in §VI-C).
    weight_bits : int
        Bits of the weight index v; the codebook has ``2**weight_bits`` entries (paper: 4).
    index_bits : int
        Bits of the relative row index z; ``zmax = 2**index_bits - 1`` (paper: 4 -> 15).
    pointer_bits : int
        Bits of one column pointer p_j (paper: 16).
    clock_mhz : float
        Clock frequency in MHz (paper: 800).
    broadcast_latency : int
        Cycles L from a broadcast until the item can be started by a PE (contract: >= 1).
    min_column_cycles : int
        Minimum cycles c a PE spends per broadcast item, even on an empty column (default 1).
    spmat_width_bits : int
        Width of one sparse-matrix SRAM row in bits (paper: 64 = 8 entries of 8 bits).
    act_bits : int
        Width of activations and expanded codebook values in bits (paper: 16-bit fixed).
    arithmetic : str
        ``"float"`` (exact float64 arithmetic) or ``"fixed16"`` (``act_bits`` fixed point).
    act_frac_bits : int
        Fractional bits of activations in fixed-point mode (lab choice: 8, range ±128).
    weight_frac_bits : int
        Fractional bits of codebook values in fixed-point mode (lab choice: 12, range ±8).
    act_regfile_entries : int
        Activation register-file entries per PE (paper: 64 x 16 bit; 4K over 64 PEs).
    spmat_sram_bytes : int
        Sparse-matrix SRAM per PE in bytes (paper: 128 KB).
    ptr_sram_bytes : int
        Pointer SRAM per PE in bytes (paper: 32 KB).

    Examples
    --------
    >>> cfg = EIEConfig(n_pe=4, fifo_depth=2)
    >>> cfg.zmax, cfg.codebook_size, cfg.entry_bits
    (15, 16, 8)
    >>> EIEConfig(arithmetic="int8")
    Traceback (most recent call last):
    ...
    eie_lab.errors.ConfigError: arithmetic='int8' is invalid: must be one of ('float', 'fixed16')
    help: use arithmetic="float" or "fixed16"
    """

    n_pe: int = 64  # PEs (N), paper 64
    fifo_depth: int = 8  # activation queue depth D in items, paper 8
    weight_bits: int = 4  # bits per weight index v, paper 4 (16-entry codebook)
    index_bits: int = 4  # bits per relative row index z, paper 4 (zmax 15)
    pointer_bits: int = 16  # bits per column pointer, paper 16
    clock_mhz: float = 800.0  # clock in MHz, paper 800
    broadcast_latency: int = 1  # cycles L from broadcast to earliest start, contract default 1
    min_column_cycles: int = 1  # minimum cycles c per item and PE, contract default 1
    spmat_width_bits: int = 64  # spmat SRAM row width in bits, paper 64 (8 entries)
    act_bits: int = 16  # activation / codebook word width in bits, paper 16
    arithmetic: str = "float"  # "float" or "fixed16", paper uses 16-bit fixed point
    act_frac_bits: int = 8  # fraction bits of fixed-point activations, lab choice 8
    weight_frac_bits: int = 12  # fraction bits of fixed-point codebook values, lab choice 12
    act_regfile_entries: int = 64  # activation registers per PE (x16 bit), paper 64
    spmat_sram_bytes: int = 128 * 1024  # spmat SRAM per PE in bytes, paper 128 KB
    ptr_sram_bytes: int = 32 * 1024  # pointer SRAM per PE in bytes, paper 32 KB

    def __post_init__(self) -> None:
        for name, low, fix in _INT_RULES:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ConfigError(fail_message(name, value, f"must be an int >= {low}", fix))
        if self.weight_bits > 16:
            raise ConfigError(fail_message("weight_bits", self.weight_bits, "must be <= 16",
                                           "use weight_bits=4 as in the EIE paper"))
        if self.index_bits > 16:
            raise ConfigError(fail_message("index_bits", self.index_bits, "must be <= 16",
                                           "use index_bits=4 as in the EIE paper"))
        if self.spmat_width_bits < self.entry_bits:
            raise ConfigError(fail_message(
                "spmat_width_bits", self.spmat_width_bits,
                f"must hold at least one entry of weight_bits + index_bits = {self.entry_bits} bits",
                f"use spmat_width_bits={8 * self.entry_bits} (8 entries per row)"))
        clock = self.clock_mhz
        if (isinstance(clock, bool) or not isinstance(clock, (int, float)) or not clock > 0
                or clock == float("inf")):
            raise ConfigError(fail_message("clock_mhz", clock, "must be a finite number > 0",
                                           "use clock_mhz=800 as in the EIE paper"))
        if self.arithmetic not in ARITHMETICS:
            raise ConfigError(fail_message("arithmetic", self.arithmetic,
                                           f"must be one of {ARITHMETICS}",
                                           'use arithmetic="float" or "fixed16"'))
        for name in ("act_frac_bits", "weight_frac_bits"):
            if getattr(self, name) >= self.act_bits:
                raise ConfigError(fail_message(name, getattr(self, name),
                                               f"must be < act_bits={self.act_bits}",
                                               "leave at least the sign bit for the integer part"))

    @property
    def zmax(self) -> int:
        """Largest relative row index, ``2**index_bits - 1`` (15 in the paper)."""
        return (1 << self.index_bits) - 1

    @property
    def entry_bits(self) -> int:
        """Bits of one (v, z) entry in the spmat SRAM (8 in the paper)."""
        return self.weight_bits + self.index_bits

    @property
    def entries_per_row(self) -> int:
        """Whole entries per spmat SRAM row, ``spmat_width_bits // entry_bits`` (8 in the paper)."""
        return self.spmat_width_bits // self.entry_bits

    @property
    def codebook_size(self) -> int:
        """Codebook entries, ``2**weight_bits`` (16 in the paper)."""
        return 1 << self.weight_bits

    def replace(self, **changes: object) -> EIEConfig:
        """Return a copy with some fields changed (validated again).

        Parameters
        ----------
        **changes : object
            New values for existing fields, e.g. ``fifo_depth=1``.

        Returns
        -------
        EIEConfig
            A new, validated configuration; ``self`` is unchanged.

        Raises
        ------
        ConfigError
            For an unknown field name or an invalid value.

        Examples
        --------
        >>> EIEConfig().replace(fifo_depth=1, n_pe=16).fifo_depth
        1
        """
        names = {f.name for f in dataclasses.fields(self)}
        for key in changes:
            if key not in names:
                raise ConfigError(fail_message(key, changes[key], "is not an EIEConfig field",
                                               f"use one of {sorted(names)}"))
        return dataclasses.replace(self, **changes)
