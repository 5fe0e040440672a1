"""A scalar autodiff tape: the micrograd-sized engine that chapter 7 builds and draws.

Every arithmetic operation on a :class:`Value` creates a new node that remembers

* its value (the *primal*),
* its parents (the operands it was computed from), and
* its *local derivatives* ∂out/∂parent, stated once, in ``_node``'s call inside each method.

:meth:`Value.backward` then applies the chain rule once per node, in reverse topological order::

    cotangent[parent] += cotangent[node] * ∂node/∂parent

Only five operations carry a rule of their own beyond ``+``, ``*`` and ``**`` (``exp``, ``log``,
``tanh``, ``sigmoid``, ``relu``); subtraction, negation and division are *composites* built from
the primitives, so their derivatives follow from the chain rule and need no code.

Design choices, different from micrograd on purpose:

* The topological order is computed **iteratively** (an explicit stack), so a chain of 100,000
  nodes does not hit Python's recursion limit.
* Gradients are **per call**: ``backward()`` returns a fresh dict ``{node: ∂root/∂node}`` and also
  writes it to ``node.grad`` after zeroing every node of the graph, so calling it twice gives the
  same answer instead of double-counting.
* ``==`` and ``hash`` are identity (a node is a dict key); ``<``, ``<=``, ``>``, ``>=`` compare
  ``data`` and return a plain ``bool`` (comparisons are not differentiable).
* ``relu'(0) = 0``, the same convention as PyTorch.
"""

from __future__ import annotations

import math
from numbers import Real

__all__ = ["Value", "topological_order"]

Number = int | float


# ---- the node ----


