"""Symbolic derivatives: run the reader's plain NumPy function on SymPy symbols.

The same primitive table that drives forward and reverse mode drives this engine too. A
``SymbolicTrace`` boxes an object array of SymPy expressions; an elementwise row applies its
SymPy counterpart entry by entry, a structural row (sum, reshape, matmul, indexing, ...) runs
NumPy itself on the object array, and linear algebra goes through ``sympy.Matrix``. What comes out
is an exact expression, which SymPy then differentiates, simplifies or turns back into NumPy.

Example:
    >>> import numpy as np
    >>> derivative(lambda x: np.sin(x) ** 2)
    2*sin(x)*cos(x)
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import sympy as sp

from derivlab._core import Box, Primitive, Trace, strip
from derivlab._numpy import NONDIFF_UFUNCS

__all__ = [
    "expression",
    "derivative",
    "gradient",
    "jacobian",
    "hessian",
    "limit_definition",
    "difference_quotient",
    "lambdify",
    "symbols",
]

# ---- the symbolic trace ----


def _obj(x: Any) -> np.ndarray:
    """An object array (0-d for a scalar) holding SymPy expressions or numbers."""
    if isinstance(x, np.ndarray) and x.dtype == object:
        return x
    arr = np.empty(np.shape(x), dtype=object)
    if isinstance(x, np.ndarray) and np.issubdtype(x.dtype, np.floating):
        # whole numbers as SymPy Integers, so 2.0 * x prints as 2*x
        flat = [sp.Integer(int(v)) if v.is_integer() else v for v in x.ravel().tolist()]
        arr.reshape(-1)[:] = flat  # entry by entry (a list would not broadcast to 2-D)
        return arr
    arr[...] = x if not isinstance(x, np.ndarray) else x.astype(object)
    if arr.ndim == 0 and isinstance(x, (float, np.floating)) and np.isfinite(x):
        arr[()] = sp.nsimplify(float(x), rational=True)  # 0.5 -> 1/2, exactly as written
    return arr


def _elementwise(fn: Callable, nin: int) -> Callable:
    u = np.frompyfunc(fn, nin, 1)
    return lambda *xs: _obj(u(*(_obj(x) for x in xs)))


def _matrix_op(fn: Callable) -> Callable:
    def apply(a: np.ndarray, *rest: np.ndarray) -> np.ndarray:
        if a.ndim != 2:
            raise NotImplementedError(
                "derivlab.symbolic: linear algebra on stacks of matrices is not supported; "
                "pass a single 2-d matrix."
            )
        out = fn(sp.Matrix(a.tolist()), *rest)
        if isinstance(out, sp.MatrixBase):
            return _obj(np.array(out.tolist(), dtype=object).reshape(out.shape))
        return _obj(out)

    return apply


def _solve(a: sp.Matrix, b: np.ndarray) -> sp.Matrix:
    rhs = sp.Matrix(b.tolist()) if b.ndim == 2 else sp.Matrix(list(b))
    x = a.LUsolve(rhs)
    return x if b.ndim == 2 else sp.Matrix(list(x)).T.reshape(1, len(x))


def _extremum(fn: Callable) -> Callable:
    reducer = np.frompyfunc(fn, 2, 1)
    return lambda x, *, axis, keepdims: _obj(reducer.reduce(x, axis=axis, keepdims=keepdims))


# rows whose object-array NumPy implementation cannot work on expressions
_OVERRIDES: dict[str, Callable] = {
    "linalg.inv": _matrix_op(lambda m: m.inv()),
    "linalg.det": _matrix_op(lambda m: m.det()),
    "linalg.solve": lambda a, b: _matrix_op(_solve)(a, b).reshape(b.shape),
    "amax": _extremum(sp.Max),
    "amin": _extremum(sp.Min),
    "astype": lambda x, *, dtype: x,
    "where": lambda x, y, *, cond: _elementwise(lambda c, a, b: sp.Piecewise((a, c), (b, True)), 3)(
        cond, x, y
    ),
}


def _slogdet(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    det = _matrix_op(lambda m: m.det())(a)[()]
    return _obj(sp.sign(det)), _obj(sp.log(sp.Abs(det)))


# rows with several outputs (derivlab._core.MultiPrimitive) that have a symbolic counterpart
_MULTI_OVERRIDES: dict[str, Callable] = {"linalg.slogdet": _slogdet}


class SymbolicTrace(Trace):
    """Evaluates each primitive on object arrays of SymPy expressions."""

    __slots__ = ()

    def process_multi(self, prim: Primitive, operands: Sequence[Any], params: dict) -> Any:
        vals = [x.value if isinstance(x, SymBox) else x for x in operands]
        override = _MULTI_OVERRIDES.get(prim.name)
        if override is None or any(isinstance(v, Box) for v in vals):
            raise NotImplementedError(
                f"derivlab.symbolic: np.{prim.name} has no symbolic counterpart here (nor can "
                "it be mixed with grad/jvp); evaluate its derivative at a point with derivlab.grad."
            )
        return tuple(SymBox(out, self) for out in override(*(_obj(v) for v in vals), **params))

    def process(self, prim: Primitive, operands: Sequence[Any], params: dict) -> Any:
        vals = [x.value if isinstance(x, SymBox) else x for x in operands]
        if any(isinstance(v, Box) for v in vals):
            raise NotImplementedError(
                "derivlab.symbolic cannot be mixed with grad/jvp inside one function; "
                "trace the plain function with derivlab.symbolic.expression instead."
            )
        override = _OVERRIDES.get(prim.name)
        if override is not None:
            out = override(*(_obj(v) for v in vals), **params)
        elif prim.sympy is not None:
            out = _elementwise(prim.sympy, len(vals))(*vals)
        else:
            out = _obj(prim.impl(*(_obj(v) for v in vals), **params))
        return SymBox(out, self)


_SYMPY_NONDIFF = {
    np.sign: sp.sign,
    np.floor: sp.floor,
    np.ceil: sp.ceiling,
    np.greater: sp.StrictGreaterThan,
    np.greater_equal: sp.GreaterThan,
    np.less: sp.StrictLessThan,
    np.less_equal: sp.LessThan,
    np.equal: sp.Eq,
    np.not_equal: sp.Ne,
    np.logical_and: sp.And,
    np.logical_or: sp.Or,
    np.logical_not: sp.Not,
}


class SymBox(Box):
    """An object array of SymPy expressions travelling through NumPy code."""

    __slots__ = ()

    def __init__(self, value: np.ndarray, trace: SymbolicTrace) -> None:
        self.value = value
        self._trace = trace

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if ufunc in NONDIFF_UFUNCS and method == "__call__" and not kwargs:
            fn = _SYMPY_NONDIFF.get(ufunc)
            if fn is None:
                raise NotImplementedError(
                    f"derivlab.symbolic: np.{ufunc.__name__} has no symbolic counterpart."
                )
            # a boxed relation: np.where turns it into a Piecewise, `if` on it raises below
            return SymBox(_elementwise(fn, len(inputs))(*(strip(x) for x in inputs)), self._trace)
        return super().__array_ufunc__(ufunc, method, *inputs, **kwargs)

    # comparisons give SymPy relations (used by np.where -> Piecewise)
    def __gt__(self, other: Any) -> Any:
        return np.greater(self, other)

    def __ge__(self, other: Any) -> Any:
        return np.greater_equal(self, other)

    def __lt__(self, other: Any) -> Any:
        return np.less(self, other)

    def __le__(self, other: Any) -> Any:
        return np.less_equal(self, other)

    def __bool__(self) -> bool:
        raise TypeError(
            "derivlab.symbolic: the function branches on the value of its input (an `if` or "
            "`while` on x), which a symbol does not have. Write the branch with np.where so it "
            "becomes a SymPy Piecewise, or evaluate at a point with derivlab.grad instead."
        )


# ---- tracing a plain NumPy function ----


def symbols(name: str, shape: tuple[int, ...] = ()) -> Any:
    """A real SymPy symbol, or an object array of them named ``name0, name1, ...`` for a shape.

    Example:
        >>> symbols("w", (2,))
        array([w0, w1], dtype=object)
    """
    if not shape:
        return sp.Symbol(name, real=True)
    size = int(np.prod(shape))
    flat = [sp.Symbol(f"{name}{i}", real=True) for i in range(size)]
    return np.array(flat, dtype=object).reshape(shape)


def _spec_to_symbols(spec: Any) -> Any:
    if isinstance(spec, str):
        return symbols(spec)
    if isinstance(spec, sp.Basic):
        return spec
    if isinstance(spec, np.ndarray) and spec.dtype == object:
        return spec
    if isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[0], str):
        shape = (spec[1],) if isinstance(spec[1], int) else tuple(spec[1])
        return symbols(spec[0], shape)
    raise TypeError(
        f"derivlab.symbolic: cannot make symbols from {spec!r}; give a name 'x', a pair "
        "('w', shape) for an array of symbols, or a SymPy Symbol."
    )


def _default_names(f: Callable) -> list[str]:
    try:
        params = inspect.signature(f).parameters.values()
    except (TypeError, ValueError):
        return ["x"]
    names = [
        p.name
        for p in params
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
    ]
    return names or ["x"]


def _to_sympy(out: Any) -> Any:
    arr = _obj(strip(out))
    if arr.ndim == 0:
        return sp.sympify(arr[()])
    if arr.ndim <= 2:
        return sp.Matrix(arr.tolist()) if arr.ndim == 2 else sp.Matrix(list(arr))
    return sp.Array(arr.tolist())


def expression(f: Callable, *names: Any) -> Any:
    """Trace a plain NumPy function with SymPy symbols and return the expression it computes.

    Args:
        f: a function written with ordinary NumPy (``np.sin``, ``@``, ``x.sum()`` ...).
        *names: one per positional argument: a name ``"x"``, a pair ``("w", 3)`` for a vector
            of symbols ``w0, w1, w2``, or SymPy symbols. Defaults to f's parameter names.

    Returns:
        A SymPy expression (scalar output), a column ``Matrix`` (vector output), a ``Matrix``
        (matrix output) or an ``Array``.

    Example:
        >>> expression(lambda x, y: np.exp(x) * y)
        y*exp(x)
    """
    if not callable(f):
        raise TypeError(f"expression: expected a function, got {type(f).__name__}.")
    names = names or tuple(_default_names(f))
    trace = SymbolicTrace()
    args = [SymBox(_obj(_spec_to_symbols(n)), trace) for n in names]
    return _to_sympy(f(*args))


def _free_symbols_sorted(expr: Any) -> list[sp.Symbol]:
    return sorted(expr.free_symbols, key=lambda s: s.name)


def _as_expr_and_vars(f_or_expr: Any, wrt: Sequence[Any]) -> tuple[Any, list[Any]]:
    if callable(f_or_expr) and not isinstance(f_or_expr, sp.Basic):
        if wrt:
            expr = expression(f_or_expr, *wrt)
            variables: list[Any] = []
            for spec in wrt:
                s = _spec_to_symbols(spec)
                variables.extend(np.ravel(s).tolist() if isinstance(s, np.ndarray) else [s])
            return expr, variables
        names = _default_names(f_or_expr)
        expr = expression(f_or_expr, *names)
        return expr, [symbols(n) for n in names]
    expr = sp.sympify(f_or_expr)
    if wrt:
        return expr, [_spec_to_symbols(w) if isinstance(w, str) else w for w in wrt]
    return expr, _free_symbols_sorted(expr)


def derivative(f_or_expr: Any, *wrt: Any, n: int = 1) -> Any:
    """dⁿf/dxⁿ as a SymPy expression, from a plain NumPy function or a SymPy expression.

    Args:
        f_or_expr: a function of one scalar (traced with :func:`expression`) or an expression.
        *wrt: the variable (name or Symbol); needed only when there is more than one.
        n: the order of the derivative, a positive integer.

    Returns:
        The derivative as SymPy computes it, not simplified (call ``sympy.simplify`` on it).

    Example:
        >>> derivative(lambda x: x**3, n=2)
        6*x
    """
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
        raise ValueError(f"derivative: n must be a positive integer, got {n!r}.")
    expr, variables = _as_expr_and_vars(f_or_expr, wrt)
    if len(variables) != 1:
        raise ValueError(
            f"derivative: the function has {len(variables)} variables "
            f"({', '.join(map(str, variables)) or 'none'}); name the one to differentiate, "
            "e.g. derivative(f, 'x'), or use gradient/jacobian for all of them."
        )
    return sp.diff(expr, variables[0], n)


def gradient(f_or_expr: Any, *wrt: Any) -> sp.Matrix:
    """∇f as a column ``Matrix`` of partial derivatives ∂f/∂xᵢ.

    Example:
        >>> gradient(lambda x, y: x**2 * y)
        Matrix([
        [2*x*y],
        [ x**2]])
    """
    expr, variables = _as_expr_and_vars(f_or_expr, wrt)
    if isinstance(expr, (sp.MatrixBase, sp.Array)):
        raise TypeError("gradient: f must return a scalar; use jacobian for a vector output.")
    return sp.Matrix([sp.diff(expr, v) for v in variables])


def jacobian(f_or_expr: Any, *wrt: Any) -> sp.Matrix:
    """The Jacobian matrix ``J[i, j] = ∂fᵢ/∂xⱼ``."""
    expr, variables = _as_expr_and_vars(f_or_expr, wrt)
    column = expr if isinstance(expr, sp.MatrixBase) else sp.Matrix([expr])
    return column.reshape(len(column), 1).jacobian(variables)


def hessian(f_or_expr: Any, *wrt: Any) -> sp.Matrix:
    """The Hessian matrix ``H[i, j] = ∂²f/∂xᵢ∂xⱼ``."""
    expr, variables = _as_expr_and_vars(f_or_expr, wrt)
    if isinstance(expr, (sp.MatrixBase, sp.Array)):
        raise TypeError("hessian: f must return a scalar.")
    return sp.hessian(expr, variables)


# ---- the limit definition ----


def difference_quotient(f: Callable, name: str = "x", step: str = "h") -> Any:
    """The difference quotient ``(f(x + h) - f(x)) / h`` as a SymPy expression."""
    x, h = symbols(name), symbols(step)
    fx = expression(f, x)
    fxh = expression(f, x + h)
    return (fxh - fx) / h


def limit_definition(f: Callable, x0: Any = None, name: str = "x") -> Any:
    """f'(x) = lim_{h→0} (f(x + h) - f(x)) / h, computed by SymPy's ``limit``.

    Args:
        f: a plain NumPy function of one scalar.
        x0: evaluate the limit at this point (a number); by default the result is a function of x.
        name: the name of the variable.

    Returns:
        The simplified limit (a SymPy expression).

    Example:
        >>> limit_definition(lambda x: x**2)
        2*x
    """
    q = difference_quotient(f, name)
    if x0 is not None:
        q = q.subs(symbols(name), sp.nsimplify(x0))
    # Both one-sided limits, each with a positive step t (h = t and h = -t): with a sign on the
    # step, SymPy resolves Piecewise/Max/Abs branches exactly instead of guessing.
    t = sp.Symbol("t", positive=True)
    h = symbols("h")
    right, left = (
        sp.limit(sp.piecewise_fold(q.subs(h, step).rewrite(sp.Piecewise)), t, 0, "+")
        for step in (t, -t)
    )
    if sp.simplify(right - left) != 0:
        at = f" at x = {x0}" if x0 is not None else ""
        raise ValueError(
            f"limit_definition: the one-sided limits differ{at} (from the right {right}, from "
            f"the left {left}), so f is not differentiable there."
        )
    return sp.simplify(right)


def lambdify(expr: Any, *variables: Any) -> Callable:
    """Turn a SymPy expression back into a NumPy function (arguments in ``variables`` order)."""
    if not variables:
        variables = tuple(_free_symbols_sorted(sp.sympify(expr)))
    syms = [_spec_to_symbols(v) if isinstance(v, str) else v for v in variables]
    return sp.lambdify(syms, expr, modules="numpy")
