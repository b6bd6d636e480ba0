"""One cycle of the EIE PE array as an SVG picture: :func:`render_frame` (pure, deterministic).

A frame shows, top to bottom: the running counters, the input activation vector with the
leading non-zero detector's (LNZD) pick, the LNZD tree in its simulated state
(:func:`eie_lab.viz.lnzd.lnzd_svg` of ``trace.lnzd_state(cycle)``), the broadcast bus carrying
``(j, a_j)`` or the reason it stalled, and every PE with its activation queue (FIFO), state,
current column and entries left (:mod:`eie_lab.viz.pe_boxes`). Up to 16 PEs get the *detailed*
view (each queue slot labelled with its column); more PEs get a *compact* grid with a queue-fill
bar per PE.

The input is a :class:`eie_lab.eie.trace.Trace` from ``simulate(..., engine="cycle")``; nothing
here simulates ([EIE §III-B, §IV] for the dataflow; the timing contract is in
``help(eie_lab.eie)``). Elements carry ``class`` and ``data-*`` attributes (``pe``, ``state``,
``queue``, ``cycle``) so tests and browsers can read a frame back.

Examples
--------
>>> from eie_lab.eie.examples import fig2_trace
>>> trace = fig2_trace(fifo_depth=2)  # EIE Fig. 2/3 on 4 PEs, queues of depth 2
>>> svg = render_frame(trace, 1)
>>> svg.startswith("<svg") and svg.count('class="pe"') == 4
True
"""

from __future__ import annotations

from html import escape

import numpy as np

from eie_lab.eie.trace import BUSY, IDLE, STARVED, STATE_NAMES
from eie_lab.errors import ConfigError, fail_message
from eie_lab.viz.lnzd import lnzd_svg
from eie_lab.viz.pe_boxes import SLOT, legend, pe_compact, pe_detailed
from eie_lab.viz.style import BLUE, FONT, PICK, RED, short_number, svg_text

__all__ = ["render_frame", "frame_counters", "describe_cycle", "cycle_range", "MIN_FONT_COMPACT"]

DETAILED_MAX_PE = 16
#: Smallest text in the compact view, in SVG units: 12 px or more on screen while the frame is
#: shown at 75 % of its width or larger (a 1200-unit frame in a 900-px notebook column).
MIN_FONT_COMPACT = 16


def _check_cycle(trace, cycle: int) -> int:
    """``cycle`` as an int, or a :class:`ConfigError` when it is not a cycle of ``trace``."""
    n = int(trace.n_cycles)
    if isinstance(cycle, bool) or not isinstance(cycle, (int, np.integer)) or not 0 <= cycle < n:
        raise ConfigError(fail_message("cycle", cycle, f"must be an int in [0, {n - 1}]",
                                       f"this trace has n_cycles={n}"))
    return int(cycle)


def frame_counters(trace, cycle: int) -> dict:
    """Running counters up to and including ``cycle``.

    Parameters
    ----------
    trace : Trace
        A cycle-engine trace.
    cycle : int
        ``0 <= cycle < trace.n_cycles``.

    Returns
    -------
    dict
        ``cycle``, ``n_cycles``, ``broadcasts`` (items broadcast so far), ``n_items`` (K),
        ``stalls`` (cycles whose broadcast was held back), ``load_efficiency`` (busy PE-cycles /
        (n_pe · (cycle + 1))), ``pick`` (the column the LNZD offers this cycle, or None) and
        ``mode`` ("broadcast", "stall", "wait" or "done").

    Examples
    --------
    >>> from eie_lab.eie.examples import fig2_trace
    >>> tr = fig2_trace(fifo_depth=8)
    >>> c = frame_counters(tr, tr.n_cycles - 1)
    >>> c["broadcasts"] == len(tr.columns), c["mode"]
    (True, 'done')
    """
    cycle = _check_cycle(trace, cycle)
    bc = np.asarray(trace.broadcast)[: cycle + 1]
    n_bc = int(np.count_nonzero(bc >= 0))
    stalls = int(np.count_nonzero(np.asarray(trace.stall_pe)[: cycle + 1] >= 0))
    busy = int(np.count_nonzero(np.asarray(trace.state)[: cycle + 1] == BUSY))
    k_items = len(trace.columns)
    t_now = int(trace.broadcast[cycle])
    if t_now >= 0:
        mode, pick = "broadcast", int(trace.columns[t_now])
    elif n_bc < k_items:
        mode = "stall" if int(trace.stall_pe[cycle]) >= 0 else "wait"
        pick = int(trace.columns[n_bc])
    else:
        mode, pick = "done", None
    return {"cycle": cycle, "n_cycles": int(trace.n_cycles), "broadcasts": n_bc,
            "n_items": k_items, "stalls": stalls,
            "load_efficiency": busy / (int(trace.n_pe) * (cycle + 1)), "pick": pick, "mode": mode}


