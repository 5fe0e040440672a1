"""Tracing: boxes that ride through ordinary NumPy code, and the two traces that read the table.

A *box* wraps a value (an array, or a box of an enclosing trace) and belongs to one *trace*.
NumPy hands every operation on a box to :meth:`Box.__array_ufunc__` or
:meth:`Box.__array_function__`; derivlab looks the operation up in the primitive table
(:mod:`derivlab._primitives`) and :func:`bind` passes it to the trace of the innermost box.

* :class:`ForwardTrace` carries a tangent beside each primal and applies a row's JVP rule.
* :class:`ReverseTrace` records each primitive application; :func:`backward` then walks the record
  in reverse topological order and applies each row's VJP rule (the chain rule, one node at a time).

Each trace gets a level from a global counter. A trace started inside another one (``grad`` of a
function that calls ``grad``) has a higher level, so its boxes are unwrapped first and the outer
trace's boxes are treated as constants there: that is what makes perturbation confusion impossible.
"""

from __future__ import annotations

import gc
import itertools
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

# ---- primitives ----


class Primitive:
    """One row of the primitive table: how to compute a function and how to differentiate it.

    Attributes:
        name: the NumPy spelling, e.g. ``"sin"`` or ``"linalg.inv"``.
        impl: computes the value, and only ever sees plain arrays: a trace passes the values
            under its boxes to :func:`bind` again, so an enclosing trace applies the same row at
            its own level before the impl finally runs.
        jvp: ``jvp(tangents, ans, *primals, **params)`` -> tangent of the output. ``tangents``
            holds ``None`` for operands that are constant in this trace.
        vjp: ``vjp(i, g, ans, *primals, **params)`` -> cotangent of operand ``i`` given the output
            cotangent ``g``. Both rules are written with NumPy calls, so they are differentiable.
        vjp_all: optionally, ``vjp_all(g, ans, *primals, which, **params)`` -> a list with the
            cotangent of each operand index in ``which`` (the traced parents; None elsewhere),
            for rows whose operands share work (``solve``, ``divide``, ``concatenate``): the
            sweep then calls the rule once per node instead of once per operand.
        sympy: the SymPy counterpart used by :mod:`derivlab.symbolic` (elementwise rows), or None.
        torch: the name of the ``torch`` function that the tests use as an oracle, or None.
        domain: where the tests sample inputs (``"real"``, ``"positive"``, ``"unit"``, ...).
        kink: the convention at a non-differentiable point, stated for the docs (or None).
    """

    __slots__ = ("name", "impl", "jvp", "vjp", "sympy", "torch", "domain", "kink", "nin", "vjp_all")

    def __init__(
        self,
        name: str,
        impl: Callable[..., Any],
        jvp: Callable[..., Any],
        vjp: Callable[..., Any],
        *,
        sympy: Any = None,
        torch: str | None = None,
        domain: str = "real",
        kink: str | None = None,
        nin: int | None = None,
        vjp_all: Callable[..., Any] | None = None,
    ) -> None:
        self.name = name
        self.impl = impl
        self.jvp = jvp
        self.vjp = vjp
        self.sympy = sympy
        self.torch = torch
        self.domain = domain
        self.kink = kink
        self.nin = nin
        self.vjp_all = vjp_all

    def __repr__(self) -> str:
        return f"Primitive({self.name!r})"


# ---- traces ----

_levels = itertools.count(1)


class Trace:
    """A differentiation in progress; boxes of the same trace share it.

    ``ended`` is set by the transformation once the traced function has returned; ``origin`` says
    which transformation of which function started it (for the error raised when a box escapes):
    a string, or a ``(transformation, function)`` pair, put into words only if that error is
    raised. A trace that can end checks ``ended`` first thing in its ``process``
    (``raise escaped(self, prim, operands)``): the hot paths hand an operation straight to the
    trace of its one box, with no call in between to check it for them.
    """

    __slots__ = ("level", "ended", "origin")

    def __init__(self) -> None:
        self.level = next(_levels)
        self.ended = False
        self.origin: Any = None


