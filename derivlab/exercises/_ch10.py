"""Chapter 10 (optimizers): expected answers and the grader of the AMSGrad rule."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import optim
from . import Wrong, exercise, grader
from ._mistakes import expected_with_mistakes


# ---- 10.1-10.3: values ----
@exercise(
    "10.1",
    hint="After bias correction, m̂₁ = g₁ and v̂₁ = g₁², so the first step is -η g₁/|g₁| in "
    "each coordinate: only the sign of the gradient matters.",
    rtol=1e-8,
)
def _() -> np.ndarray:
    return optim.minimize(
        lambda x: x[0] ** 2 + 10 * x[1] ** 2,
        np.array([3.0, -2.0]),
        optim.Adam(lr=0.1),
        steps=1,
    ).x


@expected_with_mistakes(
    "10.2", hint="The velocity solves v = μv + g in the limit; the step is η v."
)
def _() -> tuple:
    return 0.01 * 1.0 / (1 - 0.9), [
        (0.01, "that is the first step, η g, before the velocity has built up"),
        (10.0, "that is the velocity v itself; the step is η v"),
    ]


@expected_with_mistakes(
    "10.3",
    hint="After t equal gradients, G = t g², so the step is η |g| / √(t g²).",
    rtol=1e-8,
)
def _() -> tuple:
    return 0.5 / np.sqrt(100), [
        (0.5 / 100, "AdaGrad divides by √G, the root of the summed squares, not by t"),
        (0.5, "that is the first step; G has grown by the 100th"),
    ]


# ---- 10.4: AMSGrad as a rule ----
B1, B2, EPS = 0.9, 0.999, 1e-8


def _rules() -> dict:
    """AMSGrad (PyTorch's form) and the likely mistakes, as rules (x, g, state, t, lr)."""

    def averages(g, s):
        s["m"] = B1 * s.get("m", 0.0) + (1 - B1) * g
        s["v"] = B2 * s.get("v", 0.0) + (1 - B2) * g * g
        return s["m"], s["v"]

    def amsgrad(x, g, s, t, lr):
        m, v = averages(g, s)
        s["v_max"] = np.maximum(s.get("v_max", 0.0), v)
        v_hat = s["v_max"] / (1 - B2**t)
        return x - lr * (m / (1 - B1**t)) / (np.sqrt(v_hat) + EPS)

    def adam(x, g, s, t, lr):
        m, v = averages(g, s)
        return x - lr * (m / (1 - B1**t)) / (np.sqrt(v / (1 - B2**t)) + EPS)

    def max_of_corrected(x, g, s, t, lr):
        m, v = averages(g, s)
        s["v_max"] = np.maximum(s.get("v_max", 0.0), v / (1 - B2**t))
        return x - lr * (m / (1 - B1**t)) / (np.sqrt(s["v_max"]) + EPS)

    def uncorrected(x, g, s, t, lr):
        m, v = averages(g, s)
        s["v_max"] = np.maximum(s.get("v_max", 0.0), v)
        return x - lr * m / (np.sqrt(s["v_max"]) + EPS)

    return {
        "right": amsgrad,
        "Adam's steps: the running maximum of v is not kept, or not used in the step": adam,
        "you keep the maximum of the corrected v̂; keep the maximum of v itself, and "
        "correct it with 1 − β₂ᵗ at every step": max_of_corrected,
        "the first step is not η in size: the bias corrections are missing": uncorrected,
    }


def _gradients(rng: np.random.Generator, steps: int, n: int) -> np.ndarray:
    """Large gradients first, then small ones with a burst: v forgets, v_max must not."""
    scale = np.geomspace(1.0, 0.01, steps)
    scale[steps // 2] = 3.0
    return scale[:, None] * rng.standard_normal((steps, n))


def _run(rule: Any, x0: np.ndarray, gs: np.ndarray, lr: float) -> list:
    x, state, path = x0.copy(), {}, []
    for t, g in enumerate(gs, start=1):
        x = np.asarray(rule(x.copy(), g.copy(), state, t, lr=lr), dtype=float)
        path.append(x)
    return path


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.allclose(a, b, rtol=1e-10, atol=1e-12))


@grader(
    "10.4",
    hint="keep v_max, the running maximum of v, in state; divide by √(v_max / (1 − β₂ᵗ)) "
    "where Adam divides by √v̂.",
)
def _(answer: Any, rng: np.random.Generator) -> None:
    for lr, n in [(0.01, 3), (0.05, 1)]:
        x0, gs = rng.standard_normal(n), _gradients(rng, 60, n)
        try:
            got = _run(answer, x0, gs, lr)
        except Exception as error:  # the reader's code may fail in any way
            raise Wrong(
                f"your rule raised {type(error).__name__} (called as "
                f"rule(x, g, state, t, lr={lr})): {error}"
            ) from None
        if got[0].shape != x0.shape:
            raise Wrong(f"your rule returned shape {got[0].shape} for a point of shape {x0.shape}")
        paths = {why: _run(rule, x0, gs, lr) for why, rule in _rules().items()}
        want = paths.pop("right")
        wrong = [k for k, (a, b) in enumerate(zip(got, want, strict=True)) if not _close(a, b)]
        if not wrong:
            continue
        if lr != 0.01:
            paths["your rule does not use its lr argument"] = _run(
                lambda x, g, s, t, lr: _rules()["right"](x, g, s, t, 0.01), x0, gs, lr
            )
        for why, path in paths.items():
            if all(_close(a, b) for a, b in zip(got, path, strict=True)):
                raise Wrong(why)
        raise Wrong(f"the point after step {wrong[0] + 1} is not AMSGrad's (lr = {lr})")