def cycle_range(n_cycles: int) -> str:
    """How frames and captions name the run's cycles: "(cycles 0–11)" for 12 cycles.

    Examples
    --------
    >>> cycle_range(12)
    '(cycles 0–11)'
    """
    return f"(cycles 0\u2013{int(n_cycles) - 1})"


def describe_cycle(trace, cycle: int) -> str:
    """What happens in ``cycle``, in one or two plain sentences (also the frame's ``<title>``).

    Parameters
    ----------
    trace : Trace
        A cycle-engine trace.
    cycle : int
        ``0 <= cycle < trace.n_cycles``.

    Returns
    -------
    str

    Examples
    --------
    >>> from eie_lab.eie.examples import fig2_trace
    >>> tr = fig2_trace(fifo_depth=8)
    >>> describe_cycle(tr, 0).startswith("Cycle 0: the LNZD picks a_2")
    True
    """
    c = frame_counters(trace, cycle)
    j = c["pick"]
    if c["mode"] == "broadcast":
        head = f"the LNZD picks a_{j} = {short_number(trace.a[j])} and the CCU broadcasts (j={j}) to every queue."
    elif c["mode"] == "stall":
        head = (f"broadcast of a_{j} stalls: {trace.stall_reason[cycle] or 'a queue is full'}.")
    elif c["mode"] == "wait":
        head = f"a_{j} waits for the broadcast bus."
    else:
        head = "all non-zero activations have been broadcast."
    state = np.asarray(trace.state)[cycle]
    parts = []
    for code in (BUSY, STARVED, IDLE):
        pes = np.flatnonzero(state == code)
        if pes.size:
            parts.append(f"{STATE_NAMES[code]}: PE {', '.join(map(str, pes.tolist()))}"
                         if pes.size <= 8 else f"{pes.size} PEs {STATE_NAMES[code]}")
    return f"Cycle {cycle}: {head} " + "; ".join(parts) + "."


def _header(trace, c: dict, width: float) -> list[str]:
    """The cycle number and the running counters."""
    out = [f'<text x="16" y="34" fill="#111"><tspan class="cycle-counter" data-cycle="{c["cycle"]}"'
           f' font-size="28" font-weight="bold">cycle {c["cycle"]}</tspan>'
           f'<tspan font-size="20" fill="#555"> {escape(cycle_range(c["n_cycles"]))}</tspan></text>']
    counters = (f"broadcasts {c['broadcasts']}/{c['n_items']}  \u00b7  stalls {c['stalls']}  "
                f"\u00b7  load efficiency so far {100 * c['load_efficiency']:.0f}%")
    out.append(svg_text(width - 16, 34, counters, 19 if width >= 1100 else 17, anchor="end",
                        cls="counters",
                     extra=f' data-broadcasts="{c["broadcasts"]}" data-stalls="{c["stalls"]}"'))
    return out


