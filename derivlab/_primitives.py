"""The primitive table: one row per NumPy function, read by forward mode, reverse mode and SymPy.

A row (:class:`~derivlab._core.Primitive`) holds the function's NumPy callable, its SymPy
counterpart where one exists, and its derivative rule. Rules are written with NumPy calls, so
when the values are themselves boxes (a derivative of a derivative) the rules are traced too.

Three kinds of entries:

* **elementwise rows** state one local derivative ``f'(x)``; JVP is ``t · f'(x)`` and VJP is
  ``g · f'(x)``, so forward and reverse read literally the same formula;
* **structural rows** (sums, reshapes, indexing, matmul, linear algebra) state a JVP and a VJP;
* **composites** (``mean``, ``var``, ``stack``, ``clip``, ``dot`` …) are written in terms of rows
  and need no rule of their own.

Non-differentiable points follow PyTorch's conventions: ``|x|'(0) = 0``, ``sign' = 0``,
``maximum``/``minimum`` split the gradient evenly on ties, ``max``/``min`` reductions split it
evenly among tied maxima, ``clip`` passes the gradient on the closed interval ``[lo, hi]``, and
``sqrt'(0) = inf`` as the formula says. (``derivlab.nn.relu`` uses ``np.where(x > 0, x, 0)``, so
``relu'(0) = 0``.)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import sympy as sp

from derivlab._core import Box, Primitive, bind, strip, strip_all

# ---- the registry ----

PRIMITIVES: dict[str, Primitive] = {}  # name -> row (every row, for the table-driven tests)
UFUNCS: dict[np.ufunc, Primitive] = {}  # ufunc -> row
FUNCTIONS: dict[Callable, Callable] = {}  # np function -> its implementation on boxes
COMPOSITES: dict[str, Callable] = {}  # name -> composite implementation (documentation/tests)

# ufuncs with a derivative that is zero wherever it exists: the result is a constant
NONDIFF_UFUNCS = {
    np.sign, np.floor, np.ceil, np.rint, np.trunc, np.greater, np.greater_equal, np.less,
    np.less_equal, np.equal, np.not_equal, np.logical_and, np.logical_or, np.logical_not,
    np.logical_xor, np.isnan, np.isinf, np.isfinite, np.signbit, np.heaviside,
}  # fmt: skip

# NumPy functions whose result does not depend differentiably on array values
NONDIFF_FUNCTIONS = {
    np.shape, np.ndim, np.size, np.zeros_like, np.ones_like, np.empty_like, np.full_like,
    np.argmax, np.argmin, np.argsort, np.nonzero, np.flatnonzero, np.isclose, np.allclose,
    np.array_equal, np.round, np.around, np.result_type, np.iscomplexobj, np.isrealobj,
    np.any, np.all, np.count_nonzero, np.sign, np.isnan, np.isfinite, np.isinf,
    np.searchsorted, np.may_share_memory, np.shares_memory, np.sort_complex,
}  # fmt: skip


def _register(prim: Primitive, ufunc: np.ufunc | None = None) -> Primitive:
    PRIMITIVES[prim.name] = prim
    if ufunc is not None:
        UFUNCS[ufunc] = prim
    return prim


def implements(np_func: Callable, name: str | None = None) -> Callable:
    """Register the implementation of ``np_func`` on boxes (a composite or a row adapter)."""

    def deco(fn: Callable) -> Callable:
        FUNCTIONS[np_func] = fn
        COMPOSITES[name or np_func.__name__] = fn
        return fn

    return deco


# ---- broadcasting ----


def unbroadcast(g: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``g`` down to ``shape``: the adjoint of NumPy's broadcasting."""
    gshape = np.shape(g)
    if gshape == shape:
        return g
    lead = len(gshape) - len(shape)
    if lead > 0:
        g = np.sum(g, axis=tuple(range(lead)))
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and np.shape(g)[i] != 1)
    if axes:
        g = np.sum(g, axis=axes, keepdims=True)
    return g


def _shape(x: Any) -> tuple[int, ...]:
    return np.shape(strip(x))


# ---- elementwise rows: one local derivative serves both modes ----


def elementwise(
    ufunc: np.ufunc,
    deriv: Callable[[Any, Any], Any],
    *,
    sympy: Any = None,
    torch: str | None = None,
    domain: str = "real",
    kink: str | None = None,
) -> Primitive:
    """Row for a unary elementwise y = f(x) with local derivative ``deriv(x, y) = f'(x)``."""

    def jvp(tangents: list, ans: Any, x: Any) -> Any:
        return tangents[0] * deriv(x, ans)  # t_y = f'(x) t_x

    def vjp(i: int, g: Any, ans: Any, x: Any) -> Any:
        return g * deriv(x, ans)  # g_x = g_y f'(x)

    prim = Primitive(
        ufunc.__name__, ufunc, jvp, vjp, sympy=sympy, torch=torch, domain=domain, kink=kink, nin=1
    )
    return _register(prim, ufunc)


_ONE = 1  # marks a partial derivative equal to 1 (no multiply needed)


def binary(
    ufunc: np.ufunc,
    dx: Any,
    dy: Any,
    *,
    sympy: Any = None,
    torch: str | None = None,
    domain: str = "real",
    kink: str | None = None,
) -> Primitive:
    """Row for z = f(x, y) with partials ``dx(x, y, z) = ∂z/∂x``, ``dy(x, y, z) = ∂z/∂y``.

    A partial may be ``1`` or ``-1`` (no multiply). Broadcasting is handled once, here: tangents
    are broadcast up to z's shape, cotangents are summed back down to each operand's shape.
    """
    partials = (dx, dy)

    def term(p: Any, v: Any, x: Any, y: Any, z: Any) -> Any:
        if p is _ONE:
            return v
        if isinstance(p, int):
            return -v
        return v * p(x, y, z)

    def jvp(tangents: list, ans: Any, x: Any, y: Any) -> Any:
        out = None
        for p, t in zip(partials, tangents):
            if t is not None:
                d = term(p, t, x, y, ans)
                out = d if out is None else out + d
        if np.shape(out) != np.shape(ans):
            out = np.broadcast_to(out, np.shape(ans))
        return out

    def vjp(i: int, g: Any, ans: Any, x: Any, y: Any) -> Any:
        return unbroadcast(term(partials[i], g, x, y, ans), _shape(x if i == 0 else y))

    prim = Primitive(
        ufunc.__name__, ufunc, jvp, vjp, sympy=sympy, torch=torch, domain=domain, kink=kink, nin=2
    )
    return _register(prim, ufunc)


