"""Where EIE stops winning (notebook 10, issue 15): batching, on-chip storage, retraining.

The EIE talk ends with its weaknesses: it *requires retraining*, it does *poorly on batched
activations*, the *broadcast of activations can become a bottleneck*, and it is *not great on
convolutional layers*. The last two are simulator questions and live one floor down
(:mod:`eie_lab.eie.bottlenecks`, :mod:`eie_lab.eie.conv_lowering`); this module computes the
others from the papers' tables, the H100 measurement and the lab's own runs.

**Batching.** EIE multiplies one activation vector at a time, so its time per frame does not
depend on the batch. A CPU or GPU reads the weights once per *batch*: :class:`BatchModel` fits
``total(b) = fixed + per_frame * b`` through a platform's two measured points, batch 1 and batch
64 (time per frame ``t1`` and ``t64``):

    per_frame = (64 * t64 - t1) / 63,   fixed = t1 - per_frame,
    time per frame at batch b = fixed / b + per_frame.

:func:`crossover_batch` is the smallest batch at which that drops to EIE's time (None if it
never does). Platforms: [EIE Table IV] (CPU = Core i7-5930k, GPU = Titan X, mGPU = Tegra K1;
their batch-64 entries are per frame) and an NVIDIA H100 (:mod:`eie_lab.data.gpu_baseline`,
"measured on an NVIDIA H100, 2026-11-26", CUDA-graph kernel times; its batch-64 entries are per
batch of 64 and divided by 64 here). A few Table IV rows are *slower* per frame at batch 64
(the Tegra K1's sparse kernels on the large layers): their ``fixed`` is negative, the model
says batching never pays there, which is what the two points say. Two points fix a line, not a
curve: between and beyond them this is a model, not a measurement.

**No Huffman on chip.** EIE's SpMat SRAM holds 4-bit codes and 4-bit relative indices
([EIE §III-B]), not Huffman-coded streams, so on chip a layer costs its P+Q bits (plus padding
entries). :func:`alexnet_fc_storage` puts AlexNet's fully connected layers at P+Q and P+Q+H
([DC Table 4]) beside the 64 PEs x 128 KB of SpMat SRAM ([EIE §VI]), and counts the bits per
weight of the lab's own 4+4-bit encoding of the synthetic Alex-6/7/8 (padding included).

**Retraining.** :func:`retraining_cost` puts the lab's pipeline (epochs and CPU time of its
prune-retrain rounds and codebook fine-tuning against the baseline's training) beside LWC's
AlexNet, 75 h to train and 173 h to retrain on a Titan X ([LWC §4.2]).

Examples
--------
>>> m = batch_model("GPU dense", "Alex-7")
>>> round(m.time_per_frame_us(1), 1), round(m.time_per_frame_us(64), 1)
(243.0, 8.9)
>>> crossover_batch("GPU dense", "Alex-7", eie_us=12.2)
34
>>> crossover_batch("CPU sparse", "Alex-7", eie_us=12.2) is None
True
"""

from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from eie_lab import paper_tables as T
from eie_lab.compression.pipeline import PipelineResult, baseline_for
from eie_lab.compression.pipeline_config import PipelineConfig, preset
from eie_lab.data import gpu_baseline
from eie_lab.data.layers import LAYER_NAMES
from eie_lab.errors import ConfigError, DataError, fail_message
from eie_lab.paper.comparison import table4
from eie_lab.paper.sweeps import encoded_layer

__all__ = ["BatchModel", "BATCH_PLATFORMS", "TABLE_IV_PLATFORMS", "H100_PLATFORMS", "BATCHES",
           "batch_model", "simulated_eie_us", "crossover_batch", "crossover_table",
           "alexnet_fc_storage", "retraining_cost", "SPMAT_SRAM_BYTES", "FC_LAYERS"]

#: The two batch sizes every platform was measured at.
BATCHES: tuple[int, int] = (1, 64)
#: [EIE Table IV] rows as "<platform> <matrix>".
TABLE_IV_PLATFORMS: tuple[str, ...] = ("CPU dense", "CPU sparse", "GPU dense", "GPU sparse",
                                       "mGPU dense", "mGPU sparse")
#: The H100 rows (:mod:`eie_lab.data.gpu_baseline`) as "H100 <format> <precision>".
H100_PLATFORMS: tuple[str, ...] = ("H100 dense fp16", "H100 csr fp16", "H100 dense fp32",
                                   "H100 csr fp32")