class ForwardTrace(Trace):
    """Forward mode: every box carries (primal, tangent); each op applies its JVP rule."""

    __slots__ = ()

    def process(self, prim: Primitive, operands: Sequence[Any], params: dict) -> Any:
        if self.ended:
            raise escaped(self, prim, operands)
        primals, tangents = self.unpack(operands)
        ans = bind(prim, primals, params)  # an enclosing trace, else the impl on plain arrays
        # push forward: t_out = sum_i (d out / d x_i) t_i
        t = prim.jvp(tangents, ans, *primals, **params)
        return ForwardBox(ans, t, self)

    def unpack(self, operands: Sequence[Any]) -> tuple[list, list]:
        """The operands' primals, and their tangents (None for a constant of this trace)."""
        primals = []
        tangents = []
        for x in operands:
            if type(x) is ForwardBox and x._trace is self:
                primals.append(x.value)
                tangents.append(x.tangent)
            else:
                primals.append(x)
                tangents.append(None)
        return primals, tangents


_new_box = object.__new__
FLOAT_SCALARS = frozenset({np.float64, np.float32, np.float16})  # NumPy's float scalar types
_HELD_PARAMS = frozenset({np.ndarray, tuple})  # parameters that may hold an array to keep
# values a binary operation's fast path takes as they are (no box of another trace among them)
_PLAIN_OPERANDS = FLOAT_SCALARS | {np.ndarray, float, int}


class ReverseTrace(Trace):
    """Reverse mode: the trace records how every box was made; ``backward`` replays it in reverse.

    The record is the *tape* (a Wengert list): one tuple ``(box, primals, params, parents)``
    per operation, in creation order. ``box`` is the result, whose ``prim`` names the row;
    ``primals`` are the values of the row's operands and ``parents`` is aligned with them: the
    box of each operand traced by this trace, ``None`` for a constant; ``params`` is the row's
    keyword parameters, except in the record :meth:`take` makes for ``x[i:j]`` or ``x[i]``,
    which holds the index itself (in a loop over windows a one-entry dict per slice was a sixth
    of the tape's memory, and the sweep's indexing path reads it either way). A box is always
    created after its parents, so creation order is a topological order: walking the tape
    backwards visits every node after all of its consumers, with no graph search at all.

    A box holds its value and its row, not its record: only the tape reaches the graph. So
    ``grad``'s sweep, which pops each record off the tape, frees it (and the intermediates only
    its rule read) as soon as its rule has run, even while the caller holds the output box.
    """

    __slots__ = ("tape", "_kept")

    def __init__(self) -> None:
        super().__init__()
        self.tape: list[tuple] = []  # (box, primals, params, parents) per operation
        self._kept: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # id -> (caller's, snapshot)

    def process(self, prim: Primitive, operands: Sequence[Any], params: dict) -> Any:
        if self.ended:
            raise escaped(self, prim, operands)
        if params:  # only arrays (an index array, a mask) need the trace's own copy
            for v in params.values():
                if type(v) in _HELD_PARAMS:
                    params = {k: self.keep(v) for k, v in params.items()}
                    break
        primals: Any = None
        if len(operands) == 1:  # one operand, a box of this trace (exp, a sum, a slice)
            x = operands[0]
            v = x.value
            if type(v) is np.ndarray or not isinstance(v, Box):
                ans = prim.impl(v, **params)
                primals, parents = (v,), (x,)
        elif len(operands) == 2:  # a binary operation on plain values (x + 1.0, a * b, x @ W)
            a, b = operands
            pa = a if type(a) is ReverseBox and a._trace is self else None
            pb = b if type(b) is ReverseBox and b._trace is self else None
            va = a if pa is None else a.value
            vb = b if pb is None else b.value
            if type(va) in _PLAIN_OPERANDS and type(vb) in _PLAIN_OPERANDS:
                if pa is None and type(va) is np.ndarray:
                    va = self.keep(va)
                if pb is None and type(vb) is np.ndarray:
                    vb = self.keep(vb)
                ans = prim.impl(va, vb, **params)
                primals, parents = (va, vb), (pa, pb)
        if primals is None:  # any other case: several operands, boxes of enclosing traces
            ans, primals, parents = self._apply(prim, operands, params)
        # record(), written out: this is the hottest line of tracing, and the box is built slot
        # by slot because a class call (type.__call__, then __init__) costs as much again
        box = _new_box(ReverseBox)
        box.value, box._trace, box.prim = ans, self, prim
        self.tape.append((box, primals, params, parents))
        return box

    def take(self, prim: Primitive, x: ReverseBox, index: slice | int) -> Any:
        """``x[index]`` for a slice or an integer, which is nothing to keep: ``process``'s case
        of one operand, written out for indexing, the row that indexing-heavy code (a loop over
        windows, ``for v in x``) applies most; ``prim`` is that row. A value that is a box of an
        enclosing trace is indexed as a box, so that trace records the slice too."""
        v = x.value
        if self.ended:
            raise escaped(self, prim, (x,))
        box = _new_box(ReverseBox)
        box.value, box._trace, box.prim = v[index], self, prim
        self.tape.append((box, (v,), index, (x,)))  # the index bare, not {"index": index}
        return box

    def record(self, ans: Any, prim: Any, primals: Sequence[Any], params: dict,
               parents: Sequence[ReverseBox | None]) -> ReverseBox:  # fmt: skip
        """A box for ``ans``, made by ``prim``, with its record appended to the tape."""
        box = ReverseBox(ans, self, prim)
        self.tape.append((box, primals, params, parents))
        return box

    def _apply(self, prim: Primitive, operands: Sequence[Any], params: dict) -> tuple:
        """``prim`` applied to ``operands`` in general: ``(ans, primals, parents)``."""
        primals = []
        parents = []  # aligned with the operands: the box of each traced one, else None
        nested = False  # whether a value is itself a box (of an enclosing trace)
        for x in operands:
            t = type(x)
            if t is ReverseBox and x._trace is self:
                x_value = x.value
                primals.append(x_value)
                parents.append(x)
                if type(x_value) is not np.ndarray and isinstance(x_value, Box):
                    nested = True
                continue
            parents.append(None)  # a constant of this trace
            if t is np.ndarray:
                primals.append(self.keep(x))
            else:
                primals.append(x)
                if isinstance(x, Box):
                    nested = True
        # an enclosing trace applies the row at its own level first; else the impl runs
        ans = bind(prim, primals, params) if nested else prim.impl(*primals, **params)
        return ans, primals, parents

    def close(self) -> list[tuple]:
        """End the trace and hand over its tape.

        Each box refers to its trace, so a trace that kept its tape would sit in a reference
        cycle with every box on it, and the tape, with all of its intermediate arrays, would
        wait for Python's cyclic garbage collector after each gradient. Handed to the caller
        (a pullback), the tape is freed by reference counting as soon as the caller drops it.
        A box used after this has escaped the trace (see :func:`_escaped`).
        """
        tape, self.tape = self.tape, []
        self.ended = True
        return tape

    def keep(self, x: Any) -> Any:
        """The trace's own copy of a plain array operand, so that the caller may mutate theirs.

        The backward sweep reads constant operands (``buf`` in ``w * buf``, an ``np.where`` mask,
        an index array) long after the op ran; a caller who writes into them in between
        (``buf[:] = 5``) would otherwise get a silently wrong gradient. Copying costs one pass
        over the array, no more than the op itself, and the copy is shared: an array used by many
        ops (a data matrix ``X``) is copied once per trace, and each later use only checks that
        it still equals the copy (a changed array gets a new snapshot). An array that owns its
        memory and is read-only cannot change and is kept as it is.
        """
        if type(x) is tuple:
            return tuple(self.keep(v) for v in x) if any(type(v) is np.ndarray for v in x) else x
        if type(x) is not np.ndarray or (not x.flags.writeable and x.base is None):
            return x
        kept = self._kept.get(id(x))
        if kept is not None and kept[0] is x and _same(x, kept[1]):
            return kept[1]
        snap = _snapshot(x)
        self._kept[id(x)] = (x, snap)  # holding x keeps its id from being reused
        return snap


