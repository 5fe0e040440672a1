"""Benchmark derivlab.numeric against numdifftools: accuracy, calls of f and time.

Run by hand (not a test), from the repository root:

    .venv/bin/pip install -r bench/requirements.txt
    .venv/bin/python bench/bench_numeric.py [--repeats 15]

For every function in a table of smooth and rapidly varying ones, at fixed points, it prints the
relative error against SymPy (30 digits), the number of calls of f and the median time of
derivlab's central, complex-step and Richardson derivatives and of numdifftools' default
``nd.Derivative`` (and, for many variables, ``nd.Gradient`` and ``nd.Hessian``). All timings are
medians over repeats in this one process.

A last table takes the cases where finite differences lie (issue 14): a large x, a point next to
a domain edge, a noisy f and a kink. For every method it prints the relative error, the relative
error estimate, whether the estimate brackets the true error (for a kink: covers both one-sided
slopes), and the warning derivlab raised. A method passes a case when its estimate brackets the
error, or when it flags the case (an ``inf`` estimate, or a warning naming the cause).
"""

from __future__ import annotations

import argparse
import math
import platform
import statistics
import time
import warnings
from collections.abc import Callable

import numdifftools as nd
import numpy as np
import sympy as sp

from derivlab import numeric

X = sp.Symbol("x")

# ---- the table: (name, expression, points, kind) ----

CASES = [
    ("exp(x)", sp.exp(X), (1.0, -3.0), "smooth"),
    ("sin(x)", sp.sin(X), (0.7, 10.0), "smooth"),
    ("log(x)", sp.log(X), (0.1, 3.0, 100.0), "smooth"),
    ("e^x sin x", sp.exp(X) * sp.sin(X), (0.7, 2.0), "smooth"),
    (
        "e^x/sqrt(sin^3+cos^3)",
        sp.exp(X) / sp.sqrt(sp.sin(X) ** 3 + sp.cos(X) ** 3),
        (1.5,),
        "smooth",
    ),
    ("atan(x)", sp.atan(X), (-2.5, 0.3), "smooth"),
    ("sin(50x)", sp.sin(50 * X), (0.3, -1.1, 2.0), "rapid"),
    ("cos(100x)", sp.cos(100 * X), (0.4,), "rapid"),
    ("exp(-x^2/0.001)", sp.exp(-(X**2) / sp.Rational(1, 1000)), (0.02, 0.035, 0.05), "rapid"),
    ("1/(1+25x^2)", 1 / (1 + 25 * X**2), (0.2, -0.6, 0.0123), "rapid"),
    ("tanh(20x)", sp.tanh(20 * X), (0.05, 0.1), "rapid"),
    ("sin(2 pi x)", sp.sin(2 * sp.pi * X), (0.3, 1.7), "rapid"),
    ("1/(1+e^(-30x))", 1 / (1 + sp.exp(-30 * X)), (0.1,), "rapid"),
]


class Counter:
    """f with a call counter."""

    def __init__(self, f: Callable):
        self.f, self.calls = f, 0

    def __call__(self, x):
        self.calls += 1
        return self.f(x)


def derivlab_method(method: str, n: int) -> Callable:
    return lambda f, x: numeric.derivative(f, x, n=n, method=method)


def numdifftools_default(n: int) -> Callable:
    return lambda f, x: float(nd.Derivative(f, n=n)(x))


def measure(run: Callable, f: Callable, x: float, truth: float, repeats: int):
    """(relative error, calls of f, median seconds) of one method on one point."""
    counter = Counter(f)
    value = run(counter, x)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run(f, x)
        times.append(time.perf_counter() - start)
    rel = abs(value - truth) / abs(truth) if truth != 0 else abs(value)
    return rel, counter.calls, statistics.median(times)


# ---- one variable ----


