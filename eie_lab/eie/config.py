"""EIEConfig: the frozen, validated configuration of one EIE processing-element array.

Every field carries one comment with its unit and the paper's value ([EIE §III–§VI]). The configuration is immutable; derive variants with :meth:`EIEConfig.replace`.

Before a run allocates anything, :func:`check_run_memory` compares an estimate of the memory it
needs (:func:`estimate_run_bytes`) with the memory available (:func:`available_memory`) and
raises a clear :class:`~eie_lab.errors.ConfigError` instead of letting the operating system kill
the process.

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
import math
import numbers
import os
from dataclasses import dataclass
from pathlib import Path

from eie_lab.errors import ConfigError, fail_message

__all__ = ["EIEConfig", "ARITHMETICS", "TIMINGS", "BROADCAST_WIDTHS", "ENGINES", "N_PE_MAX", "estimate_run_bytes",
           "available_memory", "check_run_memory"]

#: Arithmetic modes of the functional model.
ARITHMETICS = ("float", "fixed16")
#: Timing models of the simulator (see ``help(eie_lab.eie)``).
TIMINGS = ("contract", "pipeline")
#: Non-zero activations the broadcast bus may carry per cycle.
BROADCAST_WIDTHS = (1, 2, 4)
#: Simulator engines (see :func:`eie_lab.eie.simulate`).
ENGINES = ("fast", "cycle")
#: Most PEs a configuration may have (the paper sweeps 1…256 in Fig. 11).
N_PE_MAX = 4096
_BIG = 1 << 20  # upper bound of the counts that have no physical limit of their own

# (field, minimum, maximum, paper hint) for the integer fields; validated in order.
_INT_RULES = (
    ("n_pe", 1, N_PE_MAX, "use n_pe=64 as in the EIE paper (Fig. 11 sweeps 1..256)"),
    ("fifo_depth", 1, _BIG, "use fifo_depth=8 as in the EIE paper (§VI-C)"),
    ("weight_bits", 1, 16, "use weight_bits=4 (a 16-entry codebook) as in the EIE paper"),
    ("index_bits", 1, 16, "use index_bits=4 as in the EIE paper (zmax = 15)"),
    ("pointer_bits", 1, 64, "use pointer_bits=16 as in the EIE paper"),
    ("broadcast_latency", 1, _BIG, "use broadcast_latency=1 (the timing contract needs L >= 1)"),
    ("min_column_cycles", 1, _BIG,
     "use min_column_cycles=1 (a PE spends at least one cycle per item)"),
    ("spmat_width_bits", 1, 1 << 16, "use spmat_width_bits=64 as in the EIE paper"),
    ("act_bits", 2, 32, "use act_bits=16 as in the EIE paper"),
    ("act_frac_bits", 0, 31, "use act_frac_bits=8"),
    ("weight_frac_bits", 0, 31, "use weight_frac_bits=12"),
    ("act_regfile_entries", 1, _BIG, "use act_regfile_entries=64 as in the EIE paper"),
    ("spmat_sram_bytes", 1, 1 << 40, "use 128 * 1024 as in the EIE paper"),
    ("ptr_sram_bytes", 1, 1 << 40, "use 32 * 1024 as in the EIE paper"),
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
    timing : str
        ``"contract"`` (the timing contract, default) or ``"pipeline"`` (the EIE authors' cycle
        simulator; needs ``fifo_depth >= 2``), see ``help(eie_lab.eie)``.
    act_batching : bool
        Charge the activation-SRAM batches of long inputs as time (default False).
    broadcast_width : int
        Non-zero activations broadcast per cycle: 1 (paper), 2 or 4.

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
    timing: str = "contract"  # "contract" or "pipeline" (the authors' simulator), lab default
    act_batching: bool = False  # charge activation-SRAM batches as time, lab default off
    broadcast_width: int = 1  # non-zero activations broadcast per cycle, paper 1

    def __post_init__(self) -> None:
        for name, low, high, fix in _INT_RULES:
            value = getattr(self, name)
            # any integer type (Python, numpy), never a bool; stored as a plain int
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
                raise ConfigError(fail_message(name, value, f"must be an int >= {low}", fix))
            if value > high:
                raise ConfigError(fail_message(name, value, f"must be <= {high}", fix))
            object.__setattr__(self, name, int(value))
        if self.spmat_width_bits < self.entry_bits:
            raise ConfigError(fail_message(
                "spmat_width_bits", self.spmat_width_bits,
                f"must hold at least one entry of weight_bits + index_bits = {self.entry_bits} bits",
                f"use spmat_width_bits={8 * self.entry_bits} (8 entries per row)"))
        clock = self.clock_mhz
        if (isinstance(clock, bool) or not isinstance(clock, numbers.Real)
                or not math.isfinite(clock) or not clock > 0):
            raise ConfigError(fail_message("clock_mhz", clock, "must be a finite number > 0",
                                           "use clock_mhz=800 as in the EIE paper"))
        object.__setattr__(self, "clock_mhz", float(clock))
        if not isinstance(self.arithmetic, str) or self.arithmetic not in ARITHMETICS:
            raise ConfigError(fail_message("arithmetic", self.arithmetic,
                                           f"must be one of {ARITHMETICS}",
                                           'use arithmetic="float" or "fixed16"'))
        if not isinstance(self.timing, str) or self.timing not in TIMINGS:
            raise ConfigError(fail_message("timing", self.timing, f"must be one of {TIMINGS}",
                                           'use timing="contract" (or "pipeline")'))
        if self.timing == "pipeline" and self.fifo_depth < 2:
            raise ConfigError(fail_message("fifo_depth", self.fifo_depth,
                                           'must be >= 2 with timing="pipeline" (its ring of D '
                                           "slots holds D - 1 items)", "use fifo_depth=2 or more"))
        if not isinstance(self.act_batching, bool):
            raise ConfigError(fail_message("act_batching", self.act_batching, "must be a bool",
                                           "use act_batching=True or False"))
        width = self.broadcast_width
        if (isinstance(width, bool) or not isinstance(width, numbers.Integral)
                or width not in BROADCAST_WIDTHS):
            raise ConfigError(fail_message("broadcast_width", self.broadcast_width,
                                           f"must be one of {BROADCAST_WIDTHS}",
                                           "use broadcast_width=1 as in the EIE paper"))
        object.__setattr__(self, "broadcast_width", int(self.broadcast_width))
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


# Bytes per unit of the arrays a run holds at its peak: per PE and column of the encoding
# (pointers, entry counts and their temporaries), per stored entry (values, relative indices,
# rows, columns, codes, sorting temporaries), per PE and broadcast item for each engine (work,
# cumulative work, start and finish cycles, transposed copies; the cycle engine's unit states).
# Fitted to the peak RSS of encode + simulate on the benchmark layers at 64..4096 PEs (21, 16.5,
# 60 and 66 bytes), then raised by a third so the estimate errs on the safe side.
_BYTES_PER_PE_COLUMN = 28
_BYTES_PER_ENTRY = 22
_BYTES_PER_PE_ITEM = {"fast": 80, "cycle": 88}


def _count(name: str, value: object, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ConfigError(fail_message(name, value, f"must be an int >= {low}",
                                       "pass the layer's sizes as integers"))
    return int(value)


def estimate_run_bytes(config: EIEConfig, shape: tuple[int, int], nnz: int | None = None,
                       n_active: int | None = None, engine: str = "fast") -> int:
    """Estimate the peak memory (bytes) of encoding an ``m x n`` layer and simulating it.

    The estimate counts the arrays that grow with the run: the encoding's per-PE, per-column
    tables (``n_pe x n``), the stored entries (non-zeros plus at most one padding entry per
    ``2**index_bits`` positions) and the engine's per-PE, per-broadcast tables
    (``n_pe x n_active``). It is meant to stop runs that cannot fit (tens of GB), not to
    predict small ones to the byte.

    Parameters
    ----------
    config : EIEConfig
    shape : (int, int)
        Rows m and columns n of the weight matrix.
    nnz : int, optional
        Non-zero weights (default ``m * n``, the dense upper bound).
    n_active : int, optional
        Non-zero activations broadcast (default ``n``).
    engine : {"fast", "cycle"}

    Returns
    -------
    int

    Examples
    --------
    >>> small = estimate_run_bytes(EIEConfig(n_pe=64), (4096, 4096), nnz=4096 * 4096 // 10)
    >>> huge = estimate_run_bytes(EIEConfig(n_pe=4096), (4096, 4096), nnz=4096 * 4096 // 10)
    >>> f"{small / 1e9:.2f} GB", f"{huge / 1e9:.1f} GB"  # 64 vs 4096 PEs, all columns active
    ('0.09 GB', '1.9 GB')
    """
    if not isinstance(config, EIEConfig):
        raise ConfigError(fail_message("config", type(config).__name__, "must be an EIEConfig",
                                       "use EIEConfig(n_pe=64)"))
    if not isinstance(shape, tuple | list) or len(shape) != 2:
        raise ConfigError(fail_message("shape", shape, "must be (rows, columns)", "e.g. (4096, 1024)"))
    m, n = _count("shape[0]", shape[0], 1), _count("shape[1]", shape[1], 1)
    nnz = m * n if nnz is None else _count("nnz", nnz, 0)
    k = n if n_active is None else _count("n_active", n_active, 0)
    if engine not in ENGINES:
        raise ConfigError(fail_message("engine", engine, f"must be one of {ENGINES}",
                                       'use engine="fast"'))
    entries = nnz + -(-m * n // (1 << config.index_bits))  # non-zeros + padding, at most
    return int(_BYTES_PER_PE_COLUMN * config.n_pe * (n + 1) + _BYTES_PER_ENTRY * entries
               + _BYTES_PER_PE_ITEM[engine] * config.n_pe * k + 64 * (m + n))


def _read_int(path: str) -> int | None:
    try:
        text = Path(path).read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None  # "max" (no limit) or missing


def available_memory() -> int | None:
    """Memory a new allocation can get now, in bytes, or None when the system does not say.

    ``MemAvailable`` of ``/proc/meminfo`` (else free physical pages from :func:`os.sysconf`),
    lowered to what a control-group limit leaves (containers, CI).

    Examples
    --------
    >>> free = available_memory()
    >>> free is None or free > 0
    True
    """
    found: list[int] = []
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    found.append(int(line.split()[1]) * 1024)
                    break
    except (OSError, ValueError, IndexError):
        pass
    if not found:
        try:
            found.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (AttributeError, ValueError, OSError):
            pass
    limit = _read_int("/sys/fs/cgroup/memory.max")  # cgroup v2
    used = _read_int("/sys/fs/cgroup/memory.current")
    if limit is None:  # cgroup v1
        limit = _read_int("/sys/fs/cgroup/memory/memory.limit_in_bytes")
        used = _read_int("/sys/fs/cgroup/memory/memory.usage_in_bytes")
    if limit is not None and limit < 1 << 60:
        found.append(max(0, limit - (used or 0)))
    return min(found) if found else None


def check_run_memory(config: EIEConfig, shape: tuple[int, int], nnz: int | None = None,
                     n_active: int | None = None, engine: str = "fast",
                     available: int | None = None) -> int:
    """Raise a clear :class:`~eie_lab.errors.ConfigError` before a run that cannot fit in memory.

    Call it before encoding or simulating; it allocates nothing.

    Parameters
    ----------
    config, shape, nnz, n_active, engine
        As in :func:`estimate_run_bytes`.
    available : int, optional
        Bytes available (default :func:`available_memory`; when that is unknown, no check).

    Returns
    -------
    int
        The estimate, in bytes.

    Raises
    ------
    ConfigError
        When the estimate exceeds the memory available, naming ``n_pe``, the sizes and the fix.

    Examples
    --------
    >>> need = check_run_memory(EIEConfig(n_pe=64), (4096, 1024), available=8 << 30)
    >>> try:
    ...     check_run_memory(EIEConfig(n_pe=4096), (4096, 4096), available=1 << 30)
    ... except ConfigError as exc:
    ...     print(str(exc).splitlines()[0].split(" needs ")[0])
    n_pe=4096 is invalid: a 4096 x 4096 layer with 4096 PEs (fast engine)
    """
    need = estimate_run_bytes(config, shape, nnz, n_active, engine)
    free = available_memory() if available is None else available
    if free is not None and need > free:
        m, n = shape
        raise ConfigError(fail_message(
            "n_pe", config.n_pe, f"a {m} x {n} layer with {config.n_pe} PEs ({engine} engine) "
            f"needs about {need / 2**30:.1f} GiB, but only {free / 2**30:.1f} GiB of memory is "
            "available", "use fewer PEs (the paper sweeps 1..256), a smaller layer, or a machine "
            "with more memory"))
    return need
