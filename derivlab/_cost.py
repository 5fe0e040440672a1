"""Cost accounting: the work a function does, counted through the primitive table.

:func:`cost` runs a function once under a third trace beside forward and reverse mode, the
*counting trace*. Its boxes pass every value through unchanged and tally each primitive
application: how many (``ops``), which (``by_primitive``) and how much arithmetic (``flops``,
by the model below). The engines cooperate: the constants they make themselves (the seed
cotangent of ``grad``, the basis tangents of ``jacfwd``, the one-hot cotangents of ``jacrev``)
are lifted into the counting trace, so ``cost(grad(f), x)`` counts the forward pass *and* the
backward sweep, and ``cost(hessian(f), x)`` counts every nested pass.

The counts depend only on the program and the shapes of its inputs, never on the machine or
its load, so the book asserts cost claims on them and shows timings only as illustrations.

The flop model (one "flop" is one floating-point add or multiply):

* an elementwise operation costs one per output element (``sin``, ``+``, ``where`` …);
* a reduction costs one per input element (``sum``, ``max``, ``prod``, ``cumsum``);
* ``a @ b`` with ``a`` of shape ``(…, m, k)`` costs ``2·m·k·n`` per matrix of the batch;
  ``einsum`` with p operands costs p per combination of its index values (``2mkn`` again for
  a matrix product);
* ``inv`` costs ``2n³``, ``det`` and ``slogdet`` ``(2/3)n³`` (an LU factorisation), and
  ``solve`` ``(2/3)n³ + 2n²k`` for k right-hand sides, per matrix of the batch;
* a decomposition is one application however many arrays it returns (``w, V = eigh(A)``
  counts once), at Golub and Van Loan's counts per m×n matrix (m ≥ n): ``eigh`` ``9n³``,
  ``eigvalsh`` ``(4/3)n³``, ``svd`` ``14mn² + 8n³``, ``svdvals`` ``4mn² − (4/3)n³``, ``qr``
  ``4mn² − (4/3)n³``;
* an FFT over N points costs ``5 N log₂ N`` per transform (the usual radix-2 count), a real
  one (``rfftn``, ``irfftn``) half of that; the real and imaginary parts of a complex
  transform are two rows, and each counts a whole transform (derivlab computes it twice);
* moving data costs nothing: ``reshape``, ``transpose``, indexing, ``concatenate``,
  ``broadcast_to``, ``pad``, ``diagonal``, ``astype``; the adjoint of indexing (``untake``)
  costs one add per element it scatters.

Work that never touches a traced value (arithmetic on constants inside ``f``) is not counted:
the counting trace sees what depends on the arguments, as every trace does.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from derivlab import _core
from derivlab._core import Box, Primitive, Trace, bind, strip
from derivlab._tree import tree_flatten, tree_unflatten

# ---- the flop model ----

# rows that only move or reinterpret data
_MOVES = {
    "reshape", "transpose", "getitem", "concatenate", "stack", "broadcast_to", "pad", "diagonal",
    "astype", "positive",
}  # fmt: skip
_REDUCTIONS = {"sum", "amax", "amin", "prod", "cumsum"}
_LU = {"linalg.det", "linalg.slogdet"}


def _size(x: Any) -> int:
    return math.prod(np.shape(strip(x)))


def _matrices(a: Any) -> tuple[int, int]:
    """(how many n×n matrices in a batch, n)."""
    shape = np.shape(strip(a))
    return math.prod(shape[:-2]), shape[-1]


def flops(name: str, operands: list[Any], ans: Any, params: dict) -> int:
    """The flop count of one application of row ``name`` (see the module docstring)."""
    if name in _MOVES:
        return 0
    if name in _REDUCTIONS:
        return _size(operands[0])
    if name == "untake":
        return _size(operands[0])
    if name == "matmul":
        a = np.shape(strip(operands[0]))
        k = a[-1] if a else 1
        return 2 * max(_size(ans), 1) * k
    if name == "einsum":
        from derivlab._primitives import _einsum_parse

        shapes = [np.shape(strip(x)) for x in operands]
        ins, _ = _einsum_parse(params["spec"], shapes)
        sizes: dict[str, int] = {}
        for sub, shape in zip(ins, shapes):
            sizes.update(zip(sub, shape))
        return len(operands) * math.prod(sizes.values())
    if name == "linalg.inv":
        batch, n = _matrices(operands[0])
        return batch * 2 * n**3
    if name in _LU:
        batch, n = _matrices(operands[0])
        return batch * (2 * n**3) // 3
    if name == "linalg.solve":
        batch, n = _matrices(operands[0])
        rhs = _size(operands[1]) // max(batch * n, 1)
        return batch * ((2 * n**3) // 3 + 2 * n * n * rhs)
    if name.startswith("fft."):
        return _fft_flops(name, operands, ans, params)
    if name in _DECOMPOSITIONS:
        return _decomposition_flops(name, operands[0])
    return _size(ans)  # elementwise: one per output element


# Golub & Van Loan's operation counts, per m×n matrix of the batch (m ≥ n; a wide matrix
# counts as its transpose): each row is ONE decomposition, whatever it returns
_DECOMPOSITIONS = {"linalg.eigh", "linalg.eigvalsh", "linalg.svd", "linalg.svdvals", "linalg.qr"}


def _decomposition_flops(name: str, a: Any) -> int:
    shape = np.shape(strip(a))
    batch, m, n = math.prod(shape[:-2]), max(shape[-2:]), min(shape[-2:])
    if name == "linalg.eigh":  # symmetric QR algorithm, eigenvalues and eigenvectors
        per = 9 * n**3
    elif name == "linalg.eigvalsh":  # eigenvalues only
        per = (4 * n**3) // 3
    elif name == "linalg.svd":  # Golub–Reinsch, thin U, S and V
        per = 14 * m * n * n + 8 * n**3
    elif name == "linalg.svdvals":  # singular values only
        per = 4 * m * n * n - (4 * n**3) // 3
    else:  # linalg.qr: Householder R, 2n²(m - n/3), and as much again to form the thin Q
        per = 4 * n * n * m - (4 * n**3) // 3
    return batch * per


def _fft_flops(name: str, operands: list[Any], ans: Any, params: dict) -> int:
    """5 N log₂ N per transform of N points (half for a real transform), over the batch."""
    signal = ans if name == "fft.irfftn" else operands[0]
    shape = np.shape(strip(signal))
    points = math.prod(shape[a] for a in params["axes"])
    if points <= 1:
        return 0
    per_point = 2.5 if name.startswith(("fft.rfftn", "fft.irfftn")) else 5.0
    return int(round(per_point * _size(signal) * math.log2(points)))


# ---- the counting trace ----


class CountTrace(Trace):
    """A trace that applies each primitive unchanged and writes it into a :class:`Cost`."""

    __slots__ = ("cost",)

    def __init__(self, cost: Cost) -> None:
        super().__init__()
        self.cost = cost

    def process(self, prim: Primitive, operands: Any, params: dict) -> Any:
        primals = [x.value if type(x) is CountBox and x._trace is self else x for x in operands]
        ans = bind(prim, primals, params)  # an enclosing trace, else the impl
        self.cost._add(prim.name, flops(prim.name, primals, ans, params))
        return CountBox(ans, self)

    def process_multi(self, prim: Primitive, operands: Any, params: dict) -> tuple[Any, ...]:
        primals = [x.value if type(x) is CountBox and x._trace is self else x for x in operands]
        ans = _core.bind_multi(prim, primals, params)  # one application, whatever it returns
        self.cost._add(prim.name, flops(prim.name, primals, ans, params))
        return tuple(CountBox(a, self) for a in ans)

    def lift(self, x: Any) -> Any:
        return CountBox(x, self)

    def note(self, name: str, flop_count: int) -> None:
        self.cost._add(name, flop_count)


class CountBox(Box):
    """A value watched by a :class:`CountTrace`: it behaves exactly like the array it holds."""

    __slots__ = ()

    def __init__(self, value: Any, trace: CountTrace) -> None:
        self.value = value
        self._trace = trace


# ---- the result ----


class Cost:
    """What one run of a function cost, counted through derivlab's primitive table.

    Attributes:
        ops: primitive applications (every NumPy operation on a traced value, the engines'
            own rules included).
        flops: floating-point operations, by the model that :func:`cost` documents.
        by_primitive: ``{row name: number of applications}``, most frequent first.
        flops_by_primitive: ``{row name: flops}``, in the same order.
        calls: how many times the user's function was entered: 1 for a plain function, the
            number of evaluations for a transform of it (``jacfwd(f)`` enters f once per input
            entry, ``numeric.gradient(f, x)`` 2n times with central differences).
        tape_bytes: the most bytes of intermediate arrays that reverse mode's tapes held alive
            at once for a backward sweep (the outputs of every recorded operation); 0 without
            reverse mode. Sweeps one after another (``jacrev``'s rows, ``hessian``'s
            directions) count once; a sweep inside another (a checkpointed segment recomputed
            during the outer sweep) adds to it.
        value: what the function returned.
    """

    def __init__(self) -> None:
        self._ops: dict[str, int] = {}
        self._flops: dict[str, int] = {}
        self.calls = 0
        self.tape_bytes = 0
        self.value: Any = None
        self._live = 0

    def _hold(self, nbytes: int) -> None:
        self._live += nbytes
        self.tape_bytes = max(self.tape_bytes, self._live)

    def _add(self, name: str, flop_count: int) -> None:
        self._ops[name] = self._ops.get(name, 0) + 1
        self._flops[name] = self._flops.get(name, 0) + int(flop_count)

    @property
    def ops(self) -> int:
        return sum(self._ops.values())

    @property
    def flops(self) -> int:
        return sum(self._flops.values())

    @property
    def by_primitive(self) -> dict[str, int]:
        return dict(sorted(self._ops.items(), key=lambda kv: (-kv[1], kv[0])))

    @property
    def flops_by_primitive(self) -> dict[str, int]:
        return {name: self._flops[name] for name in self.by_primitive}

    def __repr__(self) -> str:
        return (
            f"Cost(ops={self.ops:,}, flops={self.flops:,}, calls={self.calls}, "
            f"tape_bytes={self.tape_bytes:,})"
        )

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td><code>{name}</code></td><td>{n:,}</td><td>{self._flops[name]:,}</td></tr>"
            for name, n in self.by_primitive.items()
        )
        return (
            "<table><thead><tr><th>primitive</th><th>ops</th><th>flops</th></tr></thead>"
            f"<tbody>{rows}<tr><th>total</th><th>{self.ops:,}</th><th>{self.flops:,}</th></tr>"
            f"</tbody></table><p>calls of the function: {self.calls}; "
            f"tape kept for the backward sweep: {self.tape_bytes:,} bytes</p>"
        )


# ---- the transformation ----


def _lift_arg(x: Any, trace: CountTrace) -> Any:
    leaves, treedef = tree_flatten(x)
    lifted = [
        trace.lift(leaf)
        if isinstance(leaf, (float, np.floating, np.ndarray, Box))
        and np.issubdtype(np.result_type(strip(leaf)), np.floating)
        else leaf
        for leaf in leaves
    ]
    return tree_unflatten(treedef, lifted)


def _evaluates_functions(f: Any) -> bool:
    """Whether f is a finite-difference routine: it evaluates a function at plain points."""
    while isinstance(f, functools.partial):
        f = f.func
    from derivlab import numeric

    return f in (numeric.derivative, numeric.gradient, numeric.jacobian, numeric.hessian)


def _counted(g: Callable, trace: CountTrace) -> Callable:
    """g, with each call counted and its work traced (for finite differences)."""

    @functools.wraps(g)
    def run(*args: Any, **kwargs: Any) -> Any:
        trace.cost.calls += 1
        return _unbox(g(*(_lift_arg(a, trace) for a in args), **kwargs), trace)

    return run


def _unbox(x: Any, trace: CountTrace) -> Any:
    leaves, treedef = tree_flatten(x)
    return tree_unflatten(
        treedef, [v.value if type(v) is CountBox and v._trace is trace else v for v in leaves]
    )


def cost(f: Callable, *args: Any, **kwargs: Any) -> Cost:
    """Run ``f(*args, **kwargs)`` once and count its work: ``ops``, ``flops``, ``calls``, ….

    Float arguments (arrays, scalars, and tuples/lists/dicts of them) are traced; other
    arguments (functions, integers, strings) are passed as they are. ``f`` may be a plain NumPy
    function or any derivlab transform of one: ``cost(grad(f), x)`` counts the forward pass
    and the backward sweep, ``cost(jacfwd(f), x)`` one forward pass per input entry. For the
    finite-difference routines of :mod:`derivlab.numeric` (``cost(numeric.gradient, f, x)``)
    it counts every evaluation of ``f`` and the work done inside it, not the few operations
    that combine the values into a stencil. The same program on inputs of the same shapes
    gives the same counts on every machine.

    The flop model (one flop is one floating-point add or multiply): an elementwise operation
    costs one per output element; a reduction one per input element; ``a @ b`` with ``a`` of
    shape ``(…, m, k)`` and ``b`` of shape ``(…, k, n)`` costs ``2·m·k·n`` per matrix of the
    batch, and ``einsum`` with p operands p per combination of its index values; ``inv``
    ``2n³``, ``det``/``slogdet`` ``(2/3)n³`` and ``solve`` ``(2/3)n³ + 2n²k``; a
    decomposition (``eigh``, ``svd``, ``qr``) is one application whatever it returns, at
    Golub and Van Loan's count (``eigh`` ``9n³``); moving data
    (reshape, transpose, indexing, concatenate) costs nothing, and the adjoint of indexing one
    add per element it scatters.

    Args:
        f: the function to run.
        args: its positional arguments.
        kwargs: its keyword arguments, passed as they are.

    Returns:
        A :class:`Cost`; ``.value`` holds what ``f`` returned.

    Example:
        >>> c = cost(lambda a, b: a @ b, np.ones((2, 3)), np.ones((3, 4)))
        >>> c.ops, c.flops
        (1, 48)
    """
    if not callable(f):
        raise TypeError(f"cost: expected a function, got {type(f).__name__}.")
    result = Cost()
    trace = CountTrace(result)
    if _evaluates_functions(f):
        # finite differences: the points x ± h·e are plain, f's work at each is counted
        lifted = [_counted(a, trace) if callable(a) else a for a in args]
    else:
        lifted = [_lift_arg(a, trace) for a in args]
    _core._COUNTERS.append(trace)
    try:
        if not (is_transform(f) or _evaluates_functions(f)):
            result.calls += 1  # the user's function itself; transforms count their own calls
        out = f(*lifted, **kwargs)
    finally:
        _core._COUNTERS.remove(trace)
    result.value = _unbox(out, trace)
    return result


def is_transform(f: Any) -> bool:
    """Whether f is one of derivlab's transforms (its calls of the user's f are counted)."""
    while isinstance(f, functools.partial):
        f = f.func
    return bool(getattr(f, "_derivlab_transform", False))


def transform(wrapped: Callable) -> Callable:
    """Mark a derivlab transform, so :func:`cost` counts the calls it makes, not its own."""
    wrapped._derivlab_transform = True  # type: ignore[attr-defined]
    return wrapped