def _snapshot(x: np.ndarray) -> np.ndarray:
    if x.size and 0 in x.strides:  # a broadcast view: copy the distinct entries only
        core = x[tuple(slice(0, 1) if st == 0 else slice(None) for st in x.strides)]
        return np.broadcast_to(core.copy(), x.shape)
    return x.copy()


def _same(x: np.ndarray, snap: np.ndarray) -> bool:
    if x.size <= 4096 and x.shape == snap.shape and x.tobytes() == snap.tobytes():
        return True  # the common case, a small constant used by every step of a loop: one
        # bytes compare (equal bytes are equal values, NaNs included); else compare by value
    with np.errstate(invalid="ignore"):
        eq = x == snap
    if x.dtype.kind in "fc":
        eq |= np.isnan(x) & np.isnan(snap)
    return bool(np.all(eq))


# ---- boxes ----


class Box:
    """A traced value. Behaves like an ndarray inside the user's NumPy code."""

    __slots__ = ("value", "_trace")
    __array_priority__ = 1000.0

    # -- NumPy dispatch: derivlab._numpy installs both methods (see install_numpy_layer) --
    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        raise ImportError("derivlab's NumPy layer is not installed: import derivlab first")

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        raise ImportError("derivlab's NumPy layer is not installed: import derivlab first")

    # -- conversions that would silently drop the derivative --
    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        raise TypeError(
            _conversion_message("np.asarray / np.array (or a NumPy call that converts)")
        )

    def __float__(self) -> float:
        raise TypeError(_conversion_message("float()"))

    def __int__(self) -> int:
        raise TypeError(_conversion_message("int()"))

    def __complex__(self) -> complex:
        raise TypeError(_conversion_message("complex()"))

    def __index__(self) -> int:
        raise TypeError(
            "derivlab: a traced value was used as an index. Indices must be plain integers "
            "(derivatives with respect to an index do not exist); compute the index from plain "
            f"NumPy values instead.{_where()}"
        )

    def item(self, *args: Any) -> Any:
        raise TypeError(_conversion_message(".item()"))

    def tolist(self) -> Any:
        raise TypeError(_conversion_message(".tolist()"))

    def __bool__(self) -> bool:
        # Control flow on the primal value is fine: the branch taken is differentiated.
        choice = bool(strip(self))
        decided("bool", choice)
        return choice

    def __setitem__(self, key: Any, value: Any) -> None:
        raise TypeError(
            "derivlab: traced arrays are immutable, so `x[i] = v` is not supported inside a "
            "differentiated function. Build the new array instead: np.where(mask, v, x), "
            f"np.concatenate([...]) or np.stack([...]).{_where()}"
        )

    def __hash__(self) -> int:
        return id(self)

    # -- array attributes --
    @property
    def shape(self) -> tuple[int, ...]:
        x = strip(self)
        return x.shape if type(x) is np.ndarray else np.shape(x)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    @property
    def dtype(self) -> np.dtype:
        return np.result_type(strip(self))

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a 0-d (scalar) traced value")
        return self.shape[0]

    def __iter__(self) -> Any:
        for i in range(len(self)):
            yield self[i]

    @property
    def T(self) -> Any:
        return np.transpose(self)

    @property
    def mT(self) -> Any:
        return np.swapaxes(self, -1, -2)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(level={self._trace.level}, value={strip(self)!r})"


