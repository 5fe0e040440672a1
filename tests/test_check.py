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

    with pytest.raises(AssertionError, match=r"\['b'\]\[1\]|\['b'\]\[0\]"):
        dl.check_grad(loss, params, wrong)


def test_check_grad_labels_entries_of_a_plain_array():
    with pytest.raises(AssertionError, match=r"x\[1, 0\]"):
        dl.check_grad(
            lambda w: np.sum(w**3),
            np.ones((2, 2)),
            lambda w: 3 * w**2 + np.eye(2)[::-1] * [[0], [1]],
        )


def test_check_grad_refuses_a_non_function():
    with pytest.raises(TypeError, match="function"):
        dl.check_grad(np.ones(3), np.ones(3))


# ---- check_grad's kink report ----

KINKS = [
    ("relu", lambda x: np.sum(dl.nn.relu(x) * np.arange(1.0, 4.0)), "np.where"),
    ("abs", lambda x: np.sum(np.abs(x) ** 1.5 + np.abs(x)), "np.abs"),
    ("max", lambda x: np.max(x) * 3.0 + np.sum(x**2), "np.max"),
    ("maximum", lambda x: np.sum(np.maximum(x, 0.0) ** 2 + np.maximum(x, 0.0)), "np.maximum"),
    ("minimum", lambda x: np.sum(np.minimum(x, 0.0)), "np.minimum"),
    ("where", lambda x: np.sum(np.where(x > 0, np.sin(x), 2 * x)), "np.where"),
    ("clip", lambda x: np.sum(np.clip(x, 0.0, 5.0) ** 2 + np.clip(x, 0.0, 5.0)), "np.clip"),
    ("mask", lambda x: np.sum(x * (x > 0)), "np.greater (>)"),
    ("if", lambda x: np.sum(x**2) if x[1] > 0 else np.sum(x), "np.greater (>)"),
]


@pytest.mark.parametrize("f, op", [k[1:] for k in KINKS], ids=[k[0] for k in KINKS])
def test_check_grad_flags_an_entry_whose_stencil_crosses_a_kink(f, op):
    # entry 1 sits 1e-9 from the kink, well inside the stencil (h ~ 6e-6); the others are far
    x = np.array([0.7, 1e-9, -0.4]) if op != "np.max" else np.array([0.1, 0.3 - 1e-9, 0.3])
    result = dl.check_grad(f, x)
    flagged = [k.index for k in result.kinks]
    assert 1 in flagged and 0 not in flagged
    kink = next(k for k in result.kinks if k.index == 1)
    assert kink.where[0] == op and kink.entry == "x[1]"
    assert "entry x[1]: the stencil crossed a" in str(kink) and op in str(kink)
    assert "not a derivative there" in str(kink)
    assert "not compared" in repr(result) and op in repr(result)
    assert result.max_abs_error < 1e-6  # the entries compared agree


def test_a_kink_entry_is_not_counted_as_a_failure_but_a_wrong_entry_is():
    f = lambda x: np.sum(np.abs(x) * np.array([1.0, 2.0, 3.0]))  # noqa: E731
    x = np.array([1e-10, 1.0, -2.0])
    right = dl.check_grad(f, x)  # derivlab's |x|'(0) = 0 against a quotient of ~0: flagged
    assert [k.index for k in right.kinks] == [0]
    wrong = lambda x: np.sign(x) * np.array([1.0, 2.0, 30.0])  # noqa: E731
    with pytest.raises(AssertionError) as info:
        dl.check_grad(f, x, wrong)
    message = str(info.value)
    assert "1 of 2 entries compared" in message and "x[2]" in message
    assert "crossed a kink" in message and "np.abs" in message


def test_kinks_in_network_parameters_are_named_by_parameter():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((6, 3))
    p = {"W": rng.standard_normal((3, 4)), "b": rng.standard_normal(4)}
    p["b"][2] -= (X @ p["W"] + p["b"])[4, 2] - 1e-9  # one pre-activation at the kink

    def loss(p):
        return np.sum(dl.nn.relu(X @ p["W"] + p["b"]) ** 2 + dl.nn.relu(X @ p["W"] + p["b"]))

    result = dl.check_grad(loss, p)
    entries = {k.entry for k in result.kinks}
    assert "['b'][2]" in entries and all(e.endswith("2]") for e in entries)
    assert all(k.where[0] == "np.where" for k in result.kinks)
    assert result.kink_scan == ""


SMOOTH = [
    lambda x: np.sum(np.tanh(x) ** 2),
    lambda x: np.sum(np.abs(x) ** 3),  # |x| is there, but x is far from 0
    lambda x: np.max(x**2) + np.sum(np.maximum(x, -5.0)),  # one clear winner, no tie
    lambda x: np.sum(np.where(x > -3.0, np.exp(x), 0.0)) + np.sum(np.sort(x) * [1.0, 2.0, 3.0]),
    lambda x: np.sum(dl.nn.relu(x)) + np.sum(np.clip(x, -2.0, 2.0)),
]


