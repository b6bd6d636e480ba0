"""The motivating energy table: what one 32-bit operation costs at 45 nm (Horowitz).

The numbers are [EIE Table I], which [DC §1] and [LWC Fig. 1] also use; LWC
adds a register-file row (1 pJ) that EIE leaves out. The values come from the one copy in
:data:`eie_lab.paper_tables.TABLE_I_ENERGY_PJ`; here they become named rows (with a kind and a
source) so that notebooks, tests and plots all use the same numbers.

Examples
--------
>>> from eie_lab.viz.energy import ENERGY_TABLE_45NM, energy_pj
>>> [row.operation for row in ENERGY_TABLE_45NM][-1]
'32 bit DRAM'
>>> energy_pj("32 bit DRAM") / energy_pj("32 bit 32KB SRAM")
128.0
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from eie_lab.errors import ConfigError, fail_message
from eie_lab.paper_tables import TABLE_I_ENERGY_PJ as _PJ

if TYPE_CHECKING:  # matplotlib is imported only when drawing
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["EnergyRow", "ENERGY_TABLE_45NM", "REGISTER_FILE_ROW", "ENERGY_CITATION",
           "energy_table", "energy_pj", "dram_power_w", "plot_energy_table"]


class EnergyRow(NamedTuple):
    """One row of the table: an operation, its energy and where the number comes from."""

    operation: str
    energy_pj: float  # picojoules per 32-bit operation or access, 45 nm
    kind: str  # "arithmetic" or "memory"
    source: str


#: [EIE Table I]: six rows, cheapest first.
ENERGY_TABLE_45NM: tuple[EnergyRow, ...] = tuple(
    EnergyRow(op, _PJ[op], kind, "EIE Table I") for op, kind in (
        ("32 bit int ADD", "arithmetic"), ("32 bit float ADD", "arithmetic"),
        ("32 bit int MULT", "arithmetic"), ("32 bit float MULT", "arithmetic"),
        ("32 bit 32KB SRAM", "memory"), ("32 bit DRAM", "memory"))
)
#: The extra row of [LWC Fig. 1] (not in EIE's table).
REGISTER_FILE_ROW = EnergyRow("32 bit Register File", _PJ["32 bit Register File"], "memory",
                              "LWC Fig. 1")
ENERGY_CITATION = ("Horowitz, 45 nm CMOS, as tabulated in [EIE Table I] "
                   "(also [DC §1], [LWC Fig. 1])")


def energy_table(include_register_file: bool = False) -> tuple[EnergyRow, ...]:
    """The table's rows sorted by energy (with LWC's register-file row when asked).

    Examples
    --------
    >>> from eie_lab.viz.energy import energy_table
    >>> len(energy_table()), len(energy_table(include_register_file=True))
    (6, 7)
    """
    rows = ENERGY_TABLE_45NM + ((REGISTER_FILE_ROW,) if include_register_file else ())
    return tuple(sorted(rows, key=lambda r: r.energy_pj))


def energy_pj(operation: str) -> float:
    """Energy of one operation in pJ, looked up by its name in the table.

    Examples
    --------
    >>> from eie_lab.viz.energy import energy_pj
    >>> energy_pj("32 bit float MULT")
    3.7
    """
    for row in energy_table(include_register_file=True):
        if row.operation.lower() == operation.lower():
            return row.energy_pj
    names = [r.operation for r in energy_table(include_register_file=True)]
    raise ConfigError(fail_message("operation", operation, f"is not in the table {names}",
                                   'use e.g. "32 bit DRAM"'))


def dram_power_w(connections: float = 1e9, rate_hz: float = 20.0,
                 energy_per_access_pj: float | None = None) -> float:
    """Power to fetch every weight from DRAM once per inference: connections x rate x energy.

    The papers' worked example [EIE §I, DC §1]: 1 G connections at 20 Hz x 640 pJ = 12.8 W.

    Examples
    --------
    >>> from eie_lab.viz.energy import dram_power_w
    >>> round(dram_power_w(1e9, 20), 3)
    12.8
    """
    for name, value in (("connections", connections), ("rate_hz", rate_hz)):
        if not value > 0:
            raise ConfigError(fail_message(name, value, "must be > 0", "use e.g. 1e9 and 20"))
    e = energy_pj("32 bit DRAM") if energy_per_access_pj is None else energy_per_access_pj
    return connections * rate_hz * e * 1e-12


def plot_energy_table(ax: Axes | None = None, *, include_register_file: bool = False,
                      annotate_relative: bool = True) -> tuple[Figure, Axes]:
    """Draw the table as a horizontal bar chart on a log scale, values labelled.

    Parameters
    ----------
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is made when None.
    include_register_file : bool
        Add [LWC Fig. 1]'s register-file row (1 pJ).
    annotate_relative : bool
        Also label each bar with its cost relative to a 32-bit int ADD.

    Returns
    -------
    (Figure, Axes)

    Examples
    --------
    >>> from eie_lab.viz.energy import plot_energy_table
    >>> fig, ax = plot_energy_table()
    >>> ax.get_xscale()
    'log'
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    import matplotlib.pyplot as plt

    rows = energy_table(include_register_file)
    if ax is None:
        fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(rows) + 1.4), layout="constrained")
    else:
        fig = ax.figure
    base = energy_pj("32 bit int ADD")
    colors = {"arithmetic": "#4C72B0", "memory": "#DD8452"}
    values = [r.energy_pj for r in rows]
    bars = ax.barh([r.operation for r in rows], values, color=[colors[r.kind] for r in rows])
    ax.set_xscale("log")
    ax.set_xlim(min(values) / 2, max(values) * 12)
    for bar, row in zip(bars, rows):
        text = f"{row.energy_pj:g} pJ"
        if annotate_relative:
            text += f"  ({row.energy_pj / base:g}x)"
        ax.annotate(text, (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                    xytext=(4, 0), textcoords="offset points", va="center", fontsize=9)
    ax.set_xlabel("energy per 32-bit operation [pJ, log scale]"
                  + ("; (Nx) = N times a 32-bit int ADD" if annotate_relative else ""))
    source = "[EIE Table I]" + (" + [LWC Fig. 1]" if include_register_file else "")
    ax.set_title(f"Memory access dominates: energy at 45 nm\n{source}, after Horowitz",
                 fontsize=10)
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in colors.values()]
    ax.legend(handles, list(colors), loc="lower right", frameon=False)
    ax.grid(axis="x", which="major", alpha=0.3)
    return fig, ax
