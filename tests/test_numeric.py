"""derivlab.numeric against exact oracles: rational stencils, SymPy derivatives, closed forms.

Every tolerance is the one the method can honestly reach in float64: round-off level for the
complex step and Richardson, the truncation/round-off optimum for fixed stencils.
"""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from derivlab import numeric
from derivlab.numeric import Estimate, NumericWarning, Stencil

EPS = np.finfo(np.float64).eps
X = sp.Symbol("x")
R = sp.Rational


def exact(expr: sp.Expr, x0: float, n: int = 1) -> float:
    """The n-th derivative of a SymPy expression at x0, to 30 digits, as a float."""
    return float(sp.diff(expr, X, n).subs(X, sp.Float(x0, 30)).evalf(30))


def counted(fn):
    """fn, and a list whose length is the number of calls made to it."""
    calls = []

    def wrapper(x):
        calls.append(1)
        return fn(x)

    return wrapper, calls


# ---- exact stencils ----

# fmt: off
KNOWN_STENCILS = [
    # (n, accuracy, kind, offsets, weights)
    (1, 2, "central", (-1, 0, 1), (R(-1, 2), 0, R(1, 2))),
    (2, 2, "central", (-1, 0, 1), (1, -2, 1)),
    (1, 1, "forward", (0, 1), (-1, 1)),
    (1, 1, "backward", (-1, 0), (-1, 1)),
    (1, 2, "forward", (0, 1, 2), (R(-3, 2), 2, R(-1, 2))),
    (1, 4, "central", (-2, -1, 0, 1, 2), (R(1, 12), R(-2, 3), 0, R(2, 3), R(-1, 12))),
    (2, 4, "central", (-2, -1, 0, 1, 2), (R(-1, 12), R(4, 3), R(-5, 2), R(4, 3), R(-1, 12))),
    (3, 2, "central", (-2, -1, 0, 1, 2), (R(-1, 2), 1, 0, -1, R(1, 2))),
    (4, 2, "central", (-2, -1, 0, 1, 2), (1, -4, 6, -4, 1)),
    (2, 1, "forward", (0, 1, 2), (1, -2, 1)),
]
# fmt: on


@pytest.mark.parametrize(("n", "accuracy", "kind", "offsets", "weights"), KNOWN_STENCILS)
def test_stencil_equals_the_known_one(n, accuracy, kind, offsets, weights):
    stencil = numeric.coefficients(n, accuracy, kind)
    assert stencil.offsets == tuple(sp.Integer(k) for k in offsets)
    assert stencil.weights == tuple(sp.Rational(w) for w in weights)
    assert all(isinstance(w, sp.Rational) for w in stencil.weights)
    assert (stencil.n, stencil.accuracy, stencil.kind) == (n, accuracy, kind)
    np.testing.assert_array_equal(stencil.float_weights(), [float(w) for w in weights])
    np.testing.assert_array_equal(stencil.float_offsets(), offsets)


STENCIL_GRID = [
    (n, p, kind)
    for kind in ("forward", "backward", "central")
    for n in (1, 2, 3, 4)
    for p in ((2, 4, 6) if kind == "central" else (1, 2, 3, 4))
]


@pytest.mark.parametrize(("n", "accuracy", "kind"), STENCIL_GRID)
def test_stencil_annihilates_monomials_up_to_its_order(n, accuracy, kind):
    # sum_k w_k k^j = n! [j == n] for j < n + p exactly, and the moment j = n + p is the
    # leading error term, so it must not vanish.
    stencil = numeric.coefficients(n, accuracy, kind)
    moments = [sum(w * k**j for k, w in zip(stencil.offsets, stencil.weights)) for j in range(60)]
    for j in range(n + accuracy):
        assert moments[j] == (sp.factorial(n) if j == n else 0), j
    assert moments[n + accuracy] != 0
    assert stencil.error_constant == moments[n + accuracy] / sp.factorial(n + accuracy)


def test_error_constants_are_the_textbook_ones():
    assert numeric.coefficients(1, 2).error_constant == R(1, 6)
    assert numeric.coefficients(2, 2).error_constant == R(1, 12)
    assert numeric.coefficients(1, 1, "forward").error_constant == R(1, 2)
    assert numeric.coefficients(1, 4).error_constant == R(-1, 30)


def test_stencils_are_cached_and_frozen():
    assert numeric.coefficients(1, 2) is numeric.coefficients(1, 2, "central")
    with pytest.raises(dataclasses.FrozenInstanceError):
        numeric.coefficients(1, 2).n = 3  # type: ignore[misc]


# ---- convergence: the log-log slope of the error is the accuracy order ----

DERIVS = {  # f and its first four derivatives
    "exp": (np.exp, [np.exp] * 4),
    "sin": (np.sin, [np.cos, lambda t: -np.sin(t), lambda t: -np.cos(t), np.sin]),
}
CONVERGENCE = [
    (1, 1, "forward"),
    (1, 1, "backward"),
    (1, 2, "central"),
    (1, 2, "forward"),
    (1, 3, "backward"),
    (1, 4, "central"),
    (1, 6, "central"),
    (2, 1, "forward"),
    (2, 2, "central"),
    (2, 3, "backward"),
    (2, 4, "central"),
    (3, 2, "central"),
    (4, 2, "central"),
]


