"""The answers to chapter 1's exercises (Rates of change), and the grader of exercise 1.5."""

import numpy as np

import derivlab as dl

from . import Wrong, call, exercise, grader, slips


@exercise("1.1", hint="Total distance over total time: first and last samples.")
def _(trip):
    # from the exact position curve, not the samples the reader uses
    return trip.position(trip.t[-1]) / trip.t[-1]


@exercise("1.2", hint="Expand (x + h)² + 3(x + h), cancel x² + 3x, divide by h.")
def _():
    return dl.symbolic.difference_quotient(lambda x: x**2 + 3 * x)


@slips("1.2")
def _():
    return {
        "that is the limit as h → 0, the derivative itself; the exercise asks for the quotient "
        "simplified before the limit, so h still appears in it": dl.symbolic.derivative(
            lambda x: x**2 + 3 * x
        )
    }


@exercise("1.3", hint="The numerator over a common denominator is x - (x + h) = -h.")
def _():
    return dl.grad(lambda x: 1 / x)  # f' at any point, by autodiff


@exercise(
    "1.4",
    rtol=1e-2,
    hint="Difference the positions to get velocities, difference those again, and take the "
    "minimum.",
)
def _(trip):
    # the exact acceleration over the whole trip, finely sampled
    return trip.acceleration(np.linspace(0.0, trip.t[-1], 26001)).min()


@slips("1.4")
def _(trip):
    dt = trip.t[1] - trip.t[0]
    exact = trip.acceleration(np.linspace(0.0, trip.t[-1], 26001)).min()
    return {
        "your value is 100 times too small: each round of differences divides by Δt, so two "
        "rounds divide by Δt²": exact * dt**2,
        "your value is 10 times too small: the second round of differences must be divided "
        "by Δt too": exact * dt,
    }


@grader(
    "1.5",
    hint="One velocity per interval: the change in position over the change in time, "
    "interval by interval (np.diff does both).",
)
def _(answer, rng):
    for n in (2, 7, 40):
        # uneven times, so dividing by a single dt is caught
        t = np.cumsum(rng.uniform(0.05, 1.0, size=n)) + rng.uniform(-5, 5)
        x = rng.normal(scale=10.0, size=n)
        got = np.asarray(call(answer, t.copy(), x.copy()), dtype=float)
        want = np.diff(x) / np.diff(t)
        if got.shape != want.shape:
            raise Wrong(
                f"for {n} samples your function returned shape {got.shape}; a recording of "
                f"{n} samples has {n - 1} intervals, so {n - 1} average velocities"
            )
        if np.allclose(got, want, rtol=1e-9, atol=1e-12):
            continue
        if np.allclose(got, -want, rtol=1e-9):
            raise Wrong("your velocities have the wrong sign: it is later minus earlier")
        uniform = np.diff(x) / (t[1] - t[0])
        if np.allclose(got, uniform, rtol=1e-9) or np.allclose(got, np.diff(x), rtol=1e-9):
            raise Wrong(
                "your velocities are right only when the samples are evenly spaced (or one "
                "second apart): divide each change in position by its own interval's length"
            )
        bad = int((~np.isclose(got, want, rtol=1e-9, atol=1e-12)).sum())
        raise Wrong(f"{bad} of the {n - 1} velocities are off, on uneven random samples")
