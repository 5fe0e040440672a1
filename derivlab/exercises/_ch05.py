"""The answers to chapter 5's exercises (Gradient descent), and the grader of exercise 5.4."""

import numpy as np

import derivlab as dl

from . import Wrong, call, exercise, grader, slips


@exercise(
    "5.1",
    hint="The curvature is a = f''(x); the walk converges when |1 - lr a| < 1.",
)
def _():
    # bisect for the learning rate where one step from x = 1 stops bringing x closer to 0
    grad = dl.grad(lambda x: 5 * x**2)
    lo, hi = 0.0, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if abs(1.0 - mid * grad(1.0)) < 1 else (lo, mid)
    return lo


@slips("5.1")
def _():
    return {
        "that learning rate lands on the minimum in one step, but the walk still converges, "
        "oscillating, for somewhat larger ones": 0.1
    }


@exercise(
    "5.2",
    hint="The eigenvalues of a diagonal A are its diagonal entries; the chapter gives eta* and "
    "rho* in terms of the smallest and the largest.",
)
def _():
    A = np.diag([2.0, 18.0])

    def rho(lr):
        """Contraction factor per step: the spectral radius of I - lr A."""
        return np.abs(np.linalg.eigvals(np.eye(2) - lr * A)).max()

    # rho is convex in lr: a ternary search finds the learning rate minimising it
    lo, hi = 0.0, 1.0
    for _ in range(100):
        m1, m2 = lo + (hi - lo) / 3, hi - (hi - lo) / 3
        lo, hi = (lo, m2) if rho(m1) < rho(m2) else (m1, hi)
    return (lo, rho(lo))


@exercise(
    "5.3",
    hint="Each step multiplies the error norm by at most rho*; take logarithms of rho*^k <= 1e-6.",
)
def _():
    # walk from a start with components along both extreme eigenvectors, and count
    A = np.diag([1.0, 50.0])
    lr = 2 / (1 + 50)
    x = np.ones(2)
    start, steps = np.linalg.norm(x), 0
    while np.linalg.norm(x) > 1e-6 * start:
        x = x - lr * (A @ x)
        steps += 1
    return steps


def _quadratic(rng, n):
    Q = np.linalg.qr(rng.normal(size=(n, n)))[0]
    A = Q @ np.diag(rng.uniform(0.5, 40.0, size=n)) @ Q.T
    return (lambda x: 0.5 * x @ A @ x), (lambda x: A @ x)


def _backtrack(f, grad_f, x, lr, shrink):
    g = grad_f(x)
    while f(x - lr * g) > f(x) - 0.5 * lr * (g @ g):
        lr *= shrink
    return x - lr * g


@grader(
    "5.4",
    hint="Start from the given lr; while f(x - lr g) > f(x) - lr |g|² / 2, multiply lr by "
    "shrink; then take the step with that lr.",
)
def _(answer, rng):
    for n in (1, 2, 5):
        f, grad_f = _quadratic(rng, n)
        for lr, shrink in ((1.0, 0.5), (0.3, 0.8), (0.001, 0.5)):
            x = rng.normal(size=n) * 3
            got = np.asarray(call(answer, f, grad_f, x.copy(), lr, shrink), dtype=float)
            want = _backtrack(f, grad_f, x, lr, shrink)
            if got.shape != x.shape:
                raise Wrong(f"your step returned shape {got.shape} for x of shape {x.shape}")
            if np.allclose(got, want, rtol=1e-10, atol=1e-12):
                continue
            g = grad_f(x)
            if np.allclose(got, x - lr * g, rtol=1e-10, atol=1e-12):
                raise Wrong(
                    "your step is the plain step with the given lr: it must first test the "
                    "sufficient-decrease condition and shrink lr while it fails"
                )
            if np.allclose(got, x + lr * g, rtol=1e-10, atol=1e-12) or f(got) > f(x):
                raise Wrong("your step does not decrease f: it must go against the gradient")
            t = (x - got) @ g / (g @ g)  # the lr of the step, if it is along -g
            found = (x - want) @ g / (g @ g)
            if np.allclose(got, x - t * g, rtol=1e-10, atol=1e-12) and t < found:
                raise Wrong(
                    "your step passes the condition, but with a smaller lr than needed: stop "
                    "shrinking at the first lr that passes"
                )
            raise Wrong(
                "your step is not x - lr g for the first lr in lr, lr·shrink, lr·shrink², … "
                "that passes the condition"
            )
