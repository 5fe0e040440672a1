"""Functions whose derivative is not read off their body: user rules and checkpointing.

* :class:`custom_vjp` — the user gives the reverse rule (``f.defvjp(fwd, bwd)``, JAX's
  convention): implicit differentiation, straight-through estimators, gradient clipping.
* :class:`custom_jvp` — the user gives the forward rule (``f.defjvp(rule)``); reverse mode
  transposes it by differentiating the rule with respect to its tangents (it is linear in them).
* :func:`checkpoint` — the derivative is f's own, but reverse mode keeps only f's inputs and
  output on its tape and recomputes the intermediates during the backward sweep.

Each one becomes a single node of the reverse tape (or a single step of forward mode), and the
rules are ordinary NumPy code run on boxes, so they are differentiable in turn: ``grad`` of
``grad``, ``hessian`` and ``dl.cost`` all see through them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from derivlab._core import (
    Box,
    ForwardBox,
    ForwardTrace,
    Primitive,
    ReverseBox,
    ReverseTrace,
    lift,
    strip,
)
from derivlab._tree import tree_flatten, tree_unflatten

# ---- shared plumbing ----


def _innermost(leaves: list[Any]) -> Any:
    top = None
    for x in leaves:
        if isinstance(x, Box) and (top is None or x._trace.level > top.level):
            top = x._trace
    return top


def _under_cost_inside_autodiff(leaves: list[Any]) -> bool:
    """A counting box over an autodiff box: dl.cost was called inside a differentiated f."""
    for x in leaves:
        while isinstance(x, Box):
            if isinstance(x, (ForwardBox, ReverseBox)):
                return True
            x = x.value
    return False


def _count_body(fun: Callable, leaves: list[Any], name: str) -> None:
    if _under_cost_inside_autodiff(leaves):
        raise NotImplementedError(
            f"derivlab: dl.cost was called inside a differentiated function, where it cannot "
            f"see through {name}'s rule; call dl.cost outside, e.g. dl.cost(dl.grad(f), x)."
        )


def _unwrap(leaves: list[Any], trace: Any) -> list[Any]:
    return [x.value if isinstance(x, Box) and x._trace is trace else x for x in leaves]


def _differentiable(x: Any) -> bool:
    return isinstance(x, (float, np.floating, np.ndarray, Box)) and np.issubdtype(
        np.result_type(strip(x)), np.floating
    )


def _one_output(out: Any, name: str, what: str) -> Any:
    if isinstance(out, (tuple, list, dict)):
        raise NotImplementedError(
            f"derivlab: {name}'s {what} returned a {type(out).__name__}; {what}s with one "
            "array output are supported. Return one array (np.concatenate the pieces), or "
            "wrap each output in its own function."
        )
    return out


def _record(trace: ReverseTrace, prim: Primitive, out: Any, leaves: list, primals: list,
            params: dict) -> ReverseBox:  # fmt: skip
    """Put one node on ``trace``'s tape whose parents are the leaves boxed in ``trace``."""
    parents = [x if type(x) is ReverseBox and x._trace is trace else None for x in leaves]
    return trace.record(out, prim, primals, params, parents)


def _cotangent_of(i: int, cts: list[Any], primals: list[Any], name: str) -> Any:
    """Leaf i's entry of a rule's cotangents, checked: zeros for None, the primal's shape."""
    ct = cts[i]
    shape = np.shape(strip(primals[i]))
    if ct is None:
        return np.zeros(shape, dtype=np.result_type(strip(primals[i])))
    if np.shape(strip(ct)) != shape:
        raise ValueError(
            f"derivlab: {name}'s backward rule returned a cotangent of shape "
            f"{np.shape(strip(ct))} for an argument of shape {shape}; each cotangent must have "
            "its argument's shape."
        )
    return ct


def _memo_rule(all_cotangents: Callable, name: str) -> Callable:
    """A table-style VJP rule ``(i, g, ans, *primals, **params)`` that computes every operand's
    cotangent in one call of ``all_cotangents(g, primals, params)`` and hands them out by i."""

    def vjp(i: int, g: Any, ans: Any, *primals: Any, memo: dict, **params: Any) -> Any:
        if memo.get("g") is not g:
            memo["g"], memo["cts"] = g, all_cotangents(g, list(primals), params)
        return _cotangent_of(i, memo["cts"], list(primals), name)

    return vjp


def _no_forward(name: str) -> Callable:
    def jvp(*_: Any, **__: Any) -> Any:
        raise TypeError(
            f"derivlab: {name} defines a reverse-mode rule (custom_vjp) only, so forward mode "
            "(jvp, jacfwd) cannot differentiate it. Use reverse mode (grad, vjp, jacrev), or "
            "define a forward rule with derivlab.custom_jvp."
        )

    return jvp


