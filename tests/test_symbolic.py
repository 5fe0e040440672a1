"""derivlab.symbolic: the traced expression equals SymPy's, derivatives equal sympy.diff, and the
limit definition gives the known derivatives."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import derivlab as dl
from derivlab import symbolic as S

x, y = sp.symbols("x y", real=True)

# ---- tracing: the plain NumPy function and the SymPy expression written by hand ----

TRACE_CASES = [
    (lambda x: np.sin(x) ** 2, sp.sin(x) ** 2),
    (lambda x: np.exp(x) * np.cos(x), sp.exp(x) * sp.cos(x)),
    (lambda x: 1.0 / (1.0 + np.exp(-x)), 1 / (1 + sp.exp(-x))),
    (lambda x: np.log1p(np.exp(x)), sp.log(1 + sp.exp(x))),
    (lambda x: np.tanh(x) ** 3 - np.sqrt(x), sp.tanh(x) ** 3 - sp.sqrt(x)),
    (lambda x: np.arctan(x) / (x**2 + 1.0), sp.atan(x) / (x**2 + 1)),
    (lambda x: np.abs(x) + np.maximum(x, 0.5), sp.Abs(x) + sp.Max(x, sp.Rational(1, 2))),
    (lambda x: x**0.5 * 2.0, 2 * sp.sqrt(x)),
]


@pytest.mark.parametrize("f, expected", TRACE_CASES)
def test_expression_equals_the_hand_written_sympy(f, expected):
    assert sp.simplify(S.expression(f) - expected) == 0


@pytest.mark.parametrize("f, expected", TRACE_CASES)
def test_derivative_equals_sympy_diff(f, expected):
    assert sp.simplify(S.derivative(f) - sp.diff(expected, x)) == 0
    assert sp.simplify(S.derivative(f, n=2) - sp.diff(expected, x, 2)) == 0


@pytest.mark.parametrize("f, expected", TRACE_CASES)
def test_derivative_agrees_with_reverse_mode(f, expected):
    d = S.lambdify(S.derivative(f), "x")
    for point in (0.3, 0.9, 1.7):
        np.testing.assert_allclose(dl.grad(f)(point), d(point), rtol=1e-12)


def test_expression_of_arrays_and_linear_algebra():
    w = S.symbols("w", (3,))
    expr = S.expression(lambda w: np.sum(np.tanh(w) ** 2) + w[0] * w[2], w)
    assert sp.simplify(expr - (sum(sp.tanh(s) ** 2 for s in w) + w[0] * w[2])) == 0
    det = S.expression(np.linalg.det, ("a", (2, 2)))
    a0, a1, a2, a3 = sp.symbols("a0:4", real=True)
    assert sp.simplify(det - (a0 * a3 - a1 * a2)) == 0
    inv = S.expression(np.linalg.inv, ("a", (2, 2)))
    assert sp.simplify(inv - sp.Matrix([[a0, a1], [a2, a3]]).inv()) == sp.zeros(2, 2)
    lse = S.expression(lambda v: np.log(np.sum(np.exp(v))), ("v", 2))
    v0, v1 = sp.symbols("v0 v1", real=True)
    assert sp.simplify(lse - sp.log(sp.exp(v0) + sp.exp(v1))) == 0


def test_where_becomes_piecewise_and_matches_relu_convention():
    relu = S.expression(lambda x: np.where(x > 0, x, 0.0))
    assert isinstance(relu, sp.Piecewise)
    d = S.derivative(lambda x: np.where(x > 0, x, 0.0))
    assert d.subs(x, 2) == 1 and d.subs(x, -2) == 0 and d.subs(x, 0) == 0  # relu'(0) = 0


def test_gradient_jacobian_hessian_match_sympy():
    f = lambda x, y: x**2 * y + np.sin(x * y)  # noqa: E731
    e = x**2 * y + sp.sin(x * y)
    assert sp.simplify(S.gradient(f) - sp.Matrix([sp.diff(e, x), sp.diff(e, y)])) == sp.zeros(2, 1)
    assert sp.simplify(S.hessian(f) - sp.hessian(e, (x, y))) == sp.zeros(2, 2)
    J = S.jacobian(lambda v: np.array([1.0, 2.0]) * v**2, ("v", 2))
    v0, v1 = sp.symbols("v0 v1", real=True)
    assert sp.simplify(J - sp.Matrix([[2 * v0, 0], [0, 4 * v1]])) == sp.zeros(2, 2)


def test_symbolic_hessian_agrees_with_derivlab_hessian():
    f = lambda w: np.sum(w**3) + w[0] * np.exp(w[1])  # noqa: E731
    H = S.hessian(f, ("w", 2))
    point = np.array([0.4, -0.3])
    w0, w1 = sp.symbols("w0 w1", real=True)
    exact = np.array(H.subs({w0: point[0], w1: point[1]}).evalf(), dtype=float)
    np.testing.assert_allclose(dl.hessian(f)(point), exact, rtol=1e-12)


# ---- the limit definition ----

LIMIT_CASES = [
    (lambda x: x**2, 2 * x),
    (lambda x: x**3 - 2.0 * x, 3 * x**2 - 2),
    (lambda x: 5.0 * x**4 + x, 20 * x**3 + 1),
    (np.exp, sp.exp(x)),
    (np.sin, sp.cos(x)),
    (np.cos, -sp.sin(x)),
    (np.log, 1 / x),
    (lambda x: 1.0 / x, -1 / x**2),
    (np.sqrt, 1 / (2 * sp.sqrt(x))),
]


@pytest.mark.parametrize("f, expected", LIMIT_CASES)
def test_limit_definition_gives_the_known_derivative(f, expected):
    assert sp.simplify(S.limit_definition(f) - expected) == 0


def test_limit_definition_at_a_point():
    assert S.limit_definition(lambda x: x**3, x0=2) == 12
    assert S.limit_definition(lambda x: np.maximum(x, 0.0), x0=1) == 1


@pytest.mark.parametrize(
    "f",
    [np.abs, lambda x: np.maximum(x, 0.0), lambda x: np.where(x > 0, x, 0.0)],
    ids=["abs", "maximum", "where"],
)
def test_limit_definition_refuses_a_corner(f):
    with pytest.raises(ValueError, match="one-sided limits differ"):
        S.limit_definition(f, x0=0)


def test_difference_quotient_of_a_square():
    h = sp.Symbol("h", real=True)
    assert sp.simplify(S.difference_quotient(lambda x: x**2) - (2 * x + h)) == 0


# ---- bad input ----


def test_derivative_needs_a_variable_when_there_are_several():
    with pytest.raises(ValueError, match="name the one to differentiate"):
        S.derivative(lambda x, y: x * y)


def test_derivative_order_must_be_positive():
    with pytest.raises(ValueError, match="positive integer"):
        S.derivative(np.sin, n=0)


def test_branching_on_a_symbol_says_to_use_where():
    def f(x):
        return x if x > 0 else -x

    with pytest.raises(TypeError, match="np.where"):
        S.expression(f)


def test_bad_symbol_spec():
    with pytest.raises(TypeError, match="cannot make symbols"):
        S.expression(np.sin, 3)


def test_remainder_row_in_sympy_differentiates_and_lambdifies() -> None:
    expr = dl.symbolic.expression(lambda x, y: np.remainder(x, y))
    x, y = sorted(expr.free_symbols, key=str)
    assert sp.diff(expr, x) == 1
    assert sp.diff(expr, y).subs({x: 2.3, y: 0.7}) == -3  # -⌊x/y⌋, derivative 0 a.e. of floor
    values = np.array([1.3, -0.2])
    back = dl.symbolic.lambdify(dl.symbolic.expression(lambda x: np.remainder(x, 0.7)))
    np.testing.assert_allclose(back(values), np.remainder(values, 0.7), rtol=1e-15)


def test_a_float_matrix_constant_traces_symbolically():
    # regression: a 2-D float array inside f (x @ A @ x) failed to become an object array
    A = np.array([[2.0, 1.0, -3.0], [4.0, 0.5, 1.0], [0.0, -2.0, 1.5]])
    z = S.symbols("z", (3,))
    g = S.gradient(lambda v: v @ A @ v, z)
    point = np.array([0.7, -1.2, 0.4])
    values = [float(gi.subs(dict(zip(z, point)))) for gi in g]
    np.testing.assert_allclose(values, (A + A.T) @ point, rtol=1e-14)
