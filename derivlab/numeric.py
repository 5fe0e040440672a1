r"""Numerical derivatives: finite differences, the complex step and Richardson extrapolation.

Everything here evaluates the reader's plain NumPy function at ordinary real (or, for the complex
step, complex) points; nothing is traced. The pieces, in the order chapter 3 teaches them:

* :func:`coefficients` -- the exact stencil :math:`f^{(n)}(x) \approx h^{-n}\sum_k w_k f(x+kh)`,
  solved from the Taylor system with SymPy rationals and kept as plain data.
* the default step -- truncation :math:`\propto h^p` against round-off :math:`\propto
  \varepsilon/h^n`, minimised (see :func:`derivative`).
* the complex step -- :math:`f'(x) \approx \operatorname{Im} f(x+ih)/h`, with no subtraction;
  higher derivatives from Cauchy's integral on a circle in the complex plane.
* Richardson extrapolation -- a table of quotients over steps :math:`h_0 r^{-i}` whose columns
  cancel :math:`h^p, h^{p+2}, \dots`; error estimates and a convergence test pick the entry,
  so the table finds f's own length scale.

Never confidently wrong: every error estimate is checked against how the quotients behave as
the step shrinks. Where they do not behave as Taylor's theorem predicts -- a kink, noise, a
domain edge, a branch cut, f computing in lower precision than x -- the estimate says so (it
is large, or ``inf``) and a :class:`NumericWarning` names the cause.

Counting convention: ``nfev`` counts calls of ``f``. For an array ``x`` with an elementwise ``f``,
one call evaluates every element at its own shifted point. ``f`` is evaluated in x's floating
dtype (float32 in, float32 points and result; integers count as float64).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import sympy as sp

__all__ = [
    "Estimate",
    "NumericWarning",
    "Stencil",
    "coefficients",
    "derivative",
    "gradient",
    "hessian",
    "jacobian",
]

METHODS = ("forward", "backward", "central", "complex", "richardson")
KINDS = ("forward", "backward", "central")
EPS = float(np.finfo(np.float64).eps)


class NumericWarning(UserWarning):
    """A numerical derivative could not be resolved as asked; the message names the cause.

    Causes: ``kink`` (the one-sided slopes disagree at every step: f is not differentiable at
    x), ``noise`` (the quotients do not converge as the step shrinks), ``domain edge`` (f is nan
    or inf at some stencil points while finite at x, so the step was shrunk), ``not analytic``
    (the complex step crossed a branch cut or a singularity), ``precision`` (f returned values of
    lower precision than x).
    """


def _eps(dtype: Any) -> float:
    dtype = np.dtype(dtype)
    if dtype.kind == "c":
        dtype = np.empty(0, dtype).real.dtype
    return float(np.finfo(dtype).eps) if dtype.kind == "f" else EPS


# ---- results as plain data ----


@dataclass(frozen=True)
class Stencil:
    """An exact finite-difference stencil: :math:`f^{(n)}(x) \\approx h^{-n}\\sum_k w_k f(x+kh)`.

    Attributes:
        offsets: the integer offsets :math:`k` (SymPy Integers, which are Rationals).
        weights: the weights :math:`w_k` as SymPy Rationals; zero weights are kept so that the
            offsets are the contiguous range the Taylor system was solved on (or, for
            ``coefficients(n, offsets=...)``, exactly the offsets given).
        n: the derivative order.
        accuracy: the order of accuracy :math:`p`: the error is :math:`O(h^p)`.
        kind: ``"forward"``, ``"backward"``, ``"central"``, or ``"offsets"`` for a stencil on
            offsets the caller chose.
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
    """A derivative with its error estimate and cost (``full_output=True``).

    Attributes:
        value: the derivative (a float, or an array: shaped like ``x`` for an elementwise f,
            like the result of :func:`gradient`, :func:`jacobian` or :func:`hessian`).
        error: an estimate of ``|value - true derivative|``, shaped like ``value`` (see
            :func:`derivative` for how each method makes it); ``inf`` where the method could not
            resolve the derivative (a :class:`NumericWarning` then says why).
        h: the step that produced ``value`` (for ``richardson``: the smallest step of the chosen
            table entry; for the complex step with ``n >= 2``: the radius of the circle).
        nfev: how many times ``f`` was called.
        method: the method used.
    """

    value: Any
    error: Any
    h: Any
    nfev: int
    method: str


class _Notes:
    """Causes of trouble met while differentiating, warned about once per public call."""

    def __init__(self) -> None:
        self.items: dict[str, str] = {}

    def add(self, cause: str, message: str) -> None:
        self.items.setdefault(cause, message)

    def warn(self, stacklevel: int = 3) -> None:
        for cause, message in self.items.items():
            warnings.warn(f"{cause}: {message}", NumericWarning, stacklevel=stacklevel)


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
    # f is evaluated in x's own floating dtype (float16/32/64); integers become float64
    arr = arr.astype(arr.dtype if arr.dtype.kind == "f" else np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError("x must be finite; a derivative at nan or inf is not defined.")
    return arr


def _check_h(h: Any, shape: tuple[int, ...], dtype: Any = np.float64) -> np.ndarray | None:
    if h is None:
        return None
    arr = np.asarray(h)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"h must be a real step size (or None for the default rule); got {h!r}.")
    arr = arr.astype(dtype)
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


def _solve_stencil(n: int, ks: list[sp.Rational]) -> tuple[sp.Rational, ...]:
    # Taylor: sum_k w_k f(x+kh) = sum_j h^j f^(j)(x) sum_k w_k k^j / j!, so the weights must
    # satisfy the moment equations sum_k w_k k^j = j! [j == n] for j = 0 .. N-1.
    moments = sp.Matrix([[k**j for k in ks] for j in range(len(ks))])
    rhs = sp.Matrix([sp.factorial(n) if j == n else 0 for j in range(len(ks))])
    return tuple(sp.Rational(w) for w in moments.LUsolve(rhs))


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
    ks = [sp.Integer(k) for k in offsets]
    return Stencil(tuple(ks), _solve_stencil(n, ks), n, accuracy, kind)


@cache
def _stencil_on(n: int, offsets: tuple[sp.Rational, ...]) -> Stencil:
    ks = list(offsets)
    weights = _solve_stencil(n, ks)
    # N points match h^0 .. h^(N-1); symmetric points may match one more power for free.
    j = len(ks)
    while sum(w * k**j for k, w in zip(ks, weights)) == 0:
        j += 1
    return Stencil(tuple(ks), weights, n, j - n, "offsets")