#: Every platform :func:`batch_model` knows.
BATCH_PLATFORMS: tuple[str, ...] = TABLE_IV_PLATFORMS + H100_PLATFORMS
#: SpMat SRAM of the 64-PE EIE in bytes: 64 x 128 KB [EIE §VI].
SPMAT_SRAM_BYTES: int = 64 * T.SRAM_PER_PE_KB["SpMat"] * 1024
#: AlexNet's fully connected layers: DC Table 4 name -> EIE Table III name.
FC_LAYERS: dict[str, str] = {"fc6": "Alex-6", "fc7": "Alex-7", "fc8": "Alex-8"}


@dataclass(frozen=True)
class BatchModel:
    """Two-point batching model of one platform on one layer: ``total(b) = fixed + per_frame*b``.

    Attributes
    ----------
    platform : str
        One of :data:`BATCH_PLATFORMS`.
    layer : str
        An [EIE Table III] layer.
    fixed_us : float
        Cost paid once per batch (weight traffic, launches), µs; negative when the platform is
        slower per frame at batch 64 than at batch 1.
    per_frame_us : float
        Cost of every frame, µs; the time per frame tends to it for large batches.
    t1_us, t64_us : float
        The measured times per frame at batch 1 and 64 the model passes through.
    source : str
        Where the two points come from.

    Examples
    --------
    >>> m = BatchModel("toy", "Alex-7", fixed_us=100.0, per_frame_us=2.0)
    >>> m.time_per_frame_us(1), m.time_per_frame_us(50)
    (102.0, 4.0)
    >>> m.time_per_frame_us([1, 50]).tolist()
    [102.0, 4.0]
    """

    platform: str
    layer: str
    fixed_us: float
    per_frame_us: float
    t1_us: float = math.nan
    t64_us: float = math.nan
    source: str = ""

    def time_per_frame_us(self, batch: Any) -> Any:
        """``fixed_us / batch + per_frame_us`` for a batch size (>= 1) or an array of them."""
        b = np.asarray(batch, dtype=float)
        if b.size == 0 or not np.all(np.isfinite(b)) or np.any(b < 1):
            raise ConfigError(fail_message("batch", batch, "must be a batch size >= 1",
                                           "pass e.g. 1, 64 or np.arange(1, 257)"))
        out = self.fixed_us / b + self.per_frame_us
        return float(out) if out.ndim == 0 else out

    @classmethod
    def from_points(cls, platform: str, layer: str, t1_us: float, t64_us: float,
                    source: str = "") -> BatchModel:
        """The model through the times per frame at batch 1 and 64.

        Examples
        --------
        >>> m = BatchModel.from_points("toy", "Alex-7", 102.0, 2.0 + 100 / 64)
        >>> round(m.fixed_us, 6), round(m.per_frame_us, 6)
        (100.0, 2.0)
        """
        per_frame = (64 * t64_us - t1_us) / 63
        return cls(platform, layer, t1_us - per_frame, per_frame, t1_us, t64_us, source)


def _check_layer(layer: object) -> str:
    if layer not in LAYER_NAMES:
        raise ConfigError(fail_message("layer", layer, "is not a Table III layer",
                                       f"use one of {list(LAYER_NAMES)}"))
    return str(layer)


def batch_model(platform: str, layer: str) -> BatchModel:
    """The :class:`BatchModel` of a platform on one [EIE Table III] layer.

    Parameters
    ----------
    platform : str
        One of :data:`BATCH_PLATFORMS`: a Table IV row ("GPU dense" is the Titan X with cuBLAS)
        or a measured H100 kernel ("H100 dense fp16", CUDA-graph times).
    layer : str
        A layer of :data:`eie_lab.data.layers.LAYER_NAMES`.

    Returns
    -------
    BatchModel

    Examples
    --------
    >>> m = batch_model("H100 dense fp16", "Alex-7")
    >>> m.source
    'measured on an NVIDIA H100, 2026-11-26'
    >>> round(m.t1_us, 1), m.time_per_frame_us(64) < m.time_per_frame_us(1)
    (10.2, True)
    """
    name = _check_layer(layer)
    if platform in TABLE_IV_PLATFORMS:
        plat, matrix = platform.split()
        t1 = T.table_iv_time(plat, 1, matrix)[name]
        t64 = T.table_iv_time(plat, 64, matrix)[name]
        source = T.SOURCES["TABLE_IV_US"]
    elif platform in H100_PLATFORMS:
        _, fmt, prec = platform.split()
        t1 = gpu_baseline.latency_us(name, f"{fmt}_{prec}_b1")
        t64 = gpu_baseline.latency_us(name, f"{fmt}_{prec}_b64") / 64  # per batch -> per frame
        source = gpu_baseline.MEASURED
    else:
        raise ConfigError(fail_message("platform", platform, "is not a known platform",
                                       f"use one of {list(BATCH_PLATFORMS)}"))
    if not (math.isfinite(t1) and math.isfinite(t64) and t1 > 0 and t64 > 0):
        raise DataError(fail_message(f"times of {platform} on {name}", (t1, t64),
                                     "must be two positive measured times",
                                     "pick a platform whose kernels were timed"))
    return BatchModel.from_points(platform, name, float(t1), float(t64), source)