@pytest.mark.parametrize("f", SMOOTH, ids=["tanh", "abs", "max", "where-sort", "relu-clip"])
def test_no_false_kink_report_away_from_kinks(f):
    result = dl.check_grad(f, np.array([0.7, -0.4, 1.3]))
    assert result.kinks == [] and result.kink_scan == ""
    assert repr(result).startswith("GradCheck(passed, max |analytic - numeric|")


def test_sort_and_remainder_report_their_switch():
    x = np.array([0.5, 0.5 + 1e-9, 2.0])
    result = dl.check_grad(lambda x: np.sum(np.sort(x) * np.array([1.0, 2.0, 3.0])), x)
    assert {k.index for k in result.kinks} == {0, 1}
    assert result.kinks[0].where[0] == "np.sort"
    result = dl.check_grad(lambda x: np.sum(x % 1.0), np.array([1.0 + 1e-10, 0.5]))
    assert [k.where[0] for k in result.kinks] == ["np.remainder (%)"]


def test_the_kink_scan_steps_aside_for_a_function_that_cannot_be_traced():
    def f(x):
        return float(np.sum(np.asarray(x) ** 2))  # converts: derivlab cannot trace it

    result = dl.check_grad(f, np.array([1.0, 2.0]), lambda x: 2 * x)
    assert result.kinks == [] and "does not run on traced values" in result.kink_scan
    off = dl.check_grad(lambda x: np.sum(x**2), np.array([1e-9, 1.0]), scan_kinks=False)
    assert off.kinks == [] and "scan_kinks=False" in off.kink_scan
    with pytest.raises(AssertionError, match="x\\[0\\]"):  # without the scan: a blind failure
        dl.check_grad(lambda x: np.sum(np.abs(x)), np.array([1e-9, 1.0]), scan_kinks=False)


def test_the_kink_scan_leaves_the_numbers_unchanged():
    f = lambda x: np.sum(np.maximum(np.sin(3 * x), 0.1) * x)  # noqa: E731
    x = np.array([0.2, 0.9, -0.3, 1.7])
    on, off = dl.check_grad(f, x), dl.check_grad(f, x, scan_kinks=False)
    np.testing.assert_array_equal(on.numeric, off.numeric)


def test_check_grad_of_a_float32_point_flags_kinks_too():
    x = np.array([0.5, 1e-9, -1.0], dtype=np.float32)
    result = dl.check_grad(lambda x: np.sum(np.abs(x)), x)
    assert [k.index for k in result.kinks] == [1]


# ---- the Taylor test ----


def _f(x):
    return np.sum(np.sin(x) ** 2) + 0.5 * np.sum(x[:-1] * x[1:])


def _right(x):
    inner = np.concatenate([x[1:], [0.0]]) + np.concatenate([[0.0], x[:-1]])
    return np.sin(2 * x) + 0.5 * inner


X5 = np.array([0.3, -1.2, 2.0, 0.7, -0.1])


def test_taylor_slope_is_two_for_the_right_gradient():
    result = dl.taylor_test(_f, X5, _right, rng=0)
    assert result.passed and abs(result.slope - 2.0) < 0.05, result
    assert "right" in result.message
    assert dl.taylor_test(_f, X5, rng=0).passed  # g=None: derivlab's own gradient
    assert dl.taylor_test(_f, X5, _right(X5), rng=0).passed  # g as an array


@pytest.mark.parametrize(
    "wrong",
    [lambda x: np.sin(2 * x), lambda x: 1.01 * _right(x), lambda x: np.cos(x) ** 2],
    ids=["dropped-term", "one-percent", "nonsense"],
)
def test_taylor_slope_is_one_for_a_wrong_gradient(wrong):
    result = dl.taylor_test(_f, X5, wrong, rng=0)
    assert not result.passed and abs(result.slope - 1.0) < 0.05, result
    assert "wrong" in result.message and "falls like h" in result.message
    # the message estimates the error along v: |<grad f - g, v>|
    v = result.direction
    assert "off by about" in result.message
    err = abs((_right(X5) - wrong(X5)) @ v)
    i = np.flatnonzero(result.above_floor)[-1]
    estimate = result.remainder[i] / result.h[i]
    assert abs(estimate - err) < 0.05 * err and f"{estimate:.3g}" in result.message


def test_taylor_test_repr_is_a_table_of_remainders():
    text = repr(dl.taylor_test(_f, X5, rng=0))
    assert text.startswith("TaylorTest(passed, slope 2.0")
    assert "2^-1" in text and "r(h)" in text and "(round-off)" in text


