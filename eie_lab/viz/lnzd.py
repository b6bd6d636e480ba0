"""The leading non-zero detector (LNZD) drawn from the simulated unit's state.

The detector itself — its quadtree of nodes over the PEs, what each node offers, the pick and
the row being scanned — is simulated in :mod:`eie_lab.eie.units.lnzd` [EIE §IV, Fig. 4]. This
module only draws it: :func:`lnzd_tree` turns the unit's structure into a networkx graph (for
the layout), and :func:`lnzd_svg` draws one :class:`~eie_lab.eie.units.lnzd.LNZDState` (from
``Trace.lnzd_state(cycle)`` or ``LeadingNonZeroDetector.state``): nodes that offer a non-zero are
filled, nodes whose whole group is zero are drawn hollow and dashed, the path of the pick from its
PE to the root is highlighted, and PEs holding a pending non-zero in the scanned row are marked.
The layout is computed by hand (leaves evenly spaced, parents centred over their children), so
no graphviz is needed.

Examples
--------
>>> import numpy as np
>>> from eie_lab.eie.units.lnzd import LeadingNonZeroDetector
>>> state = LeadingNonZeroDetector(16).state(np.r_[np.zeros(6), 1.0, np.zeros(9)], taken=0)
>>> svg = lnzd_svg(state, x=0, y=0, width=400, height=100)
>>> svg.count('class="lnzd-unit') == 5 and 'data-offer="6"' in svg
True
"""

from __future__ import annotations

from html import escape

import networkx as nx

from eie_lab.eie.units.lnzd import LeadingNonZeroDetector, LNZDState
from eie_lab.viz.style import BLUE, RED
from eie_lab.viz.trees import tree_layout

__all__ = ["lnzd_tree", "lnzd_layout", "lnzd_svg"]

Node = tuple  # ("lnzd", level, index) or ("pe", k)
OFFER_FILL = "#C6DBEF"  # a node that offers a non-zero
PENDING_FILL = "#6BAED6"  # a PE whose activation in the scanned row is a pending non-zero