# fmt: off
# ---- the elementwise table ----
#        numpy           f'(x) from x and y = f(x), then the SymPy and torch counterparts
elementwise(np.negative, lambda x, y: -np.ones_like(y), sympy=lambda a: -a, torch="neg")
elementwise(np.positive, lambda x, y: np.ones_like(y), sympy=lambda a: a, torch="positive")
elementwise(np.absolute, lambda x, y: np.sign(x), sympy=sp.Abs, torch="abs",
            kink="|x|'(0) = 0 (PyTorch's convention: sign(0) = 0)")
elementwise(np.exp,      lambda x, y: y, sympy=sp.exp, torch="exp")
elementwise(np.exp2,     lambda x, y: y * math.log(2.0), sympy=lambda a: 2**a, torch="exp2")
elementwise(np.expm1,    lambda x, y: y + 1.0, sympy=lambda a: sp.exp(a) - 1,
            torch="expm1")
elementwise(np.log,      lambda x, y: 1.0 / x, sympy=sp.log, torch="log",
            domain="positive")
elementwise(np.log2,     lambda x, y: 1.0 / (x * math.log(2.0)), sympy=lambda a: sp.log(a, 2),
            torch="log2", domain="positive")
elementwise(np.log10,    lambda x, y: 1.0 / (x * math.log(10.0)), sympy=lambda a: sp.log(a, 10),
            torch="log10", domain="positive")
elementwise(np.log1p,    lambda x, y: 1.0 / (1.0 + x), sympy=lambda a: sp.log(1 + a),
            torch="log1p", domain="positive")
elementwise(np.sqrt,     lambda x, y: 0.5 / y, sympy=sp.sqrt, torch="sqrt",
            domain="positive", kink="sqrt'(0) = inf, as the formula says")
elementwise(np.cbrt,     lambda x, y: 1.0 / (3.0 * y * y), sympy=sp.cbrt, torch=None,
            domain="positive")
elementwise(np.square,   lambda x, y: 2.0 * x, sympy=lambda a: a**2, torch="square")
elementwise(np.reciprocal, lambda x, y: -y * y, sympy=lambda a: 1 / a,
            torch="reciprocal", domain="positive")
elementwise(np.sin,      lambda x, y: np.cos(x), sympy=sp.sin, torch="sin")
elementwise(np.cos,      lambda x, y: -np.sin(x), sympy=sp.cos, torch="cos")
elementwise(np.tan,      lambda x, y: 1.0 + y * y, sympy=sp.tan, torch="tan",
            domain="unit")
elementwise(np.arcsin,   lambda x, y: 1.0 / np.sqrt(1.0 - x * x), sympy=sp.asin, torch="asin",
            domain="unit")
elementwise(np.arccos,   lambda x, y: -1.0 / np.sqrt(1.0 - x * x), sympy=sp.acos, torch="acos",
            domain="unit")
elementwise(np.arctan,   lambda x, y: 1.0 / (1.0 + x * x), sympy=sp.atan, torch="atan")
elementwise(np.sinh,     lambda x, y: np.cosh(x), sympy=sp.sinh, torch="sinh")
elementwise(np.cosh,     lambda x, y: np.sinh(x), sympy=sp.cosh, torch="cosh")
elementwise(np.tanh,     lambda x, y: 1.0 - y * y, sympy=sp.tanh, torch="tanh")
elementwise(np.arcsinh,  lambda x, y: 1.0 / np.sqrt(x * x + 1.0), sympy=sp.asinh, torch="asinh")
elementwise(np.arccosh,  lambda x, y: 1.0 / np.sqrt(x * x - 1.0), sympy=sp.acosh, torch="acosh",
            domain="above1")
elementwise(np.arctanh,  lambda x, y: 1.0 / (1.0 - x * x), sympy=sp.atanh, torch="atanh",
            domain="unit")


# ---- binary rows: partial derivatives ∂z/∂x and ∂z/∂y ----


def _pow_dx(x: Any, y: Any, z: Any) -> Any:
    # y · x^(y-1); at y = 0 the derivative is 0 (also at x = 0), as in PyTorch
    return y * x ** np.where(np.equal(y, 0), 1.0, y - 1.0)


def _pow_dy(x: Any, y: Any, z: Any) -> Any:
    # z · log x; where x = 0 the term is taken as 0 (0^y is flat in y for y > 0)
    return z * np.log(np.where(np.equal(x, 0), 1.0, x))


def _tie(mask: Any, x: Any, y: Any) -> Any:
    # 1 where the operand wins, 1/2 on a tie (PyTorch's maximum/minimum convention)
    return np.where(np.equal(x, y), 0.5, mask.astype(float))


#      numpy             ∂z/∂x                                   ∂z/∂y
binary(np.add,           _ONE,                                   _ONE,
       sympy=lambda a, b: a + b, torch="add")
binary(np.subtract,      _ONE,                                   -1,
       sympy=lambda a, b: a - b, torch="sub")
binary(np.multiply,      lambda x, y, z: y,                      lambda x, y, z: x,
       sympy=lambda a, b: a * b, torch="mul")
binary(np.true_divide,   lambda x, y, z: 1.0 / y,                lambda x, y, z: -z / y,
       sympy=lambda a, b: a / b, torch="div", domain="positive")
binary(np.power,         _pow_dx,                                _pow_dy,
       sympy=lambda a, b: a**b, torch="pow", domain="positive")
binary(np.maximum,       lambda x, y, z: _tie(np.greater(strip(x), strip(y)), x, y),
                         lambda x, y, z: _tie(np.less(strip(x), strip(y)), x, y),
       sympy=sp.Max, torch="maximum", kink="ties split the gradient 1/2 : 1/2 (as PyTorch)")
binary(np.minimum,       lambda x, y, z: _tie(np.less(strip(x), strip(y)), x, y),
                         lambda x, y, z: _tie(np.greater(strip(x), strip(y)), x, y),
       sympy=sp.Min, torch="minimum", kink="ties split the gradient 1/2 : 1/2 (as PyTorch)")
binary(np.arctan2,       lambda x, y, z: y / (x * x + y * y),
                         lambda x, y, z: -x / (x * x + y * y),
       sympy=sp.atan2, torch="atan2")
binary(np.logaddexp,     lambda x, y, z: np.exp(x - z),          lambda x, y, z: np.exp(y - z),
       sympy=lambda a, b: sp.log(sp.exp(a) + sp.exp(b)), torch="logaddexp")
