"""The answers to chapter 6's exercises (Linear regression), and the graders of exercises 6.2
and 6.4."""

import numpy as np

import derivlab as dl

from . import Wrong, call, exercise, grader, slips


@exercise(
    "6.1",
    hint="Residuals r_i = w x_i + b - y_i; dL/dw = (2/N) sum r_i x_i and dL/db = (2/N) sum r_i.",
)
def _():
    return _small_gradient()


def _small_gradient():
    x, y = np.array([1.0, 2.0, 3.0]), np.array([2.0, 4.0, 7.0])
    mse = dl.grad(lambda w, b: np.mean((w * x + b - y) ** 2), argnums=(0, 1))
    return mse(1.0, 0.0)


@slips("6.1")
def _():
    dw, db = _small_gradient()
    return {
        "both values are half the right ones: keep the 2 from differentiating the square": (
            dw / 2,
            db / 2,
        ),
        "both values are 3 times too large: the mean divides the sum by N = 3": (3 * dw, 3 * db),
        "your dL/dw equals dL/db: in dL/dw each residual is multiplied by its x_i": (db, db),
    }


def _diagnose(got, want, ratio_names):
    """Raise Wrong naming a constant-factor slip (e.g. {2: 'lost the 2'})."""
    for ratio, message in ratio_names.items():
        if np.allclose(got * ratio, want, rtol=1e-8, atol=1e-10):
            raise Wrong(message)
    if np.allclose(got, -want, rtol=1e-8, atol=1e-10):
        raise Wrong("your gradient has the wrong sign: the residual is prediction minus target")


@grader(
    "6.2",
    hint="With residuals r = X_3 theta - y_3, entry j is (2/N) sum_i r_i x_ij (N = 50): which "
    "matrix product gives every j at once?",
)
def _(answer, rng, X, y):
    n = len(y)
    d = X.shape[1]
    for theta in [np.zeros(d)] + [rng.normal(scale=2.0, size=d) for _ in range(3)]:
        got = np.asarray(call(answer, theta.copy(), name="my_grad"), dtype=float)
        residual = X @ theta - y
        want = 2 / n * X.T @ residual
        if got.shape != want.shape:
            raise Wrong(
                f"my_grad returned shape {got.shape}; a gradient has the shape of theta, "
                f"{theta.shape}"
                + (
                    " (X r has one entry per example; Xᵀ r one per parameter)"
                    if got.shape == (n,)
                    else ""
                )
            )
        if np.allclose(got, want, rtol=1e-8, atol=1e-10):
            continue
        _diagnose(
            got,
            want,
            {
                2: "your gradient is half the right one: it lost the 2 of the square's derivative",
                1 / n: f"your gradient is {n} "
                "times too large: the loss averages over the examples, it "
                "does not sum",
            },
        )
        if np.allclose(got, 2 / n * residual.sum() * np.ones_like(theta), rtol=1e-8):
            raise Wrong("every entry of your gradient is the same: it lost the inputs x_ij")
        raise Wrong("my_grad is wrong at random theta (compare it with dl.check_grad)")


@exercise(
    "6.3",
    hint="Chapter 5: the limit is set by the largest curvature of the loss. Which matrix holds "
    "the curvatures, and what is it for this loss?",
)
def _(loss, theta):
    # the loss is quadratic: its Hessian, by autodiff, is the same at every theta
    return 2 / np.linalg.eigvalsh(dl.hessian(loss)(theta)).max()


@slips("6.3")
def _(loss, theta):
    curvatures = np.linalg.eigvalsh(dl.hessian(loss)(theta))
    return {
        "that rate is safe, but the walk diverges only above twice it: |1 - lr λ| < 1": (
            1 / curvatures.max()
        ),
        "that limit comes from the smallest curvature; the largest one breaks first": (
            2 / curvatures.min()
        ),
    }


@grader(
    "6.4",
    hint="L = Σ w_i r_i² / Σ w_i: each residual's term in Xᵀ r is scaled by its weight, and the "
    "sum of the weights replaces N.",
)
def _(answer, rng):
    for n, d in ((5, 2), (30, 3), (200, 4)):
        X = np.column_stack([np.ones(n), rng.normal(size=(n, d - 1))])
        y = rng.normal(size=n)
        weights = rng.uniform(0.1, 3.0, size=n)
        theta = rng.normal(size=d)
        got = np.asarray(
            call(answer, theta.copy(), X.copy(), y.copy(), weights.copy()), dtype=float
        )
        r = X @ theta - y
        want = 2 * X.T @ (weights * r) / weights.sum()
        if got.shape != want.shape:
            raise Wrong(f"for theta of shape {theta.shape} your gradient has shape {got.shape}")
        if np.allclose(got, want, rtol=1e-8, atol=1e-10):
            continue
        if np.allclose(got, 2 / n * X.T @ r, rtol=1e-8, atol=1e-10):
            raise Wrong("your gradient ignores the weights: it is the unweighted one")
        if np.allclose(got, 2 / n * X.T @ (weights * r), rtol=1e-8, atol=1e-10):
            raise Wrong(
                "your gradient divides by N; the weighted loss divides by the sum of the weights"
            )
        _diagnose(
            got,
            want,
            {
                2: "your gradient is half the right one: it lost the 2",
                weights.sum(): "your gradient is not divided by the sum of the weights",
            },
        )
        if np.allclose(got, 2 * X.T @ (weights**2 * r) / weights.sum(), rtol=1e-8):
            raise Wrong("your gradient weights each residual twice (w² instead of w)")
        raise Wrong(f"your gradient is wrong on random data ({n} examples, {d} parameters)")