def table_one_variable(n: int, methods: dict, repeats: int) -> dict:
    print(f"\n### n = {n}: relative error (calls of f)\n")
    print("`formula` is SymPy's derivative evaluated in float64: the floor that f's own")
    print("conditioning sets (e.g. sin(50x) near a zero of its derivative).\n")
    names = list(methods)
    print("| f | x | kind | formula | " + " | ".join(names) + " |")
    print("|---|---|---|---|" + "---|" * len(names))
    summary = {name: {"worst": {}, "calls": [], "time": [], "excess": 0.0} for name in names}
    for label, expr, points, kind in CASES:
        f = sp.lambdify(X, expr, "numpy")
        formula = sp.lambdify(X, sp.diff(expr, X, n), "numpy")
        for x0 in points:
            truth = float(sp.diff(expr, X, n).subs(X, sp.Float(x0, 30)).evalf(30))
            floor = abs(formula(x0) - truth) / abs(truth)
            cells = [f"{floor:.1e}"]
            for name, run in methods.items():
                rel, calls, secs = measure(run, f, x0, truth, repeats)
                cells.append(f"{rel:.1e} ({calls})")
                worst = summary[name]["worst"]
                worst[kind] = max(worst.get(kind, 0.0), rel)
                summary[name]["calls"].append(calls)
                summary[name]["time"].append(secs)
                # how far above the float64 formula's own error
                summary[name]["excess"] = max(summary[name]["excess"], rel / max(floor, 1e-16))
            print(f"| {label} | {x0:g} | {kind} | " + " | ".join(cells) + " |")
    print(f"\n### n = {n}: summary\n")
    print("| method | worst rel. error, smooth | worst, rapid | worst / formula's error | "
          "calls (median / max) | median time per call |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for name, s in summary.items():
        if not s["calls"]:
            continue
        print(
            f"| {name} | {s['worst']['smooth']:.1e} | {s['worst']['rapid']:.1e} | "
            f"{s['excess']:.0f}x | {statistics.median(s['calls']):g} / {max(s['calls'])} | "
            f"{1e6 * statistics.median(s['time']):.0f} µs |"
        )
    return summary


# ---- many variables ----

V = sp.symbols("v0:4")
MANY = sp.log(1 + V[0] ** 2) * sp.sin(V[1]) + V[0] * V[2] * V[3] + sp.exp(V[3] / 2)
X_MANY = np.array([0.3, -1.2, 0.8, 0.5])


def f_many(x):
    return np.log(1 + x[0] ** 2) * np.sin(x[1]) + x[0] * x[2] * x[3] + np.exp(x[3] / 2)


def table_many_variables(repeats: int) -> None:
    at = dict(zip(V, X_MANY.tolist()))
    grad = np.array([float(sp.diff(MANY, v).subs(at).evalf(30)) for v in V])
    hess = np.array([[float(sp.diff(MANY, a, b).subs(at).evalf(30)) for b in V] for a in V])
    rows = [
        ("gradient", "derivlab central", lambda f: numeric.gradient(f, X_MANY), grad),
        ("gradient", "derivlab complex", lambda f: numeric.gradient(f, X_MANY, "complex"), grad),
        ("gradient", "derivlab richardson", lambda f: numeric.gradient(f, X_MANY, "richardson"),
         grad),
        ("gradient", "numdifftools Gradient", lambda f: nd.Gradient(f)(X_MANY), grad),
        ("hessian", "derivlab central", lambda f: numeric.hessian(f, X_MANY), hess),
        ("hessian", "derivlab complex", lambda f: numeric.hessian(f, X_MANY, "complex"), hess),
        ("hessian", "derivlab richardson", lambda f: numeric.hessian(f, X_MANY, "richardson"),
         hess),
        ("hessian", "numdifftools Hessian", lambda f: nd.Hessian(f)(X_MANY), hess),
    ]  # fmt: skip
    print("\n### four variables: error relative to the largest entry, calls of f, median time\n")
    print("| what | method | max error / max entry | calls | median time |")
    print("|---|---|---|---|---|")
    for what, name, run, truth in rows:
        counter = Counter(f_many)
        value = np.asarray(run(counter))
        rel = np.max(np.abs(value - truth)) / np.max(np.abs(truth))
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            run(f_many)
            times.append(time.perf_counter() - start)
        secs = statistics.median(times)
        print(f"| {what} | {name} | {rel:.1e} | {counter.calls} | {1e3 * secs:.2f} ms |")


# ---- where finite differences lie ----


def noisy_sin(seed: int) -> Callable:
    rng = np.random.default_rng(seed)
    return lambda t: np.sin(t) + 1e-5 * rng.standard_normal(np.shape(t))


# (label, f, x, n, exact derivative or None where it does not exist, one-sided slopes at a kink)
HARD = [
    ("sin x, x = 1e8", np.sin, 1e8, 1, math.cos(1e8), None),
    ("sin² x, x = 1e4", lambda t: np.sin(t) ** 2, 1e4, 2, 2 * math.cos(2e4), None),
    ("log x, x = 1e-8", np.log, 1e-8, 1, 1e8, None),
    ("sqrt x, x = 1e-8", np.sqrt, 1e-8, 1, 0.5e4, None),
    ("log x, x = 1e-8", np.log, 1e-8, 2, -1e16, None),
    ("sin x + 1e-5 N(0,1)", "noisy", 0.7, 1, math.cos(0.7), None),
    ("sin x + 1e-5 N(0,1)", "noisy", 0.7, 2, -math.sin(0.7), None),
    ("abs x, x = 0", np.abs, 0.0, 1, None, (-1.0, 1.0)),
    ("abs x, x = 0", np.abs, 0.0, 2, None, None),
    ("max(x - 0.3, 0), x = 0.3", lambda t: np.maximum(t - 0.3, 0.0), 0.3, 1, None, (0.0, 1.0)),
]


def judge(value, error, truth, sides, flagged) -> str:
    """'yes' (the estimate brackets the error), 'flagged', or 'NO' (confidently wrong)."""
    if sides is not None:
        covered = all(abs(value - s) <= error for s in sides)
    elif truth is None:
        covered = not np.isfinite(error)
    else:
        covered = abs(value - truth) <= error
    if covered and np.isfinite(error):
        return "yes"
    return "flagged" if flagged or not np.isfinite(error) else "NO"


def table_hard_cases() -> dict:
    print("\n### where finite differences lie: rel. error / rel. estimate, brackets?, warning\n")
    print("Relative to |f^(n)| (to 1 at a kink). 'yes': the estimate brackets the true error;")
    print("'flagged': an inf estimate or a warning names the trouble; 'NO': confidently wrong.\n")
    methods = ["forward", "backward", "central", "richardson", "complex"]
    print("| case | n | " + " | ".join(f"derivlab {m}" for m in methods) + " | numdifftools |")
    print("|---|---|" + "---|" * (len(methods) + 1))
    tally = {name: [0, 0] for name in methods + ["numdifftools"]}  # [passed, cases]
    for label, f, x0, n, truth, sides in HARD:
        scale = abs(truth) if truth else 1.0
        cells = []
        for method in methods + ["numdifftools"]:
            g = noisy_sin(14) if f == "noisy" else f
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    if method == "numdifftools":
                        res = nd.Derivative(g, n=n, full_output=True)(x0)
                        value, error = float(res.estimate), float(res.error_estimate)
                    else:
                        est = numeric.derivative(g, x0, n=n, method=method, full_output=True)
                        value, error = float(est.value), float(est.error)
                except (TypeError, ValueError) as exc:
                    cells.append(f"error: {type(exc).__name__}")
                    tally[method][0] += 1
                    tally[method][1] += 1
                    continue
            causes = sorted(
                {
                    str(w.message).split(":")[0]
                    for w in caught
                    if w.category is numeric.NumericWarning
                }
            )
            verdict = judge(value, error, truth, sides, bool(causes))
            tally[method][0] += verdict != "NO"
            tally[method][1] += 1
            rel = abs(value - truth) / scale if truth is not None else abs(value)
            note = f" ({', '.join(causes)})" if causes else ""
            cells.append(f"{rel:.1e} / {error / scale:.1e}, {verdict}{note}")
        print(f"| {label} | {n} | " + " | ".join(cells) + " |")
    print("\nnever confidently wrong (cases passed / cases): " + ", ".join(
        f"{name} {p}/{c}" for name, (p, c) in tally.items()))  # fmt: skip
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    print(
        f"## derivlab.numeric vs numdifftools {nd.__version__} "
        f"(numpy {np.__version__}, Python {platform.python_version()}, {platform.machine()})"
    )
    first = {
        "derivlab central": derivlab_method("central", 1),
        "derivlab complex": derivlab_method("complex", 1),
        "derivlab richardson": derivlab_method("richardson", 1),
        "numdifftools default": numdifftools_default(1),
    }
    summary = table_one_variable(1, first, args.repeats)
    second = {
        "derivlab central": derivlab_method("central", 2),
        "derivlab complex": derivlab_method("complex", 2),
        "derivlab richardson": derivlab_method("richardson", 2),
        "numdifftools default": numdifftools_default(2),
    }
    table_one_variable(2, second, args.repeats)
    table_many_variables(args.repeats)
    table_hard_cases()

    # ---- the targets of issue 2 ----
    rich, ndd, cplx = (summary[k] for k in ("derivlab richardson", "numdifftools default",
                                            "derivlab complex"))  # fmt: skip
    rich_worst = max(rich["worst"].values())
    fewer = all(a <= b for a, b in zip(rich["calls"], ndd["calls"]))
    print("\n### targets (n = 1)\n")
    print(f"- richardson worst relative error {rich_worst:.1e} (target <= 1e-10): "
          f"{'met' if rich_worst <= 1e-10 else 'MISSED'}")  # fmt: skip
    print(f"- richardson calls <= numdifftools' on every point: {'met' if fewer else 'MISSED'} "
          f"(max {max(rich['calls'])} vs {max(ndd['calls'])})")  # fmt: skip
    cplx_worst = max(cplx["worst"].values())
    met = cplx_worst <= 1e-13 or cplx["excess"] <= 2
    print(f"- complex step worst relative error {cplx_worst:.1e}, at most "
          f"{cplx['excess']:.1f}x the float64 formula's (target <= 1e-13, or f's own "
          f"conditioning): {'met' if met else 'MISSED'}")  # fmt: skip


if __name__ == "__main__":
    main()
