"""The processing element as a block diagram, after [EIE Fig. 4(b)]: :func:`pe_diagram_svg`.

One PE, left to right, in the order an activation travels through it ([EIE §IV]):

1. **Act queue** — the broadcast ``(j, a_j)`` from the CCU waits here (FIFO, depth 8);
2. **Pointer read** — ``p_j`` and ``p_{j+1}`` from two single-ported SRAM banks (even / odd j),
   both in one cycle;
3. **SpMat read** — the entries ``p_j … p_{j+1}-1`` from the sparse-matrix SRAM, 64-bit rows of
   eight 8-bit ``(v, z)`` entries;
4. **Arithmetic unit** — the codebook turns the 4-bit ``v`` into a 16-bit weight, the address
   accumulator turns ``z`` into the output row (running sum of ``z + 1``), multiply-accumulate
   into ``b_x`` (with a bypass when two entries hit the same accumulator in a row);
5. **Act R/W** — source and destination activation register files (64 × 16 bit each, swapped
   between layers), ReLU, and the 2 KB activation SRAM for longer vectors; the PE's local
   leading-non-zero detector reads the source file for the LNZD tree.

Each unit's colour and the module that simulates it are in :data:`UNITS`; the frames of the
cycle animation (:mod:`eie_lab.viz.widgets`) show this diagram as their legend for "a PE".

Examples
--------
>>> svg = pe_diagram_svg()
>>> svg.startswith("<svg") and svg.count('class="unit"') == len(UNITS)
True
>>> 'data-unit="ptr_read"' in pe_diagram_svg(highlight="ptr_read")
True
"""

from __future__ import annotations

from html import escape

from eie_lab.errors import ConfigError, fail_message
from eie_lab.viz.style import FONT, svg_text

__all__ = ["UNITS", "pe_diagram_svg"]

#: unit key -> (title, colour, simulated by, one line of what it does). Order = dataflow.
UNITS: dict[str, tuple[str, str, str, str]] = {
    "act_queue": ("Act queue", "#F0E442", "eie_lab.eie.units.activation_queue",
                  "FIFO of broadcast (j, a_j), depth 8"),
    "ptr_read": ("Pointer read", "#56B4E9", "eie_lab.eie.units.pointer_read",
                 "p_j, p_j+1 from even / odd banks"),
    "spmat_read": ("SpMat read", "#0072B2", "eie_lab.eie.units.spmat_read",
                   "(v, z) entries, 8 per 64-bit row"),
    "arith": ("Arithmetic unit", "#009E73", "eie_lab.eie.units.arithmetic_unit",
              "codebook, address accum, b_x += w·a_j"),
    "act_rw": ("Act R/W", "#CC79A7", "eie_lab.eie.units.act_rw",
               "src / dst registers, ReLU, LNZD"),
}


