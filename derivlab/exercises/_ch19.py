"""Chapter 19's exercises: implicit differentiation."""

import numpy as np

import derivlab as dl

from . import Wrong, arrays, call, exercise, grader


@exercise(
    "19.1",
    hint="With F(z, a) = z - a z - θ: ∂F/∂z = 1 - a and ∂F/∂a = -z. Evaluate at the fixed "
    "point z*, not at z = 0.",
)
def _():
    return dl.grad(lambda a: 1.0 / (1 - a))(0.5)  # z* = θ / (1 − a) with θ = 1


@grader(
    "19.2",
    hint="Start from F = Mx - c: which linear system does c̄ solve, and how does changing one "
    "entry M_ij move F?",
)
def _(answer, rng):
    for size in (2, 3, 5):
        M = rng.standard_normal((size, size)) + size * np.eye(size)
        x, x_bar = rng.standard_normal(size), rng.standard_normal(size)
        want_M, want_c = dl.vjp(np.linalg.solve, M, M @ x)[1](x_bar)
        got_M, got_c = arrays(call(answer, M, x, x_bar), "(M_bar, c_bar)")
        if got_M.shape != M.shape or got_c.shape != x.shape:
            raise Wrong(
                f"M_bar must have M's shape {M.shape} and c_bar length {size}; yours have "
                f"shapes {got_M.shape} and {got_c.shape}"
            )
        close = lambda a, b: np.allclose(a, b, rtol=1e-10, atol=1e-12)  # noqa: E731
        if not close(got_c, want_c):
            if close(got_c, np.linalg.solve(M, x_bar)):
                raise Wrong(
                    "your c̄ solves the system with M; a VJP pulls the cotangent back through "
                    "the transpose of the Jacobian, and M is not symmetric"
                )
            raise Wrong("c̄ is not right")
        if not close(got_M, want_M):
            if close(got_M, -want_M):
                raise Wrong("c̄ is right, but M̄ has the wrong sign")
            if close(got_M.T, want_M):
                raise Wrong("c̄ is right, but M̄ is transposed")
            raise Wrong("c̄ is right, but M̄ is not")


@exercise(
    "19.3",
    rtol=1e-10,
    hint="dw*/dλ = -(A + λI)⁻¹ w*: first w*, then divide each entry by A_jj + λ once more, "
    "with a minus sign.",
)
def _():
    A, b = np.diag([1.0, 4.0]), np.array([2.0, 4.0])
    return dl.jacfwd(lambda lam: np.linalg.solve(A + lam * np.eye(2), b))(1.0)


@exercise(
    "19.4",
    hint="The growth is linear in K, and only the steps beyond K = 200 add to it.",
)
def _(f, lam):
    tape = {K: dl.cost(dl.grad(f), lam, K).tape_bytes for K in (200, 1000)}
    return tape[1000] - tape[200]
