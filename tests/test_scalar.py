"""derivlab.scalar: the Value tape against torch.autograd, derivlab.grad and known values."""

from __future__ import annotations

import math
import sys
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from derivlab.scalar import Value, topological_order

# ---- one expression, three backends ----
# Each expression is written once against a small namespace of elementwise functions, so the same
# code runs on Values, on torch tensors and on NumPy arrays (for derivlab.grad).

VALUE_OPS = SimpleNamespace(
    exp=lambda v: v.exp(),
    log=lambda v: v.log(),
    tanh=lambda v: v.tanh(),
    sigmoid=lambda v: v.sigmoid(),
    relu=lambda v: v.relu(),
)
TORCH_OPS = SimpleNamespace(
    exp=torch.exp, log=torch.log, tanh=torch.tanh, sigmoid=torch.sigmoid, relu=torch.relu
)
NUMPY_OPS = SimpleNamespace(
    exp=np.exp,
    log=np.log,
    tanh=np.tanh,
    sigmoid=lambda x: 1.0 / (1.0 + np.exp(-x)),
    relu=lambda x: np.where(x > 0, x, 0.0),
)


def _shared(a, b, E):
    s = a * b + 1.0  # used three times below
    return s * s - s / b + E.tanh(s)


# name -> (f(a, b, E), a, b)
EXPRESSIONS = {
    "add": (lambda a, b, E: a + b, 1.5, -0.5),
    "mul": (lambda a, b, E: a * b, 1.5, -0.5),
    "sub": (lambda a, b, E: a - b - 2.0, 1.5, -0.5),
    "div": (lambda a, b, E: a / b, 1.5, -0.5),
    "rdiv": (lambda a, b, E: 3.0 / a + 2.0 - b, 1.5, -0.5),
    "neg": (lambda a, b, E: -a * b, 1.5, -0.5),
    "pow": (lambda a, b, E: a**3 + b**-2 + a**0.5, 1.5, -0.5),
    "rpow": (lambda a, b, E: 2.0**a + b, 1.5, -0.5),
    "exp_log": (lambda a, b, E: E.log(E.exp(a) + b * b), 0.3, 0.7),
    "tanh": (lambda a, b, E: E.tanh(a * b), 0.3, 0.7),
    "sigmoid": (lambda a, b, E: E.sigmoid(a - b), 0.3, 0.7),
    "sigmoid_tail": (lambda a, b, E: E.sigmoid(a * 40.0) + E.sigmoid(-b * 40.0), -1.0, 1.0),
    "relu": (lambda a, b, E: E.relu(a) * E.relu(b) + E.relu(-a), 0.3, -0.7),
    "reuse_square": (lambda a, b, E: a * a, 1.5, -0.5),
    "reuse_chain": (lambda a, b, E: (a * a) * (a * b) + a, 1.5, -0.5),
    "shared_subexpression": (_shared, 0.4, 1.3),
    "neuron": (
        lambda a, b, E: E.tanh(a * 0.8 + b * -1.2 + 0.25) + E.relu(a * 2.0 - b) * E.sigmoid(b),
        0.9,
        -0.4,
    ),
}


def _value_grads(f, a0, b0):
    a, b = Value(a0, "a"), Value(b0, "b")
    out = f(a, b, VALUE_OPS)
    grads = out.backward()
    return out.data, grads.get(a, 0.0), grads.get(b, 0.0)  # a node off the graph: 0


