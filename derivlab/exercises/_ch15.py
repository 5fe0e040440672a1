"""Chapter 15's exercises: transformers."""

import numpy as np

import derivlab as dl

from . import Wrong, call, exercise, grader


@exercise(
    "15.1",
    rtol=1e-10,
    hint="Use ∂p_i/∂z_j = p_i (δ_ij - p_j): one entry is off the diagonal (negative), the "
    "other on it.",
)
def _():
    J = dl.jacfwd(dl.nn.softmax)(np.log(np.array([1.0, 2.0, 3.0])))
    return (J[0, 2], J[2, 2])


@exercise(
    "15.2",
    atol=1e-12,
    hint="The backward pass removes from γ ⊙ ȳ its mean and its component along x̂. What is "
    "left of a constant vector, and of x̂ itself?",
)
def _(x):
    def norm(v):
        return dl.nn.layer_norm(v, x.shape, eps=0.0)

    _, pull = dl.vjp(norm, x)
    return (pull(np.full(x.shape, 3.0))[0], pull(norm(x))[0])


def _rms_norm(x, gamma, eps=1e-5):
    r = np.sqrt(np.mean(x**2, axis=-1, keepdims=True) + eps)
    return gamma * x / r


@grader(
    "15.3",
    hint="Write ∂r/∂x_j first, then collect the two ways x_j reaches y_i: directly through "
    "x_i/r (only when i = j) and through r (for every i).",
)
def _(answer, rng):
    for shape in [(2, 5), (3,), (1, 4, 6)]:
        x = rng.normal(0.5, 1.0, shape)
        gamma = rng.normal(1.0, 0.3, shape[-1])
        y_bar = rng.standard_normal(shape)
        _, pull = dl.vjp(lambda x, gamma=gamma: _rms_norm(x, gamma), x)
        want = pull(y_bar)[0]
        got = np.asarray(call(answer, x, gamma, y_bar), dtype=float)
        if got.shape != x.shape:
            raise Wrong(f"for x of shape {x.shape} your x̄ has shape {got.shape}")
        if np.allclose(got, want, rtol=1e-10, atol=1e-12):
            continue
        r = np.sqrt(np.mean(x**2, axis=-1, keepdims=True) + 1e-5)
        if np.allclose(got, gamma * y_bar / r):
            raise Wrong(
                "your x̄ treats r as a constant; but r depends on every entry of the row, so "
                "each x_j also receives a term through r"
            )
        raise Wrong(f"for x of shape {x.shape} your x̄ is not right")


@exercise(
    "15.4",
    hint="QKᵀ is (L × d)(d × L) and AV is (L × L)(L × d); each costs 2mkn.",
)
def _():
    ones = np.ones((1024, 64))
    return dl.cost(lambda Q, K, V: (Q @ K.T) @ V, ones, ones, ones).flops
