"""Chapter 20, meta-learning: the expected answers and graders of its exercises.

The graders rebuild the chapter's network (1 input, two tanh layers, 1 output; parameters in a
dict ``W1, b1, W2, b2, W3, b3`` with biases as rows) at a small width, draw a sine-wave task,
and compare the reader's outer gradient with the one computed here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from derivlab._api import grad, hvp

from . import Wrong, exercise, grader, slips

# ---- the chapter's model, at a small width ----


def _net(params: dict, x: Any) -> Any:
    h = np.tanh(x @ params["W1"] + params["b1"])
    h = np.tanh(h @ params["W2"] + params["b2"])
    return h @ params["W3"] + params["b3"]


def _mse(params: dict, x: Any, y: Any) -> Any:
    return np.mean((_net(params, x) - y) ** 2)


def _step(params: dict, g: dict, alpha: float) -> dict:
    return {k: params[k] - alpha * g[k] for k in params}


def _adapt(params: dict, x_s: Any, y_s: Any, alpha: float) -> dict:
    return _step(params, grad(_mse)(params, x_s, y_s), alpha)


def _maml_loss(params: dict, x_s: Any, y_s: Any, x_q: Any, y_q: Any, alpha: float) -> Any:
    return _mse(_adapt(params, x_s, y_s, alpha), x_q, y_q)


def _case(rng: np.random.Generator, hidden: int = 6, k: int = 8) -> tuple:
    params = {
        "W1": rng.standard_normal((1, hidden)),
        "b1": 0.1 * rng.standard_normal((1, hidden)),
        "W2": rng.standard_normal((hidden, hidden)) / np.sqrt(hidden),
        "b2": 0.1 * rng.standard_normal((1, hidden)),
        "W3": rng.standard_normal((hidden, 1)) / np.sqrt(hidden),
        "b3": 0.1 * rng.standard_normal((1, 1)),
    }
    amplitude, phase = rng.uniform(0.1, 5.0), rng.uniform(0.0, np.pi)
    x = rng.uniform(-5.0, 5.0, size=(2 * k, 1))
    y = amplitude * np.sin(x + phase)
    alpha = float(rng.uniform(0.02, 0.08))
    return params, x[:k], y[:k], x[k:], y[k:], alpha


# ---- comparing gradients given as dicts ----


def _as_gradient(got: Any, params: dict) -> dict:
    if not isinstance(got, dict) or set(got) != set(params):
        raise Wrong(
            "return a dict with the same keys as params (W1, b1, W2, b2, W3, b3), one "
            f"gradient array per parameter; got {type(got).__name__}"
            + (f" with keys {sorted(got)}" if isinstance(got, dict) else "")
        )
    out = {}
    for k, v in params.items():
        try:
            a = np.asarray(got[k], dtype=float)
        except (TypeError, ValueError):
            raise Wrong(f"the entry {k!r} is not an array of numbers") from None
        if a.shape != v.shape:
            raise Wrong(f"the entry {k!r} has shape {a.shape}, but params[{k!r}] has {v.shape}")
        out[k] = a
    return out


def _same(a: dict, b: dict) -> bool:
    scale = max(float(np.abs(v).max()) for v in b.values()) or 1.0
    return all(np.allclose(a[k], b[k], rtol=1e-8, atol=1e-10 * scale) for k in b)


def _gap(a: dict, b: dict) -> float:
    num = np.sqrt(sum(float(np.sum((a[k] - b[k]) ** 2)) for k in b))
    den = np.sqrt(sum(float(np.sum(b[k] ** 2)) for k in b)) or 1.0
    return num / den


def _call(answer: Callable, case: tuple) -> Any:
    if not callable(answer):
        raise Wrong(
            f"the answer should be your function itself (answer = my_function), got "
            f"{type(answer).__name__}"
        )
    try:
        value = answer(*case)
    except Wrong:
        raise
    except Exception as error:  # the reader's code failed: say how, on what input
        raise Wrong(
            f"your function raised {type(error).__name__}: {error} (called with a random "
            "network's params, a task's x_s, y_s, x_q, y_q of shape (8, 1), and alpha)"
        ) from None
    if value is None or value is Ellipsis:
        raise Wrong(f"your function returned {value!r}: its `return` is missing")
    return value


def _outer_gradients(case: tuple) -> dict[str, dict]:
    """The right answers and the likeliest wrong ones, by name."""
    params, x_s, y_s, x_q, y_q, alpha = case
    adapted = _adapt(params, x_s, y_s, alpha)
    g_q = grad(_mse)(adapted, x_q, y_q)  # ∇L_Q(θ')
    h_s = hvp(lambda p: _mse(p, x_s, y_s), params, g_q)  # H_S(θ) ∇L_Q(θ')
    h_at_adapted = hvp(lambda p: _mse(p, x_s, y_s), adapted, g_q)
    h_q = hvp(lambda p: _mse(p, x_q, y_q), params, g_q)
    uphill = _step(params, grad(_mse)(params, x_s, y_s), -alpha)
    chapter_alpha = _adapt(params, x_s, y_s, 0.01)  # the chapter's α, not the argument
    return {
        "first order": g_q,
        "full": grad(_maml_loss)(*case),
        "at theta": grad(_mse)(params, x_q, y_q),
        "support at theta": grad(_mse)(params, x_s, y_s),
        "support at adapted": grad(_mse)(adapted, x_s, y_s),
        "uphill": grad(_mse)(uphill, x_q, y_q),
        "chapter alpha": grad(_mse)(chapter_alpha, x_q, y_q),
        "plus": _step(g_q, h_s, -alpha),
        "hessian at adapted": _step(g_q, h_at_adapted, alpha),
        "query hessian": _step(g_q, h_q, alpha),
    }


_DIAGNOSES = {
    "full": "that is the full (second-order) MAML gradient, through the inner step; the "
    "first-order one treats the adapted weights θ' as if they did not depend on θ",
    "first order": "that is the first-order gradient ∇L_Q(θ'): the Hessian term is missing",
    "at theta": "that is the query gradient at θ itself; the outer gradient is taken after "
    "adapting, at θ'",
    "support at theta": "that is the support loss's gradient; the outer loss is the query loss",
    "support at adapted": "that is the support loss's gradient at θ'; the outer loss is the query "
    "loss",
    "uphill": "the inner step went uphill: θ' = θ - α ∇L_S(θ)",
    "chapter alpha": "the inner step used the chapter's α = 0.01, not the argument alpha "
    "(pass it on: adapt(params, x_s, y_s, alpha))",
    "plus": "the Hessian term has the wrong sign: the Jacobian of θ' = θ - α∇L_S(θ) is I - α H_S",
    "hessian at adapted": "the Hessian is taken at θ'; the Jacobian of the inner step is "
    "taken where the step starts, at θ",
    "query hessian": "that Hessian is the query loss's; the Jacobian of the inner step "
    "involves the support loss",
}


def _grade(answer: Any, rng: np.random.Generator, right: str, what: str) -> None:
    for _ in range(3):
        case = _case(rng)
        got = _as_gradient(_call(answer, case), case[0])
        candidates = _outer_gradients(case)
        if _same(got, candidates[right]):
            continue
        for name, value in candidates.items():
            if name != right and _same(got, value):
                raise Wrong(_DIAGNOSES[name])
        raise Wrong(
            f"on a random network and task your gradient differs from {what} by "
            f"{_gap(got, candidates[right]):.1e} relative to its size"
        )


@grader(
    "20.1",
    hint="First order treats the adapted weights θ' as if they were the parameters: which "
    "loss is differentiated, at which point, and with which α was θ' made?",
)
def _(answer: Any, rng: np.random.Generator) -> None:
    _grade(answer, rng, "first order", "the first-order MAML gradient")


@grader(
    "20.2",
    hint="Follow the chain rule through θ' = θ - α∇L_S(θ): the Jacobian of that step, "
    "transposed, multiplies ∇L_Q(θ'). Which loss's Hessian is that, and at which point?",
)
def _(answer: Any, rng: np.random.Generator) -> None:
    _grade(answer, rng, "full", "the gradient of L_Q(θ') with respect to θ")


# ---- a one-parameter task: L_S = a/2 (θ - s)², L_Q = b/2 (θ - q)² ----
_A, _S, _B, _Q, _ALPHA = 2.0, 1.0, 1.0, 3.0, 0.1


def _scalar_maml(alpha: float) -> tuple[float, float]:
    def adapted(theta: Any) -> Any:
        return theta - alpha * _A * (theta - _S)

    def outer(theta: Any) -> Any:
        return 0.5 * _B * (adapted(theta) - _Q) ** 2

    full = float(grad(outer)(0.0))
    first = float(grad(lambda t: 0.5 * _B * (t - _Q) ** 2)(adapted(0.0)))
    return full, first


@grader(
    "20.3",
    hint="Write θ' as a function of θ first. First order evaluates L_Q' at θ'; the full "
    "gradient is the chain rule through θ'(θ).",
)
def _(answer: Any, rng: np.random.Generator) -> None:
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        raise Wrong("give a pair (full, first_order) of two numbers")
    try:
        got = [float(v) for v in answer]
    except (TypeError, ValueError):
        raise Wrong("both entries of the pair should be numbers") from None
    full, first = _scalar_maml(_ALPHA)
    ok = [np.isclose(got[0], full, rtol=1e-9), np.isclose(got[1], first, rtol=1e-9)]
    if all(ok):
        return
    if np.isclose(got[0], first, rtol=1e-9) and np.isclose(got[1], full, rtol=1e-9):
        raise Wrong("the two numbers are in the wrong order: (full, first_order)")
    if ok[1] and np.isclose(got[0], first * (1 + _ALPHA * _A), rtol=1e-9):
        raise Wrong("the first-order value is right; the full one has the wrong dθ'/dθ sign")
    if not ok[1] and np.isclose(got[1], _B * (0.0 - _Q), rtol=1e-9):
        raise Wrong("your first-order value is L_Q'(θ) at θ = 0; take it at the adapted θ'")
    uphill = _B * (0.0 + _ALPHA * _A * (0.0 - _S) - _Q)  # θ' = θ + α L_S'(θ)
    if not ok[1] and np.isclose(got[1], uphill, rtol=1e-9):
        raise Wrong("your inner step went uphill: θ' = θ - α L_S'(θ), and L_S'(0) is negative")
    if ok[1] and np.isclose(got[0], first * (1 - _ALPHA), rtol=1e-9):
        raise Wrong("the first-order value is right; in dθ'/dθ the support curvature a is lost")
    which = (
        "both values are wrong"
        if not any(ok)
        else ("the full value is wrong" if ok[1] else "the first-order value is wrong")
    )
    raise Wrong(which)


@exercise(
    "20.4",
    hint="The full gradient is dθ'/dθ times L_Q'(θ'). Which factor can vanish for every θ?",
    rtol=1e-9,
)
def _() -> float:
    return 1.0 / _A  # α = 1/a: the inner step is Newton's, landing on s from anywhere


@slips("20.4")
def _() -> dict[str, float]:
    return {
        "that step size uses the query loss's curvature b; θ' is made by a step on the "
        "support loss, so dθ'/dθ involves a": 1.0 / _B,
        "with α = 0 there is no inner step: θ' = θ, and L_Q'(θ) is zero only at θ = q": 0.0,
        "that is the support curvature a itself; the factor dθ'/dθ = 1 - αa is not zero there": _A,
    }