binary(np.hypot,         lambda x, y, z: x / z,                  lambda x, y, z: y / z,
       sympy=lambda a, b: sp.sqrt(a**2 + b**2), torch="hypot")
# fmt: on


# ---- matrix product ----


def _matmul_jvp(tangents: list, ans: Any, a: Any, b: Any) -> Any:
    ta, tb = tangents
    # product rule: d(AB) = dA B + A dB
    out = None
    if ta is not None:
        out = ta @ b
    if tb is not None:
        out = a @ tb if out is None else out + a @ tb
    return out


def _matmul_vjp(i: int, g: Any, ans: Any, a: Any, b: Any) -> Any:
    a_nd, b_nd = len(_shape(a)), len(_shape(b))
    # treat a vector as a 1-row (a) or 1-column (b) matrix, then undo
    if a_nd == 1:
        g = np.expand_dims(g, -2)
    if b_nd == 1:
        g = np.expand_dims(g, -1)
    if i == 0:
        b2 = b if b_nd > 1 else np.expand_dims(b, -1)
        r = g @ np.swapaxes(b2, -1, -2)  # ∂/∂A: G Bᵀ
        if a_nd == 1:
            r = np.squeeze(r, -2)
        return unbroadcast(r, _shape(a))
    a2 = a if a_nd > 1 else np.expand_dims(a, -2)
    r = np.swapaxes(a2, -1, -2) @ g  # ∂/∂B: Aᵀ G
    if b_nd == 1:
        r = np.squeeze(r, -1)
    return unbroadcast(r, _shape(b))


_register(
    Primitive("matmul", np.matmul, _matmul_jvp, _matmul_vjp, torch="matmul", nin=2), np.matmul
)


# ---- structural rows: linear maps (JVP applies the map itself, VJP its adjoint) ----


def _linear_jvp(fn: Callable) -> Callable:
    def jvp(tangents: list, ans: Any, x: Any, **params: Any) -> Any:
        return fn(tangents[0], **params)

    return jvp


def _sum_impl(x: Any, *, axis: Any, keepdims: bool) -> Any:
    return np.sum(x, axis=axis, keepdims=keepdims)


def _sum_vjp(i: int, g: Any, ans: Any, x: Any, *, axis: Any, keepdims: bool) -> Any:
    shape = _shape(x)
    if not keepdims and axis is not None:
        g = np.reshape(g, _keepdims_shape(shape, axis))
    return np.broadcast_to(g, shape)  # every summed entry receives g


SUM = _register(Primitive("sum", _sum_impl, _linear_jvp(_sum_impl), _sum_vjp, torch="sum", nin=1))


def _reshape_impl(x: Any, *, shape: tuple[int, ...]) -> Any:
    return np.reshape(x, shape)


RESHAPE = _register(
    Primitive(
        "reshape",
        _reshape_impl,
        _linear_jvp(_reshape_impl),
        lambda i, g, ans, x, *, shape: np.reshape(g, _shape(x)),
        torch="reshape",
        nin=1,
    )
)


def _transpose_impl(x: Any, *, axes: tuple[int, ...] | None) -> Any:
    return np.transpose(x, axes)


def _transpose_vjp(i: int, g: Any, ans: Any, x: Any, *, axes: tuple[int, ...] | None) -> Any:
    inverse = None if axes is None else tuple(np.argsort(axes))
    return np.transpose(g, inverse)


TRANSPOSE = _register(
    Primitive(
        "transpose",
        _transpose_impl,
        _linear_jvp(_transpose_impl),
        _transpose_vjp,
        torch="permute",
        nin=1,
    )
)


def _broadcast_impl(x: Any, *, shape: tuple[int, ...]) -> Any:
    return np.broadcast_to(x, shape)


BROADCAST = _register(
    Primitive(
        "broadcast_to",
        _broadcast_impl,
        _linear_jvp(_broadcast_impl),
        lambda i, g, ans, x, *, shape: unbroadcast(g, _shape(x)),
        torch="broadcast_to",
        nin=1,
    )
)


def _getitem_impl(x: Any, *, index: Any) -> Any:
    return x[index]


def _untake_impl(g: Any, *, index: Any, shape: tuple[int, ...]) -> Any:
    """Adjoint of indexing: a zero array of ``shape`` with ``g`` added at ``index``."""
    if isinstance(g, Box):
        return bind(UNTAKE, (g,), {"index": index, "shape": shape})
    out = np.zeros(shape, dtype=np.result_type(g, np.float64))
    np.add.at(out, index, g)  # repeated integer indices accumulate
    return out


GETITEM = _register(
    Primitive(
        "getitem",
        _getitem_impl,
        _linear_jvp(_getitem_impl),
        lambda i, g, ans, x, *, index: _untake_impl(g, index=index, shape=_shape(x)),
        torch="index",
        nin=1,
    )
)
UNTAKE = _register(
    Primitive(
        "untake",
        _untake_impl,
        _linear_jvp(_untake_impl),
        lambda i, g, ans, x, *, index, shape: g[index],
        nin=1,
    )
)


def _concat_impl(*xs: Any, axis: int) -> Any:
    return np.concatenate(xs, axis=axis)


def _concat_jvp(tangents: list, ans: Any, *xs: Any, axis: int) -> Any:
    ts = [np.zeros(_shape(x)) if t is None else t for x, t in zip(xs, tangents)]
    return np.concatenate(ts, axis=axis)


def _concat_vjp(i: int, g: Any, ans: Any, *xs: Any, axis: int) -> Any:
    start = sum(_shape(x)[axis] for x in xs[:i])
    index = [slice(None)] * len(_shape(g))
    index[axis] = slice(start, start + _shape(xs[i])[axis])
    return g[tuple(index)]  # the block of g that came from operand i


CONCAT = _register(Primitive("concatenate", _concat_impl, _concat_jvp, _concat_vjp, torch="cat"))


def _cumsum_impl(x: Any, *, axis: int) -> Any:
    return np.cumsum(x, axis=axis)


def _cumsum_vjp(i: int, g: Any, ans: Any, x: Any, *, axis: int) -> Any:
    # adjoint of a running sum is a running sum from the other end
    return np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis)


CUMSUM = _register(
    Primitive("cumsum", _cumsum_impl, _linear_jvp(_cumsum_impl), _cumsum_vjp, torch="cumsum", nin=1)
)


def _astype_impl(x: Any, *, dtype: Any) -> Any:
    return x.astype(dtype)


ASTYPE = _register(
    Primitive(
        "astype",
        _astype_impl,
        _linear_jvp(_astype_impl),
        lambda i, g, ans, x, *, dtype: g.astype(np.result_type(strip(x))),
        nin=1,
    )
)


