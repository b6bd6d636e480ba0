"""Activation registers and the activation read/write unit (Act R/W).

[EIE §IV, "Activation Read/Write"]: each PE holds a *source* register file with its share of
the input activations (a_j with j mod N = k) and a *destination* register file with the
accumulators of its output rows (row i with i mod N = k). Each multiply-accumulate reads one
destination accumulator and writes it back; at the end of the layer the accumulators are the
output, and the two files swap roles for the next layer. The files hold
``act_regfile_entries`` words per PE (64 x 16 bit; 4K activations over 64 PEs); longer vectors
go through the 2 KB activation SRAM in batches (:func:`act_batches`).

Batches as time (opt-in, ``EIEConfig(act_batching=True)``; off by default so the timing
contract stays exact): an input longer than the source registers (``n > N x
act_regfile_entries``, e.g. VGG-6's 25,088 inputs over 64 PEs) is scanned in batches of
``N x act_regfile_entries`` activations (``act_regfile_entries`` rows of the detector). Batch 0
is in the registers when the layer starts (the previous layer wrote it there); each later batch is
loaded from the activation SRAM into the source registers, one word per PE per cycle, so it costs
``act_regfile_entries`` cycles (64) during which the detector offers nothing. The PEs keep working
on the items already queued (an item carries its own a_j). This is the lab's model, stated here;
the paper gives no timing for it. :func:`batch_delays` gives the cycles each pick waits for
reloads; an output longer than the destination registers (NT-Wd's 8,791) is counted by
:func:`act_batches` but not charged as time.

Counts (see :class:`~eie_lab.eie.results.AccessCounts`): ``act_reads`` = the n source reads of
the leading non-zero detector's scan + one destination read per MAC; ``act_writes`` = one
destination write per MAC.

Fixed point: in ``"fixed16"`` mode the source activations are rounded to ``act_bits`` bits with
``act_frac_bits`` fraction bits, the accumulators are exact integers, and :func:`write_back`
rounds them once to the activation format (the error this makes is bounded in
:mod:`eie_lab.eie.functional`).

Examples
--------
>>> import numpy as np
>>> regs = ActivationRegisters(m=3, arithmetic="float")
>>> regs.load(np.array([0.0, 2.0]))
>>> regs.accumulate(np.array([0, 2]), np.array([1.5, -4.0]))
>>> regs.write_back(relu=True)[0].tolist(), regs.reads, regs.writes
([1.5, 0.0, 0.0], 2, 2)
>>> act_batches(n=25088, m=4096, n_pe=64, regfile_entries=64)
7
"""

from __future__ import annotations

import numpy as np

from eie_lab.eie.units.arithmetic_unit import to_fixed

__all__ = ["ActivationRegisters", "act_batches", "batch_delays", "input_batch",
           "round_accumulators"]