class Value:
    """A scalar node of a computational graph: a value, its parents and local derivatives.

    Args:
        data: the value (any real number; stored as a Python float).
        label: an optional name, shown by :func:`derivlab.plot.graph`.

    Example:
        >>> a, b = Value(2.0, "a"), Value(-3.0, "b")
        >>> c = a * b + a
        >>> grads = c.backward()
        >>> a.grad, b.grad      # ∂c/∂a = b + 1, ∂c/∂b = a
        (-2.0, 2.0)
    """

    __slots__ = ("data", "grad", "label", "op", "parents", "local_grads")

    def __init__(self, data: Number, label: str = "") -> None:
        if isinstance(data, Value):
            raise TypeError("Value(...) got a Value; use the node itself, or Value(node.data).")
        if not isinstance(data, Real):
            raise TypeError(
                f"Value holds one real number, got {type(data).__name__}; for arrays use "
                "derivlab.grad on a NumPy function instead."
            )
        self.data = float(data)
        self.grad = 0.0
        self.label = label
        self.op = ""  # the operation that produced this node ("" for a leaf)
        self.parents: tuple[Value, ...] = ()
        self.local_grads: tuple[float, ...] = ()  # ∂self/∂parent, one per parent

    def __repr__(self) -> str:
        name = f"{self.label!r}, " if self.label else ""
        return f"Value({name}data={self.data:.6g}, grad={self.grad:.6g})"

    # ---- primitives: value, parents and local derivatives in one place ----

    def __add__(self, other: Value | Number) -> Value:
        other = _lift(other)
        # ∂(a+b)/∂a = 1, ∂(a+b)/∂b = 1
        return _node(self.data + other.data, "+", (self, other), (1.0, 1.0))

    def __mul__(self, other: Value | Number) -> Value:
        other = _lift(other)
        # ∂(ab)/∂a = b, ∂(ab)/∂b = a
        return _node(self.data * other.data, "*", (self, other), (other.data, self.data))

    def __pow__(self, exponent: Number) -> Value:
        if isinstance(exponent, Value) or not isinstance(exponent, Real):
            raise TypeError(
                "Value ** exponent needs a constant real exponent; for a variable exponent "
                "write (b * a.log()).exp()."
            )
        p = float(exponent)
        if self.data == 0.0 and p < 1.0:
            raise ValueError(
                f"0 ** {exponent} (a division by zero, or an infinite slope) is undefined here; "
                "keep the base away from 0."
            )
        if self.data < 0.0 and not p.is_integer():
            raise ValueError(
                f"({self.data}) ** {exponent} is not a real number; use an integer exponent "
                "or a positive base."
            )
        # ∂(a^p)/∂a = p a^(p-1)
        return _node(self.data**p, f"**{exponent}", (self,), (p * self.data ** (p - 1.0),))

    def exp(self) -> Value:
        """e^a, with d/da e^a = e^a."""
        out = math.exp(self.data)
        return _node(out, "exp", (self,), (out,))

    def log(self) -> Value:
        """ln a (a > 0), with d/da ln a = 1/a."""
        if self.data <= 0.0:
            raise ValueError(f"log is defined for a > 0, got {self.data!r}.")
        return _node(math.log(self.data), "log", (self,), (1.0 / self.data,))

    def tanh(self) -> Value:
        """tanh a, with d/da tanh a = 1 - tanh² a."""
        out = math.tanh(self.data)
        return _node(out, "tanh", (self,), (1.0 - out * out,))

    def sigmoid(self) -> Value:
        """σ(a) = 1 / (1 + e^{-a}), with σ'(a) = σ(a) (1 - σ(a))."""
        # two algebraically equal forms; each only exponentiates a non-positive number
        if self.data >= 0.0:
            out = 1.0 / (1.0 + math.exp(-self.data))
        else:
            z = math.exp(self.data)
            out = z / (1.0 + z)
        return _node(out, "sigmoid", (self,), (out * (1.0 - out),))

    def relu(self) -> Value:
        """max(a, 0), with relu'(a) = 1 if a > 0 else 0 (so relu'(0) = 0, as in PyTorch)."""
        positive = self.data > 0.0
        return _node(self.data if positive else 0.0, "relu", (self,), (1.0 if positive else 0.0,))

    # ---- composites: built from the primitives, so they need no rule of their own ----

    def __neg__(self) -> Value:  # -a = a * (-1)
        return self * -1.0

    def __sub__(self, other: Value | Number) -> Value:  # a - b = a + (-b)
        return self + (-_lift(other))

    def __truediv__(self, other: Value | Number) -> Value:  # a / b = a * b^(-1)
        return self * _lift(other) ** -1

    def __radd__(self, other: Number) -> Value:
        return self + other

    def __rmul__(self, other: Number) -> Value:
        return self * other

    def __rsub__(self, other: Number) -> Value:
        return _lift(other) - self

    def __rtruediv__(self, other: Number) -> Value:
        return _lift(other) / self

    def __rpow__(self, base: Number) -> Value:  # c^a = e^(a ln c), for a constant c > 0
        if not isinstance(base, Real) or base <= 0:
            raise ValueError(f"c ** Value needs a constant base c > 0, got {base!r}.")
        return (self * math.log(base)).exp()

    # ---- comparisons: plain, on the data ----
    # ``==`` stays identity so that nodes can be dict keys (backward returns {node: grad}).

    def __lt__(self, other: Value | Number) -> bool:
        return self.data < _lift(other).data

    def __le__(self, other: Value | Number) -> bool:
        return self.data <= _lift(other).data

    def __gt__(self, other: Value | Number) -> bool:
        return self.data > _lift(other).data

    def __ge__(self, other: Value | Number) -> bool:
        return self.data >= _lift(other).data

    # ---- reverse mode ----

    def backward(self, seed: float = 1.0) -> dict[Value, float]:
        """Reverse mode: ∂self/∂node for every node of the graph that ends at ``self``.

        Walks the nodes in reverse topological order and applies the chain rule
        ``cotangent[parent] += cotangent[node] * ∂node/∂parent``. A node used several times
        (``x * x``, a shared subexpression) collects one term per use.

        The cotangents belong to this call: every node's ``.grad`` is set to 0 first and then to
        its new cotangent, so calling ``backward()`` twice gives the same gradients.

        Args:
            seed: ∂L/∂self, the cotangent to start from (1.0 differentiates ``self`` itself).

        Returns:
            A dict mapping each node of the graph to ∂(seed · self)/∂node.
        """
        order = topological_order(self)
        cotangent: dict[Value, float] = {node: 0.0 for node in order}
        cotangent[self] = float(seed)
        for node in reversed(order):
            g = cotangent[node]
            # chain rule: each parent receives g · ∂node/∂parent
            for parent, local in zip(node.parents, node.local_grads):
                cotangent[parent] += g * local
        for node in order:
            node.grad = cotangent[node]
        return cotangent


# ---- graph helpers ----


def _node(data: float, op: str, parents: tuple[Value, ...], local: tuple[float, ...]) -> Value:
    out = Value(data)
    out.op, out.parents, out.local_grads = op, parents, local
    return out


def _lift(x: Value | Number) -> Value:
    if isinstance(x, Value):
        return x
    if isinstance(x, Real):
        return Value(x)
    raise TypeError(
        f"a Value combines with Values and real numbers, not {type(x).__name__}; wrap "
        "constants with Value(...) or use derivlab.grad for arrays."
    )


def topological_order(root: Value) -> list[Value]:
    """Every node that ``root`` depends on, each after all of its parents (root last).

    Iterative depth-first search with an explicit stack, so graph depth is not limited by
    Python's recursion limit.

    Args:
        root: the output node.

    Returns:
        The nodes of the graph, parents before children, ending with ``root``.
    """
    order: list[Value] = []
    visited: set[int] = set()
    # stack of (node, index of the next parent to visit)
    stack: list[tuple[Value, int]] = [(root, 0)]
    visited.add(id(root))
    while stack:
        node, i = stack.pop()
        if i < len(node.parents):
            stack.append((node, i + 1))
            parent = node.parents[i]
            if id(parent) not in visited:
                visited.add(id(parent))
                stack.append((parent, 0))
        else:
            order.append(node)  # all parents are already in ``order``
    return order