@pytest.mark.parametrize("name", sorted(DERIVS))
@pytest.mark.parametrize(("n", "accuracy", "kind"), CONVERGENCE)
def test_error_slope_is_the_accuracy_order(n, accuracy, kind, name):
    f, derivs = DERIVS[name]
    x0 = 0.7
    stencil = numeric.coefficients(n, accuracy, kind)
    # Truncation-dominated range: the smallest step keeps c h^p 1e5 times above round-off.
    spread = float(sum(abs(w) for w in stencil.weights))
    h_low = (1e5 * EPS * spread / abs(float(stencil.error_constant))) ** (1 / (n + accuracy))
    hs = 2.0 ** np.floor(np.log2(h_low)) * 2.0 ** np.arange(5)
    errors = [
        abs(numeric.derivative(f, x0, n=n, method=kind, accuracy=accuracy, h=h) - derivs[n - 1](x0))
        for h in hs
    ]
    slope = np.polyfit(np.log(hs), np.log(errors), 1)[0]
    assert abs(slope - accuracy) < 0.2, slope


# ---- the default step sits at the bottom of the V ----

DEFAULT_STEP_FUNCTIONS = [
    (np.exp, lambda n: np.exp, 0.5),
    (np.sin, lambda n: [np.cos, lambda t: -np.sin(t), lambda t: -np.cos(t)][n - 1], 0.7),
    (np.log, lambda n: [lambda t: 1 / t, lambda t: -1 / t**2, lambda t: 2 / t**3][n - 1], 3.0),
]


@pytest.mark.parametrize(("f", "df", "x0"), DEFAULT_STEP_FUNCTIONS)
@pytest.mark.parametrize(
    ("n", "accuracy", "kind"),
    [(1, 1, "forward"), (1, 1, "backward"), (1, 2, "central"), (1, 4, "central"),
     (2, 2, "central"), (2, 1, "forward"), (3, 2, "central")],
)  # fmt: skip
def test_default_step_is_near_the_best_step(f, df, x0, n, accuracy, kind):
    truth = df(n)(x0)
    hs = 2.0 ** -np.arange(1.0, 45.0)
    errors = np.array([abs(numeric.derivative(f, x0, n, kind, h, accuracy) - truth) for h in hs])
    # The V's bottom, smoothed: the worst error over each window of 5 neighbouring steps (a
    # factor 16 in h), so one lucky cancellation of round-off does not count as "best".
    windows = np.lib.stride_tricks.sliding_window_view(errors, 5).max(axis=1)
    default = abs(numeric.derivative(f, x0, n, kind, accuracy=accuracy) - truth)
    assert default <= 8 * windows.min()


def test_default_step_is_the_derived_formula_and_exact():
    est = numeric.derivative(np.sin, 0.7, full_output=True)
    # central, n=1, p=2: h* = (3 eps)^(1/3), rounded to a power of two
    assert est.h == 2.0 ** np.round(np.log2((3 * EPS) ** (1 / 3)))
    assert (0.7 + est.h) - 0.7 == est.h
    # The length scale is 1 wherever x is (issue 14: a step growing with |x| made sin at 1e8
    # 100% wrong) ...
    far = numeric.derivative(np.sin, 1e8, full_output=True)
    assert far.h == est.h
    assert abs(far.value - np.cos(1e8)) <= far.error <= 1e-8
    # ... but never below the spacing of floats at x, so x + h != x.
    huge = numeric.derivative(np.sin, 1e12, full_output=True)
    assert huge.h == 2.0 ** np.ceil(np.log2(np.spacing(1e12)))


def test_fixed_stencils_count_calls_and_bound_their_error():
    f, calls = counted(np.sin)
    est = numeric.derivative(f, 0.7, full_output=True)
    # the quotient at h, h/2 and h/4, and f(x) for the one-sided slopes (the kink check)
    assert est.nfev == len(calls) == 7
    assert abs(est.value - np.cos(0.7)) <= est.error <= 1e-8
    f, calls = counted(np.sin)
    numeric.derivative(f, 0.7, method="forward", accuracy=1)
    assert len(calls) == 2


# ---- the complex step ----


@pytest.mark.parametrize(
    ("expr", "x0"),
    [(sp.exp(X) * sp.sin(X), x0) for x0 in (0.1, 0.7, 1.5, -2.0, 3.0)]
    + [(sp.exp(X) / sp.sqrt(sp.sin(X) ** 3 + sp.cos(X) ** 3), x0) for x0 in (1.5, 0.5)],
)
def test_complex_step_is_exact_to_round_off(expr, x0):
    f = sp.lambdify(X, expr, "numpy")
    truth = exact(expr, x0)
    est = numeric.derivative(f, x0, method="complex", full_output=True)
    assert abs(est.value - truth) <= 1e-15 * abs(truth)
    assert abs(est.value - truth) <= est.error <= 1e-14 * abs(truth)
    assert est.nfev == 2  # at h and at -h/2, to check that f is analytic
    # No subtraction happens, so any tiny step gives the same digits.
    tiny = numeric.derivative(f, x0, method="complex", h=1e-200)
    assert abs(tiny - truth) <= 1e-15 * abs(truth)


def test_complex_step_on_an_array_is_pointwise():
    xs = np.linspace(-2, 2, 7)
    np.testing.assert_allclose(numeric.derivative(np.sin, xs, method="complex"), np.cos(xs),
                               rtol=1e-15, atol=1e-16)  # fmt: skip


# ---- richardson: accurate where a fixed step fails, honest about its error and cost ----

RICHARDSON_CASES = [
    # smooth
    (sp.exp(X), 1.0),
    (sp.sin(X), 0.7),
    (sp.log(X), 3.0),
    (sp.exp(X) / sp.sqrt(sp.sin(X) ** 3 + sp.cos(X) ** 3), 1.5),
    (sp.atan(X), -2.5),
    # rapidly varying
    (sp.sin(50 * X), 0.3),
    (sp.sin(50 * X), -1.1),
    (sp.exp(-(X**2) / R(1, 1000)), 0.02),
    (sp.exp(-(X**2) / R(1, 1000)), 0.035),
    (1 / (1 + 25 * X**2), 0.2),
    (1 / (1 + 25 * X**2), -0.6),
    (sp.tanh(20 * X), 0.05),
    (sp.cos(100 * X), 0.4),
    (sp.sin(2 * sp.pi * X), 0.3),
]


