"""derivlab.exercises.check by exercise id: the bank, its context, graders and strict mode."""

import numpy as np
import pytest

import derivlab.exercises as ex
from derivlab.exercises import Wrong, check


@ex.exercise("98.1", hint="Differentiate twice.")
def _expected_square(a):
    return 2.0 * a


@ex.grader("98.2", hint="The step goes against the gradient.")
def _grade_step(answer, rng, lr=0.1):
    x, g = rng.normal(size=3), rng.normal(size=3)
    got = np.asarray(answer(x, g, lr))
    if got.shape != x.shape:
        raise Wrong(f"your step returned shape {got.shape} for parameters of shape {x.shape}")
    if np.allclose(got, x + lr * g):
        raise Wrong("your step climbs: it moves along the gradient")
    if not np.allclose(got, x - lr * g):
        raise Wrong("your step is not x − lr·g")


def test_expected_value_from_context():
    assert check("98.1", 6.0, a=3.0).passed is True
    result = check("98.1", 5.0, a=3.0)
    assert result.passed is False and "6" not in str(result)
    assert "Solutions, chapter 98" in str(result)
    assert check("98.1", ..., a=3.0).passed is None


def test_grader_names_what_is_wrong():
    assert check("98.2", lambda x, g, lr: x - lr * g).passed is True
    assert "climbs" in check("98.2", lambda x, g, lr: x + lr * g).reason
    assert "shape" in check("98.2", lambda x, g, lr: 0.0).reason


def test_strict_is_for_solutions():
    ok = check("98.1", 6.0, strict=True, a=3.0)
    assert ok.passed and ok.solution and "worked solution" in str(ok)
    with pytest.raises(AssertionError, match="98.1"):
        check("98.1", 5.0, strict=True, a=3.0)
    with pytest.raises(AssertionError, match="placeholder"):
        check("98.1", ..., strict=True, a=3.0)


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        (("98.1", 6.0), {}, TypeError, "needs the chapter's a"),
        (("98.1", 6.0), {"a": 1.0, "b": 2.0}, TypeError, "takes no b"),
        ((9.2, 6.0), {}, TypeError, "compare"),
        (("98.9", 6.0), {}, ValueError, "no exercise 98.9"),
    ],
)
def test_bad_calls(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        check(*args, **kwargs)


def test_registering_twice_raises():
    with pytest.raises(ValueError, match="twice"):
        ex.exercise("98.1")(lambda: 0.0)
