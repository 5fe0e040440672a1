"""Chapter 14's exercises: recurrent networks."""

import numpy as np

import derivlab as dl

from . import Wrong, arrays, call, exercise, grader


@exercise(
    "14.1",
    hint="An orthogonal Q keeps lengths, so each step back multiplies the norm by exactly 0.9; "
    "find the smallest k with 0.9^k < 1e-3.",
)
def _():
    k = 1
    while 0.9**k >= 1e-3:
        k += 1
    return k


_ALPHA = 0.25


def _leaky_step(x, h, W_ih, W_hh):
    return (1 - _ALPHA) * h + _ALPHA * np.tanh(x @ W_ih.T + h @ W_hh.T)


@grader(
    "14.2",
    hint="h reaches h' by two paths: the leak (1 - α)h and the product h W_hhᵀ inside tanh; "
    "h_bar sums both. The tanh path carries α and tanh', and W_hh_bar is (cotangent of the "
    "pre-activation)ᵀ times what W_hh multiplied.",
)
def _(answer, rng):
    for n, d, hidden in [(3, 2, 4), (1, 3, 2), (5, 1, 3)]:
        x, h = rng.standard_normal((n, d)), rng.standard_normal((n, hidden))
        W_ih, W_hh = rng.standard_normal((hidden, d)), rng.standard_normal((hidden, hidden))
        h_next_bar = rng.standard_normal((n, hidden))
        step = lambda h, W, x=x, W_ih=W_ih: _leaky_step(x, h, W_ih, W)  # noqa: E731
        _, pull = dl.vjp(step, h, W_hh)
        want_h, want_W = pull(h_next_bar)
        got = call(answer, x, h, W_ih, W_hh, h_next_bar)
        got_h, got_W = arrays(got, "(h_bar, W_hh_bar)")
        if got_h.shape != h.shape or got_W.shape != W_hh.shape:
            raise Wrong(
                f"h_bar must have the shape of h {h.shape} and W_hh_bar that of W_hh "
                f"{W_hh.shape}; yours are {got_h.shape} and {got_W.shape}"
            )
        close = lambda a, b: np.allclose(a, b, rtol=1e-10, atol=1e-12)  # noqa: E731
        if not close(got_h, want_h):
            if close(got_h, want_h - (1 - _ALPHA) * h_next_bar):
                raise Wrong("h_bar misses the leak path, (1 - α) times the cotangent")
            raise Wrong("h_bar is not right")
        if not close(got_W, want_W):
            if hidden > 1 and close(got_W.T, want_W):
                raise Wrong("h_bar is right, but W_hh_bar is transposed")
            raise Wrong("h_bar is right, but W_hh_bar is not")


@exercise(
    "14.3",
    rtol=1e-6,
    hint="First the gate: f¹⁰⁰ = 0.1. Then undo the sigmoid: σ(b) = f means b = log(f / (1 - f)).",
)
def _():
    f = 0.1 ** (1 / 100)
    return np.log(f) - np.log1p(-f)


@exercise(
    "14.4",
    rtol=1e-5,
    hint="The norm is taken over all the parameters together, √(3² + 4²), not over each one "
    "on its own.",
)
def _():
    return 3.0 * min(1.0, 1.0 / (np.hypot(3.0, 4.0) + 1e-6))
