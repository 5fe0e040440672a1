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
import operator
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import sympy as sp

from derivlab._core import (
    FLOAT_SCALARS,
    Box,
    MultiPrimitive,
    Primitive,
    basic_index,
    bind,
    scattered,
    strip,
)

# ---- the registry ----

PRIMITIVES: dict[str, Primitive] = {}  # name -> row (every row, for the table-driven tests)
UFUNCS: dict[np.ufunc, Primitive] = {}  # ufunc -> row


def _register(prim: Primitive, ufunc: np.ufunc | None = None) -> Primitive:
    PRIMITIVES[prim.name] = prim
    if ufunc is not None:
        UFUNCS[ufunc] = prim
    return prim


# ---- broadcasting ----

# plain NumPy values, whose shape and dtype are cheap to read (a rule's fast paths test for them)
_PLAIN = FLOAT_SCALARS | {np.ndarray}


def unbroadcast(g: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``g`` down to ``shape``: the adjoint of NumPy's broadcasting."""
    gshape = _shape(g)
    if gshape == shape:
        return g
    axes = _SUMMED.get((gshape, shape))
    if axes is None:
        axes = _summed_axes(gshape, shape)
    lead, kept = axes
    # a plain array is summed by the ufunc itself (np.sum's Python wrapper costs more than a
    # small bias's sum); a box goes through np.sum, so that its trace records the sum
    total = np.add.reduce if type(g) is np.ndarray else np.sum
    if lead:
        g = total(g, axis=lead)
    if kept:
        g = total(g, axis=kept, keepdims=True)
    return g


# (g's shape, the operand's shape) -> the axes unbroadcast sums: the leading ones broadcasting
# added, then those it stretched from 1 (kept). A rule reduces the same shapes at every step.
_SUMMED: dict[tuple, tuple[tuple[int, ...], tuple[int, ...]]] = {}


def _summed_axes(gshape: tuple[int, ...], shape: tuple[int, ...]) -> tuple:
    n = len(gshape) - len(shape)
    kept = tuple(i for i, s in enumerate(shape) if s == 1 and gshape[n + i] != 1)
    if len(_SUMMED) >= 4096:  # a program of ever new shapes: start again, rather than grow
        _SUMMED.clear()
    axes = _SUMMED[(gshape, shape)] = (tuple(range(n)), kept)
    return axes


def _keepdims_shape(shape: tuple[int, ...], axis: Any) -> tuple[int, ...]:
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    axes = tuple(a % len(shape) for a in axes)
    return tuple(1 if d in axes else s for d, s in enumerate(shape))


def _shape(x: Any) -> tuple[int, ...]:
    if type(x) is np.ndarray:  # the common case first: rules call this per node
        return x.shape
    x = strip(x)
    return x.shape if hasattr(x, "shape") else np.shape(x)


def _dtype(x: Any) -> np.dtype:
    while isinstance(x, Box):
        x = x.value
    try:
        return x.dtype
    except AttributeError:  # a Python number
        return np.result_type(x)


_F64 = np.dtype(np.float64)


def _float_dtype(x: Any) -> np.dtype:
    d = _dtype(x)
    return d if d.kind in "fc" else _F64


def _like(v: Any, ref: Any) -> Any:
    """``v`` in the (float) dtype of ``ref``; the common case, already equal, costs no call."""
    try:
        if v.dtype == ref.dtype:
            return v
    except AttributeError:  # a Python number on either side
        pass
    return as_dtype(v, _float_dtype(ref))


def as_dtype(v: Any, dtype: np.dtype) -> Any:
    """``v`` in ``dtype``: a tangent or cotangent keeps the dtype of its primal (float32 stays
    float32 even when a rule's constant, e.g. a float64 exponent, promoted it)."""
    if v is None or _dtype(v) == dtype:
        return v
    return v.astype(dtype) if isinstance(v, Box) else np.asarray(v).astype(dtype)


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
        return _like(tangents[0] * deriv(x, ans), ans)  # t_y = f'(x) t_x

    def vjp(i: int, g: Any, ans: Any, x: Any) -> Any:
        return _like(g * deriv(x, ans), x)  # g_x = g_y f'(x)

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
    both: Callable[..., tuple[Any, Any]] | None = None,
    impl: Callable[[Any, Any], Any] | None = None,
) -> Primitive:
    """Row for z = f(x, y) with partials ``dx(x, y, z) = ∂z/∂x``, ``dy(x, y, z) = ∂z/∂y``.

    ``impl`` computes z when it is not the ufunc itself: the arithmetic rows use Python's
    operators, since on NumPy scalars (a loss, a running total) a ufunc call costs about ten
    times the operator's, and on arrays the operator calls the same ufunc.

    A partial may be ``1`` or ``-1`` (no multiply). Broadcasting is handled once, here: tangents
    are broadcast up to z's shape, cotangents are summed back down to each operand's shape.

    ``both(g, x, y, z, need_x, need_y)``, where the partials share work (divide's ``g/y``,
    hypot's ``g/z``), returns ``(g ∂z/∂x, g ∂z/∂y)`` before unbroadcasting, ``None`` for an
    operand not needed; the row's ``vjp_all`` uses it, and ``vjp`` keeps the partials one at a
    time (the readable rule, and the tests' reference).
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
        return _like(out, ans)

    def vjp(i: int, g: Any, ans: Any, x: Any, y: Any) -> Any:
        xi = x if i == 0 else y
        p = partials[i]
        if p is _ONE or type(p) is int:  # ∂ = ±1 (add, subtract): term, written out
            c = g if p is _ONE else -g
            t = type(xi)
            if t is type(ans) and t in FLOAT_SCALARS:  # a running total: x and z are NumPy scalars
                return c  # of one type, and g is shaped and typed like z, as every cotangent is
        else:
            c = g * p(x, y, ans)
        if type(c) in _PLAIN and type(xi) in _PLAIN and c.shape == xi.shape:
            if c.dtype == xi.dtype:  # finish's first case, inlined: this runs per node
                return c
        return finish(c, xi)

    def finish(c: Any, xi: Any) -> Any:  # a VJP's last step: sum down to xi's shape and dtype
        if type(c) in _PLAIN and type(xi) in _PLAIN:
            if c.shape == xi.shape and c.dtype == xi.dtype:
                return c  # plain arrays of one shape and dtype: nothing to sum or cast
        return _like(unbroadcast(c, _shape(xi)), xi)

    def vjp_all(g: Any, ans: Any, x: Any, y: Any, *, which: Sequence[int]) -> list[Any]:
        cx, cy = both(g, x, y, ans, 0 in which, 1 in which)
        return [None if cx is None else finish(cx, x), None if cy is None else finish(cy, y)]

    # only a row whose partials share work gets a vjp_all: for the others (add, multiply, ...)
    # the sweep's one vjp call per traced operand is already the least work, and the cheapest
    prim = Primitive(
        ufunc.__name__, impl or ufunc, jvp, vjp, sympy=sympy, torch=torch, domain=domain,
        kink=kink, nin=2, vjp_all=None if both is None else vjp_all,
    )  # fmt: skip
    return _register(prim, ufunc)


# fmt: off
# ---- the elementwise table ----
#        numpy           f'(x) from x and y = f(x), then the SymPy and torch counterparts
_register(
    Primitive(
        "negative", operator.neg, lambda tangents, ans, x: -tangents[0],
        lambda i, g, ans, x: -g, sympy=lambda a: -a, torch="neg", nin=1,
    ),
    np.negative,
)  # fmt: skip  (its derivative is -1: the rules negate, with no array of ones to multiply by)
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
elementwise(np.fabs,     lambda x, y: np.sign(x), sympy=sp.Abs, torch="abs",
            kink="|x|'(0) = 0, as np.absolute")
elementwise(np.sinc,     lambda x, y: _sinc_deriv(x, y),
            sympy=lambda a: sp.sin(sp.pi * a) / (sp.pi * a), torch="sinc")
elementwise(np.deg2rad,  lambda x, y: np.full_like(y, math.pi / 180.0),
            sympy=lambda a: a * sp.pi / 180, torch="deg2rad")
elementwise(np.radians,  lambda x, y: np.full_like(y, math.pi / 180.0),
            sympy=lambda a: a * sp.pi / 180, torch="deg2rad")
elementwise(np.rad2deg,  lambda x, y: np.full_like(y, 180.0 / math.pi),
            sympy=lambda a: a * 180 / sp.pi, torch="rad2deg")
elementwise(np.degrees,  lambda x, y: np.full_like(y, 180.0 / math.pi),
            sympy=lambda a: a * 180 / sp.pi, torch="rad2deg")


# ---- binary rows: partial derivatives ∂z/∂x and ∂z/∂y ----


def _pow_dx(x: Any, y: Any, z: Any) -> Any:
    # y · x^(y-1); at y = 0 the derivative is 0 (also at x = 0), as in PyTorch
    if (type(y) is int or type(y) is float) and y != 0:  # a plain exponent (x ** 2): no where
        if y == 2:
            return x + x  # (x²)' = 2x, exactly, with no power to take (and x + x is cheaper
            # than 2.0 * x on a small array: no Python float to convert)
        y = float(y)  # NumPy multiplies by a Python float faster than by an int (no range check)
        return y * x ** (y - 1.0)
    return y * x ** np.where(np.equal(y, 0), 1.0, y - 1.0)


def _pow_dy(x: Any, y: Any, z: Any) -> Any:
    # z · log x; where x = 0 the term is taken as 0 (0^y is flat in y for y > 0)
    return z * np.log(np.where(np.equal(x, 0), 1.0, x))


class _Floor(sp.floor):  # printed (and lambdified) as floor
    """SymPy's floor with derivative 0 (it has one almost everywhere), as the rows state it."""

    def fdiff(self, argindex: int = 1) -> Any:
        return sp.S.Zero