@pytest.mark.parametrize(("expr", "x0"), RICHARDSON_CASES)
def test_richardson_is_accurate_with_an_honest_error_and_cost(expr, x0):
    fn, calls = counted(sp.lambdify(X, expr, "numpy"))
    truth = exact(expr, x0)
    est = numeric.derivative(fn, x0, method="richardson", full_output=True)
    true_error = abs(est.value - truth)
    assert true_error <= 1e-10 * abs(truth)
    assert true_error <= 2 * est.error  # the estimate brackets the error (a factor 2 allowed)
    assert est.error <= 1e-9 * abs(truth)  # ... and is not uselessly loose
    assert est.nfev == len(calls) <= 30  # numdifftools' default Derivative uses 30 here


@pytest.mark.parametrize(
    ("expr", "x0"), [(sp.sin(50 * X), 0.3), (sp.exp(-(X**2) / R(1, 1000)), 0.02)]
)
def test_a_fixed_default_step_fails_where_richardson_does_not(expr, x0):
    fn = sp.lambdify(X, expr, "numpy")
    truth = exact(expr, x0)
    central = numeric.derivative(fn, x0)
    assert abs(central - truth) > 1e-9 * abs(truth)


@pytest.mark.parametrize(
    ("expr", "x0"),
    [(sp.exp(X), 1.0), (sp.sin(X), 0.7), (sp.log(X), 3.0), (1 / (1 + 25 * X**2), 0.2),
     (sp.sin(10 * X), 0.3)],
)  # fmt: skip
def test_richardson_second_derivative(expr, x0):
    fn, calls = counted(sp.lambdify(X, expr, "numpy"))
    truth = exact(expr, x0, n=2)
    est = numeric.derivative(fn, x0, n=2, method="richardson", full_output=True)
    assert abs(est.value - truth) <= 1e-9 * max(abs(truth), 1.0)
    assert abs(est.value - truth) <= 2 * est.error
    assert est.nfev == len(calls) <= 31  # numdifftools: 31


def test_richardson_on_an_array_chooses_per_element():
    xs = np.array([0.05, 0.3, 1.0, 2.0])
    est = numeric.derivative(lambda t: np.sin(50 * t), xs, method="richardson", full_output=True)
    np.testing.assert_allclose(est.value, 50 * np.cos(50 * xs), rtol=1e-10)
    assert est.value.shape == est.error.shape == est.h.shape == xs.shape
    assert np.all(np.abs(est.value - 50 * np.cos(50 * xs)) <= 2 * est.error)


def test_richardson_accepts_a_starting_step():
    est = numeric.derivative(np.exp, 1.0, method="richardson", h=0.25, full_output=True)
    assert abs(est.value - np.e) <= 1e-12 * np.e
    assert est.h <= 0.25


# ---- many variables: gradient, jacobian, hessian ----

V = sp.symbols("v0:4")
SCALAR_EXPR = sp.log(1 + V[0] ** 2) * sp.sin(V[1]) + V[0] * V[2] * V[3] + sp.exp(V[3] / 2)
X_MANY = np.array([[0.3, -1.2], [0.8, 0.5]])  # a 2x2 point: shapes must come out right


def scalar_f(x):
    v0, v1, v2, v3 = x.ravel()
    return np.log(1 + v0**2) * np.sin(v1) + v0 * v2 * v3 + np.exp(v3 / 2)


def sympy_at(expr, x):
    return float(expr.subs(dict(zip(V, x.ravel().tolist()))).evalf(30))


GRAD_TRUE = np.array([sympy_at(sp.diff(SCALAR_EXPR, v), X_MANY) for v in V]).reshape(2, 2)
HESS_TRUE = np.array(
    [[sympy_at(sp.diff(SCALAR_EXPR, a, b), X_MANY) for b in V] for a in V]
).reshape(2, 2, 2, 2)

# method, accuracy, relative tolerance for the gradient, for the hessian
MANY_METHODS = [
    ("forward", 1, 1e-6, 1e-4),
    ("backward", 2, 1e-8, 1e-4),
    ("central", 2, 1e-9, 1e-6),
    ("central", 4, 1e-11, 1e-8),
    ("complex", 2, 1e-14, 1e-9),
    ("richardson", 2, 1e-12, 1e-9),
]


@pytest.mark.parametrize(("method", "accuracy", "rtol", "_"), MANY_METHODS)
def test_gradient_against_sympy(method, accuracy, rtol, _):
    grad = numeric.gradient(scalar_f, X_MANY, method=method, accuracy=accuracy)
    assert grad.shape == X_MANY.shape
    np.testing.assert_allclose(grad, GRAD_TRUE, rtol=rtol, atol=rtol)


@pytest.mark.parametrize(("method", "accuracy", "_", "rtol"), MANY_METHODS)
def test_hessian_against_sympy(method, accuracy, _, rtol):
    hess = numeric.hessian(scalar_f, X_MANY, method=method, accuracy=accuracy)
    assert hess.shape == X_MANY.shape + X_MANY.shape
    np.testing.assert_allclose(hess, HESS_TRUE, rtol=rtol, atol=rtol)
    flat = hess.reshape(4, 4)
    np.testing.assert_array_equal(flat, flat.T)


@pytest.mark.parametrize(("method", "accuracy", "rtol", "_"), MANY_METHODS)
def test_jacobian_against_a_closed_form(method, accuracy, rtol, _):
    def f(x):  # R^(2,2) -> R^3
        return np.array([x[0, 0] * x[1, 1], np.sin(x[0, 1]), np.sum(x**2)])

    jac = numeric.jacobian(f, X_MANY, method=method, accuracy=accuracy)
    want = np.zeros((3, 2, 2))
    want[0, 0, 0], want[0, 1, 1] = X_MANY[1, 1], X_MANY[0, 0]
    want[1, 0, 1] = np.cos(X_MANY[0, 1])
    want[2] = 2 * X_MANY
    assert jac.shape == (3, 2, 2)
    np.testing.assert_allclose(jac, want, rtol=rtol, atol=rtol)


