"""The leading non-zero detector (LNZD) quadtree of EIE as a networkx graph, and its drawing.

EIE finds the next non-zero input activation with a tree of LNZD units of fan-in 4: each group
of 4 PEs has one unit, groups of 4 units feed a unit one level up, and the root is the central
control unit (CCU) that broadcasts ``(j, a_j)`` to every PE. For 64 PEs that is 16 + 4 + 1 = 21
units (papers.md §1.7). The layout here is computed by hand (leaves evenly spaced, parents
centred over their children), so no graphviz is needed.

Examples
--------
>>> from eie_lab.viz.lnzd import lnzd_tree, lnzd_unit_count
>>> lnzd_unit_count(64)
21
>>> g = lnzd_tree(4)
>>> sorted(n for n in g if g.nodes[n]["kind"] == "lnzd")
[('lnzd', 0, 0)]
"""

from __future__ import annotations

import networkx as nx

from eie_lab.errors import ConfigError, fail_message
from eie_lab.viz.trees import tree_layout

__all__ = ["lnzd_unit_count", "lnzd_tree", "lnzd_layout", "pick_path", "lnzd_svg"]

Node = tuple  # ("lnzd", level, index) or ("pe", k)


def _check_n_pe(n_pe: int, fan_in: int) -> None:
    if not isinstance(n_pe, int) or n_pe < 1:
        raise ConfigError(fail_message("n_pe", n_pe, "must be an int >= 1", "use n_pe=64 as in EIE"))
    if not isinstance(fan_in, int) or fan_in < 2:
        raise ConfigError(fail_message("fan_in", fan_in, "must be an int >= 2",
                                       "use fan_in=4 (EIE's quadtree)"))