@functools.lru_cache(maxsize=4)
def _simulated(n_pe: int, fifo_depth: int, seed: int) -> tuple[float, ...]:
    rows = table4(n_pe=n_pe, fifo_depth=fifo_depth, seed=seed, progress=False)
    return tuple(float(r["sim_us"]) for r in rows)


def simulated_eie_us(n_pe: int = 64, fifo_depth: int = 8, seed: int = 0) -> dict[str, float]:
    """EIE's simulated µs per frame on the nine Table III layers (flat in the batch size).

    :func:`eie_lab.paper.comparison.table4` (fast engine, timing contract, 800 MHz); the nine
    times are kept in memory per setting (a few seconds the first time).

    Parameters
    ----------
    n_pe, fifo_depth : int
        The paper's setting: 64 PEs, FIFO 8.
    seed : int
        Seed of the random benchmark layers.

    Returns
    -------
    dict of str to float
        {layer: µs}.

    Examples
    --------
    >>> t = simulated_eie_us()
    >>> round(t["NT-LSTM"], 2), len(t)
    (6.68, 9)
    """
    for name, value in (("n_pe", n_pe), ("fifo_depth", fifo_depth), ("seed", seed)):
        low = 0 if name == "seed" else 1
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
            raise ConfigError(fail_message(name, value, "must be a positive int (seed >= 0)",
                                           "use the paper's n_pe=64, fifo_depth=8, seed=0"))
    return dict(zip(LAYER_NAMES, _simulated(int(n_pe), int(fifo_depth), int(seed))))


def crossover_batch(platform: str, layer: str, eie_us: float | None = None) -> int | None:
    """The smallest batch at which the platform's time per frame is at most EIE's.

    Parameters
    ----------
    platform, layer : str
        As in :func:`batch_model`.
    eie_us : float, optional
        EIE's µs per frame; default :func:`simulated_eie_us` at the paper's setting.

    Returns
    -------
    int or None
        The smallest integer ``b >= 1`` with ``time_per_frame_us(b) <= eie_us``; None when no
        batch gets there (``per_frame_us >= eie_us``, or a platform slower per frame at larger
        batches).

    Examples
    --------
    >>> crossover_batch("GPU dense", "Alex-6", eie_us=30.3), crossover_batch("GPU dense",
    ...     "Alex-6", eie_us=600.0)
    (29, 1)
    """
    model = batch_model(platform, layer)
    target = simulated_eie_us()[model.layer] if eie_us is None else eie_us
    if isinstance(target, bool) or not isinstance(target, numbers.Real) or not target > 0:
        raise ConfigError(fail_message("eie_us", target, "must be a time in µs > 0",
                                       "pass EIE's time per frame, or None for the simulated one"))
    if model.time_per_frame_us(1) <= target:
        return 1
    if model.fixed_us <= 0 or model.per_frame_us >= target:
        return None
    b = max(1, math.ceil(model.fixed_us / (target - model.per_frame_us)))
    while b > 1 and model.time_per_frame_us(b - 1) <= target:  # guard the float division
        b -= 1
    while model.time_per_frame_us(b) > target:
        b += 1
    return b


def crossover_table(eie_times_us: Mapping[str, float] | None = None,
                    platforms: Sequence[str] = BATCH_PLATFORMS) -> list[dict[str, Any]]:
    """:func:`crossover_batch` for every layer and platform.

    Parameters
    ----------
    eie_times_us : mapping, optional
        {layer: EIE µs per frame} for all nine layers (default :func:`simulated_eie_us`;
        ``paper_tables.EIE_ACTUAL_US`` gives the paper's).
    platforms : sequence of str
        Columns, from :data:`BATCH_PLATFORMS`.

    Returns
    -------
    list of dict
        One row per layer: ``layer``, ``eie_us``, then ``{platform: batch or None}``.

    Examples
    --------
    >>> rows = crossover_table(T.EIE_ACTUAL_US, ["GPU dense", "CPU dense"])
    >>> rows[1]
    {'layer': 'Alex-7', 'eie_us': 12.2, 'GPU dense': 34, 'CPU dense': None}
    """
    times = simulated_eie_us() if eie_times_us is None else eie_times_us
    missing = [name for name in LAYER_NAMES if name not in times]
    if missing:
        raise ConfigError(fail_message("eie_times_us", sorted(times), f"lacks {missing}",
                                       "give EIE's µs for each of the nine layers"))
    bad = [p for p in platforms if p not in BATCH_PLATFORMS]
    if bad or not platforms:
        raise ConfigError(fail_message("platforms", list(platforms), f"has unknown {bad}",
                                       f"use names from {list(BATCH_PLATFORMS)}"))
    rows = []
    for name in LAYER_NAMES:
        eie = float(times[name])
        rows.append({"layer": name, "eie_us": eie,
                     **{p: crossover_batch(p, name, eie_us=eie) for p in platforms}})
    return rows