# ---- reductions with a choice: max and min ----


def _extremum(np_red: Callable, name: str) -> Primitive:
    def impl(x: Any, *, axis: Any, keepdims: bool) -> Any:
        return np_red(x, axis=axis, keepdims=keepdims)

    def share(x: Any, ans: Any, axis: Any, keepdims: bool) -> Any:
        # weight 1/k on each of the k entries that attain the extremum (PyTorch's amax rule)
        full = (
            ans if (keepdims or axis is None) else np.reshape(ans, _keepdims_shape(_shape(x), axis))
        )
        hit = np.equal(strip(x), strip(full)).astype(float)
        return hit / np.sum(hit, axis=axis, keepdims=True)

    def jvp(tangents: list, ans: Any, x: Any, *, axis: Any, keepdims: bool) -> Any:
        return np.sum(tangents[0] * share(x, ans, axis, keepdims), axis=axis, keepdims=keepdims)

    def vjp(i: int, g: Any, ans: Any, x: Any, *, axis: Any, keepdims: bool) -> Any:
        if not keepdims and axis is not None:
            g = np.reshape(g, _keepdims_shape(_shape(x), axis))
        return g * share(x, ans, axis, keepdims)

    return _register(
        Primitive(name, impl, jvp, vjp, torch=name, nin=1, kink="ties share the gradient evenly")
    )


AMAX = _extremum(np.max, "amax")
AMIN = _extremum(np.min, "amin")


# ---- products ----


def _prod_impl(x: Any, *, axis: Any, keepdims: bool) -> Any:
    return np.prod(x, axis=axis, keepdims=keepdims)


def _prod_others(x: Any, axis: Any) -> Any:
    """∂(∏ x)/∂x_k = product of all the other entries along ``axis`` (exact, even with zeros)."""
    if axis is None:
        return np.reshape(_prod_others(np.reshape(x, (-1,)), 0), _shape(x))
    if not isinstance(axis, int):
        if len(axis) != 1:
            raise NotImplementedError(
                "derivlab: the derivative of np.prod over several axes at once is not "
                "implemented; reduce one axis at a time (np.prod(np.prod(x, 0), 0))."
            )
        axis = axis[0]
    n = _shape(x)[axis]
    xm = np.moveaxis(x, axis, -1)
    if np.all(strip(xm) != 0):
        others = np.prod(xm, axis=-1, keepdims=True) / xm
    else:
        # replace x_k by 1 in row k of an n×n copy, then multiply along the row
        eye = np.eye(n, dtype=bool)
        rows = np.where(eye, 1.0, np.expand_dims(xm, -2))
        others = np.prod(rows, axis=-1)
    return np.moveaxis(others, -1, axis)


def _prod_jvp(tangents: list, ans: Any, x: Any, *, axis: Any, keepdims: bool) -> Any:
    return np.sum(tangents[0] * _prod_others(x, axis), axis=axis, keepdims=keepdims)


def _prod_vjp(i: int, g: Any, ans: Any, x: Any, *, axis: Any, keepdims: bool) -> Any:
    if not keepdims and axis is not None:
        g = np.reshape(g, _keepdims_shape(_shape(x), axis))
    return g * _prod_others(x, axis)


PROD = _register(Primitive("prod", _prod_impl, _prod_jvp, _prod_vjp, torch="prod", nin=1))


# ---- einsum: every operand's cotangent is another einsum ----


def _einsum_parse(spec: str, shapes: Sequence[tuple[int, ...]]) -> tuple[list[str], str]:
    """Explicit input/output subscripts, with '...' replaced by fresh letters."""
    spec = spec.replace(" ", "")
    if "->" in spec:
        lhs, out = spec.split("->")
    else:
        lhs, out = spec, None
    ins = lhs.split(",")
    used = set(spec) - set(".,->")
    fresh = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" if c not in used]
    ell_nd = max(
        (len(s) - (len(sub) - 3) for sub, s in zip(ins, shapes) if "..." in sub), default=0
    )
    ell = "".join(fresh[:ell_nd])
    new_ins = []
    for sub, s in zip(ins, shapes):
        if "..." in sub:
            k = len(s) - (len(sub) - 3)
            sub = sub.replace("...", ell[ell_nd - k :])
        new_ins.append(sub)
    if out is None:
        letters = "".join(new_ins)
        out = ell + "".join(sorted(c for c in set(letters) - set(ell) if letters.count(c) == 1))
    else:
        out = out.replace("...", ell)
    return new_ins, out


def _einsum_impl(*xs: Any, spec: str) -> Any:
    return np.einsum(spec, *xs)


def _einsum_jvp(tangents: list, ans: Any, *xs: Any, spec: str) -> Any:
    # multilinear: one term per operand, the operand replaced by its tangent
    out = None
    for k, t in enumerate(tangents):
        if t is not None:
            term = np.einsum(spec, *xs[:k], t, *xs[k + 1 :])
            out = term if out is None else out + term
    return out


def _einsum_vjp(i: int, g: Any, ans: Any, *xs: Any, spec: str) -> Any:
    ins, out = _einsum_parse(spec, [_shape(x) for x in xs])
    target = ins[i]
    if len(set(target)) != len(target):
        raise NotImplementedError(
            f"derivlab: the derivative of np.einsum('{spec}') with a repeated index inside one "
            "operand (a diagonal) is not implemented; take the diagonal with np.diagonal first."
        )
    others = [ins[k] for k in range(len(xs)) if k != i]
    available = set(out).union(*others) if others else set(out)
    kept = "".join(c for c in target if c in available)
    grad = np.einsum(
        ",".join([out, *others]) + "->" + kept, g, *[xs[k] for k in range(len(xs)) if k != i]
    )
    if kept != target:  # letters only operand i had were summed away: broadcast back along them
        shape = _shape(xs[i])
        grad = np.reshape(grad, tuple(shape[target.index(c)] if c in kept else 1 for c in target))
        grad = np.broadcast_to(grad, shape)
    return grad


EINSUM = _register(Primitive("einsum", _einsum_impl, _einsum_jvp, _einsum_vjp, torch="einsum"))


# ---- linear algebra ----


def _mT(a: Any) -> Any:
    return np.swapaxes(a, -1, -2)


def _inv_jvp(tangents: list, ans: Any, a: Any) -> Any:
    return -(ans @ tangents[0] @ ans)  # d(A⁻¹) = -A⁻¹ dA A⁻¹