# ---- custom_vjp ----


class custom_vjp:
    """A function with a user-defined reverse-mode rule (JAX's ``custom_vjp`` convention).

    ``fwd(*args)`` returns ``(output, residuals)``: the output and whatever the backward rule
    needs. ``bwd(residuals, g)`` returns a tuple with one cotangent per positional argument
    (shaped like it, or ``None`` for an argument with no derivative). Both are written in
    NumPy, so the rule is differentiable in turn (``grad`` of ``grad``, ``hessian``). Forward
    mode raises a clear error: a reverse rule says nothing about tangents.

    Example:
        >>> @custom_vjp
        ... def clip_gradient(x):
        ...     return x
        >>> clip_gradient.defvjp(lambda x: (x, None), lambda _, g: (np.clip(g, -1, 1),))
        >>> grad(lambda x: np.sum(clip_gradient(x) * 5.0))(np.zeros(2))
        array([1., 1.])
    """

    def __init__(self, fun: Callable) -> None:
        if not callable(fun):
            raise TypeError(f"custom_vjp: expected a function, got {type(fun).__name__}.")
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.fwd: Callable | None = None
        self.bwd: Callable | None = None
        name = f"custom_vjp({getattr(fun, '__name__', 'f')})"
        self._name = name
        self._prim = Primitive(name, fun, _no_forward(name), _memo_rule(self._cotangents, name))

    def defvjp(self, fwd: Callable, bwd: Callable) -> None:
        """Set the rule: ``fwd(*args) -> (out, residuals)``, ``bwd(residuals, g) -> cts``."""
        if not (callable(fwd) and callable(bwd)):
            raise TypeError("custom_vjp.defvjp(fwd, bwd): both must be functions.")
        self.fwd, self.bwd = fwd, bwd

    def _cotangents(self, g: Any, primals: list, params: dict) -> list[Any]:
        cts = self.bwd(params["residuals"], g)  # type: ignore[misc]
        if not isinstance(cts, (tuple, list)) or len(cts) != len(params["defs"]):
            raise ValueError(
                f"derivlab: {self._name}'s bwd must return a tuple with one cotangent per "
                f"positional argument ({len(params['defs'])}), got {cts!r:.80}."
            )
        leaves: list[Any] = []
        for ct, (_, n) in zip(cts, params["defs"]):
            leaves.extend([None] * n if ct is None else tree_flatten(ct)[0])
        return leaves

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        flat = [tree_flatten(a) for a in args]
        leaves = [leaf for ls, _ in flat for leaf in ls]
        top = _innermost(leaves)
        if top is None:
            return self.fun(*args, **kwargs)
        if self.fwd is None:
            raise TypeError(f"derivlab: {self._name} has no rule yet; call .defvjp(fwd, bwd).")
        if isinstance(top, ForwardTrace):
            self._prim.jvp()  # raises: forward mode has no rule to apply
        if not isinstance(top, ReverseTrace):  # dl.cost's counting trace: count the body
            _count_body(self.fun, leaves, self._name)
            return self.fun(*args, **kwargs)
        primals = _unwrap(leaves, top)
        it = iter(primals)
        inner = [tree_unflatten(d, [next(it) for _ in ls]) for ls, d in flat]
        out, residuals = self.fwd(*inner, **kwargs)
        out = _one_output(out, self._name, "fwd")
        params = {"residuals": residuals, "defs": [(d, len(ls)) for ls, d in flat], "memo": {}}
        return _record(top, self._prim, out, leaves, primals, params)


# ---- custom_jvp ----