_Floor.__name__ = "floor"


def _sinc_deriv(x: Any, y: Any) -> Any:
    # sinc'(x) = (cos πx - sinc x) / x; near 0, where that cancels, its Taylor series
    # -π²x/3 + π⁴x³/30 - π⁶x⁵/840 (exact to ~1e-15 for |x| < 0.01, and so are its derivatives)
    small = np.less(np.abs(strip(x)), 0.01)
    xs = np.where(small, x, 0.0)
    x2 = xs * xs
    series = xs * (-(math.pi**2) / 3.0 + x2 * (math.pi**4 / 30.0 - x2 * (math.pi**6 / 840.0)))
    xb = np.where(small, 1.0, x)
    return np.where(small, series, (np.cos(math.pi * xb) - np.where(small, 1.0, y)) / xb)


def _fmax_dx(x: Any, y: Any, z: Any) -> Any:
    # PyTorch's fmax rule: x receives the gradient where x >= y or y is NaN (ties go to x)
    xs, ys = strip(x), strip(y)
    return (np.greater_equal(xs, ys) | np.isnan(ys)).astype(_float_dtype(z))


def _fmin_dx(x: Any, y: Any, z: Any) -> Any:
    xs, ys = strip(x), strip(y)
    return (np.less_equal(xs, ys) | np.isnan(ys)).astype(_float_dtype(z))