def _torch_grads(f, a0, b0):
    a = torch.tensor(a0, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(b0, dtype=torch.float64, requires_grad=True)
    out = f(a, b, TORCH_OPS)
    out.backward()
    return out.item(), *(0.0 if t.grad is None else t.grad.item() for t in (a, b))


@pytest.mark.parametrize("name", sorted(EXPRESSIONS))
def test_value_and_gradients_match_torch(name):
    f, a0, b0 = EXPRESSIONS[name]
    ours = _value_grads(f, a0, b0)
    theirs = _torch_grads(f, a0, b0)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", sorted(EXPRESSIONS))
def test_gradients_match_derivlab_grad(name):
    dl = pytest.importorskip("derivlab")
    if not hasattr(dl, "grad"):
        pytest.skip("derivlab.grad is not available yet")
    f, a0, b0 = EXPRESSIONS[name]
    _, ga, gb = _value_grads(f, a0, b0)

    def g(ab):
        return f(ab[0], ab[1], NUMPY_OPS)

    expected = dl.grad(g)(np.array([a0, b0]))
    np.testing.assert_allclose([ga, gb], expected, rtol=1e-12, atol=1e-14)


# ---- the properties micrograd gets wrong ----


def test_deep_chain_does_not_hit_the_recursion_limit():
    n = max(100_000, 2 * sys.getrecursionlimit())
    x = Value(0.5, "x")
    y = x
    for _ in range(n):
        y = y * 1.0 + 0.0  # 2 nodes per link: the graph is 200,000 nodes deep
    grads = y.backward()
    assert grads[x] == 1.0
    assert len(grads) == 4 * n + 1  # x, then per link: constant 1, product, constant 0, sum


def test_deep_chain_gradient_is_the_product_of_local_derivatives():
    x = Value(0.3)
    y = x
    for _ in range(20_000):
        y = y.tanh() * 1.0001 + 0.001
    grads = y.backward()
    # the same recurrence, differentiated by hand: dy/dx = Π 1.0001 (1 - tanh² y_k)
    v, slope = 0.3, 1.0
    for _ in range(20_000):
        t = math.tanh(v)
        slope *= 1.0001 * (1.0 - t * t)
        v = t * 1.0001 + 0.001
    assert y.data == pytest.approx(v, rel=1e-12)
    assert grads[x] == pytest.approx(slope, rel=1e-9)


def test_backward_twice_does_not_double_count():
    a, b = Value(2.0), Value(-3.0)
    c = a * b + a * a
    first = c.backward()
    second = c.backward()
    assert first[a] == second[a] == a.grad == -3.0 + 2 * 2.0
    assert first[b] == second[b] == b.grad == 2.0
    assert first is not second  # per-call cotangents


def test_backward_zeroes_the_grads_it_owns():
    a = Value(2.0)
    y = a * a
    z = a * 3.0
    y.backward()
    z.backward()  # a belongs to both graphs: its grad is ∂z/∂a now, not a sum
    assert a.grad == 3.0


def test_seed_scales_every_cotangent():
    a = Value(0.7)
    y = a.tanh() * a
    g1 = y.backward()[a]
    g2 = y.backward(seed=-2.5)[a]
    assert g2 == pytest.approx(-2.5 * g1, rel=1e-15)


@pytest.mark.parametrize("x, expected", [(-1.0, 0.0), (0.0, 0.0), (1e-300, 1.0), (2.0, 1.0)])
def test_relu_derivative_convention(x, expected):
    a = Value(x)
    assert a.relu().backward()[a] == expected
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    torch.relu(t).backward()
    assert t.grad.item() == expected  # PyTorch's convention is the same


def test_composites_have_no_rule_of_their_own():
    a, b = Value(3.0), Value(4.0)
    assert {(a - b).op, (a / b).op, (-a).op} == {"+", "*"}


def test_topological_order_puts_parents_first():
    a, b = Value(1.0), Value(2.0)
    s = a * b
    out = s + s * a
    order = topological_order(out)
    position = {id(n): i for i, n in enumerate(order)}
    assert order[-1] is out
    assert len(order) == len({id(n) for n in order})
    for node in order:
        for parent in node.parents:
            assert position[id(parent)] < position[id(node)]


def test_comparisons_are_plain_and_equality_is_identity():
    a, b = Value(1.0), Value(1.0)
    assert a <= b and a >= b and not a < b and a > 0.5 and a < 2
    assert a != b and a == a
    assert len({a, b}) == 2


# ---- errors that say what to do ----


@pytest.mark.parametrize(
    "make, error",
    [
        (lambda: Value("1.0"), TypeError),
        (lambda: Value(np.array([1.0, 2.0])), TypeError),
        (lambda: Value(1.0) + "x", TypeError),
        (lambda: Value(2.0) ** Value(3.0), TypeError),
        (lambda: Value(0.0).log(), ValueError),
        (lambda: Value(-1.0).log(), ValueError),
        (lambda: Value(1.0) / Value(0.0), ValueError),
        (lambda: Value(-8.0) ** 0.5, ValueError),
        (lambda: (-2.0) ** Value(1.0), ValueError),
    ],
)
def test_bad_input_raises_a_clear_error(make, error):
    with pytest.raises(error):
        make()


def test_numpy_scalars_are_accepted():
    a = Value(np.float64(2.0))
    out = a * np.float64(3.0) + np.int64(1)
    assert out.data == 7.0 and isinstance(out.data, float)