def _level_sizes(n_pe: int, fan_in: int) -> list[int]:
    sizes = [-(-n_pe // fan_in)]  # level 0: one unit per group of fan_in PEs
    while sizes[-1] > 1:
        sizes.append(-(-sizes[-1] // fan_in))
    return sizes


def lnzd_unit_count(n_pe: int, fan_in: int = 4) -> int:
    """Number of LNZD units in the tree over ``n_pe`` PEs.

    Examples
    --------
    >>> [lnzd_unit_count(n) for n in (1, 4, 16, 64, 256)]
    [1, 1, 5, 21, 85]
    """
    _check_n_pe(n_pe, fan_in)
    return sum(_level_sizes(n_pe, fan_in))


def lnzd_tree(n_pe: int, fan_in: int = 4, *, include_pes: bool = True) -> nx.DiGraph:
    """The LNZD tree as a directed graph, edges pointing from parent to child.

    Parameters
    ----------
    n_pe : int
        Number of processing elements (leaves).
    fan_in : int, default 4
        Children per LNZD unit (EIE uses a quadtree).
    include_pes : bool, default True
        Add the PEs as leaves ``("pe", k)`` under the level-0 units.

    Returns
    -------
    networkx.DiGraph
        Units are ``("lnzd", level, index)`` with level 0 next to the PEs; the root has the
        highest level. Node attributes: ``kind`` ("lnzd" or "pe"), ``level`` (PEs: -1),
        ``first_pe`` and ``last_pe`` (the PEs it covers), ``root`` (bool).

    Examples
    --------
    >>> g = lnzd_tree(64)
    >>> sum(1 for n in g if g.nodes[n]["kind"] == "lnzd"), g.in_degree(("pe", 63))
    (21, 1)
    >>> [n for n in g if g.nodes[n].get("root")]
    [('lnzd', 2, 0)]
    """
    _check_n_pe(n_pe, fan_in)
    g = nx.DiGraph()
    sizes = _level_sizes(n_pe, fan_in)
    span = fan_in  # PEs covered by one unit at the current level
    for level, size in enumerate(sizes):
        for i in range(size):
            g.add_node(("lnzd", level, i), kind="lnzd", level=level, first_pe=i * span,
                       last_pe=min(n_pe, (i + 1) * span) - 1, root=(level == len(sizes) - 1))
            if level > 0:
                for child in range(i * fan_in, min(sizes[level - 1], (i + 1) * fan_in)):
                    g.add_edge(("lnzd", level, i), ("lnzd", level - 1, child))
        span *= fan_in
    if include_pes:
        for k in range(n_pe):
            g.add_node(("pe", k), kind="pe", level=-1, first_pe=k, last_pe=k, root=False)
            g.add_edge(("lnzd", 0, k // fan_in), ("pe", k))
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


def pick_path(graph: nx.DiGraph, pe: int) -> list[Node]:
    """Nodes from the root down to the leaf that holds activation owner ``pe``.

    Activation ``a_j`` lives in PE ``j mod n_pe``; the LNZD units on this path pass it up.

    Examples
    --------
    >>> pick_path(lnzd_tree(16), 6)
    [('lnzd', 1, 0), ('lnzd', 0, 1), ('pe', 6)]
    """
    target = ("pe", pe) if ("pe", pe) in graph else None
    if target is None:
        units = [n for n in graph if graph.nodes[n]["level"] == 0
                 and graph.nodes[n]["first_pe"] <= pe <= graph.nodes[n]["last_pe"]]
        if not units:
            raise ConfigError(fail_message("pe", pe, "is not a PE of this tree",
                                           "pass 0 <= pe < n_pe"))
        target = units[0]
    root = next(n for n in graph if graph.in_degree(n) == 0)
    return nx.shortest_path(graph, root, target)


def lnzd_svg(n_pe: int, *, x: float, y: float, width: float, height: float,
             owner_pe: int | None = None, waiting: bool = False) -> str:
    """An SVG ``<g>`` fragment drawing the quadtree, with the pick's path highlighted.

    Parameters
    ----------
    n_pe : int
        Number of PEs. PEs are drawn as leaves while ``n_pe <= 64``.
    x, y, width, height : float
        Box to draw into (SVG user units).
    owner_pe : int, optional
        PE that holds the picked activation; the path from it to the root is highlighted.
    waiting : bool, default False
        The pick is waiting (broadcast stalled): the path is drawn dashed in orange.

    Examples
    --------
    >>> frag = lnzd_svg(4, x=0, y=0, width=200, height=80, owner_pe=2)
    >>> frag.startswith('<g class="lnzd"') and frag.count('class="lnzd-unit') == 1
    True
    """
    g = lnzd_tree(n_pe, include_pes=n_pe <= 64)
    pos = lnzd_layout(g)
    path = set(pick_path(g, owner_pe)) if owner_pe is not None else set()
    hi = "#D55E00" if waiting else "#0072B2"

    def xy(n: Node) -> tuple[float, float]:
        return x + pos[n][0] * width, y + pos[n][1] * height

    out = [f'<g class="lnzd" data-units="{lnzd_unit_count(n_pe)}">']
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
            r = max(2.0, min(6.0, r_unit / 2))
            fill = hi if on else "#666"
            out.append(f'<circle class="lnzd-pe" cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}" '
                       f'fill="{fill}"/>')
            if n_pe <= 16:
                out.append(f'<text x="{cx:.1f}" y="{cy + 20:.1f}" font-size="13" '
                           f'text-anchor="middle" fill="#444">PE {n[1]}</text>')
            continue
        root = g.nodes[n]["root"]
        fill = hi if on else "#FFFFFF"
        cls = "lnzd-unit root" if root else "lnzd-unit"
        out.append(f'<circle class="{cls}" cx="{cx:.1f}" cy="{cy:.1f}" r="{r_unit:.1f}" '
                   f'fill="{fill}" stroke="#333" stroke-width="1.5"/>')
        if root:
            out.append(f'<text x="{cx + r_unit + 6:.1f}" y="{cy + 5:.1f}" font-size="15" '
                       f'stroke="#FFF" stroke-width="5" paint-order="stroke">LNZD root = CCU</text>')
    out.append("</g>")
    return "".join(out)