def test_taylor_direction_is_a_seeded_random_unit_vector():
    a, b = dl.taylor_test(_f, X5, rng=1), dl.taylor_test(_f, X5, rng=1)
    np.testing.assert_array_equal(a.direction, b.direction)
    assert abs(np.linalg.norm(a.direction) - 1.0) < 1e-12
    c = dl.taylor_test(_f, X5, rng=np.random.default_rng(2))
    assert not np.allclose(a.direction, c.direction)
    e0 = np.eye(5)[0]
    d = dl.taylor_test(_f, X5, _right, direction=e0)
    np.testing.assert_array_equal(d.direction, e0)
    assert d.passed and abs(d.directional - _right(X5)[0]) < 1e-15


def test_taylor_test_in_float32_stays_float32_and_fits_above_round_off():
    x = X5.astype(np.float32)
    seen = []

    def f(x):  # curvature about 1 along every direction
        seen.append(x.dtype)
        return np.sum(x**2) + np.sum(np.sin(x))

    right = dl.taylor_test(f, x, rng=0)
    assert set(seen) == {np.dtype(np.float32)}
    assert right.passed and abs(right.slope - 2.0) < 0.1, right
    assert not right.above_floor[-1]  # float32 round-off is reached within the default steps
    assert right.above_floor.sum() >= 5
    wrong = dl.taylor_test(f, x, lambda x: 2 * x, rng=0)
    assert not wrong.passed and abs(wrong.slope - 1.0) < 0.1, wrong


def test_taylor_test_says_inconclusive_rather_than_wrong_when_round_off_comes_first():
    # along this direction f curves little, so in float32 round-off arrives before h^2 shows
    result = dl.taylor_test(_f, X5.astype(np.float32), rng=0)
    assert not result.passed and result.message.startswith("inconclusive")
    assert dl.taylor_test(_f, X5, rng=0).passed  # the same direction in float64 is fine


def test_taylor_test_accepts_network_parameters():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((10, 3))
    p = {"W": rng.standard_normal((3, 2)), "b": np.zeros(2)}

    def loss(p):
        return np.sum(np.tanh(X @ p["W"] + p["b"]) ** 2)

    assert dl.taylor_test(loss, p, rng=0).passed
    g = dl.grad(loss)(p)
    bad = {"W": g["W"], "b": 2 * g["b"]}
    result = dl.taylor_test(loss, p, bad, rng=0)
    assert not result.passed and abs(result.slope - 1.0) < 0.1
    assert set(result.direction) == {"W", "b"}


def test_taylor_test_of_a_linear_function_is_at_round_off():
    a = np.array([1.0, -2.0, 0.5])
    result = dl.taylor_test(lambda x: a @ x, np.ones(3), a, rng=0)
    assert result.passed and np.isnan(result.slope) and "round-off" in result.message
    assert not dl.taylor_test(lambda x: a @ x, np.ones(3), 2 * a, rng=0).passed


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"f": "sin"}, TypeError, "function"),
        ({"x": np.arange(3)}, TypeError, "floating"),
        ({"x": np.zeros(0)}, ValueError, "no entries"),
        ({"g": np.ones(4)}, ValueError, "shape"),
        ({"g": np.array([np.nan, 1.0, 1.0])}, ValueError, "NaN"),
        ({"direction": np.zeros(3)}, ValueError, "not zero"),
        ({"direction": np.ones(2)}, ValueError, "shape"),
        ({"ks": [3, 2, 1]}, ValueError, "increasing"),
        ({"ks": [1, 2]}, ValueError, "at least 3"),
        ({"ks": [1.0, 2.0, 3.0]}, TypeError, "integers"),
        ({"ks": 5}, TypeError, "sequence"),
        ({"f": lambda x: x**2}, ValueError, "scalar"),
        ({"f": lambda x: np.sum(np.log(x - 5))}, ValueError, "finite"),
        ({"rng": "seed"}, TypeError, "rng"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_taylor_test_bad_input_gets_a_clear_error(kwargs, error, match):
    args = {"f": lambda x: np.sum(x**2), "x": np.ones(3), "g": None}
    args.update(kwargs)
    f, x = args.pop("f"), args.pop("x")
    with pytest.raises(error, match=match), np.errstate(invalid="ignore"):
        dl.taylor_test(f, x, **args)


def test_taylor_test_reports_too_few_clean_steps():
    # f is dominated by a huge constant: only its first steps rise above round-off
    result = dl.taylor_test(lambda x: 1e12 + np.sum(x**2), np.ones(3), ks=range(20, 30), rng=0)
    assert not result.passed and "too few" in result.message
    assert "larger steps" in result.message