def _bits_per_entry(name: str, seed: int) -> tuple[float, int, int]:
    """Our 4+4-bit encoding of a synthetic Table III layer: bits per real weight (padding
    included), stored entries, real weights."""
    layer = encoded_layer(name, 64, 4, seed)
    cfg = layer.config
    entries = int(layer.n_entries.sum())
    bits = entries * (cfg.weight_bits + cfg.index_bits) / layer.nnz
    return bits, entries, int(layer.nnz)


def alexnet_fc_storage(seed: int = 0) -> list[dict[str, Any]]:
    """AlexNet's fully connected layers on chip: bytes at P+Q and P+Q+H against the SpMat SRAM.

    Per layer (fc6, fc7, fc8, then ``total``): ``weights`` and ``kept_pct`` of [DC Table 4];
    ``pq_bytes`` and ``pqh_bytes`` = 32-bit size x the table's compression rate (P+Q: pruned and
    quantised, what EIE stores; P+Q+H: Huffman coded too, what only off-chip storage gets);
    ``eie_bits_per_weight``: the lab's encoding of the synthetic Table III layer (4-bit code +
    4-bit index, padding entries counted) per real weight; ``eie_bytes``: the kept weights at
    that many bits (the table's fc codes are 5 bits, EIE's 4); ``sram_bytes`` = 64 x 128 KB
    (:data:`SPMAT_SRAM_BYTES`) and ``pq_share`` / ``pqh_share`` / ``eie_share`` of it.
    Pointers (16 bits per column and PE, a separate 32 KB SRAM per PE) are not included.

    Parameters
    ----------
    seed : int
        Seed of the synthetic Alex-6/7/8 (encoding them takes a few seconds).

    Returns
    -------
    list of dict

    Examples
    --------
    >>> rows = alexnet_fc_storage()
    >>> [r["layer"] for r in rows], rows[-1]["pq_bytes"] > rows[-1]["pqh_bytes"]
    (['fc6', 'fc7', 'fc8', 'total'], True)
    >>> round(rows[0]["pq_bytes"] / 1e6, 2), round(rows[-1]["pq_share"], 2)
    (4.56, 0.93)
    """
    rows = []
    for fc, name in FC_LAYERS.items():
        d = T.DC_TABLE_4[fc]
        full = d["weights"] * 4  # 32-bit weights, bytes
        kept = d["weights"] * d["kept_pct"] / 100
        bits, entries, nnz = _bits_per_entry(name, seed)
        rows.append({"layer": fc, "table_iii": name, "weights": int(d["weights"]),
                     "kept_pct": d["kept_pct"], "pq_bytes": full * d["rate_pq_pct"] / 100,
                     "pqh_bytes": full * d["rate_pqh_pct"] / 100,
                     "eie_bits_per_weight": bits, "eie_bytes": kept * bits / 8,
                     "entries": entries, "nnz": nnz})
    total = {"layer": "total", "table_iii": "-",
             "weights": sum(r["weights"] for r in rows),
             "kept_pct": 100 * sum(r["weights"] * r["kept_pct"] / 100 for r in rows)
             / sum(r["weights"] for r in rows),
             **{k: sum(r[k] for r in rows) for k in ("pq_bytes", "pqh_bytes", "eie_bytes",
                                                    "entries", "nnz")}}
    total["eie_bits_per_weight"] = 8 * total["eie_bytes"] / (
        total["weights"] * total["kept_pct"] / 100)
    rows.append(total)
    for r in rows:
        r["sram_bytes"] = SPMAT_SRAM_BYTES
        for k in ("pq", "pqh", "eie"):
            r[f"{k}_share"] = r[f"{k}_bytes"] / SPMAT_SRAM_BYTES
    return rows


