"""Chapter 9 (backpropagation): expected answers and the grader of a linear layer's backward."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import nn
from .._api import grad, vjp
from ..data import xor
from . import Wrong, exercise, grader
from ._mistakes import expected_with_mistakes


# ---- 9.1-9.4: values ----
@exercise(
    "9.1",
    hint="Δ₁ has the shape of Z₁ (one row per example, one column per hidden unit); a "
    "gradient has the shape of its parameter, W₁ being (out, in).",
)
def _() -> tuple:
    return ((7, 5), (5, 3))


@exercise(
    "9.2",
    hint="Δ₂ = (p̂ - y)/N as before; Δ₁ = (Δ₂ W₂) ⊙ (1 - H²) with H = tanh(Z₁); then "
    "∂L/∂W₁ = Δ₁ᵀ X.",
    rtol=1e-10,
)
def _(params: dict) -> np.ndarray:
    X, y = xor()
    Y = y[:, None].astype(float)

    def loss_tanh(params):
        H = np.tanh(X @ params["W1"].T + params["b1"])
        z2 = H @ params["W2"].T + params["b2"]
        return nn.binary_cross_entropy_with_logits(z2, Y)

    return grad(loss_tanh)(params)["W1"]


@expected_with_mistakes("9.3", hint="Set n s² · 1/2 = 1 and solve for s (not s²).")
def _() -> tuple:
    return np.sqrt(2 / 128), [
        (2 / 128, "that is s², the variance; the question asks for the standard deviation s"),
        (np.sqrt(1 / 128), "that solves n s² = 1: ReLU's mean of φ'² = 1/2 is missing"),
    ]


@exercise("9.4", hint="Find the smallest k with (1/4)^k < 1e-6; logarithms help.")
def _() -> int:
    return 10


# ---- 9.5: the backward pass of a linear layer ----
_SHAPES = [(5, 3, 4), (1, 2, 6), (8, 4, 4)]  # (N, in, out); the last one square


def _reference(X: np.ndarray, W: np.ndarray, b: np.ndarray, G: np.ndarray) -> tuple:
    _, pullback = vjp(lambda X, W, b: X @ W.T + b, X, W, b)
    return pullback(G)


def _check_part(name: str, got: Any, want: np.ndarray, like: str, N: int) -> None:
    try:
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        raise Wrong(f"{name} is not an array of numbers") from None
    if got.shape != want.shape:
        raise Wrong(f"{name} should have the shape of {like}, {want.shape}, got shape {got.shape}")
    if np.allclose(got, want, rtol=1e-10, atol=1e-12):
        return
    if N > 1 and np.allclose(got * N, want, rtol=1e-10, atol=1e-12):
        raise Wrong(
            f"{name} is 1/N of the right value: the cotangent G already holds the loss's "
            "1/N, so the batch is summed, not averaged"
        )
    raise Wrong(f"{name} has the right shape but wrong values")


@grader(
    "9.5",
    hint="each cotangent has the shape of what it belongs to; the weight gradient sums an "
    "outer product per example, and the cotangent of X goes back through W.",
)
def _(answer: Any, rng: np.random.Generator) -> None:
    for N, n_in, n_out in _SHAPES:
        X = rng.standard_normal((N, n_in))
        W = rng.standard_normal((n_out, n_in))
        b = rng.standard_normal(n_out)
        G = rng.standard_normal((N, n_out))  # ∂L/∂Z for Z = X Wᵀ + b
        try:
            result = answer(X.copy(), W.copy(), G.copy())
        except Exception as error:  # the reader's code may fail in any way
            raise Wrong(
                f"your function raised {type(error).__name__} for N = {N}, in = {n_in}, "
                f"out = {n_out}: {error}"
            ) from None
        if not isinstance(result, (tuple, list)) or len(result) != 3:
            raise Wrong("return the three cotangents as a tuple (dX, dW, db)")
        dX, dW, db = _reference(X, W, b, G)
        shape = f" (N = {N}, in = {n_in}, out = {n_out})"
        _check_part("dX" + shape, result[0], dX, "X", N)
        _check_part("dW" + shape, result[1], dW, "W", N)
        _check_part("db" + shape, result[2], db, "b", N)
