"""A convolution on EIE: lowered to one matrix-vector product per output pixel (issue 15).

EIE multiplies one sparse matrix by one activation vector. A convolution ``W (C_out, C_in, k, k)``
over ``x (C_in, H, W)`` becomes that shape by *im2col* (:func:`eie_lab.nn.conv.im2col`, the same
lowering the lab's :class:`~eie_lab.nn.conv.ConvNet` trains with): the filters are a matrix
``(C_out, C_in*k*k)`` and each output pixel is one column vector of its ``k x k`` input patch.
:func:`run_conv` runs the pixels one after the other on the simulator (fast engine, the timing
contract of :mod:`eie_lab.eie`) and adds up what it costs:

* **cycles per pixel** and **MAC utilisation** (real MACs / (N x cycles), the
  :attr:`~eie_lab.eie.results.SimResult.mac_utilization` of each run, pooled over pixels);
* **weight re-reads**: EIE keeps no weight between two vectors, so every pixel streams the
  entries of its non-zero columns from the SpMat SRAM again. A *weight-stationary* array
  (a systolic array holding each weight for all pixels) reads each needed weight once;
* the **ideal dense array**: ``C_out*C_in*k*k / N`` cycles per pixel for N MACs that are busy
  every cycle (no sparsity used at all).

With fewer output channels than PEs (LeNet-5's conv2: 50 filters on 64 PEs) a PE holds at most
one row, so each broadcast activation costs a cycle whatever the weights: the layer is bound by
the broadcast, at about one cycle per input of the patch. :func:`conv_pe_sweep` and
:func:`saturation_pe` find the PE count past which more PEs stop helping.

:func:`lenet5_conv2` supplies the real case: the pretrained LeNet-5's conv2 (:mod:`eie_lab.nn.zoo`)
pruned by magnitude to the kept share of [DC Table 3] (12 %), and its input map computed from an
MNIST test image. Caffe's LeNet-5 has no ReLU between conv1 and conv2
(:data:`eie_lab.nn.conv.LENET5_PLAN`), so that input is dense: the activation sparsity EIE
exploits on fully connected layers is absent (``relu=True`` shows what a ReLU would change).

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> w = np.where(rng.random((8, 2, 3, 3)) < 0.3, rng.normal(size=(8, 2, 3, 3)), 0.0)
>>> x = rng.random((2, 6, 6))
>>> run = run_conv(w, x, EIEConfig(n_pe=4))
>>> run.n_pixels, run.cycles == run.cycles_per_pixel * run.n_pixels
(16, True)
>>> run.weight_reads >= run.weight_stationary_reads, run.dense_array_cycles_per_pixel
(True, 36.0)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from eie_lab.compression.prune import magnitude_prune
from eie_lab.eie.config import EIEConfig
from eie_lab.eie.encoding import encode
from eie_lab.eie.engine import simulate
from eie_lab.eie.layer import EncodedLayer
from eie_lab.errors import ConfigError, fail_message
from eie_lab.nn.conv import ConvNet, im2col, maxpool_forward
from eie_lab.nn.zoo import mnist_arrays, pretrained_lenet5

__all__ = ["ConvRun", "lower_conv", "run_conv", "conv_pe_sweep", "saturation_pe", "lenet5_conv2"]


@dataclass(frozen=True)
class ConvRun:
    """One convolution run pixel by pixel on the simulator (:func:`run_conv`).

    Attributes
    ----------
    n_pe : int
        PEs (N).
    n_pixels : int
        Output pixels, one matrix-vector product each.
    cycles : int
        Cycles of all pixels, run one after the other (no overlap between pixels).
    cycles_per_pixel : float
        ``cycles / n_pixels``.
    mac_utilization : float
        Real MACs / (N x cycles) over all pixels (the metric of
        :attr:`eie_lab.eie.results.SimResult.mac_utilization`).
    broadcast_cycles_per_pixel : float
        Mean non-zero activations per pixel: the cycles the broadcast alone needs (one per cycle).
    weight_reads : int
        Entries read from the SpMat SRAM over all pixels (padding included).
    weight_stationary_reads : int
        Entries a weight-stationary array reads: each non-zero weight once, counting only the
        weights of input positions that are non-zero for at least one pixel (all of them when
        every position is used; never more than ``weight_reads``).
    dense_array_cycles_per_pixel : float
        ``C_out*C_in*k*k / n_pe``: an ideal dense array of N MACs busy every cycle.
    nnz : int
        Non-zero weights of the lowered matrix.
    macs_per_pixel : float
        Mean real MACs per pixel.

    Examples
    --------
    >>> import numpy as np
    >>> run = run_conv(np.ones((2, 1, 2, 2)), np.ones((1, 3, 3)), EIEConfig(n_pe=2))
    >>> run.n_pixels, run.cycles_per_pixel, run.weight_reads, run.weight_stationary_reads
    (4, 5.0, 32, 8)
    >>> run.reuse_factor, run.mac_utilization
    (4.0, 0.8)
    """

    n_pe: int
    n_pixels: int
    cycles: int
    cycles_per_pixel: float
    mac_utilization: float
    broadcast_cycles_per_pixel: float
    weight_reads: int
    weight_stationary_reads: int
    dense_array_cycles_per_pixel: float
    nnz: int
    macs_per_pixel: float

    @property
    def reuse_factor(self) -> float:
        """``weight_reads / weight_stationary_reads``: how often EIE re-reads each needed weight
        (1.0 when nothing is read)."""
        return self.weight_reads / self.weight_stationary_reads if self.weight_stationary_reads \
            else 1.0

    def summary(self) -> dict[str, float]:
        """The run as a flat dict of plain numbers (for tables), ``reuse_factor`` included."""
        return {"n_pe": self.n_pe, "n_pixels": self.n_pixels, "cycles": self.cycles,
                "cycles_per_pixel": self.cycles_per_pixel, "mac_utilization": self.mac_utilization,
                "broadcast_cycles_per_pixel": self.broadcast_cycles_per_pixel,
                "weight_reads": self.weight_reads,
                "weight_stationary_reads": self.weight_stationary_reads,
                "reuse_factor": self.reuse_factor,
                "dense_array_cycles_per_pixel": self.dense_array_cycles_per_pixel}


def _check_conv(weight: object, x: object) -> tuple[np.ndarray, np.ndarray]:
    w = np.asarray(weight, dtype=np.float64)
    xa = np.asarray(x, dtype=np.float64)
    if w.ndim != 4 or w.shape[2] != w.shape[3] or min(w.shape) < 1:
        raise ConfigError(fail_message("weight.shape", w.shape,
                                       "must be (C_out, C_in, k, k) with square kernels",
                                       "pass Conv2D.filters() or W.reshape(C_out, C_in, k, k)"))
    if xa.ndim != 3 or xa.shape[0] != w.shape[1]:
        raise ConfigError(fail_message("x.shape", xa.shape,
                                       f"must be (C_in, H, W) with C_in = {w.shape[1]}",
                                       "pass one input map in (channels, height, width) order"))
    k = w.shape[2]
    if xa.shape[1] < k or xa.shape[2] < k:
        raise ConfigError(fail_message("x.shape", xa.shape, f"is smaller than the {k}x{k} kernel",
                                       "pass a map at least as large as the kernel"))
    if not (np.isfinite(w).all() and np.isfinite(xa).all()):
        raise ConfigError(fail_message("weight/x", "non-finite values", "must be finite",
                                       "remove NaN and inf before lowering"))
    return w, xa


def lower_conv(weight: object, x: object) -> tuple[np.ndarray, np.ndarray]:
    """The convolution as a matrix and one input column per output pixel (im2col).

    Parameters
    ----------
    weight : array_like
        ``(C_out, C_in, k, k)`` filters (stride 1, no padding, as :class:`~eie_lab.nn.conv.Conv2D`).
    x : array_like
        ``(C_in, H, W)`` input map.

    Returns
    -------
    matrix : numpy.ndarray
        ``(C_out, C_in*k*k)`` float64, rows are outputs (EIE's layout).
    columns : numpy.ndarray
        ``(n_pixels, C_in*k*k)`` float64, row ``i*(W-k+1) + j`` the patch of output pixel
        ``(i, j)``; ``columns @ matrix.T`` is the convolution without bias,
        ``(n_pixels, C_out)``.

    Examples
    --------
    >>> import numpy as np
    >>> m, cols = lower_conv(np.ones((1, 1, 2, 2)), np.arange(9.0).reshape(1, 3, 3))
    >>> m.shape, cols.shape, (cols @ m.T).ravel().tolist()
    ((1, 4), (4, 4), [8.0, 12.0, 20.0, 24.0])
    """
    w, xa = _check_conv(weight, x)
    c_out, c_in, k, _ = w.shape
    cols = im2col(xa.transpose(1, 2, 0)[None], k)  # (C, H, W) -> (1, H, W, C)
    return w.reshape(c_out, c_in * k * k), np.ascontiguousarray(cols)


def _config(config: EIEConfig | None) -> EIEConfig:
    if config is None:
        return EIEConfig()
    if not isinstance(config, EIEConfig):
        raise ConfigError(fail_message("config", type(config).__name__, "must be an EIEConfig",
                                       "pass EIEConfig(n_pe=64) or None"))
    return config


def _run_layer(layer: EncodedLayer, columns: np.ndarray, config: EIEConfig,
               dense_macs: int) -> ConvRun:
    cycles = real = reads = broadcasts = 0
    used = np.zeros(columns.shape[1], dtype=bool)
    for col in columns:
        res = simulate(layer, col, config)
        cycles += res.cycles
        real += res.counts.real_macs
        reads += res.counts.macs
        broadcasts += res.n_items
        used |= col != 0
    n = columns.shape[0]
    nnz_per_column = np.diff(layer.csc_ptr)
    return ConvRun(n_pe=config.n_pe, n_pixels=n, cycles=int(cycles),
                   cycles_per_pixel=cycles / n,
                   mac_utilization=real / (config.n_pe * cycles) if cycles else 0.0,
                   broadcast_cycles_per_pixel=broadcasts / n, weight_reads=int(reads),
                   weight_stationary_reads=int(nnz_per_column[used].sum()),
                   dense_array_cycles_per_pixel=dense_macs / config.n_pe, nnz=int(layer.nnz),
                   macs_per_pixel=real / n)


def run_conv(weight: object, x: object, config: EIEConfig | None = None) -> ConvRun:
    """Run a convolution on the simulator, one output pixel (one mat-vec) after the other.

    The matrix is quantised to the configuration's ``weight_bits`` by k-means
    (:func:`eie_lab.eie.encode`, no random draws) and encoded once; every pixel's patch is then
    simulated with the fast engine.

    Parameters
    ----------
    weight : array_like
        ``(C_out, C_in, k, k)`` filters; zeros are pruned weights.
    x : array_like
        ``(C_in, H, W)`` input map.
    config : EIEConfig, optional
        Default ``EIEConfig()`` (64 PEs, FIFO 8, the timing contract).

    Returns
    -------
    ConvRun

    Examples
    --------
    >>> import numpy as np
    >>> run = run_conv(np.ones((2, 1, 2, 2)), np.ones((1, 3, 3)), EIEConfig(n_pe=2))
    >>> run.cycles, run.broadcast_cycles_per_pixel, run.dense_array_cycles_per_pixel
    (20, 4.0, 4.0)
    """
    matrix, columns = lower_conv(weight, x)
    cfg = _config(config)
    layer = encode(matrix, cfg)
    return _run_layer(layer, columns, cfg, matrix.size)


def conv_pe_sweep(weight: object, x: object, n_pes: Sequence[int],
                  config: EIEConfig | None = None) -> list[ConvRun]:
    """:func:`run_conv` for each PE count (the weights are quantised once, then re-encoded).

    Parameters
    ----------
    weight, x : array_like
        As in :func:`run_conv`.
    n_pes : sequence of int
        PE counts (each >= 1), e.g. ``(1, 2, 4, ..., 256)``.
    config : EIEConfig, optional
        Other settings (its ``n_pe`` is replaced).

    Returns
    -------
    list of ConvRun
        One per PE count, in the order given.

    Examples
    --------
    >>> import numpy as np
    >>> runs = conv_pe_sweep(np.ones((4, 1, 2, 2)), np.ones((1, 3, 3)), [1, 2, 4, 8])
    >>> [r.cycles_per_pixel for r in runs]
    [17.0, 9.0, 5.0, 5.0]
    >>> saturation_pe(runs)
    4
    """
    counts = list(n_pes)
    if not counts or any(isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1
                         for n in counts):
        raise ConfigError(fail_message("n_pes", counts, "must be a non-empty list of ints >= 1",
                                       "pass e.g. (1, 2, 4, 8, 16, 32, 64, 128, 256)"))
    matrix, columns = lower_conv(weight, x)
    base = _config(config)
    first = encode(matrix, base.replace(n_pe=int(counts[0])))
    runs = []
    for n in counts:
        cfg = base.replace(n_pe=int(n))
        layer = first if n == counts[0] else encode(matrix, cfg, codebook=first.codebook)
        runs.append(_run_layer(layer, columns, cfg, matrix.size))
    return runs


def saturation_pe(runs: Sequence[ConvRun], tolerance: float = 0.05) -> int:
    """The smallest PE count whose cycles are within ``tolerance`` of the best run's.

    Past it, more PEs no longer help (much): the run is bound by something the PE count does
    not change (for a convolution with few output channels, the broadcast).

    Parameters
    ----------
    runs : sequence of ConvRun
        From :func:`conv_pe_sweep` (or any runs of the same layer).
    tolerance : float
        Relative slack, >= 0 (0.05: within 5 % of the fewest cycles).

    Returns
    -------
    int

    Examples
    --------
    >>> import numpy as np
    >>> runs = conv_pe_sweep(np.ones((4, 1, 2, 2)), np.ones((1, 3, 3)), [1, 2, 4, 8])
    >>> saturation_pe(runs), saturation_pe(runs, tolerance=1.0)
    (4, 2)
    """
    runs = list(runs)
    if not runs or not all(isinstance(r, ConvRun) for r in runs):
        raise ConfigError(fail_message("runs", type(runs).__name__,
                                       "must be a non-empty list of ConvRun",
                                       "pass the result of conv_pe_sweep(...)"))
    if not (isinstance(tolerance, int | float) and tolerance >= 0):
        raise ConfigError(fail_message("tolerance", tolerance, "must be a number >= 0",
                                       "use 0.05 (within 5 % of the best)"))
    best = min(r.cycles for r in runs)
    return min(r.n_pe for r in runs if r.cycles <= best * (1 + tolerance))


def lenet5_conv2(seed: int = 0, keep: float = 0.12, image: int = 0, *, relu: bool = False,
                 net: ConvNet | None = None, progress: bool | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """LeNet-5's conv2, magnitude-pruned, and its input map for one MNIST test image.

    Parameters
    ----------
    seed : int
        Seed of the pretrained LeNet-5 (:func:`eie_lab.nn.zoo.pretrained_lenet5`: trained once,
        about a minute and a half of CPU, then cached).
    keep : float
        Share of conv2's weights kept, in (0, 1] ([DC Table 3]: 0.12); the smallest magnitudes go
        (:func:`eie_lab.compression.prune.magnitude_prune`).
    image : int
        Index of the MNIST test image (0 ... 9999).
    relu : bool
        Apply a ReLU to conv1's pooled output (Caffe's LeNet-5 has none; ``False`` is the network).
    net : ConvNet, optional
        A trained LeNet-5 to use instead of the pretrained one.
    progress : bool, optional
        Progress bar if the LeNet-5 must be trained (None follows ``EIE_LAB_PROGRESS``).

    Returns
    -------
    weight : numpy.ndarray
        ``(50, 20, 5, 5)`` float64, pruned.
    x : numpy.ndarray
        ``(20, 12, 12)`` float64: conv1 + bias, 2x2 max pool (then ReLU if asked), as
        :meth:`eie_lab.nn.conv.ConvNet.forward` computes it.

    Examples
    --------
    >>> w, x = lenet5_conv2()  # doctest: +SKIP
    >>> w.shape, x.shape, round(float((w != 0).mean()), 2)  # doctest: +SKIP
    ((50, 20, 5, 5), (20, 12, 12), 0.12)
    """
    if not (isinstance(keep, int | float) and 0 < keep <= 1):
        raise ConfigError(fail_message("keep", keep, "must be in (0, 1]",
                                       "use DC Table 3's 0.12 for conv2"))
    if isinstance(image, bool) or not isinstance(image, int | np.integer) or not 0 <= image < 10000:
        raise ConfigError(fail_message("image", image, "must be an int in 0..9999",
                                       "pick one MNIST test image, e.g. image=0"))
    if net is not None and (not isinstance(net, ConvNet) or net.names[:2] != ["conv1", "conv2"]):
        raise ConfigError(fail_message("net", type(net).__name__,
                                       "must be a LeNet-5 ConvNet (conv1, conv2, ...)",
                                       "pass pretrained_lenet5() or leave net=None"))
    model = pretrained_lenet5(seed=seed, progress=progress) if net is None else net
    conv1, conv2 = model.layers[0], model.layers[1]
    xt = mnist_arrays()[2][int(image)].astype(np.float64)  # [0, 1], as the network was trained
    c, h, w = model.input_shape
    img = xt.reshape(1, c, h, w).transpose(0, 2, 3, 1)  # (1, H, W, C) as ConvNet.forward
    k = conv1.kernel
    out = im2col(img, k) @ conv1.W.T.astype(np.float64) + conv1.b
    fmap, _ = maxpool_forward(out.reshape(1, h - k + 1, w - k + 1, conv1.out_channels))
    if relu:
        fmap = np.maximum(fmap, 0.0)
    mask = magnitude_prune(conv2.W, 1.0 - float(keep))
    weight = np.where(mask, conv2.W, 0.0).astype(np.float64)
    return weight.reshape(conv2.filters().shape), fmap[0].transpose(2, 0, 1)