def test_jacobian_of_a_matrix_valued_function_has_out_shape_plus_in_shape():
    x = np.array([1.0, 2.0, 3.0])
    jac = numeric.jacobian(lambda v: np.outer(v, v), x)
    want = np.einsum("ik,j->ijk", np.eye(3), x) + np.einsum("i,jk->ijk", x, np.eye(3))
    assert jac.shape == (3, 3, 3)
    np.testing.assert_allclose(jac, want, rtol=1e-9, atol=1e-9)


def test_gradient_call_counts():
    f, calls = counted(lambda v: np.sum(np.sin(v)))
    x = np.linspace(0, 1, 5)
    numeric.gradient(f, x, method="forward", accuracy=1)
    assert len(calls) == 6  # f(x) once, shared, and one shifted point per coordinate
    calls.clear()
    numeric.gradient(f, x, method="central")
    assert len(calls) == 10
    calls.clear()
    numeric.gradient(f, x, method="complex")
    assert len(calls) == 5
    calls.clear()
    numeric.gradient(f, x, method="richardson")
    assert len(calls) <= 5 * 30


def test_gradient_of_a_scalar_point():
    assert numeric.gradient(np.sin, 0.3).shape == ()
    np.testing.assert_allclose(numeric.gradient(np.sin, 0.3), np.cos(0.3), rtol=1e-9)


# ---- bad input: an error that names the problem and the fix ----


def nonanalytic(x):
    return np.abs(x) ** 2


BAD_INPUTS = [
    (lambda: numeric.derivative(np.sin, 0.3, n=0), ValueError, "n is the derivative order"),
    (lambda: numeric.derivative(np.sin, 0.3, n=1.5), ValueError, "positive integer"),
    (lambda: numeric.derivative(np.sin, 0.3, n=True), ValueError, "positive integer"),
    (lambda: numeric.derivative(np.sin, 0.3, accuracy=0), ValueError, "order p of the error"),
    (lambda: numeric.derivative(np.sin, 0.3, accuracy=3), ValueError, "even for central"),
    (lambda: numeric.derivative(np.sin, 0.3, method="richardson", accuracy=3), ValueError,
     "even for central"),
    (lambda: numeric.coefficients(1, 2, "sideways"), ValueError, "unknown stencil kind"),
    (lambda: numeric.derivative(np.sin, 0.3, method="midpoint"), ValueError,
     "unknown method 'midpoint'; choose one of forward, backward, central, complex, richardson"),
    (lambda: numeric.derivative(np.sin, 0.3, h=0.0), ValueError, "positive finite step"),
    (lambda: numeric.derivative(np.sin, 0.3, h=-1e-3), ValueError, "positive finite step"),
    (lambda: numeric.derivative(np.sin, 0.3, h=np.nan), ValueError, "positive finite step"),
    (lambda: numeric.derivative(np.sin, 0.3, h=np.inf), ValueError, "positive finite step"),
    (lambda: numeric.derivative(np.sin, 0.3, h="small"), TypeError, "real step size"),
    (lambda: numeric.derivative(np.sin, 1.0, h=1e-30), ValueError, "below the spacing of floats"),
    (lambda: numeric.derivative(np.sin, np.ones(3), h=np.ones(2)), ValueError,
     "broadcast to x's shape"),
    (lambda: numeric.derivative(nonanalytic, 0.3, method="complex"), TypeError,
     "dropped the imaginary part"),
    (lambda: numeric.derivative(math.sin, 0.3, method="complex"), TypeError,
     "dropped the imaginary part"),
    (lambda: numeric.derivative(lambda t: round(t, 6), 0.3, method="complex"), TypeError,
     "failed on complex input"),
    (lambda: numeric.gradient(lambda v: v**2, np.ones(3)), ValueError,
     "scalar-valued f.*Use jacobian"),
    (lambda: numeric.gradient(lambda v: v**2, np.ones(3), method="complex"), ValueError,
     "scalar-valued f"),
    (lambda: numeric.derivative(np.sum, np.ones(3)), ValueError, "must be elementwise|x's shape"),
    (lambda: numeric.derivative(np.sin, np.nan), ValueError, "x must be finite"),
    (lambda: numeric.gradient(np.sum, np.array([1.0, np.inf])), ValueError, "x must be finite"),
    (lambda: numeric.derivative(np.sin, 1 + 2j), TypeError, "x must be real"),
    (lambda: numeric.derivative(np.sin, "0.3"), TypeError, "real number or array"),
    (lambda: numeric.derivative(np.sin, True), TypeError, "real number or array"),
    (lambda: numeric.derivative(np.sin, 0.3, n=20, method="richardson"), ValueError,
     "budget"),
]  # fmt: skip


