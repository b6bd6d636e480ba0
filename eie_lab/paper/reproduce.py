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

Examples
--------
>>> rows = fig_rows("fig6")
>>> rows[0]["series"], rows[0]["layer"], rows[0]["paper"], rows[0]["recomputed"]
('CPU Dense', 'Alex-6', '1', '1')
>>> print(markdown_table([{"a": 1, "b": 0.5}]).splitlines()[2])
| 1 | 0.5 |
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from eie_lab import paper_tables as T
from eie_lab.cache import atomic_write_bytes
from eie_lab.data.layers import LAYER_NAMES, benchmark_layer
from eie_lab.eie import simulate
from eie_lab.errors import ConfigError, fail_message
from eie_lab.paper import sweeps as S
from eie_lab.progress import progress

__all__ = ["WHAT", "QUICK_LAYERS", "table4", "fidelity", "fig_rows", "markdown_table",
           "write_csv", "save_figure", "reproduce"]

#: The parts ``reproduce`` can write, in order.
WHAT: tuple[str, ...] = ("table4", "fig6", "fig7", "fig8", "scaling", "index_bits", "sram_width",
                         "h100")
#: Layers of the quick mode: small ones, including NT-We (the least balanced).
QUICK_LAYERS: tuple[str, ...] = ("Alex-8", "NT-We", "NT-LSTM")
_QUICK = {"fifo": (1, 2, 8, 64), "pe": (1, 8, 64, 256), "bits": (3, 4, 5), "width": (32, 64, 128)}
_FULL = {"fifo": S.FIFO_DEPTHS, "pe": S.PE_COUNTS, "bits": S.INDEX_BITS, "width": S.SRAM_WIDTHS}


def table4(names: Sequence[str] | None = None, n_pe: int = 64, fifo_depth: int = 8, seed: int = 0,
           tol: float = 0.15) -> list[dict[str, Any]]:
    """Simulated time per layer vs [EIE Table IV] (one row per layer).

    Columns: layer, sim_us, ideal_us (entries processed, padding included, / (n_pe x clock):
    the simulator's counterpart of the paper's "theoretical" time), theoretical_us, actual_us,
    sim_over_actual, within_tol, paper_theoretical_over_ideal (> 1: the paper's layer had more
    work than the random one), load_efficiency, real_work, energy_uj, power_w.

    Parameters
    ----------
    names : sequence of str, optional
        Layers of ``LAYER_NAMES`` (default: all nine; VGG-6 and Alex-6 take seconds).
    n_pe, fifo_depth : int
        Array size and queue depth (paper: 64 and 8).
    seed : int
        Seed of the random benchmark layers.
    tol : float
        Relative tolerance of ``within_tol`` (0.15 = ±15 %).

    Returns
    -------
    list of dict
        One row per layer, columns as above.

    Examples
    --------
    >>> rows = table4(["NT-LSTM"])
    >>> rows[0]["actual_us"], round(rows[0]["sim_us"], 2), rows[0]["within_tol"]
    (7.5, 6.68, True)
    >>> fidelity(rows)
    (1, 1)
    """
    rows = []
    for name in progress(list(LAYER_NAMES if names is None else names), desc="Table IV",
                         unit="layer"):
        layer = S.encoded_layer(name, n_pe, 4, seed)
        res = simulate(layer, benchmark_layer(name, seed).a,
                       layer.config.replace(fifo_depth=fifo_depth))
        actual = T.EIE_ACTUAL_US[name]
        ratio = res.time_us / actual
        ideal = res.counts.macs / (n_pe * layer.config.clock_mhz)  # all entries, no idling
        rows.append({"layer": name, "sim_us": res.time_us, "ideal_us": ideal,
                     "theoretical_us": T.EIE_THEORETICAL_US[name], "actual_us": actual,
                     "sim_over_actual": ratio, "within_tol": abs(ratio - 1) <= tol,
                     "paper_theoretical_over_ideal": T.EIE_THEORETICAL_US[name] / ideal,
                     "load_efficiency": res.load_efficiency, "real_work": res.real_work,
                     "energy_uj": res.energy.total_j * 1e6, "power_w": res.energy.power_w})
    return rows


def fidelity(rows: Iterable[dict[str, Any]]) -> tuple[int, int]:
    """(layers within tolerance, layers) of :func:`table4` rows.

    Parameters
    ----------
    rows : iterable of dict
        Rows with a ``within_tol`` entry.

    Examples
    --------
    >>> fidelity([{"within_tol": True}, {"within_tol": False}])
    (1, 2)
    """
    rows = list(rows)
    return sum(bool(r["within_tol"]) for r in rows), len(rows)