def _fmax_dy(x: Any, y: Any, z: Any) -> Any:
    return 1.0 - _fmax_dx(x, y, z)


def _fmin_dy(x: Any, y: Any, z: Any) -> Any:
    return 1.0 - _fmin_dx(x, y, z)


def _tie(mask: Any, x: Any, y: Any) -> Any:
    # 1 where the operand wins, 1/2 on a tie (PyTorch's maximum/minimum convention)
    return np.where(np.equal(x, y), 0.5, mask.astype(np.result_type(_dtype(x), _dtype(y))))


# ---- shared work when both operands are traced (each row's vjp_all; see binary) ----


def _div_both(g: Any, x: Any, y: Any, z: Any, need_x: bool, need_y: bool) -> tuple[Any, Any]:
    q = g / y  # one division serves both: x̄ = g / y and ȳ = -g z / y = -x̄ z
    return (q if need_x else None), (-(q * z) if need_y else None)


def _hypot_both(g: Any, x: Any, y: Any, z: Any, need_x: bool, need_y: bool) -> tuple[Any, Any]:
    q = g / z  # x̄ = g x / z and ȳ = g y / z
    return (q * x if need_x else None), (q * y if need_y else None)


def _arctan2_both(g: Any, x: Any, y: Any, z: Any, need_x: bool, need_y: bool) -> tuple[Any, Any]:
    q = g / (x * x + y * y)  # the denominator x² + y² once: x̄ = q y, ȳ = -q x
    return (q * y if need_x else None), (-(q * x) if need_y else None)


def _choice_both(mask: Callable) -> Callable:
    def both(g: Any, x: Any, y: Any, z: Any, need_x: bool, need_y: bool) -> tuple[Any, Any]:
        m = mask(x, y, z)  # the 0/1 choice once: x̄ = g m, ȳ = g (1 - m)
        return (g * m if need_x else None), (g * (1.0 - m) if need_y else None)

    return both


