"""The kink scan of ``check_grad``: which branches f takes at each point a stencil visits.

A central difference ``(f(x + h e_j) - f(x - h e_j)) / 2h`` approximates ``∂f/∂x_j`` only if f
is smooth on the whole segment between the two points. When an operation that *chooses*
(``np.abs``, ``np.maximum``, ``np.max``, ``np.where``, ``np.clip``, ``np.sort``, a comparison
``x > 0``) chooses differently at the two ends, the segment straddles a kink or a jump: the
quotient mixes two one-sided slopes and is not the derivative at x, so comparing it with the
analytic gradient says nothing about either.

The scan runs f under an *observing trace*, a sibling of ``dl.cost``'s counting trace: its boxes
pass every value through unchanged, and it writes down, in order, each choice those operations
make (a sign pattern, a mask, a permutation), as a short digest. Two evaluations took the same
path through f exactly when their lists agree; an entry whose evaluations disagree crossed a
kink, and the first operation whose choice changed is named in the report.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable
from typing import Any

import numpy as np

from derivlab import _core
from derivlab._core import Box, Primitive, Trace, strip
from derivlab._tree import tree_flatten, tree_unflatten

# ---- the choices each branching row makes ----


def _sign_of_difference(p: list, ans: Any, params: dict) -> Any:
    with np.errstate(all="ignore"):
        return np.sign(np.subtract(strip(p[0]), strip(p[1])))  # which operand wins, or a tie


def _winners(red: Callable) -> Callable:
    def choice(p: list, ans: Any, params: dict) -> Any:
        x = strip(p[0])
        return np.equal(x, red(x, axis=params.get("axis"), keepdims=True))  # who attains it

    return choice


def _quotient(rounding: Callable) -> Callable:
    def choice(p: list, ans: Any, params: dict) -> Any:
        with np.errstate(all="ignore"):
            return rounding(np.true_divide(strip(p[0]), strip(p[1])))  # which period x is in

    return choice


_CHOICES: dict[str, Callable[[list, Any, dict], Any]] = {
    "absolute": lambda p, ans, params: np.sign(strip(p[0])),
    "fabs": lambda p, ans, params: np.sign(strip(p[0])),
    "maximum": _sign_of_difference,
    "minimum": _sign_of_difference,
    "fmax": _sign_of_difference,
    "fmin": _sign_of_difference,
    "amax": _winners(np.max),
    "amin": _winners(np.min),
    "where": lambda p, ans, params: params["cond"],
    "linalg.slogdet": lambda p, ans, params: ans[0],  # the sign of det A: a jump where it flips
    "remainder": _quotient(np.floor),
    "fmod": _quotient(np.trunc),
}

# how the report names an operation, with the kinks of piecewise-smooth rows first
_KINK_NAMES = {
    "absolute": "np.abs", "fabs": "np.fabs", "maximum": "np.maximum", "minimum": "np.minimum",
    "fmax": "np.fmax", "fmin": "np.fmin", "amax": "np.max", "amin": "np.min",
    "clip": "np.clip", "where": "np.where", "sort": "np.sort", "partition": "np.partition",
    "remainder": "np.remainder (%)", "fmod": "np.fmod",
}  # fmt: skip
_OTHER_NAMES = {
    "greater": "np.greater (>)", "greater_equal": "np.greater_equal (>=)",
    "less": "np.less (<)", "less_equal": "np.less_equal (<=)", "equal": "np.equal (==)",
    "not_equal": "np.not_equal (!=)", "bool": "an if on a traced value",
    "floor_divide": "np.floor_divide (//)", "round": "np.round",
    "linalg.slogdet": "np.linalg.slogdet (the sign of det)",
}  # fmt: skip


def describe(name: str) -> str:
    """The report's name for a row: ``np.maximum``, ``np.greater (>)``, …"""
    return _KINK_NAMES.get(name) or _OTHER_NAMES.get(name) or f"np.{name}"


def is_kink(name: str) -> bool:
    """Whether the row is piecewise smooth (a kink); the others switch a value (a jump)."""
    return name in _KINK_NAMES


def is_kink_name(display: str) -> bool:
    """Whether a name from :func:`describe` is a kink's (not a comparison's or a rounding's)."""
    return display in _KINK_DISPLAY


_KINK_DISPLAY = set(_KINK_NAMES.values())


def _digest(choice: Any) -> bytes:
    a = np.asarray(strip(choice))
    h = hashlib.blake2b(digest_size=12)
    h.update(f"{a.dtype.str}{a.shape}".encode())
    h.update(np.ascontiguousarray(a).tobytes())
    return h.digest()


# ---- the observing trace ----


