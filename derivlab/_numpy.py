"""NumPy's API on boxes: each NumPy function either binds a row of the primitive table or is a
composite written with other NumPy calls (``mean = sum / N``, ``stack`` = ``expand_dims`` +
``concatenate``), which then needs no derivative rule of its own.

Also here: the dispatch that :class:`~derivlab._core.Box` calls from NumPy's protocols, and the
array methods and operators of boxes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from derivlab._core import (
    FLOAT_SCALARS,
    Box,
    Primitive,
    ReverseBox,
    _where,
    bind,
    bind_multi,
    decided,
    install_numpy_layer,
    note,
    strip,
    strip_all,
)
from derivlab._primitives import (
    AMAX,
    AMIN,
    ASTYPE,
    BROADCAST,
    CONCAT,
    COPY,
    CUMSUM,
    DET,
    DIAGONAL,
    EINSUM,
    GETITEM,
    INV,
    PAD,
    PRIMITIVES,
    PROD,
    RESHAPE,
    SLOGDET,
    SOLVE,
    STACK,
    SUM,
    TRANSPOSE,
    UFUNCS,
    _einsum_parse,
    _float_dtype,
    _register,
    _shape,
    as_dtype,
    sqrt0,
    unbroadcast,
    untake,
)

FUNCTIONS: dict[Callable, Callable] = {}  # np function -> its implementation on boxes
COMPOSITES: dict[str, Callable] = {}  # name -> implementation (for the docs and the tests)

# ufuncs with a derivative that is zero wherever it exists: the result is a constant
NONDIFF_UFUNCS = {
    np.sign, np.floor, np.ceil, np.rint, np.trunc, np.greater, np.greater_equal, np.less,
    np.less_equal, np.equal, np.not_equal, np.logical_and, np.logical_or, np.logical_not,
    np.logical_xor, np.isnan, np.isinf, np.isfinite, np.signbit, np.heaviside,
    np.floor_divide,  # ⌊x/y⌋ is piecewise constant, like np.floor
}  # fmt: skip

# NumPy functions whose result does not depend differentiably on array values
NONDIFF_FUNCTIONS = {
    np.shape, np.ndim, np.size, np.zeros_like, np.ones_like, np.empty_like, np.full_like,
    np.argmax, np.argmin, np.argsort, np.nonzero, np.flatnonzero, np.isclose, np.allclose,
    np.array_equal, np.round, np.around, np.result_type, np.iscomplexobj, np.isrealobj,
    np.any, np.all, np.count_nonzero, np.sign, np.isnan, np.isfinite, np.isinf,
    np.searchsorted, np.may_share_memory, np.shares_memory, np.sort_complex,
    np.argpartition,
}  # fmt: skip


# functions that read only shapes and dtypes, not values: no work for dl.cost to count
_METADATA = {
    np.shape, np.ndim, np.size, np.zeros_like, np.ones_like, np.empty_like, np.full_like,
    np.result_type, np.iscomplexobj, np.isrealobj, np.may_share_memory, np.shares_memory,
}  # fmt: skip


def _metadata_shape(a: Any) -> tuple[int, ...]:
    return _shape(a)


def _metadata_ndim(a: Any) -> int:
    return len(_shape(a))


# np.shape and np.ndim of a box read the plain value's attribute directly: layers call them on
# every input (a transformer step asks a few dozen times), and the general route strips boxes
# out of every argument first
_METADATA_FAST = {np.shape: _metadata_shape, np.ndim: _metadata_ndim}


def implements(np_func: Callable, name: str | None = None) -> Callable:
    """Register the implementation of ``np_func`` on boxes (a composite or a row adapter)."""

    def deco(fn: Callable) -> Callable:
        FUNCTIONS[np_func] = fn
        COMPOSITES[name or np_func.__name__] = fn
        return fn

    return deco


# ---- argument normalisation ----


def _norm_axis(axis: Any, ndim: int) -> Any:
    if axis is None:
        return None
    if isinstance(axis, (tuple, list)):
        return tuple(sorted(a % ndim if ndim else a for a in axis))
    return axis % ndim if ndim else axis


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


def _ndim(x: Any) -> int:
    """``np.ndim`` without NumPy's dispatch (a box's own call would go through it per op)."""
    return len(_shape(x))


# ---- NumPy functions: adapters onto rows, and composites written with rows ----


def _with_dtype(a: Any, dtype: Any) -> Any:
    """``a`` converted first when a reduction is asked for ``dtype=`` (NumPy accumulates in it)."""
    return a if dtype is None else a.astype(dtype)


@implements(np.sum)
def _np_sum(a, axis=None, dtype=None, out=None, keepdims=False, initial=np._NoValue,
            where=np._NoValue):  # fmt: skip
    if out is not None or initial is not np._NoValue or where is not np._NoValue:
        _reject("np.sum", out=out, initial=initial, where=where)
    if dtype is not None:
        a = a.astype(dtype)  # NumPy accumulates in dtype=
    if not isinstance(a, Box):  # dtype= made it an integer: a constant
        return np.sum(a, axis=axis, keepdims=keepdims)
    if axis is None:  # a row never writes its params: every full sum shares one dict
        return a._trace.process(SUM, (a,), _SUM_KEPT if keepdims else _SUM_ALL)  # its one box
    axis = _norm_axis(axis, _ndim(a))
    return a._trace.process(SUM, (a,), {"axis": axis, "keepdims": bool(keepdims)})


_SUM_ALL, _SUM_KEPT = {"axis": None, "keepdims": False}, {"axis": None, "keepdims": True}


def _count(a: Any, axis: Any) -> int:
    """How many entries a reduction over ``axis`` combines (N in mean = sum / N)."""
    shape = _shape(a)
    axes = range(len(shape)) if axis is None else ((axis,) if isinstance(axis, int) else axis)
    return math.prod(shape[d] for d in axes)


@implements(np.mean)
def _np_mean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=np._NoValue):  # fmt: skip
    _reject("np.mean", out=out, where=where)
    a = _with_dtype(a, dtype)
    return np.sum(a, axis=axis, keepdims=keepdims) / _count(a, axis)  # mean = sum / N


@implements(np.var)
def _np_var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=np._NoValue,
            mean=np._NoValue, correction=np._NoValue):  # fmt: skip
    _reject("np.var", out=out, where=where, mean=mean)
    if correction is not np._NoValue:
        ddof = correction
    centred = a - np.mean(a, axis=axis, keepdims=True)
    return np.sum(centred * centred, axis=axis, keepdims=keepdims) / (_count(a, axis) - ddof)


@implements(np.std)
def _np_std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=np._NoValue,
            mean=np._NoValue, correction=np._NoValue):  # fmt: skip
    var = np.var(a, axis=axis, out=out, ddof=ddof, keepdims=keepdims, where=where, mean=mean,
                 correction=correction)  # fmt: skip
    return sqrt0(var)  # std = √var, with gradient 0 where var = 0 (as PyTorch)


def _extremum_adapter(prim: Primitive, name: str) -> Callable:
    def adapter(a, axis=None, out=None, keepdims=False, initial=np._NoValue,
                where=np._NoValue):  # fmt: skip
        _reject(name, out=out, initial=initial, where=where)
        return bind(prim, (a,), {"axis": _norm_axis(axis, _ndim(a)), "keepdims": bool(keepdims)})

    return adapter


for _f in (np.max, np.amax):
    implements(_f, "max")(_extremum_adapter(AMAX, "np.max"))
for _f in (np.min, np.amin):
    implements(_f, "min")(_extremum_adapter(AMIN, "np.min"))


@implements(np.prod)
def _np_prod(a, axis=None, dtype=None, out=None, keepdims=False, initial=np._NoValue,
             where=np._NoValue):  # fmt: skip
    _reject("np.prod", out=out, initial=initial, where=where)
    a = _with_dtype(a, dtype)
    if not isinstance(a, Box):
        return np.prod(a, axis=axis, keepdims=keepdims)
    axis = _norm_axis(axis, _ndim(a))
    if isinstance(axis, tuple) and len(axis) == 1:
        axis = axis[0]
    if isinstance(axis, tuple):
        # several axes: move them last, merge them into one, take the product along it
        shape = _shape(a)
        rest = [d for d in range(len(shape)) if d not in axis]
        merged = np.reshape(np.transpose(a, rest + list(axis)), [shape[d] for d in rest] + [-1])
        out = bind(PROD, (merged,), {"axis": len(rest), "keepdims": False})
        if keepdims:
            out = np.reshape(out, tuple(1 if d in axis else s for d, s in enumerate(shape)))
        return out
    return bind(PROD, (a,), {"axis": axis, "keepdims": bool(keepdims)})


@implements(np.cumsum)
def _np_cumsum(a, axis=None, dtype=None, out=None):
    _reject("np.cumsum", out=out)
    a = _with_dtype(a, dtype)
    if not isinstance(a, Box):
        return np.cumsum(a, axis=axis)
    if axis is None:
        a, axis = np.reshape(a, (-1,)), 0
    return bind(CUMSUM, (a,), {"axis": axis % _ndim(a)})


@implements(np.reshape)
def _np_reshape(a, shape=None, order="C", *, newshape=None, copy=None):
    if order != "C":
        raise NotImplementedError("derivlab: np.reshape supports order='C' only.")
    shape = newshape if shape is None else shape
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return bind(RESHAPE, (a,), {"shape": np.reshape(np.empty(_shape(a)), shape).shape})


@implements(np.ravel)
def _np_ravel(a, order="C"):
    return np.reshape(a, (-1,), order=order)


@implements(np.transpose)
def _np_transpose(a, axes=None):
    if axes is not None:
        axes = tuple(ax % _ndim(a) for ax in axes)
    return bind(TRANSPOSE, (a,), {"axes": axes})


@implements(np.swapaxes)
def _np_swapaxes(a, axis1, axis2):
    axes = list(range(_ndim(a)))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return np.transpose(a, axes)


@implements(np.moveaxis)
def _np_moveaxis(a, source, destination):
    nd = _ndim(a)
    src = [s % nd for s in np.atleast_1d(source)]
    dst = [d % nd for d in np.atleast_1d(destination)]
    order = [d for d in range(nd) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return np.transpose(a, order)


@implements(np.expand_dims)
def _np_expand_dims(a, axis):
    shape = np.expand_dims(np.empty(_shape(a)), axis).shape
    return np.reshape(a, shape)


@implements(np.squeeze)
def _np_squeeze(a, axis=None):
    shape = np.squeeze(np.empty(_shape(a)), axis).shape
    return np.reshape(a, shape)


@implements(np.atleast_1d)
def _np_atleast_1d(*arys):
    out = [a if _ndim(a) >= 1 else np.reshape(a, (1,)) for a in arys]
    return out[0] if len(out) == 1 else out


@implements(np.atleast_2d)
def _np_atleast_2d(*arys):
    out = [a if _ndim(a) >= 2 else np.reshape(a, (1,) * (2 - _ndim(a)) + _shape(a))
           for a in arys]  # fmt: skip
    return out[0] if len(out) == 1 else out


@implements(np.broadcast_to)
def _np_broadcast_to(array, shape, subok=False):
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return bind(BROADCAST, (array,), {"shape": shape})


@implements(np.broadcast_arrays)
def _np_broadcast_arrays(*args, subok=False):
    shape = np.broadcast_shapes(*(_shape(a) for a in args))
    return tuple(np.broadcast_to(a, shape) for a in args)


@implements(np.concatenate)
def _np_concatenate(arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    _reject("np.concatenate", out=out)
    arrays = list(arrays)
    if axis is None:
        arrays, axis = [np.reshape(a, (-1,)) for a in arrays], 0
    return bind(CONCAT, tuple(arrays), {"axis": axis % _ndim(arrays[0])})


@implements(np.stack)
def _np_stack(arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    _reject("np.stack", out=out)
    arrays = tuple(arrays)
    if not arrays:
        return np.stack([], axis=axis)  # NumPy's own error
    shape = _shape(arrays[0])
    for a in arrays[1:]:
        if _shape(a) != shape:
            raise ValueError(
                f"derivlab: np.stack needs arrays of one shape; got {shape} and {_shape(a)}. "
                "Reshape or pad them to a common shape first (np.concatenate joins along an "
                "existing axis and allows different lengths there)."
            )
    ndim = len(shape) + 1
    if not -ndim <= axis < ndim:
        return np.stack([strip(a) for a in arrays], axis=axis)  # NumPy's own AxisError
    return bind(STACK, arrays, {"axis": axis % ndim})


@implements(np.hstack)
def _np_hstack(tup, *, dtype=None, casting="same_kind"):
    arrs = np.atleast_1d(*tup) if len(tup) > 1 else [np.atleast_1d(tup[0])]
    return np.concatenate(arrs, axis=0 if _ndim(arrs[0]) == 1 else 1)


@implements(np.vstack)
def _np_vstack(tup, *, dtype=None, casting="same_kind"):
    arrs = [np.atleast_2d(a) for a in tup]
    return np.concatenate(arrs, axis=0)


@implements(np.flip)
def _np_flip(m, axis=None):
    nd = _ndim(m)
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
    index = [slice(None)] * _ndim(a)
    index[axis] = indices
    return a[tuple(index)]


@implements(np.where)
def _np_where(condition, x=None, y=None):
    if x is None or y is None:
        raise TypeError("derivlab: np.where(condition) with one argument returns indices; "
                        "call it on a plain boolean array.")  # fmt: skip
    cond = strip(condition)
    if not (isinstance(cond, np.ndarray) and cond.dtype == object):  # object: SymPy relations
        cond = np.asarray(cond, dtype=bool)
    # z = c·x + (1-c)·y with a 0/1 mask c: each branch receives the gradient where it is chosen
    return bind(WHERE, (x, y), {"cond": cond})


def _plus_zero(v: Any) -> bool:
    return type(v) is float and v == 0.0 and math.copysign(1.0, v) == 1.0


def _masked(cond: Any, a: Any, b: Any) -> Any:
    """``np.where(cond, a, b)``; when one side is the scalar 0 and the other a large float
    array (a ReLU, or its VJP), a multiply by the mask instead. NumPy's where takes a branch
    per entry, and a mask of random signs makes it about five times slower than a multiply.
    The values are the same: + 0.0 turns the -0.0 of a negative entry times 0 into where's 0.0
    (a kept -0.0 becomes 0.0, equal to it), and an inf or nan entry (inf · 0 is nan) falls back
    to where."""
    if type(cond) is np.ndarray and cond.size >= 4096:
        keep = a if _plus_zero(b) else (b if _plus_zero(a) else None)
        if type(keep) is np.ndarray and keep.dtype.kind == "f":
            with np.errstate(invalid="ignore"):  # inf · 0: detected below, where decides
                out = np.multiply(keep, cond if keep is a else ~cond)
            out += 0.0
            if not np.isnan(out).any():
                return out
    return np.where(cond, a, b)


def _where_impl(x: Any, y: Any, *, cond: np.ndarray) -> Any:
    return _masked(cond, x, y)


def _where_jvp(tangents: list, ans: Any, x: Any, y: Any, *, cond: np.ndarray) -> Any:
    tx, ty = tangents
    zero = np.zeros(_shape(ans), dtype=_float_dtype(ans))
    out = np.where(cond, zero if tx is None else tx, zero if ty is None else ty)
    return as_dtype(out, _float_dtype(ans))


def _where_vjp(i: int, g: Any, ans: Any, x: Any, y: Any, *, cond: np.ndarray) -> Any:
    picked = _masked(cond, g, 0.0) if i == 0 else _masked(cond, 0.0, g)
    xi = x if i == 0 else y
    return as_dtype(unbroadcast(picked, _shape(xi)), _float_dtype(xi))


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
        below = np.less(strip(a), strip(lo))
        decided("clip", below)
        out = np.where(below, lo, out)
    if hi is not None:
        above = np.greater(strip(a), strip(hi))
        decided("clip", above)
        out = np.where(above, hi, out)
    if _shape(out) != _shape(a):
        out = np.broadcast_to(out, np.broadcast_shapes(_shape(a), _shape(out)))
    return out


@implements(np.dot)
def _np_dot(a, b, out=None):
    _reject("np.dot", out=out)
    if _ndim(a) == 0 or _ndim(b) == 0:
        return a * b
    if _ndim(b) <= 2:
        return a @ b  # for b of rank ≤ 2, dot and matmul agree
    return np.tensordot(a, b, axes=([-1], [-2]))


@implements(np.vdot)
def _np_vdot(a, b):
    return np.sum(np.reshape(a, (-1,)) * np.reshape(b, (-1,)))


@implements(np.inner)
def _np_inner(a, b):
    if _ndim(a) == 0 or _ndim(b) == 0:
        return a * b
    return np.tensordot(a, b, axes=([-1], [-1]))


@implements(np.outer)
def _np_outer(a, b, out=None):
    _reject("np.outer", out=out)
    return np.reshape(a, (-1, 1)) * np.reshape(b, (1, -1))


@implements(np.tensordot)
def _np_tensordot(a, b, axes=2):
    na, nb = _ndim(a), _ndim(b)
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


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _sublist(sub: Any) -> str:
    """einsum's sublist form, [0, 1, Ellipsis], as subscripts, 'ab...'."""
    out = []
    for s in sub:
        if s is Ellipsis:
            out.append("...")
        elif isinstance(s, (int, np.integer)) and 0 <= s < len(_LETTERS):
            out.append(_LETTERS[s])
        else:
            raise ValueError(f"einsum: subscript {s!r} in the sublist form must be an int 0..51")
    return "".join(out)