#      numpy             ∂z/∂x                                   ∂z/∂y
binary(np.add,           _ONE,                                   _ONE,
       sympy=lambda a, b: a + b, torch="add", impl=operator.add)
binary(np.subtract,      _ONE,                                   -1,
       sympy=lambda a, b: a - b, torch="sub", impl=operator.sub)
binary(np.multiply,      lambda x, y, z: y,                      lambda x, y, z: x,
       sympy=lambda a, b: a * b, torch="mul", impl=operator.mul)
binary(np.true_divide,   lambda x, y, z: 1.0 / y,                lambda x, y, z: -z / y,
       sympy=lambda a, b: a / b, torch="div", domain="positive", both=_div_both,
       impl=operator.truediv)
binary(np.power,         _pow_dx,                                _pow_dy,
       sympy=lambda a, b: a**b, torch="pow", domain="positive", impl=operator.pow)
binary(np.maximum,       lambda x, y, z: _tie(np.greater(strip(x), strip(y)), x, y),
                         lambda x, y, z: _tie(np.less(strip(x), strip(y)), x, y),
       sympy=sp.Max, torch="maximum", kink="ties split the gradient 1/2 : 1/2 (as PyTorch)")
binary(np.minimum,       lambda x, y, z: _tie(np.less(strip(x), strip(y)), x, y),
                         lambda x, y, z: _tie(np.greater(strip(x), strip(y)), x, y),
       sympy=sp.Min, torch="minimum", kink="ties split the gradient 1/2 : 1/2 (as PyTorch)")
binary(np.arctan2,       lambda x, y, z: y / (x * x + y * y),
                         lambda x, y, z: -x / (x * x + y * y),
       sympy=sp.atan2, torch="atan2", both=_arctan2_both)
binary(np.logaddexp,     lambda x, y, z: np.exp(x - z),          lambda x, y, z: np.exp(y - z),
       sympy=lambda a, b: sp.log(sp.exp(a) + sp.exp(b)), torch="logaddexp")
binary(np.hypot,         lambda x, y, z: x / z,                  lambda x, y, z: y / z,
       sympy=lambda a, b: sp.sqrt(a**2 + b**2), torch="hypot", both=_hypot_both)
binary(np.logaddexp2,    lambda x, y, z: np.exp2(x - z),         lambda x, y, z: np.exp2(y - z),
       sympy=lambda a, b: sp.log(2**a + 2**b, 2), torch="logaddexp2")
binary(np.fmax,          _fmax_dx,                               _fmax_dy,
       sympy=sp.Max, torch="fmax", kink="ties give the whole gradient to x, NaN entries none "
       "(as PyTorch's fmax)", both=_choice_both(_fmax_dx))
binary(np.fmin,          _fmin_dx,                               _fmin_dy,
       sympy=sp.Min, torch="fmin", kink="ties give the whole gradient to x, NaN entries none "
       "(as PyTorch's fmin)", both=_choice_both(_fmin_dx))
# x mod y = x - ⌊x/y⌋ y (sign of y, Python's %); fmod uses trunc (sign of x, C's fmod): both jump
# where x/y is an integer and are differentiated away from it, as PyTorch does
binary(np.remainder,     _ONE,                                   lambda x, y, z: -np.floor(x / y),
       sympy=lambda a, b: a - b * _Floor(a / b), torch="remainder", domain="positive",
       kink="jumps where x/y is an integer; the derivative there is the one-sided one of floor")
binary(np.fmod,          _ONE,                                   lambda x, y, z: -np.trunc(x / y),
       sympy=lambda a, b: a - b * _Floor(a / b), torch="fmod", domain="positive",
       kink="jumps where x/y is an integer; the derivative there is the one-sided one of trunc")
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
    # each cotangent in its operand's dtype (float32 @ float64 computes in float64)
    a_nd, b_nd = len(_shape(a)), len(_shape(b))
    if a_nd == 1 and b_nd == 1:  # inner product: ∂(a·b)/∂a = b
        return _like(g * (b if i == 0 else a), a if i == 0 else b)
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
        return _like(unbroadcast(r, _shape(a)), a)
    a2 = a if a_nd > 1 else np.expand_dims(a, -2)
    r = np.swapaxes(a2, -1, -2) @ g  # ∂/∂B: Aᵀ G
    if b_nd == 1:
        r = np.squeeze(r, -1)
    return _like(unbroadcast(r, _shape(b)), b)