class ForwardBox(Box):
    """A primal with its tangent (a dual number, generalised to arrays)."""

    __slots__ = ("tangent",)

    def __init__(self, value: Any, tangent: Any, trace: ForwardTrace) -> None:
        self.value = value
        self.tangent = tangent
        self._trace = trace


class ReverseBox(Box):
    """A value traced by a :class:`ReverseTrace`, and the row that made it (``None`` for an
    input). How it was made, its operands, is on the trace's tape."""

    __slots__ = ("prim",)

    def __init__(self, value: Any, trace: ReverseTrace, prim: Primitive | None = None) -> None:
        self.value = value
        self._trace = trace
        self.prim = prim


# ---- binding an operation to the innermost trace ----


def bind(prim: Primitive, operands: Sequence[Any], params: dict) -> Any:
    """Apply ``prim`` to ``operands``: the trace of the innermost box handles it."""
    if len(operands) == 1:  # the only operand's trace, if it is a box, records the operation
        x = operands[0]
        if not isinstance(x, Box):
            return prim.impl(x, **params)
        return x._trace.process(prim, operands, params)  # which raises if x has escaped it
    top = _innermost(prim, operands)
    if top is None:
        return prim.impl(*operands, **params)
    return top.process(prim, operands, params)


def _innermost(prim: Primitive, operands: Sequence[Any]) -> Trace | None:
    """The trace with the highest level among the operands' boxes (None: all plain)."""
    top = None
    level = 0
    for x in operands:
        if isinstance(x, Box):
            t = x._trace
            if t.ended:
                raise _escaped(x, prim)
            if t.level > level:
                top = t
                level = t.level
    return top


def _escaped(x: Box, prim: Primitive) -> Exception:
    made = f" by np.{x.prim.name}" if isinstance(x, ReverseBox) and x.prim is not None else ""
    origin = x._trace.origin or "a derivlab transformation"
    if type(origin) is tuple:
        origin = _origin_text(*origin)
    return TypeError(
        f"derivlab: a traced value made{made} inside {origin} was used by np.{prim.name} after "
        "that transformation had returned. It escaped the traced function (kept in a list, dict, "
        "global or attribute) and its derivative is no longer being computed. Return the value "
        "from the function instead (use derivlab.value_and_grad or derivlab.vjp to get it out "
        f"with the derivative), or keep a plain copy of an input instead of a traced one.{_where()}"
    )


def escaped(trace: Trace, prim: Primitive, operands: Sequence[Any]) -> Exception:
    """The error for ``prim`` applied to a box of ``trace`` after ``trace`` has ended."""
    return _escaped(next(x for x in operands if isinstance(x, Box) and x._trace is trace), prim)