@pytest.mark.filterwarnings("ignore::numpy.exceptions.ComplexWarning")  # math.sin on complex
@pytest.mark.parametrize(("call", "error", "message"), BAD_INPUTS)
def test_bad_input_is_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_nan_from_f_propagates():
    for method in ("central", "forward", "richardson"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            value = numeric.derivative(np.log, -1.0, method=method)
        assert np.isnan(value), method
    values = numeric.derivative(lambda t: t * np.nan, np.ones(2), method="complex")
    assert np.all(np.isnan(values))


def test_complex_step_across_a_branch_cut_is_nan_with_a_warning():
    # log(-1 + ih) = i pi for every tiny h: Im/h depends on h, so f is not analytic there.
    with pytest.warns(NumericWarning, match="not analytic"):
        values = numeric.derivative(np.log, np.array([-1.0, 2.0]), method="complex")
    assert np.isnan(values[0]) and values[1] == 0.5


def test_estimate_is_a_frozen_record():
    est = numeric.derivative(np.sin, 0.3, method="richardson", full_output=True)
    assert isinstance(est, Estimate) and est.method == "richardson"
    with pytest.raises(dataclasses.FrozenInstanceError):
        est.value = 0.0  # type: ignore[misc]
    assert isinstance(numeric.coefficients(1), Stencil)


# ---- properties ----

FIXED = st.sampled_from([(1, 1, "forward"), (1, 2, "central"), (2, 2, "central"),
                         (1, 3, "backward"), (3, 2, "central"), (2, 4, "central")])  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(
    recipe=FIXED,
    coefs=st.lists(st.integers(-9, 9), min_size=1, max_size=8),
    x0=st.floats(-2, 2),
)
def test_polynomials_of_low_degree_are_differentiated_exactly(recipe, coefs, x0):
    # A stencil annihilates monomials up to degree n + p - 1, so on such polynomials only
    # round-off is left, small for a wide step.
    n, p, kind = recipe
    poly = np.polynomial.Polynomial(coefs[: n + p])
    h = 0.25
    got = numeric.derivative(poly, x0, n=n, method=kind, accuracy=p, h=h)
    size = np.polynomial.Polynomial(np.abs(poly.coef))(abs(x0) + 4 * h)
    assert abs(got - poly.deriv(n)(x0)) <= 1e3 * EPS * size / h**n


@settings(max_examples=40, deadline=None)
@given(
    method=st.sampled_from(["forward", "central", "complex"]),
    a=st.floats(-5, 5),
    b=st.floats(-5, 5),
    x0=st.floats(-2, 2),
)
def test_linear_in_f(method, a, b, x0):
    def f(t):
        return np.sin(t)

    def g(t):
        return np.exp(t / 3)

    def combo(t):
        return a * f(t) + b * g(t)

    df, dg = numeric.derivative(f, x0, method=method), numeric.derivative(g, x0, method=method)
    got = numeric.derivative(combo, x0, method=method)
    scale = abs(a) + abs(b) + 1
    assert abs(got - (a * df + b * dg)) <= 1e-9 * scale


FAMILIES = {  # f_w and f_w', for a rate w that sets f's own length scale 1/w
    "wave": (
        lambda w, t: np.sin(w * t + 1.0),
        lambda w, t: w * np.cos(w * t + 1.0),
    ),
    "bump": (
        lambda w, t: np.exp(-((w * t) ** 2)),
        lambda w, t: -2 * w * w * t * np.exp(-((w * t) ** 2)),
    ),
    "runge": (
        lambda w, t: 1 / (1 + (w * t) ** 2),
        lambda w, t: -2 * w * w * t / (1 + (w * t) ** 2) ** 2,
    ),
}


@settings(max_examples=60, deadline=None)
@given(
    family=st.sampled_from(sorted(FAMILIES)),
    log_rate=st.floats(np.log(0.1), np.log(200.0)),
    x0=st.floats(-3, 3),
)
def test_richardson_finds_the_scale_of_any_rate(family, log_rate, x0):
    # Whatever f's length scale, the adaptive table lands on steps that resolve it.
    f, df = FAMILIES[family]
    w = float(np.exp(log_rate))
    est = numeric.derivative(lambda t: f(w, t), x0, method="richardson", full_output=True)
    error = abs(est.value - df(w, x0))
    # relative to |f'(x0)|, except near a zero of f' (Runge's function at x0 ~ 1e-7), where
    # only an error relative to the derivative's typical size, ~w, means anything
    assert error <= 1e-10 * max(abs(df(w, x0)), 1e-2 * w)
    assert error <= 2 * est.error + 1e-14 * w
    assert est.nfev <= 30


# ---- issue 14: never confidently wrong ----


def run(call, *args, **kwargs):
    """call(*args, **kwargs) and the NumericWarnings it raised, as a list of messages."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call(*args, **kwargs)
    return result, [str(w.message) for w in caught if issubclass(w.category, NumericWarning)]


@pytest.mark.parametrize("method", ["forward", "backward", "central", "richardson", "complex"])
def test_large_x_gets_a_step_on_f_own_scale(method):
    # The step used to grow with |x|: about 1e3 at x = 1e8, 100% wrong, estimate 3e-5.
    est, said = run(numeric.derivative, np.sin, 1e8, method=method, full_output=True)
    assert abs(est.value - np.cos(1e8)) <= est.error <= 1e-8
    assert said == []


@pytest.mark.parametrize("method", ["central", "richardson", "complex"])
def test_large_x_second_derivative(method):
    # sin(x)^2 at 1e4, n = 2: was 8.3e-9 with an estimate of 2.1e-9; the truth is 2 cos(2e4).
    truth = 2 * math.cos(2e4)
    est = numeric.derivative(lambda t: np.sin(t) ** 2, 1e4, n=2, method=method, full_output=True)
    assert abs(est.value - truth) <= est.error <= 1e-7


@pytest.mark.parametrize(
    ("f", "df"), [(np.log, lambda t: 1 / t), (np.sqrt, lambda t: 0.5 / t**0.5)]
)
@pytest.mark.parametrize("method", ["central", "backward"])
def test_a_step_stays_inside_the_domain(f, df, method):
    # At x = 1e-8 the default step crossed zero: nan with only a RuntimeWarning.
    est, said = run(numeric.derivative, f, 1e-8, method=method, full_output=True)
    truth = df(1e-8)
    assert np.isfinite(est.value)
    assert abs(est.value - truth) <= est.error <= 1e-4 * truth
    assert len(said) == 1 and said[0].startswith("domain edge")


@pytest.mark.parametrize(
    ("f", "df"), [(np.log, lambda t: 1 / t), (np.sqrt, lambda t: 0.5 / t**0.5)]
)
def test_richardson_starts_inside_the_domain(f, df):
    # Richardson's log at 1e-8 was 3% off with a nan estimate.
    est = numeric.derivative(f, 1e-8, method="richardson", full_output=True)
    truth = df(1e-8)
    assert abs(est.value - truth) <= est.error <= 1e-10 * truth


def test_noise_is_reported_not_extrapolated():
    # sin + 1e-5 N(0, 1), n = 2: Richardson returned -5.8e11 (the smallest step's quotient).
    rng = np.random.default_rng(14)

    def noisy(t):
        return np.sin(t) + 1e-5 * rng.standard_normal(np.shape(t))

    est, said = run(numeric.derivative, noisy, 0.7, n=2, method="richardson", full_output=True)
    assert est.error == np.inf
    assert any(s.startswith("noise") for s in said)
    assert abs(est.value + math.sin(0.7)) < 0.1  # the steadiest quotient, not the smallest step
    central, said = run(numeric.derivative, noisy, 0.7, full_output=True)
    assert central.error == np.inf and any(s.startswith("noise") for s in said)


@pytest.mark.parametrize("method", ["forward", "backward", "central", "richardson"])
def test_a_kink_is_named_and_its_error_covers_both_sides(method):
    # abs at 0: forward 1, backward -1, central 0, each with an estimate ~1e-15, no warning.
    est, said = run(numeric.derivative, np.abs, 0.0, method=method, full_output=True)
    assert any(s.startswith("kink") for s in said)
    for one_sided in (-1.0, 1.0):  # every slope in the subdifferential [-1, 1] is covered
        assert abs(est.value - one_sided) <= est.error
    second, said = run(numeric.derivative, np.abs, 0.0, n=2, method=method, full_output=True)
    assert second.error == np.inf  # abs''(0) was 8192 (central), 6.6e8 (richardson)
    assert any(s.startswith("kink") for s in said)


@pytest.mark.parametrize("method", ["central", "backward"])
def test_second_derivative_next_to_a_domain_edge(method):
    # log'' at 1e-8: the n = 2 stencil has to come much closer in than the n = 1 one.
    est, said = run(numeric.derivative, np.log, 1e-8, n=2, method=method, full_output=True)
    assert abs(est.value + 1e16) <= est.error <= 1e-4 * 1e16
    assert any(s.startswith("domain edge") for s in said)


def test_a_kink_away_from_zero_is_found_too():
    est, said = run(numeric.derivative, lambda t: np.maximum(t - 0.3, 0.0), 0.3, full_output=True)
    assert est.error >= 0.5 and any(s.startswith("kink") for s in said)


SMOOTH = [(sp.exp(X), 0.5), (sp.sin(X), 0.0), (sp.sin(X), 0.7), (sp.log(X), 3.0),
          (sp.atan(X), -2.5), (X**3, 0.0), (sp.cos(X), 1e-3), (sp.sin(50 * X), 0.3),
          (1 / (1 + 25 * X**2), 0.2), (sp.exp(-(X**2)), 1e-9)]  # fmt: skip


@pytest.mark.parametrize(("expr", "x0"), SMOOTH)
@pytest.mark.parametrize("n", [1, 2])
@pytest.mark.parametrize("method", ["forward", "backward", "central", "richardson", "complex"])
def test_smooth_functions_raise_no_alarm_and_are_bracketed(expr, x0, n, method):
    # The checks must not cry wolf: on smooth f every method is silent and its estimate holds.
    f = sp.lambdify(X, expr, "numpy")
    truth = exact(expr, x0, n)
    est, said = run(numeric.derivative, f, x0, n=n, method=method, full_output=True)
    assert said == []
    assert abs(est.value - truth) <= 2 * est.error + 1e-300
    assert est.error <= 1e-3 * max(abs(truth), 1.0) * (50.0**n if "50" in str(expr) else 1.0)


def test_complex_step_of_a_complex_comparison_is_not_analytic():
    # np.maximum orders complex numbers lexicographically: Im f(x+ih)/h = 1 at the kink of
    # max(x - 0.3, 0) with a tiny estimate, before; f(x - ih/2) exposes it.
    est, said = run(numeric.derivative, lambda t: np.maximum(t - 0.3, 0.0), 0.3,
                    method="complex", full_output=True)  # fmt: skip
    assert np.isnan(est.value) and est.error == np.inf
    assert any(s.startswith("not analytic") for s in said)


def test_complex_step_where_the_derivative_is_zero():
    # x**3 at 0: f'(0) = 0 exactly made the analyticity check misfire (nan, "branch cut").
    est, said = run(numeric.derivative, lambda t: t**3, 0.0, method="complex", full_output=True)
    assert said == [] and abs(est.value) <= est.error <= 1e-30
    values = numeric.derivative(lambda t: t**3, np.array([0.0, 1.0]), method="complex")
    np.testing.assert_array_equal(values, [-1e-40, 3.0])  # -h^2 at 0: the O(h^2) truncation


# ---- issue 14: the complex step for any order ----

COMPLEX_HIGHER = [
    (sp.exp(X), 0.0, 2), (sp.exp(X), 1.0, 2), (sp.sin(X), 0.0, 2), (sp.sin(X), 0.7, 2),
    (X**3, 0.0, 2), (X**3, 2.0, 2), (X**3, 0.0, 3), (sp.exp(X) * sp.sin(X), 0.7, 2),
    (sp.cos(X), sp.pi / 2, 5), (sp.exp(X), 1.0, 3), (sp.atan(X), 0.3, 2),
    (sp.exp(X) / sp.sqrt(sp.sin(X) ** 3 + sp.cos(X) ** 3), 1.5, 2),
]  # fmt: skip


@pytest.mark.parametrize(("expr", "x0", "n"), COMPLEX_HIGHER)
def test_complex_step_of_any_order_is_accurate_to_round_off(expr, x0, n):
    f = sp.lambdify(X, expr, "numpy")
    x0 = float(x0)
    truth = exact(expr, x0, n)
    est, said = run(numeric.derivative, f, x0, n=n, method="complex", full_output=True)
    # round-off eps n! mean|f| / r^n on a circle of radius r <= 1: ~1e-15 of f's size
    assert abs(est.value - truth) <= 1e-12 * max(abs(truth), 1.0)
    assert abs(est.value - truth) <= est.error <= 1e-11 * max(abs(truth), 1.0)
    assert said == []


@pytest.mark.parametrize(
    ("expr", "x0", "n"),
    [(sp.log(X), 0.5, 4), (1 / (1 + 25 * X**2), 0.2, 2), (sp.log(X), 1e-3, 2)],
)
def test_complex_step_near_a_singularity_shrinks_its_circle(expr, x0, n):
    # A pole (Runge's at +-i/5) or branch point (log at 0) inside the unit circle breaks the
    # mean-value check; the circle shrinks until it excludes them, losing a few digits.
    f = sp.lambdify(X, expr, "numpy")
    truth = exact(expr, x0, n)
    est = numeric.derivative(f, x0, n=n, method="complex", full_output=True)
    assert abs(est.value - truth) <= est.error <= 1e-9 * abs(truth)
    assert est.h < 1


def test_complex_step_of_higher_order_accepts_a_first_radius():
    est = numeric.derivative(np.exp, 0.0, n=3, method="complex", h=0.5, full_output=True)
    assert est.h == 0.5 and abs(est.value - 1.0) <= est.error <= 1e-12


def test_complex_step_at_a_branch_point_says_so():
    est, said = run(numeric.derivative, np.sqrt, 0.0, n=2, method="complex", full_output=True)
    assert est.error == np.inf and any(s.startswith("not analytic") for s in said)


# ---- issue 14: estimates for gradient, jacobian, hessian; vector-valued hessians ----


@pytest.mark.parametrize(("method", "accuracy", "_", "__"), MANY_METHODS)
def test_gradient_and_hessian_estimates_bracket_the_error(method, accuracy, _, __):
    grad = numeric.gradient(scalar_f, X_MANY, method=method, accuracy=accuracy, full_output=True)
    assert isinstance(grad, Estimate) and grad.error.shape == X_MANY.shape
    assert np.all(np.abs(grad.value - GRAD_TRUE) <= 2 * grad.error + 1e-15)
    hess = numeric.hessian(scalar_f, X_MANY, method=method, accuracy=accuracy, full_output=True)
    assert hess.error.shape == HESS_TRUE.shape
    assert np.all(np.abs(hess.value - HESS_TRUE) <= 2 * hess.error + 1e-14)
    np.testing.assert_array_equal(hess.value, numeric.hessian(scalar_f, X_MANY, method, None,
                                                              accuracy))  # fmt: skip


@pytest.mark.parametrize("method", ["central", "complex", "richardson"])
def test_jacobian_estimate_and_vector_valued_hessian(method):
    def vf(v):  # R^2 -> R^2
        return np.array([np.sin(v[0]) * v[1], v[0] ** 2 * np.exp(v[1])])

    x = np.array([0.3, 0.4])
    a, b = x
    jac_true = np.array([[np.cos(a) * b, np.sin(a)], [2 * a * np.exp(b), a**2 * np.exp(b)]])
    jac = numeric.jacobian(vf, x, method=method, full_output=True)
    assert jac.value.shape == jac.error.shape == (2, 2)
    assert np.all(np.abs(jac.value - jac_true) <= 2 * jac.error + 1e-15)
    hess_true = np.array(
        [
            [[-np.sin(a) * b, np.cos(a)], [np.cos(a), 0.0]],
            [[2 * np.exp(b), 2 * a * np.exp(b)], [2 * a * np.exp(b), a**2 * np.exp(b)]],
        ]
    )
    hess = numeric.hessian(vf, x, method=method, full_output=True)
    assert hess.value.shape == (2, 2, 2)  # out + x + x
    rtol = {"central": 1e-6, "complex": 1e-13, "richardson": 1e-9}[method]
    np.testing.assert_allclose(hess.value, hess_true, rtol=rtol, atol=rtol)
    assert np.all(np.abs(hess.value - hess_true) <= 2 * hess.error + 1e-15)


def test_complex_hessian_is_accurate_to_round_off():
    hess = numeric.hessian(scalar_f, X_MANY, method="complex")
    np.testing.assert_allclose(hess, HESS_TRUE, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("accuracy", [4, 6])
def test_richardson_hessian_of_high_accuracy_runs_and_is_honest(accuracy):
    # accuracy=6 used to raise a budget error naming an n the caller never passed.
    hess, said = run(numeric.hessian, scalar_f, X_MANY, method="richardson", accuracy=accuracy,
                     full_output=True)  # fmt: skip
    assert np.all(np.abs(hess.value - HESS_TRUE) <= 2 * hess.error + 1e-14)
    np.testing.assert_allclose(hess.value, HESS_TRUE, rtol=1e-4, atol=1e-4)


# ---- issue 14: stencils on any offsets ----


@pytest.mark.parametrize(
    ("n", "offsets", "weights", "accuracy"),
    [
        (1, [-2, 0, 1], (R(-1, 6), R(-1, 2), R(2, 3)), 2),  # findiff's coefficients(1, [-2, 0, 1])
        (1, [-1, 0, 1], (R(-1, 2), 0, R(1, 2)), 2),
        (2, [-1, 0, 1], (1, -2, 1), 2),  # symmetric: one order more than N - n
        (1, [0, 1, 2], (R(-3, 2), 2, R(-1, 2)), 2),
        (1, [R(-1, 2), R(1, 2)], (-1, 1), 2),  # a staggered grid
        (2, [0, 1, 3], (R(2, 3), -1, R(1, 3)), 1),
    ],
)
def test_coefficients_on_any_offsets(n, offsets, weights, accuracy):
    stencil = numeric.coefficients(n, offsets=offsets)
    assert stencil.offsets == tuple(sp.Rational(k) for k in offsets)
    assert stencil.weights == tuple(sp.Rational(w) for w in weights)
    assert (stencil.n, stencil.accuracy, stencil.kind) == (n, accuracy, "offsets")
    moments = [sum(w * k**j for k, w in zip(stencil.offsets, stencil.weights)) for j in range(9)]
    assert moments[: n + accuracy] == [
        sp.factorial(n) if j == n else 0 for j in range(n + accuracy)
    ]
    assert moments[n + accuracy] != 0


@pytest.mark.parametrize(
    ("offsets", "error", "message"),
    [([0, 0, 1], ValueError, "distinct"), ([0], ValueError, "at least n \\+ 1"),
     ([0, 0.5, 1], TypeError, "exact"), (["a", 1], TypeError, "integers")],
)  # fmt: skip
def test_coefficients_bad_offsets(offsets, error, message):
    with pytest.raises(error, match=message):
        numeric.coefficients(1, offsets=offsets)


# ---- issue 14: f is evaluated in x's dtype ----


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@pytest.mark.parametrize("method", ["forward", "central", "richardson", "complex"])
def test_float32_in_float32_out(dtype, method):
    seen = []

    def f(t):
        seen.append(np.asarray(t).dtype)
        return np.sin(t)

    x = dtype(0.7)
    est = numeric.derivative(f, x, method=method, full_output=True)
    assert est.value.dtype == dtype
    want = np.complex64 if method == "complex" else dtype
    assert set(seen) == {np.dtype(want)}
    assert abs(float(est.value) - math.cos(0.7)) <= est.error + float(np.finfo(dtype).eps)
    if method == "central":
        eps = float(np.finfo(dtype).eps)
        assert est.h == 2.0 ** np.round(np.log2((3 * eps) ** (1 / 3)))


def test_f_in_lower_precision_than_x_is_named_and_its_estimate_is_honest():
    # f computing in float32 on float64 x: 1-5e-3 errors with an 8e-11 estimate, before.
    def f32(t):
        return np.sin(np.float32(t))

    est, said = run(numeric.derivative, f32, 0.7, full_output=True)
    assert any(s.startswith("precision") for s in said)
    assert abs(est.value - math.cos(0.7)) <= est.error
    good = numeric.derivative(f32, np.float32(0.7), full_output=True)
    assert abs(good.value - math.cos(0.7)) <= good.error <= 1e-3


def test_gradient_in_float32():
    x = X_MANY.astype(np.float32)
    grad = numeric.gradient(scalar_f, x, full_output=True)
    assert grad.value.dtype == np.float32
    assert np.all(np.abs(grad.value - GRAD_TRUE) <= grad.error + 1e-6)


# ---- issue 14: higher derivatives by a single step say how far they are off ----


@pytest.mark.parametrize(("expr", "x0", "n"), [(sp.cos(X), sp.pi / 2, 5), (sp.log(X), 0.5, 4)])
def test_high_order_single_step_is_honest_and_richardson_is_accurate(expr, x0, n):
    f = sp.lambdify(X, expr, "numpy")
    x0 = float(x0)
    truth = exact(expr, x0, n)
    central = numeric.derivative(f, x0, n=n, full_output=True)
    assert abs(central.value - truth) <= central.error
    rich = numeric.derivative(f, x0, n=n, method="richardson", full_output=True)
    assert abs(rich.value - truth) <= rich.error <= 1e-6 * abs(truth)
    assert abs(rich.value - truth) < abs(central.value - truth)


def test_hessian_estimate_is_inf_where_the_quotients_diverge():
    # |v| has no second derivative at 0: the second differences grow like 1/h.
    hess, said = run(numeric.hessian, lambda v: np.sum(np.abs(v)), np.zeros(2), full_output=True)
    assert np.all(np.isinf(np.diag(hess.error)))
    assert any(s.startswith("noise") for s in said)


@settings(max_examples=60, deadline=None)
@given(
    family=st.sampled_from(sorted(FAMILIES)),
    log_rate=st.floats(np.log(0.1), np.log(200.0)),
    x0=st.floats(-3, 3),
    method=st.sampled_from(["forward", "backward", "central", "richardson"]),
)
def test_an_estimate_that_says_small_is_right(family, log_rate, x0, method):
    # Never confidently wrong: whatever f's scale, the estimate brackets the true error, or it
    # is inf and a NumericWarning says why.
    f, df = FAMILIES[family]
    w = float(np.exp(log_rate))
    est, said = run(numeric.derivative, lambda t: f(w, t), x0, method=method, full_output=True)
    error = abs(est.value - df(w, x0))
    if np.isfinite(est.error):
        assert error <= 2 * est.error + 1e-14 * w
    else:
        assert said


def test_a_quotient_that_diverges_as_h_shrinks_is_caught_when_the_ladder_goes_up():
    # At x = 1e-8, h/4 is not exact, so the check uses 2h and 4h; forward log'' there grows
    # like 1/h^2 as h shrinks, which seen from the wider steps looks like convergence.
    est, said = run(numeric.derivative, np.log, 1e-8, n=2, method="forward", full_output=True)
    assert est.error == np.inf and any(s.startswith("noise") for s in said)
