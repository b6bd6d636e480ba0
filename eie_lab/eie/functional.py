"""Functional model of one layer: y = quantised W @ a, in float or 16-bit fixed point.

Only the columns of the non-zero activations are touched (as EIE does), using the real entries
of the encoded layer in CSC order, so the cost is proportional to the work, not to m x n. This
is the reference the cycle engine's arithmetic unit and activation registers
(:mod:`eie_lab.eie.units`) must reproduce exactly; the fixed-point format (:func:`to_fixed`) and
the final rounding (:func:`round_accumulators`) are theirs.

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
from eie_lab.eie.units.act_rw import round_accumulators
from eie_lab.eie.units.arithmetic_unit import to_fixed

__all__ = ["active_entries", "functional_output"]


def active_entries(layer: EncodedLayer, columns: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows, codes and owning item of the real entries of ``columns``, in broadcast order.

    The entries of one column are contiguous in the CSC arrays, so they are gathered as K
    slices (memory copies) rather than by fancy indexing, which is several times faster.

    Parameters
    ----------
    layer : EncodedLayer
        The encoded weight matrix.
    columns : numpy.ndarray
        (K,) column indices (the non-zero activations), in broadcast order.

    Returns
    -------
    rows, codes : numpy.ndarray
        (nnz_active,) output row and codebook index of each entry.
    lens : numpy.ndarray
        (K,) entries per item (to expand per-item values with ``np.repeat``).

    Examples
    --------
    >>> import numpy as np
    >>> from eie_lab.data.layers import fig2_example
    >>> from eie_lab.eie import EIEConfig, encode
    >>> W, a = fig2_example()
    >>> layer = encode(W, EIEConfig(n_pe=4), codebook=np.arange(16.0), codes=W.astype(int))
    >>> rows, codes, lens = active_entries(layer, np.array([2, 4]))
    >>> rows.tolist(), lens.tolist()
    ([0, 2, 7, 12, 14, 0, 4, 6, 9, 11], [5, 5])
    """
    starts = layer.csc_ptr[columns]
    ends = layer.csc_ptr[columns + 1]
    lens = ends - starts
    if columns.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, lens
    bounds = list(zip(starts.tolist(), ends.tolist()))
    rows = np.concatenate([layer.csc_rows[s:e] for s, e in bounds])
    codes = np.concatenate([layer.csc_codes[s:e] for s, e in bounds])
    return rows, codes, lens


def functional_output(layer: EncodedLayer, a: np.ndarray, columns: np.ndarray, *,
                      arithmetic: str, act_bits: int, act_frac_bits: int, weight_frac_bits: int,
                      relu: bool) -> tuple[np.ndarray, np.ndarray | None, int]:
    """Return ``(y, error_bound, saturations)`` for activations ``a`` (non-zeros at ``columns``).

    Low-level: inputs are not validated; :func:`eie_lab.eie.simulate` calls it with the layer's
    configuration.

    Parameters
    ----------
    layer : EncodedLayer
        The encoded weight matrix.
    a : numpy.ndarray
        (n,) float64 activations.
    columns : numpy.ndarray
        (K,) indices of the non-zeros of ``a``.
    arithmetic : {"float", "fixed16"}
        Exact float64, or fixed point as described in the module docstring.
    act_bits, act_frac_bits, weight_frac_bits : int
        Fixed-point word width and fraction bits (ignored in float mode).
    relu : bool
        Apply ReLU to the output.

    Returns
    -------
    y : numpy.ndarray
        (m,) layer output.
    error_bound : numpy.ndarray or None
        (m,) bound on ``|y - W_q @ a|`` in fixed16 mode; None in float mode.
    saturations : int
        Values clipped to the fixed-point range (0 in float mode).

    Examples
    --------
    >>> import numpy as np
    >>> from eie_lab.eie import EIEConfig, encode
    >>> W = np.array([[0.0, 1.0], [2.0, 0.0], [0.0, 0.0], [3.0, 1.0]])
    >>> layer = encode(W, EIEConfig(n_pe=2), codebook=np.arange(16.0) / 4)
    >>> a = np.array([0.5, 2.0])
    >>> kw = dict(act_bits=16, act_frac_bits=8, weight_frac_bits=12, relu=False)
    >>> y, bound, sat = functional_output(layer, a, np.flatnonzero(a), arithmetic="float", **kw)
    >>> y.tolist(), bound, sat
    ([2.0, 1.0, 0.0, 3.5], None, 0)
    >>> y16, bound, sat = functional_output(layer, a, np.flatnonzero(a), arithmetic="fixed16", **kw)
    >>> bool(np.all(np.abs(y16 - y) <= bound)), sat
    (True, 0)
    """
    m = layer.shape[0]
    rows, codes, lens = active_entries(layer, columns)
    if arithmetic == "float":
        vals = layer.codebook[codes]
        vals *= np.repeat(a[columns], lens)
        y = np.bincount(rows, weights=vals, minlength=m)
        return (np.maximum(y, 0.0) if relu else y), None, 0
    item = np.repeat(np.arange(columns.size), lens)
    a_fx, sat_a = to_fixed(a[columns], act_frac_bits, act_bits)
    cb_fx, _ = to_fixed(layer.codebook, weight_frac_bits, act_bits)
    clipped = cb_fx != np.round(layer.codebook * (1 << weight_frac_bits))  # (codebook,) bool
    sat_w = int(np.count_nonzero(clipped[codes]))  # entries that used a clipped weight
    prods = cb_fx[codes] * a_fx[item]  # exact int64 products
    # exact integer sums (split high/low halves so float64 bincount stays exact)
    low = np.bincount(rows, weights=(prods & 0xFFFFF).astype(np.float64), minlength=m)
    high = np.bincount(rows, weights=(prods >> 20).astype(np.float64), minlength=m)
    acc = (high.astype(np.int64) << 20) + low.astype(np.int64)
    y, sat_y = round_accumulators(acc, act_bits=act_bits, act_frac_bits=act_frac_bits,
                                  weight_frac_bits=weight_frac_bits)
    qa, qw = 2.0 ** -act_frac_bits, 2.0 ** -weight_frac_bits
    terms = (np.abs(layer.codebook[codes]) * qa / 2 + np.abs(a[columns][item]) * qw / 2
             + qa * qw / 4)
    bound = np.bincount(rows, weights=terms, minlength=m) + qa / 2
    if relu:
        y = np.maximum(y, 0.0)
    return y, bound, sat_a + sat_w + sat_y
