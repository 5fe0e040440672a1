r"""Numerical derivatives: finite differences, the complex step and Richardson extrapolation.

Everything here evaluates the reader's plain NumPy function at ordinary real (or, for the complex
step, complex) points; nothing is traced. The pieces, in the order chapter 3 teaches them:

* :func:`coefficients` -- the exact stencil :math:`f^{(n)}(x) \approx h^{-n}\sum_k w_k f(x+kh)`,
  solved from the Taylor system with SymPy rationals and kept as plain data.
* the default step -- truncation :math:`\propto h^p` against round-off :math:`\propto
  \varepsilon/h^n`, minimised (see :func:`derivative`).
* the complex step -- :math:`f'(x) \approx \operatorname{Im} f(x+ih)/h`, with no subtraction.
* Richardson extrapolation -- a table of quotients over steps :math:`h_0 r^{-i}` whose columns
  cancel :math:`h^p, h^{p+2}, \dots`; error estimates and a convergence test pick the entry,
  so the table finds f's own length scale.

Counting convention: ``nfev`` counts calls of ``f``. For an array ``x`` with an elementwise ``f``,
one call evaluates every element at its own shifted point.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import sympy as sp

__all__ = ["Estimate", "Stencil", "coefficients", "derivative", "gradient", "hessian", "jacobian"]

METHODS = ("forward", "backward", "central", "complex", "richardson")
KINDS = ("forward", "backward", "central")
EPS = float(np.finfo(np.float64).eps)

# ---- results as plain data ----


@dataclass(frozen=True)
class Stencil:
    """An exact finite-difference stencil: :math:`f^{(n)}(x) \\approx h^{-n}\\sum_k w_k f(x+kh)`.

    Attributes:
        offsets: the integer offsets :math:`k` (SymPy Integers, which are Rationals).
        weights: the weights :math:`w_k` as SymPy Rationals; zero weights are kept so that the
            offsets are the contiguous range the Taylor system was solved on.
        n: the derivative order.
        accuracy: the order of accuracy :math:`p`: the error is :math:`O(h^p)`.
        kind: ``"forward"``, ``"backward"`` or ``"central"``.
    """

    offsets: tuple[sp.Rational, ...]
    weights: tuple[sp.Rational, ...]
    n: int
    accuracy: int
    kind: str

    def float_weights(self) -> np.ndarray:
        """The weights as a float64 array."""
        return np.array([float(w) for w in self.weights])

    def float_offsets(self) -> np.ndarray:
        """The offsets as a float64 array."""
        return np.array([float(k) for k in self.offsets])

    @property
    def error_constant(self) -> sp.Rational:
        r"""The leading error coefficient :math:`c = \sum_k w_k k^{n+p}/(n+p)!`.

        The stencil then returns :math:`f^{(n)} + c\,h^p f^{(n+p)} + O(h^{p+1})`.
        """
        m = self.n + self.accuracy
        return sum(w * k**m for k, w in zip(self.offsets, self.weights)) / sp.factorial(m)


@dataclass(frozen=True)
class Estimate:
    """A derivative with its error estimate and cost (``derivative(..., full_output=True)``).

    Attributes:
        value: the derivative (a float, or an array shaped like ``x``).
        error: an estimate of ``|value - true derivative|`` (see :func:`derivative` for how each
            method makes it).
        h: the step that produced ``value`` (for ``richardson``: the smallest step of the chosen
            table entry).
        nfev: how many times ``f`` was called.
        method: the method used.
    """

    value: Any
    error: Any
    h: Any
    nfev: int
    method: str


# ---- checking the arguments ----


def _is_positive_int(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, np.integer)) and value >= 1


def _check_n(n: Any) -> int:
    if not _is_positive_int(n):
        raise ValueError(
            f"n is the derivative order and must be a positive integer (1 for f', 2 for f''); "
            f"got n={n!r}."
        )
    return int(n)


def _check_kind(kind: Any) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown stencil kind {kind!r}; choose one of {', '.join(KINDS)}.")
    return kind


def _check_accuracy(accuracy: Any, kind: str) -> int:
    if not _is_positive_int(accuracy):
        raise ValueError(
            f"accuracy is the order p of the error O(h^p) and must be a positive integer; "
            f"got accuracy={accuracy!r}."
        )
    if kind == "central" and accuracy % 2:
        raise ValueError(
            f"accuracy must be even for central differences (a symmetric stencil's error has only "
            f"even powers of h); got accuracy={accuracy}. Use accuracy={accuracy + 1}, or "
            f"method='forward'/'backward' for odd orders."
        )
    return int(accuracy)


def _check_method(method: Any) -> str:
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}.")
    return method


def _check_x(x: Any) -> np.ndarray:
    arr = np.asarray(x)
    if np.iscomplexobj(arr):
        raise TypeError(
            "x must be real: derivlab.numeric differentiates along the real axis (the complex "
            "step adds the imaginary part itself). Pass the real point."
        )
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"x must be a real number or array of numbers; got dtype {arr.dtype}.")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError("x must be finite; a derivative at nan or inf is not defined.")
    return arr


def _check_h(h: Any, shape: tuple[int, ...]) -> np.ndarray | None:
    if h is None:
        return None
    arr = np.asarray(h)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"h must be a real step size (or None for the default rule); got {h!r}.")
    arr = arr.astype(np.float64)
    if not (np.all(np.isfinite(arr)) and np.all(arr > 0)):
        raise ValueError(
            f"h must be a positive finite step (or None for the default rule); got h={h!r}."
        )
    try:
        return np.broadcast_to(arr, shape).copy()
    except ValueError:
        raise ValueError(
            f"h must be a scalar or broadcast to x's shape {shape}; got shape {arr.shape}."
        ) from None


# ---- exact stencils from the Taylor system ----


@cache
def _stencil(n: int, accuracy: int, kind: str) -> Stencil:
    # A stencil on N points can match the Taylor terms h^0 ... h^(N-1); the n-th derivative to
    # order p needs N = n + p points one-sided, or the symmetric range that contains them.
    if kind == "central":
        half = (n + accuracy - 1) // 2
        offsets = list(range(-half, half + 1))
    elif kind == "forward":
        offsets = list(range(n + accuracy))
    else:
        offsets = list(range(-(n + accuracy) + 1, 1))
    # Taylor: sum_k w_k f(x+kh) = sum_j h^j f^(j)(x) sum_k w_k k^j / j!, so the weights must
    # satisfy the moment equations sum_k w_k k^j = j! [j == n] for j = 0 .. N-1.
    ks = [sp.Integer(k) for k in offsets]
    moments = sp.Matrix([[k**j for k in ks] for j in range(len(ks))])
    rhs = sp.Matrix([sp.factorial(n) if j == n else 0 for j in range(len(ks))])
    weights = moments.LUsolve(rhs)
    return Stencil(tuple(ks), tuple(sp.Rational(w) for w in weights), n, accuracy, kind)


def coefficients(n: int, accuracy: int = 2, kind: str = "central") -> Stencil:
    r"""The exact finite-difference stencil for :math:`f^{(n)}` with error :math:`O(h^p)`.

    Solves :math:`\sum_k w_k k^j = j!\,[j=n]` for :math:`j = 0,\dots,N-1` in rational arithmetic,
    so that :math:`h^{-n}\sum_k w_k f(x+kh) = f^{(n)}(x) + O(h^{p})`. Results are cached.

    Args:
        n: derivative order (a positive integer).
        accuracy: order of accuracy :math:`p` (positive; even for ``"central"``).
        kind: ``"central"`` (offsets symmetric about 0), ``"forward"`` (0 .. n+p-1) or
            ``"backward"`` (-(n+p-1) .. 0).

    Returns:
        A :class:`Stencil` with SymPy Rational offsets and weights.

    Example:
        >>> coefficients(1, 2).weights
        (-1/2, 0, 1/2)
    """
    kind = _check_kind(kind)
    return _stencil(_check_n(n), _check_accuracy(accuracy, kind), kind)


# ---- the default step: truncation against round-off ----


@cache
def _step_factor(stencil: Stencil) -> float:
    # E(h) = |c| |f^(n+p)| h^p + eps sum|w_k| |f| / h^n. With derivatives of f of size |f| on the
    # length scale s = max(1, |x|), dE/dh = 0 gives h* = s (n sum|w| eps / (p |c|))^(1/(n+p)).
    n, p = stencil.n, stencil.accuracy
    spread = float(sum(abs(w) for w in stencil.weights))
    c = abs(float(stencil.error_constant))
    return (n * spread * EPS / (p * c)) ** (1.0 / (n + p))


def _optimal_step(stencil: Stencil, scale: np.ndarray) -> np.ndarray:
    h = scale * _step_factor(stencil)
    # A power of two: k*h is exact, and x + h usually is too.
    return np.exp2(np.round(np.log2(h)))


def _exact_step(x: np.ndarray, h: np.ndarray) -> np.ndarray:
    # The classic trick: use the step the floats actually took, h = (x + h) - x.
    realized = (x + h) - x
    if np.any(realized <= 0):
        raise ValueError(
            "h is below the spacing of floats at x, so x + h == x; use a larger h (or None)."
        )
    return realized


# ---- evaluating f: shifted points, cached by exact offsets, counted ----


class _Probe:
    """f at x + sum_d c_d * step_d, cached by the exact coefficients (c_d), counting calls."""

    def __init__(self, f: Callable, x: np.ndarray, check: Callable[[np.ndarray], None]):
        self.f, self.x, self.check = f, x, check
        self.steps: dict[Hashable, np.ndarray] = {}
        self.cache: dict[tuple, np.ndarray] = {}
        self.nfev = 0

    @staticmethod
    def normal(key: tuple) -> tuple:
        return tuple(sorted((d, c) for d, c in key if c != 0))

    def missing(self, keys: list[tuple]) -> int:
        return len({self.normal(k) for k in keys} - set(self.cache))

    def __call__(self, key: tuple[tuple[Hashable, float], ...]) -> np.ndarray:
        key = self.normal(key)
        if key not in self.cache:
            point = self.x.copy()
            for d, c in key:
                point = point + c * self.steps[d]
            value = np.asarray(self.f(point if point.ndim else point[()]))
            self.nfev += 1
            if self.nfev == 1:
                self.check(value)
            self.cache[key] = value.astype(np.result_type(value, np.float64))
        return self.cache[key]


def _terms(stencils: Sequence[Stencil], dirs: Sequence[Hashable]) -> list[tuple[float, tuple]]:
    # The tensor product of 1-D stencils along the given directions: weight w_a w_b ... at the
    # point with coefficient a along the first direction, b along the second, ...
    terms: list[tuple[float, tuple]] = [(1.0, ())]
    for stencil, d in zip(stencils, dirs):
        terms = [(w0 * w, key + ((d, k),)) for w0, key in terms for k, w in _float_pairs(stencil)]
    return terms


@cache
def _float_pairs(stencil: Stencil) -> tuple[tuple[float, float], ...]:
    # (offset, weight) as floats, zero weights dropped: converted from SymPy once per stencil
    return tuple((float(k), float(w)) for k, w in zip(stencil.offsets, stencil.weights) if w != 0)


def _shrunk(terms: list, shrink: float) -> list:
    # shrink is a power of two, so k * shrink is exact and a safe cache key.
    return [(w, tuple((d, c * shrink) for d, c in key)) for w, key in terms]


def _quotient(probe: _Probe, terms: list, denom: Any, span: Any, xabs: Any):
    # sum_k w_k f(x + k h) / h^n, and the size of its round-off: each f_k is off by about
    # eps |f_k| from rounding its value, and by eps |x| |f'| from rounding its argument (with
    # |f'| ~ the spread of the f_k over the stencil's width `span`).
    values = [probe(key) for _, key in terms]
    weights = [w for w, _ in terms]
    total = sum(w * v for w, v in zip(weights, values))
    size = sum(abs(w * v) for w, v in zip(weights, values))
    slope = (np.max(values, axis=0) - np.min(values, axis=0)) / span
    size = size + sum(abs(w) for w in weights) * xabs * slope
    return total / denom, EPS * size / np.abs(denom)


def _width(terms: list) -> float:
    # The largest coordinate spread of the stencil's points, in units of the step.
    coords = [c for _, key in terms for _, c in key] + [0.0]
    return max(coords) - min(coords)


# ---- the complex step ----


def _complex_step(f: Callable, x: np.ndarray, shift: np.ndarray, h: Any, check: Callable):
    # f(x + ih) = f(x) + ih f'(x) - h^2 f''(x)/2 - ..., so Im f(x+ih)/h = f'(x) + O(h^2) and no
    # two nearly equal numbers are subtracted: any tiny h works, down to underflow.
    point = x + 1j * shift
    try:
        value = np.asarray(f(point if point.ndim else point[()]))
    except TypeError as exc:
        raise TypeError(
            f"f failed on complex input ({exc}). The complex step needs an analytic f written "
            f"with NumPy operations that accept complex numbers; use method='central' or "
            f"'richardson' otherwise."
        ) from exc
    if not np.iscomplexobj(value):
        raise TypeError(
            "f dropped the imaginary part of its complex input (np.abs, np.real, a float cast, "
            "a comparison?). The complex step needs an analytic f written with NumPy operations "
            "that accept complex numbers; use method='central' or 'richardson' otherwise."
        )
    check(value)
    return value.imag / h, np.abs(value.real)


def _complex_checked(f: Callable, x: np.ndarray, h: np.ndarray, scale: Any, check: Callable):
    # Analytic f: Im f(x+ih)/h and Im f(x+ih/2)/(h/2) agree to O(h^2), i.e. to round-off. Where
    # they do not, f is not analytic at x (a branch cut: the log or sqrt of a negative number)
    # and the answer is NaN, as the real-valued methods would give there.
    value, size = _complex_step(f, x, h, h, check)
    half, _ = _complex_step(f, x, h / 2, h / 2, check)
    gap = np.abs(value - half)
    broken = gap > 1e-6 * (np.abs(value) + np.abs(half) + size / scale)
    if np.any(broken):
        warnings.warn(
            "complex step: Im f(x+ih)/h depends on h, so f is not analytic at x (a branch cut, "
            "e.g. log or sqrt of a negative number?); returning nan there.",
            RuntimeWarning,
            stacklevel=3,
        )
    return np.where(broken, np.nan, value), gap + 4 * EPS * np.abs(value)


# ---- richardson extrapolation with an adaptive choice of entry ----

# Calls of f allowed per entry, numdifftools' default: 15 steps of the two-point pair (+ centre),
# and 15 steps of the four-point cross for a mixed second derivative.
_BUDGET_LINE, _BUDGET_CROSS = 31, 60
# h_0 = _START * s. An odd numerator over 2^20 keeps the steps exact in binary but away from
# simple fractions such as 1/8, at which a wave like sin(8 pi x) would be aliased and look flat.
_START = 849347 / 2**20
_AHEAD = 1  # rows beyond an entry that must also pass the trust test
_AGREE = 2.0  # entries agree when their distance is below this times their two error bars
_SAFETY = 4.0  # round-off of a quotient, in units of the estimate made by _quotient


class _Table:
    """A Richardson table T[i][j] over the steps h_i = h_0 ratio^-i, with an error and a trust
    flag for each entry."""

    def __init__(self, p: int, ratio: int):
        self.p, self.ratio = p, ratio
        self.rows: list[list[np.ndarray]] = []
        self.noise: list[np.ndarray] = []
        self.good: list[np.ndarray] = []  # good[k]: row k passes the trust test
        self.done: list[tuple[np.ndarray, np.ndarray]] = []  # rows 1, 2, ..: (T[i][:i], errors)
        self.best_error: Any = np.inf

    def add(self, quotient: np.ndarray, noise: np.ndarray) -> None:
        i, ratio = len(self.rows), self.ratio
        row = [quotient]
        for j in range(1, i + 1):
            # T[i][j] cancels the h^(p+2(j-1)) term of T[i][j-1] against the row above.
            q = ratio ** (self.p + 2 * (j - 1))
            row.append(row[j - 1] + (row[j - 1] - self.rows[i - 1][j - 1]) / (q - 1))
        self.rows.append(row)
        self.noise.append(noise)
        if i == 1:
            self.good.append(np.zeros(np.shape(quotient), dtype=bool))
        if i >= 2:
            self.good.append(self._passes(i - 1))
        if i - 1 - _AHEAD >= 1:
            self._finish(i - 1 - _AHEAD)

    def _passes(self, k: int) -> np.ndarray:
        # In the asymptotic range D(h_k) - D(h_{k-1}) ~ C h_k^p (ratio^p - 1): consecutive
        # differences keep their sign and shrink by ratio^p. Row k passes when the differences on
        # either side of it do (shrinking at least half as fast), or when both are below
        # round-off (the quotient has converged). A step wider than f's own scale fails: a wave
        # aliased by the step, a tail where f is flat.
        rows, noise = self.rows, self.noise
        before, after = rows[k][0] - rows[k - 1][0], rows[k + 1][0] - rows[k][0]
        quiet_before = np.abs(before) < noise[k] + noise[k - 1]
        quiet_after = np.abs(after) < noise[k + 1] + noise[k]
        same_sign = (np.sign(before) == np.sign(after)) | quiet_after
        shrinking = (np.abs(after) <= 2.0 * np.abs(before) / self.ratio**self.p) & same_sign
        return shrinking | (quiet_before & quiet_after)

    def _finish(self, i: int) -> None:
        # Error of T[i][j]: its distance to the same order one step wider, T[i-1][j], and to the
        # lower order T[i][j-1], plus its round-off (magnified by each extrapolation). T[i][j]
        # uses rows i-j .. i; it is trusted when they and _AHEAD more rows pass the test.
        rows, good = self.rows, self.good
        trusted = np.all(good[i : i + _AHEAD + 1], axis=0)
        values, errors, amplify = [], [], 1.0
        for j in range(i):
            trusted = trusted & good[max(i - j, 1)]
            change = np.abs(rows[i][j] - rows[i - 1][j])
            if j:
                change = np.maximum(change, np.abs(rows[i][j] - rows[i][j - 1]))
                q = self.ratio ** (self.p + 2 * (j - 1))
                amplify *= (q + 1) / (q - 1)
            error = change + amplify * self.noise[i]
            values.append(rows[i][j])
            errors.append(np.where(trusted & ~np.isnan(error), error, np.inf))
        self.done.append((np.array(values), np.array(errors)))
        self.best_error = np.minimum(self.best_error, np.min(errors, axis=0))

    def choose(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The trusted entry with the smallest error that agrees with all smaller steps."""
        shape = np.shape(self.rows[0][0])
        depth = len(self.done)
        values = np.full((depth, depth) + shape, np.nan)
        errors = np.full((depth, depth) + shape, np.inf)
        for e, (vals, errs) in enumerate(self.done):
            values[e, : len(vals)], errors[e, : len(errs)] = vals, errs
        # Each row's best trusted entry. An entry must agree, within the error bars, with the
        # best of every smaller step: a wide step can look converged (a flat tail, an aliased
        # wave) where smaller steps show otherwise.
        row_error = errors.min(axis=1)
        row_value = np.take_along_axis(values, errors.argmin(axis=1)[:, None], axis=1)[:, 0]
        row_value = np.where(np.isinf(row_error), 0.0, row_value)
        which = np.arange(depth).reshape((depth, 1) + (1,) * len(shape))
        agrees = np.ones(values.shape, dtype=bool)
        for e in range(depth):
            near = np.abs(values - row_value[e]) <= _AGREE * (errors + row_error[e])
            agrees &= near | (which >= e)
        errors = np.where(agrees, errors, np.inf).reshape((depth * depth,) + shape)
        best = errors.argmin(axis=0)[None]
        value = np.take_along_axis(values.reshape((depth * depth,) + shape), best, axis=0)[0]
        error = np.take_along_axis(errors, best, axis=0)[0]
        row = best[0] // depth + 1
        # Nothing trusted (f never resolved, or f is zero): the smallest step's quotient, with
        # the last change in it as its error.
        lost = np.isinf(error)
        last = self.rows[-1][0]
        value = np.where(lost, last, value)
        error = np.where(lost, np.abs(last - self.rows[-2][0]) + self.noise[-1], error)
        return value, error, np.where(lost, len(self.rows) - 1, row)


