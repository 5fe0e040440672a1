"""The answers to chapter 4's exercises (Many variables), and the grader of exercise 4.5."""

import numpy as np

import derivlab as dl

from . import Wrong, call, exercise, grader, slips


def _g(p):
    return p[0] ** 2 * p[1] + np.sin(p[1])


@exercise(
    "4.1",
    hint="For dg/dx treat y as a constant and differentiate in x; for dg/dy hold x fixed instead.",
)
def _():
    return dl.grad(_g)(np.array([1.0, 2.0]))


@slips("4.1")
def _():
    return {
        "your two entries are swapped: the first is dg/dx": dl.grad(_g)(np.array([1.0, 2.0]))[::-1]
    }


@exercise("4.2", hint="D_u g = grad g . u with u = (3, 4) / 5.")
def _():
    u = np.array([3.0, 4.0]) / 5
    return dl.jvp(_g, (np.array([1.0, 2.0]),), (u,))[1]


@slips("4.2")
def _():
    along = dl.jvp(_g, (np.array([1.0, 2.0]),), (np.array([3.0, 4.0]),))[1]
    return {
        "you used the direction (3, 4) as it is; a directional derivative takes the unit "
        "vector, (3, 4) divided by its length": along
    }


@exercise("4.3", hint="A Jacobian's shape is the output's shape, then the input's shape.")
def _():
    # the shapes derivlab gives; the likeliest slip, ((5, 3), (4, 4, 4)) (the output's shape
    # forgotten in 1.), is told "entry 0: ..." by compare's rules for tuples
    z = np.ones(3)
    return (
        dl.jacrev(lambda W: np.tanh(W @ z))(np.zeros((5, 3))).shape,
        dl.jacfwd(lambda v: np.outer(v, v))(np.ones(4)).shape,
    )


@exercise(
    "4.4",
    hint="H[i, j] is k differentiated once by x_i and once by x_j. T2 needs k, grad k and H "
    "at (1, 2), and the step d = (1.1, 2.1) - (1, 2).",
)
def _():
    def k(p):
        return p[0] ** 3 + p[0] * p[1] ** 2

    p, d = np.array([1.0, 2.0]), np.array([0.1, 0.1])
    H = dl.hessian(k)(p)
    return (H, k(p) + dl.grad(k)(p) @ d + 0.5 * d @ H @ d)


def _random_map(rng, n_in, n_out):
    """A smooth random map R^n_in -> R^n_out."""
    W, b = rng.normal(size=(n_out, n_in)), rng.normal(size=n_out)
    return lambda x: np.tanh(W @ x + b) + 0.1 * (W @ x) ** 2


@grader(
    "4.5",
    hint="J v is the derivative of t ↦ f(x + t v) at t = 0: a one-variable derivative, which "
    "a central difference in t estimates from two calls of f.",
)
def _(answer, rng):
    for n_in, n_out in ((3, 2), (2, 4), (4, 4)):
        f = _random_map(rng, n_in, n_out)
        x, v = rng.normal(size=n_in), rng.normal(size=n_in) * 3
        calls = 0

        def counted(point, f=f):
            nonlocal calls
            calls += 1
            return f(np.asarray(point))

        got = np.asarray(call(answer, counted, x.copy(), v.copy()), dtype=float)
        J = dl.jacfwd(f)(x)
        want = J @ v
        if got.shape != want.shape:
            raise Wrong(
                f"for f from R^{n_in} to R^{n_out} your product has shape {got.shape}; J v "
                f"has one entry per output of f, ({n_out},)"
            )
        if np.allclose(got, want, rtol=1e-5, atol=1e-7):
            if calls > 3:
                raise Wrong(
                    f"the value is right, but your function called f {calls} times for an "
                    f"input of size {n_in}: two calls are enough, whatever the size"
                )
            continue
        if np.allclose(got, want / np.linalg.norm(v), rtol=1e-5, atol=1e-7):
            raise Wrong(
                "your product is J u for the unit vector u = v / |v|; J v keeps the length "
                "of v (it is linear in v)"
            )
        raise Wrong(f"your product is wrong for a random f from R^{n_in} to R^{n_out}")