def _activations(trace, c: dict, y: float, width: float, window: int,
                 small: float = 13) -> list[str]:
    """The input vector (a window of it around the pick), the pick marked; ``small``: least font."""
    a = np.asarray(trace.a)
    n = a.size
    cols = np.asarray(trace.columns)
    sent = set(cols[: c["broadcasts"]].tolist())
    pick = c["pick"]
    centre = pick if pick is not None else (int(cols[-1]) if cols.size else 0)
    lo = 0 if n <= window else int(min(max(centre - window // 2, 0), n - window))
    hi = min(n, lo + window)
    cell = min(48.0, (width - 200) / max(hi - lo, 1))
    x0 = 150.0
    out = [f'<g class="activations" data-pick="{"" if pick is None else pick}">',
           svg_text(16, y + cell / 2 + 2, "input a", 18, weight="bold")]
    if (lo, hi) != (0, n):
        out.append(svg_text(16, y + cell / 2 + 4 + small, f"[{lo}:{hi}]", small, fill="#555"))
        out.append(svg_text(16, y + cell / 2 + 6 + 2 * small, f"of {n}", small, fill="#555"))
    for j in range(lo, hi):
        x = x0 + (j - lo) * cell
        if j == pick:
            fill, stroke, sw = (RED if c["mode"] == "stall" else PICK), "#000", 4
        elif a[j] == 0:
            fill, stroke, sw = "#FFFFFF", "#BBB", 1
        elif j in sent:
            fill, stroke, sw = "#C6DBEF", "#888", 1
        else:
            fill, stroke, sw = "#6BAED6", "#333", 1
        cls = "act pick" if j == pick else "act"
        out.append(f'<rect class="{cls}" data-j="{j}" x="{x:.1f}" y="{y:.1f}" width="{cell - 2:.1f}"'
                   f' height="{cell - 2:.1f}" fill="{fill}" stroke="{stroke}" stroke-width="{sw}"/>')
        if cell >= 26:
            out.append(svg_text(x + cell / 2 - 1, y - 5, str(j), small, anchor="middle",
                                fill="#555"))
            short = cell < 44 or small > 13  # two digits when the cell is narrow or the text large
            val = "0" if a[j] == 0 else (f"{float(a[j]):.2g}" if short else short_number(a[j]))
            out.append(svg_text(x + cell / 2 - 1, y + cell / 2 + 4,
                                val, max(small, 12 if cell < 44 else 14),
                                anchor="middle", fill="#999" if a[j] == 0 else "#000"))
    if pick is not None and lo <= pick < hi:
        px = x0 + (pick - lo) * cell + cell / 2 - 1
        note = "LNZD pick (held)" if c["mode"] in ("stall", "wait") else "LNZD pick"
        out.append(svg_text(px, y + cell + 18, note, max(15, small), anchor="middle", weight="bold"))
    out.append("</g>")
    return out


def _bus(trace, c: dict, y: float, width: float) -> list[str]:
    """The broadcast bus with what it carries this cycle, or why it is idle."""
    j = c["pick"]
    if c["mode"] == "broadcast":
        msg, colour = f"broadcast (j={j}, a_{j}={short_number(trace.a[j])})", BLUE
    elif c["mode"] == "stall":
        msg, colour = f"STALL: {trace.stall_reason[c['cycle']] or 'a queue is full'}", RED
    elif c["mode"] == "wait":
        msg, colour = f"bus idle, a_{j} waiting", "#777"
    else:
        msg, colour = "bus idle: every non-zero has been broadcast", "#777"
    dash = "" if c["mode"] == "broadcast" else ' stroke-dasharray="10 6"'
    out = [f'<g class="bus" data-mode="{c["mode"]}">',
           f'<line x1="16" y1="{y:.1f}" x2="{width - 16:.1f}" y2="{y:.1f}" stroke="{colour}" '
           f'stroke-width="6"{dash}/>']
    box_w = 13.0 * len(msg) + 30
    out.append(f'<rect x="{(width - box_w) / 2:.1f}" y="{y - 19:.1f}" width="{box_w:.1f}" '
               f'height="38" rx="8" fill="#FFF" stroke="{colour}" stroke-width="3"/>')
    out.append(svg_text(width / 2, y + 7, msg, 21, anchor="middle", weight="bold", fill=colour,
                     cls="bus-label"))
    out.append("</g>")
    return out


def render_frame(trace, cycle: int, *, view: str = "auto", width: int = 1200,
                 max_slots: int = 10, window: int = 24) -> str:
    """Draw one cycle of a simulation trace as a standalone SVG string.

    Parameters
    ----------
    trace : eie_lab.eie.trace.Trace
        From ``simulate(..., engine="cycle").trace``.
    cycle : int
        Which cycle, ``0 <= cycle < trace.n_cycles``.
    view : {"auto", "detailed", "compact"}, default "auto"
        "detailed" draws every queue slot with its column index; "compact" draws a grid of PEs
        with queue-fill bars; "auto" picks detailed for at most 16 PEs.
    width : int, default 1200
        Width in SVG units (the picture scales to its container; height follows the content).
    max_slots : int, default 10
        Detailed view: queue slots drawn per PE (deeper queues end with "+n more").
    window : int, default 24
        Activations drawn; longer inputs show a window around the LNZD's pick.

    Returns
    -------
    str
        An ``<svg>`` element. Same inputs give the same string, byte for byte.

    Examples
    --------
    >>> from eie_lab.eie.examples import fig2_trace
    >>> tr = fig2_trace(fifo_depth=8)
    >>> render_frame(tr, 0) == render_frame(tr, 0)
    True
    >>> 'class="pe"' in render_frame(tr, 0, view="compact")
    True
    """
    cycle = _check_cycle(trace, cycle)
    if view not in ("auto", "detailed", "compact"):
        raise ConfigError(fail_message("view", view, 'must be "auto", "detailed" or "compact"',
                                       'use view="auto"'))
    n_pe = int(trace.n_pe)
    compact = view == "compact" or (view == "auto" and n_pe > DETAILED_MAX_PE)
    c = frame_counters(trace, cycle)
    w = float(width)
    small = MIN_FONT_COMPACT if compact else 13
    body = _header(trace, c, w)
    win = min(window, 16) if compact else window
    cell = min(48.0, (w - 200) / max(min(win, int(np.asarray(trace.a).size)), 1))
    body += _activations(trace, c, 62, w, win, small)
    tree_y = 62 + cell + (42 if compact else 30)  # under the "LNZD pick" label
    tree_h = 90 if n_pe <= 4 or compact else 120
    body.append(lnzd_svg(trace.lnzd_state(cycle), x=w * 0.2, y=tree_y, width=w * 0.6,
                         height=tree_h, waiting=c["mode"] in ("stall", "wait")))
    bus_y = tree_y + tree_h + (40 if compact else 55)
    bus = _bus(trace, c, bus_y, w)  # drawn after the PE drop lines, so on top of them
    top = bus_y + (30 if compact else 40)
    if compact:
        cols = min(n_pe, 16)  # a wide grid: 64 PEs in 4 rows keep the frame within a projector
        rows = -(-n_pe // cols)
        cw = (w - 32) / cols
        ch = min(56.0, max(40.0, cw * 0.7))
        for k in range(n_pe):
            body.append(pe_compact(trace, cycle, k, 16 + (k % cols) * cw, top + (k // cols) * ch,
                                    cw - 4, ch - 4))
        bottom = top + rows * ch
    else:
        per_row = min(n_pe, 8)
        pw = (w - 32) / per_row
        ph = 64 + SLOT * min(int(trace.fifo_depth), max_slots) + 36 + 16
        for k in range(per_row):
            x = 16 + (k + 0.5) * pw
            body.append(f'<line x1="{x:.1f}" y1="{bus_y:.1f}" x2="{x:.1f}" y2="{top:.1f}" '
                        f'stroke="#AAA" stroke-width="2"/>')
        for k in range(n_pe):
            px, py = 16 + (k % per_row) * pw, top + (k // per_row) * ph
            body.append(pe_detailed(trace, cycle, k, px + 4, py, pw - 8, max_slots))
        bottom = top + (-(-n_pe // per_row)) * ph
    body += bus + legend(bottom + 26, w, compact, small=max(15, small))
    h = bottom + 40
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="eie-frame" data-cycle="{cycle}" '
            f'data-n-pe="{n_pe}" viewBox="0 0 {w:.0f} {h:.0f}" width="{w:.0f}" '
            f'height="{h:.0f}" style="max-width:100%;height:auto" font-family="{FONT}">'
            f'<title>{escape(describe_cycle(trace, cycle))}</title>'
            f'<rect width="100%" height="100%" fill="#FFF"/>' + "".join(body) + "</svg>")