class custom_jvp:
    """A function with a user-defined forward-mode rule (JAX's ``custom_jvp`` convention).

    ``rule(primals, tangents)`` takes two tuples (one entry per positional argument) and
    returns ``(output, tangent_of_output)``, with the tangent linear in ``tangents``. Reverse
    mode transposes the rule by differentiating its tangent output with respect to the
    tangents, so one rule serves both modes.

    Example:
        >>> @custom_jvp
        ... def safe_log1pexp(x):
        ...     return np.logaddexp(0.0, x)
        >>> safe_log1pexp.defjvp(lambda p, t: (safe_log1pexp(p[0]),
        ...                                     t[0] / (1 + np.exp(-p[0]))))
    """

    def __init__(self, fun: Callable) -> None:
        if not callable(fun):
            raise TypeError(f"custom_jvp: expected a function, got {type(fun).__name__}.")
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.rule: Callable | None = None
        name = f"custom_jvp({getattr(fun, '__name__', 'f')})"
        self._name = name
        self._prim = Primitive(name, fun, None, _memo_rule(self._cotangents, name))

    def defjvp(self, rule: Callable) -> None:
        """Set the rule: ``rule(primals, tangents) -> (out, tangent_out)``."""
        if not callable(rule):
            raise TypeError("custom_jvp.defjvp(rule): rule must be a function.")
        self.rule = rule

    def _tangent_out(self, primals: tuple, tangents: tuple) -> Any:
        out = self.rule(primals, tangents)  # type: ignore[misc]
        if not (isinstance(out, (tuple, list)) and len(out) == 2):
            raise ValueError(
                f"derivlab: {self._name}'s rule must return (output, tangent_of_output)."
            )
        return _one_output(out[1], self._name, "rule")

    def _cotangents(self, g: Any, primals: list, params: dict) -> list[Any]:
        # the tangent output is linear in the tangents: its VJP at zero tangents transposes it
        from derivlab._api import vjp

        args = tuple(primals)
        chosen = [i for i, p in enumerate(args) if _differentiable(p)]

        def tangent_out(*ts: Any) -> Any:
            full = [np.zeros_like(strip(p)) if _differentiable(p) else None for p in args]
            for i, t in zip(chosen, ts):
                full[i] = t
            return self._tangent_out(args, tuple(full))

        zeros = [np.zeros(np.shape(strip(args[i])), np.result_type(strip(args[i])))
                 for i in chosen]  # fmt: skip
        _, pull = vjp(tangent_out, *zeros)
        cts: list[Any] = [None] * len(args)
        for i, ct in zip(chosen, pull(g)):
            cts[i] = ct
        return cts

    def __call__(self, *args: Any) -> Any:
        top = _innermost(list(args))
        if top is None:
            return self.fun(*args)
        if self.rule is None:
            raise TypeError(f"derivlab: {self._name} has no rule yet; call .defjvp(rule).")
        primals = _unwrap(list(args), top)
        if isinstance(top, ForwardTrace):
            tangents = tuple(
                x.tangent
                if type(x) is ForwardBox and x._trace is top
                else (lift(np.zeros_like(strip(x))) if _differentiable(x) else None)
                for x in args
            )
            out, t = self.rule(tuple(primals), tangents)
            return ForwardBox(_one_output(out, self._name, "rule"), t, top)
        if not isinstance(top, ReverseTrace):  # dl.cost's counting trace: count the body
            _count_body(self.fun, list(args), self._name)
            return self.fun(*args)
        out = _one_output(self.fun(*primals), self._name, "function")
        return _record(top, self._prim, out, list(args), primals, {"memo": {}})


# ---- checkpointing ----


def checkpoint(f: Callable) -> Callable:
    """f, whose intermediates reverse mode recomputes in the backward sweep instead of keeping.

    Under reverse mode the call becomes one node of the tape: the forward pass runs f without
    recording it, and the backward sweep runs f again, recording this time, to pull the
    cotangent back. The tape keeps only f's inputs and output, at the price of a second
    forward pass of f (``dl.cost`` shows both: ``tape_bytes`` falls, ``ops`` rises). The
    derivative is f's own. f takes arrays (or pytrees of them) and returns one array.

    Example:
        >>> block = checkpoint(lambda x: np.tanh(np.sin(x)))
        >>> float(grad(lambda x: np.sum(block(x)))(0.0))
        1.0
    """
    if not callable(f):
        raise TypeError(f"checkpoint: expected a function, got {type(f).__name__}.")
    name = f"checkpoint({getattr(f, '__name__', 'f')})"

    def cotangents(g: Any, primals: list, params: dict) -> list[Any]:
        from derivlab._api import vjp

        # only the leaves this tape differentiates: a constant input needs no cotangent
        chosen = [i for i in params["boxed"] if _differentiable(primals[i])]

        def rerun(*xs: Any) -> Any:
            leaves = list(primals)
            for i, x in zip(chosen, xs):
                leaves[i] = x
            return f(*tree_unflatten(params["treedef"], leaves))

        _, pull = vjp(rerun, *(primals[i] for i in chosen))  # recompute, recording now
        cts: list[Any] = [None] * len(primals)
        for i, ct in zip(chosen, pull(g)):
            cts[i] = ct
        return cts

    prim = Primitive(name, f, None, _memo_rule(cotangents, name))

    @functools.wraps(f)
    def wrapped(*args: Any) -> Any:
        leaves, treedef = tree_flatten(args)
        top = _innermost(leaves)
        if not isinstance(top, ReverseTrace):
            return f(*args)  # forward mode and plain calls keep nothing: nothing to save
        primals = _unwrap(leaves, top)
        out = _one_output(f(*tree_unflatten(treedef, primals)), name, "function")
        boxed = [i for i, x in enumerate(leaves) if type(x) is ReverseBox and x._trace is top]
        params = {"treedef": treedef, "boxed": boxed, "memo": {}}
        return _record(top, prim, out, leaves, primals, params)

    return wrapped
