"""Running an optimizer: ``minimize`` and the ``Trace`` it returns."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from derivlab import _api
from derivlab._tree import tree_map
from derivlab.optim._base import Optimizer, Params, _nonnegative, _norm, _ravel

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