def _box(x: float, y: float, w: float, h: float, fill: str, stroke: str = "#333",
         sw: float = 1.5, rx: float = 6) -> str:
    return (f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="{rx}" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="{sw}"/>')


def _arrow(x1: float, y1: float, x2: float, y2: float, label: str = "", size: float = 14) -> str:
    out = (f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#333" '
           f'stroke-width="2" marker-end="url(#pe-arrow)"/>')
    for i, line in enumerate(reversed(label.split("\n")) if label else ()):
        out += svg_text((x1 + x2) / 2, min(y1, y2) - 6 - i * (size + 2), line, size,
                        anchor="middle", fill="#333")
    return out


def pe_diagram_svg(width: int = 1000, *, highlight: str | None = None,
                   font_size: float = 15) -> str:
    """One PE as an SVG block diagram (EIE Fig. 4(b)), units coloured as in :data:`UNITS`.

    Parameters
    ----------
    width : int, default 1000
        Width in SVG units (the picture scales to its container; the height is 0.36 x width).
    highlight : str, optional
        A key of :data:`UNITS` to draw with a thick red outline (e.g. the unit a cell explains).
    font_size : float, default 15
        Size of the smallest text in SVG units.

    Returns
    -------
    str
        An ``<svg class="pe-diagram">``; each unit is a ``<g class="unit" data-unit=KEY>``.

    Examples
    --------
    >>> pe_diagram_svg(highlight="lnzd")
    Traceback (most recent call last):
    ...
    eie_lab.errors.ConfigError: highlight='lnzd' is invalid: must be one of ['act_queue', 'ptr_read', 'spmat_read', 'arith', 'act_rw'] or None
    help: e.g. highlight="ptr_read"
    """
    if highlight is not None and highlight not in UNITS:
        raise ConfigError(fail_message("highlight", highlight, f"must be one of {list(UNITS)} or None",
                                       'e.g. highlight="ptr_read"'))
    if isinstance(width, bool) or not isinstance(width, int) or width < 300:
        raise ConfigError(fail_message("width", width, "must be an int >= 300", "use width=1000"))
    s = width / 1000.0  # drawn in a 1000-unit-wide viewBox, shown `width` wide
    fs, big = float(font_size), 1.2 * float(font_size)
    h = 360.0
    keys = list(UNITS)
    xs = [10, 175, 380, 585, 810]
    ws = [110, 150, 150, 170, 170]
    top, bh = 70.0, 230.0
    body = ['<defs><marker id="pe-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
            'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
            'fill="#333"/></marker></defs>',
            svg_text(20, 26, "One PE (after EIE Fig. 4b): an activation's path, left to right",
                     big, weight="bold"),
            svg_text(20, 50, "from the CCU: broadcast (j, a_j) into every PE's queue", fs,
                     fill="#555")]
    inner = {
        "act_queue": [("FIFO", "8 x (j, a_j)")],
        "ptr_read": [("Even ptr bank", "p_j (j even)"), ("Odd ptr bank", "p_j (j odd)")],
        "spmat_read": [("SpMat SRAM", "128 KB"), ("64-bit row", "8 entries (v, z)")],
        "arith": [("Codebook", "v -> 16-bit w"), ("Address accum", "x += z + 1"),
                  ("MAC", "b_x += w · a_j")],
        "act_rw": [("Src regs 64x16", "a_j in, LNZD"), ("Dst regs 64x16", "b_x, ReLU"),
                   ("Act SRAM 2 KB", "vectors > 4K")],
    }
    for key, x, w in zip(keys, xs, ws):
        title, colour, _module, _what = UNITS[key]
        hl = key == highlight
        body.append(f'<g class="unit" data-unit="{key}">')
        body.append(_box(x, top, w, bh, "#FFFFFF", "#D55E00" if hl else "#333", 5 if hl else 1.5))
        body.append(_box(x, top, w, 34, colour, "none", 0))
        body.append(svg_text(x + w / 2, top + 23, title, fs * 1.1, anchor="middle", weight="bold",
                             fill="#FFF" if colour in ("#0072B2", "#009E73") else "#111"))
        n = len(inner[key])
        slot = (bh - 44) / n
        for i, (name, detail) in enumerate(inner[key]):
            y = top + 42 + i * slot
            body.append(_box(x + 8, y, w - 16, slot - 8, "#F4F4F4", "#888", 1, 4))
            body.append(svg_text(x + w / 2, y + (slot - 8) / 2 - 2, name, fs, anchor="middle",
                                 weight="bold"))
            body.append(svg_text(x + w / 2, y + (slot - 8) / 2 + fs + 1, detail, fs,
                                 anchor="middle", fill="#333"))
        body.append("</g>")
    mid = top + bh / 2
    labels = ["j", "p_j\np_j+1", "v, z", "b_x"]
    for i in range(4):
        body.append(_arrow(xs[i] + ws[i], mid, xs[i + 1], mid, labels[i], fs))
    body.append(_arrow(xs[0] + ws[0] / 2, 56, xs[0] + ws[0] / 2, top))
    body.append(svg_text(20, top + bh + 32, "a_j comes from the queue head to the MAC; "
                         "the LNZD tree collects each PE's next non-zero for the CCU.", fs,
                         fill="#555"))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="pe-diagram" viewBox="0 0 1000 {h:.0f}" '
            f'width="{width}" height="{h * s:.0f}" style="max-width:100%;height:auto" '
            f'font-family="{FONT}"><title>{escape("EIE processing element, after Fig. 4(b)")}</title>'
            f'<rect width="100%" height="100%" fill="#FFF"/>' + "".join(body) + "</svg>")