def _extrapolate(
    probe: _Probe, terms: list, denom: Any, span: Any, xabs: Any, p: int, n: int, budget: int
):
    """Richardson table over h_i = h_0 r^-i: (value, error, h_i/h_0 of the chosen entry)."""
    # Ratio 4 spans eight decades of h in 15 rows; a stencil reaching 2h reuses half of its
    # points at ratio 2, which then costs less.
    ratio = 2 if _width(terms) > 2 else 4
    table = _Table(p, ratio)
    spent = 0
    for i in range(64):  # ends by the budget
        shrink = float(ratio) ** -i
        row_terms = _shrunk(terms, shrink)
        cost = probe.missing([key for _, key in row_terms])
        if spent + cost > budget:
            break
        spent += cost
        quotient, roundoff = _quotient(probe, row_terms, denom * shrink**n, span * shrink, xabs)
        table.add(quotient, _SAFETY * roundoff)
        # Each smaller step adds round-off (x ratio^n): stop when nothing can improve.
        if table.done and np.all(table.best_error <= table.noise[-1] * ratio**n):
            break
    if not table.done:
        raise ValueError(
            f"richardson needs at least {3 + _AHEAD} steps; the budget of {budget} calls of f "
            f"allows fewer for this stencil. Use a lower n or accuracy, or method='central'."
        )
    value, error, row = table.choose()
    return value, error, float(ratio) ** -row.astype(float)


