"""Chapter 12's exercises: second-order methods."""

import numpy as np

import derivlab as dl

from . import Wrong, call, exercise, grader


@exercise(
    "12.1", rtol=1e-9, hint="Each step maps x to -x³, so two steps map x to -(-x³)³. Mind the sign."
)
def _():
    soft_abs = lambda x: np.sqrt(1 + x**2)  # noqa: E731
    return dl.optim.minimize(soft_abs, 0.5, dl.optim.Newton(), steps=2).x


@exercise(
    "12.2",
    rtol=1e-6,
    atol=1e-9,
    hint="Evaluate dl.grad(logistic) at w_test + eps * v_test and at w_test - eps * v_test, "
    "subtract, and divide by 2 eps.",
)
def _(f, w, v):
    return dl.hvp(f, w, v)


@exercise(
    "12.3",
    rtol=1e-8,
    hint="np.linalg.solve(J.T @ J, -J.T @ r), with both J and r evaluated at θ = (1, 1, 0); "
    "the minus sign belongs to the right-hand side.",
)
def _(residuals):
    theta = np.array([1.0, 1.0, 0.0])
    J, r = dl.jacfwd(residuals)(theta), residuals(theta)
    return np.linalg.lstsq(J, -r, rcond=None)[0]  # the same step, by least squares


@exercise("12.4", hint="The matrix holds n² numbers and the pairs 2mn; divide.")
def _():
    n, m = 10**6, 10
    return n * n / (2 * m * n)


def _quadratic(rng, n):
    """A random convex quadratic ½ xᵀAx − bᵀx, its minimiser and its Hessian."""
    Q = rng.standard_normal((n, n))
    A = Q @ Q.T + n * np.eye(n)
    b = rng.standard_normal(n)
    return (lambda x: 0.5 * x @ A @ x - b @ x), np.linalg.solve(A, b), A


def _run(answer, *args):
    return np.asarray(call(answer, *args), dtype=float)


@grader(
    "12.5",
    hint="δ solves (H + μI) δ = -∇f(x); get ∇f and H from dl.grad and dl.hessian.",
)
def _(answer, rng):
    for n in (1, 3, 5):
        f, x_min, A = _quadratic(rng, n)
        x = rng.standard_normal(n)
        got = _run(answer, f, x)
        if got.shape != x.shape:
            raise Wrong(f"for x of shape {x.shape} your step returned shape {got.shape}")
        if np.allclose(got, x):
            raise Wrong("your function returns x unchanged; it should return the new point")
        if np.allclose(got - x, x_min - x, rtol=1e-8):
            continue
        if np.allclose(got - x, x - x_min, rtol=1e-8):
            raise Wrong("your step has the right length but points uphill: mind the sign of δ")
        g = A @ x - (A @ x_min)
        if np.allclose(got, x - g) or np.allclose(got, x + g):
            raise Wrong("your step follows the gradient alone; Newton divides by the curvature")
        raise Wrong(
            f"on a {n}-dimensional quadratic one Newton step must land on the minimum, and yours "
            "does not"
        )
    f, x_min, A = _quadratic(rng, 4)
    x, mu = rng.standard_normal(4), 3.0
    got = _run(answer, f, x, mu)
    want = x - np.linalg.solve(A + mu * np.eye(4), A @ x - A @ x_min)
    if np.allclose(got, x_min, rtol=1e-8):
        raise Wrong("with mu > 0 your step still lands on the minimum: the damping μI is ignored")
    if not np.allclose(got, want, rtol=1e-8):
        raise Wrong("with damping mu = 3 your step is not the damped one, (H + μI) δ = -g")
