"""Interleaved CSC encoding of a weight matrix over the EIE PE array ([EIE §III-B], timing contract in :mod:`eie_lab.eie`).

Row i of W (m x n, rows are outputs) lives in PE ``i % N`` at local row ``i // N``. Each PE keeps
its slice of every column as entries (v, z): v is the 4-bit codebook index, z the number of zero
local rows before the entry (counted from the previous entry of the column in that PE, or from
local row 0). While z > zmax a padding entry (v=0, z=zmax) is emitted and z shrinks by zmax + 1.
``p[k][j]`` is the first entry of column j in PE k; ``e[k][j] = p[k][j+1] - p[k][j]``. The layout
and the padding rule live in :mod:`eie_lab.sparse_format` (:func:`~eie_lab.sparse_format.interleave`);
this module checks and quantises the input and wraps the result as an :class:`EncodedLayer`.

Examples
--------
The paper's padding fixture (a 23-row column on one PE) [EIE §III-B]:

>>> import numpy as np
>>> from eie_lab.eie import EIEConfig, encode
>>> col = np.array([0, 0, 1, 2] + [0] * 18 + [3], dtype=float).reshape(-1, 1)
>>> cb = np.array([0.0, 1, 2, 3] + [0.0] * 12)
>>> layer = encode(col, EIEConfig(n_pe=1), codebook=cb, codes=col.astype(int))
>>> layer.v[0].tolist(), layer.z[0].tolist(), layer.p[0].tolist()
([1, 2, 0, 3], [2, 0, 15, 2], [0, 4])
>>> bool(np.array_equal(layer.decode(), col))
True
"""

from __future__ import annotations

import numpy as np

from eie_lab.data.layers import BenchmarkLayer
from eie_lab.eie.config import EIEConfig
from eie_lab.eie.layer import EncodedLayer
from eie_lab.errors import EncodingError, fail_message
from eie_lab.progress import progress_bar
from eie_lab.quantizer import quantize_to_codebook, share_weights
from eie_lab.sparse_format import interleave

__all__ = ["EncodedLayer", "encode", "encode_coo", "check_matrix", "PROGRESS_FROM"]

#: Matrices with at least this many weights (about a second of encoding) show a progress bar.
PROGRESS_FROM = 1 << 24


def check_matrix(W: object, name: str = "W") -> np.ndarray:
    """Return ``W`` as a finite 2-D float64 array or raise :class:`EncodingError`.

    Parameters
    ----------
    W : array_like
        Candidate weight matrix (m, n).
    name : str
        Name used in error messages (e.g. ``"weights[1]"``).

    Returns
    -------
    numpy.ndarray
        ``W`` as a float array: float32 and float64 input is returned as it is (no copy);
        integers become float64.

    Raises
    ------
    EncodingError
        When W is not 2-D, is empty, is not real-valued, or holds NaN/inf.

    Examples
    --------
    >>> check_matrix([[1, 0], [0, 2]]).dtype
    dtype('float64')
    >>> check_matrix([1.0, 2.0])
    Traceback (most recent call last):
    ...
    eie_lab.errors.EncodingError: W.shape=(2,) is invalid: must be 2-D (outputs x inputs)
    help: pass a dense matrix; reshape a vector with .reshape(m, n)
    """
    arr = np.asarray(W)
    if arr.ndim != 2:
        raise EncodingError(fail_message(f"{name}.shape", arr.shape, "must be 2-D (outputs x inputs)",
                                         "pass a dense matrix; reshape a vector with .reshape(m, n)"))
    if arr.shape[0] < 1 or arr.shape[1] < 1:
        raise EncodingError(fail_message(f"{name}.shape", arr.shape, "must have at least 1 row and 1 column",
                                         "pass a non-empty matrix"))
    if not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
        raise EncodingError(fail_message(f"{name}.dtype", arr.dtype, "must be real numbers",
                                         "convert with np.asarray(W, dtype=float)"))
    if arr.dtype.kind != "f":
        arr = arr.astype(np.float64)
    # one cheap sum first (no temporary the size of W); the element-wise test only if it fails
    if not np.isfinite(arr.sum(dtype=np.float64)) and not np.isfinite(arr).all():
        raise EncodingError(fail_message(name, "array with NaN/inf", "must be finite",
                                         "replace NaN/inf weights (np.nan_to_num) before encoding"))
    return arr