# ---- one variable: derivative ----


def _start_step(scale: np.ndarray) -> np.ndarray:
    return _START * np.exp2(np.ceil(np.log2(scale)))


def derivative(
    f: Callable,
    x: Any,
    n: int = 1,
    method: str = "central",
    h: Any = None,
    accuracy: int = 2,
    full_output: bool = False,
) -> Any:
    r"""The n-th derivative :math:`f^{(n)}(x)` from values of f alone.

    **Default step.** A stencil of accuracy :math:`p` makes a truncation error
    :math:`|c|\,|f^{(n+p)}|\,h^p` (``c`` is :attr:`Stencil.error_constant`); each value of f is
    rounded by about :math:`\varepsilon|f|`, and the stencil divides those errors by :math:`h^n`,
    a round-off error of :math:`\varepsilon\sum_k|w_k|\,|f|/h^n`. Their sum is smallest where its
    derivative in h vanishes, :math:`p|c|\,|f^{(n+p)}|\,h^{p-1} = n\varepsilon\sum|w_k|\,|f|\,
    h^{-n-1}`. Not knowing f's derivatives, we assume they are of the size of f on the length
    scale :math:`s=\max(1,|x|)`, which gives

    .. math:: h^* = s\,\Bigl(\frac{n\sum_k|w_k|}{p\,|c|}\,\varepsilon\Bigr)^{1/(n+p)},

    e.g. :math:`(3\varepsilon)^{1/3}s \approx 8.7\cdot10^{-6}s` for the central first
    difference. It is rounded to a power of two and replaced by :math:`(x+h)-x`, so the step
    the quotient divides by is the one the floats took.

    **Complex step** (``n=1`` only): :math:`f'(x)\approx \operatorname{Im} f(x+ih)/h` with
    :math:`h=10^{-20}s`. Nothing is subtracted, so no round-off is amplified, and the
    truncation :math:`h^2 f'''/6` is far below float resolution: any tiny h works. f must be
    analytic and accept complex input. f is called at h and at h/2: for an analytic f the two
    agree to round-off; where they do not (a branch cut) the result is nan, with a warning.

    **Richardson** (central stencil of accuracy p): the quotients :math:`D(h_i)`,
    :math:`h_i = h_0 r^{-i}`, :math:`h_0 \approx 0.81\,s` (or ``h``), :math:`r=4` (``r=2`` when
    the stencil reaches 2h, so half of its points are reused), fill a table whose column j
    cancels the :math:`h^{p+2j-2}` error term. An entry's error estimate is its distance to the
    neighbours of lower order and of wider step, plus its round-off. The entry returned has the
    smallest estimate among those that (a) use rows where the table converges at the rate
    :math:`h^p` predicts and (b) agree, within error bars, with every smaller step. Steps wider
    than f's own scale fail (a), so the table finds that scale itself and stays accurate on
    rapidly varying functions (``sin(50 x)``) where one fixed step fails. It stops when smaller
    steps could only add round-off, and calls f at most as often as numdifftools' default
    ``Derivative`` (30 times for ``n=1``). Invalid values at wide steps (a log of a negative
    number) are silenced there; such entries are never chosen.

    **Error estimate** (``full_output=True``): richardson -- the estimate of the chosen table
    entry; forward/backward/central -- the quotient is recomputed with step h/2 (extra calls,
    counted in ``nfev``) and the truncation error taken as :math:`|D(h)-D(h/2)|/(1-2^{-p})`, plus
    the round-off :math:`\varepsilon\sum|w_k f_k|/h^n`; complex -- the gap between the
    steps h and h/2 plus :math:`4\varepsilon|f'|` (the truncation error is negligible).

    Args:
        f: a function of one float (or an elementwise function of an array) written with NumPy;
            it may return an array (each component is differentiated).
        x: the point, a float, or an array at which an elementwise f is differentiated pointwise.
        n: derivative order, a positive integer.
        method: ``"forward"``, ``"backward"``, ``"central"``, ``"complex"`` or ``"richardson"``.
        h: the step (``richardson``: the first, widest step); ``None`` for the rule above.
        accuracy: order of accuracy p of the stencil (even for central and richardson).
        full_output: return an :class:`Estimate` with error estimate, step and call count.

    Returns:
        :math:`f^{(n)}(x)`, shaped like f's output; or an :class:`Estimate`.

    Example:
        >>> round(float(derivative(np.sin, 0.0, method="complex")), 15)
        1.0
    """
    n, method = _check_n(n), _check_method(method)
    kind = method if method in KINDS else "central"
    accuracy = _check_accuracy(accuracy, kind)
    x_arr = _check_x(x)
    step = _check_h(h, x_arr.shape)
    if method == "complex" and n != 1:
        raise ValueError(
            f"method='complex' gives first derivatives only (Im f(x+ih)/h); for n={n} use "
            f"method='richardson' or 'central'."
        )

    def check(value: np.ndarray) -> None:
        if x_arr.ndim and value.shape != x_arr.shape:
            raise ValueError(
                f"for an array x, derivative differentiates an elementwise f pointwise, so f's "
                f"output must have x's shape {x_arr.shape}; got {value.shape}. For f: R^n -> R use "
                f"gradient, for vector outputs jacobian."
            )

    scale = np.maximum(1.0, np.abs(x_arr))
    probe = _Probe(f, x_arr, check)
    if method == "complex":
        step = 1e-20 * scale if step is None else step
        value, error = _complex_checked(f, x_arr, step, scale, check)
        probe.nfev = 2
    elif method == "richardson":
        stencil = _stencil(n, accuracy, "central")
        probe.steps[0] = h0 = _start_step(scale) if step is None else _exact_step(x_arr, step)
        terms = _terms([stencil], [0])
        with np.errstate(all="ignore"):
            value, error, shrink = _extrapolate(
                probe, terms, h0**n, _width(terms) * h0, np.abs(x_arr), accuracy, n, _BUDGET_LINE
            )
        step = h0 * shrink
    else:
        stencil = _stencil(n, accuracy, kind)
        step = _optimal_step(stencil, scale) if step is None else step
        probe.steps[0] = step = _exact_step(x_arr, step)
        terms = _terms([stencil], [0])
        span, xabs = _width(terms) * step, np.abs(x_arr)
        value, roundoff = _quotient(probe, terms, step**n, span, xabs)
        error = None
        if full_output:
            halved = _shrunk(terms, 0.5)
            half, _ = _quotient(probe, halved, (step / 2) ** n, span / 2, xabs)
            error = np.abs(value - half) / (1 - 2.0**-accuracy) + roundoff
    value = np.asarray(value)[()]
    if not full_output:
        return value
    return Estimate(value, np.asarray(error)[()], np.asarray(step)[()], probe.nfev, method)