@implements(np.einsum)
def _np_einsum(subscripts, *operands, out=None, optimize=False, **kwargs):
    _reject("np.einsum", out=out)
    if not isinstance(subscripts, str):  # sublist form: op0, sub0, op1, sub1, ..., [subout]
        args = (subscripts, *operands)
        operands = args[0:-1:2] if len(args) % 2 else args[0::2]
        spec = ",".join(_sublist(s) for s in args[1::2][: len(operands)])
        if len(args) % 2:
            spec += "->" + _sublist(args[-1])
        subscripts = spec
    ins, out_sub = _einsum_parse(subscripts, [_shape(x) for x in operands])
    operands = list(operands)
    for k, sub in enumerate(ins):
        # a letter repeated inside one operand ('ii->', 'iij->j') is a diagonal of it: take
        # that with np.diagonal (a row) so the einsum itself sees distinct letters only
        while len(set(sub)) != len(sub):
            c = next(c for c in sub if sub.count(c) > 1)
            p = sub.index(c)
            q = sub.index(c, p + 1)
            operands[k] = np.diagonal(operands[k], 0, p, q)  # the diagonal axis goes last
            sub = sub[:p] + sub[p + 1 : q] + sub[q + 1 :] + c
        ins[k] = sub
    return bind(EINSUM, tuple(operands), {"spec": ",".join(ins) + "->" + out_sub})