def _origin_text(where: str, f: Any) -> str:
    """'grad of f (defined at file:line)', for the error raised when a box escapes its trace."""
    while hasattr(f, "__wrapped__"):
        f = f.__wrapped__
    name = getattr(f, "__qualname__", None) or type(f).__name__
    code = getattr(f, "__code__", None)
    at = f" (defined at {code.co_filename}:{code.co_firstlineno})" if code else ""
    return f"{where} of {name}{at}"


def strip(x: Any) -> Any:
    """The plain value under every layer of boxes."""
    while isinstance(x, Box):
        x = x.value
    return x


def strip_all(x: Any) -> Any:
    """Strip boxes inside (nested) lists and tuples too: for non-differentiable functions."""
    if isinstance(x, Box):
        return strip(x)
    if isinstance(x, (list, tuple)):
        return type(x)(strip_all(v) for v in x) if not hasattr(x, "_fields") else x
    return x


# ---- cost accounting hooks (derivlab._cost holds the counting trace itself) ----

# The counting traces of the derivlab.cost calls in progress, innermost last. Engines lift the
# constants they make (seeds, basis tangents) into the innermost one, so their work is counted.
_COUNTERS: list[Any] = []


def lift(x: Any) -> Any:
    """A constant an engine made (a seed cotangent, a basis tangent), seen by ``dl.cost``."""
    if _COUNTERS and not isinstance(x, Box):
        return _COUNTERS[-1].lift(x)
    return x


def note(name: str, flop_count: int) -> None:
    """Count an operation that has no row (a comparison, ``floor``) when ``dl.cost`` runs."""
    if _COUNTERS:
        _COUNTERS[-1].note(name, flop_count)


# The observing traces of the dl.check_grad kink scans in progress, innermost last. A traced
# value that chooses a branch outside the primitive table (a comparison, sign, floor, argmax,
# bool) reports the choice here, so the scan can tell whether two evaluations took one path.
_OBSERVERS: list[Any] = []


def decided(name: str, choice: Any) -> None:
    """A traced value chose a branch (``x > 0``, ``np.sign``, ``np.argmax``): tell the scan."""
    if _OBSERVERS:
        _OBSERVERS[-1].decided(name, choice)


def count_call() -> None:
    """The user's function was entered once more (``Cost.calls``)."""
    if _COUNTERS:
        _COUNTERS[-1].cost.calls += 1


def _tape_bytes(tape: list[tuple]) -> int:
    """Bytes of the intermediates a tape keeps for its sweep (every recorded output)."""
    held = {id(v): v for v in (strip(record[0].value) for record in tape)}
    # a multi-output row's joint node holds a tuple; its output nodes hold the same arrays
    return sum(np.asarray(v).nbytes for v in held.values() if type(v) is not tuple)


# ---- reverse sweep ----


def backward(
    seeds: Sequence[tuple[ReverseBox, Any]], tape: list[tuple], consume: bool = False
) -> dict[int, Any]:
    """Propagate cotangents from output boxes to every node of ``tape`` (a trace's record,
    handed over by :meth:`ReverseTrace.close`); returns ``{id(node): cotangent}``.

    Cotangents live in a dictionary that belongs to this call, never on the nodes, so calling
    ``grad`` twice on the same function gives the same answer.

    With ``consume`` (a sweep that runs once, as ``grad``'s does), the sweep pops each record off
    the tape itself, so a record and the intermediates only it holds are freed as soon as its
    rule has run (see :class:`ReverseTrace`), as PyTorch frees a graph's saved tensors during
    ``backward()``: the sweep's own arrays reuse the forward pass's memory, and the peak is
    lower. (Memory that goes back to the C allocator this way every step is why
    ``derivlab._heap`` exists.) Without it, the sweep pops a copy, and the tape stays whole for
    a pullback that runs again.
    """
    if _COUNTERS:  # dl.cost's tape_bytes: the most that reverse mode's tapes hold at once
        held, cost = _tape_bytes(tape), _COUNTERS[-1].cost
        cost._hold(held)
        try:
            return _sweep(seeds, tape, consume)
        finally:
            cost._hold(-held)
    return _sweep(seeds, tape, consume)