def _inv_vjp(i: int, g: Any, ans: Any, a: Any) -> Any:
    return -(_mT(ans) @ g @ _mT(ans))  # -A⁻ᵀ G A⁻ᵀ


INV = _register(Primitive("linalg.inv", np.linalg.inv, _inv_jvp, _inv_vjp, torch="linalg.inv"))


def _solve_jvp(tangents: list, ans: Any, a: Any, b: Any) -> Any:
    ta, tb = tangents
    # A x = b  =>  A dx = db - dA x
    rhs = tb
    if ta is not None:
        rhs = -(ta @ ans) if rhs is None else rhs - ta @ ans
    return np.linalg.solve(a, rhs)


def _solve_vjp(i: int, g: Any, ans: Any, a: Any, b: Any) -> Any:
    gb = np.linalg.solve(_mT(a), g)  # Aᵀ λ = g
    if i == 1:
        return gb
    if len(_shape(b)) == 1:
        return -(np.expand_dims(gb, -1) * np.expand_dims(ans, -2))  # ∂/∂A = -λ xᵀ
    return -(gb @ _mT(ans))


SOLVE = _register(
    Primitive("linalg.solve", np.linalg.solve, _solve_jvp, _solve_vjp, torch="linalg.solve", nin=2)
)


def _trace_last2(m: Any) -> Any:
    return np.sum(np.diagonal(m, axis1=-2, axis2=-1), axis=-1)


def _det_jvp(tangents: list, ans: Any, a: Any) -> Any:
    # Jacobi's formula: d det A = det A · tr(A⁻¹ dA)
    return ans * _trace_last2(np.linalg.solve(a, tangents[0]))


def _det_vjp(i: int, g: Any, ans: Any, a: Any) -> Any:
    return np.expand_dims(np.expand_dims(g * ans, -1), -1) * _mT(np.linalg.inv(a))


DET = _register(Primitive("linalg.det", np.linalg.det, _det_jvp, _det_vjp, torch="linalg.det"))


def _logabsdet_impl(a: Any) -> Any:
    if isinstance(a, Box):
        return bind(LOGABSDET, (a,), {})
    return np.linalg.slogdet(a)[1]


LOGABSDET = _register(
    Primitive(
        "linalg.slogdet",
        _logabsdet_impl,
        lambda tangents, ans, a: _trace_last2(np.linalg.solve(a, tangents[0])),  # tr(A⁻¹ dA)
        lambda i, g, ans, a: np.expand_dims(np.expand_dims(g, -1), -1) * _mT(np.linalg.inv(a)),
        torch="linalg.slogdet",
    )
)


def _diagonal_impl(x: Any, *, offset: int, axis1: int, axis2: int) -> Any:
    return np.diagonal(x, offset=offset, axis1=axis1, axis2=axis2)


def _diagonal_vjp(i: int, g: Any, ans: Any, x: Any, *, offset: int, axis1: int, axis2: int) -> Any:
    shape = _shape(x)
    nd = len(shape)
    a1, a2 = axis1 % nd, axis2 % nd
    k = _shape(g)[-1]
    rows = np.arange(k) + max(-offset, 0)
    cols = np.arange(k) + max(offset, 0)
    # move the diagonal axes last, write g on the diagonal, move them back
    rest = [d for d in range(nd) if d not in (a1, a2)]
    moved = tuple(shape[d] for d in rest) + (shape[a1], shape[a2])
    full = _untake_impl(g, index=(Ellipsis, rows, cols), shape=moved)
    return np.transpose(full, tuple(np.argsort(rest + [a1, a2])))


DIAGONAL = _register(
    Primitive(
        "diagonal",
        _diagonal_impl,
        _linear_jvp(_diagonal_impl),
        _diagonal_vjp,
        torch="diagonal",
        nin=1,
    )
)


def _pad_impl(x: Any, *, pad_width: tuple) -> Any:
    return np.pad(x, pad_width)


def _pad_vjp(i: int, g: Any, ans: Any, x: Any, *, pad_width: tuple) -> Any:
    index = tuple(slice(lo, lo + n) for (lo, _), n in zip(pad_width, _shape(x)))
    return g[index]  # the padding was constant: only the interior receives gradient


PAD = _register(
    Primitive("pad", _pad_impl, _linear_jvp(_pad_impl), _pad_vjp, torch="nn.functional.pad", nin=1)
)


# ---- argument normalisation ----


def _norm_axis(axis: Any, ndim: int) -> Any:
    if axis is None:
        return None
    if isinstance(axis, (tuple, list)):
        return tuple(sorted(a % ndim if ndim else a for a in axis))
    return axis % ndim if ndim else axis


def _keepdims_shape(shape: tuple[int, ...], axis: Any) -> tuple[int, ...]:
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    axes = tuple(a % len(shape) for a in axes)
    return tuple(1 if d in axes else s for d, s in enumerate(shape))


def _reject(name: str, **unsupported: Any) -> None:
    for key, value in unsupported.items():
        if value is not None and value is not np._NoValue:
            if key == "out":
                raise TypeError(
                    f"derivlab: {name}(..., out=...) writes into a plain array and would drop the "
                    "derivative; use the returned value instead (y = np.f(x))."
                )
            raise NotImplementedError(
                f"derivlab: {name}(..., {key}=...) is not supported on traced values; "
                f"call {name} without {key}= (e.g. apply a mask with np.where first)."
            )


# ---- NumPy functions: adapters onto rows, and composites written with rows ----


@implements(np.sum)
def _np_sum(a, axis=None, dtype=None, out=None, keepdims=False, initial=np._NoValue,
            where=np._NoValue):  # fmt: skip
    _reject("np.sum", out=out, initial=initial, where=where)
    return bind(SUM, (a,), {"axis": _norm_axis(axis, np.ndim(a)), "keepdims": bool(keepdims)})


@implements(np.mean)
def _np_mean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=np._NoValue):  # fmt: skip
    _reject("np.mean", out=out, where=where)
    shape = np.shape(a)
    axes = range(len(shape)) if axis is None else ((axis,) if isinstance(axis, int) else axis)
    count = math.prod(shape[d] for d in axes)
    return np.sum(a, axis=axis, keepdims=keepdims) / count  # mean = sum / N


@implements(np.var)
def _np_var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=np._NoValue,
            mean=np._NoValue, correction=np._NoValue):  # fmt: skip
    _reject("np.var", out=out, where=where, mean=mean)
    if correction is not np._NoValue:
        ddof = correction
    shape = np.shape(a)
    axes = range(len(shape)) if axis is None else ((axis,) if isinstance(axis, int) else axis)
    count = math.prod(shape[d] for d in axes)
    centred = a - np.mean(a, axis=axis, keepdims=True)
    return np.sum(centred * centred, axis=axis, keepdims=keepdims) / (count - ddof)


