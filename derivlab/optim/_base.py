"""Shared pieces of the optimizers: hyperparameter checks, pytree handling, the base class."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from derivlab._tree import tree_flatten, tree_unflatten

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
