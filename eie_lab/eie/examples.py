"""The worked example of EIE Fig. 2/3, encoded and run: the lab's smallest complete case.

The 16 x 8 matrix and 8-input vector of the paper (``eie_lab.data.layers.fig2_example``) over
4 PEs. Its weights are small integers, used directly as codebook indices (codebook 0, 1, …, 15),
so every stored value is the paper's.

Examples
--------
>>> layer, W, a = fig2_layer()
>>> layer.p[0].tolist()
[0, 3, 4, 6, 6, 8, 10, 11, 13]
>>> fig2_trace().n_cycles, [int(j) for j in fig2_trace().columns]
(12, [2, 4, 5, 7])
"""

from __future__ import annotations

import numpy as np

from eie_lab.data.layers import fig2_example
from eie_lab.eie.config import EIEConfig
from eie_lab.eie.encoding import EncodedLayer, encode
from eie_lab.eie.engine import simulate
from eie_lab.eie.trace import Trace

__all__ = ["fig2_layer", "fig2_trace"]


def fig2_layer(**config: object) -> tuple[EncodedLayer, np.ndarray, np.ndarray]:
    """The Fig. 2/3 layer encoded over 4 PEs: ``(layer, W, a)``.

    Parameters
    ----------
    **config : object
        Further :class:`~eie_lab.eie.EIEConfig` fields (e.g. ``fifo_depth=1``); n_pe is 4.

    Returns
    -------
    layer : EncodedLayer
    W : numpy.ndarray
        (16, 8) the paper's matrix (integer-valued floats).
    a : numpy.ndarray
        (8,) the paper's input (non-zeros at j = 2, 4, 5, 7).

    Examples
    --------
    >>> layer, W, a = fig2_layer(fifo_depth=2)
    >>> layer.config.fifo_depth, layer.shape, np.flatnonzero(a).tolist()
    (2, (16, 8), [2, 4, 5, 7])
    """
    W, a = fig2_example()
    layer = encode(W, EIEConfig(n_pe=4, **config), codebook=np.arange(16.0),
                   codes=W.astype(int))
    return layer, W, a


def fig2_trace(fifo_depth: int = 1) -> Trace:
    """Cycle-engine trace of the Fig. 2/3 example on 4 PEs with queues of ``fifo_depth``.

    Examples
    --------
    >>> tr = fig2_trace(fifo_depth=8)
    >>> tr.n_cycles, tr.b.tolist()
    (9, [0, 1, 2, 3])
    """
    layer, _W, a = fig2_layer(fifo_depth=fifo_depth)
    return simulate(layer, a, engine="cycle").trace