@implements(np.std)
def _np_std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=np._NoValue,
            mean=np._NoValue, correction=np._NoValue):  # fmt: skip
    return np.sqrt(np.var(a, axis=axis, out=out, ddof=ddof, keepdims=keepdims, where=where,
                          mean=mean, correction=correction))  # fmt: skip


def _extremum_adapter(prim: Primitive, name: str) -> Callable:
    def adapter(a, axis=None, out=None, keepdims=False, initial=np._NoValue,
                where=np._NoValue):  # fmt: skip
        _reject(name, out=out, initial=initial, where=where)
        return bind(prim, (a,), {"axis": _norm_axis(axis, np.ndim(a)), "keepdims": bool(keepdims)})

    return adapter


for _f in (np.max, np.amax):
    implements(_f, "max")(_extremum_adapter(AMAX, "np.max"))
for _f in (np.min, np.amin):
    implements(_f, "min")(_extremum_adapter(AMIN, "np.min"))


@implements(np.prod)
def _np_prod(a, axis=None, dtype=None, out=None, keepdims=False, initial=np._NoValue,
             where=np._NoValue):  # fmt: skip
    _reject("np.prod", out=out, initial=initial, where=where)
    return bind(PROD, (a,), {"axis": _norm_axis(axis, np.ndim(a)), "keepdims": bool(keepdims)})


@implements(np.cumsum)
def _np_cumsum(a, axis=None, dtype=None, out=None):
    _reject("np.cumsum", out=out)
    if axis is None:
        a, axis = np.reshape(a, (-1,)), 0
    return bind(CUMSUM, (a,), {"axis": axis % np.ndim(a)})


@implements(np.reshape)
def _np_reshape(a, shape=None, order="C", *, newshape=None, copy=None):
    if order != "C":
        raise NotImplementedError("derivlab: np.reshape supports order='C' only.")
    shape = newshape if shape is None else shape
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return bind(RESHAPE, (a,), {"shape": np.reshape(np.empty(np.shape(a)), shape).shape})


@implements(np.ravel)
def _np_ravel(a, order="C"):
    return np.reshape(a, (-1,), order=order)


@implements(np.transpose)
def _np_transpose(a, axes=None):
    if axes is not None:
        axes = tuple(ax % np.ndim(a) for ax in axes)
    return bind(TRANSPOSE, (a,), {"axes": axes})


@implements(np.swapaxes)
def _np_swapaxes(a, axis1, axis2):
    axes = list(range(np.ndim(a)))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return np.transpose(a, axes)


