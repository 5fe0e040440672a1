"""Draw a :mod:`derivlab.scalar` graph: value nodes with their data and gradient, op nodes between.

Matplotlib only (no Graphviz binary). The layout is layered left to right: a node's column is the
length of the longest path from the inputs to it, taken from the topological order, so every
arrow points right. Inputs and constants sit one column before their first use.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from derivlab.scalar import Value, topological_order

__all__ = ["graph"]

# colours: inputs, intermediate values, the output, operations
_LEAF, _INNER, _ROOT, _OP = "#dbe9f6", "#f2f2f2", "#fde0c5", "#fff7bc"


def graph(
    root: Value,
    ax: Axes | None = None,
    grads: Mapping[Value, float] | None = None,
    *,
    max_nodes: int = 150,
    fontsize: float = 8.0,
) -> Axes:
    """Draw the computational graph that ends at ``root``, each value node showing data and grad.

    Value nodes are rounded boxes (``label``, ``data``, ``grad``); each operation is a circle
    between its operands and its result. Arrows follow the forward pass; the gradients shown are
    the reverse pass's cotangents ∂root/∂node.

    Args:
        root: the output node, e.g. a loss.
        ax: the Axes to draw on; a new figure sized to the graph when None.
        grads: cotangents to show, e.g. the dict returned by ``root.backward()``; when None, each
            node's ``.grad`` attribute is shown (0 until a backward pass has run).
        max_nodes: refuse to draw larger graphs, which would not be legible.
        fontsize: font size of the node labels, in points.

    Returns:
        The Axes drawn on (``show()`` is never called).

    Example:
        >>> from derivlab.scalar import Value
        >>> a, b = Value(2.0, "a"), Value(-3.0, "b")
        >>> loss = (a * b).tanh()
        >>> ax = graph(loss, grads=loss.backward())
    """
    if not isinstance(root, Value):
        raise TypeError(
            f"graph draws a derivlab.scalar.Value graph, got {type(root).__name__}; build the "
            "expression from Value(...) nodes."
        )
    order = topological_order(root)
    n_ops = sum(1 for node in order if node.parents)
    if len(order) + n_ops > max_nodes:
        raise ValueError(
            f"the graph has {len(order)} values and {n_ops} operations, more than max_nodes="
            f"{max_nodes} can show legibly; draw a smaller expression or raise max_nodes."
        )

    # ---- layers: value nodes in even columns, their op nodes in the odd column before ----
    column: dict[Value, int] = {}
    for node in order:  # parents come first, so their columns are known
        column[node] = 2 + max((column[p] for p in node.parents), default=-2)
    children: dict[Value, list[Value]] = {node: [] for node in order}
    for node in order:
        for parent in node.parents:
            children[parent].append(node)
    for node in order:  # move each input next to its first use
        if not node.parents and children[node]:
            column[node] = min(column[c] for c in children[node]) - 2

    # ---- rows: sweep left to right, ordering each column by the mean row of the parents ----
    index = {node: i for i, node in enumerate(order)}
    by_column: dict[int, list[Value]] = {}
    for node in order:
        by_column.setdefault(column[node], []).append(node)
    row: dict[Value, float] = {}
    for c in sorted(by_column):
        nodes = by_column[c]

        def key(node: Value) -> tuple[float, int]:
            placed = [row[p] for p in node.parents if p in row]
            return (sum(placed) / len(placed) if placed else float(index[node]), index[node])

        nodes.sort(key=key)
        for i, node in enumerate(nodes):
            row[node] = i - (len(nodes) - 1) / 2
    height = max(len(nodes) for nodes in by_column.values())
    first = min(by_column)
    width = max(by_column) - first + 1

    if ax is None:
        _, ax = plt.subplots(figsize=(max(3.0, 1.05 * width), max(1.8, 0.95 * height + 0.4)))

    def xy(c: int, r: float) -> tuple[float, float]:
        return (c - first, -r)

    # ---- nodes ----
    value_text = {}
    op_text = {}
    for node in order:
        g = node.grad if grads is None else grads.get(node, 0.0)
        lines = ([node.label] if node.label else []) + [f"data {node.data:.4g}", f"grad {g:.4g}"]
        face = _ROOT if node is root else (_INNER if node.parents else _LEAF)
        value_text[node] = ax.text(
            *xy(column[node], row[node]),
            "\n".join(lines),
            ha="center",
            va="center",
            fontsize=fontsize,
            family="monospace",
            bbox={"boxstyle": "round,pad=0.35", "fc": face, "ec": "0.3"},
            zorder=3,
        )
        if node.parents:
            op_text[node] = ax.text(
                *xy(column[node] - 1, row[node]),
                node.op,
                ha="center",
                va="center",
                fontsize=fontsize + 1,
                bbox={"boxstyle": "circle,pad=0.3", "fc": _OP, "ec": "0.3"},
                zorder=3,
            )

    # ---- edges: operand -> op -> result (drawn after the nodes so the boxes clip them) ----
    for node in order:
        if not node.parents:
            continue
        op = op_text[node]
        _arrow(ax, op, value_text[node], rad=0.0)
        seen: dict[int, int] = {}
        for parent in node.parents:
            k = seen[id(parent)] = seen.get(id(parent), -1) + 1  # x * x: two curved arrows
            rad = 0.25 * k * (-1) ** k
            span = column[node] - 1 - column[parent]
            if span > 1 and abs(row[node] - row[parent]) < 0.5:
                # the straight line would run through the nodes in between: arc over them
                rad = -min(0.45, 1.6 / span) - 0.15 * k
            _arrow(ax, value_text[parent], op, rad=rad)

    ax.set_xlim(-0.7, width - 0.3)
    ax.set_ylim(-(height - 1) / 2 - 0.7, (height - 1) / 2 + 1.0)  # headroom for arcs
    ax.set_axis_off()
    return ax


def _arrow(ax: Axes, source, target, rad: float) -> None:
    src, dst = source.get_position(), target.get_position()
    ax.annotate(
        "",
        xy=dst,
        xytext=src,
        arrowprops={
            "arrowstyle": "-|>",
            "color": "0.35",
            "lw": 0.9,
            "patchA": source.get_bbox_patch(),
            "patchB": target.get_bbox_patch(),
            "connectionstyle": f"arc3,rad={rad}",
            "shrinkA": 1,
            "shrinkB": 1,
        },
        zorder=4,
    )
