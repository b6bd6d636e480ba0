"""The PEs of a frame: one box per PE (detailed or compact) and the state legend.

Part of :func:`eie_lab.viz.frames.render_frame`. A *detailed* box (up to 16 PEs) shows the PE's
state, every slot of its activation queue with the column it holds (head first) and the column
in progress with its entries left; a *compact* box (more PEs) shows the state as its colour and
the queue fill as a bar. A PE whose full queue holds the broadcast back is outlined in red.
Every box is a ``<g class="pe">`` with ``data-pe``, ``data-state`` and ``data-queue`` (detailed)
or ``data-qlen`` (compact), so tests and browsers can read a frame back.

Examples
--------
>>> from eie_lab.eie.examples import fig2_trace
>>> box = pe_detailed(fig2_trace(), cycle=1, k=0, x=0, y=0, w=150, max_slots=4)
>>> 'data-state="busy"' in box and 'data-queue="2"' in box
True
"""

from __future__ import annotations

from eie_lab.eie.trace import BUSY, IDLE, STARVED, STATE_NAMES
from eie_lab.viz.style import BLUE, RED, STATE_COLORS, svg_text

__all__ = ["SLOT", "blocks_broadcast", "pe_detailed", "pe_compact", "legend"]

SLOT = 27  # height of one queue slot in the detailed view


def blocks_broadcast(trace, cycle: int, k: int) -> bool:
    """Whether PE k's full queue holds back this cycle's broadcast.

    The stall reason names the lowest such PE; every PE with a full queue is outlined.
    """
    return (int(trace.stall_pe[cycle]) >= 0
            and int(trace.queue_len[cycle, k]) >= int(trace.fifo_depth))


def pe_detailed(trace, cycle: int, k: int, x: float, y: float, w: float, max_slots: int) -> str:
    """PE k in ``cycle`` as a box with its state, queue slots and current column.

    Parameters
    ----------
    trace : Trace
        A cycle-engine trace.
    cycle, k : int
        Which cycle and PE.
    x, y, w : float
        Top-left corner and width of the box (its height follows the queue depth).
    max_slots : int
        Queue slots drawn; a deeper queue ends with a "+n more" slot.
    """
    state = int(trace.state[cycle, k])
    items = [int(i) for i in trace.queue_items(cycle, k)]
    depth = int(trace.fifo_depth)
    stall = blocks_broadcast(trace, cycle, k)
    col, left = int(trace.column[cycle, k]), int(trace.entries_left[cycle, k])
    shown = min(depth, max_slots)
    h = 64 + SLOT * shown + 36
    out = [f'<g class="pe" data-pe="{k}" data-state="{STATE_NAMES[state]}" '
           f'data-queue="{" ".join(map(str, items))}" data-blocking="{int(stall)}">',
           f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h}" rx="8" fill="#FFF" '
           f'stroke="{RED if stall else "#333"}" stroke-width="{5 if stall else 2}"/>',
           f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="30" rx="8" '
           f'fill="{STATE_COLORS[state]}"/>',
           svg_text(x + 10, y + 22, f"PE {k}", 19, weight="bold"),
           svg_text(x + w - 10, y + 22, STATE_NAMES[state], 17, anchor="end", weight="bold",
                    cls="pe-state"),
           svg_text(x + 10, y + 53, f"queue {len(items)}/{depth}", 16, fill="#333")]
    for s in range(shown):
        sy = y + 61 + SLOT * s
        last_hidden = s == shown - 1 and len(items) > shown
        filled = s < len(items)
        head = s == 0 and filled and state == BUSY
        fill = "#74C476" if head else ("#9ECAE1" if filled else "#FFF")
        out.append(f'<rect class="slot" x="{x + 10:.1f}" y="{sy:.1f}" width="{w - 20:.1f}" '
                   f'height="{SLOT - 3}" fill="{fill}" stroke="#666"/>')
        if last_hidden:
            out.append(svg_text(x + w / 2, sy + 19, f"+{len(items) - shown + 1} more", 16,
                                anchor="middle", cls="slot-more"))
        elif filled:
            label = f"j={items[s]}" + ("  (working)" if head and w > 150 else "")
            out.append(svg_text(x + w / 2, sy + 19, label, 17, anchor="middle", cls="slot-item",
                                extra=f' data-j="{items[s]}"'))
    now = "no column" if col < 0 else (f"col {col}: {left} left" if left else f"col {col}: empty")
    out.append(svg_text(x + w / 2, y + h - 11, now, 17, anchor="middle", weight="bold",
                        cls="pe-now"))
    out.append("</g>")
    return "".join(out)


def pe_compact(trace, cycle: int, k: int, x: float, y: float, w: float, h: float) -> str:
    """PE k in ``cycle`` as a small box: state colour, queue-fill bar, column (when it fits).

    Parameters
    ----------
    trace : Trace
        A cycle-engine trace.
    cycle, k : int
        Which cycle and PE.
    x, y, w, h : float
        The box.
    """
    state = int(trace.state[cycle, k])
    qlen, depth = int(trace.queue_len[cycle, k]), int(trace.fifo_depth)
    stall = blocks_broadcast(trace, cycle, k)
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
    out.append(svg_text(x + 6, y + 20, str(k), 17 if big else 16, weight="bold", cls="pe-num"))
    if not big and h >= 34:  # the queue fill as a number too, beside the bar
        out.append(svg_text(x + w - bar_w - 8, y + h - 7, f"{qlen}", 16, anchor="end",
                            cls="pe-qlen"))
    if big:
        out.append(svg_text(x + w - bar_w - 10, y + 20, f"{qlen}/{depth}", 14, anchor="end",
                            cls="pe-qlen"))
        out.append(svg_text(x + 6, y + 40, f"col {col}" if col >= 0 else "no col", 15,
                            cls="pe-now"))
        out.append(svg_text(x + 6, y + 58,
                            "" if col < 0 else (f"{left} left" if left else "empty"), 15))
    out.append("</g>")
    return "".join(out)


def legend(y: float, width: float, compact: bool, small: float = 15) -> list[str]:
    """The state colours, the red "queue full" outline and what the boxes show."""
    out, x = ['<g class="legend">'], 16.0
    for code in (BUSY, STARVED, IDLE):
        out.append(f'<rect x="{x:.1f}" y="{y - 14:.1f}" width="18" height="18" '
                   f'fill="{STATE_COLORS[code]}" stroke="#333"/>')
        out.append(svg_text(x + 24, y, STATE_NAMES[code], small))
        x += 7 * small
    out.append(f'<rect x="{x:.1f}" y="{y - 14:.1f}" width="18" height="18" fill="none" '
               f'stroke="{RED}" stroke-width="4"/>')
    out.append(svg_text(x + 24, y, "queue full (blocks broadcast)", small))
    note = ("bar and number: items in the queue" if compact
            else "queue slots hold column indices j, head first")
    out.append(svg_text(width - 16, y, note, small, anchor="end", fill="#333"))
    out.append("</g>")
    return out
