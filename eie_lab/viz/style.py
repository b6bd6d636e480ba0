"""Colours, font and the SVG text helper shared by the PE-array drawings.

The PE states themselves (IDLE, BUSY, STARVED and their names) are defined once, in
:mod:`eie_lab.eie.trace`; this module only gives them colours.

Examples
--------
>>> STATE_COLORS[BUSY]
'#009E73'
>>> svg_text(10, 20, "a < b", 12)
'<text x="10.0" y="20.0" font-size="12" text-anchor="start" font-weight="normal" fill="#111">a &lt; b</text>'
"""

from __future__ import annotations

from html import escape

from eie_lab.eie.trace import BUSY, IDLE, STARVED

__all__ = ["STATE_COLORS", "BLUE", "RED", "PICK", "FONT", "svg_text", "short_number"]

#: Okabe-Ito colours: distinguishable with colour-blindness; states are also written as words.
STATE_COLORS = {IDLE: "#D9D9D9", BUSY: "#009E73", STARVED: "#E69F00"}
BLUE, RED, PICK = "#0072B2", "#D55E00", "#F0E442"
FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"


def svg_text(x: float, y: float, s: str, size: float = 16, anchor: str = "start",
             weight: str = "normal", fill: str = "#111", cls: str = "", extra: str = "") -> str:
    """One SVG ``<text>`` element with the text escaped.

    Parameters
    ----------
    x, y : float
        Anchor point.
    s : str
        The text.
    size : float
        Font size in user units.
    anchor, weight, fill : str
        ``text-anchor``, ``font-weight`` and colour.
    cls : str
        Optional ``class`` attribute.
    extra : str
        Further attributes, written as given (e.g. ``' data-j="3"'``).
    """
    c = f' class="{cls}"' if cls else ""
    return (f'<text{c} x="{x:.1f}" y="{y:.1f}" font-size="{size:g}" text-anchor="{anchor}" '
            f'font-weight="{weight}" fill="{fill}"{extra}>{escape(s)}</text>')


def short_number(v: float) -> str:
    """A value in 3 significant digits, as the frames print activations.

    Examples
    --------
    >>> short_number(0.123456), short_number(2.0)
    ('0.123', '2')
    """
    return f"{float(v):.3g}"
