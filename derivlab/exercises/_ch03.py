"""The answers to chapter 3's exercises (Numerical derivatives), and the graders of exercises
3.2 and 3.5."""

import numpy as np
import sympy

import derivlab as dl

from . import Wrong, call, exercise, grader, slips

_EPS = np.finfo(float).eps


@exercise("3.1", hint="h* = (3 eps |f| / |f'''|)^(1/3); evaluate f and f''' at x = 2.")
def _():
    def cube(x):
        return x**3

    third = dl.grad(dl.grad(dl.grad(cube)))  # f''' by autodiff
    return (3 * _EPS * abs(cube(2.0)) / abs(third(2.0))) ** (1 / 3)


@grader(
    "3.2",
    hint="Write D(h) = f' + a h² and D(h/2) = f' + a h²/4; eliminate a.",
)
def _(answer, rng):
    for _ in range(5):
        # D(s) = f' + a s² + (tiny) b s⁴ at s = h and h/2: the combination must keep f'
        slope, a = rng.normal(size=2)
        h = rng.uniform(0.05, 0.5)
        d_h, d_half = slope + a * h**2, slope + a * h**2 / 4
        got = call(answer, d_h, d_half)
        if np.shape(got) != ():
            raise Wrong(f"combine should return one number, got {got!r}")
        if np.isclose(got, slope, rtol=1e-10, atol=1e-12):
            continue
        if np.isclose(got, 3 * slope, rtol=1e-10, atol=1e-12):
            raise Wrong("your combination is three times f': the weights must sum to 1")
        if np.isclose(got, 2 * d_half - d_h, rtol=1e-10, atol=1e-12):
            raise Wrong(
                "your combination cancels an error proportional to h; the central "
                "difference's leading error goes like h², which halving h divides by 4"
            )
        raise Wrong(
            "on two central differences D(h) = f' + a h² and D(h/2) = f' + a h²/4 (random "
            "f', a and h) your combination does not return f'"
        )


@exercise(
    "3.3",
    rtol=1e-13,
    atol=0.0,
    hint="Evaluate g at 1.5 + 1e-20j, take the imaginary part, divide by h.",
)
def _():
    def g_hard(x):
        return np.exp(x) / np.sqrt(np.sin(x) ** 3 + np.cos(x) ** 3)

    # the exact derivative from SymPy, evaluated with 30 digits
    x = dl.symbolic.symbols("x")
    exact = dl.symbolic.derivative(g_hard).subs(x, sympy.Rational(3, 2))
    return float(exact.evalf(30))


@exercise(
    "3.4",
    hint="Forward differences share one call at x; central ones need two per input.",
)
def _():
    def count_calls(method, accuracy):
        calls = 0

        def loss(image):
            nonlocal calls
            calls += 1
            return float(np.sum(image**2))

        dl.numeric.gradient(loss, np.ones((28, 28)), method=method, accuracy=accuracy)
        return calls

    return (count_calls("forward", 1), count_calls("central", 2))


@slips("3.4")
def _():
    return {
        "your forward count leaves out the one call at x that all the forward differences share": (
            784,
            1568,
        ),
        "your central count includes a call at x, which central differences never use": (
            785,
            1569,
        ),
    }


# smooth test functions with their exact derivatives, and the scales of x each is tried at:
# log and sqrt change shape on the scale of x itself, so for x ≥ 1 a good step grows with |x|;
# near 0 the scale is 1 (sin, exp and the cubic), so the step must not shrink with |x|
_SMOOTH = [
    (np.sin, np.cos, "sin", (1e-3, 1.0)),
    (np.exp, np.exp, "exp", (1e-3, 1.0, 5.0)),
    (lambda x: x**3 + 2 * x, lambda x: 3 * x**2 + 2, "x³ + 2x", (1e-3, 1.0, 10.0, 300.0)),
    (np.log, lambda x: 1 / x, "log", (2.0, 10.0, 300.0)),
    (np.sqrt, lambda x: 0.5 / np.sqrt(x), "sqrt", (2.0, 10.0, 300.0)),
]


@grader(
    "3.5",
    hint="The central difference's best step is about eps^(1/3), scaled by |x| for functions "
    "whose shape scales with x (use max(1, |x|), so it never vanishes at 0): too small and "
    "rounding wins, too large and truncation does.",
)
def _(answer, rng):
    # a given step is used as it is
    for f, _df, name, _scales in _SMOOTH[:2]:
        x, h = rng.uniform(0.5, 2.0), 1e-3
        got = call(answer, f, x, h)
        if np.shape(got) != ():
            raise Wrong(f"central should return one number, got {got!r}")
        if np.isclose(got, (f(x + h) - f(x)) / h, rtol=1e-12):
            raise Wrong(
                f"with h = 1e-3 on {name} your quotient is the forward difference: a central "
                "difference steps both ways"
            )
        if not np.isclose(got, (f(x + h) - f(x - h)) / (2 * h), rtol=1e-9):
            raise Wrong(
                f"with the step h = 1e-3 given, on {name} at x = {x:.3f}, your value is not "
                "(f(x + h) - f(x - h)) / 2h"
            )
    # the default step: accurate to ~1e-9 relative at every scale
    worst, where = 0.0, ""
    for f, df, name, scales in _SMOOTH:
        for scale in scales:
            x = scale * rng.uniform(0.5, 1.0)
            got = call(answer, f, x)
            error = abs(got - df(x)) / abs(df(x))
            if error > worst:
                worst, where = error, f"{name} at x = {x:.4g}"
    if worst > 1e-8:
        raise Wrong(
            f"with the default step, the relative error reaches {worst:.1e} ({where}), where a "
            "well-chosen step keeps it near 1e-10"
        )