def _matmul_vjp_all(g: Any, ans: Any, a: Any, b: Any, *, which: Sequence[int]) -> list[Any]:
    # one product per traced operand: a constant (a data matrix X in X @ W) gets none
    need_a, need_b = 0 in which, 1 in which
    if type(a) is np.ndarray and type(b) is np.ndarray and a.ndim == 2 and b.ndim == 2:
        # two plain matrices, the common case (a layer): no batch to sum, no vector to undo
        return [_like(g @ b.T, a) if need_a else None, _like(a.T @ g, b) if need_b else None]
    a_nd, b_nd = len(_shape(a)), len(_shape(b))
    if a_nd > 2 and b_nd == 2:  # a batch of rows times one matrix (x @ W.T in a linear layer)
        return _rows_times_matrix_vjp(g, a, b, need_a, need_b)
    if a_nd == 1 and b_nd == 1:  # inner product
        return [_like(g * b, a) if need_a else None, _like(g * a, b) if need_b else None]
    if a_nd == 1:  # a vector is a 1-row (a) or 1-column (b) matrix, then undone
        g = np.expand_dims(g, -2)
    if b_nd == 1:
        g = np.expand_dims(g, -1)
    ga = gb = None
    if need_a:
        b2 = b if b_nd > 1 else np.expand_dims(b, -1)
        ga = g @ np.swapaxes(b2, -1, -2)  # G Bᵀ
        ga = _like(unbroadcast(np.squeeze(ga, -2) if a_nd == 1 else ga, _shape(a)), a)
    if need_b:
        a2 = a if a_nd > 1 else np.expand_dims(a, -2)
        gb = np.swapaxes(a2, -1, -2) @ g  # Aᵀ G
        gb = _like(unbroadcast(np.squeeze(gb, -1) if b_nd == 1 else gb, _shape(b)), b)
    return [ga, gb]


def _rows_times_matrix_vjp(g: Any, a: Any, b: Any, need_a: bool, need_b: bool) -> list[Any]:
    """Both cotangents of ``a @ b`` for ``a`` of shape (..., m, k) and a matrix ``b`` (k, n).

    The batch dimensions are flattened into the rows, so each cotangent is ONE matrix product:
    ``B``'s is ``A_flatᵀ G_flat``, which is the sum over the batch of ``A_iᵀ G_i`` without the
    stack of per-item products that broadcasting would build and then sum away.
    """
    a_shape = _shape(a)
    rows = math.prod(a_shape[:-1])
    g2 = np.reshape(g, (rows, _shape(b)[1]))
    ga = np.reshape(g2 @ np.swapaxes(b, 0, 1), a_shape) if need_a else None
    gb = np.swapaxes(np.reshape(a, (rows, a_shape[-1])), 0, 1) @ g2 if need_b else None
    return [None if ga is None else _like(ga, a), None if gb is None else _like(gb, b)]


_register(
    Primitive(
        "matmul",
        np.matmul,
        _matmul_jvp,
        _matmul_vjp,
        torch="matmul",
        nin=2,
        vjp_all=_matmul_vjp_all,
    ),
    np.matmul,
)


# ---- structural rows: linear maps (JVP applies the map itself, VJP its adjoint) ----


def _linear_jvp(fn: Callable) -> Callable:
    def jvp(tangents: list, ans: Any, x: Any, **params: Any) -> Any:
        return fn(tangents[0], **params)

    return jvp


def _sum_vjp(i: int, g: Any, ans: Any, x: Any, *, axis: Any, keepdims: bool) -> Any:
    shape = x.shape if type(x) is np.ndarray else _shape(x)
    if not keepdims and axis is not None:
        g = np.reshape(g, _keepdims_shape(shape, axis))
    if (type(g) is np.ndarray or isinstance(g, np.generic)) and math.prod(shape) <= 4096:
        # a plain small cotangent: every summed entry receives g, written out (cheaper than a
        # broadcast view, here and in its consumers)
        out = np.empty(shape, g.dtype)
        if g.ndim:
            out[...] = g  # g along the axes kept
        else:
            out.fill(g)
        return out
    return np.broadcast_to(g, shape)  # every summed entry receives g


# the ufunc's own reduction (np.sum's Python wrapper costs more than a small sum; an impl only
# ever sees plain values, and the JVP's traced tangent goes on to np.sum through the box)
SUM = _register(
    Primitive("sum", np.add.reduce, _linear_jvp(np.add.reduce), _sum_vjp, torch="sum", nin=1)
)


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