# ---- many variables: gradient, jacobian, hessian ----


def _columns(f: Callable, x: np.ndarray, method: str, step: Any, accuracy: int, check: Callable):
    """Derivatives of f along each coordinate axis of x: a list of arrays shaped like f(x)."""
    kind = method if method in KINDS else "central"
    scale = np.maximum(1.0, np.abs(x)).ravel()
    step = None if step is None else step.ravel()
    probe = _Probe(f, x, check)
    columns = []
    for j in range(x.size):
        if method == "complex":
            h_j = 1e-20 * scale[j] if step is None else step[j]
        elif method == "richardson":
            h_j = _start_step(scale[j]) if step is None else step[j]
        else:
            h_j = _optimal_step(_stencil(1, accuracy, kind), scale[j]) if step is None else step[j]
        if method != "complex":
            h_j = _exact_step(x.ravel()[j], h_j)
        shift = np.zeros(x.size)
        shift[j] = h_j
        shift = shift.reshape(x.shape)
        if method == "complex":
            columns.append(_complex_step(f, x, shift, h_j, check)[0])
            continue
        probe.steps[j] = shift
        terms = _terms([_stencil(1, accuracy, kind)], [j])
        span, xabs = _width(terms) * h_j, abs(x.ravel()[j])
        if method == "richardson":
            with np.errstate(all="ignore"):
                value, _, _ = _extrapolate(probe, terms, h_j, span, xabs, accuracy, 1, _BUDGET_LINE)
        else:
            value, _ = _quotient(probe, terms, h_j, span, xabs)
        columns.append(np.asarray(value))
    return columns