@implements(np.trace)
def _np_trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    _reject("np.trace", out=out)
    return np.sum(np.diagonal(a, offset, axis1, axis2), axis=-1)


@implements(np.diagonal)
def _np_diagonal(a, offset=0, axis1=0, axis2=1):
    return bind(DIAGONAL, (a,), {"offset": offset, "axis1": axis1, "axis2": axis2})


@implements(np.diag)
def _np_diag(v, k=0):
    if _ndim(v) == 2:
        return np.diagonal(v, k)
    if _ndim(v) != 1:
        raise ValueError("np.diag: input must be 1-d or 2-d")
    n = _shape(v)[0] + abs(k)
    rows = np.arange(n - abs(k)) + max(-k, 0)
    cols = np.arange(n - abs(k)) + max(k, 0)
    return untake(v, index=(rows, cols), shape=(n, n))  # v placed on the k-th diagonal


@implements(np.pad)
def _np_pad(array, pad_width, mode="constant", **kwargs):
    if mode != "constant" or kwargs.get("constant_values", 0) != 0:
        raise NotImplementedError(
            "derivlab: only zero padding (np.pad(x, widths)) is supported on traced values."
        )
    widths = np.broadcast_to(np.asarray(pad_width, dtype=int), (_ndim(array), 2))
    return bind(PAD, (array,), {"pad_width": tuple(map(tuple, widths.tolist()))})