def untake(g: Any, *, index: Any, shape: tuple[int, ...]) -> Any:
    """The adjoint of ``x[index]`` for an ``x`` of ``shape``, bound as a row (so traced too)."""
    return bind(UNTAKE, (g,), {"index": index, "shape": shape})


def _untake_impl(g: Any, *, index: Any, shape: tuple[int, ...]) -> Any:
    """Adjoint of indexing: a zero array of ``shape`` with ``g`` added at ``index``."""
    out = np.zeros(shape, dtype=_float_dtype(g))
    if basic_index(index):
        out[index] = g  # slices and integers never name an entry twice: a plain write
        return out
    return scattered(out, index, g)  # repeated integer indices accumulate


GETITEM = _register(
    Primitive(
        "getitem",
        _getitem_impl,
        _linear_jvp(_getitem_impl),
        lambda i, g, ans, x, *, index: untake(g, index=index, shape=_shape(x)),
        torch="index",
        nin=1,
    )
)
UNTAKE = _register(
    Primitive(
        "untake",
        _untake_impl,
        _linear_jvp(untake),
        lambda i, g, ans, x, *, index, shape: g[index],
        nin=1,
    )
)


def _concat_impl(*xs: Any, axis: int) -> Any:
    return np.concatenate(xs, axis=axis)


def _joined_jvp(join: Callable) -> Callable:
    """The JVP of ``join(xs, axis)`` (concatenate, stack): the tangents joined the same way, a
    constant operand's tangent being zeros."""

    def jvp(tangents: list, ans: Any, *xs: Any, axis: int) -> Any:
        dtype = _float_dtype(ans)
        ts = [
            np.zeros(_shape(x), dtype) if t is None else as_dtype(t, dtype)
            for x, t in zip(xs, tangents)
        ]
        return join(ts, axis=axis)

    return jvp


def _concat_vjp(i: int, g: Any, ans: Any, *xs: Any, axis: int) -> Any:
    return _concat_vjp_all(g, ans, *xs, axis=axis, which=(i,))[i]


def _concat_vjp_all(g: Any, ans: Any, *xs: Any, axis: int, which: Sequence[int]) -> list[Any]:
    # the traced operands' blocks of g in one pass: n pieces cost O(n) in the sweep, not O(n²)
    starts = np.cumsum([0] + [_shape(x)[axis] for x in xs]).tolist()
    index = [slice(None)] * len(_shape(g))
    blocks: list[Any] = [None] * len(xs)  # a constant piece's block is never sliced out
    for i in which:
        if blocks[i] is None:
            index[axis] = slice(starts[i], starts[i + 1])
            blocks[i] = as_dtype(g[tuple(index)], _float_dtype(xs[i]))  # operand i's block of g
    return blocks


CONCAT = _register(
    Primitive(
        "concatenate",
        _concat_impl,
        _joined_jvp(np.concatenate),
        _concat_vjp,
        torch="cat",
        vjp_all=_concat_vjp_all,
    )
)


def _stack_impl(*xs: Any, axis: int) -> Any:
    return np.stack(xs, axis=axis)


def _stack_vjp(i: int, g: Any, ans: Any, *xs: Any, axis: int) -> Any:
    return _stack_vjp_all(g, ans, *xs, axis=axis, which=(i,))[i]


def _stack_vjp_all(g: Any, ans: Any, *xs: Any, axis: int, which: Sequence[int]) -> list[Any]:
    # operand k's cotangent is the k-th slice of g along the new axis: a view, no copy
    pieces = np.moveaxis(g, axis, 0) if axis else g
    dtype = _dtype(g)
    out: list[Any] = [None] * len(xs)  # a constant operand's slice is never taken
    for i in which:
        p, want = pieces[i], _float_dtype(xs[i])
        out[i] = p if want == dtype else as_dtype(p, want)
    return out


STACK = _register(
    Primitive(
        "stack",
        _stack_impl,
        _joined_jvp(np.stack),
        _stack_vjp,
        torch="stack",
        vjp_all=_stack_vjp_all,
    )
)


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


