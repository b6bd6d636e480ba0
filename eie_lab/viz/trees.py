"""Huffman code trees drawn with networkx + matplotlib, laid out without graphviz.

:func:`tree_layout` is a tidy layered layout for binary code trees: leaves are placed left to
right in code order (the ``0`` branch first), one unit apart; every internal node sits above the
middle of its children; depth grows downwards. :func:`draw_huffman_tree` draws the tree of a
:class:`~eie_lab.compression.huffman.HuffmanCode` (or its ``to_networkx()`` graph) with bits on
the edges, counts in the internal nodes and ``symbol / code word`` under each leaf.

Examples
--------
>>> from eie_lab.compression.huffman import HuffmanCode
>>> from eie_lab.viz.trees import tree_layout
>>> g = HuffmanCode.from_counts({"A": 7, "D": 3, "B": 1, "C": 1}).to_networkx()
>>> pos = tree_layout(g)
>>> pos["0"], pos["10"], pos["110"], pos["111"]
((0.0, -1.0), (1.0, -2.0), (2.0, -3.0), (3.0, -3.0))
>>> pos[""]
(0.875, 0.0)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import matplotlib.pyplot as plt
import networkx as nx
from matplotlib.figure import Figure

__all__ = ["tree_layout", "draw_huffman_tree"]


def _root(graph: nx.DiGraph) -> Any:
    roots = [n for n in graph if graph.in_degree(n) == 0]
    if len(roots) != 1:
        raise ValueError(f"a tree needs exactly one root, this graph has {len(roots)}")
    return roots[0]


def _children(graph: nx.DiGraph, node: Any) -> list:
    return sorted(graph.successors(node), key=lambda c: str(graph.edges[node, c].get("bit", c)))


def tree_layout(graph: nx.DiGraph, root: Any = None, *, key: Callable[[Any], Any] | None = None,
                unit_square: bool = False) -> dict[Any, tuple[float, float]]:
    """Positions ``{node: (x, y)}`` of a tree: leaves evenly spaced, parents centred over children.

    Parameters
    ----------
    graph : networkx.DiGraph
        A tree with edges pointing from parent to child.
    root : node, optional
        Its root (default: the only node without a parent).
    key : callable, optional
        Sort key for the children of a node (default: the edge's ``bit`` attribute, else the
        child's name as a string).
    unit_square : bool, default False
        False: leaves one unit apart from x = 0, y = -depth. True: leaf ``i`` of ``n`` at
        x = (i + 0.5) / n and y = depth / (largest depth), so the root is at y = 0.

    Each parent sits at the mean x of its children (the midpoint for a binary tree).

    Examples
    --------
    >>> g = nx.DiGraph([("r", "a"), ("r", "b"), ("b", "c"), ("b", "d")])
    >>> tree_layout(g)["b"], tree_layout(g)["c"], tree_layout(g, unit_square=True)["c"]
    ((1.5, -1.0), (1.0, -2.0), (0.5, 1.0))
    """
    root = _root(graph) if root is None else root
    if key is None:
        kids_of = {n: _children(graph, n) for n in graph}
    else:
        kids_of = {n: sorted(graph.successors(n), key=key) for n in graph}
    order: list[tuple[Any, int]] = []  # post-order, leaves left to right
    stack: list[tuple[Any, int, bool]] = [(root, 0, False)]
    while stack:  # iterative walk (deep trees must not hit the recursion limit)
        node, depth, done = stack.pop()
        if done or not kids_of[node]:
            order.append((node, depth))
        else:
            stack.append((node, depth, True))
            stack.extend((k, depth + 1, False) for k in reversed(kids_of[node]))
    n_leaves = sum(1 for n, _ in order if not kids_of[n])
    max_depth = max(d for _, d in order) or 1
    pos: dict[Any, tuple[float, float]] = {}
    i = 0
    for node, depth in order:
        y = depth / max_depth if unit_square else 0.0 - depth
        if kids_of[node]:
            xs = [pos[k][0] for k in kids_of[node]]
            pos[node] = (sum(xs) / len(xs), y)
        else:
            pos[node] = ((i + 0.5) / n_leaves if unit_square else float(i), y)
            i += 1
    return pos


def draw_huffman_tree(code_or_graph: Any, ax: plt.Axes | None = None, *,
                      show_counts: bool = True, title: str | None = None) -> Figure:
    """Draw a Huffman code tree (a ``HuffmanCode`` or its ``to_networkx()`` DiGraph).

    Returns the matplotlib Figure (never calls ``plt.show()``).

    Examples
    --------
    >>> from eie_lab.compression.huffman import HuffmanCode
    >>> fig = draw_huffman_tree(HuffmanCode.from_counts({"A": 7, "D": 3, "B": 1, "C": 1}))
    >>> fig.axes[0].get_title()
    'Huffman tree (4 symbols)'
    >>> plt.close(fig)
    """
    graph = code_or_graph.to_networkx() if hasattr(code_or_graph, "to_networkx") else code_or_graph
    pos = tree_layout(graph)
    leaves = [n for n in graph if graph.out_degree(n) == 0]
    inner = [n for n in graph if graph.out_degree(n) > 0]
    width = max(4.0, 0.9 * len(leaves) + 1)
    height = max(2.5, 0.9 * (1 - min(y for _, y in pos.values())) + 0.8)
    if ax is None:
        fig, ax = plt.subplots(figsize=(min(width, 16), min(height, 10)))
    else:
        fig = ax.figure
    nx.draw_networkx_edges(graph, pos, ax=ax, arrows=False, edge_color="0.5")
    nx.draw_networkx_edge_labels(graph, pos, ax=ax, font_size=9, rotate=False,
                                 edge_labels={e: graph.edges[e].get("bit", "") for e in graph.edges},
                                 bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none"})
    nx.draw_networkx_nodes(graph, pos, nodelist=inner, ax=ax, node_color="#d9e6f2",
                           node_size=420, edgecolors="#4a6f8a")
    nx.draw_networkx_nodes(graph, pos, nodelist=leaves, ax=ax, node_color="#f6d7a7",
                           node_shape="s", node_size=480, edgecolors="#a06a1c")
    if show_counts:
        nx.draw_networkx_labels(graph, pos, ax=ax, font_size=8,
                                labels={n: graph.nodes[n].get("count", "") for n in graph})
    for leaf in leaves:
        x, y = pos[leaf]
        sym = graph.nodes[leaf].get("symbol", leaf)
        ax.annotate(f"{sym}\n{leaf}", (x, y), xytext=(0, -16), textcoords="offset points",
                    ha="center", va="top", fontsize=9)
    ax.set_title(title or f"Huffman tree ({len(leaves)} symbols)")
    ax.margins(x=0.08, y=0.25)
    ax.set_axis_off()
    return fig
