"""Pictures of functions of two variables: level curves, gradient arrows, descent paths."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes

from derivlab.plot._base import CMAP, check_callable, check_interval, evaluate, new_axes

__all__ = ["contour", "gradient_field", "trajectory"]


def _grid(xlim: tuple[float, float], ylim: tuple[float, float], n: int) -> np.ndarray:
    """Points of an n × n grid, stacked as an array of shape (2, n, n): p[0] is x, p[1] is y."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n must be an integer >= 2 (points per side), got {n!r}.")
    xs = np.linspace(*check_interval("xlim", xlim), n)
    ys = np.linspace(*check_interval("ylim", ylim), n)
    return np.stack(np.meshgrid(xs, ys))


def _label_plane(ax: Axes, equal: bool) -> None:
    ax.set(xlabel="$x_1$", ylabel="$x_2$")
    if equal:
        # equal scales, so the gradient looks perpendicular to the level curves, as it is
        ax.set_aspect("equal", adjustable="box")


# ---- level curves ----
def contour(
    f: Callable,
    xlim: tuple[float, float] = (-2.0, 2.0),
    ylim: tuple[float, float] = (-2.0, 2.0),
    ax: Axes | None = None,
    *,
    levels: int | Sequence[float] = 20,
    n: int = 150,
    filled: bool = False,
    equal: bool = True,
    colorbar: bool = False,
) -> Axes:
    """Level curves :math:`f(x_1, x_2) = c` of a function of a point in the plane.

    Args:
        f: a function of one vector ``p`` of length 2 (``p[0]``, ``p[1]``), plain NumPy; it is
            called on the whole grid at once when it allows it, else point by point.
        xlim: range of :math:`x_1`.
        ylim: range of :math:`x_2`.
        ax: the Axes to draw on; a new figure when None.
        levels: the number of levels, or the levels themselves (e.g. ``np.geomspace(...)`` for
            a function that spans decades, like Rosenbrock's).
        n: grid points per side.
        filled: fill between the levels instead of drawing lines.
        equal: use the same scale on both axes.
        colorbar: add a colour bar for f's values.

    Returns:
        The Axes (``show()`` is never called).
    """
    check_callable("f", f)
    ax = new_axes(ax)
    grid = _grid(xlim, ylim, n)
    values = evaluate(f, grid, axis=0)
    draw = ax.contourf if filled else ax.contour
    contours = draw(grid[0], grid[1], values, levels=levels, cmap=CMAP)
    if colorbar:
        ax.figure.colorbar(contours, ax=ax, label="$f$")
    _label_plane(ax, equal)
    return ax


# ---- gradient arrows ----
def gradient_field(
    grad_f: Callable,
    xlim: tuple[float, float] = (-2.0, 2.0),
    ylim: tuple[float, float] = (-2.0, 2.0),
    ax: Axes | None = None,
    *,
    n: int = 15,
    normalize: bool = True,
    color: str = "tab:red",
    equal: bool = True,
) -> Axes:
    """Arrows of the gradient :math:`\\nabla f(x_1, x_2)` on a grid: the steepest-ascent direction.

    Draw it over :func:`contour` on the same Axes to see each arrow cross the level curves at a
    right angle.

    Args:
        grad_f: a function of a point ``p`` (length 2) returning the gradient (length 2), e.g.
            ``dl.grad(f)``.
        xlim: range of :math:`x_1`.
        ylim: range of :math:`x_2`.
        ax: the Axes to draw on; a new figure when None.
        n: arrows per side.
        normalize: draw every arrow with the same length (direction only); otherwise lengths
            are proportional to :math:`\\|\\nabla f\\|`.
        color: arrow colour.
        equal: use the same scale on both axes.

    Returns:
        The Axes (``show()`` is never called).
    """
    check_callable("grad_f", grad_f)
    ax = new_axes(ax)
    grid = _grid(xlim, ylim, n)
    arrows = np.empty_like(grid)
    for i, j in np.ndindex(n, n):
        g = np.asarray(grad_f(grid[:, i, j].copy()), dtype=float).reshape(-1)
        if g.shape != (2,):
            raise ValueError(
                f"grad_f must return 2 numbers for a point in the plane, got {g.shape}."
            )
        arrows[:, i, j] = g
    if normalize:
        length = np.hypot(arrows[0], arrows[1])
        arrows = np.divide(arrows, length, out=np.zeros_like(arrows), where=length > 0)
        # a zero gradient (a stationary point) stays a zero arrow
    # the longest arrow spans 0.8 of the grid spacing, in data units
    spacing = min(np.ptp(grid[0][0]), np.ptp(grid[1][:, 0])) / (n - 1)
    longest = np.hypot(arrows[0], arrows[1]).max()
    scale = longest / (0.8 * spacing) if longest > 0 else 1.0
    ax.quiver(
        grid[0],
        grid[1],
        arrows[0],
        arrows[1],
        color=color,
        angles="xy",
        scale_units="xy",
        scale=scale,
        pivot="tail",
        width=0.004,
    )
    _label_plane(ax, equal)
    return ax


# ---- a path of iterates ----
def _points_of(points: Any) -> np.ndarray:
    for name in ("xs", "iterates", "points", "path"):
        if hasattr(points, name):
            points = getattr(points, name)  # e.g. an optimizer's trace
            break
    try:
        return np.asarray(points, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(
            "trajectory needs points: an array of shape (k, 2), or (k,) with f= "
            f"for a path on a curve; got {type(points).__name__}."
        ) from None


def trajectory(
    points: Any,
    ax: Axes | None = None,
    *,
    f: Callable | None = None,
    label: str | None = None,
    color: str | None = None,
    marker: str = "o",
) -> Axes:
    """The path of successive iterates :math:`x_0, x_1, \\dots`, start and end marked.

    Args:
        points: the iterates: an array of shape ``(k, 2)`` (a path in the plane, draw it over
            :func:`contour`), or ``(k,)`` numbers together with ``f`` (a path down the curve
            :math:`y = f(x)`). An object with an ``xs`` or ``iterates`` attribute (an
            optimizer's trace) is read through it.
        ax: the Axes to draw on; a new figure when None.
        f: for one-variable iterates, the function whose curve they walk on.
        label: legend label.
        color: line colour (the next colour of the cycle by default).
        marker: marker at each iterate.

    Returns:
        The Axes (``show()`` is never called).
    """
    path = _points_of(points)
    if path.ndim == 1:
        if f is None:
            raise ValueError("one-variable iterates need f= to place them on the curve y = f(x).")
        check_callable("f", f)
        path = np.stack([path, np.array([float(f(x)) for x in path])], axis=1)
    if path.ndim != 2 or path.shape[1] != 2 or len(path) == 0:
        raise ValueError(f"points must have shape (k, 2) or (k,), got {path.shape}.")
    ax = new_axes(ax)
    (line,) = ax.plot(path[:, 0], path[:, 1], marker=marker, ms=4, lw=1.5, color=color, label=label)
    c = line.get_color()
    ax.plot(*path[0], "o", ms=9, mfc="white", mec=c, mew=2, zorder=5)  # start
    ax.plot(*path[-1], "*", ms=14, color=c, mec="black", mew=0.6, zorder=5)  # end
    if label is not None:
        ax.legend(fontsize="small", loc="best")
    if not ax.get_xlabel():
        ax.set(xlabel="$x_1$" if f is None else "$x$", ylabel="$x_2$" if f is None else "$f(x)$")
    return ax
