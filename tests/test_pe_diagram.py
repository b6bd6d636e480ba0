"""The PE block diagram (eie_lab.viz.pe_diagram): every unit drawn, simulated units named, bad input."""

from __future__ import annotations

import importlib
import xml.etree.ElementTree as ET

import pytest

from eie_lab.errors import EieLabError
from eie_lab.viz.pe_diagram import UNITS, pe_diagram_svg

NS = "{http://www.w3.org/2000/svg}"


def test_every_unit_is_drawn_once_in_dataflow_order():
    root = ET.fromstring(pe_diagram_svg())
    units = [g.get("data-unit") for g in root.iter(f"{NS}g") if g.get("class") == "unit"]
    assert units == list(UNITS)
    texts = [t.text for t in root.iter(f"{NS}text")]
    for title, *_ in UNITS.values():
        assert title in texts
    assert "Even ptr bank" in texts and "Odd ptr bank" in texts  # the two pointer banks


def test_each_unit_names_a_simulated_module_that_exists():
    for _title, _colour, module, _what in UNITS.values():
        importlib.import_module(module)


def test_no_text_smaller_than_the_font_size_asked_for():
    root = ET.fromstring(pe_diagram_svg(font_size=16))
    assert min(float(t.get("font-size")) for t in root.iter(f"{NS}text")) >= 16


def test_highlight_outlines_one_unit():
    svg = pe_diagram_svg(highlight="spmat_read")
    root = ET.fromstring(svg)
    thick = [g.get("data-unit") for g in root.iter(f"{NS}g") if g.get("class") == "unit"
             and any(r.get("stroke-width") == "5" for r in g.iter(f"{NS}rect"))]
    assert thick == ["spmat_read"]


@pytest.mark.parametrize("kwargs", [{"highlight": "cpu"}, {"width": 10}, {"width": 800.5}])
def test_bad_arguments_raise_clear_errors(kwargs):
    with pytest.raises(EieLabError, match="help:"):
        pe_diagram_svg(**kwargs)
