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


# ---- what a code-writing exercise's skeleton and a reader's slips get ----
def test_an_unfilled_skeleton_is_not_attempted():
    def skeleton(x, y):
        """What the reader's cell holds before they write anything."""
        ...  # your code

    def forgot_return(x, g, lr):
        x - lr * g

    assert check("98.2", skeleton).passed is None
    with pytest.raises(AssertionError, match="placeholder"):
        check("98.2", skeleton, strict=True)
    assert "return" in check("98.2", forgot_return).reason
    assert check("98.2", lambda x, g, lr: None).passed is None  # `return None` is no answer


def test_call_names_what_the_readers_code_did():
    with pytest.raises(Wrong, match="raised ZeroDivisionError"):
        ex.call(lambda: 1 / 0)
    with pytest.raises(Wrong, match="expected a function"):
        ex.call(3.0)


# ---- the banks of chapters 1-6: the worked solutions pass, the likeliest slips are named ----
EPS = np.finfo(float).eps


def _central(f, x, h=None):
    if h is None:
        h = EPS ** (1 / 3) * max(1.0, abs(x))
        h = (x + h) - x
    return (f(x + h) - f(x - h)) / (2 * h)


def _jvp(f, x, v):
    t = EPS ** (1 / 3) * max(1.0, np.linalg.norm(x)) / np.linalg.norm(v)
    return (f(x + t * v) - f(x - t * v)) / (2 * t)


def _backtracking(f, grad_f, x, lr, shrink):
    g = grad_f(x)
    while f(x - lr * g) > f(x) - 0.5 * lr * np.dot(g, g):
        lr *= shrink
    return x - lr * g


def _softmax(z):
    e = np.exp(z - np.max(z))
    return e / e.sum()


_X3 = np.column_stack([np.ones(50), np.random.default_rng(3).normal(size=(50, 3))])
_Y3 = _X3 @ np.array([1.0, -2.0, 0.5, 3.0])

GRADERS = {
    "1.5": (
        lambda t, x: np.diff(x) / np.diff(t),
        {},
        [
            (lambda t, x: np.diff(x) / (t[1] - t[0]), "evenly spaced"),
            (lambda t, x: x / t, "intervals"),
            (lambda t, x: np.diff(x[::-1]) / np.diff(t[::-1]) * -1, "sign"),
        ],
    ),
    "2.4": (
        lambda z: _softmax(z) - np.eye(3)[0],
        {},
        [
            (_softmax, "−z₁ term is missing"),
            (lambda z: np.eye(3)[0] - _softmax(z), "sign"),
            (lambda z: _softmax(z) - np.eye(3)[1], "first score"),
            (lambda z: 1.0, "shape"),
        ],
    ),
    "2.5": (
        lambda fp, g, gp: lambda x: fp(g(x)) * gp(x),
        {},
        [
            (lambda fp, g, gp: lambda x: fp(x) * gp(x), "at the inner value"),
            (lambda fp, g, gp: lambda x: fp(g(x)), "missing the inner derivative"),
            (lambda fp, g, gp: 1.0, "should return a function"),
        ],
    ),
    "3.2": (
        lambda d_h, d_half: (4 * d_half - d_h) / 3,
        {},
        [
            (lambda d_h, d_half: 4 * d_half - d_h, "sum to 1"),
            (lambda d_h, d_half: 2 * d_half - d_h, "proportional to h"),
            (lambda d_h, d_half: (d_h + d_half) / 2, "does not return f'"),
        ],
    ),
    "3.5": (
        _central,
        {},
        [
            (lambda f, x, h=1e-5: (f(x + h) - f(x)) / h, "forward difference"),
            (lambda f, x, h=1e-12: (f(x + h) - f(x - h)) / (2 * h), "relative error"),
            (lambda f, x, h=1e-2: (f(x + h) - f(x - h)) / (2 * h), "relative error"),
        ],
    ),
    "4.5": (
        _jvp,
        {},
        [
            (lambda f, x, v: _jvp(f, x, v / np.linalg.norm(v)), "unit vector"),
            (lambda f, x, v: v, "shape"),
            (lambda f, x, v: np.array([_jvp(f, x, e) for e in np.eye(len(x))]).T @ v, "calls"),
        ],
    ),
    "5.4": (
        _backtracking,
        {},
        [
            (lambda f, grad_f, x, lr, shrink: x - lr * grad_f(x), "plain step"),
            (lambda f, grad_f, x, lr, shrink: x + lr * grad_f(x), "decrease"),
            (
                lambda f, grad_f, x, lr, shrink: _backtracking(f, grad_f, x, lr * shrink, shrink),
                "smaller lr",
            ),
        ],
    ),
    "6.2": (
        lambda theta: 2 / 50 * _X3.T @ (_X3 @ theta - _Y3),
        {"X": _X3, "y": _Y3},
        [
            (lambda theta: 1 / 50 * _X3.T @ (_X3 @ theta - _Y3), "lost the 2"),
            (lambda theta: 2 * _X3.T @ (_X3 @ theta - _Y3), "50 times too large"),
            (lambda theta: 2 / 50 * np.sum(_X3 @ theta - _Y3) * np.ones(4), "lost the inputs"),
            (lambda theta: 2 / 50 * _X3 @ theta, "one per parameter"),
        ],
    ),
    "6.4": (
        lambda theta, X, y, w: 2 * X.T @ (w * (X @ theta - y)) / w.sum(),
        {},
        [
            (lambda theta, X, y, w: 2 / len(y) * X.T @ (X @ theta - y), "ignores the weights"),
            (lambda theta, X, y, w: 2 / len(y) * X.T @ (w * (X @ theta - y)), "divides by N"),
            (lambda theta, X, y, w: X.T @ (w * (X @ theta - y)) / w.sum(), "lost the 2"),
        ],
    ),
}