@implements(np.moveaxis)
def _np_moveaxis(a, source, destination):
    nd = np.ndim(a)
    src = [s % nd for s in np.atleast_1d(source)]
    dst = [d % nd for d in np.atleast_1d(destination)]
    order = [d for d in range(nd) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return np.transpose(a, order)


@implements(np.expand_dims)
def _np_expand_dims(a, axis):
    shape = np.expand_dims(np.empty(np.shape(a)), axis).shape
    return np.reshape(a, shape)


@implements(np.squeeze)
def _np_squeeze(a, axis=None):
    shape = np.squeeze(np.empty(np.shape(a)), axis).shape
    return np.reshape(a, shape)


@implements(np.atleast_1d)
def _np_atleast_1d(*arys):
    out = [a if np.ndim(a) >= 1 else np.reshape(a, (1,)) for a in arys]
    return out[0] if len(out) == 1 else out


@implements(np.atleast_2d)
def _np_atleast_2d(*arys):
    out = [a if np.ndim(a) >= 2 else np.reshape(a, (1,) * (2 - np.ndim(a)) + np.shape(a))
           for a in arys]  # fmt: skip
    return out[0] if len(out) == 1 else out


@implements(np.broadcast_to)
def _np_broadcast_to(array, shape, subok=False):
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return bind(BROADCAST, (array,), {"shape": shape})


@implements(np.broadcast_arrays)
def _np_broadcast_arrays(*args, subok=False):
    shape = np.broadcast_shapes(*(np.shape(a) for a in args))
    return tuple(np.broadcast_to(a, shape) for a in args)


@implements(np.concatenate)
def _np_concatenate(arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    _reject("np.concatenate", out=out)
    arrays = list(arrays)
    if axis is None:
        arrays, axis = [np.reshape(a, (-1,)) for a in arrays], 0
    return bind(CONCAT, tuple(arrays), {"axis": axis % np.ndim(arrays[0])})


@implements(np.stack)
def _np_stack(arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    _reject("np.stack", out=out)
    arrays = list(arrays)
    axis = axis % (np.ndim(arrays[0]) + 1)
    return np.concatenate([np.expand_dims(a, axis) for a in arrays], axis=axis)


@implements(np.hstack)
def _np_hstack(tup, *, dtype=None, casting="same_kind"):
    arrs = np.atleast_1d(*tup) if len(tup) > 1 else [np.atleast_1d(tup[0])]
    return np.concatenate(arrs, axis=0 if np.ndim(arrs[0]) == 1 else 1)


@implements(np.vstack)
def _np_vstack(tup, *, dtype=None, casting="same_kind"):
    arrs = [np.atleast_2d(a) for a in tup]
    return np.concatenate(arrs, axis=0)


@implements(np.split)
def _np_split(ary, indices_or_sections, axis=0):
    n = np.shape(ary)[axis]
    if isinstance(indices_or_sections, int):
        if n % indices_or_sections:
            raise ValueError("array split does not result in an equal division")
        step = n // indices_or_sections
        bounds = list(range(0, n + 1, step))
    else:
        bounds = [0, *indices_or_sections, n]
    index = [slice(None)] * np.ndim(ary)
    parts = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        index[axis] = slice(lo, hi)
        parts.append(ary[tuple(index)])
    return parts


@implements(np.flip)
def _np_flip(m, axis=None):
    nd = np.ndim(m)
    axes = range(nd) if axis is None else ((axis,) if isinstance(axis, int) else axis)
    index = [slice(None)] * nd
    for a in axes:
        index[a % nd] = slice(None, None, -1)
    return m[tuple(index)]


@implements(np.take)
def _np_take(a, indices, axis=None, out=None, mode="raise"):
    _reject("np.take", out=out)
    if axis is None:
        return np.reshape(a, (-1,))[indices]
    index = [slice(None)] * np.ndim(a)
    index[axis] = indices
    return a[tuple(index)]


@implements(np.where)
def _np_where(condition, x=None, y=None):
    if x is None or y is None:
        raise TypeError("derivlab: np.where(condition) with one argument returns indices; "
                        "call it on a plain boolean array.")  # fmt: skip
    cond = np.asarray(strip(condition), dtype=bool)
    # z = c·x + (1-c)·y with a 0/1 mask c: each branch receives the gradient where it is chosen
    return bind(WHERE, (x, y), {"cond": cond})


def _where_impl(x: Any, y: Any, *, cond: np.ndarray) -> Any:
    return np.where(cond, x, y)


def _where_jvp(tangents: list, ans: Any, x: Any, y: Any, *, cond: np.ndarray) -> Any:
    tx, ty = tangents
    zero = np.zeros(np.shape(ans))
    out = np.where(cond, zero if tx is None else tx, zero if ty is None else ty)
    return out


def _where_vjp(i: int, g: Any, ans: Any, x: Any, y: Any, *, cond: np.ndarray) -> Any:
    picked = np.where(cond, g, 0.0) if i == 0 else np.where(cond, 0.0, g)
    return unbroadcast(picked, _shape(x if i == 0 else y))


WHERE = _register(Primitive("where", _where_impl, _where_jvp, _where_vjp, torch="where", nin=2))


@implements(np.clip)
def _np_clip(a, a_min=np._NoValue, a_max=np._NoValue, out=None, *, min=np._NoValue,
             max=np._NoValue, **kwargs):  # fmt: skip
    _reject("np.clip", out=out)
    lo = a_min if a_min is not np._NoValue else (None if min is np._NoValue else min)
    hi = a_max if a_max is not np._NoValue else (None if max is np._NoValue else max)
    # gradient passes on the closed interval [lo, hi] (PyTorch's clamp convention)
    out = a
    if lo is not None:
        out = np.where(np.less(strip(a), strip(lo)), lo, out)
    if hi is not None:
        out = np.where(np.greater(strip(a), strip(hi)), hi, out)
    if np.shape(out) != np.shape(a):
        out = np.broadcast_to(out, np.broadcast_shapes(np.shape(a), np.shape(out)))
    return out


@implements(np.dot)
def _np_dot(a, b, out=None):
    _reject("np.dot", out=out)
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return a * b
    if np.ndim(b) <= 2:
        return a @ b  # for b of rank ≤ 2, dot and matmul agree
    return np.tensordot(a, b, axes=([-1], [-2]))


@implements(np.vdot)
def _np_vdot(a, b):
    return np.sum(np.reshape(a, (-1,)) * np.reshape(b, (-1,)))


@implements(np.inner)
def _np_inner(a, b):
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return a * b
    return np.tensordot(a, b, axes=([-1], [-1]))


@implements(np.outer)
def _np_outer(a, b, out=None):
    _reject("np.outer", out=out)
    return np.reshape(a, (-1, 1)) * np.reshape(b, (1, -1))


@implements(np.tensordot)
def _np_tensordot(a, b, axes=2):
    na, nb = np.ndim(a), np.ndim(b)
    if isinstance(axes, int):
        ax_a, ax_b = list(range(na - axes, na)), list(range(axes))
    else:
        ax_a, ax_b = ([x] if isinstance(x, int) else list(x) for x in axes)
        ax_a, ax_b = [x % na for x in ax_a], [x % nb for x in ax_b]
    letters = iter("abcdefghijklmnopqrstuvwxyz")
    sa = [next(letters) for _ in range(na)]
    sb = [next(letters) for _ in range(nb)]
    for i, j in zip(ax_a, ax_b):
        sb[j] = sa[i]
    out = [c for k, c in enumerate(sa) if k not in ax_a] + [
        c for k, c in enumerate(sb) if k not in ax_b
    ]
    return np.einsum(f"{''.join(sa)},{''.join(sb)}->{''.join(out)}", a, b)


@implements(np.einsum)
def _np_einsum(subscripts, *operands, out=None, optimize=False, **kwargs):
    _reject("np.einsum", out=out)
    if not isinstance(subscripts, str):
        raise NotImplementedError(
            "derivlab: np.einsum in the sublist form is not supported; use a subscript string."
        )
    return bind(EINSUM, operands, {"spec": subscripts})


@implements(np.trace)
def _np_trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    _reject("np.trace", out=out)
    return np.sum(np.diagonal(a, offset, axis1, axis2), axis=-1)


@implements(np.diagonal)
def _np_diagonal(a, offset=0, axis1=0, axis2=1):
    return bind(DIAGONAL, (a,), {"offset": offset, "axis1": axis1, "axis2": axis2})


@implements(np.diag)
def _np_diag(v, k=0):
    if np.ndim(v) == 2:
        return np.diagonal(v, k)
    if np.ndim(v) != 1:
        raise ValueError("np.diag: input must be 1-d or 2-d")
    n = np.shape(v)[0] + abs(k)
    rows = np.arange(n - abs(k)) + max(-k, 0)
    cols = np.arange(n - abs(k)) + max(k, 0)
    return _untake_impl(v, index=(rows, cols), shape=(n, n))  # v placed on the k-th diagonal


@implements(np.pad)
def _np_pad(array, pad_width, mode="constant", **kwargs):
    if mode != "constant" or kwargs.get("constant_values", 0) != 0:
        raise NotImplementedError(
            "derivlab: only zero padding (np.pad(x, widths)) is supported on traced values."
        )
    widths = np.broadcast_to(np.asarray(pad_width, dtype=int), (np.ndim(array), 2))
    return bind(PAD, (array,), {"pad_width": tuple(map(tuple, widths.tolist()))})


@implements(np.copy)
def _np_copy(a, order="K", subok=False):
    return a  # traced values are immutable, so a copy is the value itself


@implements(np.linalg.norm)
def _np_norm(x, ord=None, axis=None, keepdims=False):
    if ord not in (None, 2, "fro") or (ord == 2 and axis is None and np.ndim(x) == 2):
        raise NotImplementedError(
            f"derivlab: np.linalg.norm(x, ord={ord!r}) is not supported on traced values; "
            "the Euclidean/Frobenius norm (ord=None) is: np.sqrt(np.sum(x**2))."
        )
    return np.sqrt(np.sum(x * x, axis=axis, keepdims=keepdims))


@implements(np.linalg.inv)
def _np_inv(a):
    return bind(INV, (a,), {})


@implements(np.linalg.solve)
def _np_solve(a, b):
    return bind(SOLVE, (a, b), {})


@implements(np.linalg.det)
def _np_det(a):
    return bind(DET, (a,), {})


_SlogdetResult = type(np.linalg.slogdet(np.eye(1)))


@implements(np.linalg.slogdet)
def _np_slogdet(a):
    sign = np.linalg.slogdet(strip(a))[0]  # piecewise constant: no derivative
    return _SlogdetResult(sign, bind(LOGABSDET, (a,), {}))


# ---- dispatch (called by Box.__array_ufunc__ / __array_function__) ----


def _no_rule(what: str) -> NotImplementedError:
    return NotImplementedError(
        f"derivlab: no derivative rule for {what}. derivlab differentiates the NumPy functions "
        "listed in its primitive table (derivlab.primitives()); rewrite this step with those, "
        "or add a row to derivlab/_primitives.py."
    )


def dispatch_ufunc(ufunc: np.ufunc, method: str, inputs: tuple, kwargs: dict) -> Any:
    if "out" in kwargs:
        raise TypeError(
            f"derivlab: np.{ufunc.__name__}(..., out=...) or an in-place operator (a += x, "
            "a *= x) writes a traced value into a plain array and would drop its derivative. "
            "Write y = a + x instead of a += x."
        )
    if method != "__call__":
        if ufunc is np.add and method == "reduce":
            return np.sum(inputs[0], **kwargs)
        raise _no_rule(f"np.{ufunc.__name__}.{method}")
    if ufunc in NONDIFF_UFUNCS:
        return ufunc(*(strip(x) for x in inputs), **kwargs)
    prim = UFUNCS.get(ufunc)
    if prim is None:
        raise _no_rule(f"np.{ufunc.__name__}")
    if kwargs:
        raise NotImplementedError(
            f"derivlab: np.{ufunc.__name__} with keyword arguments {sorted(kwargs)} is not "
            "supported on traced values; call it with positional arrays only."
        )
    return bind(prim, inputs, {})


def dispatch_function(func: Callable, args: tuple, kwargs: dict) -> Any:
    impl = FUNCTIONS.get(func)
    if impl is not None:
        return impl(*args, **kwargs)
    if func in NONDIFF_FUNCTIONS:
        return func(*strip_all(args), **{k: strip_all(v) for k, v in kwargs.items()})
    name = getattr(func, "__module__", "numpy").replace("numpy.", "np.").replace("numpy", "np")
    raise _no_rule(f"{name}.{func.__name__}")


# ---- Box operators and methods, bound straight to the rows (no NumPy detour) ----


def _bin(prim: Primitive, reflected: bool = False) -> Callable:
    if reflected:
        return lambda self, other: bind(prim, (other, self), {})
    return lambda self, other: bind(prim, (self, other), {})


_ADD, _SUB, _MUL = PRIMITIVES["add"], PRIMITIVES["subtract"], PRIMITIVES["multiply"]
_DIV, _POW, _MATMUL = PRIMITIVES["divide"], PRIMITIVES["power"], PRIMITIVES["matmul"]
_NEG, _ABS = PRIMITIVES["negative"], PRIMITIVES["absolute"]

Box.__add__, Box.__radd__ = _bin(_ADD), _bin(_ADD, True)
Box.__sub__, Box.__rsub__ = _bin(_SUB), _bin(_SUB, True)
Box.__mul__, Box.__rmul__ = _bin(_MUL), _bin(_MUL, True)
Box.__truediv__, Box.__rtruediv__ = _bin(_DIV), _bin(_DIV, True)
Box.__pow__, Box.__rpow__ = _bin(_POW), _bin(_POW, True)
Box.__matmul__, Box.__rmatmul__ = _bin(_MATMUL), _bin(_MATMUL, True)
Box.__neg__ = lambda self: bind(_NEG, (self,), {})
Box.__pos__ = lambda self: self
Box.__abs__ = lambda self: bind(_ABS, (self,), {})
Box.__lt__ = lambda self, other: np.less(strip(self), strip(other))
Box.__le__ = lambda self, other: np.less_equal(strip(self), strip(other))
Box.__gt__ = lambda self, other: np.greater(strip(self), strip(other))
Box.__ge__ = lambda self, other: np.greater_equal(strip(self), strip(other))
Box.__eq__ = lambda self, other: np.equal(strip(self), strip(other))
Box.__ne__ = lambda self, other: np.not_equal(strip(self), strip(other))
Box.__getitem__ = lambda self, index: bind(GETITEM, (self,), {"index": _plain_index(index)})


def _plain_index(index: Any) -> Any:
    if isinstance(index, tuple):
        return tuple(strip(i) if isinstance(i, Box) else i for i in index)
    return strip(index) if isinstance(index, Box) else index


def _method(np_func: Callable) -> Callable:
    return lambda self, *args, **kwargs: np_func(self, *args, **kwargs)


for _name, _func in {
    "sum": np.sum, "mean": np.mean, "prod": np.prod, "max": np.max, "min": np.min,
    "var": np.var, "std": np.std, "dot": np.dot, "ravel": np.ravel, "squeeze": np.squeeze,
    "swapaxes": np.swapaxes, "cumsum": np.cumsum, "clip": np.clip, "trace": np.trace,
    "diagonal": np.diagonal, "copy": np.copy, "argmax": np.argmax, "argmin": np.argmin,
}.items():  # fmt: skip
    setattr(Box, _name, _method(_func))


def _reshape_method(self: Box, *shape: Any, order: str = "C") -> Any:
    return np.reshape(self, shape[0] if len(shape) == 1 else shape, order=order)


def _transpose_method(self: Box, *axes: Any) -> Any:
    if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
        axes = axes[0]
    return np.transpose(self, axes or None)


def _astype_method(self: Box, dtype: Any, *args: Any, **kwargs: Any) -> Any:
    dtype = np.dtype(dtype)
    if not np.issubdtype(dtype, np.floating):
        return strip(self).astype(dtype)  # to integers or booleans: a constant
    return bind(ASTYPE, (self,), {"dtype": dtype})


Box.reshape = _reshape_method
Box.transpose = _transpose_method
Box.astype = _astype_method
Box.flatten = lambda self, order="C": np.reshape(self, (-1,), order=order)


def primitives() -> list[str]:
    """Names of every NumPy function derivlab can differentiate (rows and composites)."""
    names = {f"np.{p.name}" for p in PRIMITIVES.values() if p.name != "untake"}
    names |= {f"np.{n}" for n in COMPOSITES}
    return sorted(names)
