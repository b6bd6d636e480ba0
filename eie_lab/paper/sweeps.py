"""The design-space sweeps of [EIE §VI-C, §VII-B] on the simulator (Figs 8, 9, 11, 12, 13).

Each sweep runs the nine Table III layers (or a subset) of :mod:`eie_lab.data.layers` through the
fast engine. FIFO depth and SRAM width do not change what a PE stores, so one encoding per layer
serves the whole sweep; #PEs and index bits do, so they encode once per value.

The FIFO and #PE sweeps run in either timing model (``timing="contract"`` or ``"pipeline"``, see
``help(eie_lab.eie)``); :func:`timing_table` puts the two beside Table IV. In the pipeline model
a queue of depth 1 deadlocks (a ring of D slots holds D - 1 items), so its FIFO sweep records NaN
at depth 1: the paper's smallest depth may correspond to a ring of 2.

The SRAM-width sweep needs an energy per read for widths the paper does not list (Fig. 9 has no
numbers in its text). :func:`sram_read_energy_pj` is this lab's assumption, stated there; only the
shape of the result (fewer reads but dearer ones as the row widens) is the paper's.

Examples
--------
>>> s = fifo_sweep(["NT-LSTM"], depths=(1, 8))
>>> s.param, s.values
('fifo_depth', [1, 8])
>>> s.metrics["load_efficiency"]["NT-LSTM"][0] < s.metrics["load_efficiency"]["NT-LSTM"][1]
True
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence

from eie_lab import paper_tables as T
from eie_lab.data.layers import LAYER_NAMES, benchmark_layer
from eie_lab.eie import EIEConfig, EncodedLayer, EnergyModel, encode, simulate
from eie_lab.eie.config import TIMINGS
from eie_lab.eie.results import count_accesses
from eie_lab.errors import ConfigError, fail_message
from eie_lab.progress import progress_bar

__all__ = ["Sweep", "encoded_layer", "fifo_and_width_sweeps", "FIFO_DEPTHS", "PE_COUNTS",
           "INDEX_BITS", "SRAM_WIDTHS", "fifo_sweep", "pe_sweep", "index_bits_sweep",
           "sram_width_sweep", "sram_read_energy_pj", "timing_table", "check_timing"]

#: Fig. 8: FIFO depths 1…256 (powers of two) [EIE §VI-C].
FIFO_DEPTHS: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64, 128, 256)
#: Figs 11–13: 1…256 PEs [EIE §VII-B].
PE_COUNTS: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64, 128, 256)
#: Index widths for the padding study (not in EIE; DC uses 4 and 5 bits [DC §3, Table 2]).
INDEX_BITS: tuple[int, ...] = (2, 3, 4, 5, 6, 8)
#: Fig. 9: spmat SRAM widths 32…512 bits [EIE §VI-C].
SRAM_WIDTHS: tuple[int, ...] = (32, 64, 128, 256, 512)


@dataclasses.dataclass
class Sweep:
    """Result of one sweep: ``metrics[metric][layer]`` is a list aligned with ``values``.

    Attributes
    ----------
    param : str
        The swept parameter, e.g. ``"fifo_depth"``.
    values : list of int
        Its values, in order.
    metrics : dict
        ``{metric: {layer: [one float per value]}}``.

    Examples
    --------
    >>> s = Sweep("fifo_depth", [1, 8])
    >>> s.add("cycles", "A", 120); s.add("cycles", "A", 100)
    >>> s.merge(Sweep("fifo_depth", [1, 8], {"cycles": {"B": [9.0, 7.0]}})).rows()[-1]
    {'layer': 'B', 'fifo_depth': 8, 'cycles': 7.0}
    >>> s.merge(Sweep("n_pe", [1, 8]))
    Traceback (most recent call last):
    ...
    eie_lab.errors.ConfigError: other='n_pe=[1, 8]' is invalid: must sweep fifo_depth=[1, 8]
    help: merge sweeps over the same values
    """

    param: str
    values: list[int]
    metrics: dict[str, dict[str, list[float]]] = dataclasses.field(default_factory=dict)

    def add(self, metric: str, layer: str, value: float) -> None:
        """Append one measurement."""
        self.metrics.setdefault(metric, {}).setdefault(layer, []).append(float(value))

    def merge(self, other: Sweep) -> Sweep:
        """Add the layers of another sweep over the same values (in place; returns self)."""
        if other.param != self.param or other.values != self.values:
            raise ConfigError(fail_message("other", f"{other.param}={other.values}",
                                           f"must sweep {self.param}={self.values}",
                                           "merge sweeps over the same values"))
        for metric, per_layer in other.metrics.items():
            self.metrics.setdefault(metric, {}).update(per_layer)
        return self

    def renamed(self, suffix: str) -> Sweep:
        """A copy whose metrics carry ``suffix`` (to merge two runs of the same sweep).

        Examples
        --------
        >>> list(Sweep("n_pe", [1], {"cycles": {"A": [3.0]}}).renamed("_pipeline").metrics)
        ['cycles_pipeline']
        """
        return Sweep(self.param, list(self.values),
                     {m + suffix: {k: list(v) for k, v in per.items()}
                      for m, per in self.metrics.items()})

    def rows(self) -> list[dict[str, object]]:
        """Long-format rows (layer, param value, one column per metric) for CSV and tables."""
        out = []
        layers = next(iter(self.metrics.values())) if self.metrics else {}
        for layer in layers:
            for i, value in enumerate(self.values):
                row: dict[str, object] = {"layer": layer, self.param: value}
                row.update({m: self.metrics[m][layer][i] for m in self.metrics})
                out.append(row)
        return out


def _names(names: Sequence[str] | None) -> list[str]:
    names = list(LAYER_NAMES if names is None else names)
    bad = [n for n in names if n not in LAYER_NAMES]
    if bad or not names:
        raise ConfigError(fail_message("names", names, f"must be a non-empty subset of {LAYER_NAMES}",
                                       'use e.g. ["Alex-7", "NT-We"]'))
    return names


def check_timing(timing: str) -> str:
    """Return ``timing`` if it is a timing model of :data:`eie_lab.eie.config.TIMINGS`.

    Examples
    --------
    >>> check_timing("pipeline")
    'pipeline'
    """
    if timing not in TIMINGS:
        raise ConfigError(fail_message("timing", timing, f"must be one of {TIMINGS}",
                                       'use timing="contract" or "pipeline"'))
    return timing


def _values(name: str, values: Sequence[int]) -> list[int]:
    vals = [int(v) for v in values]
    if not vals or any(v < 1 for v in vals):
        raise ConfigError(fail_message(name, list(values), "must be a non-empty list of ints >= 1",
                                       "use e.g. (1, 2, 4, 8)"))
    return vals


@functools.lru_cache(maxsize=1)
def encoded_layer(name: str, n_pe: int = 64, index_bits: int = 4, seed: int = 0) -> EncodedLayer:
    """A benchmark layer encoded for ``n_pe`` PEs (the last one is kept, so per-layer loops that
    run several 64-PE studies encode each layer once).

    Parameters
    ----------
    name : str
        One of :data:`eie_lab.data.layers.LAYER_NAMES`.
    n_pe, index_bits : int
        Encoding settings (other fields: ``EIEConfig`` defaults).
    seed : int
        Seed of the random benchmark matrix.

    Returns
    -------
    EncodedLayer
        Cached: treat it as read-only.

    Examples
    --------
    >>> layer = encoded_layer("NT-LSTM")
    >>> layer.shape, layer.n_pe, encoded_layer("NT-LSTM") is layer
    ((2400, 1201), 64, True)
    """
    return encode(benchmark_layer(name, seed), EIEConfig(n_pe=n_pe, index_bits=index_bits))


def fifo_sweep(names: Sequence[str] | None = None, depths: Sequence[int] = FIFO_DEPTHS,
               n_pe: int = 64, seed: int = 0, desc: str = "FIFO sweep",
               progress: bool | None = None, timing: str = "contract") -> Sweep:
    """Load efficiency (and cycles) vs activation-queue depth, per layer ([EIE Fig. 8]).

    Metrics: ``load_efficiency``, ``mac_utilization``, ``cycles``, ``broadcast_stalls`` (NaN at
    depth 1 in the pipeline timing, whose ring of one slot deadlocks). The paper's Fig. 8 plots
    1 - bubble cycles / total cycles, i.e. ``load_efficiency``.

    Parameters
    ----------
    names : sequence of str, optional
        Layers of ``LAYER_NAMES`` (default: all nine).
    depths : sequence of int
        FIFO depths (default :data:`FIFO_DEPTHS`, 1…256).
    n_pe, seed : int
        PEs (paper: 64) and the benchmark layers' seed; ``desc`` labels the progress bar,
        ``progress`` shows it (None follows ``EIE_LAB_PROGRESS``).
    timing : {"contract", "pipeline"}
        The timing model.

    Examples
    --------
    See the module docstring.
    """
    names, depths = _names(names), _values("depths", depths)
    timing = check_timing(timing)
    sweep = Sweep("fifo_depth", depths)
    bar = progress_bar(total=len(names) * len(depths), desc=desc, unit="run", progress=progress)
    metrics = ("load_efficiency", "mac_utilization", "cycles", "broadcast_stalls")
    for name in names:
        bl = benchmark_layer(name, seed)
        layer = encoded_layer(name, n_pe, 4, seed)
        for depth in depths:
            if timing == "pipeline" and depth < 2:
                for metric in metrics:
                    sweep.add(metric, name, float("nan"))
                bar.update()
                continue
            res = simulate(layer, bl.a, layer.config.replace(fifo_depth=depth, timing=timing))
            for metric in metrics:
                sweep.add(metric, name, getattr(res, metric))
            bar.update()
    bar.close()
    return sweep


def pe_sweep(names: Sequence[str] | None = None, n_pes: Sequence[int] = PE_COUNTS,
             fifo_depth: int = 8, seed: int = 0, desc: str = "#PE sweep",
             progress: bool | None = None, timing: str = "contract") -> Sweep:
    """Speedup, real work and load efficiency vs number of PEs ([EIE Figs 11, 12, 13]).

    Metrics: ``speedup`` (cycles on the smallest array in ``n_pes`` / cycles; relative to 1 PE when
    1 is included), ``real_work``, ``load_efficiency``, ``mac_utilization``, ``cycles``,
    ``time_us``.

    Parameters
    ----------
    names : sequence of str, optional
        Layers of ``LAYER_NAMES`` (default: all nine).
    n_pes : sequence of int
        PE counts (default :data:`PE_COUNTS`, 1…256); each is a new encoding.
    fifo_depth : int
        Queue depth (paper: 8).
    seed : int
        Seed of the benchmark layers; ``desc`` labels the progress bar, ``progress`` shows it
        (None follows ``EIE_LAB_PROGRESS``).
    timing : {"contract", "pipeline"}
        The timing model.

    Examples
    --------
    >>> s = pe_sweep(["NT-LSTM"], n_pes=(1, 64))
    >>> s.metrics["cycles"]["NT-LSTM"], round(s.metrics["speedup"]["NT-LSTM"][1], 1)
    ([352747.0, 5347.0], 66.0)
    """
    names, n_pes = _names(names), _values("n_pes", n_pes)
    timing = check_timing(timing)
    sweep = Sweep("n_pe", n_pes)
    bar = progress_bar(total=len(names) * len(n_pes), desc=desc, unit="run", progress=progress)
    for name in names:
        bl = benchmark_layer(name, seed)
        cycles = []
        for n_pe in n_pes:
            layer = encoded_layer(name, n_pe, 4, seed)
            res = simulate(layer, bl.a, layer.config.replace(fifo_depth=fifo_depth, timing=timing))
            cycles.append(res.cycles)
            sweep.add("real_work", name, res.real_work)
            sweep.add("load_efficiency", name, res.load_efficiency)
            sweep.add("mac_utilization", name, res.mac_utilization)
            sweep.add("cycles", name, res.cycles)
            sweep.add("time_us", name, res.time_us)
            bar.update()
        for c in cycles:
            sweep.add("speedup", name, cycles[0] / c if c else float("nan"))
    bar.close()
    return sweep


def index_bits_sweep(names: Sequence[str] | None = None, bits: Sequence[int] = INDEX_BITS,
                     n_pe: int = 64, seed: int = 0, desc: str = "index-bit sweep",
                     progress: bool | None = None) -> Sweep:
    """Padding overhead and storage vs the width of the relative row index z.

    Metrics: ``padding_overhead`` (padding entries / real entries), ``real_work``,
    ``spmat_kbits_per_pe`` (worst PE: entries x (weight_bits + index_bits) / 1000), ``cycles``.

    Parameters
    ----------
    names : sequence of str, optional
        Layers of ``LAYER_NAMES`` (default: all nine).
    bits : sequence of int
        Index widths (default :data:`INDEX_BITS`); each is a new encoding.
    n_pe, seed : int
        PEs (paper: 64) and the benchmark layers' seed; ``desc`` labels the progress bar,
        ``progress`` shows it (None follows ``EIE_LAB_PROGRESS``).

    Examples
    --------
    >>> s = index_bits_sweep(["NT-LSTM"], bits=(3, 4))
    >>> [round(x, 3) for x in s.metrics["padding_overhead"]["NT-LSTM"]]
    [0.479, 0.111]
    """
    names, bits = _names(names), _values("bits", bits)
    sweep = Sweep("index_bits", bits)
    bar = progress_bar(total=len(names) * len(bits), desc=desc, unit="run", progress=progress)
    for name in names:
        bl = benchmark_layer(name, seed)
        for b in bits:
            layer = encoded_layer(name, n_pe, b, seed)
            res = simulate(layer, bl.a)
            sweep.add("padding_overhead", name, layer.n_padding / max(1, layer.nnz))
            sweep.add("real_work", name, res.real_work)
            sweep.add("spmat_kbits_per_pe", name, int(layer.spmat_bits.max()) / 1000)
            sweep.add("cycles", name, res.cycles)
            bar.update()
    bar.close()
    return sweep


def sram_read_energy_pj(width_bits: int, e64_pj: float | None = None,
                        fixed_fraction: float = 0.5) -> float:
    """Energy of one spmat SRAM row read of ``width_bits`` bits — this lab's assumption.

    ``e64_pj`` (default: :class:`~eie_lab.eie.EnergyModel`'s 64-bit read, derived from EIE
    Table II) is split into a width-independent part (decoders, sense control; ``fixed_fraction``)
    and a part proportional to the bits read (bit lines, sense amplifiers):
    ``e(w) = e64 * (fixed_fraction + (1 - fixed_fraction) * w / 64)``.

    Parameters
    ----------
    width_bits : int
        Row width in bits.
    e64_pj : float, optional
        Energy of a 64-bit read in pJ (default: ``EnergyModel().e_spmat_row_pj``).
    fixed_fraction : float
        Share of ``e64_pj`` that does not scale with the width, in [0, 1].

    Returns
    -------
    float
        pJ per row read.

    Examples
    --------
    >>> sram_read_energy_pj(64, e64_pj=40.0), sram_read_energy_pj(128, e64_pj=40.0)
    (40.0, 60.0)
    """
    e64 = EnergyModel().e_spmat_row_pj if e64_pj is None else float(e64_pj)
    if not 0.0 <= fixed_fraction <= 1.0 or not width_bits >= 1:
        raise ConfigError(fail_message("fixed_fraction, width_bits", (fixed_fraction, width_bits),
                                       "need 0 <= fixed_fraction <= 1 and width_bits >= 1",
                                       "use fixed_fraction=0.5 and a width such as 64"))
    return e64 * (fixed_fraction + (1.0 - fixed_fraction) * width_bits / 64.0)


def sram_width_sweep(names: Sequence[str] | None = ("Alex-6", "Alex-7", "Alex-8"),
                     widths: Sequence[int] = SRAM_WIDTHS, n_pe: int = 64, seed: int = 0,
                     fixed_fraction: float = 0.5, desc: str = "SRAM-width sweep",
                     progress: bool | None = None) -> Sweep:
    """Spmat SRAM reads and read energy vs SRAM row width ([EIE Fig. 9], AlexNet by default).

    Metrics: ``reads`` (row reads over the array), ``pj_per_read`` (:func:`sram_read_energy_pj`),
    ``spmat_nj`` (reads x pJ / 1000).

    Parameters
    ----------
    names : sequence of str, optional
        Layers of :data:`eie_lab.data.layers.LAYER_NAMES` (default: the three AlexNet layers).
    widths : sequence of int
        Row widths in bits (default :data:`SRAM_WIDTHS`, 32…512).
    fixed_fraction : float
        Passed to :func:`sram_read_energy_pj`.
    n_pe, seed : int
        PEs (paper: 64) and the benchmark layers' seed; ``desc`` labels the progress bar,
        ``progress`` shows it (None follows ``EIE_LAB_PROGRESS``).

    Examples
    --------
    >>> s = sram_width_sweep(["NT-LSTM"], widths=(32, 64))
    >>> s.metrics["reads"]["NT-LSTM"]
    [79962.0, 39995.0]
    """
    names, widths = _names(names), _values("widths", widths)
    sweep = Sweep("spmat_width_bits", widths)
    bar = progress_bar(total=len(names) * len(widths), desc=desc, unit="run", progress=progress)
    for name in names:
        bl = benchmark_layer(name, seed)
        layer = encoded_layer(name, n_pe, 4, seed)
        columns = bl.a.nonzero()[0]
        for width in widths:
            cfg = layer.config.replace(spmat_width_bits=width)
            # the stored arrays do not depend on the row width: reuse them under the new config
            reads = count_accesses(dataclasses.replace(layer, config=cfg), columns).spmat_reads
            pj = sram_read_energy_pj(width, fixed_fraction=fixed_fraction)
            sweep.add("reads", name, reads)
            sweep.add("pj_per_read", name, pj)
            sweep.add("spmat_nj", name, reads * pj / 1000)
            bar.update()
    bar.close()
    return sweep


def fifo_and_width_sweeps(names: Sequence[str] | None = None, depths: Sequence[int] = FIFO_DEPTHS,
                          widths: Sequence[int] = SRAM_WIDTHS,
                          width_names: Sequence[str] | None = ("Alex-6", "Alex-7", "Alex-8"),
                          seed: int = 0, desc: str = "64-PE sweeps", progress: bool | None = None,
                          timing: str = "contract") -> tuple[Sweep, Sweep | None]:
    """:func:`fifo_sweep` over ``names`` and :func:`sram_width_sweep` over ``width_names``, layer by
    layer, so each layer is encoded for 64 PEs only once. Returns (fifo, width or None).

    Parameters
    ----------
    names : sequence of str, optional
        Layers of the FIFO sweep (default: all nine).
    depths, widths : sequence of int
        FIFO depths and SRAM row widths.
    width_names : sequence of str or None
        Layers of the width sweep; None skips it.
    seed : int
        Seed of the random benchmark layers.
    desc : str
        Progress-bar label.
    progress : bool, optional
        Draw the progress bar; None follows ``EIE_LAB_PROGRESS``.
    timing : {"contract", "pipeline"}
        Timing model of the FIFO sweep (the width sweep counts accesses, which do not depend
        on it).

    Returns
    -------
    fifo : Sweep
    width : Sweep or None

    Examples
    --------
    >>> fifo, width = fifo_and_width_sweeps(["NT-LSTM"], (1, 8), (64,), width_names=None)
    >>> fifo.values, width
    ([1, 8], None)
    """
    names = _names(names)
    width_names = [] if width_names is None else [n for n in _names(width_names)]
    fifo: Sweep | None = None
    width: Sweep | None = None
    bar = progress_bar(total=len(set(names) | set(width_names)), desc=desc, unit="layer",
                       progress=progress)
    for name in [n for n in LAYER_NAMES if n in names or n in width_names]:
        if name in names:
            s = fifo_sweep([name], depths, seed=seed, progress=False, timing=timing)
            fifo = s if fifo is None else fifo.merge(s)
        if name in width_names:
            s = sram_width_sweep([name], widths, seed=seed, progress=False)
            width = s if width is None else width.merge(s)
        bar.update()
    bar.close()
    if fifo is None:
        raise ConfigError(fail_message("names", names, "must name at least one layer", "e.g. ['Alex-7']"))
    return fifo, width


def timing_table(names: Sequence[str] | None = None, n_pe: int = 64, fifo_depth: int = 8,
                 seed: int = 0, tol: float = 0.15, progress: bool | None = None
                 ) -> list[dict[str, object]]:
    """Table IV in both timing models: the contract's µs beside the pipeline's (one row a layer).

    Columns: layer, contract_us, pipeline_us, pipeline_over_contract, actual_us (EIE Table IV),
    contract_over_actual, pipeline_over_actual, pipeline_within_tol, load_efficiency and
    mac_utilization of each model.

    Parameters
    ----------
    names : sequence of str, optional
        Layers of ``LAYER_NAMES`` (default: all nine).
    n_pe, fifo_depth : int
        Array size and queue depth (paper: 64 and 8).
    seed : int
        Seed of the benchmark layers.
    tol : float
        Relative tolerance of ``pipeline_within_tol``.
    progress : bool, optional
        Draw the progress bar; None follows ``EIE_LAB_PROGRESS``.

    Returns
    -------
    list of dict

    Examples
    --------
    >>> row = timing_table(["NT-LSTM"])[0]
    >>> row["contract_us"] < row["pipeline_us"] < 1.013 * row["contract_us"]
    True
    """
    names = _names(names)
    rows: list[dict[str, object]] = []
    bar = progress_bar(total=len(names), desc="Table IV, two timings", unit="layer",
                       progress=progress)
    for name in names:
        bl = benchmark_layer(name, seed)
        layer = encoded_layer(name, n_pe, 4, seed)
        cfg = layer.config.replace(fifo_depth=fifo_depth)
        con = simulate(layer, bl.a, cfg)
        pipe = simulate(layer, bl.a, cfg.replace(timing="pipeline"))
        actual = T.EIE_ACTUAL_US[name]
        rows.append({"layer": name, "contract_us": con.time_us, "pipeline_us": pipe.time_us,
                     "pipeline_over_contract": pipe.cycles / con.cycles, "actual_us": actual,
                     "contract_over_actual": con.time_us / actual,
                     "pipeline_over_actual": pipe.time_us / actual,
                     "pipeline_within_tol": abs(pipe.time_us / actual - 1) <= tol,
                     "load_efficiency_contract": con.load_efficiency,
                     "load_efficiency_pipeline": pipe.load_efficiency,
                     "mac_utilization_contract": con.mac_utilization,
                     "mac_utilization_pipeline": pipe.mac_utilization})
        bar.update()
    bar.close()
    return rows
