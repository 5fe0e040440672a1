"""Shared pieces of the plot helpers: a fresh Axes, and evaluating a function on many points."""

from __future__ import annotations

from collections.abc import Callable

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

FIGSIZE = (7.0, 4.5)  # inches: legible at notebook width
CMAP = "viridis"


def new_axes(ax: Axes | None, figsize: tuple[float, float] = FIGSIZE) -> Axes:
    """The Axes to draw on: `ax` itself, or a new figure's."""
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    elif not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}.")
    return ax


def check_callable(name: str, f: object) -> None:
    if not callable(f):
        raise TypeError(f"{name} must be a function, got {type(f).__name__}.")


def check_interval(name: str, interval: tuple[float, float]) -> tuple[float, float]:
    try:
        low, high = (float(v) for v in interval)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a pair (low, high), got {interval!r}.") from None
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValueError(f"{name} must be (low, high) with low < high, got {interval!r}.")
    return low, high


def evaluate(f: Callable, points: np.ndarray, axis: int | None = None) -> np.ndarray:
    """f at every point, with one vectorised call when f allows it, else one call per point.

    `points` holds scalars (axis=None) or, along `axis`, the coordinates of a point in the plane
    (f takes a vector of length 2). The vectorised result is used only if it has the right
    shape and agrees with separate calls at a few points, so a function such as
    ``lambda p: p @ A @ p`` that cannot take a grid at once still plots correctly.
    """
    shape = points.shape if axis is None else points.shape[1:]
    flat = points.reshape(-1) if axis is None else points.reshape(points.shape[0], -1)

    def one(i: int) -> float:
        return float(np.real(f(flat[i] if axis is None else flat[:, i])))

    count = int(np.prod(shape))
    probe = sorted({0, count // 3, (2 * count) // 3, count - 1})
    try:
        with np.errstate(all="ignore"):
            values = np.asarray(f(points), dtype=float)
        vectorised = values.shape == shape and np.allclose(
            values.reshape(-1)[probe],
            [one(i) for i in probe],
            rtol=1e-10,
            atol=1e-12,
            equal_nan=True,
        )
    except Exception:  # any failure of the vectorised call means: go point by point
        vectorised = False
    if vectorised:
        return values
    with np.errstate(all="ignore"):
        return np.array([one(i) for i in range(count)]).reshape(shape)


def padded_limits(values: np.ndarray, pad: float = 0.12) -> tuple[float, float]:
    """(low, high) around the finite values, with a margin; (-1, 1) when there are none."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return -1.0, 1.0
    low, high = float(finite.min()), float(finite.max())
    margin = pad * (high - low) if high > low else max(abs(high), 1.0) * pad
    return low - margin, high + margin
