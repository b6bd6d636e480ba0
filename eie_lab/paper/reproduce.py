"""``eie-lab reproduce``: the EIE paper's tables and figures, regenerated as CSV, PNG and Markdown.

Parts (``what``):

- ``table4``: simulated µs per layer (64 PEs, FIFO 8) beside [EIE Table IV]'s theoretical and
  actual µs, with the fidelity check (within ±15 % of actual).
- ``fig6`` / ``fig7``: speedup and energy efficiency recomputed from Table IV and DC Table 9
  (EIE at 0.6 W) next to the paper's data labels.
- ``fig8``: load efficiency vs FIFO depth; ``scaling``: speedup, real work and load efficiency vs
  #PEs (Figs 11–13); ``index_bits``: padding vs index width; ``sram_width``: reads and energy vs
  SRAM width (Fig. 9, qualitative); ``h100``: the H100 measurement of 2026-11-26 beside EIE.

Every file is written atomically into the output folder; ``summary.md`` collects the tables.
``quick=True`` runs a subset of layers on coarser grids (seconds instead of minutes).

``timing="pipeline"`` (``eie-lab reproduce --timing pipeline``) adds the EIE authors' pipeline
timing beside the contract's (see ``help(eie_lab.eie)``): ``table4_pipeline`` (µs in both
models against Table IV's actual), and the Fig. 8 and Figs 11–13 sweeps run in both models, their
CSVs holding both (metrics of the pipeline model suffixed ``_pipeline``) and
``fig8_pipeline.png`` / ``scaling_pipeline.png`` drawing the pipeline model. In that model a
FIFO of depth 1 deadlocks, so Fig. 8's first point is missing (NaN): the paper's smallest depth
may correspond to a ring of 2.

The rows come from :mod:`eie_lab.paper.comparison` (Table IV, Figs 6/7) and
:mod:`eie_lab.paper.sweeps` (Figs 8, 9, 11-13); :mod:`eie_lab.paper.files` writes them.

Examples
--------
>>> WHAT[:3], QUICK_LAYERS
(('table4', 'fig6', 'fig7'), ('Alex-8', 'NT-We', 'NT-LSTM'))
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eie_lab import paper_tables as T
from eie_lab.cache import atomic_write_bytes
from eie_lab.data.gpu_baseline import MEASURED, energy_table
from eie_lab.data.layers import LAYER_NAMES
from eie_lab.errors import ConfigError, fail_message
from eie_lab.paper import sweeps as S
from eie_lab.paper.comparison import fidelity, fig_rows, table4
from eie_lab.paper.files import markdown_table, save_figure, write_csv
from eie_lab.viz import eie_plots as P

__all__ = ["WHAT", "QUICK_LAYERS", "reproduce"]

#: The parts ``reproduce`` can write, in order.
WHAT: tuple[str, ...] = ("table4", "fig6", "fig7", "fig8", "scaling", "index_bits", "sram_width",
                         "h100")
#: Layers of the quick mode: small ones, including NT-We (the least balanced).
QUICK_LAYERS: tuple[str, ...] = ("Alex-8", "NT-We", "NT-LSTM")
_QUICK = {"fifo": (1, 2, 8, 64), "pe": (1, 8, 64, 256), "bits": (3, 4, 5), "width": (32, 64, 128)}
_FULL = {"fifo": S.FIFO_DEPTHS, "pe": S.PE_COUNTS, "bits": S.INDEX_BITS, "width": S.SRAM_WIDTHS}


def _parse_what(what: str | Sequence[str] | None) -> list[str]:
    if what is None or what == "all":
        return list(WHAT)
    items = [w.strip() for w in (what.split(",") if isinstance(what, str) else what) if w.strip()]
    bad = [w for w in items if w not in WHAT]
    if bad or not items:
        raise ConfigError(fail_message("what", ",".join(items) or "(empty)",
                                       f"must be a comma-separated subset of {','.join(WHAT)}",
                                       "e.g. --what table4,fig8"))
    return [w for w in WHAT if w in items]


def reproduce(out: str | os.PathLike[str], what: str | Sequence[str] | None = None,
              quick: bool = False, seed: int = 0, timing: str = "contract"
              ) -> dict[str, list[Path]]:
    """Regenerate the requested parts into folder ``out``; returns {part: [files written]}.

    Parameters
    ----------
    out : path
        Output folder (created).
    what : str or list of str, optional
        Parts from :data:`WHAT` (default: all), e.g. ``"table4,fig8"``.
    quick : bool
        Only :data:`QUICK_LAYERS`, on coarse grids.
    seed : int
        Seed of the benchmark layers.
    timing : {"contract", "pipeline"}
        ``"pipeline"`` adds the pipeline timing model beside the contract's (Table IV, Figs 8
        and 11-13): parts ``table4_pipeline``, ``fig8_pipeline``, ``scaling_pipeline``.

    Returns
    -------
    dict of str to list of pathlib.Path
        Files written per part, plus ``"summary"`` (``summary.md``).

    Raises
    ------
    ConfigError
        When ``what`` names an unknown part or ``timing`` an unknown model.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     written = reproduce(tmp, what="fig6", quick=True)
    ...     sorted(p.name for files in written.values() for p in files)
    ['fig6.csv', 'fig6.png', 'summary.md']
    """
    parts = _parse_what(what)
    both = S.check_timing(timing) == "pipeline"
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    names = list(QUICK_LAYERS if quick else LAYER_NAMES)
    grid = _QUICK if quick else _FULL
    written: dict[str, list[Path]] = {}
    summary = [f"# EIE paper reproduction ({'quick: ' + ', '.join(names) if quick else 'full'})",
               "", "Paper numbers: EIE (Han et al., ISCA 2016) and Deep Compression (Han et al., ICLR "
               "2016); see docs/references.md."]

    def emit(part: str, title: str, rows: list[dict[str, Any]] | None, fig: Any = None,
             note: str = "") -> None:
        files = [] if rows is None else [write_csv(folder / f"{part}.csv", rows)]
        if fig is not None:
            files.append(save_figure(fig, folder / f"{part}.png"))
        written[part] = files
        summary.extend(["", f"## {title}", "", note or markdown_table(rows or [])])

    sim_times = None
    if "table4" in parts:
        rows = table4(names, seed=seed)
        sim_times = {r["layer"]: r["sim_us"] for r in rows}
        ok, total = fidelity(rows)
        fig = P.plot_times([r["layer"] for r in rows], {
            "simulated": [r["sim_us"] for r in rows],
            "paper theoretical": [r["theoretical_us"] for r in rows],
            "paper actual": [r["actual_us"] for r in rows]})
        emit("table4", f"Table IV: simulated vs paper ({ok}/{total} within ±15 % of actual)",
             rows, fig)
        if both:
            trows = S.timing_table(names, seed=seed)
            n_ok = sum(bool(r["pipeline_within_tol"]) for r in trows)
            fig = P.plot_times([r["layer"] for r in trows], {
                "contract": [r["contract_us"] for r in trows],
                "pipeline": [r["pipeline_us"] for r in trows],
                "paper actual": [r["actual_us"] for r in trows]})
            emit("table4_pipeline", "Table IV in both timing models (pipeline: "
                 f"{n_ok}/{len(trows)} within ±15 % of actual)", trows, fig)
    for figure, ylabel in (("fig6", "speedup over CPU dense"),
                           ("fig7", "energy efficiency over CPU dense")):
        if figure in parts:
            rows = fig_rows(figure, sim_times)
            values: dict[str, list[float]] = {}
            for r in rows:
                values.setdefault(r["series"], []).append(r["value"])
            paper = T.FIG6_LABELS if figure == "fig6" else T.FIG7_LABELS
            fig = P.plot_ratio_bars(values, T.LAYER_NAMES, paper, ylabel=ylabel,
                                    title=f"EIE {figure.replace('fig', 'Fig. ')} recomputed "
                                          "(labels: paper)")
            emit(figure, f"{figure}: recomputed vs paper labels", rows, fig)
    fifo_s, width_s = None, None
    if "fig8" in parts or "sram_width" in parts:
        fifo_s, width_s = S.fifo_and_width_sweeps(
            names if "fig8" in parts else names[:1], grid["fifo"] if "fig8" in parts else (8,),
            grid["width"], names if "sram_width" in parts else None, seed=seed)
    if "fig8" in parts and fifo_s is not None:
        s = fifo_s
        if both:
            pipe = S.fifo_sweep(names, grid["fifo"], seed=seed, timing="pipeline")
            s.merge(pipe.renamed("_pipeline"))
        emit("fig8", "Fig. 8: load efficiency vs FIFO depth (64 PEs)", s.rows(),
             P.plot_fifo_sweep(s.values, s.metrics["load_efficiency"]))
        if both:
            emit("fig8_pipeline", "Fig. 8 in the pipeline timing (depth 1 deadlocks: NaN)", None,
                 P.plot_fifo_sweep(s.values, s.metrics["load_efficiency_pipeline"]),
                 note="Data: the `*_pipeline` columns of fig8.csv (a ring of D slots holds "
                      "D - 1 items, so the paper's smallest depth may correspond to a ring of 2).")
    if "scaling" in parts:
        s = S.pe_sweep(names, grid["pe"], seed=seed)
        if both:
            s.merge(S.pe_sweep(names, grid["pe"], seed=seed, timing="pipeline").renamed("_pipeline"))
        emit("scaling", "Figs 11-13: speedup, real work, load efficiency vs #PEs", s.rows(),
             P.plot_pe_sweep(s.values, s.metrics["speedup"], s.metrics["real_work"],
                             s.metrics["load_efficiency"]))
        if both:
            emit("scaling_pipeline", "Figs 11-13 in the pipeline timing", None,
                 P.plot_pe_sweep(s.values, s.metrics["speedup_pipeline"],
                                 s.metrics["real_work_pipeline"],
                                 s.metrics["load_efficiency_pipeline"]),
                 note="Data: the `*_pipeline` columns of scaling.csv.")
    if "index_bits" in parts:
        s = S.index_bits_sweep(names, grid["bits"], seed=seed)
        emit("index_bits", "Padding overhead vs index bits (64 PEs)", s.rows(),
             P.plot_param_sweep(s.values, s.metrics["padding_overhead"], "index bits",
                                "padding entries / real entries", "Padding vs index width",
                                logx=False))
    if "sram_width" in parts and width_s is not None:
        s = width_s
        # Fig. 9 is AlexNet: total the Alex layers when present, else every swept layer
        alex = [n for n in s.metrics["spmat_nj"] if n.startswith("Alex")] or list(
            s.metrics["spmat_nj"])
        total_nj = [sum(s.metrics["spmat_nj"][n][i] for n in alex) for i in range(len(s.values))]
        emit("sram_width", "Fig. 9 (qualitative): SRAM reads and energy vs width", s.rows(),
             P.plot_param_sweep(s.values, s.metrics["reads"], "spmat SRAM width [bits]",
                                "row reads", "SRAM width: reads vs energy (cf. EIE Fig. 9)",
                                twin={f"read energy, {'+'.join(alex)} [nJ]": total_nj},
                                twin_label="energy [nJ]"))
    if "h100" in parts:
        rows = energy_table()
        fig = P.plot_times([r["layer"] for r in rows], {
            "H100 dense fp16": [r["h100_dense_fp16_uj"] for r in rows],
            "H100 CSR fp32": [r["h100_csr_fp32_uj"] for r in rows],
            "EIE (Table IV x 0.6 W)": [r["eie_uj"] for r in rows]},
            title=f"Energy per layer evaluation, batch 1 ({MEASURED})")
        fig.axes[0].set_yscale("log")
        fig.axes[0].set_ylabel("energy [µJ]")
        emit("h100", f"H100 ({MEASURED}) vs EIE, energy per layer", rows, fig)
    summary_path = atomic_write_bytes(folder / "summary.md", ("\n".join(summary) + "\n").encode())
    written["summary"] = [summary_path]
    return written
