"""derivlab.plot.graph: the scalar graph drawing has a node per value and op, with data and grad."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.text import Annotation  # noqa: E402

from derivlab.plot._graph import graph  # noqa: E402
from derivlab.scalar import Value, topological_order  # noqa: E402


@pytest.fixture(autouse=True)
def _no_show_and_close(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("graph() must not call show()")

    monkeypatch.setattr(plt, "show", forbidden)
    yield
    plt.close("all")


def _neuron():
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2, b = Value(-3.0, "w1"), Value(1.0, "w2"), Value(6.8813735870195432, "b")
    out = (x1 * w1 + x2 * w2 + b).tanh()
    out.label = "out"
    return out, {"x1": x1, "w1": w1, "b": b}


def _node_texts_artists(ax):
    return [t for t in ax.texts if not isinstance(t, Annotation)]


def _node_texts(ax):
    return [t.get_text() for t in _node_texts_artists(ax)]


def test_every_value_and_op_is_drawn_with_data_and_grad():
    out, leaves = _neuron()
    grads = out.backward()
    ax = graph(out, grads=grads)
    texts = _node_texts(ax)
    order = topological_order(out)
    ops = [n for n in order if n.parents]
    assert len(texts) == len(order) + len(ops)
    value_boxes = [t for t in texts if "data" in t]
    assert len(value_boxes) == len(order)
    assert all("grad" in t for t in value_boxes)
    # the numbers on the boxes are the forward values and the reverse-mode cotangents
    assert f"x1\ndata 2\ngrad {grads[leaves['x1']]:.4g}" in texts
    assert f"w1\ndata -3\ngrad {grads[leaves['w1']]:.4g}" in texts
    assert "out\ndata 0.7071\ngrad 1" in texts
    assert sorted(t for t in texts if "data" not in t) == sorted(n.op for n in ops)


def test_one_arrow_per_edge_and_the_figure_renders():
    out, _ = _neuron()
    out.backward()
    ax = graph(out)  # grads from the nodes' .grad attributes
    arrows = [t for t in ax.texts if isinstance(t, Annotation)]
    order = topological_order(out)
    n_edges = sum(len(n.parents) + 1 for n in order if n.parents)  # operands -> op -> result
    assert len(arrows) == n_edges
    ax.figure.canvas.draw()  # layout and arrow clipping work with the Agg renderer


def test_layout_goes_left_to_right():
    out, _ = _neuron()
    ax = graph(out)
    boxes = {t.get_text(): t.get_position() for t in _node_texts_artists(ax)}
    xs = {label.split("\n")[0]: pos[0] for label, pos in boxes.items()}
    assert xs["out"] == max(x for x, _ in boxes.values())
    assert xs["x1"] < xs["tanh"] < xs["out"]


def test_reused_node_and_given_axes():
    a = Value(1.5, "a")
    y = a * a
    fig, ax = plt.subplots()
    returned = graph(y, ax=ax, grads=y.backward())
    assert returned is ax
    assert "a\ndata 1.5\ngrad 3" in _node_texts(ax)
    assert sum(isinstance(t, Annotation) for t in ax.texts) == 3  # a twice into '*', '*' -> y


def test_single_leaf_graph():
    ax = graph(Value(4.0, "x"))
    assert _node_texts(ax) == ["x\ndata 4\ngrad 0"]


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda: graph(3.0), TypeError),
        (lambda: graph(_chain(100)), ValueError),
    ],
)
def test_clear_errors(call, error):
    with pytest.raises(error):
        call()


def _chain(n):
    x = Value(1.0)
    for _ in range(n):
        x = x.tanh()
    return x


def test_graph_is_public_in_derivlab_plot():
    import derivlab.plot

    if not hasattr(derivlab.plot, "graph"):
        pytest.skip("derivlab/plot/__init__.py does not re-export graph yet")
    assert derivlab.plot.graph is graph
