"""Small synthetic data sets, made in code from a seed: nothing is downloaded.

Every function takes ``seed`` (an int, or a ``numpy.random.Generator`` to continue a stream)
and returns plain NumPy arrays, so the same call gives the same data on every machine.

- :func:`drive`: a car trip (accelerate, cruise, brake) sampled in time, with the exact
  position, velocity and acceleration as functions, for chapter 1's rates of change;
- :func:`line`: the classic regression line :math:`y = 4 + 3x + \\varepsilon`;
- :func:`xor`, :func:`blobs`, :func:`moons`: two-dimensional classification sets;
- :func:`bars_and_crosses`: small images of a bar or a cross, for convolutional networks;
- :func:`shapes`: four classes of small images (horizontal bar, vertical bar, cross, box) inside
  a blank margin, so that shifts by up to the margin keep every shape whole;
- :func:`minibatches`: one shuffled pass over arrays in batches, for stochastic descent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import NamedTuple

import numpy as np

__all__ = [
    "SHAPES",
    "Drive",
    "bars_and_crosses",
    "blobs",
    "drive",
    "line",
    "minibatches",
    "moons",
    "shapes",
    "xor",
]

Seed = int | np.random.Generator | None


def _rng(seed: Seed) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int or a numpy.random.Generator, got {seed!r}.")
    return np.random.default_rng(seed)


def _positive_int(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    return int(value)


def _nonnegative(name: str, value: float) -> float:
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}.")
    return float(value)


# ---- a car trip: the smooth pedal ----
# Speed rises from 0 to the cruising speed along the smoothstep S(u) = 3u² - 2u³ (u = time
# scaled to [0, 1]), holds, then falls back to 0 the same way. S' = 6u(1 - u) is zero at both
# ends, so the acceleration is continuous: no infinite jerk, and every formula is exact.
def _ramp(u):
    """S(u) = 3c² - 2c³ with c = clip(u, 0, 1): 0 before the ramp, 1 after it."""
    c = np.clip(u, 0.0, 1.0)
    return 3 * c**2 - 2 * c**3


def _ramp_slope(u):
    """S'(u) = 6c(1 - c): the ramp's rate, zero outside [0, 1]."""
    c = np.clip(u, 0.0, 1.0)
    return 6 * c * (1 - c)


def _ramp_area(u):
    """∫₀ᵘ S = c³ - c⁴/2 on [0, 1], plus (u - 1) past its end (where S = 1)."""
    c = np.clip(u, 0.0, 1.0)
    # np.where, not np.maximum: at u = 1 the tail must add slope 0, not the tie's 1/2
    return c**3 - c**4 / 2 + np.where(u > 1.0, u - 1.0, 0.0)


class Drive(NamedTuple):
    """A simulated car trip: samples ``(t, x)`` and the exact curves they come from.

    Attributes:
        t: sample times in seconds, shape ``(n,)``.
        x: measured position in metres at those times (exact plus ``noise``), shape ``(n,)``.
        position: exact position :math:`x(t)`, a plain NumPy function of ``t``.
        velocity: exact velocity :math:`v(t) = x'(t)` in m/s.
        acceleration: exact acceleration :math:`a(t) = x''(t)` in m/s².
        phases: ``{"accelerate": (t0, t1), "cruise": ..., "brake": ...}`` in seconds.
    """

    t: np.ndarray
    x: np.ndarray
    position: Callable
    velocity: Callable
    acceleration: Callable
    phases: dict[str, tuple[float, float]]


def drive(
    n: int = 261,
    *,
    cruise_speed: float = 20.0,
    accelerate: float = 8.0,
    cruise: float = 12.0,
    brake: float = 6.0,
    noise: float = 0.0,
    seed: Seed = 0,
) -> Drive:
    """A car that accelerates, cruises and brakes to a stop, sampled ``n`` times.

    The speed follows :math:`v(t) = V\\,[S(t/T_a) - S((t - t_b)/T_b)]` with the smoothstep
    :math:`S(u) = 3u^2 - 2u^3`, so position, velocity and acceleration are exact and smooth
    enough to differentiate (the acceleration is continuous; its own slope jumps where a phase
    starts or ends).

    Args:
        n: number of samples, evenly spaced from 0 to the end of the trip.
        cruise_speed: top speed :math:`V` in m/s (20 m/s = 72 km/h).
        accelerate: seconds spent reaching the cruising speed, :math:`T_a`.
        cruise: seconds at the cruising speed.
        brake: seconds from the cruising speed to a stop, :math:`T_b`.
        noise: standard deviation (metres) of Gaussian noise added to the measured ``x``, like
            a GPS track; 0 gives the exact positions.
        seed: seed or Generator for the noise.

    Returns:
        A :class:`Drive` with arrays ``t``, ``x`` and exact ``position``, ``velocity``,
        ``acceleration`` functions.

    Example:
        >>> trip = drive()
        >>> float(trip.velocity(14.0))  # cruising
        20.0
    """
    n = _positive_int("n", n)
    if n < 2:
        raise ValueError(f"n must be at least 2 to sample a trip, got {n}.")
    for name, value in [
        ("accelerate", accelerate),
        ("brake", brake),
        ("cruise_speed", cruise_speed),
    ]:
        if not np.isfinite(value) or value <= 0:
            raise ValueError(f"{name} must be a finite number > 0, got {value!r}.")
    cruise = _nonnegative("cruise", cruise)
    noise = _nonnegative("noise", noise)
    speed, t_a, t_b = float(cruise_speed), float(accelerate), float(accelerate + cruise)
    t_end = t_b + brake

    def position(t):
        # x(t) = ∫₀ᵗ v: each ramp contributes its duration times the ramp's area
        return speed * (t_a * _ramp_area(t / t_a) - brake * _ramp_area((t - t_b) / brake))

    def velocity(t):
        return speed * (_ramp(t / t_a) - _ramp((t - t_b) / brake))

    def acceleration(t):
        # chain rule: d/dt S(t/T) = S'(t/T) / T
        return speed * (_ramp_slope(t / t_a) / t_a - _ramp_slope((t - t_b) / brake) / brake)

    t = np.linspace(0.0, t_end, n)
    x = position(t)
    if noise:
        x = x + noise * _rng(seed).standard_normal(n)
    phases = {"accelerate": (0.0, t_a), "cruise": (t_a, t_b), "brake": (t_b, t_end)}
    return Drive(t, x, position, velocity, acceleration, phases)


# ---- regression ----
def line(
    n: int = 100,
    *,
    intercept: float = 4.0,
    slope: float = 3.0,
    noise: float = 1.0,
    xlim: tuple[float, float] = (0.0, 2.0),
    seed: Seed = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Points around a line: :math:`y = 4 + 3x + \\varepsilon`, :math:`\\varepsilon \\sim N(0, 1)`.

    Args:
        n: number of points.
        intercept: the line's value at 0 (the 4).
        slope: the line's slope (the 3).
        noise: standard deviation of the Gaussian noise :math:`\\varepsilon`.
        xlim: ``x`` is drawn uniformly from this interval.
        seed: seed or Generator.

    Returns:
        ``(x, y)``, two arrays of shape ``(n,)``.
    """
    n = _positive_int("n", n)
    noise = _nonnegative("noise", noise)
    low, high = xlim
    if not low < high:
        raise ValueError(f"xlim must be (low, high) with low < high, got {xlim!r}.")
    rng = _rng(seed)
    x = rng.uniform(low, high, n)
    y = intercept + slope * x + noise * rng.standard_normal(n)
    return x, y