class gc_paused:  # noqa: N801  (used as a function: `with gc_paused():`)
    """Pause Python's cyclic garbage collector while a tape grows or is swept.

    A tape holds a few GC-tracked objects per operation, and every full collection scans all
    of them, so on a 100,000-op program collections took about half the time. Reference
    counting still frees everything as usual; only cycles wait for the collector to resume.
    (A class, not a contextlib generator: a gradient enters it twice, around the trace and the
    sweep, and a generator costs several times more to start and stop.)
    """

    __slots__ = ("was_enabled",)

    def __enter__(self) -> None:
        self.was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc: Any) -> None:
        if self.was_enabled:
            gc.enable()


def _sweep(seeds: Sequence[tuple[ReverseBox, Any]], tape: list[tuple],
           consume: bool) -> dict[int, Any]:  # fmt: skip
    with gc_paused():
        return _sweep_tape(seeds, tape if consume else list(tape))


def _sweep_tape(seeds: Sequence[tuple[ReverseBox, Any]], records: list[tuple]) -> dict[int, Any]:
    """The backward sweep, popping ``records`` (a tape) empty, last first."""
    cts: dict[int, Any] = {}
    owned: set[int] = set()  # cotangents this sweep allocated itself, safe to add into in place
    for box, g in seeds:
        key = id(box)
        cts[key] = cts[key] + g if key in cts else g
    # reverse creation order is a reverse topological order (see ReverseTrace); the loop is
    # iterative, so a 100,000-op chain needs no recursion
    pop_record, pop, discard = records.pop, cts.pop, owned.discard
    while records:
        box, primals, params, parents = pop_record()
        g = pop(id(box), None)
        if g is None:
            continue
        prim = box.prim
        if prim.name == "getitem":
            index = params["index"] if type(params) is dict else params  # (take's: bare)
            if type(g) is np.ndarray or isinstance(g, np.generic):
                # the adjoint of x[index], added straight into x's cotangent: no dense zero
                # array per slice (a loop over 8,192 windows would allocate 8,192 of them)
                key = id(parents[0])
                if type(index) is slice and key in owned:  # the common case, written out here:
                    view = cts[key][index]  # a view of the buffer this sweep owns, added into
                    view += g
                else:
                    _scatter_add(cts, owned, key, primals[0], index, g)
                continue
            params = {"index": index}  # g is a box of an enclosing trace: the row's own rule
        every = None
        if prim.vjp_all is not None:  # one call for the operands that are traced parents
            which = [i for i, parent in enumerate(parents) if parent is not None]
            every = prim.vjp_all(g, box.value, *primals, which=which, **params)
        elif len(primals) == 2 and not params:  # a binary operation (a * b, x + 1.0): its rule
            # called with the operands spelled out costs a third less than with *primals (no
            # argument tuple to build); no local names them, so none outlives its record
            every = (
                None if parents[0] is None else prim.vjp(0, g, box.value, primals[0], primals[1]),
                None if parents[1] is None else prim.vjp(1, g, box.value, primals[0], primals[1]),
            )
        for i, parent in enumerate(parents):
            if parent is None:
                continue
            key = id(parent)
            # chain rule: add g · ∂node/∂parent to the parent's cotangent
            if every is not None:
                c = every[i]
            else:
                c = prim.vjp(i, g, box.value, *primals, **params)
            old = cts.get(key)
            if old is None:
                cts[key] = c
            elif key in owned and type(c) is np.ndarray and c.dtype == old.dtype:
                old += c
            else:
                new = old + c
                cts[key] = new
                if type(new) is np.ndarray and new.shape == _shape_of(parent):
                    owned.add(key)  # a sum NumPy just allocated: later terms add in place
                else:
                    discard(key)
    return cts


def _shape_of(box: ReverseBox) -> tuple[int, ...]:
    v = box.value
    return v.shape if type(v) is np.ndarray else np.shape(strip(v))


def _scatter_add(cts: dict, owned: set, key: int, x: Any, index: Any, g: np.ndarray) -> None:
    buf = cts.get(key)
    if key not in owned:
        dtype = np.result_type(np.result_type(strip(x)), g.dtype)
        if buf is None:
            buf = np.zeros(np.shape(strip(x)), dtype)
        elif isinstance(buf, Box):  # a cotangent of an enclosing trace: add the usual way
            cts[key] = buf + scattered(np.zeros(np.shape(strip(x)), dtype), index, g)
            return
        else:
            buf = np.array(buf, dtype=dtype)
        cts[key] = buf
        owned.add(key)
    scattered(buf, index, g)