@implements(np.copy)
def _np_copy(a, order="K", subok=False):
    return bind(COPY, (a,), {})  # a new array, as NumPy's (the trace's values are never shared)


@implements(np.nan_to_num)
def _np_nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    # finite entries pass through (derivative 1); NaN and ±inf become constants (derivative 0)
    plain = strip(x)
    replaced = np.nan_to_num(plain, copy=True, nan=nan, posinf=posinf, neginf=neginf)
    return np.where(np.isfinite(plain), x, replaced)


@implements(np.real_if_close)
def _np_real_if_close(a, tol=100):
    return a  # traced values are real already


@implements(np.real)
def _np_real(val):
    return val


@implements(np.imag)
def _np_imag(val):
    return np.zeros(_shape(val), np.result_type(strip(val)))  # a real value: 0, a constant


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
    sign, logabsdet = bind_multi(SLOGDET, (a,), {})  # one factorisation for both
    return _SlogdetResult(strip(sign), logabsdet)  # the sign: piecewise constant, no derivative


# ---- dispatch (installed as every box's __array_ufunc__ and __array_function__) ----


# np.sinc is a Python function rather than a ufunc; its row is an elementwise one all the same
FUNCTIONS[np.sinc] = lambda x: bind(PRIMITIVES["sinc"], (x,), {})


