"""The Horowitz 45 nm energy table ([EIE Table I]) and its chart."""

from __future__ import annotations

import matplotlib.pyplot as plt  # conftest selects the Agg backend
import pytest

from eie_lab.errors import ConfigError
from eie_lab.viz.energy import (
    ENERGY_TABLE_45NM,
    REGISTER_FILE_ROW,
    dram_power_w,
    energy_pj,
    energy_table,
    plot_energy_table,
)

# [EIE Table I]: operation -> (energy pJ, relative cost)
CITED = {
    "32 bit int ADD": (0.1, 1),
    "32 bit float ADD": (0.9, 9),
    "32 bit int MULT": (3.1, 31),
    "32 bit float MULT": (3.7, 37),
    "32 bit 32KB SRAM": (5, 50),
    "32 bit DRAM": (640, 6400),
}


def test_table_matches_cited_values():
    assert {r.operation: r.energy_pj for r in ENERGY_TABLE_45NM} == \
        {k: v[0] for k, v in CITED.items()}
    base = energy_pj("32 bit int ADD")
    for op, (_, rel) in CITED.items():
        assert round(energy_pj(op) / base) == rel
    assert (REGISTER_FILE_ROW.energy_pj, REGISTER_FILE_ROW.source) == (1.0, "LWC Fig. 1")
    assert all(r.source == "EIE Table I" for r in ENERGY_TABLE_45NM)


def test_caption_ratios_and_worked_example():
    # EIE Table I caption: DRAM is 128x SRAM and three orders of magnitude above simple arithmetic
    assert energy_pj("32 bit DRAM") / energy_pj("32 bit 32KB SRAM") == 128
    assert energy_pj("32 bit DRAM") / energy_pj("32 bit int ADD") == pytest.approx(6400)
    assert dram_power_w(1e9, 20) == pytest.approx(12.8)  # the papers' worked example [DC §1]
    assert dram_power_w(1e9, 20, energy_pj("32 bit 32KB SRAM")) == pytest.approx(0.1)


def test_table_order_and_register_row():
    rows = energy_table(include_register_file=True)
    assert [r.energy_pj for r in rows] == sorted(r.energy_pj for r in rows)
    assert REGISTER_FILE_ROW in rows and REGISTER_FILE_ROW not in energy_table()


def test_bad_lookups():
    with pytest.raises(ConfigError, match="not in the table"):
        energy_pj("64 bit DRAM")
    with pytest.raises(ConfigError, match="rate_hz=0"):
        dram_power_w(1e9, 0)


@pytest.mark.parametrize("include_register_file", [False, True])
def test_plot_draws_log_bars_with_labels(include_register_file):
    fig, ax = plot_energy_table(include_register_file=include_register_file)
    try:
        rows = energy_table(include_register_file)
        assert ax.get_xscale() == "log"
        widths = [p.get_width() for p in ax.patches]
        assert widths == [r.energy_pj for r in rows]
        ticks = [t.get_text() for t in ax.get_yticklabels()]
        assert ticks == [r.operation for r in rows]
        labels = [t.get_text() for t in ax.texts]
        assert "640 pJ  (6400x)" in labels and "0.1 pJ  (1x)" in labels
        assert "EIE Table I" in ax.get_title()
        assert ("LWC Fig. 1" in ax.get_title()) == include_register_file
        fig.canvas.draw()
    finally:
        plt.close(fig)


def test_plot_on_given_axes():
    fig, axes = plt.subplots(1, 2)
    try:
        out_fig, out_ax = plot_energy_table(axes[1], annotate_relative=False)
        assert out_fig is fig and out_ax is axes[1]
        assert "640 pJ" in [t.get_text() for t in axes[1].texts]
        assert not axes[0].patches
    finally:
        plt.close(fig)