def _scalar_output(name: str) -> Callable[[np.ndarray], None]:
    def check(value: np.ndarray) -> None:
        if value.ndim:
            raise ValueError(
                f"{name} needs a scalar-valued f; f returned an array of shape {value.shape}. Use "
                f"jacobian for vector outputs, or reduce f's output (e.g. np.sum)."
            )

    return check


def _prepare(method: str, h: Any, accuracy: int, x: Any):
    method = _check_method(method)
    accuracy = _check_accuracy(accuracy, method if method in KINDS else "central")
    x_arr = _check_x(x)
    return method, _check_h(h, x_arr.shape), accuracy, x_arr


def gradient(
    f: Callable, x: Any, method: str = "central", h: Any = None, accuracy: int = 2
) -> np.ndarray:
    r"""The gradient :math:`\nabla f(x)`, one coordinate at a time: :math:`\partial_j f \approx
    h_j^{-1}\sum_k w_k f(x + k h_j e_j)`.

    Each coordinate gets its own step, by the rule of :func:`derivative` with
    :math:`s_j=\max(1,|x_j|)`. The cost grows with the dimension: about ``accuracy`` calls of f
    per coordinate (one for ``complex``, up to 30 for ``richardson``). Unlike
    :func:`derivative`, the complex step here makes one call per coordinate and does not check
    that f is analytic at x.

    Args:
        f: a scalar-valued function of an array shaped like x, written with NumPy.
        x: the point (a float or an array).
        method: as in :func:`derivative`.
        h: the step, a scalar or an array shaped like x; ``None`` for the default rule.
        accuracy: order of accuracy of the stencil.

    Returns:
        An array shaped like x.
    """
    method, step, accuracy, x_arr = _prepare(method, h, accuracy, x)
    columns = _columns(f, x_arr, method, step, accuracy, _scalar_output("gradient"))
    return np.array(columns, dtype=columns[0].dtype).reshape(x_arr.shape)


