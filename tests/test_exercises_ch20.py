"""Chapter 20's exercise bank: right outer gradients pass, the likeliest slips are named."""

import numpy as np
import pytest

import derivlab as dl
from derivlab.exercises import check


# ---- the chapter's network, as a reader would have it ----
def _mse(params, x, y):
    h = np.tanh(x @ params["W1"] + params["b1"])
    h = np.tanh(h @ params["W2"] + params["b2"])
    return np.mean((h @ params["W3"] + params["b3"] - y) ** 2)


def _adapt(params, x_s, y_s, alpha=0.01):
    g = dl.grad(_mse)(params, x_s, y_s)
    return {k: params[k] - alpha * g[k] for k in params}


def _first_order(params, x_s, y_s, x_q, y_q, alpha):
    return dl.grad(_mse)(_adapt(params, x_s, y_s, alpha), x_q, y_q)


def _full(params, x_s, y_s, x_q, y_q, alpha):
    return dl.grad(lambda p: _mse(_adapt(p, x_s, y_s, alpha), x_q, y_q))(params)


def _with_hessian(loss_on, at, sign):
    """g ∓ α·H·g with the Hessian of the support or query loss at θ or θ'."""

    def answer(params, x_s, y_s, x_q, y_q, alpha):
        g = _first_order(params, x_s, y_s, x_q, y_q, alpha)
        data = (x_s, y_s) if loss_on == "support" else (x_q, y_q)
        point = params if at == "theta" else _adapt(params, x_s, y_s, alpha)
        hg = dl.hvp(lambda p: _mse(p, *data), point, g)
        return {k: g[k] - sign * alpha * hg[k] for k in g}

    return answer


def _forgets_return(params, x_s, y_s, x_q, y_q, alpha):
    g = _first_order(params, x_s, y_s, x_q, y_q, alpha)  # noqa: F841 (computed, not returned)


def test_right_answers_pass():
    assert check("20.1", _first_order).passed is True
    assert check("20.2", _full).passed is True
    assert check("20.2", _with_hessian("support", "theta", 1)).passed is True
    assert check("20.3", (-2.24, -2.8)).passed is True
    assert check("20.4", 0.5).passed is True


@pytest.mark.parametrize(
    ("exercise", "answer", "reason"),
    [
        ("20.1", _full, "full (second-order)"),
        ("20.1", lambda p, xs, ys, xq, yq, a: dl.grad(_mse)(p, xq, yq), "at θ itself"),
        ("20.1", lambda p, xs, ys, xq, yq, a: _first_order(p, xs, ys, xq, yq, 0.01), "α = 0.01"),
        ("20.1", lambda *args: 3.0, "a dict"),
        ("20.1", lambda p, *args: {k: v.ravel() for k, v in p.items()}, "shape"),
        ("20.1", lambda *args: 1 / 0, "ZeroDivisionError"),
        ("20.2", _first_order, "Hessian term is missing"),
        ("20.2", _with_hessian("support", "theta", -1), "wrong sign"),
        ("20.2", _with_hessian("support", "adapted", 1), "taken at θ'"),
        ("20.2", _with_hessian("query", "theta", 1), "query loss's"),
        ("20.3", (-2.8, -2.24), "wrong order"),
        ("20.3", (-2.24, -3.0), "at θ = 0"),
        ("20.3", 2.0, "pair"),
        ("20.3", (-2.52, -2.8), "curvature a is lost"),
        ("20.3", (-2.56, -3.2), "uphill"),
        ("20.4", 1.0, "query loss's curvature"),
        ("20.4", 0.0, "no inner step"),
        ("20.4", 2.0, "support curvature a itself"),
        ("20.1", _forgets_return, "`return` is missing"),
    ],
)
def test_likeliest_slips_are_named(exercise, answer, reason):
    result = check(exercise, answer)
    assert result.passed is False
    assert reason in result.reason
    assert "2.24" not in str(result) and "2.8" not in str(result)  # no answer given away


def test_solutions_are_strict():
    with pytest.raises(AssertionError, match="20.4"):
        check("20.4", 0.1, strict=True)
