"""One cycle of the EIE PE array as an SVG picture: :func:`render_frame` (pure, deterministic).

A frame shows, top to bottom: the running counters, the input activation vector with the
leading non-zero detector's (LNZD) pick, the LNZD quadtree (:mod:`eie_lab.viz.lnzd`), the
broadcast bus carrying ``(j, a_j)`` or the reason it stalled, and every PE with its activation
queue (FIFO), state, current column and entries left. Up to 16 PEs get the *detailed* view (each
queue slot labelled with its column); more PEs get a *compact* grid with a queue-fill bar per PE.

The input is any object with the fields of :class:`eie_lab.eie.trace.Trace` (papers.md §1.8
for the dataflow; the timing contract is in the simulator's docs). Elements carry ``class`` and
``data-*`` attributes (``pe``, ``state``, ``queue``, ``cycle``) so tests and browsers can read
a frame back.

Examples
--------
>>> trace = fig2_trace(fifo_depth=2)  # EIE Fig. 2/3 on 4 PEs, queues of depth 2
>>> svg = render_frame(trace, 1)
>>> svg.startswith("<svg") and svg.count('class="pe"') == 4
True
"""

from __future__ import annotations

from html import escape

import numpy as np

from eie_lab.errors import ConfigError, fail_message
from eie_lab.viz.lnzd import lnzd_svg

__all__ = ["render_frame", "frame_counters", "describe_cycle", "fig2_trace", "STATE_NAMES",
           "STATE_COLORS"]

IDLE, BUSY, STARVED = 0, 1, 2
STATE_NAMES = {IDLE: "idle", BUSY: "busy", STARVED: "starved"}
# Okabe-Ito colours: distinguishable with colour-blindness; states are also written as words.
STATE_COLORS = {IDLE: "#D9D9D9", BUSY: "#009E73", STARVED: "#E69F00"}
BLUE, RED, PICK = "#0072B2", "#D55E00", "#F0E442"
FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"
DETAILED_MAX_PE = 16
SLOT = 27  # height of one queue slot in the detailed view


def fig2_trace(fifo_depth: int = 1):
    """Cycle-engine trace of the 4-PE example of EIE Fig. 2/3 (``data.layers.fig2_example``).

    The example's weights are small integers, used directly as codebook indices.

    Examples
    --------
    >>> fig2_trace().n_cycles, [int(j) for j in fig2_trace().columns]
    (12, [2, 4, 5, 7])
    """
    from eie_lab.data.layers import fig2_example
    from eie_lab.eie import EIEConfig, encode, simulate

    W, a = fig2_example()
    cfg = EIEConfig(n_pe=4, fifo_depth=fifo_depth)
    layer = encode(W, cfg, codebook=np.arange(16.0), codes=W.astype(int))
    return simulate(layer, a, cfg, engine="cycle").trace


def _check_cycle(trace, cycle: int) -> int:
    n = int(trace.n_cycles)
    if isinstance(cycle, bool) or not isinstance(cycle, (int, np.integer)) or not 0 <= cycle < n:
        raise ConfigError(fail_message("cycle", cycle, f"must be an int in [0, {n - 1}]",
                                       f"this trace has n_cycles={n}"))
    return int(cycle)


