"""Pictures of one-variable derivatives: secants, tangents, Taylor polynomials, error curves."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from derivlab.plot._base import (
    CMAP,
    check_callable,
    check_interval,
    evaluate,
    new_axes,
    padded_limits,
)

__all__ = ["error_vs_step", "secants", "tangent", "taylor"]


def _around(x0s: np.ndarray, spread: float, xlim: tuple[float, float] | None) -> tuple:
    if xlim is not None:
        return check_interval("xlim", xlim)
    return float(x0s.min()) - spread, float(x0s.max()) + spread


def _draw_f(ax: Axes, f: Callable, xlim: tuple[float, float], n: int = 400) -> np.ndarray:
    xs = np.linspace(*xlim, n)
    ys = evaluate(f, xs)
    ax.plot(xs, ys, color="black", lw=2, label="$f$", zorder=3)
    ax.set_xlim(*xlim)
    ax.set_ylim(*padded_limits(ys))
    ax.set(xlabel="$x$", ylabel="$f(x)$")
    return ys


# ---- secants shrinking to the tangent ----
def secants(
    f: Callable,
    x0: float,
    hs: Sequence[float],
    ax: Axes | None = None,
    *,
    df: Callable | None = None,
    xlim: tuple[float, float] | None = None,
) -> Axes:
    """Secant lines through :math:`(x_0, f(x_0))` and :math:`(x_0+h, f(x_0+h))` for each step h.

    Each secant has slope :math:`\\frac{f(x_0+h) - f(x_0)}{h}`; drawn from the largest h (light)
    to the smallest (dark), they turn toward the tangent, whose slope is :math:`f'(x_0)`.

    Args:
        f: a function of one number (plain NumPy).
        x0: the point where the derivative is taken.
        hs: the steps, nonzero (negative steps give secants to the left).
        ax: the Axes to draw on; a new figure when None.
        df: the derivative, to draw the tangent dashed (e.g. ``dl.grad(f)``).
        xlim: the x range; by default x0 ± 1.3 times the largest step.

    Returns:
        The Axes (``show()`` is never called).
    """
    check_callable("f", f)
    steps = np.asarray(hs, dtype=float).reshape(-1)
    if steps.size == 0 or np.any(steps == 0) or not np.all(np.isfinite(steps)):
        raise ValueError(f"hs must be finite, nonzero steps, got {hs!r}.")
    ax = new_axes(ax)
    x0 = float(x0)
    lim = _around(np.array([x0]), 1.3 * np.abs(steps).max(), xlim)
    _draw_f(ax, f, lim)
    fx0 = float(f(x0))
    xs = np.array(lim)
    order = np.argsort(-np.abs(steps))
    colours = plt.get_cmap(CMAP)(np.linspace(0.85, 0.15, steps.size))
    for colour, h in zip(colours, steps[order], strict=True):
        slope = (float(f(x0 + h)) - fx0) / h  # the difference quotient
        ax.plot(
            xs, fx0 + slope * (xs - x0), color=colour, lw=1.4, label=f"$h={h:g}$: slope {slope:.4g}"
        )
        ax.plot([x0 + h], [float(f(x0 + h))], "o", color=colour, ms=5, zorder=4)
    if df is not None:
        check_callable("df", df)
        slope = float(df(x0))
        ax.plot(
            xs,
            fx0 + slope * (xs - x0),
            "--",
            color="tab:red",
            lw=1.8,
            label=f"tangent: slope {slope:.4g}",
        )
    ax.plot([x0], [fx0], "o", color="black", ms=7, zorder=5)
    ax.set_title(f"Secants through $x_0 = {x0:g}$")
    ax.legend(fontsize="small", loc="best")
    return ax


# ---- tangent lines ----
def tangent(
    f: Callable,
    df: Callable,
    x0: float | Sequence[float],
    ax: Axes | None = None,
    *,
    xlim: tuple[float, float] | None = None,
    width: float | None = None,
) -> Axes:
    """f with its tangent :math:`y = f(x_0) + f'(x_0)(x - x_0)` at one or several points.

    Args:
        f: a function of one number.
        df: its derivative (e.g. ``dl.grad(f)``).
        x0: a point or a sequence of points.
        ax: the Axes to draw on; a new figure when None.
        xlim: the x range; by default the points ± 1.5 (or ± the points' spread).
        width: how far each tangent segment reaches on either side; by default a sixth of the
            x range (the whole range for a single point).

    Returns:
        The Axes (``show()`` is never called).
    """
    check_callable("f", f)
    check_callable("df", df)
    points = np.asarray(x0, dtype=float).reshape(-1)
    if points.size == 0 or not np.all(np.isfinite(points)):
        raise ValueError(f"x0 must be one or more finite points, got {x0!r}.")
    ax = new_axes(ax)
    spread = max(1.5, 0.25 * float(np.ptp(points)))
    lim = _around(points, spread, xlim)
    _draw_f(ax, f, lim)
    if width is None:
        width = (lim[1] - lim[0]) / (1 if points.size == 1 else 6)
    colours = plt.get_cmap("tab10")(np.arange(points.size) % 10)
    for colour, p in zip(colours, points, strict=True):
        fp, slope = float(f(p)), float(df(p))
        xs = np.array([p - width, p + width])
        ax.plot(
            xs,
            fp + slope * (xs - p),
            color=colour,
            lw=1.6,
            label=f"$x_0={p:.3g}$: slope {slope:.3g}",
        )
        ax.plot([p], [fp], "o", color=colour, ms=6, zorder=4)
    ax.set_title("Tangent lines")
    ax.legend(fontsize="small", loc="best")
    return ax


# ---- Taylor polynomials ----
def _derivatives_at(f: Callable, x0: float, order: int) -> list[float]:
    """[f(x0), f'(x0), …, f⁽ᵒʳᵈᵉʳ⁾(x0)] from derivlab's symbolic engine."""
    import sympy

    from derivlab.symbolic import expression

    t = sympy.Symbol("t", real=True)
    expr = expression(f, t)
    return [float(sympy.diff(expr, t, k).subs(t, x0)) for k in range(order + 1)]


def taylor(
    f: Callable,
    x0: float,
    orders: Sequence[int] = (1, 2),
    ax: Axes | None = None,
    *,
    derivatives: Sequence[float] | None = None,
    xlim: tuple[float, float] | None = None,
) -> Axes:
    """f and its Taylor polynomials :math:`T_k(x) = \\sum_{j \\le k} f^{(j)}(x_0)(x-x_0)^j / j!`.

    Args:
        f: a function of one number (plain NumPy).
        x0: the expansion point.
        orders: the polynomial orders to draw, e.g. ``(1, 2, 3)``.
        ax: the Axes to draw on; a new figure when None.
        derivatives: ``[f(x0), f'(x0), f''(x0), …]`` up to the highest order; by default
            computed exactly by :mod:`derivlab.symbolic`.
        xlim: the x range; by default x0 ± 2.

    Returns:
        The Axes (``show()`` is never called).
    """
    check_callable("f", f)
    degrees = [int(k) for k in orders]
    if not degrees or min(degrees) < 0:
        raise ValueError(f"orders must be non-negative integers, got {orders!r}.")
    top = max(degrees)
    if derivatives is None:
        values = _derivatives_at(f, float(x0), top)
    else:
        values = [float(v) for v in derivatives]
        if len(values) < top + 1:
            raise ValueError(
                f"derivatives must hold f(x0) and the first {top} derivatives "
                f"({top + 1} numbers) for orders up to {top}, got {len(values)}."
            )
    ax = new_axes(ax)
    lim = _around(np.array([float(x0)]), 2.0, xlim)
    ys = _draw_f(ax, f, lim)
    xs = np.linspace(*lim, 400)
    colours = plt.get_cmap(CMAP)(np.linspace(0.1, 0.8, len(degrees)))
    for colour, k in zip(colours, degrees, strict=True):
        poly = sum(values[j] * (xs - x0) ** j / math.factorial(j) for j in range(k + 1))
        ax.plot(xs, np.broadcast_to(poly, xs.shape), color=colour, lw=1.6, label=f"order {k}")
    ax.plot([x0], [values[0]], "o", color="black", ms=6, zorder=5)
    ax.set_ylim(*padded_limits(ys, pad=0.3))  # polynomials run off: keep f in view
    ax.set_title(f"Taylor polynomials at $x_0 = {float(x0):g}$")
    ax.legend(fontsize="small", loc="best")
    return ax


# ---- error against step size ----
def error_vs_step(
    hs: Sequence[float],
    errors: Sequence[float] | Mapping[str, Sequence[float]],
    ax: Axes | None = None,
    *,
    slopes: Sequence[int] = (),
    mark_min: bool = True,
) -> Axes:
    """Log–log plot of :math:`|\\text{error}|` against the step h, one curve per method.

    On such a plot an error :math:`C h^p` is a straight line of slope p, so reference lines of
    slope 1, 2, … tell a method's order; round-off makes the curve turn up for small h.

    Args:
        hs: the steps (positive).
        errors: the errors at those steps, or ``{label: errors}`` for several methods. Zero
            (or NaN) errors cannot be drawn on a log scale and are left out of the curve.
        ax: the Axes to draw on; a new figure when None.
        slopes: reference lines :math:`\\propto h^p` to draw, e.g. ``(1, 2)``.
        mark_min: mark each curve's smallest error (the best step).

    Returns:
        The Axes (``show()`` is never called).
    """
    steps = np.asarray(hs, dtype=float).reshape(-1)
    if steps.size == 0 or np.any(~np.isfinite(steps)) or np.any(steps <= 0):
        raise ValueError(f"hs must be finite positive steps, got {hs!r}.")
    curves = dict(errors) if isinstance(errors, Mapping) else {"error": errors}
    if not curves:
        raise ValueError("errors is empty: pass the errors, or {label: errors} for each method.")
    ax = new_axes(ax)
    drawn = []
    for label, errs in curves.items():
        err = np.abs(np.asarray(errs, dtype=float).reshape(-1))
        if err.shape != steps.shape:
            raise ValueError(f"errors for {label!r} have {err.size} values for {steps.size} steps.")
        keep = np.isfinite(err) & (err > 0)
        (line,) = ax.loglog(steps[keep], err[keep], "o-", ms=3, lw=1.5, label=label)
        if mark_min and keep.any():
            best = np.argmin(np.where(keep, err, np.inf))
            ax.plot(steps[best], err[best], "*", ms=12, color=line.get_color(), zorder=4)
        drawn.append(err[keep])
    values = np.concatenate(drawn)
    if values.size:
        low, high = values.min(), values.max()
        # each reference line C h^p starts a factor 3 below the largest error at the largest step
        h_max = steps.max()
        for p in slopes:
            ref = (high / 3) * (steps / h_max) ** p
            ax.loglog(
                steps, ref, ":", color="gray", lw=1.2, label=f"slope {p}: $\\propto h^{{{p}}}$"
            )
        ax.set_ylim(low / 3, high * 3)  # keep the data in view, not the reference lines
    ax.set(xlabel="step $h$", ylabel="|error|", title="Error against step size")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize="small", loc="best")
    return ax