def _epochs(config: PipelineConfig) -> dict[str, int]:
    retrain = config.prune_steps * config.retrain_epochs
    return {"retrain_epochs": retrain, "finetune_epochs": config.finetune_epochs,
            "compress_epochs": retrain + config.finetune_epochs}


def _stage_seconds(result: PipelineResult) -> float:
    """Wall seconds of the retraining stages recorded by :func:`deep_compress` (its stage marks
    are cumulative): prune + retrain rounds, then the codebook fine-tuning."""
    at = {s["stage"]: float(s["seconds"]) for s in result.stages}
    return (at["pruned + retrained (P)"] - at["baseline"]) + (
        at["codebooks fine-tuned"] - at["quantized (P+Q)"])


def retraining_cost(networks: Sequence[str] = ("lenet300", "lenet5"), preset_name: str = "paper",
                    results: Mapping[str, PipelineResult] | None = None,
                    progress: bool | None = None) -> list[dict[str, Any]]:
    """What retraining costs: LWC's AlexNet beside the lab's pipeline, in epochs and time.

    The first row is [LWC §4.2]: AlexNet, 75 h to train, 173 h to retrain (NVIDIA Titan X). Then
    one row per network: the baseline's training (epochs, CPU seconds as recorded by
    :mod:`eie_lab.nn.zoo`, ``train_seconds``) beside the compression pipeline's retraining
    (``prune_steps x retrain_epochs`` masked epochs plus ``finetune_epochs`` of codebook
    fine-tuning, all on the full training set, from the preset's configuration). The pipeline's
    time is an estimate, epochs x the baseline's seconds per epoch (``retrain_seconds_kind`` =
    ``"estimate"``), unless a finished :class:`~eie_lab.compression.pipeline.PipelineResult` of
    that network is passed in ``results`` (then its recorded stage times, wall clock:
    ``"measured"``). ``ratio`` = retraining time / training time.

    Parameters
    ----------
    networks : sequence of str
        Pipeline networks (``"lenet300"``, ``"lenet5"``).
    preset_name : str
        :func:`eie_lab.compression.pipeline_config.preset` name (``"paper"``: the DC recipe).
    results : mapping, optional
        {network: PipelineResult} of finished runs to take the measured times from.
    progress : bool, optional
        Progress bars if a baseline must be trained first.

    Returns
    -------
    list of dict
        Keys network, source, hardware, train_epochs, retrain_epochs, train_seconds,
        retrain_seconds, retrain_seconds_kind, ratio (hours for LWC are in seconds too).

    Examples
    --------
    >>> rows = retraining_cost(networks=())
    >>> rows[0]["network"], rows[0]["ratio"].__round__(2)
    ('AlexNet', 2.31)
    """
    hours = T.LWC_ALEXNET_HOURS
    rows: list[dict[str, Any]] = [{
        "network": "AlexNet", "source": T.SOURCES["LWC_ALEXNET_HOURS"], "hardware": "Titan X",
        "train_epochs": None, "retrain_epochs": None, "train_seconds": hours["train"] * 3600,
        "retrain_seconds": hours["retrain"] * 3600, "retrain_seconds_kind": "published",
        "ratio": hours["retrain"] / hours["train"]}]
    results = dict(results or {})
    configs = []
    for net in networks:  # every argument checked before any baseline is loaded or trained
        cfg = preset(preset_name, network=net)
        if net in results and (not isinstance(results[net], PipelineResult)
                               or results[net].config.network != net):
            raise ConfigError(fail_message(f"results[{net!r}]", type(results[net]).__name__,
                                           f"must be a PipelineResult of {net}",
                                           "pass cached_deep_compress(config) of that network"))
        configs.append(cfg)
    for cfg in configs:
        base = baseline_for(cfg, progress=progress)
        train_epochs = int(base.meta["epochs"])
        train_s = float(base.meta["train_seconds"])
        ep = _epochs(results[cfg.network].config if cfg.network in results else cfg)
        if cfg.network in results and results[cfg.network].stages:
            retrain_s, kind = _stage_seconds(results[cfg.network]), "measured"
        else:
            retrain_s, kind = train_s / train_epochs * ep["compress_epochs"], "estimate"
        rows.append({"network": cfg.network, "source": "this lab (eie_lab.compression.pipeline)",
                     "hardware": "CPU", "train_epochs": train_epochs,
                     "retrain_epochs": ep["compress_epochs"], "train_seconds": train_s,
                     "retrain_seconds": retrain_s, "retrain_seconds_kind": kind,
                     "ratio": retrain_s / train_s})
    return rows