def jacobian(
    f: Callable, x: Any, method: str = "central", h: Any = None, accuracy: int = 2
) -> np.ndarray:
    r"""The Jacobian :math:`J_{ij} = \partial f_i/\partial x_j`, shaped ``f(x).shape + x.shape``.

    Column j is the derivative of f along the coordinate axis :math:`e_j`, by the method and
    step rule of :func:`derivative`.

    Args:
        f: a function of an array shaped like x, returning an array (or a scalar).
        x: the point (a float or an array).
        method: as in :func:`derivative`.
        h: the step, a scalar or an array shaped like x; ``None`` for the default rule.
        accuracy: order of accuracy of the stencil.

    Returns:
        An array of shape ``f(x).shape + x.shape``.
    """
    method, step, accuracy, x_arr = _prepare(method, h, accuracy, x)
    columns = _columns(f, x_arr, method, step, accuracy, lambda value: None)
    out_shape = columns[0].shape
    return np.stack(columns, axis=-1).reshape(out_shape + x_arr.shape)


def hessian(
    f: Callable, x: Any, method: str = "central", h: Any = None, accuracy: int = 2
) -> np.ndarray:
    r"""The Hessian :math:`H_{ij} = \partial^2 f/\partial x_i\partial x_j`, shaped
    ``x.shape + x.shape``.

    Diagonal entries use the second-derivative stencil along :math:`e_i`; off-diagonal ones the
    product of two first-derivative stencils, :math:`h_i^{-1}h_j^{-1}\sum_{a,b} w_a w_b
    f(x + a h_i e_i + b h_j e_j)`, which has the same order of accuracy. The default steps follow
    :func:`derivative`'s rule for ``n=2``. ``richardson`` extrapolates each entry over shrinking
    steps; ``complex`` differences the complex-step gradient centrally (``h`` and ``accuracy``
    are then that difference's, its default step the rule for ``n=1``), which is more accurate
    than any second difference of f.

    Args:
        f: a scalar-valued function of an array shaped like x, written with NumPy.
        x: the point (a float or an array).
        method: as in :func:`derivative`.
        h: the step, a scalar or an array shaped like x; ``None`` for the default rule.
        accuracy: order of accuracy of the stencil.

    Returns:
        A symmetric array of shape ``x.shape + x.shape``.
    """
    method, step, accuracy, x_arr = _prepare(method, h, accuracy, x)
    size, shape = x_arr.size, x_arr.shape
    if method == "complex":
        # Central differences of a gradient that is exact to round-off.
        def grad(y: np.ndarray) -> np.ndarray:
            return gradient(f, y, method="complex")

        columns = _columns(grad, x_arr, "central", step, accuracy, lambda value: None)
        hess = np.stack(columns, axis=-1).reshape(size, size)
        return ((hess + hess.T) / 2).reshape(shape + shape)
    kind = method if method in KINDS else "central"
    first, second = _stencil(1, accuracy, kind), _stencil(2, accuracy, kind)
    scale = np.maximum(1.0, np.abs(x_arr)).ravel()
    steps = _optimal_step(second, scale) if step is None else step.ravel()
    if method == "richardson":
        steps = _start_step(scale) if step is None else step.ravel()
    probe = _Probe(f, x_arr, _scalar_output("hessian"))
    for i in range(size):
        steps[i] = _exact_step(x_arr.ravel()[i], steps[i])
        shift = np.zeros(size)
        shift[i] = steps[i]
        probe.steps[i] = shift.reshape(shape)
    hess = np.empty((size, size))
    for i in range(size):
        for j in range(i + 1):
            if i == j:
                terms, budget = _terms([second], [i]), _BUDGET_LINE
            else:
                terms, budget = _terms([first, first], [i, j]), _BUDGET_CROSS
            denom = steps[i] * steps[j]
            span = _width(terms) * max(steps[i], steps[j])
            xabs = max(abs(x_arr.ravel()[i]), abs(x_arr.ravel()[j]))
            if method == "richardson":
                with np.errstate(all="ignore"):
                    value, _, _ = _extrapolate(probe, terms, denom, span, xabs, accuracy, 2, budget)
            else:
                value, _ = _quotient(probe, terms, denom, span, xabs)
            hess[i, j] = hess[j, i] = value
    return hess.reshape(shape + shape)
