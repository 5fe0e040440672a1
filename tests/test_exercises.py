"""derivlab.exercises.check: right, wrong and missing answers, and what the reader is shown."""

import math

import numpy as np
import pytest
import sympy

from derivlab.exercises import CheckResult
from derivlab.exercises import compare as check

x, y = sympy.symbols("x y")
x_real = sympy.Symbol("x", real=True)

# ---- the table: (answer, expected, keyword arguments, passed) ----
CASES = [
    # numbers and arrays
    pytest.param(12.0, 12.0, {}, True, id="float"),
    pytest.param(12, 12.0, {}, True, id="int-vs-float"),
    pytest.param(12.0 + 1e-9, 12.0, {}, True, id="within-rtol"),
    pytest.param(12.1, 12.0, {}, False, id="float-wrong"),
    pytest.param(0.333, 1 / 3, {}, False, id="rounded-too-much"),
    pytest.param(0.333, 1 / 3, {"rtol": 1e-2}, True, id="rounded-loose-rtol"),
    pytest.param(1e-12, 0.0, {}, True, id="zero-atol"),
    pytest.param(np.array([1.0, 2.0]), [1.0, 2.0], {}, True, id="array-vs-list"),
    pytest.param([1.0, 2.0, 3.0], np.array([1.0, 2.0]), {}, False, id="array-shape"),
    pytest.param(np.array([[1.0]]), 1.0, {}, False, id="scalar-vs-array"),
    pytest.param(np.array([np.nan, 1.0]), np.array([np.nan, 1.0]), {}, True, id="nan-equal"),
    pytest.param(1 + 2j, 1 + 2j, {}, True, id="complex"),
    pytest.param("twelve", 12.0, {}, False, id="text-for-number"),
    pytest.param(sympy.Rational(1, 3), 1 / 3, {}, True, id="sympy-number-for-float"),
    pytest.param(2 * x, 2.0, {}, False, id="expression-for-number"),
    pytest.param(sympy.Matrix([[1, 2]]), np.array([[1.0, 2.0]]), {}, True, id="matrix-numbers"),
    # callables, at default and given points (scalars, arrays, argument tuples)
    pytest.param(lambda t: 2 * t, lambda t: t + t, {}, True, id="callable"),
    pytest.param(lambda t: 2 * t, lambda t: t * t, {}, False, id="callable-wrong"),
    pytest.param(np.cos, lambda t: np.sin(t + np.pi / 2), {}, True, id="callable-numpy"),
    pytest.param(lambda t: 1 / t, lambda t: 1 / t, {"points": [0.5, 2.0]}, True, id="points"),
    pytest.param(
        lambda v: 2 * v,
        lambda v: v + v,
        {"points": [np.array([1.0, -2.0]), np.ones((2, 2))]},
        True,
        id="callable-arrays",
    ),
    pytest.param(
        lambda a, b: a * b,
        lambda a, b: b * a,
        {"points": [(1.0, 2.0), (3.0, -1.0)]},
        True,
        id="tuple",
    ),
    pytest.param(lambda t: 1 / 0, lambda t: t, {}, False, id="callable-raises"),
    pytest.param(3.0, lambda t: t, {}, False, id="number-for-callable"),
    # SymPy expressions: simplify, then sampling
    pytest.param(2 * sympy.sin(x) * sympy.cos(x), sympy.sin(2 * x), {}, True, id="sympy-trig"),
    pytest.param(sympy.cos(x) ** 2, sympy.sin(x) ** 2, {}, False, id="sympy-wrong"),
    pytest.param("2*x*cos(x**2)", 2 * x * sympy.cos(x**2), {}, True, id="sympy-from-text"),
    pytest.param(2 * x, 2 * x_real, {}, True, id="sympy-assumptions"),
    pytest.param(x * y, x**2, {}, False, id="sympy-extra-symbol"),
    pytest.param(0.785398163397448, sympy.pi / 4, {}, True, id="float-for-sympy-number"),
    pytest.param(sympy.Abs(x) ** 2, x**2, {}, True, id="sympy-sampled"),
    pytest.param(x + 1, x, {}, False, id="sympy-constant-off"),
    pytest.param(lambda t: 2 * t, 2 * x, {}, True, id="function-for-expression"),
    pytest.param(sympy.Matrix([2 * x, 1]), sympy.Matrix([x + x, 1]), {}, True, id="sympy-matrix"),
    pytest.param([2 * x, 1], sympy.Matrix([x + x, 1]), {}, True, id="list-for-matrix"),
    pytest.param(sympy.Matrix([2 * x, 2]), sympy.Matrix([x + x, 1]), {}, False, id="matrix-wrong"),
    pytest.param(sympy.Matrix([x, 1, 2]), sympy.Matrix([x, 1]), {}, False, id="matrix-shape"),
    # structures
    pytest.param((4.0, 3.0), (4.0, 3.0), {}, True, id="tuple-numbers"),
    pytest.param((4.0, np.ones(2)), [4.0, np.ones(2)], {}, True, id="tuple-mixed"),
    pytest.param((4.0, np.ones(3)), (4.0, np.ones(2)), {}, False, id="tuple-inner-shape"),
    pytest.param((4.0,), (4.0, np.ones(2)), {}, False, id="tuple-length"),
    pytest.param((4.0, ...), (4.0, np.ones(2)), {}, False, id="tuple-placeholder-inside"),
    pytest.param(((5, 5, 3), (4, 4, 4)), ((5, 5, 3), (4, 4, 4)), {}, True, id="shapes"),
    pytest.param(((5, 3), (4, 4, 4)), ((5, 5, 3), (4, 4, 4)), {}, False, id="shapes-ragged"),
    pytest.param({"w": 1.0, "b": 2.0}, {"b": 2.0, "w": 1.0}, {}, True, id="dict"),
    pytest.param({"w": 1.0}, {"b": 2.0, "w": 1.0}, {}, False, id="dict-missing-key"),
    pytest.param({"w": 1.0, "b": 3.0}, {"b": 2.0, "w": 1.0}, {}, False, id="dict-wrong-value"),
    pytest.param([1.0, 2.0], {"w": 1.0}, {}, False, id="list-for-dict"),
    # text and booleans
    pytest.param(" B ", "b", {}, True, id="choice"),
    pytest.param("a", "b", {}, False, id="choice-wrong"),
    pytest.param(True, True, {}, True, id="bool"),
    pytest.param(np.True_, False, {}, False, id="bool-wrong"),
    pytest.param(1, True, {}, False, id="int-for-bool"),
    # not attempted
    pytest.param(..., 12.0, {}, None, id="ellipsis"),
    pytest.param(None, lambda t: t, {}, None, id="none"),
]


