r"""Optimizers, each a small object whose ``update`` is the chapter's equation, and ``minimize``.

First order (one gradient per step): :class:`GD`, :class:`SGD`, :class:`Momentum`,
:class:`Nesterov`, :class:`AdaGrad`, :class:`RMSProp`, :class:`Adam`, :class:`AdamW`.
Curvature: :class:`Newton`, :class:`BFGS`, :class:`LBFGS`.

Parameters ``x`` may be a float, an array or a pytree (a dict/list/tuple of arrays, e.g. network
weights); gradients have the same structure. A first-order method updates each leaf on its own
(``update(x, g, state)`` is written for one array); curvature methods see all leaves raveled into
one vector, since their matrices couple the coordinates.

Conventions are PyTorch's, so that trajectories agree with ``torch.optim`` to round-off:

* momentum: v ← μv + g, x ← x − ηv (not v ← μv − ηg; the two agree for a constant η);
* Nesterov: x ← x − η(g + μv) after the same v update;
* AdaGrad starts its accumulator at ``initial_accumulator_value`` (0) and adds ε after the root;
* RMSProp's decay is called α; ε is added after the square root;
* Adam corrects both moments for their zero start and adds ε to √v̂ (not to v̂);
* AdamW decays the weights directly, x ← x − ηλx, before the Adam step ("decoupled");
* ``weight_decay`` elsewhere adds λx to the gradient (an L2 penalty λ/2‖x‖², "coupled");
* L-BFGS without a line search takes the step min(1, 1/‖g‖₁)·η first and η afterwards, and
  skips a curvature pair (s, y) unless yᵀs > ``curvature_tol`` (PyTorch hard-codes 1e-10).

:func:`minimize` runs any of them and returns a :class:`Trace` (iterates, losses, gradient norms,
times) for plots and comparison tables.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from derivlab import _api
from derivlab._tree import tree_flatten, tree_map, tree_unflatten

__all__ = [
    "Optimizer",
    "GD",
    "SGD",
    "Momentum",
    "Nesterov",
    "AdaGrad",
    "RMSProp",
    "Adam",
    "AdamW",
    "Newton",
    "BFGS",
    "LBFGS",
    "Trace",
    "minimize",
    "backtracking",
    "wolfe",
    "exact_line_search",
]

Params = Any  # a float, an ndarray, or a dict/list/tuple of them


# ---- checking hyperparameters ----


def _positive(name: str, value: float) -> float:
    if not (isinstance(value, (int, float, np.floating, np.integer)) and math.isfinite(value)):
        raise TypeError(f"{name} must be a finite real number, got {value!r}.")
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {value}; a step must move downhill.")
    return float(value)


def _nonnegative(name: str, value: float) -> float:
    if not (isinstance(value, (int, float, np.floating, np.integer)) and math.isfinite(value)):
        raise TypeError(f"{name} must be a finite real number, got {value!r}.")
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}.")
    return float(value)


def _unit(name: str, value: float, allow_zero: bool = True) -> float:
    value = _nonnegative(name, value)
    if value >= 1 or (value == 0 and not allow_zero):
        interval = "[0, 1)" if allow_zero else "(0, 1)"
        raise ValueError(
            f"{name} must lie in {interval}, got {value}; it is the weight of the past in a "
            "running average, and 1 would never let a gradient in."
        )
    return value


_LINE_SEARCHES = (None, "armijo", "wolfe", "exact")


def _line_search_name(value: str | None, allowed: tuple = _LINE_SEARCHES) -> str | None:
    if value not in allowed:
        raise ValueError(f"line_search must be one of {allowed}, got {value!r}.")
    return value


# ---- leaves in, leaves out ----


def _as_float_array(leaf: Any) -> np.ndarray:
    a = np.asarray(leaf)
    return a if np.issubdtype(a.dtype, np.floating) else a.astype(np.float64)


def _like(template: Any, new: np.ndarray) -> Any:
    """Return ``new`` in the kind of the original leaf: a float for a float, else an array."""
    return new if isinstance(template, np.ndarray) else float(new)


def _ravel(tree: Params) -> tuple[np.ndarray, Callable[[Any], Params]]:
    """All leaves as one float vector, and the function that rebuilds the pytree from a vector.

    The rebuilding function also works on a derivlab box (it only slices and reshapes), so a
    Hessian of ``f ∘ unravel`` can be taken by derivlab.
    """
    leaves, treedef = tree_flatten(tree)
    arrays = [_as_float_array(leaf) for leaf in leaves]
    shapes = [a.shape for a in arrays]
    bounds = np.cumsum([0] + [a.size for a in arrays])
    flat = np.concatenate([a.ravel() for a in arrays]) if arrays else np.zeros(0)

    def unravel(v: Any) -> Params:
        parts = [np.reshape(v[lo:hi], shape) for lo, hi, shape in zip(bounds, bounds[1:], shapes)]
        if isinstance(v, np.ndarray):
            parts = [_like(leaf, p.copy()) for leaf, p in zip(leaves, parts)]
        return tree_unflatten(treedef, parts)

    return flat, unravel


def _norm(tree: Params) -> float:
    """‖g‖₂ over every entry of every leaf."""
    return math.sqrt(sum(float(np.sum(np.square(leaf))) for leaf in tree_flatten(tree)[0]))


# ---- the base class ----


class Optimizer:
    """Base class: hyperparameters, per-leaf state, and ``step`` applying ``update`` leaf by leaf.

    A subclass writes :meth:`init` (the state of one array, e.g. a zero velocity) and
    :meth:`update` (one step for one array). ``self.t`` counts the steps taken, starting at 1
    inside the first update.
    """

    def __init__(self) -> None:
        self.t = 0
        self.state: list[dict[str, Any]] | None = None

    def reset(self) -> None:
        """Forget the state (velocities, moments, curvature pairs) and the step count."""
        self.t = 0
        self.state = None

    def __repr__(self) -> str:
        state = ("t", "state", "H", "pairs")  # what the optimizer learns, not what it is given
        hyper = {
            k: v
            for k, v in vars(self).items()
            if not k.startswith("_") and k not in state and (v is None or not callable(v))
        }
        args = ", ".join(f"{k}={v!r}" for k, v in hyper.items())
        return f"{type(self).__name__}({args})"

    def step(
        self,
        x: Params,
        g: Params,
        f: Callable[[Params], Any] | None = None,
        grad: Callable[[Params], Params] | None = None,
    ) -> Params:
        """One step from x given the gradient g = ∇f(x); returns the new parameters.

        Args:
            x: parameters (a float, an array or a pytree); never modified.
            g: the gradient at x, with x's structure.
            f: the objective; used only by methods that evaluate it (line searches, Newton).
            grad: its gradient function; used only by line searches that check slopes.

        Returns:
            The new parameters, with x's structure.
        """
        x_leaves, treedef = tree_flatten(x)
        g_leaves = tree_flatten(g)[0]
        if len(g_leaves) != len(x_leaves):
            raise ValueError(
                f"{type(self).__name__}.step: x has {len(x_leaves)} leaves but the gradient has "
                f"{len(g_leaves)}; pass a gradient with the parameters' structure."
            )
        arrays = [_as_float_array(leaf) for leaf in x_leaves]
        if self.state is None:
            self.state = [self.init(a) for a in arrays]
        self.t += 1
        new = [
            self.update(a, _as_float_array(gl), s) for a, gl, s in zip(arrays, g_leaves, self.state)
        ]
        return tree_unflatten(treedef, [_like(leaf, n) for leaf, n in zip(x_leaves, new)])

    def init(self, x: np.ndarray) -> dict[str, Any]:
        """The state of one parameter array before the first step (empty by default)."""
        return {}

    def update(self, x: np.ndarray, g: np.ndarray, s: dict[str, Any]) -> np.ndarray:
        """One step for one array x with gradient g and state s (updated in place)."""
        raise NotImplementedError(f"{type(self).__name__} must define update(x, g, state).")

    def _l2(self, x: np.ndarray, g: np.ndarray) -> np.ndarray:
        # coupled weight decay: the gradient of the penalty λ/2 ‖x‖² is λx
        return g + self.weight_decay * x if self.weight_decay else g


# ---- first order: plain steps ----


class GD(Optimizer):
    r"""Gradient descent: $x \leftarrow x - \eta\,\nabla f(x)$.

    Equals ``torch.optim.SGD(lr=η, weight_decay=λ)``.

    Args:
        lr: the learning rate η > 0.
        weight_decay: λ ≥ 0, adds λx to the gradient (L2 penalty λ/2‖x‖²).
    """

    def __init__(self, lr: float = 1e-3, weight_decay: float = 0.0) -> None:
        super().__init__()
        self.lr = _positive("lr", lr)
        self.weight_decay = _nonnegative("weight_decay", weight_decay)

    def update(self, x, g, s):
        g = self._l2(x, g)
        return x - self.lr * g


class SGD(GD):
    r"""Stochastic gradient descent: $x \leftarrow x - \eta\,\nabla f_{B_k}(x)$ on mini-batch $B_k$.

    The update is gradient descent's; what makes it stochastic is the gradient, taken on a
    different mini-batch at each step. Give :func:`minimize` an ``f(x, batch)`` and
    ``batches=``, e.g. ``lambda: derivlab.data.minibatches(X, y, batch_size=32, seed=rng)`` (a new
    shuffle per epoch). Equals ``torch.optim.SGD(lr=η)`` fed the same batches.

    Args:
        lr: the learning rate η > 0.
        weight_decay: λ ≥ 0, adds λx to the gradient.
    """


class Momentum(GD):
    r"""Heavy-ball momentum: $v \leftarrow \mu v + \nabla f(x),\quad x \leftarrow x - \eta v$.

    The velocity v averages past gradients, so steps grow along a consistent direction and
    oscillations across a valley cancel. v starts at 0, so v = g after the first step.
    Equals ``torch.optim.SGD(lr=η, momentum=μ)``.

    Args:
        lr: the learning rate η > 0.
        momentum: μ in [0, 1).
        weight_decay: λ ≥ 0, adds λx to the gradient.
    """

    def __init__(self, lr: float = 1e-3, momentum: float = 0.9, weight_decay: float = 0.0):
        super().__init__(lr, weight_decay)
        self.momentum = _unit("momentum", momentum)

    def init(self, x):
        return {"v": np.zeros_like(x)}

    def update(self, x, g, s):
        g = self._l2(x, g)
        s["v"] = self.momentum * s["v"] + g
        return x - self.lr * s["v"]


class Nesterov(Momentum):
    r"""Nesterov momentum: $v \leftarrow \mu v + \nabla f(x),\quad x \leftarrow x - \eta(\nabla f(x) + \mu v)$.

    The step uses the velocity one step ahead (g + μv), PyTorch's form of the look-ahead
    gradient. Equals ``torch.optim.SGD(lr=η, momentum=μ, nesterov=True)``.

    Args:
        lr: the learning rate η > 0.
        momentum: μ in (0, 1).
        weight_decay: λ ≥ 0, adds λx to the gradient.
    """  # noqa: E501

    def __init__(self, lr: float = 1e-3, momentum: float = 0.9, weight_decay: float = 0.0):
        super().__init__(lr, momentum, weight_decay)
        _unit("momentum", momentum, allow_zero=False)

    def update(self, x, g, s):
        g = self._l2(x, g)
        s["v"] = self.momentum * s["v"] + g
        return x - self.lr * (g + self.momentum * s["v"])


# ---- first order: per-coordinate step sizes ----


class AdaGrad(Optimizer):
    r"""AdaGrad: $G \leftarrow G + g^2,\quad x \leftarrow x - \eta_t\, g / (\sqrt{G} + \epsilon)$.

    Each coordinate's step shrinks with the sum of its squared gradients, so rarely-moving
    coordinates keep large steps. η_t = η / (1 + (t-1)·lr_decay). Equals ``torch.optim.Adagrad``.

    Args:
        lr: η > 0.
        lr_decay: ≥ 0 (0: constant η).
        initial_accumulator_value: G before the first step, ≥ 0.
        eps: ε ≥ 0, added to √G (keeps the first step finite where G = 0).
        weight_decay: λ ≥ 0, adds λx to the gradient.
    """

    def __init__(
        self,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__()
        self.lr = _positive("lr", lr)
        self.lr_decay = _nonnegative("lr_decay", lr_decay)
        self.initial_accumulator_value = _nonnegative(
            "initial_accumulator_value", initial_accumulator_value
        )
        self.eps = _nonnegative("eps", eps)
        self.weight_decay = _nonnegative("weight_decay", weight_decay)

    def init(self, x):
        return {"G": np.full_like(x, self.initial_accumulator_value)}

    def update(self, x, g, s):
        g = self._l2(x, g)
        lr_t = self.lr / (1 + (self.t - 1) * self.lr_decay)
        s["G"] = s["G"] + g * g
        return x - lr_t * g / (np.sqrt(s["G"]) + self.eps)


class RMSProp(Optimizer):
    r"""RMSProp: $v \leftarrow \alpha v + (1-\alpha) g^2,\quad x \leftarrow x - \eta\, g / (\sqrt{v} + \epsilon)$.

    AdaGrad with a running average instead of a sum, so old gradients are forgotten and the
    steps do not shrink to zero. Equals ``torch.optim.RMSprop`` (not centred, no momentum).

    Args:
        lr: η > 0.
        alpha: α in [0, 1), the weight of the past in the average of g².
        eps: ε ≥ 0, added to √v.
        weight_decay: λ ≥ 0, adds λx to the gradient.
    """  # noqa: E501

    def __init__(
        self, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0.0
    ) -> None:
        super().__init__()
        self.lr = _positive("lr", lr)
        self.alpha = _unit("alpha", alpha)
        self.eps = _nonnegative("eps", eps)
        self.weight_decay = _nonnegative("weight_decay", weight_decay)

    def init(self, x):
        return {"v": np.zeros_like(x)}

    def update(self, x, g, s):
        g = self._l2(x, g)
        s["v"] = self.alpha * s["v"] + (1 - self.alpha) * g * g
        return x - self.lr * g / (np.sqrt(s["v"]) + self.eps)


class Adam(Optimizer):
    r"""Adam: $m \leftarrow \beta_1 m + (1-\beta_1) g,\ v \leftarrow \beta_2 v + (1-\beta_2) g^2,\ x \leftarrow x - \eta\, \hat m / (\sqrt{\hat v} + \epsilon)$.

    Momentum (m) and RMSProp (v) together; $\hat m = m / (1-\beta_1^t)$ and
    $\hat v = v / (1-\beta_2^t)$ undo the bias of averages that start at zero. Equals
    ``torch.optim.Adam`` (``weight_decay`` here is the coupled L2 term, as there).

    Args:
        lr: η > 0.
        betas: (β₁, β₂), each in [0, 1).
        eps: ε ≥ 0, added to √v̂.
        weight_decay: λ ≥ 0, adds λx to the gradient (use :class:`AdamW` for decoupled decay).
    """  # noqa: E501

    def __init__(
        self,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__()
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"betas must be a pair (beta1, beta2), got {betas!r}.")
        self.lr = _positive("lr", lr)
        self.betas = (_unit("beta1", betas[0]), _unit("beta2", betas[1]))
        self.eps = _nonnegative("eps", eps)
        self.weight_decay = _nonnegative("weight_decay", weight_decay)

    def init(self, x):
        return {"m": np.zeros_like(x), "v": np.zeros_like(x)}

    def update(self, x, g, s):
        g = self._l2(x, g)
        return self._adam(x, g, s)

    def _adam(self, x, g, s):
        beta1, beta2 = self.betas
        s["m"] = beta1 * s["m"] + (1 - beta1) * g  # running mean of g
        s["v"] = beta2 * s["v"] + (1 - beta2) * g * g  # running mean of g²
        m_hat = s["m"] / (1 - beta1**self.t)  # bias corrections
        v_hat = s["v"] / (1 - beta2**self.t)
        return x - self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


class AdamW(Adam):
    r"""AdamW: $x \leftarrow x - \eta\lambda x$, then the Adam step on the loss gradient alone.

    The decay is decoupled from the adaptive scaling: with L2-in-Adam the penalty's gradient λx
    is divided by √v̂ too, so weights with large gradients are barely regularised; here every
    weight shrinks by the same factor 1 − ηλ. Equals ``torch.optim.AdamW``.

    Args:
        lr: η > 0.
        betas: (β₁, β₂), each in [0, 1).
        eps: ε ≥ 0, added to √v̂.
        weight_decay: λ ≥ 0 (PyTorch's default 0.01).
    """

    def __init__(
        self,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
    ) -> None:
        super().__init__(lr, betas, eps, weight_decay)

    def update(self, x, g, s):
        x = x - self.lr * self.weight_decay * x  # decoupled decay, before and apart from Adam
        return self._adam(x, g, s)


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


# ---- running an optimizer ----


@dataclass
class Trace:
    """What :func:`minimize` saw: one entry per iterate x₀, x₁, …, x_K.

    Attributes:
        xs: the iterates (each with x₀'s structure); ``xs[-1]`` is the result.
        losses: f(x_k).
        grad_norms: ‖∇f(x_k)‖₂ over all parameters.
        times: seconds from the start until x_k had been evaluated (gradients included).
        steps: K, the number of updates taken.
        converged: True when ‖∇f‖ ≤ tol was reached.
        message: why the run stopped.
        optimizer: the optimizer's repr.
    """

    xs: list = field(default_factory=list)
    losses: np.ndarray = field(default_factory=lambda: np.zeros(0))
    grad_norms: np.ndarray = field(default_factory=lambda: np.zeros(0))
    times: np.ndarray = field(default_factory=lambda: np.zeros(0))
    steps: int = 0
    converged: bool = False
    message: str = ""
    optimizer: str = ""

    @property
    def x(self) -> Params:
        """The last iterate."""
        return self.xs[-1]

    @property
    def loss(self) -> float:
        """f at the last iterate."""
        return float(self.losses[-1])

    @property
    def wall_time(self) -> float:
        """Seconds for the whole run."""
        return float(self.times[-1]) if len(self.times) else 0.0

    def path(self) -> np.ndarray:
        """The iterates as rows of one array, shape (K+1, n): ready for a contour plot."""
        return np.stack([_ravel(x)[0] for x in self.xs])

    def summary(self) -> dict[str, Any]:
        """One row of a comparison table: method, steps, time, final loss and gradient norm."""
        return {
            "optimizer": self.optimizer,
            "steps": self.steps,
            "converged": self.converged,
            "loss": self.loss,
            "grad norm": float(self.grad_norms[-1]),
            "time [s]": self.wall_time,
        }


def _endless(batches: Iterable[Any] | Callable[[], Iterable[Any]] | None) -> Iterator[Any]:
    """Batches forever: start a new pass (epoch) when one ends; stop if a pass yields nothing."""
    if batches is None:
        while True:
            yield None
    while True:
        empty = True
        for batch in batches() if callable(batches) else batches:
            empty = False
            yield batch
        if empty:
            return


def minimize(
    f: Callable[..., Any],
    x0: Params,
    optimizer: Optimizer,
    steps: int = 1000,
    grad: Callable[..., Params] | None = None,
    tol: float | None = None,
    batches: Iterable[Any] | Callable[[], Iterable[Any]] | None = None,
    callback: Callable[[int, Params, float], Any] | None = None,
    keep_iterates: bool = True,
) -> Trace:
    """Run ``optimizer`` on f from x₀ for at most ``steps`` updates; return the :class:`Trace`.

    At each iterate the loss and gradient are evaluated (one pass of ``derivlab.value_and_grad``
    by default), recorded, and handed to ``optimizer.step``. The run stops after ``steps``
    updates, when ‖∇f‖₂ ≤ ``tol`` (converged), when the loss or gradient stops being finite
    (diverged), or when ``batches`` runs dry. The optimizer is reset first.

    Args:
        f: the objective f(x), or f(x, batch) when ``batches`` is given.
        x0: the starting parameters: a float, an array or a pytree.
        optimizer: e.g. ``Adam(lr=0.1)``.
        steps: the most updates to take.
        grad: ∇f with f's signature; ``derivlab.grad(f)`` when None.
        tol: stop when the gradient norm is at most this (None: run all steps).
        batches: the batches, for stochastic gradients (SGD): an iterable, iterated again when
            a pass ends (a list cycles), or a function returning one epoch's iterable, called
            for each epoch (e.g. ``lambda: minibatches(X, y, batch_size=32, seed=rng)``). The
            k-th batch is passed to f and grad at iterate k; a step is taken only when a batch
            is left to evaluate its result.
        callback: called as ``callback(k, x_k, loss_k)`` after each evaluation.
        keep_iterates: when False only x₀ and the last iterate are kept (saves memory).

    Returns:
        The Trace; ``trace.x`` is the result and ``trace.losses`` the loss curve (on the batches
        drawn, when ``batches`` is given).
    """
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"optimizer must be a derivlab.optim optimizer such as Adam(lr=0.1), got "
            f"{type(optimizer).__name__}."
        )
    if not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps must be a non-negative int, got {steps!r}.")
    if tol is not None:
        tol = _nonnegative("tol", tol)
    if not callable(f):
        raise TypeError(f"f must be a function, got {type(f).__name__}.")

    if grad is None:
        both = _api.value_and_grad(f)
        grad = _api.grad(f)
    else:

        def both(*args):
            return f(*args), grad(*args)

    optimizer.reset()
    stream = _endless(batches)
    trace = Trace(optimizer=repr(optimizer))
    losses, norms, times = [], [], []
    x = tree_map(lambda a: a.copy() if isinstance(a, np.ndarray) else a, x0)
    start = time.perf_counter()
    batch = next(stream, _END)
    if batch is _END:
        raise ValueError("batches gave no batch at all; pass a non-empty iterable of batches.")
    for k in range(steps + 1):
        extra = () if batches is None else (batch,)
        loss, g = both(x, *extra)
        loss = float(loss)
        norm = _norm(g)
        times.append(time.perf_counter() - start)
        if keep_iterates or not trace.xs:
            trace.xs.append(x)
        else:
            trace.xs[1:] = [x]  # only x₀ and the latest
        losses.append(loss)
        norms.append(norm)
        if callback is not None:
            callback(k, x, loss)
        if not (math.isfinite(loss) and math.isfinite(norm)):
            trace.message = f"diverged at step {k}: the loss or the gradient is not finite"
            break
        if tol is not None and norm <= tol:
            trace.converged = True
            trace.message = f"converged: ‖∇f‖ = {norm:.3g} ≤ tol = {tol:.3g} after {k} steps"
            break
        if k == steps:
            trace.message = f"took the maximum of {steps} steps"
            break
        batch = next(stream, _END)  # the batch that will evaluate the next iterate
        if batch is _END:
            trace.message = f"the batches ran out after {k + 1} evaluations"
            break
        x = optimizer.step(x, g, f=_bind(f, extra), grad=_bind(grad, extra))
        trace.steps += 1
    trace.losses, trace.grad_norms, trace.times = np.array(losses), np.array(norms), np.array(times)
    return trace


_END = object()


def _bind(fn: Callable[..., Any], extra: tuple) -> Callable[[Params], Any]:
    return fn if not extra else (lambda x: fn(x, *extra))
