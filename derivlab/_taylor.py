r"""The Taylor test: a gradient check with no step to choose.

Taylor's theorem says that for a smooth f and a direction v

.. math:: r(h) = \lvert f(x + hv) - f(x) - h\langle g, v\rangle\rvert = O(h^2)
   \quad\text{if } g = \nabla f(x),

while a wrong g leaves a first-order term, :math:`r(h) \approx h\,\lvert\langle \nabla f(x) - g,
v\rangle\rvert`. So instead of comparing two numbers at one step h (and arguing about which h),
the test watches r over the steps :math:`h = 2^{-k}` and fits the slope of
:math:`\log r` against :math:`\log h`: about 2 when g is right, about 1 when it is wrong. It costs
one evaluation of f per step and the gradient once, whatever the dimension of x.

Round-off sets a floor under r (a few units of f's last digit); remainders near it say nothing
about h, so the fit uses only the steps before r first reaches the floor, and of those the
smallest four, where the Taylor expansion is most accurate.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from derivlab._api import grad

_FLOOR = 16  # remainders below this many units of f's round-off are noise
_FIT = 4  # the fit uses the last (smallest-step) this many remainders above the floor
_RIGHT, _WRONG = 1.8, 1.2  # slope at least _RIGHT: g is right; at most _WRONG: wrong
_STEADY = 0.5  # the local slopes of the fit may spread this much, or the test is inconclusive


@dataclass
class TaylorTest:
    r"""The result of :func:`taylor_test`.

    Attributes:
        passed: whether the remainder falls like :math:`h^2` (or faster).
        slope: the fitted slope of log r against log h (NaN when there was none to fit).
        message: what the slope means, in words.
        h: the steps :math:`2^{-k}`.
        remainder: :math:`r(h)` for each step.
        above_floor: which remainders are above round-off (the ones that could be fitted).
        slopes: the local slopes between consecutive steps (NaN where either is below the
            floor).
        directional: :math:`\langle g, v\rangle`, the claimed derivative along v.
        direction: the direction v, with the structure of x.
    """

    passed: bool
    slope: float
    message: str
    h: np.ndarray
    remainder: np.ndarray
    above_floor: np.ndarray
    slopes: np.ndarray
    directional: float
    direction: Any

    def __repr__(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        slope = f", slope {self.slope:.2f}" if np.isfinite(self.slope) else ""
        head = f"TaylorTest({verdict}{slope})\n" + textwrap.fill(
            self.message, 76, initial_indent="  ", subsequent_indent="  "
        )
        rows = [f"{'h':>10}  {'r(h)':>10}  {'slope':>6}"]
        for i, (h, r) in enumerate(zip(self.h, self.remainder)):
            s = self.slopes[i - 1] if i else np.nan
            slope = f"{s:6.2f}" if np.isfinite(s) else " " * 6
            floor = "" if self.above_floor[i] else "  (round-off)"
            rows.append(f"{f'2^{np.log2(h):.0f}':>10}  {r:10.3e}  {slope}{floor}")
        return head + "\n" + "\n".join(rows)

    __str__ = __repr__


def _default_ks(eps: float) -> list[int]:
    # from h = 1/2 down to about the square root of eps's precision, and a few steps past it
    digits = int(np.ceil(-np.log2(eps)))
    return list(range(1, digits // 2 + 3))


def _check_ks(ks: Any) -> list[int]:
    try:
        ks = [k for k in ks]
    except TypeError:
        raise TypeError(
            f"taylor_test: ks must be a sequence of integers (steps h = 2^-k), got {ks!r}."
        ) from None
    if not all(isinstance(k, (int, np.integer)) and not isinstance(k, bool) for k in ks):
        raise TypeError(
            f"taylor_test: ks must hold integers (steps h = 2^-k), got {ks!r}; e.g. range(1, 20)."
        )
    if len(ks) < 3 or any(b <= a for a, b in zip(ks, ks[1:])):
        raise ValueError(
            f"taylor_test: ks must be at least 3 increasing integers (shrinking steps), got "
            f"{ks!r}; e.g. range(1, 20)."
        )
    return [int(k) for k in ks]


def _scalar(value: Any, where: str) -> np.ndarray:
    v = np.asarray(value)
    if v.ndim:
        raise ValueError(
            f"taylor_test: f must return a scalar; it returned an array of shape {v.shape} "
            f"{where}. Reduce it first (np.sum, np.mean)."
        )
    if v.dtype.kind not in "fiu":
        raise TypeError(f"taylor_test: f returned {v.dtype} values {where}; it must be real.")
    return v


def taylor_test(
    f: Callable,
    x: Any,
    g: Any = None,
    direction: Any = None,
    *,
    ks: Iterable[int] | None = None,
    rng: Any = None,
) -> TaylorTest:
    r"""Check a gradient by the order of Taylor's remainder: :math:`r(h) = O(h^2)` iff g is right.

    For the steps :math:`h = 2^{-k}` it evaluates
    :math:`r(h) = \lvert f(x + hv) - f(x) - \langle g, \delta\rangle\rvert`, with
    :math:`\delta = (x + hv) - x` the step the floats actually took (about :math:`hv`), and fits
    the slope of :math:`\log r` against :math:`\log h` over the smallest steps whose remainder is
    above round-off. A slope of at least 1.8 passes (g is right along v); about 1 fails (g is
    wrong along v, and the message estimates by how much). No step has to be chosen, and the
    cost is ``len(ks) + 1`` calls of f and one gradient, for any size of x.

    Args:
        f: a scalar function of one argument (a float, an array, or a dict/list/tuple of
            arrays), smooth near x.
        x: the point. Its dtype is kept: a float32 x is tested in float32.
        g: the gradient at x to test: an array (or pytree) shaped like x, or a function that
            returns it when called with x. ``None``: derivlab's own ``grad(f)(x)``.
        direction: v, shaped like x; ``None``: a random unit vector drawn from ``rng``.
        ks: the exponents k of the steps, increasing; by default from 1 to about half of the
            dtype's mantissa bits (1..28 in float64, 1..14 in float32).
        rng: a seed or ``numpy.random.Generator`` for the random direction.

    Returns:
        A :class:`TaylorTest` (``.passed``, ``.slope``, ``.message``, and the remainders);
        it prints as a table of h, r(h) and the local slopes.

    Example:
        >>> import numpy as np
        >>> f = lambda x: np.sum(np.sin(x) ** 2)
        >>> x = np.array([0.3, -1.2, 2.0])
        >>> taylor_test(f, x, rng=0).passed
        True
        >>> taylor_test(f, x, g=np.cos(x), rng=0).passed    # the chain rule forgotten
        False
    """
    from derivlab._check import Flat

    if not callable(f):
        raise TypeError(f"taylor_test: f must be a function, got {type(f).__name__}.")
    kinds = {np.asarray(leaf).dtype.kind for leaf in Flat(x, dtype=None).leaves}
    if not kinds or kinds - {"f"}:
        raise TypeError(
            "taylor_test: x must hold floating-point values (an array or a dict/list/tuple of "
            f"them); got {', '.join(sorted(kinds)) or 'nothing'} dtype kinds. Write 3.0 rather "
            "than 3, or x.astype(float)."
        )
    probe = Flat(x, dtype=None)
    dtype = np.result_type(*probe.leaves)
    flat = Flat(x, dtype=dtype)
    x0 = flat.vector
    if x0.size == 0:
        raise ValueError("taylor_test: x has no entries; there is nothing to test.")

    if direction is None:
        try:
            gen = np.random.default_rng(rng)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"taylor_test: rng must be a seed (int) or a numpy.random.Generator ({exc})."
            ) from None
        v = gen.standard_normal(x0.size)
        v /= np.linalg.norm(v)
    else:
        v = flat.flatten(direction, "direction's", caller="taylor_test")
        if not np.all(np.isfinite(v)) or not np.any(v):
            raise ValueError("taylor_test: direction must be finite and not zero.")
    v = v.astype(dtype)

    f0 = _scalar(f(x), "at x")
    if not np.isfinite(f0):
        raise ValueError(f"taylor_test: f(x) = {f0}; it must be finite at x.")
    gx = g(x) if callable(g) else (grad(f)(x) if g is None else g)
    gv = flat.flatten(gx, "given", caller="taylor_test")
    if not np.all(np.isfinite(gv)):
        raise ValueError("taylor_test: the gradient g has NaN or inf entries; fix g first.")

    eps = max(
        float(np.finfo(dtype).eps),
        float(np.finfo(f0.dtype).eps) if f0.dtype.kind == "f" else 0.0,
    )
    ks = _default_ks(eps) if ks is None else _check_ks(ks)

    hs, rs, floors = [], [], []
    base, f0_64 = x0.astype(np.float64), float(f0)
    for k in ks:
        h = 2.0**-k
        xh = (x0 + np.asarray(h, dtype) * v).astype(dtype)
        delta = xh.astype(np.float64) - base  # the step taken, exactly (Sterbenz)
        fh = _scalar(f(flat.unflatten(xh)), f"at x + 2^{-k} v")
        fh_64 = float(fh)
        hs.append(h)
        rs.append(abs(fh_64 - f0_64 - float(gv @ delta)))
        floors.append(_FLOOR * eps * max(abs(f0_64), abs(fh_64), np.finfo(np.float64).tiny))
    h, r = np.array(hs), np.array(rs)
    above = r > np.array(floors)
    # the clean run: from the largest step down, until a remainder first reaches the floor
    clean = np.cumprod(above).astype(bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        slopes = np.log2(r[:-1] / r[1:]) / np.log2(h[:-1] / h[1:])
    slopes = np.where(clean[:-1] & clean[1:], slopes, np.nan)
    directional = float(gv @ v.astype(np.float64))

    fit = np.flatnonzero(clean)[-_FIT:]
    local = slopes[fit[:-1]] if fit.size > 1 else np.zeros(0)
    if fit.size == 0 and h[0] >= 0.25:
        slope, passed = float("nan"), True
        message = (
            f"even at h = 2^{-ks[0]} the remainder is at round-off level, so f is "
            "linear along v to working precision and g agrees with it; there is no slope to "
            "measure"
        )
    elif fit.size < 3:
        slope, passed = float("nan"), False
        message = (
            f"only {fit.size} remainder(s) rise above round-off before the floor: too few to "
            "fit a slope. Pass ks that start at larger steps (e.g. ks=range(-4, 20)), or check "
            "that f is not noisy"
        )
    else:
        slope = float(np.polyfit(np.log2(h[fit]), np.log2(r[fit]), 1)[0])
        estimate = float(r[fit[-1]] / h[fit[-1]])  # |<grad f - g, v>| if r(h) ~ h·error
        shown = ", ".join(f"{s:.2f}" for s in local)
        if np.ptp(local) > _STEADY:
            passed = False
            message = (
                f"inconclusive: over the last steps above round-off the remainder does not fall "
                f"at a steady rate (local slopes {shown}), so those steps are too large for "
                "Taylor's expansion or too few (common in float32). Try another direction, "
                "other ks, or float64"
            )
        elif slope >= _RIGHT:
            passed = True
            message = (
                f"slope {slope:.2f}: the remainder falls like h^2 (or faster), so g is right "
                "along v"
            )
        elif slope <= _WRONG:
            passed = False
            message = (
                f"slope {slope:.2f}: the remainder falls like h, not h^2, so g is wrong along "
                f"v: the claimed slope <g, v> = {directional:.6g} is off by about "
                f"{estimate:.3g}"
            )
        else:
            passed = False
            message = (
                f"slope {slope:.2f}, between 1 and 2: g is slightly wrong along v (off by at "
                f"most about {estimate:.3g}), or f is not smooth near x at these steps; try "
                "other ks or another direction"
            )
    return TaylorTest(
        passed=passed,
        slope=slope,
        message=message,
        h=h,
        remainder=r,
        above_floor=clean,
        slopes=slopes,
        directional=directional,
        direction=flat.unflatten(v),
    )