def _extremum(np_red: Callable, ufunc: np.ufunc, name: str) -> Primitive:
    def impl(x: Any, *, axis: Any, keepdims: bool) -> Any:
        if type(x) is np.ndarray:  # the ufunc's own reduction: np.max's Python wrapper costs
            return ufunc.reduce(x, axis=axis, keepdims=keepdims)  # more than a small max
        return np_red(x, axis=axis, keepdims=keepdims)

    def share(x: Any, ans: Any, axis: Any, keepdims: bool) -> Any:
        # weight 1/k on each of the k entries that attain the extremum (PyTorch's amax rule)
        full = (
            ans if (keepdims or axis is None) else np.reshape(ans, _keepdims_shape(_shape(x), axis))
        )
        extremes = full if type(full) is np.ndarray else np.asarray(strip(full))
        hit = np.equal(x if type(x) is np.ndarray else strip(x), extremes)
        hit = hit.astype(_float_dtype(x))
        if np.count_nonzero(hit) == extremes.size and not np.isnan(extremes).any():
            return hit  # one winner per group (the usual case): no tie to share
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


AMAX = _extremum(np.max, np.maximum, "amax")
AMIN = _extremum(np.min, np.minimum, "amin")


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
    return _einsum_cotangent(i, g, xs, ins, out, spec)


def _einsum_vjp_all(g: Any, ans: Any, *xs: Any, spec: str, which: Sequence[int]) -> list[Any]:
    # the subscripts are parsed once; only the traced operands get their einsum
    ins, out = _einsum_parse(spec, [_shape(x) for x in xs])
    cts: list[Any] = [None] * len(xs)
    for i in which:
        if cts[i] is None:
            cts[i] = _einsum_cotangent(i, g, xs, ins, out, spec)
    return cts


def _einsum_cotangent(i: int, g: Any, xs: Sequence[Any], ins: list[str], out: str,
                      spec: str) -> Any:  # fmt: skip
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
    shape = _shape(xs[i])
    # an axis of size 1 that '...' broadcast against a longer one: sum the gradient back down
    sizes = [shape[target.index(c)] for c in kept]
    squash = tuple(d for d, n in enumerate(sizes) if n == 1 and _shape(grad)[d] != 1)
    if squash:
        grad = np.sum(grad, axis=squash, keepdims=True)
    if kept != target:  # letters only operand i had were summed away: broadcast back along them
        grad = np.reshape(grad, tuple(shape[target.index(c)] if c in kept else 1 for c in target))
        grad = np.broadcast_to(grad, shape)
    return _like(grad, xs[i])  # in the operand's dtype, whatever the others' are


EINSUM = _register(
    Primitive(
        "einsum", _einsum_impl, _einsum_jvp, _einsum_vjp, torch="einsum", vjp_all=_einsum_vjp_all
    )
)


# ---- the square root inside norms: PyTorch's zero-gradient convention at 0 ----


def _sqrt0_deriv(x: Any, y: Any) -> Any:
    # 1 / (2 sqrt x), and 0 where x = 0 (so ∇‖x‖ and ∇std are 0 at the kink, as in PyTorch)
    return np.where(np.equal(y, 0), 0.0, 0.5 / np.where(np.equal(y, 0), 1.0, y))


def _sqrt0_jvp(tangents: list, ans: Any, x: Any) -> Any:
    return tangents[0] * _sqrt0_deriv(x, ans)


def sqrt0(x: Any) -> Any:
    """√x with derivative 0 at x = 0 (norms and std), bound as a row (so traced too)."""
    return bind(SQRT0, (x,), {})


def _sqrt0_impl(x: Any) -> Any:
    return np.sqrt(x)


SQRT0 = _register(
    Primitive(
        "norm_sqrt",
        _sqrt0_impl,
        _sqrt0_jvp,
        lambda i, g, ans, x: g * _sqrt0_deriv(x, ans),
        sympy=sp.sqrt,
        torch="sqrt",
        domain="positive",
        kink="the square root inside np.linalg.norm and np.std has derivative 0 at 0 "
        "(PyTorch's convention for norm and std), unlike np.sqrt itself",
        nin=1,
    )
)


# ---- linear algebra ----


def _mT(a: Any) -> Any:
    return np.swapaxes(a, -1, -2)


def _inv_jvp(tangents: list, ans: Any, a: Any) -> Any:
    return -(ans @ tangents[0] @ ans)  # d(A⁻¹) = -A⁻¹ dA A⁻¹


def _inv_vjp(i: int, g: Any, ans: Any, a: Any) -> Any:
    return -(_mT(ans) @ g @ _mT(ans))  # -A⁻ᵀ G A⁻ᵀ


INV = _register(Primitive("linalg.inv", np.linalg.inv, _inv_jvp, _inv_vjp, torch="linalg.inv"))