def _check_codebook(codebook: object, cfg: EIEConfig) -> np.ndarray:
    try:
        cb = np.asarray(codebook, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise EncodingError(fail_message("codebook", codebook, "must be an array of numbers",
                                         "pass e.g. share_weights(W, bits)[0]")) from exc
    need = cfg.codebook_size
    if cb.ndim != 1 or cb.size != need:
        raise EncodingError(fail_message(
            "codebook", f"array of shape {cb.shape}",
            f"must have exactly 2**weight_bits = {need} entries",
            f"pad the codebook with zeros to {need} entries or set weight_bits to match"))
    if not np.isfinite(cb).all():
        raise EncodingError(fail_message("codebook", cb.tolist(), "must be finite", "remove NaN/inf"))
    if cb[0] != 0.0:
        raise EncodingError(fail_message("codebook[0]", float(cb[0]), "must be 0.0 (code 0 = pruned weight)",
                                         "reserve code 0 for zero, e.g. share_weights(..., reserve_zero=True)"))
    return cb


def _check_codes(c: object, shape: tuple[int, int], cb: np.ndarray) -> np.ndarray:
    c = np.asarray(c)
    if c.shape != shape:
        raise EncodingError(fail_message("codes.shape", c.shape, f"must equal W.shape={shape}",
                                         "pass the codes returned together with the codebook"))
    if not np.issubdtype(c.dtype, np.integer):
        if not np.issubdtype(c.dtype, np.number) or not np.all(c == np.round(c)):
            raise EncodingError(fail_message("codes.dtype", c.dtype, "must be integers",
                                             "pass integer codebook indices"))
    if c.size and (c.min() < 0 or c.max() >= cb.size):
        raise EncodingError(fail_message("codes", f"range [{c.min()}, {c.max()}]",
                                         f"must lie in [0, {cb.size - 1}]",
                                         "raise weight_bits or re-quantise the weights"))
    return c


def _stored_entries(W: np.ndarray, cfg: EIEConfig, codebook, codes, seed) -> tuple[np.ndarray, ...]:
    """(codebook, rows, cols, codes) of the stored weights, in CSC order.

    Only the non-zeros are touched after the one ``np.nonzero`` pass, so the working memory is
    a few arrays of length nnz on top of the input (never a dense code matrix).
    """
    if codes is not None and codebook is None:
        raise EncodingError(fail_message("codebook", None, "is needed when codes are given",
                                         "pass codebook= together with codes="))
    if codes is not None:
        cb = _check_codebook(codebook, cfg)
        c = _check_codes(codes, W.shape, cb)
        rows, cols = np.nonzero(c)
        vals = c[rows, cols]
    else:
        rows, cols = np.nonzero(W)  # row-major order, as weight sharing has always seen them
        values = W[rows, cols].astype(np.float64)
        if codebook is None:
            if not values.size:  # nothing to cluster: every weight is pruned
                return np.zeros(cfg.codebook_size), rows, cols, values.astype(np.int64)
            shared, vals = share_weights(values, cfg.weight_bits, reserve_zero=True,
                                         init="linear", seed=seed)
            cb = _check_codebook(np.asarray(shared, dtype=np.float64), cfg)
        else:
            cb = _check_codebook(codebook, cfg)
            vals = quantize_to_codebook(values, cb)
        del values
    # stable sort by column (a radix sort on 16-bit keys) keeps rows ascending within a column;
    # gather one array at a time so each original is freed before the next copy is made
    key = cols.astype(np.uint16) if W.shape[1] <= 1 << 16 else cols
    order = np.argsort(key, kind="stable")
    del key
    rows = rows[order]
    cols = cols[order]
    vals = vals[order]
    return cb, rows, cols, vals


def encode(W: object, config: EIEConfig | None = None, *, codebook: object = None,
           codes: object = None, seed: int = 0, progress: bool | None = None) -> EncodedLayer:
    """Quantise W and store it as interleaved CSC over the PE array.

    Parameters
    ----------
    W : array_like or BenchmarkLayer
        (m, n) dense weights, rows are outputs. Zeros are pruned weights. A
        :class:`~eie_lab.data.layers.BenchmarkLayer` is encoded from its stored entries and
        codebook, without building the dense matrix (:func:`encode_coo`); ``codebook`` and
        ``codes`` must then be omitted.
    config : EIEConfig, optional
        Defaults to ``EIEConfig()`` (64 PEs, 4-bit v and z).
    codebook : array_like, optional
        (2**weight_bits,) shared weights with ``codebook[0] == 0.0``. Without ``codes``, each
        non-zero weight gets the nearest non-zero entry. Without a codebook, weights are shared
        by k-means (:func:`eie_lab.quantizer.share_weights`).
    codes : array_like of int, optional
        (m, n) codebook indices; code 0 marks a pruned weight. Needs ``codebook``.
    seed : int
        Passed to weight sharing (its default linear initialisation draws no random numbers).
    progress : bool, optional
        Progress bar for matrices of at least :data:`PROGRESS_FROM` weights (None follows
        ``EIE_LAB_PROGRESS``; smaller matrices never show one).

    Returns
    -------
    EncodedLayer

    Raises
    ------
    EncodingError
        Non-2-D or non-finite W, a codebook of the wrong size or with ``codebook[0] != 0``,
        codes of the wrong shape or out of range.

    Examples
    --------
    >>> import numpy as np
    >>> W = np.array([[0.0, 1.0], [2.0, 0.0], [0.0, 0.0], [3.0, 1.0]])
    >>> layer = encode(W, EIEConfig(n_pe=2), codebook=np.arange(16.0))
    >>> layer.v[0].tolist(), layer.z[0].tolist(), layer.p[0].tolist()  # rows 0 and 2
    ([1], [0], [0, 0, 1])
    >>> layer.v[1].tolist(), layer.z[1].tolist(), layer.p[1].tolist()  # rows 1 and 3
    ([2, 3, 1], [0, 0, 1], [0, 2, 3])
    >>> bool(np.array_equal(layer.decode(), W))
    True

    A benchmark layer of EIE Table III:

    >>> from eie_lab.data.layers import benchmark_layer
    >>> encode(benchmark_layer("NT-We"), EIEConfig(n_pe=64)).nnz
    245892
    """
    if isinstance(W, BenchmarkLayer):
        if codebook is not None or codes is not None:
            raise EncodingError(fail_message("codebook/codes", "given with a BenchmarkLayer",
                                             "a benchmark layer carries its own codebook and codes",
                                             "call encode(layer, config) without them"))
        return encode_coo(W.shape, W.rows, W.cols, W.codes, W.codebook, config)
    cfg = EIEConfig() if config is None else config
    if not isinstance(cfg, EIEConfig):
        raise EncodingError(fail_message("config", type(cfg).__name__, "must be an EIEConfig",
                                         "pass EIEConfig(...) or None"))
    Wf = check_matrix(W)
    show = progress if Wf.size >= PROGRESS_FROM else False
    with progress_bar(total=2, desc=f"encode {Wf.shape[0]}x{Wf.shape[1]}", unit="stage",
                      progress=show) as bar:
        cb, rows, cols, vals = _stored_entries(Wf, cfg, codebook, codes, seed)
        bar.update(1)  # non-zeros found and quantised
        layer = _build(*Wf.shape, rows, cols, vals, cb, cfg)
        bar.update(1)  # interleaved over the PEs
    return layer


def _as_int_array(name: str, x: object) -> np.ndarray:
    """``x`` as a flat int64 array; float values must be whole numbers (no silent truncation)."""
    try:
        arr = np.asarray(x)
        as_int = arr.astype(np.int64).ravel()
    except (TypeError, ValueError) as exc:
        raise EncodingError(fail_message(name, x, "must be integers", f"pass {name} as ints")) from exc
    if arr.dtype.kind not in "iub" and not np.array_equal(as_int, arr.ravel()):
        raise EncodingError(fail_message(name, arr.ravel()[:5].tolist(), "must be whole numbers",
                                         f"round or cast {name} to int first"))
    return as_int


def encode_coo(shape: tuple[int, int], rows: object, cols: object, codes: object,
               codebook: object, config: EIEConfig | None = None) -> EncodedLayer:
    """Encode a matrix given as its stored entries (coordinate form), without a dense copy.

    Parameters
    ----------
    shape : (int, int)
        (m, n).
    rows, cols, codes : array_like of int
        Row, column and codebook index of each stored weight (any order, no duplicates);
        entries with code 0 are dropped.
    codebook : array_like
        (2**weight_bits,) with ``codebook[0] == 0.0``.
    config : EIEConfig, optional

    Returns
    -------
    EncodedLayer

    Examples
    --------
    >>> layer = encode_coo((4, 2), [3, 0], [1, 1], [2, 1], [0.0, 0.5, -1.0, 2.0], EIEConfig(
    ...     n_pe=2, weight_bits=2))
    >>> layer.decode().tolist()
    [[0.0, 0.5], [0.0, 0.0], [0.0, 0.0], [0.0, -1.0]]
    """
    cfg = EIEConfig() if config is None else config
    m, n = (int(x) for x in shape)
    if m < 1 or n < 1:
        raise EncodingError(fail_message("shape", shape, "must have m >= 1 and n >= 1",
                                         "pass the dense shape (outputs, inputs)"))
    cb = _check_codebook(codebook, cfg)
    r, cl, cd = (_as_int_array(name, x) for name, x in
                 (("rows", rows), ("cols", cols), ("codes", codes)))
    if not r.size == cl.size == cd.size:
        raise EncodingError(fail_message("rows/cols/codes", (r.size, cl.size, cd.size),
                                         "must have the same length", "pass one triple per entry"))
    if r.size and (r.min() < 0 or r.max() >= m or cl.min() < 0 or cl.max() >= n):
        raise EncodingError(fail_message("rows/cols", "out-of-range index", f"must lie in {shape}",
                                         "check the matrix shape"))
    if cd.size and (cd.min() < 0 or cd.max() >= cb.size):
        raise EncodingError(fail_message("codes", f"range [{cd.min()}, {cd.max()}]",
                                         f"must lie in [0, {cb.size - 1}]", "raise weight_bits"))
    if not np.all(cd):
        keep = cd != 0
        r, cl, cd = r[keep], cl[keep], cd[keep]
    flat = cl * m + r  # column-major position
    step = np.diff(flat)
    if np.any(step <= 0):  # not yet in CSC order: sort (skipped for already-sorted input)
        order = np.argsort(flat, kind="stable")
        r, cl, cd, flat = r[order], cl[order], cd[order], flat[order]
        step = np.diff(flat)
    if np.any(step == 0):
        raise EncodingError(fail_message("rows/cols", "duplicate (row, col)", "must be unique",
                                         "sum duplicates before encoding"))
    return _build(m, n, r, cl, cd, cb, cfg)


def _build(m: int, n: int, rows: np.ndarray, cols: np.ndarray, csc_codes: np.ndarray,
           cb: np.ndarray, cfg: EIEConfig) -> EncodedLayer:
    """Interleave entries given in CSC order (by column, then row) over the PEs."""
    lay = interleave((m, n), rows, cols, csc_codes, cfg.n_pe, cfg.index_bits, cfg.weight_bits)
    csc_ptr = np.concatenate(([0], np.cumsum(np.bincount(cols, minlength=n)))).astype(np.int64)
    return EncodedLayer(shape=(m, n), config=cfg, codebook=cb, v=lay.v, z=lay.z, p=lay.p, e=lay.e,
                        e_real=lay.e_real, csc_ptr=csc_ptr, csc_rows=rows.astype(np.intp, copy=False),
                        csc_codes=csc_codes.astype(np.uint8 if cb.size <= 256 else np.int64))