def lnzd_tree(n_pe: int, fan_in: int = 4, *, include_pes: bool = True) -> nx.DiGraph:
    """The detector's tree (:class:`~eie_lab.eie.units.lnzd.LeadingNonZeroDetector`) as a graph.

    Parameters
    ----------
    n_pe : int
        Number of processing elements (leaves).
    fan_in : int, default 4
        Children per LNZD node (EIE uses a quadtree).
    include_pes : bool, default True
        Add the PEs as leaves ``("pe", k)`` under the level-0 nodes.

    Returns
    -------
    networkx.DiGraph
        Edges point from parent to child. Nodes are ``("lnzd", level, index)`` with level 0 next
        to the PEs; the root has the highest level. Node attributes: ``kind`` ("lnzd" or "pe"),
        ``level`` (PEs: -1), ``first_pe`` and ``last_pe`` (the PEs it covers), ``root`` (bool).

    Examples
    --------
    >>> g = lnzd_tree(64)
    >>> sum(1 for n in g if g.nodes[n]["kind"] == "lnzd"), g.in_degree(("pe", 63))
    (21, 1)
    >>> [n for n in g if g.nodes[n].get("root")]
    [('lnzd', 2, 0)]
    """
    unit = LeadingNonZeroDetector(n_pe, fan_in)
    g = nx.DiGraph()
    top = len(unit.levels) - 1
    for level, size in enumerate(unit.levels):
        for i in range(size):
            first, last = unit.covers(level, i)
            g.add_node(("lnzd", level, i), kind="lnzd", level=level, first_pe=first, last_pe=last,
                       root=(level == top))
            if level > 0:
                for child in range(i * unit.fan_in, min(unit.levels[level - 1], (i + 1) * unit.fan_in)):
                    g.add_edge(("lnzd", level, i), ("lnzd", level - 1, child))
    if include_pes:
        for k in range(unit.n_pe):
            g.add_node(("pe", k), kind="pe", level=-1, first_pe=k, last_pe=k, root=False)
            g.add_edge(("lnzd", 0, k // unit.fan_in), ("pe", k))
    return g


def lnzd_layout(graph: nx.DiGraph) -> dict[Node, tuple[float, float]]:
    """Positions in the unit square: leaves evenly spaced at y=1, root at y=0.

    :func:`eie_lab.viz.trees.tree_layout` with the children in index order; each parent sits at
    the mean x of its children, so no external layout engine is needed.

    Examples
    --------
    >>> pos = lnzd_layout(lnzd_tree(4))
    >>> pos[("lnzd", 0, 0)], pos[("pe", 0)], pos[("pe", 3)]
    ((0.5, 0.0), (0.125, 1.0), (0.875, 1.0))
    """
    return tree_layout(graph, key=lambda node: node, unit_square=True)


def lnzd_svg(state: LNZDState, *, x: float, y: float, width: float, height: float,
             waiting: bool = False) -> str:
    """An SVG ``<g>`` fragment drawing the detector in ``state``.

    Parameters
    ----------
    state : LNZDState
        What every node offers (``Trace.lnzd_state(cycle)``).
    x, y, width, height : float
        Box to draw into (SVG user units). PEs are drawn as leaves while ``n_pe <= 16``
        (beyond, the nodes over them carry the state, and a frame stays light enough to play
        fast: 64 leaves and their edges were a sixth of a 64-PE frame's elements).
    waiting : bool, default False
        The pick is held (the broadcast stalled): its path is drawn dashed in orange.

    Returns
    -------
    str
        ``<g class="lnzd" data-units=… data-row=… data-pick=…>``; every node is a circle with
        class ``lnzd-unit`` (``lnzd-unit root`` for the root) and ``data-offer`` = the PE it
        offers, -1 when its whole group is zero.

    Examples
    --------
    >>> import numpy as np
    >>> from eie_lab.eie.units.lnzd import LeadingNonZeroDetector
    >>> st = LeadingNonZeroDetector(4).state(np.array([0, 0, 0.5, 0, 1.0, 2.0, 0, 3.0]), taken=0)
    >>> frag = lnzd_svg(st, x=0, y=0, width=200, height=80)
    >>> frag.startswith('<g class="lnzd"') and 'data-pick="2"' in frag
    True
    """
    n_pe = state.n_pe
    g = lnzd_tree(n_pe, state.fan_in, include_pes=n_pe <= 16)
    pos = lnzd_layout(g)
    path = {("lnzd", level, i) for level, i in state.path()}
    if state.owner_pe is not None:
        path.add(("pe", state.owner_pe))
    hi = RED if waiting else BLUE

    def xy(n: Node) -> tuple[float, float]:
        return x + pos[n][0] * width, y + pos[n][1] * height

    pick = "" if state.pick is None else state.pick
    out = [f'<g class="lnzd" data-units="{sum(state.levels)}" data-row="{state.row}" '
           f'data-pick="{pick}">']
    for a, b in sorted(g.edges):
        (x1, y1), (x2, y2) = xy(a), xy(b)
        on = a in path and b in path
        style = (f'stroke="{hi}" stroke-width="4"' + (' stroke-dasharray="8 4"' if waiting else "")
                 if on else 'stroke="#999" stroke-width="1.2"')
        out.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" {style}/>')
    r_unit = max(4.0, min(13.0, width / (3 * len([n for n in g if g.out_degree(n) == 0]) + 1)))
    for n in sorted(g.nodes):
        cx, cy = xy(n)
        on = n in path
        if g.nodes[n]["kind"] == "pe":
            k = n[1]
            r = max(2.0, min(6.0, r_unit / 2))
            fill = hi if on else (PENDING_FILL if state.pending[k] else "#FFFFFF")
            out.append(f'<circle class="lnzd-pe" data-pe="{k}" data-pending="{int(state.pending[k])}" '
                       f'cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}" fill="{fill}" stroke="#666"/>')
            if n_pe <= 16:
                out.append(f'<text x="{cx:.1f}" y="{cy + 20:.1f}" font-size="13" '
                           f'text-anchor="middle" fill="#444">PE {k}</text>')
            continue
        _, level, i = n
        offer = int(state.offers[level][i])
        root = g.nodes[n]["root"]
        fill = hi if on else (OFFER_FILL if offer >= 0 else "#FFFFFF")
        dash = ' stroke-dasharray="3 2"' if offer < 0 else ""
        cls = "lnzd-unit root" if root else "lnzd-unit"
        out.append(f'<circle class="{cls}" data-level="{level}" data-index="{i}" '
                   f'data-offer="{offer}" cx="{cx:.1f}" cy="{cy:.1f}" r="{r_unit:.1f}" '
                   f'fill="{fill}" stroke="#333" stroke-width="1.5"{dash}/>')
        if root:
            scan = (f"row {state.row} of {state.n_rows}" if state.row < state.n_rows
                    else "input scanned")
            label = f"LNZD root = CCU \u00b7 {scan}"
            out.append(f'<text x="{cx + r_unit + 6:.1f}" y="{cy + 5:.1f}" font-size="16" '
                       f'stroke="#FFF" stroke-width="5" paint-order="stroke">{escape(label)}</text>')
    out.append("</g>")
    return "".join(out)
