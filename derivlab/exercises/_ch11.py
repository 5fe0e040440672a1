"""Chapter 11 (regularisation): expected answers and the grader of the elastic-net prox."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import Wrong, exercise, grader
from ._mistakes import expected_with_mistakes


def _soft_threshold(z: Any, t: float) -> np.ndarray:
    return np.sign(z) * np.maximum(np.abs(z) - t, 0.0)


# ---- 11.1-11.3: values ----
@expected_with_mistakes(
    "11.1",
    hint="Move each value towards zero by t; anything that would cross zero stops at exactly 0.",
)
def _() -> tuple:
    z = np.array([-0.5, 0.2, 1.0])
    return tuple(_soft_threshold(z, 0.3)), [
        (tuple(z - 0.3 * np.sign(z)), "S(0.2) crossed zero; a value that would cross stops at 0"),
        (tuple(z + 0.3 * np.sign(z)), "the values moved away from zero; S_t shrinks towards it"),
        (tuple(np.maximum(np.abs(z) - 0.3, 0)), "S_t keeps the sign of z"),
    ]


@exercise(
    "11.2",
    hint="At w = 0 the data loss has gradient -Xᵀy / N; λ must be at least its largest entry "
    "in absolute value.",
)
def _(X: np.ndarray, y: np.ndarray) -> float:
    return np.abs(X.T @ y).max() / len(y)


@expected_with_mistakes(
    "11.3",
    hint="With a zero gradient Adam's part of the step is 0; each step multiplies the weight "
    "by 1 - ηλ.",
    rtol=1e-9,
)
def _() -> tuple:
    return (1 - 1e-3 * 0.1) ** 1000, [
        ((1 - 1e-3) ** 1000, "that decays by η per step; AdamW decays by ηλ"),
        ((1 - 0.1) ** 1000, "that decays by λ per step; AdamW decays by ηλ"),
        (1 - 1000 * 1e-4, "that subtracts 1000 decays of ηλ; each step multiplies the weight"),
    ]


# ---- 11.4: the proximal step of the elastic net ----
def _prox(z: np.ndarray, t1: float, t2: float) -> np.ndarray:
    """argmin_u ½(u − z)² + t1|u| + ½ t2 u², entry by entry."""
    return _soft_threshold(z, t1) / (1.0 + t2)


def _cases(rng: np.random.Generator) -> list:
    cases = []
    for shape, t1, t2 in [((9,), 0.3, 0.5), ((2, 4), 0.05, 2.0), ((6,), 1.0, 0.1)]:
        z = rng.uniform(-3 * t1 - 1, 3 * t1 + 1, shape)
        z.flat[0], z.flat[1] = t1, -0.5 * t1  # on and inside the threshold
        cases.append((z, t1, t2))
    return cases


@grader(
    "11.4",
    hint="set the derivative of ½(u − z)² + t₁|u| + ½t₂u² to zero for u > 0 and for u < 0, "
    "as the chapter did for soft-thresholding, and ask when no nonzero u works.",
)
def _(answer: Any, rng: np.random.Generator) -> None:
    for z, t1, t2 in _cases(rng):
        where = f" (t₁ = {t1}, t₂ = {t2})"
        try:
            got = answer(z.copy(), t1, t2)
        except Exception as error:  # the reader's code may fail in any way
            raise Wrong(f"your function raised {type(error).__name__}{where}: {error}") from None
        try:
            got = np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            raise Wrong("your function should return an array of numbers") from None
        if got.shape != z.shape:
            raise Wrong(f"your prox returned shape {got.shape} for z of shape {z.shape}")
        want = _prox(z, t1, t2)
        if np.array_equal(got == 0, want == 0) and np.allclose(got, want, rtol=1e-12, atol=0):
            continue
        if np.allclose(got, _soft_threshold(z, t1), rtol=1e-12, atol=0):
            raise Wrong(f"your prox is the lasso's soft-thresholding: it ignores t₂{where}")
        if np.allclose(got, z / (1 + t2), rtol=1e-12, atol=0):
            raise Wrong(f"your prox ignores t₁, so nothing becomes exactly zero{where}")
        inside = np.abs(z) <= t1
        if np.any(got[inside] != 0):
            raise Wrong(
                f"{int(np.sum(got[inside] != 0))} entries with |z| ≤ t₁ should be exactly 0.0"
                f"{where}"
            )
        if np.any(got[~inside] == 0):
            raise Wrong(f"entries with |z| > t₁ should not be zero{where}")
        raise Wrong(f"the nonzero entries are not the minimisers{where}")