# ---- classification in the plane ----
def xor(
    n: int | None = None, *, noise: float = 0.1, seed: Seed = 0
) -> tuple[np.ndarray, np.ndarray]:
    """The XOR problem: label 1 where exactly one coordinate is 1.

    Args:
        n: ``None`` for the four corners of the unit square (no noise); otherwise ``n`` points,
            each a random corner plus Gaussian noise.
        noise: standard deviation of that noise (ignored for the four corners).
        seed: seed or Generator.

    Returns:
        ``(X, y)``: ``X`` of shape ``(4, 2)`` or ``(n, 2)``, integer labels ``y`` in {0, 1}.
    """
    corners = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    if n is None:
        return corners, np.array([0, 1, 1, 0])
    n = _positive_int("n", n)
    noise = _nonnegative("noise", noise)
    rng = _rng(seed)
    which = rng.integers(0, 4, n)
    X = corners[which] + noise * rng.standard_normal((n, 2))
    y = (corners[which, 0] != corners[which, 1]).astype(np.int64)
    return X, y


def blobs(
    n: int = 200, *, centers: int = 2, spread: float = 0.6, radius: float = 2.0, seed: Seed = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian clouds around ``centers`` points evenly spaced on a circle.

    Args:
        n: number of points, shared out as evenly as possible between the classes.
        centers: number of classes (at least 2).
        spread: standard deviation of each cloud.
        radius: distance of the cloud centres from the origin.
        seed: seed or Generator.

    Returns:
        ``(X, y)``: points of shape ``(n, 2)`` and integer labels ``0 … centers-1``.
    """
    n = _positive_int("n", n)
    if _positive_int("centers", centers) < 2:
        raise ValueError(f"centers must be at least 2, got {centers}.")
    spread = _nonnegative("spread", spread)
    rng = _rng(seed)
    y = np.arange(n) % centers
    angle = 2 * np.pi * y / centers + np.pi / 4
    middle = radius * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    X = middle + spread * rng.standard_normal((n, 2))
    order = rng.permutation(n)
    return X[order], y[order].astype(np.int64)


def moons(n: int = 200, *, noise: float = 0.1, seed: Seed = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles: a two-class set no straight line separates.

    Args:
        n: number of points (half on each moon, the extra one on the first).
        noise: standard deviation of Gaussian noise added to each point.
        seed: seed or Generator.

    Returns:
        ``(X, y)``: points of shape ``(n, 2)`` and integer labels in {0, 1}.
    """
    n = _positive_int("n", n)
    noise = _nonnegative("noise", noise)
    rng = _rng(seed)
    y = np.arange(n) % 2
    angle = rng.uniform(0.0, np.pi, n)
    # upper moon: the unit half circle; lower moon: flipped and shifted by (1, 0.5)
    upper = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    lower = np.stack([1.0 - np.cos(angle), 0.5 - np.sin(angle)], axis=1)
    X = np.where(y[:, None] == 0, upper, lower) + noise * rng.standard_normal((n, 2))
    return X, y.astype(np.int64)


# ---- images: bars and crosses ----
def bars_and_crosses(
    n: int = 200, *, size: int = 12, noise: float = 0.1, seed: Seed = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Images of a bar (label 0) or a cross (label 1), in NCHW layout for a convolution.

    A cross is a plus sign with arms of ``a`` pixels around a centre pixel (``4a + 1`` lit
    pixels); a bar is a horizontal or vertical line of ``4a + 1`` pixels. Both shapes light the
    same number of pixels, so total brightness says nothing about the class: a classifier has to
    see that a cross has both orientations. Arm lengths ``a`` run from 1 to ``(size - 1) // 4``
    and positions are uniform over those that fit; lit pixels are 1, the rest 0, before noise.

    Args:
        n: number of images, alternating bar, cross, bar, … before a shuffle.
        size: height and width in pixels (at least 5).
        noise: standard deviation of Gaussian noise added to every pixel.
        seed: seed or Generator.

    Returns:
        ``(X, y)``: images of shape ``(n, 1, size, size)`` and integer labels in {0, 1}.
    """
    n = _positive_int("n", n)
    if _positive_int("size", size) < 5:
        raise ValueError(f"size must be at least 5 pixels, got {size}.")
    noise = _nonnegative("noise", noise)
    rng = _rng(seed)
    X = np.zeros((n, 1, size, size))
    y = np.arange(n) % 2
    for k in range(n):
        a = int(rng.integers(1, (size - 1) // 4 + 1))
        if y[k] == 1:  # a plus sign centred at (r, c)
            r, c = rng.integers(a, size - a, 2)
            X[k, 0, r, c - a : c + a + 1] = 1.0
            X[k, 0, r - a : r + a + 1, c] = 1.0
        else:  # a line of 4a + 1 pixels, horizontal or vertical
            length = 4 * a + 1
            r, c = rng.integers(0, size), rng.integers(0, size - length + 1)
            if rng.integers(0, 2):
                X[k, 0, r, c : c + length] = 1.0
            else:
                X[k, 0, c : c + length, r] = 1.0
    X = X + noise * rng.standard_normal(X.shape)
    order = rng.permutation(n)
    return X[order], y[order].astype(np.int64)


# ---- images: four shapes inside a margin ----
#: The four classes of :func:`shapes`, in the order of their labels 0 to 3.
SHAPES = ("horizontal bar", "vertical bar", "cross", "box")


def shapes(
    n: int = 200, *, size: int = 10, margin: int = 1, noise: float = 0.1, seed: Seed = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Images of four shapes, labels 0 to 3 in the order of :data:`SHAPES`, in NCHW layout.

    0: a horizontal bar and 1: a vertical bar, each of 3 or more pixels; 2: a plus sign with
    arms of ``a >= 1`` pixels; 3: a box, the outline of a square of side 3 or more. Sizes and
    positions are uniform over those that fit in the inner square of side ``size - 2 margin``:
    no shape touches the ``margin`` pixels along the edges, so a shift of up to ``margin``
    pixels in each direction keeps it whole, and a left–right or up–down flip keeps its class.
    Swapping rows and columns (a transpose) does not: it turns a horizontal bar into a vertical
    one. Lit pixels are 1, the rest 0, before noise. The shapes, their places and their order
    depend on ``seed`` but not on ``noise``: the same call with ``noise=0.0`` gives the
    noiseless originals of the same images.

    Args:
        n: number of images, cycling through the four classes before a shuffle.
        size: height and width in pixels.
        margin: blank pixels along each edge (at least 0); ``size - 2 margin`` must be >= 3.
        noise: standard deviation of Gaussian noise added to every pixel.
        seed: seed or Generator.

    Returns:
        ``(X, y)``: images of shape ``(n, 1, size, size)`` and integer labels in {0, 1, 2, 3}.
    """
    n = _positive_int("n", n)
    size = _positive_int("size", size)
    if isinstance(margin, bool) or not isinstance(margin, (int, np.integer)) or margin < 0:
        raise ValueError(f"margin must be an integer >= 0, got {margin!r}.")
    inner = size - 2 * int(margin)
    if inner < 3:
        raise ValueError(
            f"size - 2 margin must be at least 3 pixels to hold a shape, got size={size}, "
            f"margin={margin}; make the image larger or the margin smaller."
        )
    noise = _nonnegative("noise", noise)
    rng = _rng(seed)
    X = np.zeros((n, 1, size, size))
    y = np.arange(n) % 4
    for k in range(n):
        image = X[k, 0, margin : size - margin, margin : size - margin]  # the inner square
        if y[k] < 2:  # a bar of `length` pixels in row r, from column c
            length = int(rng.integers(3, inner + 1))
            r, c = rng.integers(0, inner), rng.integers(0, inner - length + 1)
            bar = image if y[k] == 0 else image.T  # a view: writing it writes the image
            bar[r, c : c + length] = 1.0
        elif y[k] == 2:  # a plus sign with arms of a pixels, centred at (r, c)
            a = int(rng.integers(1, (inner - 1) // 2 + 1))
            r, c = rng.integers(a, inner - a, 2)
            image[r, c - a : c + a + 1] = 1.0
            image[r - a : r + a + 1, c] = 1.0
        else:  # the outline of a square of side s, top-left corner (r, c)
            s = int(rng.integers(3, inner + 1))
            r, c = rng.integers(0, inner - s + 1, 2)
            image[r : r + s, c : c + s] = 1.0
            image[r + 1 : r + s - 1, c + 1 : c + s - 1] = 0.0
    # drawn even when noise is 0, so that the shuffle below does not depend on the noise
    X = X + noise * rng.standard_normal(X.shape)
    order = rng.permutation(n)
    return X[order], y[order].astype(np.int64)


# ---- stochastic descent ----
def minibatches(
    *arrays: np.ndarray, batch_size: int, shuffle: bool = True, seed: Seed = 0
) -> Iterator[tuple[np.ndarray, ...]]:
    """One pass (epoch) over ``arrays`` in batches of rows, the same rows from each array.

    Args:
        *arrays: arrays with the same first dimension, e.g. ``X, y``.
        batch_size: rows per batch; the last batch holds what is left.
        shuffle: visit the rows in a random order (seeded) rather than in order.
        seed: seed or Generator for the order; pass one Generator to get a new order each epoch.

    Returns:
        An iterator of tuples, one array per input, each with ``batch_size`` rows (the last may
        have fewer).

    Example:
        >>> X, y = line(10)
        >>> [len(xb) for xb, yb in minibatches(X, y, batch_size=4)]
        [4, 4, 2]
    """
    if not arrays:
        raise ValueError("minibatches needs at least one array, e.g. minibatches(X, y, ...).")
    batch_size = _positive_int("batch_size", batch_size)
    arrays = tuple(np.asarray(a) for a in arrays)
    rows = {len(a) for a in arrays}
    if len(rows) != 1:
        raise ValueError(f"the arrays must have the same number of rows, got {sorted(rows)}.")
    (count,) = rows
    order = _rng(seed).permutation(count) if shuffle else np.arange(count)
    # checked above, before the first batch is asked for; the batches themselves come lazily
    return (
        tuple(a[order[start : start + batch_size]] for a in arrays)
        for start in range(0, count, batch_size)
    )
