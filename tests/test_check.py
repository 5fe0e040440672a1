"""compare() puts every engine side by side; check_grad() catches a wrong gradient."""

from __future__ import annotations

import numpy as np
import pytest

import derivlab as dl

ENGINES = [
    "symbolic (SymPy)",
    "reverse mode",
    "forward mode",
    "central difference",
    "complex step",
    "Richardson",
]


def test_compare_scalar_engines_agree_with_the_known_derivative():
    f = lambda x: np.exp(x) * np.sin(x)  # noqa: E731
    exact = np.exp(0.7) * (np.sin(0.7) + np.cos(0.7))
    c = dl.compare(f, 0.7)
    assert [r.engine for r in c.rows] == ENGINES
    np.testing.assert_allclose(c.reference, exact, rtol=1e-15)
    for engine in ("reverse mode", "forward mode", "complex step"):
        assert c[engine].error <= 4e-16 * abs(exact)
    assert c["Richardson"].error < 1e-12
    assert c["central difference"].error < 1e-9
    assert all(r.seconds > 0 for r in c.rows)


def test_compare_gradient_of_an_array_function():
    f = lambda x: np.sum(np.tanh(x) ** 2)  # noqa: E731
    x = np.array([0.1, 0.5, -0.3])
    c = dl.compare(f, x)
    exact = 2 * np.tanh(x) * (1 - np.tanh(x) ** 2)
    np.testing.assert_allclose(c.reference, exact, rtol=1e-14)
    assert c["reverse mode"].error < 1e-15 and c["forward mode"].error < 1e-15
    assert c.max_error < 1e-8


def test_compare_renders_as_text_and_html():
    c = dl.compare(np.sin, 0.3)
    text = str(c)
    html = c._repr_html_()
    for engine in ENGINES:
        assert engine in text and engine in html
    assert "<table" in html and "error" in html


def test_compare_refuses_large_inputs():
    with pytest.raises(ValueError, match="check_grad"):
        dl.compare(lambda x: np.sum(x**2), np.ones(100))


def test_compare_unknown_engine_lookup_names_the_engines():
    with pytest.raises(KeyError, match="reverse mode"):
        dl.compare(np.sin, 0.3)["nope"]


# ---- check_grad ----


def _mse(w, X, y):
    return np.mean((X @ w - y) ** 2)


def test_check_grad_passes_a_right_hand_gradient():
    rng = np.random.default_rng(0)
    X, y, w = rng.standard_normal((20, 3)), rng.standard_normal(20), rng.standard_normal(3)
    right = lambda w: 2.0 / len(y) * X.T @ (X @ w - y)  # noqa: E731
    result = dl.check_grad(lambda w: _mse(w, X, y), w, right)
    assert result.max_abs_error < 1e-7
    np.testing.assert_allclose(result.analytic, right(w))


def test_check_grad_uses_derivlab_by_default():
    result = dl.check_grad(lambda w: np.sum(np.sin(w) * w), np.array([0.2, 1.3]))
    assert result.max_abs_error < 1e-8


@pytest.mark.parametrize(
    "wrong",
    [
        lambda X, y, w: X.T @ (X @ w - y) / len(y),  # dropped the factor 2
        lambda X, y, w: 2.0 / len(y) * np.sum(X @ w - y) * np.ones(3),  # dropped x_ij
    ],
    ids=["missing-2", "missing-x"],
)
def test_check_grad_catches_a_careless_gradient(wrong):
    rng = np.random.default_rng(1)
    X, y, w = rng.standard_normal((20, 3)), rng.standard_normal(20), rng.standard_normal(3)
    with pytest.raises(AssertionError) as info:
        dl.check_grad(lambda w: _mse(w, X, y), w, lambda w: wrong(X, y, w))
    message = str(info.value)
    assert "analytic" in message and "numeric" in message
    assert "disagrees" in message


def test_check_grad_shape_mismatch_is_a_value_error():
    with pytest.raises(ValueError, match="shape"):
        dl.check_grad(lambda w: np.sum(w**2), np.ones(3), lambda w: np.ones(2))


def test_check_grad_accepts_network_parameters_and_names_the_bad_entry():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((10, 3))
    params = {"W": rng.standard_normal((3, 2)), "b": np.zeros(2)}

    def loss(p):
        return np.sum(np.tanh(X @ p["W"] + p["b"]) ** 2)

    assert dl.check_grad(loss, params).max_abs_error < 1e-7

    def wrong(p):
        g = dl.grad(loss)(p)
        return {"W": g["W"], "b": 2 * g["b"]}

    with pytest.raises(AssertionError, match=r"\['b'\]\(1,\)|\['b'\]\(0,\)"):
        dl.check_grad(loss, params, wrong)
