"""Chapter 8 (forward and reverse mode): expected answers and the grader of the dual JVP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._api import jacfwd, jvp, vjp
from . import Wrong, exercise, grader


# ---- 8.1-8.3: values ----
@exercise("8.1", hint="expand (2 + ε)(2 + ε)(2 + ε) and drop every term with ε² or ε³.")
def _() -> tuple:
    return jvp(lambda x: x**3, (2.0,), (1.0,))


@exercise("8.2", hint="a tangent goes from input space to output space, a cotangent back.")
def _() -> dict:
    rng = np.random.default_rng(2)
    M = rng.standard_normal((3, 5))
    x = rng.standard_normal(5)

    def f(x):  # R⁵ → R³
        return np.sin(M @ x)

    _, out = jvp(f, (x,), (np.ones(5),))
    y, back = vjp(f, x)
    return {
        "tangent in": np.shape(x),
        "tangent out": np.shape(out),
        "cotangent in": np.shape(y),
        "cotangent out": np.shape(back(np.ones_like(y))[0]),
    }


@exercise("8.3", hint="a unit tangent e_j picks out column j, a unit cotangent e_i row i.")
def _(g: Callable, x: np.ndarray) -> tuple:
    J = jacfwd(g)(x)
    return (J[:, 2], J[0, :])


# ---- 8.4: a JVP with dual numbers ----
# Test functions built from +, *, sin and exp only (what the chapter's Dual knows), written
# on the entries of x so that they run on floats, on derivlab's boxes and on Duals alike.
def _f_a(x: Any) -> list:
    return [np.sin(x[0]) * x[1] + x[2], np.exp(x[1] * x[2]) + 3.0 * x[0] * x[0]]


def _f_b(x: Any) -> list:
    return [x[0] * x[1] * x[2] * x[3], np.sin(np.exp(x[0]) + x[3]), 0.5 * x[1] + x[2] * x[2]]


def _f_c(x: Any) -> list:
    return [np.exp(np.sin(x[0]) * x[1])]


_TESTS = [(_f_a, 3), (_f_b, 4), (_f_c, 2)]


def _tangent(f: Callable, x: np.ndarray, v: np.ndarray) -> np.ndarray:
    """J v by derivlab's forward mode, one output at a time."""
    m = len(f(x))
    return np.array([jvp(lambda x, i=i: f(x)[i], (x,), (v,))[1] for i in range(m)])


def _as_floats(result: Any, m: int) -> np.ndarray:
    try:
        got = np.asarray(result, dtype=float)
    except (TypeError, ValueError):
        raise Wrong(
            f"your function returned {type(result).__name__} that is not a list of numbers; "
            "return the ε parts (floats), not the Dual numbers"
        ) from None
    if got.shape != (m,):
        raise Wrong(f"expected one tangent entry per output, shape ({m},), got shape {got.shape}")
    return got


@grader(
    "8.4",
    hint="seed every input with its own tangent, x_i + v_i ε, run f once, and read the ε "
    "part of every output.",
)
def _(answer: Any, rng: np.random.Generator) -> None:
    for f, n in _TESTS:
        x, v = rng.uniform(-1.5, 1.5, n), rng.uniform(-2.0, 2.0, n)
        m = len(f(x))
        try:
            result = answer(f, x.copy(), v.copy())
        except Exception as error:  # the reader's code may fail in any way
            raise Wrong(
                f"your function raised {type(error).__name__} on a function of {n} inputs: {error}"
            ) from None
        got = _as_floats(result, m)
        want = _tangent(f, x, v)
        if np.allclose(got, want, rtol=1e-10, atol=1e-12):
            continue
        shown = f"at x = {np.round(x, 3)}, v = {np.round(v, 3)}"
        if np.allclose(got, np.array(f(x), dtype=float)):
            raise Wrong(f"you returned the real parts, f(x) itself, {shown}, not the tangent")
        if np.allclose(got, _tangent(f, x, np.ones(n))):
            raise Wrong(f"your tangent is J·(1, …, 1) {shown}: the tangent v is not used")
        if np.allclose(got, _tangent(f, x, v * (np.arange(n) == 0))):
            raise Wrong(f"only the first input carries its tangent {shown}")
        raise Wrong(f"the tangent J v is not right {shown}")
