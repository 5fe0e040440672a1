"""Line searches along a direction d: choose t in x + t·d."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from derivlab.optim._base import _ravel

# ---- line searches along a direction d: φ(t) = f(x + t d) ----


def backtracking(
    phi: Callable[[float], float],
    phi0: float,
    dphi0: float,
    t: float = 1.0,
    c1: float = 1e-4,
    shrink: float = 0.5,
    max_iter: int = 60,
) -> float:
    """Armijo backtracking: the first t = t₀ρᵏ with φ(t) ≤ φ(0) + c₁ t φ'(0).

    Args:
        phi: φ(t) = f(x + t d).
        phi0: φ(0).
        dphi0: φ'(0) = ∇f(x)·d < 0 (d must point downhill).
        t: the first trial step t₀.
        c1: the fraction of the linear decrease to demand, in (0, 1).
        shrink: ρ in (0, 1).
        max_iter: give up after this many halvings and return the last (tiny) t.

    Returns:
        The accepted step length.
    """
    for _ in range(max_iter):
        if phi(t) <= phi0 + c1 * t * dphi0:  # sufficient decrease
            return t
        t *= shrink
    return t


def wolfe(
    phi: Callable[[float], float],
    dphi: Callable[[float], float],
    phi0: float,
    dphi0: float,
    t: float = 1.0,
    c1: float = 1e-4,
    c2: float = 0.9,
    max_iter: int = 60,
) -> float:
    """A step satisfying the weak Wolfe conditions, by bracketing and bisection.

    Sufficient decrease φ(t) ≤ φ(0) + c₁tφ'(0), and curvature φ'(t) ≥ c₂φ'(0): the slope has
    flattened, which guarantees yᵀs > 0 for the quasi-Newton update.

    Args:
        phi: φ(t) = f(x + t d).
        dphi: φ'(t) = ∇f(x + t d)·d.
        phi0: φ(0).
        dphi0: φ'(0) < 0.
        t: the first trial step.
        c1: sufficient-decrease constant, 0 < c₁ < c₂ < 1.
        c2: curvature constant.
        max_iter: give up after this many trials and return the last t.

    Returns:
        The accepted step length.
    """
    lo, hi = 0.0, math.inf
    for _ in range(max_iter):
        if phi(t) > phi0 + c1 * t * dphi0:
            hi = t  # too long: not enough decrease
        elif dphi(t) < c2 * dphi0:
            lo = t  # too short: still steeply downhill
        else:
            return t
        t = 0.5 * (lo + hi) if hi < math.inf else 2.0 * lo
    return t


def exact_line_search(
    dphi: Callable[[float], float],
    dphi0: float,
    t: float = 1.0,
    rtol: float = 1e-10,
    max_iter: int = 50,
) -> float:
    """The minimiser of φ along the line: a root of φ'(t) = 0 by the secant method.

    On a quadratic φ' is linear in t, so the first secant step is exact. Meant for convex φ.

    Args:
        dphi: φ'(t) = ∇f(x + t d)·d.
        dphi0: φ'(0) < 0.
        t: the second point of the secant (the first is t = 0).
        rtol: stop when |φ'(t)| ≤ rtol·|φ'(0)|.
        max_iter: the most secant steps.

    Returns:
        The step length.
    """
    t_prev, slope_prev = 0.0, dphi0
    for _ in range(max_iter):
        slope = dphi(t)
        if abs(slope) <= rtol * abs(dphi0) or slope == slope_prev:
            return t
        # secant: the zero of the line through (t_prev, φ'(t_prev)) and (t, φ'(t))
        t_prev, t, slope_prev = t, t - slope * (t - t_prev) / (slope - slope_prev), slope
    return t


class _Line:
    """φ(t) = f(x + t d) and φ'(t) = ∇f(x + t d)·d for a vector x and direction d."""

    def __init__(self, f, grad, x, d, unravel):
        self.f, self.grad, self.x, self.d, self.unravel = f, grad, x, d, unravel

    def phi(self, t: float) -> float:
        return float(self.f(self.unravel(self.x + t * self.d)))

    def dphi(self, t: float) -> float:
        if self.grad is None:
            raise TypeError(
                "this line search needs the gradient function; pass grad= to step() or use "
                "minimize(), which passes it."
            )
        g, _ = _ravel(self.grad(self.unravel(self.x + t * self.d)))
        return float(g @ self.d)

    def search(self, kind: str, phi0: float, dphi0: float, t0: float) -> float:
        if kind == "armijo":
            return backtracking(self.phi, phi0, dphi0, t0)
        if kind == "wolfe":
            return wolfe(self.phi, self.dphi, phi0, dphi0, t0)
        return exact_line_search(self.dphi, dphi0, t0)


def _need_f(f: Any, who: str) -> None:
    if f is None:
        raise TypeError(
            f"{who}.step needs the objective f (for its line search or Hessian): call "
            f"step(x, g, f=f, grad=grad), or use minimize()."
        )