def frame_counters(trace, cycle: int) -> dict:
    """Running counters up to and including ``cycle``.

    Returns
    -------
    dict
        ``cycle``, ``n_cycles``, ``broadcasts`` (items broadcast so far), ``n_items`` (K),
        ``stalls`` (cycles whose broadcast was held back), ``load_efficiency`` (busy PE-cycles /
        (n_pe · (cycle + 1))), ``pick`` (the column the LNZD offers this cycle, or None) and
        ``mode`` ("broadcast", "stall", "wait" or "done").

    Examples
    --------
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


def describe_cycle(trace, cycle: int) -> str:
    """What happens in ``cycle``, in one or two plain sentences (also the frame's ``<title>``).

    Examples
    --------
    >>> tr = fig2_trace(fifo_depth=8)
    >>> describe_cycle(tr, 0).startswith("Cycle 0: the LNZD picks a_2")
    True
    """
    c = frame_counters(trace, cycle)
    j = c["pick"]
    if c["mode"] == "broadcast":
        head = f"the LNZD picks a_{j} = {_num(trace.a[j])} and the CCU broadcasts (j={j}) to every queue."
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


def _num(v: float) -> str:
    return f"{float(v):.3g}"


def _text(x: float, y: float, s: str, size: float = 16, anchor: str = "start",
          weight: str = "normal", fill: str = "#111", cls: str = "", extra: str = "") -> str:
    c = f' class="{cls}"' if cls else ""
    return (f'<text{c} x="{x:.1f}" y="{y:.1f}" font-size="{size:g}" text-anchor="{anchor}" '
            f'font-weight="{weight}" fill="{fill}"{extra}>{escape(s)}</text>')


def _header(trace, c: dict, width: float) -> list[str]:
    out = [f'<text x="16" y="34" fill="#111"><tspan class="cycle-counter" data-cycle="{c["cycle"]}"'
           f' font-size="28" font-weight="bold">cycle {c["cycle"]}</tspan>'
           f'<tspan font-size="20" fill="#555"> / {c["n_cycles"] - 1}</tspan></text>']
    counters = (f"broadcasts {c['broadcasts']}/{c['n_items']}  \u00b7  stalls {c['stalls']}  "
                f"\u00b7  load efficiency so far {100 * c['load_efficiency']:.0f}%")
    out.append(_text(width - 16, 34, counters, 19, anchor="end", cls="counters",
                     extra=f' data-broadcasts="{c["broadcasts"]}" data-stalls="{c["stalls"]}"'))
    return out


def _activations(trace, c: dict, y: float, width: float, window: int) -> list[str]:
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
           _text(16, y + cell / 2 + 2, "input a", 18, weight="bold")]
    if (lo, hi) != (0, n):
        out.append(_text(16, y + cell / 2 + 20, f"[{lo}:{hi}]", 13, fill="#555"))
        out.append(_text(16, y + cell / 2 + 36, f"of {n}", 13, fill="#555"))
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
            out.append(_text(x + cell / 2 - 1, y - 5, str(j), 13, anchor="middle", fill="#555"))
            val = "0" if a[j] == 0 else (_num(a[j]) if cell >= 44 else f"{float(a[j]):.2g}")
            out.append(_text(x + cell / 2 - 1, y + cell / 2 + 4, val, 12 if cell < 44 else 14,
                             anchor="middle", fill="#999" if a[j] == 0 else "#000"))
    if pick is not None and lo <= pick < hi:
        px = x0 + (pick - lo) * cell + cell / 2 - 1
        note = "LNZD pick (held)" if c["mode"] in ("stall", "wait") else "LNZD pick"
        out.append(_text(px, y + cell + 18, note, 15, anchor="middle", weight="bold"))
    out.append("</g>")
    return out


def _bus(trace, c: dict, y: float, width: float, n_pe: int) -> list[str]:
    j = c["pick"]
    if c["mode"] == "broadcast":
        msg, colour = f"broadcast (j={j}, a_{j}={_num(trace.a[j])})", BLUE
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
    out.append(_text(width / 2, y + 7, msg, 21, anchor="middle", weight="bold", fill=colour,
                     cls="bus-label"))
    out.append("</g>")
    return out


def _blocks(trace, cycle: int, k: int) -> bool:
    """PE k's full queue holds back this cycle's broadcast (the stall names the lowest such PE)."""
    return (int(trace.stall_pe[cycle]) >= 0
            and int(trace.queue_len[cycle, k]) >= int(trace.fifo_depth))


def _pe_detailed(trace, cycle: int, k: int, x: float, y: float, w: float, max_slots: int) -> str:
    state = int(trace.state[cycle, k])
    items = [int(i) for i in trace.queue_items(cycle, k)]
    depth = int(trace.fifo_depth)
    stall = _blocks(trace, cycle, k)
    col, left = int(trace.column[cycle, k]), int(trace.entries_left[cycle, k])
    shown = min(depth, max_slots)
    h = 64 + SLOT * shown + 36
    out = [f'<g class="pe" data-pe="{k}" data-state="{STATE_NAMES[state]}" '
           f'data-queue="{" ".join(map(str, items))}" data-blocking="{int(stall)}">',
           f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h}" rx="8" fill="#FFF" '
           f'stroke="{RED if stall else "#333"}" stroke-width="{5 if stall else 2}"/>',
           f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="30" rx="8" '
           f'fill="{STATE_COLORS[state]}"/>',
           _text(x + 10, y + 22, f"PE {k}", 19, weight="bold"),
           _text(x + w - 10, y + 22, STATE_NAMES[state], 17, anchor="end", weight="bold",
                 cls="pe-state"),
           _text(x + 10, y + 53, f"queue {len(items)}/{depth}", 16, fill="#333")]
    for s in range(shown):
        sy = y + 61 + SLOT * s
        last_hidden = s == shown - 1 and len(items) > shown
        filled = s < len(items)
        head = s == 0 and filled and state == BUSY
        fill = "#9ECAE1" if filled else "#FFF"
        if head:
            fill = "#74C476"
        out.append(f'<rect class="slot" x="{x + 10:.1f}" y="{sy:.1f}" width="{w - 20:.1f}" '
                   f'height="{SLOT - 3}" fill="{fill}" stroke="#666"/>')
        if last_hidden:
            out.append(_text(x + w / 2, sy + 19, f"+{len(items) - shown + 1} more", 16,
                             anchor="middle", cls="slot-more"))
        elif filled:
            label = f"j={items[s]}" + ("  (working)" if head and w > 150 else "")
            out.append(_text(x + w / 2, sy + 19, label, 17, anchor="middle", cls="slot-item",
                             extra=f' data-j="{items[s]}"'))
    now = "no column" if col < 0 else (f"col {col}: {left} left" if left else f"col {col}: empty")
    out.append(_text(x + w / 2, y + h - 11, now, 17, anchor="middle", weight="bold",
                     cls="pe-now"))
    out.append("</g>")
    return "".join(out)


def _pe_compact(trace, cycle: int, k: int, x: float, y: float, w: float, h: float) -> str:
    state = int(trace.state[cycle, k])
    qlen, depth = int(trace.queue_len[cycle, k]), int(trace.fifo_depth)
    stall = _blocks(trace, cycle, k)
    col, left = int(trace.column[cycle, k]), int(trace.entries_left[cycle, k])
    bar_w = max(8.0, w * 0.16)
    bar_h = (h - 8) * min(qlen, depth) / depth
    out = [f'<g class="pe" data-pe="{k}" data-state="{STATE_NAMES[state]}" data-qlen="{qlen}" '
           f'data-blocking="{int(stall)}">',
           f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="4" '
           f'fill="{STATE_COLORS[state]}" stroke="{RED if stall else "#555"}" '
           f'stroke-width="{5 if stall else 1}"/>',
           f'<rect x="{x + w - bar_w - 4:.1f}" y="{y + 4:.1f}" width="{bar_w:.1f}" '
           f'height="{h - 8:.1f}" fill="#FFF" stroke="#333"/>',
           f'<rect class="qbar" x="{x + w - bar_w - 4:.1f}" y="{y + h - 4 - bar_h:.1f}" '
           f'width="{bar_w:.1f}" height="{bar_h:.1f}" fill="{BLUE}"/>']
    big = w >= 100 and h >= 56
    out.append(_text(x + 6, y + (20 if big else 14), str(k), 17 if big else 12, weight="bold"))
    if big:
        out.append(_text(x + w - bar_w - 10, y + 20, f"{qlen}/{depth}", 14, anchor="end",
                         cls="pe-qlen"))
        out.append(_text(x + 6, y + 40, f"col {col}" if col >= 0 else "no col", 15,
                         cls="pe-now"))
        out.append(_text(x + 6, y + 58, "" if col < 0 else (f"{left} left" if left else "empty"), 15))
    out.append("</g>")
    return "".join(out)


def _legend(y: float, width: float, compact: bool) -> list[str]:
    out, x = ['<g class="legend">'], 16.0
    for code in (BUSY, STARVED, IDLE):
        out.append(f'<rect x="{x:.1f}" y="{y - 14:.1f}" width="18" height="18" '
                   f'fill="{STATE_COLORS[code]}" stroke="#333"/>')
        out.append(_text(x + 24, y, STATE_NAMES[code], 15))
        x += 110
    out.append(f'<rect x="{x:.1f}" y="{y - 14:.1f}" width="18" height="18" fill="none" '
               f'stroke="{RED}" stroke-width="4"/>')
    out.append(_text(x + 24, y, "queue full (blocks broadcast)", 15))
    note = ("blue bar = queue fill (items/depth); col j, entries left" if compact
            else "queue slots hold column indices j, head first")
    out.append(_text(width - 16, y, note, 15, anchor="end", fill="#333"))
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
    body = _header(trace, c, w)
    body += _activations(trace, c, 78, w, window)
    pick = c["pick"]
    tree_h = 90 if n_pe <= 4 else 120
    body.append(lnzd_svg(n_pe, x=w * 0.2, y=160, width=w * 0.6, height=tree_h,
                         owner_pe=None if pick is None else pick % n_pe,
                         waiting=c["mode"] in ("stall", "wait")))
    bus_y = 160 + tree_h + 55
    bus = _bus(trace, c, bus_y, w, n_pe)  # drawn after the PE drop lines, so on top of them
    top = bus_y + 40
    if compact:
        cols = int(np.ceil(np.sqrt(n_pe)))
        rows = -(-n_pe // cols)
        cw = (w - 32) / cols
        ch = min(70.0, cw * 0.55)
        for k in range(n_pe):
            body.append(_pe_compact(trace, cycle, k, 16 + (k % cols) * cw, top + (k // cols) * ch,
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
            body.append(_pe_detailed(trace, cycle, k, px + 4, py, pw - 8, max_slots))
        bottom = top + (-(-n_pe // per_row)) * ph
    body += bus + _legend(bottom + 26, w, compact)
    h = bottom + 40
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="eie-frame" data-cycle="{cycle}" '
            f'data-n-pe="{n_pe}" viewBox="0 0 {w:.0f} {h:.0f}" width="{w:.0f}" '
            f'height="{h:.0f}" style="max-width:100%;height:auto" font-family="{FONT}">'
            f'<title>{escape(describe_cycle(trace, cycle))}</title>'
            f'<rect width="100%" height="100%" fill="#FFF"/>' + "".join(body) + "</svg>")
