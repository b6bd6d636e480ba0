"""Functional model of one layer: y = quantised W @ a, in float or 16-bit fixed point.

Only the columns of the non-zero activations are touched (as EIE does), using the real entries
of the encoded layer in CSC order, so the cost is proportional to the work, not to m x n.

Fixed-point mode (``arithmetic="fixed16"``)
------------------------------------------
Activations are rounded to ``act_bits``-bit signed fixed point with ``act_frac_bits`` fraction
bits (step qa = 2**-act_frac_bits) and the codebook to ``act_bits`` bits with ``weight_frac_bits``
fraction bits (step qw = 2**-weight_frac_bits), saturating at the format's range. Products and
sums are exact integers (a wide accumulator); the result is rounded once to the activation format.
Without saturation, for output i with stored weights w_ij (real entries in active columns):

    |y_i - (W_q a)_i| <= sum_j (|w_ij| qa/2 + |a_j| qw/2 + qa qw / 4) + qa/2

which :attr:`SimResult.y_error_bound` reports per output.
"""

from __future__ import annotations

import numpy as np

from eie_lab.eie.encoding import EncodedLayer

__all__ = ["active_entries", "functional_output"]


def active_entries(layer: EncodedLayer, columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Indices into the CSC arrays of the real entries of ``columns``, and their column's slot.

    Returns
    -------
    idx : numpy.ndarray
        (nnz_active,) positions in ``layer.csc_rows`` / ``layer.csc_codes``.
    item : numpy.ndarray
        (nnz_active,) position in ``columns`` of each entry's column.
    """
    starts = layer.csc_ptr[columns]
    lens = layer.csc_ptr[columns + 1] - starts
    total = int(lens.sum())
    item = np.repeat(np.arange(columns.size), lens)
    # idx = start of own column + offset inside it, built without a Python loop
    offs = np.cumsum(lens) - lens
    idx = np.arange(total, dtype=np.int64) + (starts - offs)[item]
    return idx, item


def _to_fixed(x: np.ndarray, frac: int, bits: int) -> tuple[np.ndarray, int]:
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    q = np.round(x * (1 << frac))
    sat = int(np.count_nonzero((q < lo) | (q > hi)))
    return np.clip(q, lo, hi).astype(np.int64), sat


def functional_output(layer: EncodedLayer, a: np.ndarray, columns: np.ndarray, *,
                      arithmetic: str, act_bits: int, act_frac_bits: int, weight_frac_bits: int,
                      relu: bool) -> tuple[np.ndarray, np.ndarray | None, int]:
    """Return ``(y, error_bound, saturations)`` for activations ``a`` (non-zeros at ``columns``)."""
    m = layer.shape[0]
    idx, item = active_entries(layer, columns)
    rows = layer.csc_rows[idx]
    codes = layer.csc_codes[idx]
    if arithmetic == "float":
        vals = layer.codebook[codes] * a[columns][item]
        y = np.bincount(rows, weights=vals, minlength=m)
        return (np.maximum(y, 0.0) if relu else y), None, 0
    a_fx, sat_a = _to_fixed(a[columns], act_frac_bits, act_bits)
    cb_fx, sat_w = _to_fixed(layer.codebook, weight_frac_bits, act_bits)
    prods = cb_fx[codes] * a_fx[item]  # exact int64 products
    # exact integer sums (split high/low halves so float64 bincount stays exact)
    low = np.bincount(rows, weights=(prods & 0xFFFFF).astype(np.float64), minlength=m)
    high = np.bincount(rows, weights=(prods >> 20).astype(np.float64), minlength=m)
    acc = (high.astype(np.int64) << 20) + low.astype(np.int64)
    shift = weight_frac_bits  # result keeps act_frac_bits fraction bits
    out = np.floor_divide(acc + (1 << (shift - 1)), 1 << shift) if shift > 0 else acc
    out, sat_y = _to_fixed(out.astype(np.float64), 0, act_bits)
    y = out / float(1 << act_frac_bits)
    qa, qw = 2.0 ** -act_frac_bits, 2.0 ** -weight_frac_bits
    terms = (np.abs(layer.codebook[codes]) * qa / 2 + np.abs(a[columns][item]) * qw / 2
             + qa * qw / 4)
    bound = np.bincount(rows, weights=terms, minlength=m) + qa / 2
    if relu:
        y = np.maximum(y, 0.0)
    return y, bound, sat_a + sat_w + sat_y