def _check_offsets(n: int, offsets: Any) -> tuple[sp.Rational, ...]:
    try:
        ks = tuple(sp.Rational(k) for k in offsets)
    except (TypeError, ValueError, sp.SympifyError):
        raise TypeError(
            f"offsets must be a sequence of integers (or exact fractions such as "
            f"sympy.Rational(1, 2)), e.g. [-2, 0, 1]; got {offsets!r}."
        ) from None
    if any(isinstance(k, (float, np.floating)) and not float(k).is_integer() for k in offsets):
        raise TypeError(
            "offsets must be exact: pass integers or sympy.Rational, not floats such as 0.5."
        )
    if len(set(ks)) != len(ks):
        raise ValueError(f"offsets must be distinct; got {offsets!r}.")
    if len(ks) <= n:
        raise ValueError(
            f"the n-th derivative needs at least n + 1 = {n + 1} offsets; got {len(ks)}. Add "
            f"offsets, or use coefficients(n, accuracy, kind) for a standard stencil."
        )
    return ks


def coefficients(
    n: int, accuracy: int = 2, kind: str = "central", offsets: Sequence[Any] | None = None
) -> Stencil:
    r"""The exact finite-difference stencil for :math:`f^{(n)}` with error :math:`O(h^p)`.

    Solves :math:`\sum_k w_k k^j = j!\,[j=n]` for :math:`j = 0,\dots,N-1` in rational arithmetic,
    so that :math:`h^{-n}\sum_k w_k f(x+kh) = f^{(n)}(x) + O(h^{p})`. Results are cached.

    Args:
        n: derivative order (a positive integer).
        accuracy: order of accuracy :math:`p` (positive; even for ``"central"``). Ignored when
            ``offsets`` is given: N offsets give :math:`p \ge N - n`, and the stencil reports it.
        kind: ``"central"`` (offsets symmetric about 0), ``"forward"`` (0 .. n+p-1) or
            ``"backward"`` (-(n+p-1) .. 0).
        offsets: any distinct offsets (integers or exact fractions), e.g. ``[-2, 0, 1]``, as in
            findiff's ``coefficients(deriv, offsets=...)``; the stencil's kind is then
            ``"offsets"``.

    Returns:
        A :class:`Stencil` with SymPy Rational offsets and weights.

    Example:
        >>> coefficients(1, 2).weights
        (-1/2, 0, 1/2)
        >>> coefficients(1, offsets=[-2, 0, 1]).weights
        (-1/6, -1/2, 2/3)
    """
    n = _check_n(n)
    if offsets is not None:
        return _stencil_on(n, _check_offsets(n, offsets))
    kind = _check_kind(kind)
    return _stencil(n, _check_accuracy(accuracy, kind), kind)


# ---- the default step: truncation against round-off ----


@cache
def _step_factor(stencil: Stencil, eps: float) -> float:
    # E(h) = |c| |f^(n+p)| h^p + eps sum|w_k| |f| / h^n. With derivatives of f of size |f| on the
    # length scale 1, dE/dh = 0 gives h* = (n sum|w| eps / (p |c|))^(1/(n+p)).
    n, p = stencil.n, stencil.accuracy
    spread = float(sum(abs(w) for w in stencil.weights))
    c = abs(float(stencil.error_constant))
    return (n * spread * eps / (p * c)) ** (1.0 / (n + p))


def _pow2_up(value: Any) -> np.ndarray:
    return np.exp2(np.ceil(np.log2(value)))


def _optimal_step(stencil: Stencil, x: np.ndarray, eps: float) -> np.ndarray:
    # The length scale is 1, not |x|: sin(x) varies on the scale 1 at x = 1e8 too, and a step
    # too wide is 100% wrong where one too small only loses digits to round-off. A power of two
    # (so k*h is exact), and at least the spacing of floats at x (so x + h != x).
    h = np.exp2(np.round(np.log2(_step_factor(stencil, eps)))) * np.ones(x.shape)
    spacing = np.spacing(np.abs(x).astype(np.float64)).astype(np.float64)
    return np.maximum(h, _pow2_up(spacing)).astype(x.dtype)


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
    """f at x + sum_d c_d * step_d, cached by the exact coefficients (c_d), counting calls.

    ``shared`` (a dict) lets several probes of one function share its value at x itself.
    """

    def __init__(
        self,
        f: Callable,
        x: np.ndarray,
        check: Callable[[np.ndarray], None],
        notes: _Notes,
        shared: dict | None = None,
        elementwise: bool = True,
    ):
        self.f, self.x, self.check, self.notes = f, x, check, notes
        self.elementwise = elementwise and x.ndim > 0
        self.steps: dict[Hashable, np.ndarray] = {}
        self.cache: dict[tuple, np.ndarray] = {}
        self.exactness: dict[tuple, np.ndarray] = {}
        self.shared = {} if shared is None else shared
        self.nfev = 0
        self.eps = _eps(x.dtype)

    @staticmethod
    def normal(key: tuple) -> tuple:
        return tuple(sorted((d, c) for d, c in key if c != 0))

    def missing(self, keys: list[tuple]) -> int:
        known = set(self.cache) | ({()} if "f0" in self.shared else set())
        return len({self.normal(k) for k in keys} - known)

    def restep(self, d: Hashable, step: np.ndarray) -> None:
        # a new step along d: forget the values at the old points (f(x) itself stays valid)
        self.steps[d] = step
        self.cache = {k: v for k, v in self.cache.items() if all(dd != d for dd, _ in k)}
        self.exactness = {}

    def exact(self, key: tuple) -> np.ndarray:
        # whether x + sum_d c_d step_d is computed without rounding (cached with the value)
        key = self.normal(key)
        if key not in self.exactness:
            offset = sum((c * self.steps[d] for d, c in key), np.zeros(self.x.shape))
            self.exactness[key] = (self.x + offset) - self.x == offset
        return self.exactness[key]

    def per_x(self, mask: np.ndarray) -> np.ndarray:
        # a mask over f's output, reduced to one flag per element of x
        mask = np.asarray(mask)
        if self.elementwise and mask.shape == self.x.shape:
            return mask
        return np.asarray(np.any(mask))

    def __call__(self, key: tuple[tuple[Hashable, float], ...]) -> np.ndarray:
        key = self.normal(key)
        if key == () and "f0" in self.shared:
            return self.shared["f0"]
        if key not in self.cache:
            point = self.x.copy()
            for d, c in key:
                point = point + np.asarray(c, self.x.dtype) * self.steps[d]
            value = np.asarray(self.f(point if point.ndim else point[()]))
            self.nfev += 1
            if self.nfev == 1:
                self.check(value)
                self._precision(value)
            stored = value.astype(np.result_type(value, np.float64))
            if key == ():
                self.shared["f0"] = stored
            self.cache[key] = stored
        return self.cache[key]

    def _precision(self, value: np.ndarray) -> None:
        # f may compute in lower precision than x (a float32 model fed float64 points): its
        # round-off is then its own dtype's, which the estimates must use.
        if value.dtype.kind in "fc" and _eps(value.dtype) > self.eps:
            self.notes.add(
                "precision",
                f"f returned {value.dtype} values for {self.x.dtype} x, so its round-off is "
                f"{value.dtype}'s and the default step (made for {self.x.dtype}) is too small; "
                f"pass x as {value.dtype} to get the step for that precision.",
            )
            self.eps = _eps(value.dtype)


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
    denom = np.asarray(denom, np.float64)
    total = sum(w * v for w, v in zip(weights, values))
    size = sum(abs(w * v) for w, v in zip(weights, values))
    slope = (np.max(values, axis=0) - np.min(values, axis=0)) / span
    # (where every point x + k h is a float, nothing is rounded in the argument)
    inexact = probe.per_x(~np.all([probe.exact(key) for _, key in terms], axis=0))
    size = size + sum(abs(w) for w in weights) * np.where(inexact, xabs, 0.0) * slope
    return total / denom, probe.eps * size / np.abs(denom)