def _no_rule(what: str) -> NotImplementedError:
    return NotImplementedError(
        f"derivlab: no derivative rule for {what}. derivlab differentiates the NumPy functions "
        "listed in its primitive table (derivlab.primitives()); rewrite this step with those, "
        "or add a row to derivlab/_primitives.py."
    )


def dispatch_ufunc(self: Box, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
    """Every box's ``__array_ufunc__``: a ufunc called on boxes (``np.sin(x)``, ``np.add``)."""
    if method == "__call__" and not kwargs:
        prim = UFUNCS.get(ufunc)
        if prim is not None:  # the hot cases first: np.exp(x), and X @ W or Y * p with plain
            if len(inputs) == 1:  # real operands, where this box's trace records the call
                return self._trace.process(prim, inputs, _NO_PARAMS)
            if len(inputs) == 2:
                other = inputs[0] if inputs[1] is self else inputs[1]
                t = type(other)
                if t in _REAL_SCALARS or (t is np.ndarray and other.dtype.kind != "c"):
                    return self._trace.process(prim, inputs, _NO_PARAMS)
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
        out = ufunc(*(strip(x) for x in inputs), **kwargs)
        note(ufunc.__name__, np.size(out))  # a comparison or rounding is work dl.cost sees
        decided(ufunc.__name__, out)  # and a branch that dl.check_grad's kink scan watches
        return out
    prim = UFUNCS.get(ufunc)
    if prim is None:
        raise _no_rule(f"np.{ufunc.__name__}")
    if _any_complex(inputs):
        if ufunc.__name__ not in _fft.COMPLEX_UFUNCS or kwargs:
            for x in inputs:
                _real(x, ufunc.__name__)
        return _fft.lift_complex(ufunc.__name__, inputs)
    if kwargs:
        raise NotImplementedError(
            f"derivlab: np.{ufunc.__name__} with keyword arguments {sorted(kwargs)} is not "
            "supported on traced values; call it with positional arrays only."
        )
    return bind(prim, inputs, {})


def dispatch_function(self: Box, func: Callable, types: Any, args: tuple, kwargs: dict) -> Any:
    """Every box's ``__array_function__``: a NumPy function called on boxes (``np.sum(x)``)."""
    impl = FUNCTIONS.get(func)
    for x in args:
        if isinstance(x, Box):  # the common case, checked first: this runs per call
            continue
        if isinstance(x, (list, tuple)):
            for v in x:
                _real(v, func.__name__)
        else:
            _real(x, func.__name__)
    if impl is not None:
        return impl(*args, **kwargs)
    fast = _METADATA_FAST.get(func)
    if fast is not None and len(args) == 1 and not kwargs:
        return fast(args[0])
    if func in NONDIFF_FUNCTIONS:
        if func not in _METADATA:  # reads the values: dl.cost counts one flop per entry read
            note(func.__name__, max((np.size(strip(a)) for a in args if isinstance(a, Box)),
                                    default=0))  # fmt: skip
        out = func(*strip_all(args), **{k: strip_all(v) for k, v in kwargs.items()})
        if func not in _METADATA:
            decided(func.__name__, out)
        return out
    name = getattr(func, "__module__", "numpy").replace("numpy.", "np.").replace("numpy", "np")
    raise _no_rule(f"{name}.{func.__name__}")


# ---- Box operators and methods, bound straight to the rows (no NumPy detour) ----


# a real Python or NumPy scalar: an operator with one box and one of these needs no search
_REAL_SCALARS = FLOAT_SCALARS | {float, int}
_NO_PARAMS: dict = {}  # shared by every operator's application (a row never writes its params)


def _bin(prim: Primitive, reflected: bool = False) -> Callable:
    name = prim.name

    def op(self: Box, other: Any) -> Any:
        t = type(other)
        # with a real scalar (x * 2.0) or a box of the same trace (a + b), the operator's own
        # trace records the operation: no search for the innermost trace
        if t in _REAL_SCALARS or (t is type(self) and other._trace is self._trace):
            operands = (other, self) if reflected else (self, other)
            return self._trace.process(prim, operands, _NO_PARAMS)
        if not isinstance(other, Box) and _is_complex(other):
            if name not in _fft.COMPLEX_UFUNCS:
                _real(other, name)
            return _fft.lift_complex(name, (other, self) if reflected else (self, other))
        return bind(prim, (other, self) if reflected else (self, other), {})

    return op


def _is_complex(x: Any) -> bool:
    t = type(x)
    if t is float or t is int or isinstance(x, Box):  # the common cases first: this runs per op
        return False
    if t is complex:
        return True
    dtype = getattr(x, "dtype", None)
    return dtype is not None and dtype.kind == "c"


def _any_complex(xs: tuple) -> bool:
    for x in xs:  # a loop, not any(...): a generator per call costs more than the tests
        if _is_complex(x):
            return True
    return False


def _real(x: Any, name: str) -> Any:
    """``x``, or a clear error when it is complex and ``name`` has no complex rule."""
    if _is_complex(x):
        raise NotImplementedError(
            f"derivlab: np.{name} of a traced value and a complex number ({x!r:.40}) has no "
            "rule. A complex intermediate of a real computation supports + - * /, whole "
            "powers, .real, .imag, .conj(), np.abs, np.angle, np.exp, np.square, sums, "
            "reshapes, indexing and the np.fft transforms; write the rest with real arrays (for "
            "x·(a+bj), carry a·x and b·x separately)."
        )
    return x


def _floordiv(self: Box, other: Any, reflected: bool = False) -> Any:
    # ⌊x/y⌋ is piecewise constant: derivative 0 wherever it exists, like np.floor
    a, b = (other, self) if reflected else (self, other)
    _real(other, "floor_divide")
    out = np.floor_divide(strip(a), strip(b))
    decided("floor_divide", out)
    return out


def _round(self: Box, ndigits: int | None = None) -> Any:
    # round(x) is np.round(x): piecewise constant, a plain array with derivative 0
    out = np.round(strip(self), ndigits or 0)
    decided("round", out)
    return out


def _divmod(self: Box, other: Any, reflected: bool = False) -> Any:
    a, b = (other, self) if reflected else (self, other)
    quotient = np.floor_divide(strip(a), strip(b))
    decided("floor_divide", quotient)
    return quotient, np.remainder(a, b)


_ADD, _SUB, _MUL = PRIMITIVES["add"], PRIMITIVES["subtract"], PRIMITIVES["multiply"]
_DIV, _POW, _MATMUL = PRIMITIVES["divide"], PRIMITIVES["power"], PRIMITIVES["matmul"]
_NEG, _ABS, _MOD = PRIMITIVES["negative"], PRIMITIVES["absolute"], PRIMITIVES["remainder"]

Box.__add__, Box.__radd__ = _bin(_ADD), _bin(_ADD, True)
Box.__sub__, Box.__rsub__ = _bin(_SUB), _bin(_SUB, True)
Box.__mul__, Box.__rmul__ = _bin(_MUL), _bin(_MUL, True)
Box.__truediv__, Box.__rtruediv__ = _bin(_DIV), _bin(_DIV, True)
Box.__pow__, Box.__rpow__ = _bin(_POW), _bin(_POW, True)
Box.__matmul__, Box.__rmatmul__ = _bin(_MATMUL), _bin(_MATMUL, True)
Box.__mod__, Box.__rmod__ = _bin(_MOD), _bin(_MOD, True)
Box.__floordiv__ = lambda self, other: _floordiv(self, other)
Box.__rfloordiv__ = lambda self, other: _floordiv(self, other, True)
Box.__divmod__ = lambda self, other: _divmod(self, other)
Box.__rdivmod__ = lambda self, other: _divmod(self, other, True)
Box.__round__ = _round
Box.real = property(lambda self: self)  # traced values are real
Box.imag = property(lambda self: np.zeros(self.shape, self.dtype))
Box.__neg__ = lambda self: bind(_NEG, (self,), {})
Box.__pos__ = lambda self: self
Box.__abs__ = lambda self: bind(_ABS, (self,), {})


def _compare(ufunc: np.ufunc) -> Callable:
    def compare(self: Box, other: Any) -> Any:
        out = ufunc(strip(self), strip(other))
        note(ufunc.__name__, np.size(out))
        decided(ufunc.__name__, out)
        return out

    return compare


Box.__lt__, Box.__le__ = _compare(np.less), _compare(np.less_equal)
Box.__gt__, Box.__ge__ = _compare(np.greater), _compare(np.greater_equal)
Box.__eq__, Box.__ne__ = _compare(np.equal), _compare(np.not_equal)


def _getitem(self: Box, index: Any) -> Any:
    if type(index) is slice or type(index) is int:  # the common cases need no strip
        if type(self) is ReverseBox:
            return self._trace.take(GETITEM, self, index)
    else:
        index = _plain_index(index)
    return self._trace.process(GETITEM, (self,), {"index": index})  # the only operand


Box.__getitem__ = _getitem


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


def _sort_method(self: Box, *args: Any, **kwargs: Any) -> None:
    raise TypeError(
        "derivlab: x.sort() sorts in place, and traced arrays are immutable; write "
        f"x = np.sort(x) instead (the gradient follows the permutation).{_where()}"
    )


Box.sort = _sort_method
Box.repeat = lambda self, repeats, axis=None: np.repeat(self, repeats, axis)
Box.round = lambda self, decimals=0: np.round(strip(self), decimals)


def primitives() -> list[str]:
    """Names of every NumPy function derivlab can differentiate (rows and composites)."""
    names = {f"np.{p.name}" for p in PRIMITIVES.values() if p.name != "untake"}
    names |= {f"np.{n}" for n in COMPOSITES}
    return sorted(names)


# the composites for shapes and assembly, and the decompositions, register themselves on import
install_numpy_layer(dispatch_ufunc, dispatch_function)

from derivlab import _assembly, _fft, _linalg  # noqa: E402, F401
