"""Shape and assembly on boxes: repeating, rolling, splitting, windows, sorting, all composites.

Every function here is written with rows that already exist, so none needs a derivative rule:

* a **gather** — output entry k reads input entry ``idx[k]`` — is ``np.reshape(x, -1)[idx]``,
  with the integer index map ``idx`` computed by NumPy itself on ``np.arange(x.size)``
  (``repeat``, ``roll``, ``sliding_window_view``, ``sort``, ``partition``,
  ``take_along_axis``); its adjoint, the indexing row's, scatters and *adds*, so an entry read
  twice (a repeat, overlapping windows) receives both cotangents;
* masks select with ``np.where`` (``tril``, ``triu``, ``select``);
* the rest are reshapes, broadcasts, flips, transposes, products and concatenations.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from derivlab._core import decided, strip
from derivlab._numpy import implements

# ---- gathers: an index map computed on plain integers, applied to the traced value ----


def _gather(a: Any, index_map: Any) -> Any:
    """``out[k] = a.flat[index_map[k]]``: the derivative scatters back (and accumulates)."""
    return np.reshape(a, (-1,))[np.asarray(index_map)]


def _positions(a: Any) -> np.ndarray:
    return np.arange(math.prod(np.shape(a))).reshape(np.shape(a))


@implements(np.repeat)
def _np_repeat(a, repeats, axis=None):
    return _gather(a, np.repeat(_positions(a), strip(repeats), axis))


@implements(np.roll)
def _np_roll(a, shift, axis=None):
    return _gather(a, np.roll(_positions(a), shift, axis))


@implements(np.lib.stride_tricks.sliding_window_view, "sliding_window_view")
def _np_sliding_window_view(x, window_shape, axis=None, *, subok=False, writeable=False):
    if writeable:
        raise TypeError(
            "derivlab: sliding_window_view(..., writeable=True) would let the windows be written "
            "into; traced values are immutable. Drop writeable=True."
        )
    # the windows are a copy here, not a view (the gradient adds up overlapping windows)
    return _gather(x, np.lib.stride_tricks.sliding_window_view(_positions(x), window_shape, axis))


@implements(np.take_along_axis)
def _np_take_along_axis(arr, indices, axis=-1):
    if axis is None:
        return _gather(arr, indices)
    return _gather(arr, np.take_along_axis(_positions(arr), np.asarray(strip(indices)), axis))


@implements(np.sort)
def _np_sort(a, axis=-1, kind=None, order=None, *, stable=None):
    # the sorted values are the input permuted: the gradient follows the permutation back
    if order is not None:
        raise NotImplementedError("derivlab: np.sort(..., order=) needs a structured array.")
    if axis is None:
        a, axis = np.reshape(a, (-1,)), 0
    perm = np.argsort(strip(a), axis=axis, kind="stable" if stable else kind)
    decided("sort", perm)  # the order chosen: dl.check_grad's kink scan watches it change
    return np.take_along_axis(a, perm, axis)


@implements(np.partition)
def _np_partition(a, kth, axis=-1, kind="introselect", order=None):
    # as sort: the partitioned array is a permutation of a (the one np.argpartition chooses)
    if order is not None:
        raise NotImplementedError("derivlab: np.partition(..., order=) needs a structured array.")
    if axis is None:
        a, axis = np.reshape(a, (-1,)), 0
    perm = np.argpartition(strip(a), kth, axis=axis)
    decided("partition", perm)
    return np.take_along_axis(a, perm, axis)


# ---- masks ----


def _tri_mask(m: Any, k: int, lower: bool) -> np.ndarray:
    shape = np.shape(m)
    ones = np.ones(shape if len(shape) >= 2 else shape * 2, dtype=bool)
    return np.tril(ones, k) if lower else np.triu(ones, k)


@implements(np.tril)
def _np_tril(m, k=0):
    return np.where(_tri_mask(m, k, True), m, 0.0)  # entries above the k-th diagonal are 0


@implements(np.triu)
def _np_triu(m, k=0):
    return np.where(_tri_mask(m, k, False), m, 0.0)


@implements(np.select)
def _np_select(condlist, choicelist, default=0):
    if len(condlist) != len(choicelist):
        raise ValueError("list of cases must be same length as list of conditions")
    # the first condition that holds wins: build from the last one backwards
    out = default
    for cond, choice in reversed(list(zip(condlist, choicelist))):
        out = np.where(strip(cond), choice, out)
    shape = np.broadcast_shapes(*(np.shape(c) for c in [*condlist, *choicelist]))
    return np.broadcast_to(out, shape) if np.shape(out) != shape else out


# ---- flips and rotations ----


@implements(np.flipud)
def _np_flipud(m):
    return np.flip(m, 0)


@implements(np.fliplr)
def _np_fliplr(m):
    if np.ndim(m) < 2:
        raise ValueError("Input must be >= 2-d.")
    return np.flip(m, 1)


@implements(np.rot90)
def _np_rot90(m, k=1, axes=(0, 1)):
    nd = np.ndim(m)
    a0, a1 = axes[0] % nd, axes[1] % nd
    k %= 4
    if k == 0:
        return m
    if k == 2:
        return np.flip(np.flip(m, a0), a1)
    perm = list(range(nd))
    perm[a0], perm[a1] = perm[a1], perm[a0]
    if k == 1:
        return np.transpose(np.flip(m, a1), perm)
    return np.flip(np.transpose(m, perm), a1)


@implements(np.rollaxis)
def _np_rollaxis(a, axis, start=0):
    nd = np.ndim(a)
    axis %= nd
    start = start + nd if start < 0 else start
    if not 0 <= start <= nd:
        raise np.exceptions.AxisError(f"'start' arg requires {-nd} <= start < {nd + 1}")
    if axis < start:
        start -= 1
    order = [d for d in range(nd) if d != axis]
    order.insert(start, axis)
    return np.transpose(a, order)


# ---- splitting ----


@implements(np.array_split)
def _np_array_split(ary, indices_or_sections, axis=0):
    n = np.shape(ary)[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        sections = int(indices_or_sections)
        if sections <= 0:
            raise ValueError("number sections must be larger than 0.")
        each, extra = divmod(n, sections)  # the first `extra` parts get one more entry
        sizes = [each + 1] * extra + [each] * (sections - extra)
        bounds = [0, *np.cumsum(sizes).tolist()]
    else:
        bounds = [0, *indices_or_sections, n]
    index = [slice(None)] * np.ndim(ary)
    parts = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        index[axis] = slice(lo, hi)
        parts.append(ary[tuple(index)])
    return parts


@implements(np.split)
def _np_split(ary, indices_or_sections, axis=0):
    if isinstance(indices_or_sections, (int, np.integer)):
        if np.shape(ary)[axis] % indices_or_sections:
            raise ValueError("array split does not result in an equal division")
    return np.array_split(ary, indices_or_sections, axis)


@implements(np.hsplit)
def _np_hsplit(ary, indices_or_sections):
    if np.ndim(ary) == 0:
        raise ValueError("hsplit only works on arrays of 1 or more dimensions")
    return np.split(ary, indices_or_sections, 1 if np.ndim(ary) > 1 else 0)


@implements(np.vsplit)
def _np_vsplit(ary, indices_or_sections):
    if np.ndim(ary) < 2:
        raise ValueError("vsplit only works on arrays of 2 or more dimensions")
    return np.split(ary, indices_or_sections, 0)


@implements(np.dsplit)
def _np_dsplit(ary, indices_or_sections):
    if np.ndim(ary) < 3:
        raise ValueError("dsplit only works on arrays of 3 or more dimensions")
    return np.split(ary, indices_or_sections, 2)


# ---- assembling ----


@implements(np.append)
def _np_append(arr, values, axis=None):
    if axis is None:
        return np.concatenate([np.reshape(arr, (-1,)), np.reshape(values, (-1,))])
    return np.concatenate([arr, values], axis=axis)


@implements(np.column_stack)
def _np_column_stack(tup):
    cols = [np.reshape(a, (-1, 1)) if np.ndim(a) < 2 else a for a in tup]
    return np.concatenate(cols, axis=1)


@implements(np.atleast_3d)
def _np_atleast_3d(*arys):
    out = []
    for a in arys:
        shape = np.shape(a)
        if len(shape) == 0:
            a = np.reshape(a, (1, 1, 1))
        elif len(shape) == 1:
            a = np.reshape(a, (1, shape[0], 1))
        elif len(shape) == 2:
            a = np.reshape(a, (*shape, 1))
        out.append(a)
    return out[0] if len(out) == 1 else out


@implements(np.tile)
def _np_tile(A, reps):
    reps = (reps,) if isinstance(reps, (int, np.integer)) else tuple(reps)
    shape = np.shape(A)
    nd = max(len(shape), len(reps))
    shape = (1,) * (nd - len(shape)) + shape
    reps = (1,) * (nd - len(reps)) + reps
    # interleave (r0, s0, r1, s1, ...): broadcast each axis r times, then merge the pairs
    spread = np.reshape(A, tuple(v for s in shape for v in (1, s)))
    tiled = np.broadcast_to(spread, tuple(v for r, s in zip(reps, shape) for v in (r, s)))
    return np.reshape(tiled, tuple(r * s for r, s in zip(reps, shape)))


@implements(np.kron)
def _np_kron(a, b):
    # (a ⊗ b)[i·m + j] = a[i] b[j], axis by axis: an outer product with interleaved axes
    nd = max(np.ndim(a), np.ndim(b))
    sa = (1,) * (nd - np.ndim(a)) + np.shape(a)
    sb = (1,) * (nd - np.ndim(b)) + np.shape(b)
    ea = np.reshape(a, tuple(v for s in sa for v in (s, 1)))
    eb = np.reshape(b, tuple(v for s in sb for v in (1, s)))
    return np.reshape(ea * eb, tuple(x * y for x, y in zip(sa, sb)))


@implements(np.cross)
def _np_cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    if axis is not None:
        axisa = axisb = axisc = axis
    a = np.moveaxis(a, axisa, -1)
    b = np.moveaxis(b, axisb, -1)
    if np.shape(a)[-1] != 3 or np.shape(b)[-1] != 3:
        raise NotImplementedError(
            "derivlab: np.cross of traced values supports 3-vectors only; for 2-vectors write "
            "the scalar a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]."
        )
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
    c = np.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)
    return np.moveaxis(c, -1, axisc)


@implements(np.diff)
def _np_diff(a, n=1, axis=-1, prepend=np._NoValue, append=np._NoValue):
    nd = np.ndim(a)
    axis %= nd
    parts = []
    for extra in (prepend, a, append):
        if extra is np._NoValue:
            continue
        if extra is not a and np.ndim(extra) == 0:  # a scalar is broadcast to one slice
            shape = list(np.shape(a))
            shape[axis] = 1
            extra = np.broadcast_to(extra, tuple(shape))
        parts.append(extra)
    if len(parts) > 1:
        a = np.concatenate(parts, axis=axis)
    hi = [slice(None)] * nd
    lo = [slice(None)] * nd
    hi[axis], lo[axis] = slice(1, None), slice(None, -1)
    for _ in range(n):
        a = a[tuple(hi)] - a[tuple(lo)]  # Δa_k = a_{k+1} - a_k
    return a


@implements(np.linspace)
def _np_linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0, *,
                 device=None):  # fmt: skip
    if dtype is not None and not np.issubdtype(np.dtype(dtype), np.floating):
        raise TypeError(
            f"derivlab: np.linspace(..., dtype={np.dtype(dtype)}) of traced endpoints would round "
            "them to integers; use a float dtype (or round the result with np.round)."
        )
    div = (num - 1) if endpoint else num
    shape = np.broadcast_shapes(np.shape(start), np.shape(stop))
    real = np.result_type(strip(start), strip(stop), float(num))  # NumPy's choice of dtype
    t = np.arange(num, dtype=real).reshape((-1,) + (1,) * len(shape))
    if div > 0:
        step = (stop - start) / div
        y = start + t * step  # y_k = start + k·(stop - start)/div
    else:  # one sample, at start (NumPy's step is then nan)
        step = np.nan
        y = start + 0.0 * t
    if endpoint and num > 1:  # NumPy makes the last sample exactly stop
        y = np.concatenate([y[:-1], np.broadcast_to(stop, (1,) + shape)], axis=0)
    if np.shape(y) != (num,) + shape:
        y = np.broadcast_to(y, (num,) + shape)
    if axis != 0:
        y = np.moveaxis(y, 0, axis)
    if dtype is not None:
        y = y.astype(dtype)
    return (y, step) if retstep else y