def _width(terms: list) -> float:
    # The largest coordinate spread of the stencil's points, in units of the step.
    coords = [c for _, key in terms for _, c in key] + [0.0]
    return max(coords) - min(coords)


def _finite(values: list[np.ndarray], probe: _Probe) -> np.ndarray:
    return probe.per_x(np.all([np.isfinite(v) for v in values], axis=0))


# ---- fixed stencils: stay inside f's domain, check the estimate ----

_SAFETY = 4.0  # round-off of a quotient, in units of the estimate made by _quotient


def _stay_inside(probe: _Probe, stencil: Stencil, terms: list, h: np.ndarray) -> np.ndarray:
    """Shrink h where a stencil point falls outside f's domain (nan/inf there, finite at x)."""
    x = probe.x
    moved = np.zeros(x.shape, bool)
    for _ in range(200):
        values = [probe(key) for _, key in terms]
        outside = ~_finite(values, probe)
        if not np.any(outside):
            break
        inside_at_x = probe.per_x(np.isfinite(probe(())))
        fix = outside & inside_at_x & (h / 2 >= np.spacing(np.abs(x)))
        if not np.any(fix):
            break
        moved = moved | fix
        probe.restep(0, np.where(fix, (x + h / 2) - x, h).astype(x.dtype))
        h = probe.steps[0]
    if not np.any(moved):
        return h
    # The widest step that stayed inside tells how far the edge is; that distance is f's length
    # scale there (log and sqrt near 0 vary on the scale x), so the step rule uses it.
    reach = max(abs(float(k)) for k in stencil.offsets)
    scale = h * reach
    new = np.exp2(np.round(np.log2(scale * _step_factor(stencil, probe.eps))))
    new = np.maximum(new, _pow2_up(np.spacing(np.abs(x).astype(np.float64))))
    h = np.where(moved, new, h).astype(x.dtype)
    probe.restep(0, _exact_step(x, h))
    probe.notes.add(
        "domain edge",
        f"f is nan or inf at some points x + k h of the stencil but finite at x (a domain edge "
        f"near x, e.g. log or sqrt near 0); the step was shrunk to h = "
        f"{float(np.min(probe.steps[0])):.3g} to stay inside, with the distance to the edge "
        f"as f's length scale.",
    )
    return probe.steps[0]


