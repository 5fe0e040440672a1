"""Curvature: Newton's method and the quasi-Newton methods BFGS and L-BFGS."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from derivlab import _api
from derivlab.optim._base import (
    Optimizer,
    Params,
    _line_search_name,
    _nonnegative,
    _positive,
    _ravel,
)
from derivlab.optim._line_search import _Line, _need_f

# ---- curvature: Newton and quasi-Newton ----


class Newton(Optimizer):
    r"""Newton's method: $x \leftarrow x - t\,(\nabla^2 f(x) + \lambda I)^{-1} \nabla f(x)$.

    Minimises the local quadratic model; one step is exact on a quadratic. Far from a minimum
    the Hessian may be indefinite and the step may go uphill: damping λ > 0 (Levenberg) shifts
    the curvature up, and ``line_search="armijo"`` picks t by backtracking from 1 (falling back
    to −∇f if the Newton direction is not a descent direction).

    Args:
        lr: the step length t when there is no line search (1: the pure Newton step).
        damping: λ ≥ 0, added to the Hessian's diagonal.
        line_search: None or "armijo".
        hessian: a function x ↦ ∇²f(x) (an (n, n) array, for array x); when None the Hessian
            of the f given to :meth:`step` is computed by ``derivlab.hessian``.
    """

    def __init__(
        self,
        lr: float = 1.0,
        damping: float = 0.0,
        line_search: str | None = None,
        hessian: Callable[[Params], np.ndarray] | None = None,
    ) -> None:
        super().__init__()
        self.lr = _positive("lr", lr)
        self.damping = _nonnegative("damping", damping)
        self.line_search = _line_search_name(line_search, (None, "armijo"))
        if hessian is not None and not callable(hessian):
            raise TypeError("hessian must be a function x -> Hessian matrix, or None.")
        self.hessian = hessian

    def _hessian_at(self, f, x, v, unravel) -> np.ndarray:
        n = v.size
        if self.hessian is not None:
            H = np.asarray(self.hessian(x), dtype=float)
        else:
            _need_f(f, "Newton")
            H = np.asarray(_api.hessian(lambda w: f(unravel(w)))(v), dtype=float)
        if H.size != n * n:
            raise ValueError(f"the Hessian has {H.size} entries, expected {n}×{n} for {n} params.")
        return H.reshape(n, n)

    def step(self, x, g, f=None, grad=None):
        v, unravel = _ravel(x)
        gv, _ = _ravel(g)
        self.t += 1
        if not gv.any():  # a stationary point: the Newton step is 0
            return unravel(v)
        H = self._hessian_at(f, x, v, unravel)
        try:
            d = -np.linalg.solve(H + self.damping * np.eye(v.size), gv)  # the Newton direction
        except np.linalg.LinAlgError:
            raise ValueError(
                "the Hessian is singular here, so the Newton step is undefined; use damping > 0."
            ) from None
        if self.line_search is None:
            return unravel(v + self.lr * d)
        _need_f(f, "Newton")
        if gv @ d >= 0:  # uphill (H not positive definite): take steepest descent instead
            d = -gv
        t = _Line(f, grad, v, d, unravel).search("armijo", float(f(x)), float(gv @ d), self.lr)
        return unravel(v + t * d)


class BFGS(Optimizer):
    r"""BFGS: $x \leftarrow x - t H \nabla f,\quad H \leftarrow (I - \rho s y^\top) H (I - \rho y s^\top) + \rho s s^\top,\ \rho = 1/y^\top s$.

    H approximates the inverse Hessian from the steps s = x_{k+1} − x_k and gradient changes
    y = ∇f_{k+1} − ∇f_k; it starts as the identity, rescaled by yᵀs/yᵀy before the first update.
    With an exact line search it minimises an n-dimensional quadratic in at most n steps.

    Args:
        lr: the first trial step (PyTorch's L-BFGS rule: min(1, 1/‖g‖₁)·lr on step 1), and the
            fixed step when ``line_search`` is None.
        line_search: "wolfe" (default), "armijo", "exact" (secant on φ'), or None.
        curvature_tol: pairs with yᵀs ≤ this are skipped (the update needs yᵀs > 0).
    """  # noqa: E501

    def __init__(
        self, lr: float = 1.0, line_search: str | None = "wolfe", curvature_tol: float = 1e-10
    ) -> None:
        super().__init__()
        self.lr = _positive("lr", lr)
        self.line_search = _line_search_name(line_search)
        self.curvature_tol = _nonnegative("curvature_tol", curvature_tol)
        self.H: np.ndarray | None = None

    def reset(self) -> None:
        super().reset()
        self.H = None

    def step(self, x, g, f=None, grad=None):
        v, unravel = _ravel(x)
        gv, _ = _ravel(g)
        self.t += 1
        if self.H is None:
            self.H, self._updates = np.eye(v.size), 0
        else:
            s, y = v - self._x_prev, gv - self._g_prev
            ys = y @ s
            if ys > self.curvature_tol:
                if self._updates == 0:
                    self.H = (ys / (y @ y)) * np.eye(v.size)  # scale H₀ to the curvature seen
                rho = 1.0 / ys
                V = np.eye(v.size) - rho * np.outer(y, s)
                self.H = V.T @ self.H @ V + rho * np.outer(s, s)  # the BFGS update
                self._updates += 1
        self._x_prev, self._g_prev = v, gv
        d = -self.H @ gv  # the quasi-Newton direction
        t = _step_length(self, f, grad, x, v, gv, d, unravel)
        return unravel(v + t * d)


class LBFGS(Optimizer):
    r"""L-BFGS: $x \leftarrow x - t\,H_k \nabla f$, with $H_k \nabla f$ from the last m pairs (s, y) by the two-loop recursion.

    BFGS without the n×n matrix: the product H∇f is rebuilt each step from the ``history_size``
    most recent pairs, starting from H₀ = γI with γ = yᵀs / yᵀy of the newest pair.
    With ``line_search=None`` it takes the steps of ``torch.optim.LBFGS(lr, max_iter=1,
    history_size)`` with no line search, iterate for iterate. With a line search the iterates
    differ from PyTorch's ``line_search_fn="strong_wolfe"`` (cubic interpolation to a strong
    Wolfe point; ours bisects to a weak Wolfe point), though both reach the same minimum.

    Args:
        lr: the step length (the first step is min(1, 1/‖g‖₁)·lr, as in PyTorch), or the first
            trial step of the line search.
        history_size: m, the number of pairs kept (PyTorch's default, 100).
        line_search: None (fixed steps, PyTorch's convention), "wolfe", "armijo" or "exact".
        curvature_tol: pairs with yᵀs ≤ this are skipped (PyTorch: 1e-10).
    """  # noqa: E501

    def __init__(
        self,
        lr: float = 1.0,
        history_size: int = 100,
        line_search: str | None = None,
        curvature_tol: float = 1e-10,
    ) -> None:
        super().__init__()
        self.lr = _positive("lr", lr)
        if not isinstance(history_size, (int, np.integer)) or history_size < 1:
            raise ValueError(f"history_size must be a positive int, got {history_size!r}.")
        self.history_size = int(history_size)
        self.line_search = _line_search_name(line_search)
        self.curvature_tol = _nonnegative("curvature_tol", curvature_tol)
        self.pairs: list[tuple[np.ndarray, np.ndarray, float]] = []

    def reset(self) -> None:
        super().reset()
        self.pairs = []

    def step(self, x, g, f=None, grad=None):
        v, unravel = _ravel(x)
        gv, _ = _ravel(g)
        self.t += 1
        if self.t == 1:
            self.pairs, self._gamma = [], 1.0
        else:
            s, y = self._s_prev, gv - self._g_prev
            ys = y @ s
            if ys > self.curvature_tol:  # keep (s, y) only where the curvature is positive
                self.pairs.append((s, y, 1.0 / ys))
                if len(self.pairs) > self.history_size:
                    self.pairs.pop(0)  # forget the oldest pair
                self._gamma = ys / (y @ y)
        self._g_prev = gv
        d = -_two_loop(gv, self.pairs, self._gamma)
        t = _step_length(self, f, grad, x, v, gv, d, unravel)
        self._s_prev = t * d  # s = x_{k+1} - x_k, as PyTorch forms it
        return unravel(v + t * d)


def _two_loop(g: np.ndarray, pairs: list, gamma: float) -> np.ndarray:
    """H g for the L-BFGS inverse-Hessian H built from (s, y, ρ) pairs with H₀ = γI."""
    q, alphas = g.copy(), []
    for s, y, rho in reversed(pairs):  # newest to oldest
        alpha = rho * (s @ q)
        q = q - alpha * y
        alphas.append(alpha)
    r = gamma * q
    for (s, y, rho), alpha in zip(pairs, reversed(alphas)):  # oldest to newest
        beta = rho * (y @ r)
        r = r + (alpha - beta) * s
    return r


def _step_length(opt, f, grad, x, v, gv, d, unravel) -> float:
    """t for a quasi-Newton step: PyTorch's first-step rule, then lr or a line search."""
    t0 = min(1.0, 1.0 / np.abs(gv).sum()) * opt.lr if opt.t == 1 and gv.any() else opt.lr
    if opt.line_search is None:
        return t0
    _need_f(f, type(opt).__name__)
    dphi0 = float(gv @ d)
    if dphi0 >= 0:  # ∇f = 0: already stationary, nothing to search
        return 0.0
    return _Line(f, grad, v, d, unravel).search(opt.line_search, float(f(x)), dphi0, t0)