def act_batches(n: int, m: int, n_pe: int, regfile_entries: int) -> int:
    """Activation-SRAM batches for an n-input, m-output layer: ceil(max(n, m) / (N x entries)).

    1 when both vectors fit the register files.

    Examples
    --------
    >>> act_batches(4096, 4096, 64, 64), act_batches(9216, 4096, 64, 64)
    (1, 3)
    """
    return int(-(-max(int(n), int(m)) // (int(n_pe) * int(regfile_entries))))


def input_batch(j: np.ndarray | int, n_pe: int, regfile_entries: int) -> np.ndarray | int:
    """The source-register batch that holds input j: ``j // (N x act_regfile_entries)``.

    Examples
    --------
    >>> input_batch(np.array([0, 4095, 4096, 25087]), 64, 64).tolist()
    [0, 0, 1, 6]
    """
    return j // (int(n_pe) * int(regfile_entries))


def batch_delays(columns: np.ndarray, n_pe: int, regfile_entries: int) -> np.ndarray:
    """Cycles each pick waits for source-register reloads (``act_batching=True``).

    ``regfile_entries`` cycles per batch boundary crossed since the previous pick (for the first
    pick, since batch 0): a pick in batch β is offered no earlier than the previous broadcast
    plus ``regfile_entries x (β - β_prev)``.

    Parameters
    ----------
    columns : numpy.ndarray
        (K,) picks in broadcast order (ascending j).
    n_pe, regfile_entries : int
        N and the source registers per PE (64).

    Returns
    -------
    numpy.ndarray
        (K,) int64.

    Examples
    --------
    >>> batch_delays(np.array([5, 4100, 4101, 12300]), 64, 64).tolist()
    [0, 64, 0, 128]
    """
    batch = input_batch(np.asarray(columns, dtype=np.int64), n_pe, regfile_entries)
    return int(regfile_entries) * np.diff(batch, prepend=0)


def round_accumulators(acc: np.ndarray, *, act_bits: int, act_frac_bits: int,
                       weight_frac_bits: int) -> tuple[np.ndarray, int]:
    """Round exact fixed-point sums (``act_frac_bits + weight_frac_bits`` fraction bits) to outputs.

    Parameters
    ----------
    acc : numpy.ndarray
        int64 accumulators: sums of products of fixed-point weights and activations.
    act_bits, act_frac_bits, weight_frac_bits : int
        The formats.

    Returns
    -------
    y : numpy.ndarray
        float64 outputs on the activation grid (step 2**-act_frac_bits).
    saturations : int
        Outputs clipped to the activation range.

    Examples
    --------
    >>> y, sat = round_accumulators(np.array([3 << 11, -(1 << 40)]), act_bits=16, act_frac_bits=8,
    ...                             weight_frac_bits=12)
    >>> y.tolist(), sat       # 1.5 steps round to 2 steps of 1/256; the second saturates
    ([0.0078125, -128.0], 1)
    """
    shift = int(weight_frac_bits)
    out = np.floor_divide(acc + (1 << (shift - 1)), 1 << shift) if shift > 0 else acc
    out, sat = to_fixed(np.asarray(out, dtype=np.float64), 0, act_bits)
    return out / float(1 << act_frac_bits), sat


class ActivationRegisters:
    """Source and destination register files of the whole array, with their access counts.

    Parameters
    ----------
    m : int
        Outputs (destination accumulators).
    arithmetic : {"float", "fixed16"}
    act_bits, act_frac_bits, weight_frac_bits : int
        Fixed-point formats (fixed16 only).

    Attributes
    ----------
    source : numpy.ndarray
        (n,) input activations as the PEs hold them (int64 fixed point in fixed16 mode).
    dest : numpy.ndarray
        (m,) accumulators (float64, or exact int64 in fixed16 mode).
    reads, writes : int
        Destination accumulator reads and writes so far.
    source_saturations : int
        Input activations clipped by :meth:`load`.
    """

    def __init__(self, m: int, *, arithmetic: str, act_bits: int = 16, act_frac_bits: int = 8,
                 weight_frac_bits: int = 12) -> None:
        self.fixed = arithmetic == "fixed16"
        self.act_bits, self.act_frac_bits = int(act_bits), int(act_frac_bits)
        self.weight_frac_bits = int(weight_frac_bits)
        self.dest = np.zeros(int(m), dtype=np.int64 if self.fixed else np.float64)
        self.source = np.zeros(0, dtype=self.dest.dtype)
        self.reads = self.writes = self.source_saturations = 0

    def load(self, a: np.ndarray) -> None:
        """Fill the source registers with the layer's input (rounded in fixed16 mode)."""
        if self.fixed:
            self.source, self.source_saturations = to_fixed(a, self.act_frac_bits, self.act_bits)
        else:
            self.source = np.asarray(a, dtype=np.float64)

    def accumulate(self, rows: np.ndarray, values: np.ndarray) -> None:
        """Read, add to and write back the accumulators of ``rows`` (distinct rows)."""
        self.dest[rows] += values
        self.reads += int(rows.size)
        self.writes += int(rows.size)

    def write_back(self, relu: bool) -> tuple[np.ndarray, int]:
        """The layer's output from the accumulators: ``(y, output saturations)``."""
        if self.fixed:
            y, sat = round_accumulators(self.dest, act_bits=self.act_bits,
                                        act_frac_bits=self.act_frac_bits,
                                        weight_frac_bits=self.weight_frac_bits)
        else:
            y, sat = self.dest.copy(), 0
        return (np.maximum(y, 0.0) if relu else y), sat
