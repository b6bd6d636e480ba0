"""The papers' numbers as data, and the functions behind ``eie-lab reproduce``.

- :mod:`eie_lab.paper.tables`: EIE Table IV, Figs 6/7 labels, DC Table 9 power (with source tags)
  and Figs 6/7 recomputed from them.
- :mod:`eie_lab.paper.sweeps`: the design-space sweeps of EIE Figs 8, 9, 11-13 on the simulator.
- :mod:`eie_lab.paper.reproduce`: writes all of it as CSV tables and PNG figures.
"""

from __future__ import annotations

from eie_lab.paper.tables import (
    EIE_ACTUAL_US,
    EIE_POWER_W,
    EIE_THEORETICAL_US,
    FIG6_LABELS,
    FIG7_LABELS,
    LAYERS,
    energy_efficiencies,
    format_label,
    geomean,
    recomputed_labels,
    speedups,
)

__all__ = [
    "LAYERS", "EIE_ACTUAL_US", "EIE_THEORETICAL_US", "EIE_POWER_W", "FIG6_LABELS", "FIG7_LABELS",
    "speedups", "energy_efficiencies", "recomputed_labels", "format_label", "geomean",
]
