"""The simulator beside the paper: EIE Table IV per layer, and Figs 6/7 recomputed.

Examples
--------
>>> rows = fig_rows("fig6")
>>> rows[0]["series"], rows[0]["layer"], rows[0]["paper"], rows[0]["recomputed"]
('CPU Dense', 'Alex-6', '1', '1')
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from eie_lab import paper_tables as T
from eie_lab.data.layers import LAYER_NAMES, benchmark_layer
from eie_lab.eie import simulate
from eie_lab.paper import sweeps as S
from eie_lab.progress import track

__all__ = ["table4", "fidelity", "fig_rows"]


def table4(names: Sequence[str] | None = None, n_pe: int = 64, fifo_depth: int = 8, seed: int = 0,
           tol: float = 0.15, progress: bool | None = None) -> list[dict[str, Any]]:
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
    progress : bool, optional
        Draw the progress bar; None follows ``EIE_LAB_PROGRESS``.

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
    for name in track(list(LAYER_NAMES if names is None else names), desc="Table IV",
                      unit="layer", progress=progress):
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
