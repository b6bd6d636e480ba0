"""EncodedLayer: one weight matrix stored as interleaved CSC over the PE array.

Built by :func:`eie_lab.eie.encode` (or :func:`eie_lab.eie.encode_coo`); see
:mod:`eie_lab.eie.encoding` for the layout rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from eie_lab.eie.config import EIEConfig
from eie_lab.sparse_format import decode_interleaved

__all__ = ["EncodedLayer"]


@dataclass(frozen=True, eq=False)
class EncodedLayer:
    """One layer stored as interleaved CSC over ``config.n_pe`` PEs.

    Attributes
    ----------
    shape : tuple of int
        (m, n): outputs x inputs.
    config : EIEConfig
        The configuration it was encoded for (n_pe, index_bits, weight_bits, ...).
    codebook : numpy.ndarray
        (2**weight_bits,) float64 shared weights; ``codebook[0] == 0.0``.
    v, z : list of numpy.ndarray
        Per PE, the weight indices and relative row indices (padding included); int16 (int32
        for more than 14 bits).
    p : numpy.ndarray
        (n_pe, n + 1) int64 column pointers.
    e : numpy.ndarray
        (n_pe, n) int64 entries per column and PE, padding included.
    e_real : numpy.ndarray
        (n_pe, n) int64 non-padding entries per column and PE.

    Examples
    --------
    The 16 x 8 layer of EIE Fig. 2/3 over 4 PEs (PE0's arrays are the paper's):

    >>> import numpy as np
    >>> from eie_lab.data.layers import fig2_example
    >>> from eie_lab.eie import EIEConfig, encode
    >>> W, a = fig2_example()
    >>> layer = encode(W, EIEConfig(n_pe=4), codebook=np.arange(16.0), codes=W.astype(int))
    >>> layer.shape, layer.nnz, layer.n_padding, layer.n_entries.tolist()
    ((16, 8), 41, 0, [13, 10, 9, 9])
    >>> layer.z[0].tolist()
    [0, 1, 0, 1, 0, 2, 0, 0, 0, 2, 0, 2, 0]
    >>> layer.p[0].tolist(), layer.e[0].tolist()
    ([0, 3, 4, 6, 6, 8, 10, 11, 13], [3, 1, 2, 0, 2, 2, 1, 2])
    >>> layer.sram_report()["fits"]
    True
    """

    shape: tuple[int, int]
    config: EIEConfig
    codebook: np.ndarray
    v: list[np.ndarray]
    z: list[np.ndarray]
    p: np.ndarray
    e: np.ndarray
    e_real: np.ndarray
    # CSC of the real entries (column-major order) for the functional model: (n+1,), (nnz,), (nnz,)
    csc_ptr: np.ndarray = field(repr=False)
    csc_rows: np.ndarray = field(repr=False)
    csc_codes: np.ndarray = field(repr=False)

    @property
    def n_pe(self) -> int:
        """Number of PEs the layer is spread over."""
        return self.config.n_pe

    @property
    def nnz(self) -> int:
        """Number of real (non-padding) stored entries."""
        return int(self.csc_rows.size)

    @property
    def n_entries(self) -> np.ndarray:
        """(n_pe,) stored entries per PE, padding included."""
        return self.p[:, -1].copy()

    @property
    def n_padding(self) -> int:
        """Total padding entries over all PEs."""
        return int(self.p[:, -1].sum()) - self.nnz

    @property
    def spmat_bits(self) -> np.ndarray:
        """(n_pe,) spmat SRAM bits used per PE: entries x (weight_bits + index_bits)."""
        return self.n_entries * self.config.entry_bits

    @property
    def ptr_bits(self) -> np.ndarray:
        """(n_pe,) pointer SRAM bits used per PE: (n + 1) pointers x pointer_bits."""
        return np.full(self.n_pe, (self.shape[1] + 1) * self.config.pointer_bits, dtype=np.int64)

    def sram_report(self) -> dict[str, object]:
        """Per-PE SRAM use against the paper's 128 KB spmat / 32 KB pointer budget ([EIE §VI]).

        Returns
        -------
        dict
            ``spmat_bits_max``, ``ptr_bits_max`` (ints, worst PE), the capacities in bits,
            ``fits_spmat``, ``fits_ptr``, ``fits`` (bools) and ``pointer_overflow`` (True when a
            pointer value exceeds what ``pointer_bits`` can address).
        """
        cfg = self.config
        spmat_max = int(self.spmat_bits.max())
        ptr_max = int(self.ptr_bits.max())
        spmat_cap = 8 * cfg.spmat_sram_bytes
        ptr_cap = 8 * cfg.ptr_sram_bytes
        overflow = int(self.p[:, -1].max()) >= (1 << cfg.pointer_bits)
        return {
            "spmat_bits_max": spmat_max,
            "ptr_bits_max": ptr_max,
            "spmat_bits_capacity": spmat_cap,
            "ptr_bits_capacity": ptr_cap,
            "fits_spmat": spmat_max <= spmat_cap,
            "fits_ptr": ptr_max <= ptr_cap,
            "fits": spmat_max <= spmat_cap and ptr_max <= ptr_cap,
            "pointer_overflow": bool(overflow),
        }

    def decode(self) -> np.ndarray:
        """Rebuild the quantised dense matrix from the per-PE v, z, p arrays (exact).

        Returns
        -------
        numpy.ndarray
            (m, n) float64, ``codebook[code]`` where a weight is stored and 0 elsewhere.
        """
        return self.codebook[decode_interleaved(self.v, self.z, self.p, self.shape)]