def fig_rows(figure: str = "fig6", sim_times_us: dict[str, float] | None = None
             ) -> list[dict[str, Any]]:
    """Fig. 6 or 7 in long form: series, layer, value, recomputed label, paper label, match.

    With ``sim_times_us`` (all nine layers) an extra series "EIE (simulated)" uses them.

    Parameters
    ----------
    figure : {"fig6", "fig7"}
        Speedup or energy efficiency.
    sim_times_us : dict, optional
        Simulated EIE µs per layer (e.g. ``sim_us`` of :func:`table4`).

    Returns
    -------
    list of dict
        Keys series, layer, value, recomputed, paper, match (None for the simulated series).

    Examples
    --------
    >>> rows = fig_rows("fig7")
    >>> [(r["layer"], r["recomputed"], r["paper"]) for r in rows if r["series"] == "EIE"][:2]
    [('Alex-6', '34,522', '34,522'), ('Alex-7', '61,533', '61,533')]
    """
    labels = T.recomputed_labels(figure)
    values = T.speedups() if figure == "fig6" else T.energy_efficiencies()
    paper = T.FIG6_LABELS if figure == "fig6" else T.FIG7_LABELS
    rows = []
    for series, vals in values.items():
        for i, layer in enumerate(T.LAYER_NAMES):
            rows.append({"series": series, "layer": layer, "value": vals[i],
                         "recomputed": labels[series][i], "paper": paper[series][i],
                         "match": labels[series][i] == paper[series][i]})
    if sim_times_us is not None and all(n in sim_times_us for n in T.LAYER_NAMES):
        sim = (T.speedups(sim_times_us) if figure == "fig6"
               else T.energy_efficiencies(sim_times_us))["EIE"]
        for i, layer in enumerate(T.LAYER_NAMES):
            rows.append({"series": "EIE (simulated)", "layer": layer, "value": sim[i],
                         "recomputed": T.format_label(sim[i], "EIE", figure),
                         "paper": paper["EIE"][i], "match": None})
    return rows


def _fmt(value: Any) -> str:
    if isinstance(value, float):  # 4 significant digits, never e-notation for large values
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
    return str(value)


def markdown_table(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None) -> str:
    """Rows of dicts as a Markdown table (floats to 4 significant digits; >= 1000 as 35,023).

    Parameters
    ----------
    rows : sequence of dict
        One dict per row; missing keys print as empty cells.
    columns : sequence of str, optional
        Column order (default: the keys of the first row).

    Returns
    -------
    str
        The table ("" for no rows).

    Examples
    --------
    >>> print(markdown_table([{"layer": "NT-We", "us": 8.04321}], columns=["us", "layer"]))
    | us | layer |
    |---|---|
    | 8.043 | NT-We |
    """
    if not rows:
        return ""
    cols = list(columns or rows[0].keys())
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(_fmt(r.get(c, "")) for c in cols) + " |" for r in rows]
    return "\n".join(lines)


def write_csv(path: str | os.PathLike[str], rows: Sequence[dict[str, Any]]) -> Path:
    """Write rows of dicts as CSV, atomically.

    Parameters
    ----------
    path : path-like
        Destination file (written via a temporary file and a rename).
    rows : sequence of dict
        The header comes from the first row's keys; no rows give an empty file.

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     print(write_csv(Path(tmp) / "t.csv", [{"a": 1, "b": 0.5}]).read_text(), end="")
    a,b
    1,0.5
    """
    buf = io.StringIO()
    if rows:
        writer = csv.DictWriter(buf, fieldnames=list(rows[0].keys()), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return atomic_write_bytes(path, buf.getvalue().encode("utf-8"))


def save_figure(fig: Any, path: str | os.PathLike[str], dpi: int = 110) -> Path:
    """Save a matplotlib figure as PNG atomically and close it.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure (closed afterwards).
    path : path-like
        Destination ``.png`` file.
    dpi : int
        Resolution.

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> import tempfile
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(figsize=(1, 1))
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     save_figure(fig, Path(tmp) / "f.png", dpi=20).read_bytes()[:4]
    b'\x89PNG'
    """
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return atomic_write_bytes(path, buf.getvalue())


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
              quick: bool = False, seed: int = 0) -> dict[str, list[Path]]:
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

    Returns
    -------
    dict of str to list of pathlib.Path
        Files written per part, plus ``"summary"`` (``summary.md``).

    Raises
    ------
    ConfigError
        When ``what`` names an unknown part.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     written = reproduce(tmp, what="fig6", quick=True)
    ...     sorted(p.name for files in written.values() for p in files)
    ['fig6.csv', 'fig6.png', 'summary.md']
    """
    from eie_lab.viz import eie_plots as P

    parts = _parse_what(what)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    names = list(QUICK_LAYERS if quick else LAYER_NAMES)
    grid = _QUICK if quick else _FULL
    written: dict[str, list[Path]] = {}
    summary = [f"# EIE paper reproduction ({'quick: ' + ', '.join(names) if quick else 'full'})",
               "", "Paper numbers: papers.md (EIE ISCA 2016, Deep Compression ICLR 2016)."]

    def emit(part: str, title: str, rows: list[dict[str, Any]], fig: Any = None) -> None:
        files = [write_csv(folder / f"{part}.csv", rows)]
        if fig is not None:
            files.append(save_figure(fig, folder / f"{part}.png"))
        written[part] = files
        summary.extend(["", f"## {title}", "", markdown_table(rows)])

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
        emit("fig8", "Fig. 8: load efficiency vs FIFO depth (64 PEs)", s.rows(),
             P.plot_fifo_sweep(s.values, s.metrics["load_efficiency"]))
    if "scaling" in parts:
        s = S.pe_sweep(names, grid["pe"], seed=seed)
        emit("scaling", "Figs 11-13: speedup, real work, load efficiency vs #PEs", s.rows(),
             P.plot_pe_sweep(s.values, s.metrics["speedup"], s.metrics["real_work"],
                             s.metrics["load_efficiency"]))
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
        from eie_lab.data.gpu_baseline import MEASURED, energy_table

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