@pytest.mark.parametrize(("answer", "expected", "kwargs", "passed"), CASES)
def test_check_table(answer, expected, kwargs, passed):
    result = check(answer, expected, hint="think again", **kwargs)
    assert isinstance(result, CheckResult)
    assert result.passed is passed
    assert bool(result) is (passed is True)


@pytest.mark.parametrize(("answer", "expected", "kwargs", "passed"), CASES)
def test_strict_raises_unless_right(answer, expected, kwargs, passed):
    if passed:
        assert check(answer, expected, strict=True, **kwargs).passed is True
    else:
        with pytest.raises(AssertionError):
            check(answer, expected, strict=True, **kwargs)


# ---- what the reader sees ----
def test_wrong_answer_shows_hint_but_not_the_expected_value():
    secret = 271.828
    result = check(3.0, secret, hint="Use the chain rule.")
    for text in (str(result), result._repr_html_()):
        assert "Use the chain rule." in text
        assert "271" not in text
        assert "✗" in text


def test_wrong_callable_names_the_point_not_the_value():
    result = check(lambda t: 0.0 * t, lambda t: 1000.0 + t, points=[0.5])
    assert "0.5" in result.reason
    assert "1000" not in str(result) + result._repr_html_()


def test_wrong_array_names_the_shape():
    assert "shape (2,)" in check(np.zeros(3), np.zeros(2)).reason


def test_wrong_tuple_of_shapes_names_the_entry():
    # the likeliest wrong answer to exercise 4.3: a ragged tuple against a numeric one
    reason = check(((5, 3), (4, 4, 4)), ((5, 5, 3), (4, 4, 4))).reason
    assert reason == "entry 0: expected 3 entries, got 2"


@pytest.mark.parametrize(
    ("answer", "mark", "words"),
    [(1.0, "✓", "Correct"), (2.0, "✗", "Not quite"), (..., "○", "Not attempted")],
)
def test_rendering(answer, mark, words):
    result = check(answer, 1.0, hint="h")
    assert str(result).startswith(mark) and words in str(result)
    assert repr(result) == str(result)
    rendered = result._repr_html_()
    assert rendered.startswith("<div") and mark in rendered and words in rendered


def test_html_escapes_the_hint():
    rendered = check(2.0, 1.0, hint="compare <x> & `y`")._repr_html_()
    assert "&lt;x&gt; &amp;" in rendered and "<code>y</code>" in rendered


def test_no_hint_no_hint_text():
    assert "Hint" not in str(check(2.0, 1.0))


# ---- the strict mode a solution cell uses ----
def test_strict_message_shows_both_values_for_the_author():
    with pytest.raises(AssertionError, match=r"expected: 12\.0[\s\S]*got:\s+11\.0"):
        check(11.0, 12.0, strict=True)


def test_strict_placeholder_is_an_error():
    with pytest.raises(AssertionError, match="placeholder"):
        check(..., 12.0, strict=True)


# ---- mistakes of the chapter author, not the reader ----
@pytest.mark.parametrize("expected", [None, ...])
def test_missing_expected_is_a_type_error(expected):
    with pytest.raises(TypeError, match="expected answer"):
        check(1.0, expected)


def test_uncomparable_expected_is_a_type_error():
    with pytest.raises(TypeError, match="cannot compare"):
        check(1.0, object())


def test_expected_function_outside_its_domain_everywhere():
    with pytest.raises(TypeError, match="points="):
        check(math.log, math.log, points=[-1.0, -2.0])


@pytest.mark.parametrize("kwargs", [{"rtol": -1.0}, {"atol": -1e-3}, {"points": []}])
def test_bad_options(kwargs):
    with pytest.raises(ValueError):
        check(1.0, 1.0, **kwargs)