def scattered(buf: np.ndarray, index: Any, g: np.ndarray) -> np.ndarray:
    """``buf[index] += g`` where an entry named twice receives both terms (``np.add.at``)."""
    if type(index) is slice:  # a view: add into it (buf[index] += g writes it back again)
        view = buf[index]
        view += g
    elif type(index) is int or basic_index(index):
        buf[index] += g  # slices and integers never name an entry twice
    elif buf.size <= 4 * np.size(g) and buf.dtype.kind == "f" and np.result_type(g).kind == "f":
        # many terms per entry (an embedding table's rows, used by every token): np.bincount
        # over the entries' flat positions sums them in one pass, several times faster than
        # np.add.at, at the price of a pass over buf (hence only when buf is not much larger)
        pos = np.arange(buf.size).reshape(buf.shape)[index]
        terms = np.broadcast_to(g, pos.shape).ravel()
        buf += np.bincount(pos.ravel(), weights=terms, minlength=buf.size).reshape(buf.shape)
    else:
        np.add.at(buf, index, g)  # repeated integer indices accumulate
    return buf


def basic_index(index: Any) -> bool:
    """Whether ``x[index]`` uses only slices, integers, None and Ellipsis (no entry twice)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (slice, int, np.integer)) for p in parts)


# ---- primitives with several outputs (eigh, svd, qr, slogdet) ----
# One application of such a row computes every output at once. bind_multi hands it to the
# innermost trace like bind does. Reverse mode records it as ONE joint node (its value is the
# tuple) plus one small projection node per output, whose cotangent becomes slot j of a
# MultiCotangent; the sweep adds those with `+` like any cotangent, so the joint node's rule
# gets every output's cotangent in one call. The sweep itself needs no branch for this.


class MultiPrimitive(Primitive):
    """A row whose impl returns a tuple of ``len(outputs)`` arrays (one decomposition).

    Rules, written with NumPy calls like every row's:

    * ``jvp(tangents, ans, *primals, **params)`` -> a tuple with one tangent per output
      (``ans`` is the tuple of outputs; ``None`` for an output with a zero tangent);
    * ``vjp_multi(cts, ans, *primals, **params)`` -> every operand's cotangent (a list), given
      a tuple ``cts`` of output cotangents in which an output not used downstream is ``None``.
    """

    __slots__ = ("outputs", "projections")

    def __init__(
        self,
        name: str,
        impl: Callable[..., Any],
        jvp: Callable[..., Any],
        vjp_multi: Callable[..., Any],
        *,
        outputs: Sequence[str],
        **kw: Any,
    ) -> None:
        k = len(outputs)

        def vjp_all(g: MultiCotangent, ans: Any, *primals: Any, which: Any, **params: Any) -> Any:
            return vjp_multi(g.as_tuple(k), ans, *primals, **params)  # every operand's

        super().__init__(name, impl, jvp, _no_single_vjp, vjp_all=vjp_all, **kw)
        self.outputs = tuple(outputs)
        # the projection "output j of this application": named like the row itself, so an
        # error about a box it made (an escaped value) names np.linalg.eigh, the user's call
        self.projections = tuple(Primitive(name, _no_impl, _no_impl, _projection_vjp(j))
                                 for j in range(k))  # fmt: skip


def _no_single_vjp(*_: Any, **__: Any) -> Any:
    raise NotImplementedError("derivlab internal: a multi-output row is pulled back by vjp_all")


def _no_impl(*_: Any, **__: Any) -> Any:
    raise NotImplementedError("derivlab internal: a projection node is never applied")


class MultiCotangent:
    """Cotangents of some outputs of one multi-output application, by output index."""

    __slots__ = ("parts",)

    def __init__(self, parts: dict[int, Any]) -> None:
        self.parts = parts

    def __add__(self, other: Any) -> MultiCotangent:
        if type(other) is not MultiCotangent:
            return NotImplemented
        parts = dict(self.parts)
        for j, g in other.parts.items():
            parts[j] = parts[j] + g if j in parts else g
        return MultiCotangent(parts)

    def as_tuple(self, k: int) -> tuple[Any, ...]:
        return tuple(self.parts.get(j) for j in range(k))


def _projection_vjp(j: int) -> Callable[..., Any]:
    def vjp(i: int, g: Any, ans: Any) -> MultiCotangent:
        return MultiCotangent({j: g})

    return vjp


def bind_multi(prim: MultiPrimitive, operands: Sequence[Any], params: dict) -> tuple[Any, ...]:
    """Apply a multi-output row once; returns one value (a box, or an array) per output."""
    top = _innermost(prim, operands)
    if top is None:
        return tuple(prim.impl(*operands, **params))
    if type(top) is ReverseTrace:
        return _reverse_multi(top, prim, operands, params)
    if type(top) is ForwardTrace:
        return _forward_multi(top, prim, operands, params)
    process = getattr(top, "process_multi", None)
    if process is None:
        raise NotImplementedError(
            f"derivlab: np.{prim.name} returns several arrays, which {type(top).__name__} "
            "does not support; use it under grad, jvp, hessian or dl.cost."
        )
    return process(prim, operands, params)


class NoDerivative:
    """The tangent of a decomposition's output whose derivative does not exist at this point
    (eigenvectors where two eigenvalues are equal). Forward mode computes a tangent for every
    output, used or not; this one raises its ``ValueError`` only when something reads it, so a
    function of the eigenvalues alone is still differentiated there."""

    __slots__ = ("message",)
    __array_priority__ = 2000.0  # above a box's: NumPy hands mixed operations to this class

    def __init__(self, message: str) -> None:
        self.message = message

    def fail(self, *_: Any, **__: Any) -> Any:
        raise ValueError(self.message)

    __array_ufunc__ = __array_function__ = __getitem__ = __array__ = __bool__ = fail
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = fail
    __truediv__ = __rtruediv__ = __matmul__ = __rmatmul__ = __neg__ = __pow__ = fail

    def __getattr__(self, name: str) -> Any:  # .shape, .dtype, .T, .reshape, ...
        raise ValueError(self.message)


def _forward_multi(trace: ForwardTrace, prim: MultiPrimitive, operands: Sequence[Any],
                   params: dict) -> tuple[Any, ...]:  # fmt: skip
    primals, tangents = trace.unpack(operands)
    ans = bind_multi(prim, primals, params)
    ts = prim.jvp(tangents, ans, *primals, **params)
    return tuple(
        ForwardBox(a, lift(np.zeros(np.shape(strip(a)), np.result_type(strip(a))))
                   if t is None else t, trace)
        for a, t in zip(ans, ts)
    )  # fmt: skip


def _reverse_multi(trace: ReverseTrace, prim: MultiPrimitive, operands: Sequence[Any],
                   params: dict) -> tuple[Any, ...]:  # fmt: skip
    primals = []
    parents = []
    for x in operands:
        if type(x) is ReverseBox and x._trace is trace:
            primals.append(x.value)
            parents.append(x)
        else:
            primals.append(trace.keep(x) if type(x) is np.ndarray else x)
            parents.append(None)
    params = {k: trace.keep(v) for k, v in params.items()}
    ans = bind_multi(prim, primals, params)
    joint = trace.record(ans, prim, primals, params, parents)
    # each output's record comes after the joint node's: the sweep reaches it first
    return tuple(trace.record(a, proj, (), {}, (joint,)) for a, proj in zip(ans, prim.projections))


# ---- error messages that point at the user's line ----

_PKG_DIR = os.path.dirname(os.path.abspath(__file__))
_NUMPY_DIR = os.path.dirname(os.path.abspath(np.__file__))


def _where() -> str:
    """' (at file:line: code)' for the innermost frame outside derivlab and NumPy."""
    for frame in reversed(traceback.extract_stack(sys._getframe(1))):
        path = os.path.abspath(frame.filename)
        if path.startswith(_PKG_DIR) or path.startswith(_NUMPY_DIR):
            continue
        line = (frame.line or "").strip()
        return f"\n  at {frame.filename}:{frame.lineno}: {line}"
    return ""


def _conversion_message(call: str) -> str:
    return (
        f"derivlab: {call} would turn a traced value into a plain number or array and silently "
        "drop its derivative. Common causes and fixes:\n"
        "  * ndarray.dot(x) or a plain-array method on a traced value -> write a @ x or "
        "np.dot(a, x);\n"
        "  * np.array([...]) / np.asarray(x) of traced values -> np.stack([...]) or keep x;\n"
        "  * writing into a plain array, a[i] = x or a += x -> build the result with "
        "np.where, np.stack or np.concatenate;\n"
        "  * float(x) / x.item() -> keep x as an array (0-d arrays work everywhere)."
        f"{_where()}"
    )


# ---- the NumPy layer ----
# derivlab._numpy holds the functions that route NumPy calls on boxes to the rows of the table,
# so this module imports no rule and no NumPy layer of its own.


def install_numpy_layer(ufuncs: Callable, functions: Callable) -> None:
    """Make ``ufuncs`` and ``functions`` every box's ``__array_ufunc__`` and
    ``__array_function__`` (NumPy calls them once per operation: no wrapper in between)."""
    Box.__array_ufunc__ = ufuncs
    Box.__array_function__ = functions