def _solve_any(a: Any, rhs: Any, vector: bool) -> Any:
    # NumPy treats b as a vector only when b is exactly 1-D; then x = A⁻¹ b has a's batch dims
    # and the derivative's right-hand sides (batch + (M,)) are stacks of vectors, not matrices
    if vector:
        return np.squeeze(np.linalg.solve(a, np.expand_dims(rhs, -1)), -1)
    return np.linalg.solve(a, rhs)


def _solve_jvp(tangents: list, ans: Any, a: Any, b: Any) -> Any:
    ta, tb = tangents
    vector = len(_shape(b)) == 1
    # A x = b  =>  A dx = db - dA x
    rhs = tb
    if ta is not None:
        dax = np.squeeze(ta @ np.expand_dims(ans, -1), -1) if vector else ta @ ans
        rhs = -dax if rhs is None else rhs - dax
    return _solve_any(a, np.broadcast_to(rhs, _shape(ans)), vector)


def _solve_vjp_all(g: Any, ans: Any, a: Any, b: Any, *, which: Sequence[int]) -> list[Any]:
    # one adjoint solve serves both operands: Aᵀ λ = g, then b̄ = λ and Ā = -λ xᵀ (the outer
    # product only when A is traced)
    vector = len(_shape(b)) == 1
    lam = _solve_any(_mT(a), g, vector)
    ga = None
    if 0 in which:
        if vector:
            ga = -(np.expand_dims(lam, -1) * np.expand_dims(ans, -2))
        else:
            ga = -(lam @ _mT(ans))
        ga = _like(unbroadcast(ga, _shape(a)), a)
    gb = _like(unbroadcast(lam, _shape(b)), b) if 1 in which else None  # b broadcast: sum back
    return [ga, gb]


def _solve_vjp(i: int, g: Any, ans: Any, a: Any, b: Any) -> Any:
    return _solve_vjp_all(g, ans, a, b, which=(i,))[i]


SOLVE = _register(
    Primitive(
        "linalg.solve",
        np.linalg.solve,
        _solve_jvp,
        _solve_vjp,
        torch="linalg.solve",
        nin=2,
        vjp_all=_solve_vjp_all,
    )  # fmt: skip
)


def _trace_last2(m: Any) -> Any:
    return np.sum(np.diagonal(m, axis1=-2, axis2=-1), axis=-1)


def _det_jvp(tangents: list, ans: Any, a: Any) -> Any:
    # Jacobi's formula: d det A = det A · tr(A⁻¹ dA)
    return ans * _trace_last2(np.linalg.solve(a, tangents[0]))


def _det_vjp(i: int, g: Any, ans: Any, a: Any) -> Any:
    return np.expand_dims(np.expand_dims(g * ans, -1), -1) * _mT(np.linalg.inv(a))


DET = _register(Primitive("linalg.det", np.linalg.det, _det_jvp, _det_vjp, torch="linalg.det"))


def _slogdet_impl(a: Any) -> tuple[Any, Any]:
    sign, logabsdet = np.linalg.slogdet(a)
    return sign, logabsdet


def _slogdet_jvp(tangents: list, ans: tuple, a: Any) -> tuple[Any, Any]:
    # the sign is piecewise constant (tangent 0); d log|det A| = tr(A⁻¹ dA)
    return None, _trace_last2(np.linalg.solve(a, tangents[0]))


def _slogdet_vjp(cts: tuple, ans: tuple, a: Any) -> list[Any]:
    g = cts[1]  # the sign's cotangent has no effect
    if g is None:
        return [np.zeros(_shape(a), _float_dtype(a))]
    return [np.expand_dims(np.expand_dims(g, -1), -1) * _mT(np.linalg.inv(a))]


# one LU factorisation gives both outputs; np.linalg.slogdet hands back the sign as a plain
# array (it has no derivative), as it always did
SLOGDET = _register(MultiPrimitive("linalg.slogdet", _slogdet_impl, _slogdet_jvp, _slogdet_vjp,
                                   outputs=("sign", "logabsdet"),
                                   torch="linalg.slogdet"))  # fmt: skip


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
    full = untake(g, index=(Ellipsis, rows, cols), shape=moved)
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


def _copy_impl(x: Any) -> Any:
    return np.copy(x)


COPY = _register(
    Primitive(
        "copy",
        _copy_impl,
        _linear_jvp(_copy_impl),
        lambda i, g, ans, x: g,  # the identity map is its own adjoint
        torch="clone",
        nin=1,
    )
)
