"""The answers to chapter 2's exercises (Rules and symbolic derivatives), and the graders of
exercises 2.4 and 2.5."""

import numpy as np

import derivlab as dl

from . import Wrong, call, exercise, grader, slips


@exercise(
    "2.1",
    hint="Chain rule from the outside in: sin' evaluated at e^{3x}, times the derivative of "
    "e^{3x}, which is itself a chain (exp of 3x).",
)
def _():
    return dl.symbolic.derivative(lambda x: np.sin(np.exp(3 * x)))


@exercise("2.2", hint="s(1 - s) is a downward parabola in s; where is its peak?")
def _():
    # σ' on a fine grid by autodiff; its peak sits on the grid point x = 0
    slopes = dl.grad(lambda x: np.sum(1 / (1 + np.exp(-x))))(np.linspace(-5, 5, 401))
    return slopes.max()


@slips("2.2")
def _():
    return {"that is σ itself at its steepest point, σ(0); the question asks for the slope σ'": 0.5}


@exercise("2.3", hint="(f'g - fg')/g² with f = x and g = 1 + x².")
def _():
    return dl.grad(lambda x: x / (1 + x**2))(2.0)


@slips("2.3")
def _():
    right = dl.grad(lambda x: x / (1 + x**2))(2.0)
    return {
        "your numerator is fg' - f'g: the quotient rule subtracts the other way, f'g - fg'": -right,
        "the quotient rule divides by g², not by g": right * (1 + 2.0**2),
    }


def _lse(z):
    top = np.max(z)
    return top + np.log(np.sum(np.exp(z - top)))


@grader(
    "2.4",
    hint="Differentiate the two terms separately: this chapter derived the gradient of LSE, "
    "and z₁ depends on the first score only.",
)
def _(answer, rng):
    cases = [rng.normal(scale=2.0, size=3) for _ in range(4)] + [np.zeros(3)]
    for z in cases:
        got = np.asarray(call(answer, z.copy()), dtype=float)
        want = dl.grad(lambda z: _lse(z) - z[0])(z)
        if got.shape != (3,):
            raise Wrong(f"your gradient has shape {got.shape}; there is one entry per score, (3,)")
        if not np.allclose(got, want, rtol=1e-8, atol=1e-10):
            soft = want + np.array([1.0, 0.0, 0.0])
            if np.allclose(got, soft, rtol=1e-8, atol=1e-10):
                raise Wrong(
                    "your entries sum to 1, but those of ∇L sum to 0: the gradient of the "
                    "−z₁ term is missing"
                )
            if np.allclose(got, -want, rtol=1e-8, atol=1e-10):
                raise Wrong("your gradient has the wrong sign: it points downhill")
            if abs(got.sum()) < 1e-8:
                raise Wrong(
                    "your entries sum to 0, as they should, but they are not ∇L: the right "
                    "class is the first score, and LSE's gradient is this chapter's softmax"
                )
            raise Wrong(f"your gradient is wrong at z = {np.round(z, 3)}")


# pairs (g, g') and outer derivatives f' to build random chains from
_INNER = [
    (lambda x: np.sin(x), lambda x: np.cos(x)),
    (lambda x: x**3 - x, lambda x: 3 * x**2 - 1),
    (lambda x: np.exp(0.5 * x), lambda x: 0.5 * np.exp(0.5 * x)),
]
_OUTER_PRIME = [lambda u: np.cos(u), lambda u: 2 * u, lambda u: 1 / (1 + u**2)]


@grader(
    "2.5",
    hint="(f ∘ g)'(x) = f'(g(x)) · g'(x): evaluate the outer derivative at the inner value.",
)
def _(answer, rng):
    for (g, dg), df in zip(_INNER, _OUTER_PRIME, strict=True):
        derivative = call(answer, df, g, dg)
        if not callable(derivative):
            raise Wrong(
                f"chain(f_prime, g, g_prime) should return a function of x, got a "
                f"{type(derivative).__name__}"
            )
        for x in rng.uniform(-2, 2, size=4):
            got = call(derivative, x, name="the function that chain returned")
            want = df(g(x)) * dg(x)
            if np.shape(got) != ():
                raise Wrong(f"the derivative at a single x should be a number, got {got!r}")
            if np.isclose(got, want, rtol=1e-10, atol=1e-12):
                continue
            if np.isclose(got, df(x) * dg(x), rtol=1e-10, atol=1e-12):
                raise Wrong(
                    "your derivative evaluates f' at x; the chain rule evaluates it at the "
                    "inner value g(x)"
                )
            if np.isclose(got, df(g(x)), rtol=1e-10, atol=1e-12):
                raise Wrong("your derivative is missing the inner derivative g'(x)")
            if np.isclose(got, df(dg(x)), rtol=1e-10, atol=1e-12):
                raise Wrong("your derivative composes f' with g'; the chain rule multiplies")
            raise Wrong(f"your derivative is wrong at x = {x:.4f}")
