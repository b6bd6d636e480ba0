"""Arithmetic unit: decodes the weight index through the codebook and multiply-accumulates.

[EIE §IV, "Arithmetic Unit"]: from the sparse-matrix read unit it receives an entry (v, z) and
from the activation queue's head the activation a_j; it performs ``b_x = b_x + W[v] * a_j``. The
4-bit v is first expanded to a 16-bit value by a table look-up (the codebook), and x, the
destination row, is the running sum of the relative indices: within a column,
``x = x_prev + z + 1`` starting from ``x_prev = -1``, so a padding entry (v = 0, weight 0.0)
advances x without changing any sum. Row x of PE k is output row ``x * n_pe + k``; its
accumulator lives in the activation registers (:mod:`~eie_lab.eie.units.act_rw`).

Arithmetic: ``"float"`` multiplies in float64; ``"fixed16"`` uses the signed fixed-point format
of :func:`to_fixed` (weights with ``weight_frac_bits`` fraction bits, activations with
``act_frac_bits``) and exact integer products and sums, as described in
:mod:`eie_lab.eie.functional`.

Examples
--------
>>> import numpy as np
>>> from eie_lab.eie.units.act_rw import ActivationRegisters
>>> regs = ActivationRegisters(m=4, arithmetic="float")
>>> alu = ArithmeticUnit(np.array([0.0, 1.0, 2.0, 3.0]), n_pe=2, arithmetic="float")
>>> alu.new_column(np.array([0, 1]))
>>> alu.mac(np.array([0, 1]), v=np.array([2, 3]), z=np.array([1, 0]),
...         a_j=np.array([0.5, 0.5]), registers=regs)   # PE0 -> row 1*2+0, PE1 -> row 0*2+1
>>> regs.dest.tolist(), alu.macs, alu.real_macs
([0.0, 1.5, 1.0, 0.0], 2, 2)
>>> to_fixed(np.array([0.25, 300.0]), frac=8, bits=16)
(array([   64, 32767]), 1)
"""

from __future__ import annotations

import numpy as np

__all__ = ["ArithmeticUnit", "to_fixed"]


def to_fixed(x: np.ndarray, frac: int, bits: int) -> tuple[np.ndarray, int]:
    """Round ``x`` to signed ``bits``-bit fixed point with ``frac`` fraction bits, saturating.

    Parameters
    ----------
    x : numpy.ndarray
        Real values.
    frac, bits : int
        Fraction bits and word width.

    Returns
    -------
    q : numpy.ndarray
        int64 integers ``round(x * 2**frac)`` clipped to ``[-2**(bits-1), 2**(bits-1) - 1]``.
    clipped : int
        How many values were clipped.

    Examples
    --------
    >>> to_fixed(np.array([1.0, -0.5]), frac=1, bits=4)
    (array([ 2, -1]), 0)
    """
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    q = np.round(np.asarray(x, dtype=np.float64) * (1 << frac))
    clipped = int(np.count_nonzero((q < lo) | (q > hi)))
    return np.clip(q, lo, hi).astype(np.int64), clipped


class ArithmeticUnit:
    """The arithmetic units of all PEs: codebook look-up, destination address, MAC.

    Parameters
    ----------
    codebook : numpy.ndarray
        (2**weight_bits,) shared weights, ``codebook[0] == 0.0``.
    n_pe : int
        Number of PEs (to turn a PE's local row into an output row).
    arithmetic : {"float", "fixed16"}
    act_bits, weight_frac_bits : int
        Fixed-point word width and the codebook's fraction bits (fixed16 only).

    Attributes
    ----------
    macs : int
        Entries processed (padding included).
    real_macs : int
        Entries processed whose v is not 0 (real weights).
    weight_saturations : int
        Entries that used a codebook weight clipped to the fixed-point range.
    """

    def __init__(self, codebook: np.ndarray, n_pe: int, *, arithmetic: str, act_bits: int = 16,
                 weight_frac_bits: int = 12) -> None:
        self.n_pe = int(n_pe)
        if arithmetic == "fixed16":
            self.weights, _ = to_fixed(codebook, weight_frac_bits, act_bits)
            self._clipped = self.weights != np.round(codebook * (1 << weight_frac_bits))
        else:
            self.weights = np.asarray(codebook, dtype=np.float64)
            self._clipped = np.zeros(self.weights.size, dtype=bool)
        self._x = np.full(self.n_pe, -1, dtype=np.int64)  # destination row accumulator per PE
        self.macs = self.real_macs = self.weight_saturations = 0

    def new_column(self, pes: np.ndarray) -> None:
        """Reset the destination address of ``pes`` for a new column (x_prev = -1)."""
        self._x[pes] = -1

    def mac(self, pes: np.ndarray, v: np.ndarray, z: np.ndarray, a_j: np.ndarray,
            registers) -> None:
        """One multiply-accumulate in each PE of ``pes``: ``b_x += W[v] * a_j``.

        Parameters
        ----------
        pes : numpy.ndarray
            PEs that received an entry this cycle.
        v, z : numpy.ndarray
            Their entries (weight index, relative row index).
        a_j : numpy.ndarray
            The activation at each PE's queue head.
        registers : ActivationRegisters
            Holds the destination accumulators.
        """
        self._x[pes] += z + 1
        rows = self._x[pes] * self.n_pe + pes
        registers.accumulate(rows, self.weights[v] * a_j)
        self.macs += int(pes.size)
        self.real_macs += int(np.count_nonzero(v))
        self.weight_saturations += int(np.count_nonzero(self._clipped[v]))