@pytest.mark.parametrize("exercise_id", sorted(GRADERS))
def test_graders_pass_the_solution_and_name_the_slips(exercise_id):
    solution, context, slips = GRADERS[exercise_id]
    assert check(exercise_id, solution, strict=True, **context).passed is True
    for slip, phrase in slips:
        result = check(exercise_id, slip, **context)
        assert result.passed is False, phrase
        assert phrase in result.reason, (phrase, result.reason)


def test_value_exercises_of_chapters_1_to_6():
    import sympy

    import derivlab as dl

    trip = dl.data.drive()
    x, h = dl.symbolic.symbols("x"), dl.symbolic.symbols("h")
    n = 1000
    xs, ys = dl.data.line(n, seed=0)
    X = np.column_stack([np.ones(n), xs])

    def loss(theta):
        return np.mean((X @ theta - ys) ** 2)

    right = {
        "1.1": ((trip.x[-1] - trip.x[0]) / (trip.t[-1] - trip.t[0]), {"trip": trip}),
        "1.2": (2 * x + h + 3, {}),
        "1.3": (lambda x: -1 / x**2, {}),
        "1.4": ((np.diff(np.diff(trip.x)) / 0.1**2).min(), {"trip": trip}),
        "2.1": ("3*exp(3*x)*cos(exp(3*x))", {}),
        "2.2": (0.25, {}),
        "2.3": (-3 / 25, {}),
        "3.1": ((4 * EPS) ** (1 / 3), {}),
        "3.3": (
            np.imag(
                np.exp(1.5 + 1e-20j)
                / np.sqrt(np.sin(1.5 + 1e-20j) ** 3 + np.cos(1.5 + 1e-20j) ** 3)
            )
            / 1e-20,
            {},
        ),  # fmt: skip
        "3.4": ((785, 1568), {}),
        "4.1": (np.array([4.0, 1 + np.cos(2.0)]), {}),
        "4.2": (0.6 * 4 + 0.8 * (1 + np.cos(2.0)), {}),
        "4.3": (((5, 5, 3), (4, 4, 4)), {}),
        "4.4": ((np.array([[6.0, 4.0], [4.0, 2.0]]), 6.18), {}),
        "5.1": (0.2, {}),
        "5.2": ((0.1, 0.8), {}),
        "5.3": (346, {}),
        "6.1": ((-34 / 3, -14 / 3), {}),
        "6.3": (
            2 / np.linalg.eigvalsh(2 / n * X.T @ X).max(),
            {"loss": loss, "theta": np.zeros(2)},
        ),  # fmt: skip
    }
    for exercise_id, (answer, context) in right.items():
        assert check(exercise_id, answer, strict=True, **context).passed, exercise_id
    # every value exercise of chapters 1-6 is covered here or above
    ids = {i for c in range(1, 7) for i in ex.exercise_ids(c)}
    assert ids == set(right) | set(GRADERS)
    # the feedback on the likeliest slips
    assert check("4.3", ((5, 3), (4, 4, 4))).reason.startswith("entry 0")
    assert check("5.3", 345).passed is False
    dw, db = right["6.1"][0]
    named = {
        "1.2": (sympy.sympify("2*x + 3"), {}, "the derivative itself"),
        "1.4": (right["1.4"][0] * 0.01, {"trip": trip}, "100 times too small"),
        "2.2": (0.5, {}, "σ itself"),
        "2.3": (3 / 25, {}, "subtracts the other way"),
        "3.4": ((784, 1568), {}, "leaves out the one call at x"),
        "4.1": (right["4.1"][0][::-1], {}, "swapped"),
        "4.2": (5 * right["4.2"][0], {}, "unit vector"),
        "5.1": (0.1, {}, "one step"),
        "6.1": ((dw / 2, db / 2), {}, "keep the 2"),
        "6.3": (right["6.3"][0] / 2, right["6.3"][1], "twice it"),
    }
    for exercise_id, (slip, context, phrase) in named.items():
        result = check(exercise_id, slip, **context)
        assert result.passed is False and phrase in result.reason, (exercise_id, result)
    # a wrong answer that is no known slip still gets compare's plain reason
    assert check("2.2", 0.3).reason == "the value is not right"


def test_slips_are_registered_once():
    with pytest.raises(ValueError, match="twice"):
        ex.slips("2.2")(lambda: {})


def test_arrays_names_the_tuple_a_grader_expects():
    from derivlab.exercises import arrays

    a, b = arrays(([1.0, 2.0], 3.0), "(x_bar, w_bar)")
    assert a.shape == (2,) and b.shape == ()
    with pytest.raises(Wrong, match=r"should return \(x_bar, w_bar\), 2 arrays; it returned 3"):
        arrays((1.0, 2.0, 3.0), "(x_bar, w_bar)")
    with pytest.raises(Wrong, match=r"should return \(x_bar, w_bar\) \(TypeError"):
        arrays(1.0, "(x_bar, w_bar)")