def _kink(probe: _Probe, h: np.ndarray, coefs: Sequence[float]) -> np.ndarray | None:
    """Where the one-sided slopes at x disagree by the same amount at every step: a kink.

    For a differentiable f, (f(x+h) - f(x))/h - (f(x) - f(x-h))/h = h f''(x) + O(h^3) shrinks
    with h; at a kink it tends to the jump in slope. Returns the gap at the widest step where
    f has a kink (0 elsewhere), or None when the test cannot be made (f not finite there).
    """
    f0 = probe(())
    gaps, noises = [], []
    for c in coefs:
        up, down = probe(((0, c),)), probe(((0, -c),))
        if not np.all(_finite([up, down, f0], probe)):
            return None
        hh = c * np.asarray(h, np.float64)
        gaps.append((up - 2 * f0 + down) / hh)
        noises.append(_SAFETY * probe.eps * (np.abs(up) + 2 * np.abs(f0) + np.abs(down)) / hh)
    gaps, noises = np.array(gaps), np.array(noises)
    size = np.abs(gaps)
    kink = np.all(size > 8 * noises, axis=0)
    kink &= np.all(np.sign(gaps) == np.sign(gaps[0]), axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        kink &= np.max(size, axis=0) <= 1.5 * np.min(size, axis=0)
    if not np.any(kink):
        return np.zeros(np.shape(f0))
    probe.notes.add(
        "kink",
        f"the one-sided slopes of f at x differ by {float(np.max(size[0][kink])):.3g} at every "
        f"step from h to h/4, so f is not differentiable there; the error estimate covers the "
        f"gap (inf for n >= 2).",
    )
    return np.where(kink, size[0], 0.0)


def _ladder(probe: _Probe, terms: list, value, roundoff, denom, span, xabs, n: int, p: int, r):
    """The error of a quotient D(h), from D(h r) and D(h r^2): inf where they do not converge.

    r = 1/2, or 2 where h/4 would be below the spacing of floats at x. In the asymptotic range
    D(h) - D(hr) ~ C h^p (1 - r^p): the difference of the narrower pair of steps is that of the
    wider pair over 2^p. The test asks only that it be at most twice that (or round-off): a
    quotient that is not converging -- noise growing like h^-n, a wave aliased by the step, a
    kink -- fails it, while a smaller one (round-off of f's own evaluation, which can exceed
    eps |f| when f computes sin(w x) at large w x) does not make a good answer look bad.
    """
    quotients, noise = [value], [roundoff]
    for k in (1, 2):
        shrink = r**k
        q, rr = _quotient(probe, _shrunk(terms, shrink), denom * shrink**n, span * shrink, xabs)
        quotients.append(q)
        noise.append(rr)
    d1, d2 = quotients[0] - quotients[1], quotients[1] - quotients[2]
    n1, n2 = _SAFETY * (noise[0] + noise[1]), _SAFETY * (noise[1] + noise[2])
    # (wide, narrow): the difference between the wider steps, and the one between the narrower
    wide, narrow, n_wide, n_narrow = (d1, d2, n1, n2) if r < 1 else (d2, d1, n2, n1)
    with np.errstate(invalid="ignore"):
        converging = np.abs(narrow) <= (2 * np.abs(wide) + n_wide) / 2**p + n_narrow
    error = np.abs(d1) / abs(1 - r**p) + _SAFETY * roundoff
    # Near a zero of f its own rounding can exceed eps |f| (sin(w x) at w x ~ pi), and the
    # differences then wobble at a level far below the answer: three quotients that agree to
    # sqrt(eps) of it are taken at their word, with twice their spread as the error.
    spread = np.maximum(np.abs(d1), np.abs(d2))
    calm = spread <= np.sqrt(probe.eps) * np.abs(value)
    error = np.where(converging | ~calm, error, 2 * spread / abs(1 - r**p) + _SAFETY * roundoff)
    converging = converging | calm
    if not np.all(converging[np.isfinite(value)]):
        error = np.where(converging, error, np.inf)
        probe.notes.add(
            "noise",
            "the difference quotient does not converge as the step shrinks from h to h/4 (f is "
            "noisy, not smooth at x, or varies on a scale below h); its error is unknown (inf). "
            "Try method='richardson', or a larger h for a noisy f.",
        )
    return error


def _fixed(
    probe: _Probe, stencil: Stencil, h: np.ndarray, full: bool
) -> tuple[np.ndarray, Any, np.ndarray]:
    """A fixed stencil at step h: (value, error estimate or None, step used)."""
    n, p, x = stencil.n, stencil.accuracy, probe.x
    probe.restep(0, h)
    terms = _terms([stencil], [0])
    h = _stay_inside(probe, stencil, terms, h)
    hh = np.asarray(h, np.float64)
    span, xabs = _width(terms) * hh, np.abs(x).astype(np.float64)
    value, roundoff = _quotient(probe, terms, hh**n, span, xabs)
    if not full:
        return value, None, h
    r = 0.5 if np.all((x + hh / 4) - x == hh / 4) else 2.0
    error = _ladder(probe, terms, value, roundoff, hh**n, span, xabs, n, p, r)
    # one-sided slopes on both sides of x, at the same three steps
    gap = _kink(probe, hh, [1.0, r, r * r])
    if gap is not None and np.any(gap):
        spread = 0.5 if stencil.kind == "central" else 1.0
        error = np.where(gap > 0, np.inf if n > 1 else np.maximum(error, spread * gap), error)
    return value, error, h


# ---- the complex step ----


def _complex_values(f: Callable, point: np.ndarray, check: Callable) -> np.ndarray:
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
    return value


def _complex_step(f: Callable, x: np.ndarray, shift: np.ndarray, h: Any, check: Callable):
    # f(x + ih) = f(x) + ih f'(x) - h^2 f''(x)/2 - ..., so Im f(x+ih)/h = f'(x) + O(h^2) and no
    # two nearly equal numbers are subtracted: any tiny h works, down to underflow.
    value = _complex_values(f, x + 1j * shift, check)
    return value.imag / h, np.abs(value.real)


def _complex_checked(
    f: Callable, x: np.ndarray, h: np.ndarray, scale: Any, check: Callable, notes: _Notes
):
    # Analytic f, real on the real axis: Im f(x+is)/s = f' - s^2 f'''/6 + ... is even in s, so
    # at s = h and s = -h/2 it agrees to O(h^2) -- (3/4) h^2 |f'''|/6, nothing at h = 1e-20 --
    # and to round-off. Where it does not, f is not analytic at x: a branch cut (the log or
    # sqrt of a negative number: Im/s ~ pi/s), or an f whose complex version is not the
    # analytic one (np.maximum compares complex numbers lexicographically). The answer is then
    # NaN, as the real-valued methods would give at a cut. The h^2 allowance keeps f' = 0
    # (x**3 at 0) apart from those, where the gap is ~ 1/h.
    value, size = _complex_step(f, x, h, h, check)
    half, _ = _complex_step(f, x, -h / 2, -h / 2, check)
    eps = _eps(value.dtype)
    gap = np.abs(value - half)
    allow = 1e-6 * (np.abs(value) + np.abs(half) + size / scale) + 1e6 * (h / scale) ** 2 * (
        1.0 + size
    )
    broken = gap > allow
    if np.any(broken):
        notes.add(
            "not analytic",
            "complex step: Im f(x+ih)/h depends on h (or on its sign), so f is not analytic at x "
            "(a branch cut, e.g. log or sqrt of a negative number? np.maximum or a comparison on "
            "complex numbers?); returning nan there. Use method='central' or 'richardson'.",
        )
    # the truncation of the step h is 4/3 of the gap (it shrinks by 4 from h to h/2)
    error = np.where(broken, np.inf, 2 * gap + 4 * eps * np.abs(value))
    return np.where(broken, np.nan, value), error


def _trapezoid(values: list[np.ndarray], m: int, n: int):
    # Values on the upper half of a circle, at angles 2 pi j / m, j = 0 .. m/2; the lower half
    # is their conjugate (f is real on the real axis). Returns the trapezoidal sums of
    # (1/2 pi) \oint f(x + r e^{it}) e^{-int} dt (= r^n f^(n)(x) / n!) and of the mean of f
    # (= f(x)), and the mean of |f| on the circle.
    j = np.arange(m // 2 + 1)
    weights = np.where((j == 0) | (j == m // 2), 1.0, 2.0)
    turn = np.exp(-2j * np.pi * j * n / m)
    coef = sum(w * np.real(v * t) for w, v, t in zip(weights, values, turn)) / m
    mean = sum(w * np.real(v) for w, v in zip(weights, values)) / m
    size = sum(w * np.abs(v) for w, v in zip(weights, values)) / m
    return coef, mean, size


def _contour(
    f: Callable,
    x: np.ndarray,
    n: int,
    check: Callable,
    notes: _Notes,
    per_x: Callable,
    radius: Any = None,
):
    r"""f^(n)(x) from Cauchy's integral on a circle of radius r: (value, error, r, calls).

    f^(n)(x) = n!/(2 pi r^n) \oint f(x + r e^{it}) e^{-int} dt, by the trapezoidal rule on N
    points (N/2 + 1 calls, by conjugate symmetry). Nothing small is subtracted: the round-off is
    eps n! mean|f| / r^n, and the rule converges geometrically while no singularity of f lies
    within the circle. Checks: the N/2-point rule must agree (aliasing), and the mean of f on
    the circle must equal f(x) (a pole or branch cut inside breaks it). Where they fail, r
    shrinks by 4.
    """
    big = max(32, 4 * n)
    ctype = np.result_type(x.dtype, np.complex64)
    eps = _eps(x.dtype)
    unit = np.exp(2j * np.pi * np.arange(big // 2 + 1) / big)
    f0 = np.asarray(f(x if x.ndim else x[()]))
    calls = 1
    r = np.ones(x.shape) if radius is None else np.asarray(radius, np.float64) * np.ones(x.shape)
    value = error = None
    done = np.zeros(x.shape, bool)
    for _ in range(24):
        values = [_complex_values(f, (x + r * u).astype(ctype), check) for u in unit]
        calls += len(unit)
        coef, mean, size = _trapezoid(values, big, n)
        coarse, _, _ = _trapezoid(values[::2], big // 2, n)
        scale = math.factorial(n) / r**n
        if x.ndim == 0 and np.ndim(coef):
            scale = scale[()]
        new, alias = scale * coef, scale * np.abs(coef - coarse)
        roundoff = _SAFETY * eps * scale * size
        ok = (alias <= roundoff) & (np.abs(mean - f0) <= 4 * _SAFETY * eps * size)
        take = ~per_x(~ok) & ~done  # every component of f resolved, for this element of x
        if value is None:
            value, error = new, np.full(np.shape(new), np.inf)
        # resolved: keep; unresolved: the latest value (unknown error), on a smaller circle
        value = np.where(done, value, new)
        error = np.where(take, alias + roundoff, error)
        done = done | take
        if np.all(done):
            break
        r = np.where(done, r, r / 4)
    if not np.all(done):
        notes.add(
            "not analytic",
            "complex step: Cauchy's integral on circles down to radius "
            f"{float(np.min(r)):.1e} never converged (a branch point or singularity of f at or "
            "next to x, or f not analytic); the error is unknown (inf). Use "
            "method='richardson'.",
        )
    return value, error, r, calls


# ---- richardson extrapolation with an adaptive choice of entry ----

# Calls of f allowed per entry, numdifftools' default: 15 steps of the two-point pair (+ centre),
# and 15 steps of the four-point cross for a mixed second derivative.
_BUDGET_LINE, _BUDGET_CROSS = 31, 60
# h_0 = _START (f's length scale taken to be 1). An odd numerator over 2^20 keeps the steps
# exact in binary but away from simple fractions such as 1/8, at which a wave like sin(8 pi x)
# would be aliased and look flat.
_START = 849347 / 2**20
_AHEAD = 1  # rows beyond an entry that must also pass the trust test
_AGREE = 2.0  # entries agree when their distance is below this times their two error bars


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
        # Nothing trusted (f noisy, or never resolved): the row quotient that changes least
        # from its neighbours, with an unknown error (inf); _extrapolate says why.
        lost = np.isinf(error)
        quotients = np.array([r[0] for r in self.rows])
        change = np.abs(np.diff(quotients, axis=0))
        wobble = np.full(quotients.shape, np.inf)
        wobble[1:-1] = change[:-1] + change[1:]
        pick = np.argmin(np.where(np.isnan(wobble), np.inf, wobble), axis=0)
        steady = np.take_along_axis(quotients, pick[None], axis=0)[0]
        value = np.where(lost, steady, value)
        return value, error, np.where(lost, pick, row), lost


def _extrapolate(
    probe: _Probe,
    terms: list,
    denom: Any,
    span: Any,
    xabs: Any,
    p: int,
    n: int,
    budget: int,
    what: str,
    kink_dir: Hashable | None = 0,
):
    """Richardson table over h_i = h_0 r^-i: (value, error, h_i/h_0 of the chosen entry)."""
    # Ratio 4 spans eight decades of h in 15 rows; a stencil reaching 2h reuses half of its
    # points at ratio 2, which then costs less.
    ratio = 2 if _width(terms) > 2 else 4
    # Start inside f's domain: skip the widest steps while a point of the stencil is nan or inf
    # where f(x) is finite (log near 0); those calls do not count against the budget.
    first = 0
    for first in range(64):
        values = [probe(key) for _, key in _shrunk(terms, float(ratio) ** -first)]
        outside = ~_finite(values, probe)
        if not np.any(outside) or not np.any(outside & probe.per_x(np.isfinite(probe(())))):
            break
    table = _Table(p, ratio)
    spent, shrinks = 0, []
    for i in range(first, first + 64):  # ends by the budget
        shrink = float(ratio) ** -i
        row_terms = _shrunk(terms, shrink)
        keys = [key for _, key in row_terms]
        # the first row may have been evaluated by the domain search: it counts all the same
        cost = probe.missing(keys) if i > first else len({probe.normal(k) for k in keys})
        if spent + cost > budget:
            break
        spent += cost
        quotient, roundoff = _quotient(probe, row_terms, denom * shrink**n, span * shrink, xabs)
        table.add(quotient, _SAFETY * roundoff)
        shrinks.append(shrink)
        # Each smaller step adds round-off (x ratio^n): stop when nothing can improve.
        if table.done and np.all(table.best_error <= table.noise[-1] * ratio**n):
            break
    if not table.done:
        raise ValueError(
            f"richardson needs at least {3 + _AHEAD} steps; the budget of {budget} calls of f "
            f"per entry allows fewer for {what}. Use a lower accuracy (or n), or "
            f"method='central'."
        )
    value, error, row, lost = table.choose()
    f0 = probe(()) if np.any(lost) else None
    if f0 is not None:
        at_x = np.broadcast_to(np.isfinite(f0), np.shape(value))
        if np.any(lost & np.isfinite(value)):
            probe.notes.add(
                "noise",
                "richardson: no step gave quotients that converge at the rate Taylor's theorem "
                "predicts (f is noisy, not smooth at x, or varies on a scale below the smallest "
                "step); the value is the steadiest quotient and its error is unknown (inf).",
            )
        elif np.any(lost & at_x):
            probe.notes.add(
                "domain edge",
                "richardson: f is nan or inf at every step tried although finite at x.",
            )
    if kink_dir is not None and len(shrinks) >= 3:
        # one-sided slopes at the three smallest steps (their points are in the table)
        gap = _kink(probe, np.asarray(probe.steps[kink_dir], np.float64), shrinks[-3:])
        if gap is not None and np.any(gap):
            error = np.where(gap > 0, np.inf if n > 1 else np.maximum(error, gap / 2), error)
    return value, error, np.asarray(shrinks)[row]


# ---- one variable: derivative ----


def _start_step(x: np.ndarray) -> np.ndarray:
    # f's length scale is taken to be 1 (see _optimal_step); the table shrinks from there.
    return (_START * np.ones(x.shape)).astype(x.dtype)


def _derivative(
    probe: _Probe,
    f: Callable,
    n: int,
    method: str,
    step: np.ndarray | None,
    accuracy: int,
    full: bool,
    checked: bool = True,
):
    """The n-th derivative along x (elementwise): (value, error or None, step)."""
    x, notes, check = probe.x, probe.notes, probe.check
    scale = np.maximum(1.0, np.abs(x).astype(np.float64))
    if method == "complex" and n == 1:
        # (float16 has no complex type and flushes 1e-20 to 0: the step is at least float32)
        step = (1e-20 * scale).astype(np.result_type(x.dtype, np.float32)) if step is None else step
        if checked:
            value, error = _complex_checked(f, x, step, scale, check, notes)
            probe.nfev += 2
        else:
            value, size = _complex_step(f, x, step, step, check)
            error = 4 * _eps(value.dtype) * np.abs(value)
            probe.nfev += 1
        return value, error, step
    if method == "complex":
        value, error, radius, calls = _contour(f, x, n, check, notes, probe.per_x, step)
        probe.nfev += calls
        return value, error, radius
    if method == "richardson":
        stencil = _stencil(n, accuracy, "central")
        h0 = _start_step(x) if step is None else _exact_step(x, step)
        probe.restep(0, h0)
        terms = _terms([stencil], [0])
        hh = np.asarray(h0, np.float64)
        with np.errstate(all="ignore"):
            value, error, shrink = _extrapolate(
                probe,
                terms,
                hh**n,
                _width(terms) * hh,
                np.abs(x).astype(np.float64),
                accuracy,
                n,
                _BUDGET_LINE,
                f"the stencil of n={n}, accuracy={accuracy}",
            )
        return value, error, h0 * shrink
    stencil = _stencil(n, accuracy, method)
    step = _optimal_step(stencil, x, probe.eps) if step is None else step
    with np.errstate(all="ignore"):
        return _fixed(probe, stencil, _exact_step(x, step), full)


def _step_dtype(x: np.ndarray, method: str) -> Any:
    # the complex step's 1e-20 is below float16's range: its steps are at least float32
    return np.result_type(x.dtype, np.float32) if method == "complex" else x.dtype


def _cast(value: Any, dtype: Any) -> Any:
    # results in x's dtype (float32 in, float32 out); errors stay float64 (they may be inf)
    value = np.asarray(value)
    if value.dtype.kind == "f" and np.dtype(dtype).kind == "f":
        value = value.astype(dtype)
    return value[()]


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
    scale 1, which gives

    .. math:: h^* = \Bigl(\frac{n\sum_k|w_k|}{p\,|c|}\,\varepsilon\Bigr)^{1/(n+p)},

    e.g. :math:`(3\varepsilon)^{1/3} \approx 8.7\cdot10^{-6}` for the central first difference,
    with :math:`\varepsilon` the epsilon of x's dtype (float32: :math:`(3\varepsilon)^{1/3}
    \approx 7\cdot10^{-3}`). It is rounded to a power of two, raised to the spacing of floats at
    x if below it, and replaced by :math:`(x+h)-x`, so the step the quotient divides by is the
    one the floats took. The scale is 1, not :math:`|x|`: f's own scale is unknown (``sin``
    varies on the scale 1 at :math:`x=10^8`, ``log`` on the scale x), and a step too wide can be
    100% wrong where one too small only loses digits to round-off. Near a domain edge (f nan or
    inf at a stencil point, finite at x) the step is halved until every point is inside, and
    the distance to the edge becomes the length scale.

    **When to prefer richardson.** The rule is exact only when f's derivatives are of the size
    of f. They are not for high orders (derivatives of analytic functions grow like
    :math:`m!/R^m`, R the distance to the nearest singularity: ``log''''`` at 0.5), for rapidly
    varying f (``sin(50x)``), or far from 1 in scale (``log`` at :math:`10^8`); a single step
    then loses digits, and ``full_output=True`` says how many. ``richardson`` finds the scale
    itself, and ``complex`` is more accurate still where f is analytic.

    **Complex step**, ``n = 1``: :math:`f'(x)\approx \operatorname{Im} f(x+ih)/h` with
    :math:`h=10^{-20}\max(1,|x|)`. Nothing is subtracted, so no round-off is amplified, and the
    truncation :math:`h^2 f'''/6` is far below float resolution: any tiny h works. f must be
    analytic and accept complex input. f is called at h and at -h/2: for an analytic f the two
    quotients agree to round-off; where they do not (a branch cut, or a complex comparison as in
    ``np.maximum``) the result is nan, with a warning.

    **Complex step**, ``n >= 2``: Cauchy's integral :math:`f^{(n)}(x) = \frac{n!}{2\pi r^n}
    \oint f(x+re^{it})e^{-int}\,dt`, by the trapezoidal rule on N = max(32, 4n) points of the
    circle (N/2 + 1 calls, as f is real on the real axis). For f analytic in a disc of radius
    R > r the rule converges like :math:`(r/R)^N`, and since nothing small is subtracted the
    round-off is only :math:`\varepsilon\, n!\, \overline{|f|}/r^n`: about :math:`10^{-15}`
    relative for ``exp``, ``sin`` or ``x**3`` at r = 1, a few digits less where a singularity
    forces a small circle (``log''''`` at 0.5: r = 1/16, ~3e-13). Two checks per circle -- the
    rule on N/2 points must agree, and the mean of f on the circle must equal f(x), which a pole
    or branch cut inside breaks -- else r shrinks by 4 (17 more calls). The estimate is the
    N/2-point rule's distance plus that round-off.

    **Richardson** (central stencil of accuracy p): the quotients :math:`D(h_i)`,
    :math:`h_i = h_0 r^{-i}`, :math:`h_0 \approx 0.81` (or ``h``), :math:`r=4` (``r=2`` when
    the stencil reaches 2h, so half of its points are reused), fill a table whose column j
    cancels the :math:`h^{p+2j-2}` error term. An entry's error estimate is its distance to the
    neighbours of lower order and of wider step, plus its round-off. The entry returned has the
    smallest estimate among those that (a) use rows where the table converges at the rate
    :math:`h^p` predicts and (b) agree, within error bars, with every smaller step. Steps wider
    than f's own scale fail (a), so the table finds that scale itself and stays accurate on
    rapidly varying functions (``sin(50 x)``) where one fixed step fails. It stops when smaller
    steps could only add round-off, and calls f at most as often as numdifftools' default
    ``Derivative`` (30 times for ``n=1``). Rows with nan or inf (a log of a negative number)
    are skipped at the start and never chosen. Where no entry is trusted (noise) the steadiest
    quotient is returned with error ``inf`` and a :class:`NumericWarning`.

    **Error estimate** (``full_output=True``): richardson -- the estimate of the chosen table
    entry; forward/backward/central -- the quotient is recomputed with steps h/2 and h/4 (extra
    calls, counted in ``nfev``); when the two differences shrink by :math:`2^p` as Taylor
    predicts (or are round-off), the error is :math:`|D(h)-D(h/2)|/(1-2^{-p})` plus the
    round-off :math:`\varepsilon\sum|w_k f_k|/h^n`, else ``inf`` (noise). Every method also
    compares the one-sided slopes at x on both sides at three steps: if they differ by the same
    amount at each, f has a kink there and the error covers the gap (``inf`` for ``n >= 2``).
    Complex (n = 1) -- twice the gap between the steps h and h/2 plus :math:`4\varepsilon|f'|`.

    Args:
        f: a function of one float (or an elementwise function of an array) written with NumPy;
            it may return an array (each component is differentiated).
        x: the point, a float, or an array at which an elementwise f is differentiated pointwise.
            f is evaluated in x's floating dtype, and the result has it.
        n: derivative order, a positive integer.
        method: ``"forward"``, ``"backward"``, ``"central"``, ``"complex"`` or ``"richardson"``.
        h: the step (``richardson``: the first, widest step; ``complex`` with ``n >= 2``: the
            first radius, 1 by default); ``None`` for the rules above.
        accuracy: order of accuracy p of the stencil (even for central and richardson).
        full_output: return an :class:`Estimate` with error estimate, step and call count.

    Returns:
        :math:`f^{(n)}(x)`, shaped like f's output; or an :class:`Estimate`.

    Warns:
        NumericWarning: where the derivative cannot be resolved (kink, noise, domain edge, not
            analytic, precision), naming the cause.

    Example:
        >>> round(float(derivative(np.sin, 0.0, method="complex")), 15)
        1.0
        >>> round(float(derivative(np.exp, 0.0, n=2, method="complex")), 14)
        1.0
    """
    n, method = _check_n(n), _check_method(method)
    kind = method if method in KINDS else "central"
    accuracy = _check_accuracy(accuracy, kind)
    x_arr = _check_x(x)
    step = _check_h(h, x_arr.shape, x_arr.dtype)

    def check(value: np.ndarray) -> None:
        if x_arr.ndim and value.shape != x_arr.shape:
            raise ValueError(
                f"for an array x, derivative differentiates an elementwise f pointwise, so f's "
                f"output must have x's shape {x_arr.shape}; got {value.shape}. For f: R^n -> R use "
                f"gradient, for vector outputs jacobian."
            )

    notes = _Notes()
    probe = _Probe(f, x_arr, check, notes)
    value, error, step = _derivative(probe, f, n, method, step, accuracy, full_output)
    notes.warn()
    value = _cast(value, x_arr.dtype)
    if not full_output:
        return value
    error = np.asarray(error, np.float64)[()]
    return Estimate(value, error, _cast(step, _step_dtype(x_arr, method)),
                    probe.nfev, method)  # fmt: skip


# ---- many variables: gradient, jacobian, hessian ----


def _along(f: Callable, x: np.ndarray, j: int) -> Callable:
    # f as a function of its j-th coordinate alone (real or complex)
    def line(y: Any) -> Any:
        y = np.asarray(y)
        point = x.astype(np.result_type(x.dtype, y.dtype))
        point.reshape(-1)[j] = y
        return f(point if point.ndim else point[()])

    return line


def _towards(f: Callable, x: np.ndarray, v: np.ndarray) -> Callable:
    # t -> f(x + t v), for a (complex) scalar t
    def line(t: Any) -> Any:
        t = np.asarray(t)
        point = x.astype(np.result_type(x.dtype, t.dtype)) + t * v
        return f(point if point.ndim else point[()])

    return line


def _columns(f: Callable, x: np.ndarray, method: str, step: Any, accuracy: int, check, full):
    """Derivatives of f along each coordinate axis of x: (columns, errors, steps, calls, notes),
    each column an array shaped like f(x)."""
    notes, shared = _Notes(), {}
    columns, errors, steps, calls = [], [], [], 0
    for j in range(x.size):
        xj = x.reshape(-1)[j : j + 1].reshape(())
        probe = _Probe(_along(f, x, j), xj, check, notes, shared)
        hj = None if step is None else step.reshape(-1)[j : j + 1].reshape(())
        value, error, h = _derivative(probe, probe.f, 1, method, hj, accuracy, full, full)
        columns.append(np.asarray(value))
        errors.append(None if error is None else np.asarray(error))
        steps.append(np.max(h))  # richardson's step may differ between f's components
        calls += probe.nfev
    return columns, errors, np.array(steps).reshape(x.shape), calls, notes


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
    return method, _check_h(h, x_arr.shape, x_arr.dtype), accuracy, x_arr


def _result(value, errors, steps, calls, method, dtype, full):
    value = _cast(value, dtype)
    if not full:
        return value
    step_dtype = np.result_type(dtype, np.float32) if method == "complex" else dtype
    error = np.asarray(errors, np.float64)[()]
    return Estimate(value, error, _cast(steps, step_dtype), calls, method)


def gradient(
    f: Callable,
    x: Any,
    method: str = "central",
    h: Any = None,
    accuracy: int = 2,
    full_output: bool = False,
) -> Any:
    r"""The gradient :math:`\nabla f(x)`, one coordinate at a time: :math:`\partial_j f \approx
    h_j^{-1}\sum_k w_k f(x + k h_j e_j)`.

    Each coordinate gets its own step, by the rule of :func:`derivative` (and its checks: domain
    edges, and with ``full_output`` kinks and noise). The cost grows with the dimension: about
    ``accuracy`` calls of f per coordinate (one for ``complex``, up to 30 for ``richardson``),
    plus the checking calls of ``full_output``. Without ``full_output`` the complex step makes
    one call per coordinate and does not check that f is analytic at x.

    Args:
        f: a scalar-valued function of an array shaped like x, written with NumPy.
        x: the point (a float or an array).
        method: as in :func:`derivative`.
        h: the step, a scalar or an array shaped like x; ``None`` for the default rule.
        accuracy: order of accuracy of the stencil.
        full_output: return an :class:`Estimate` whose ``error`` is shaped like x.

    Returns:
        An array shaped like x (or an :class:`Estimate`).
    """
    method, step, accuracy, x_arr = _prepare(method, h, accuracy, x)
    columns, errors, steps, calls, notes = _columns(
        f, x_arr, method, step, accuracy, _scalar_output("gradient"), full_output
    )
    notes.warn()
    value = np.array(columns).reshape(x_arr.shape)
    error = None if not full_output else np.array(errors, np.float64).reshape(x_arr.shape)
    return _result(value, error, steps, calls, method, x_arr.dtype, full_output)


def jacobian(
    f: Callable,
    x: Any,
    method: str = "central",
    h: Any = None,
    accuracy: int = 2,
    full_output: bool = False,
) -> Any:
    r"""The Jacobian :math:`J_{ij} = \partial f_i/\partial x_j`, shaped ``f(x).shape + x.shape``.

    Column j is the derivative of f along the coordinate axis :math:`e_j`, by the method and
    step rule of :func:`derivative`.

    Args:
        f: a function of an array shaped like x, returning an array (or a scalar).
        x: the point (a float or an array).
        method: as in :func:`derivative`.
        h: the step, a scalar or an array shaped like x; ``None`` for the default rule.
        accuracy: order of accuracy of the stencil.
        full_output: return an :class:`Estimate` whose ``error`` is shaped like the Jacobian.

    Returns:
        An array of shape ``f(x).shape + x.shape`` (or an :class:`Estimate`).
    """
    method, step, accuracy, x_arr = _prepare(method, h, accuracy, x)
    columns, errors, steps, calls, notes = _columns(
        f, x_arr, method, step, accuracy, lambda value: None, full_output
    )
    notes.warn()
    out_shape = columns[0].shape
    value = np.stack(columns, axis=-1).reshape(out_shape + x_arr.shape)
    error = None
    if full_output:
        error = np.stack(errors, axis=-1).astype(np.float64).reshape(out_shape + x_arr.shape)
    return _result(value, error, steps, calls, method, x_arr.dtype, full_output)


def _hessian_complex(f: Callable, x: np.ndarray, notes: _Notes):
    # Second derivatives along e_i and e_i + e_j by Cauchy's integral (see derivative):
    # d^2/dt^2 f(x + t(e_i + e_j)) = H_ii + 2 H_ij + H_jj.
    size, calls = x.size, 0
    origin = np.zeros((), x.dtype)
    entries: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}

    def second(v: np.ndarray):
        nonlocal calls
        value, error, _, used = _contour(
            _towards(f, x, v.reshape(x.shape)), origin, 2, lambda value: None, notes, np.any
        )
        calls += used
        return value, error

    eye = np.eye(size, dtype=x.dtype)
    for i in range(size):
        entries[i, i] = second(eye[i])
    for i in range(size):
        for j in range(i):
            both, err = second(eye[i] + eye[j])
            (hii, eii), (hjj, ejj) = entries[i, i], entries[j, j]
            entries[i, j] = entries[j, i] = ((both - hii - hjj) / 2, (err + eii + ejj) / 2)
    return entries, calls, np.ones(x.shape)


def _hessian_real(f: Callable, x: np.ndarray, method: str, step: Any, accuracy: int, full, notes):
    kind = method if method in KINDS else "central"
    size, shape = x.size, x.shape
    first, second = _stencil(1, accuracy, kind), _stencil(2, accuracy, kind)
    probe = _Probe(f, x, lambda value: None, notes, elementwise=False)
    flat = x.reshape(-1)
    if step is not None:
        steps = step.reshape(-1).astype(x.dtype)
    elif method == "richardson":
        steps = _start_step(flat)
    else:
        steps = _optimal_step(second, flat, probe.eps)
    for i in range(size):
        steps[i] = _exact_step(flat[i], steps[i])
        shift = np.zeros(size, x.dtype)
        shift[i] = steps[i]
        probe.steps[i] = shift.reshape(shape)
    entries = {}
    for i in range(size):
        for j in range(i + 1):
            if i == j:
                terms, budget = _terms([second], [i]), _BUDGET_LINE
                what = f"the second-derivative stencil of accuracy {accuracy}"
            else:
                terms = _terms([first, first], [i, j])
                # the mixed stencil has (p + ...)^2 points: room for the same number of rows
                budget = max(_BUDGET_CROSS, (4 + _AHEAD) * len(terms))
                what = f"the mixed second-derivative stencil of accuracy {accuracy}"
            hi, hj = float(steps[i]), float(steps[j])
            denom, span = hi * hj, _width(terms) * max(hi, hj)
            xabs = max(abs(float(flat[i])), abs(float(flat[j])))
            with np.errstate(all="ignore"):
                if method == "richardson":
                    value, error, _ = _extrapolate(
                        probe, terms, denom, span, xabs, accuracy, 2, budget, what, None
                    )
                else:
                    value, roundoff = _quotient(probe, terms, denom, span, xabs)
                    error = None
                    if full:
                        args = (denom, span, xabs, 2, accuracy, 0.5)
                        error = _ladder(probe, terms, value, roundoff, *args)
            entries[i, j] = entries[j, i] = (value, error)
    return entries, probe.nfev, steps.reshape(shape)


def hessian(
    f: Callable,
    x: Any,
    method: str = "central",
    h: Any = None,
    accuracy: int = 2,
    full_output: bool = False,
) -> Any:
    r"""The Hessian :math:`H_{ij} = \partial^2 f/\partial x_i\partial x_j`, shaped
    ``f(x).shape + x.shape + x.shape`` (``x.shape + x.shape`` for a scalar f).

    Diagonal entries use the second-derivative stencil along :math:`e_i`; off-diagonal ones the
    product of two first-derivative stencils, :math:`h_i^{-1}h_j^{-1}\sum_{a,b} w_a w_b
    f(x + a h_i e_i + b h_j e_j)`, which has the same order of accuracy. The default steps follow
    :func:`derivative`'s rule for ``n=2``. ``richardson`` extrapolates each entry over shrinking
    steps (the mixed stencil of accuracy p has :math:`p^2` points, and its budget grows with
    them). ``complex`` takes second derivatives along :math:`e_i` and :math:`e_i+e_j` by
    Cauchy's integral (see :func:`derivative`, ``n >= 2``) and
    :math:`H_{ij} = (D^2_{e_i+e_j} - H_{ii} - H_{jj})/2`: accurate to round-off for an analytic
    f, at 18 calls per direction (``h`` and ``accuracy`` do not apply).

    Args:
        f: a function of an array shaped like x, written with NumPy (scalar- or array-valued).
        x: the point (a float or an array).
        method: as in :func:`derivative`.
        h: the step, a scalar or an array shaped like x; ``None`` for the default rule.
        accuracy: order of accuracy of the stencil.
        full_output: return an :class:`Estimate` whose ``error`` is shaped like the Hessian
            (fixed stencils: from the steps h, h/2 and h/4, as in :func:`derivative`, ``inf``
            where they do not converge; richardson: the table's).

    Returns:
        An array, symmetric in its last two groups of axes (or an :class:`Estimate`).
    """
    method, step, accuracy, x_arr = _prepare(method, h, accuracy, x)
    size, shape = x_arr.size, x_arr.shape
    notes = _Notes()
    if method == "complex":
        entries, calls, steps = _hessian_complex(f, x_arr, notes)
    else:
        entries, calls, steps = _hessian_real(f, x_arr, method, step, accuracy, full_output, notes)
    notes.warn()
    out = np.shape(entries[0, 0][0])
    hess = np.empty(out + (size, size), np.result_type(entries[0, 0][0], np.float64))
    error = np.zeros(out + (size, size)) if full_output else None
    for (i, j), (value, err) in entries.items():
        hess[..., i, j] = value
        if full_output:
            error[..., i, j] = err
    value = hess.reshape(out + shape + shape)
    if full_output:
        error = error.reshape(out + shape + shape)
    return _result(value, error, steps, calls, method, x_arr.dtype, full_output)
