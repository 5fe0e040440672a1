"""Chapter 13's exercises: convolutional networks."""

import numpy as np

import derivlab as dl

from . import Wrong, arrays, call, exercise, grader

nn = dl.nn


@exercise(
    "13.1",
    hint="Padding adds p on each side; the kernel fits at positions 0, s, 2s, … up to the "
    "padded length minus K; pooling halves, rounding down.",
)
def _():
    out = nn.conv2d(np.zeros((1, 1, 28, 28)), np.zeros((1, 1, 3, 3)), stride=2, padding=1)
    return (out.shape[-1], nn.max_pool2d(out, 2).shape[-1])


def _conv(x, w):
    return nn.conv1d(x[None, None], w[None, None])[0, 0]


@grader(
    "13.2",
    hint="x̄ needs ȳ padded so that every x_j meets every weight that touched it, and the "
    "kernel in the other order; w̄ slides ȳ along x.",
)
def _(answer, rng):
    for n, m in [(8, 3), (11, 4), (6, 1), (9, 5)]:
        x, w, y_bar = rng.standard_normal(n), rng.standard_normal(m), rng.standard_normal(n - m + 1)
        want_x, want_w = dl.vjp(_conv, x, w)[1](y_bar)
        got_x, got_w = arrays(call(answer, x, w, y_bar), "(x_bar, w_bar)")
        if got_x.shape != (n,) or got_w.shape != (m,):
            raise Wrong(
                f"for L = {n}, K = {m} x̄ must have length {n} and w̄ length {m}; yours have "
                f"shapes {got_x.shape} and {got_w.shape}"
            )
        x_ok = np.allclose(got_x, want_x, rtol=1e-10, atol=1e-12)
        w_ok = np.allclose(got_w, want_w, rtol=1e-10, atol=1e-12)
        if not x_ok and not w_ok:
            raise Wrong(f"for L = {n}, K = {m} both x̄ and w̄ are wrong")
        if not x_ok:
            unflipped = m > 1 and np.allclose(got_x, _conv(np.pad(y_bar, m - 1), w))
            extra = " (the kernel needs reversing)" if unflipped else ""
            raise Wrong(
                f"for L = {n}, K = {m} w̄ is right but x̄ is not{extra}: check the padding and "
                "the order of the kernel"
            )
        if not w_ok:
            raise Wrong(
                f"for L = {n}, K = {m} x̄ is right but w̄ is not: check which array plays the kernel"
            )


@exercise(
    "13.3",
    hint="Each 2 × 2 window passes its whole ȳ to its largest entry and 0 to the other three; "
    "the answer has exactly four nonzero entries.",
)
def _(x, y_bar):
    return dl.vjp(lambda a: nn.max_pool2d(a[None, None], 2)[0, 0], x)[1](y_bar)[0]


@exercise(
    "13.4",
    hint="im2col makes a matrix with one row per output pixel and one column per (input "
    "channel, kernel position); the backward pass needs one product of the same size per "
    "argument.",
)
def _():
    x, w = np.zeros((1, 3, 32, 32)), np.zeros((16, 3, 3, 3))

    def layer(x, w):
        return np.sum(nn.conv2d(x, w, padding=1))

    forward = dl.cost(layer, x, w).flops_by_primitive["matmul"]
    both = dl.cost(dl.value_and_grad(layer, argnums=(0, 1)), x, w).flops_by_primitive["matmul"]
    return (forward, both)