class ObserveTrace(Trace):
    """A trace that applies each primitive unchanged and logs the choice a branching row makes."""

    __slots__ = ("log",)

    def __init__(self) -> None:
        super().__init__()
        self.log: list[tuple[str, bytes]] = []

    def process(self, prim: Primitive, operands: Any, params: dict) -> Any:
        if self.ended:
            raise _core.escaped(self, prim, operands)
        primals = [x.value if type(x) is ObserveBox and x._trace is self else x for x in operands]
        ans = prim.impl(*primals, **params)
        choice = _CHOICES.get(prim.name)
        if choice is not None:
            self.decided(prim.name, choice(primals, ans, params))
        return ObserveBox(ans, self)

    def process_multi(self, prim: Primitive, operands: Any, params: dict) -> tuple[Any, ...]:
        primals = [x.value if type(x) is ObserveBox and x._trace is self else x for x in operands]
        ans = tuple(prim.impl(*primals, **params))
        choice = _CHOICES.get(prim.name)
        if choice is not None:
            self.decided(prim.name, choice(primals, ans, params))
        return tuple(ObserveBox(a, self) for a in ans)

    def decided(self, name: str, choice: Any) -> None:
        self.log.append((name, _digest(choice)))


class ObserveBox(Box):
    """A value watched by an :class:`ObserveTrace`: it behaves exactly like the array it holds."""

    __slots__ = ()

    def __init__(self, value: Any, trace: ObserveTrace) -> None:
        self.value = value
        self._trace = trace


# ---- the scan ----


class KinkScan:
    """f as a finite-difference routine calls it, with the path of every evaluation logged.

    ``point`` is the flat or shaped array the routine perturbs one entry at a time;
    ``unflatten`` turns a perturbed copy of it into f's argument. A call that changes exactly
    one entry j of ``point`` is filed under j; one that changes none, under the centre.
    """

    def __init__(self, f: Callable, point: np.ndarray, unflatten: Callable[[Any], Any]) -> None:
        self.f, self.unflatten = f, unflatten
        self.base = np.asarray(point).ravel()
        self.paths: dict[int | None, list[tuple[float, tuple]]] = {}
        self.off: str | None = None  # why the scan could not run, if it could not

    def __call__(self, point: Any) -> Any:
        p = np.asarray(point)
        if self.off is not None or p.dtype.kind != "f" or p.size != self.base.size:
            return self.f(self.unflatten(point))
        trace = ObserveTrace()
        trace.origin = "dl.check_grad's kink scan"
        leaves, treedef = tree_flatten(self.unflatten(point))
        lifted = tree_unflatten(treedef, [self._lift(leaf, trace) for leaf in leaves])
        _core._OBSERVERS.append(trace)
        try:
            out = self.f(lifted)
            failed = None
        except (TypeError, NotImplementedError) as exc:  # f does not run on traced values
            failed = exc
        finally:
            _core._OBSERVERS.remove(trace)
            trace.ended = True
        if failed is not None:
            first = str(failed).splitlines()[0] if str(failed) else type(failed).__name__
            self.off = f"f does not run on traced values ({first})"
            self.paths.clear()
            return self.f(self.unflatten(point))
        self._file(p.ravel(), tuple(trace.log))
        return strip(out)

    @staticmethod
    def _lift(leaf: Any, trace: ObserveTrace) -> Any:
        if isinstance(leaf, (float, np.floating, np.ndarray)) and np.result_type(leaf).kind == "f":
            return ObserveBox(leaf, trace)
        return leaf

    def _file(self, p: np.ndarray, path: tuple) -> None:
        changed = np.flatnonzero(p != self.base)
        if changed.size > 1:
            return  # not a coordinate stencil's point: nothing to file it under
        j = int(changed[0]) if changed.size else None
        coord = float(p[j]) if j is not None else float("nan")
        self.paths.setdefault(j, []).append((coord, path))

    def crossings(self) -> dict[int, tuple[str, ...]]:
        """``{entry: operations whose choice changed}`` for each entry whose stencil crossed."""
        if self.off is not None:
            return {}
        centre = self.paths.get(None, [])
        out = {}
        for j, visits in self.paths.items():
            if j is None:
                continue
            seen = sorted(visits) + [(float(self.base[j]), path) for _, path in centre]
            if len({path for _, path in seen}) < 2:
                continue
            lo = min(seen, key=lambda v: v[0])[1]
            hi = max(seen, key=lambda v: v[0])[1]
            if lo == hi:  # the two ends agree but a middle point differs: compare with it
                hi = next(path for _, path in seen if path != lo)
            out[j] = _changed(lo, hi)
        return out


def _changed(a: tuple, b: tuple) -> tuple[str, ...]:
    """The operations whose choices differ between two paths, kinks first, in program order."""
    names = []
    for u, v in itertools.zip_longest(a, b):
        if u != v:
            name = (u or v)[0]
            if name not in names:
                names.append(name)
    names.sort(key=lambda n: not is_kink(n))  # stable: program order within each group
    return tuple(names)
