"""Chapter 7 (computational graphs): expected answers and the grader of the tape exercise."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._api import grad
from . import Wrong, exercise, grader
from ._mistakes import expected_with_mistakes


# ---- 7.1-7.3: values ----
@expected_with_mistakes("7.1", hint="a and c are each used twice: add one contribution per use.")
def _() -> tuple:
    expected = grad(lambda a, b, c: (a * b + c) * (a + c), argnums=(0, 1, 2))(2.0, -1.0, 3.0)
    one_use = "counts only one of its two uses: add the contributions of both"
    return expected, [
        (
            lambda answer: np.isclose(answer[0], -5.0) or np.isclose(answer[0], 1.0),
            f"∂L/∂a {one_use}",
        ),
        (
            lambda answer: np.isclose(answer[2], 5.0) or np.isclose(answer[2], 1.0),
            f"∂L/∂c {one_use}",
        ),
    ]


def _division_locals(a: float, b: float) -> tuple:
    return grad(lambda a, b: a / b, argnums=(0, 1))(a, b)


@exercise(
    "7.2",
    hint="a/b = a · b⁻¹; differentiate b⁻¹ with the power rule.",
    points=[(1.0, 2.0), (-0.5, 3.0), (2.5, -1.5), (4.0, 0.25)],
)
def _() -> Any:
    return _division_locals


@expected_with_mistakes(
    "7.3",
    hint="each link contributes cos(x_k), at its input x_k (k = 0, …, 29).",
    rtol=1e-10,
)
def _() -> tuple:
    xs = [1.0]
    for _ in range(30):
        xs.append(np.sin(xs[-1]))

    def sine_chain(x):
        for _ in range(30):
            x = np.sin(x)
        return x

    cosines = np.cos(xs)
    return grad(sine_chain)(1.0), [
        (
            np.prod(cosines[1:]),
            "you took each cos at the link's output x_(k+1); a local derivative is "
            "evaluated at the link's input x_k",
        ),
        (np.prod(cosines), "that product has 31 factors; the chain has 30 links"),
        (np.prod(cosines[:-2]), "that product has 29 factors; the chain has 30 links"),
    ]


# ---- 7.4: an exp node for the chapter's tape ----
def _sweep(root: Any) -> None:
    """The chapter's backward pass, without recursion: node.grad = ∂root/∂node."""
    order, seen, stack = [], set(), [(root, False)]
    while stack:  # depth first; a node is listed after all of its parents
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        stack.extend((p, False) for p in node.parents if id(p) not in seen)
    for node in order:
        node.grad = 0.0
    root.grad = 1.0
    for node in reversed(order):  # children before parents
        for parent, local in zip(node.parents, node.local, strict=True):
            parent.grad += node.grad * local


def _exp_node(answer: Any, a: Any, Value: type) -> Any:
    try:
        node = answer(a)
    except Exception as error:  # the reader's code may fail in any way
        raise Wrong(f"your function raised {type(error).__name__}: {error}") from None
    if not isinstance(node, Value):
        raise Wrong(f"your function returned a {type(node).__name__}, not a new Value node")
    if node is a:
        raise Wrong("your function returned its input; e^a is a new node of the graph")
    return node


@grader(
    "7.4",
    hint="a node stores its value, its parents and one local derivative per parent; "
    "the derivative of eᵃ is eᵃ itself.",
)
def _(answer: Any, rng: np.random.Generator, Value: type) -> None:
    for a_data in rng.uniform(-2.0, 2.0, size=4):
        a = Value(a_data, label="a")
        node = _exp_node(answer, a, Value)
        if not np.isclose(node.data, math.exp(a_data), rtol=1e-12):
            raise Wrong(f"the node's value (data) at a = {a_data:.4f} is not eᵃ")
        parents = tuple(node.parents)
        if len(parents) != 1 or parents[0] is not a:
            raise Wrong(
                f"the node has {len(parents)} parent(s); it must have exactly one, the "
                "operand a itself, or the backward pass cannot reach a"
            )
        try:
            local = tuple(float(d) for d in node.local)
        except TypeError:
            raise Wrong("the node's local must be a tuple, one number per parent") from None
        if len(local) != 1:
            raise Wrong(f"the node stores {len(local)} local derivatives for its one parent")
        if np.isclose(local[0], 1.0) or np.isclose(local[0], a_data):
            raise Wrong(
                f"the local derivative at a = {a_data:.4f} is not d(eᵃ)/da: it looks like "
                "the derivative of another function"
            )
        if not np.isclose(local[0], math.exp(a_data), rtol=1e-12):
            raise Wrong(f"the local derivative at a = {a_data:.4f} is not d(eᵃ)/da")
    # the node inside a graph: L = e^(a b) · e^a + c, swept backwards
    for a_data, b_data, c_data in rng.uniform(-1.5, 1.5, size=(3, 3)):
        a, b, c = Value(a_data, label="a"), Value(b_data, label="b"), Value(c_data, label="c")
        L = _exp_node(answer, a * b, Value) * _exp_node(answer, a, Value) + c
        _sweep(L)
        expected = grad(lambda a, b, c: np.exp(a * b) * np.exp(a) + c, argnums=(0, 1, 2))(
            a_data, b_data, c_data
        )
        if not np.allclose([a.grad, b.grad, c.grad], expected, rtol=1e-10):
            raise Wrong(
                "each node looks right alone, but the gradients of L = e^(ab) · eᵃ + c "
                f"differ at (a, b, c) = ({a_data:.3f}, {b_data:.3f}, {c_data:.3f})"
            )
