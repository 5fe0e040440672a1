"""Complex intermediates of real code, and the FFTs that make them.

derivlab differentiates real-valued functions of real inputs. Inside such a function a value may
still be complex for a while — ``x * (1 + 2j)``, ``np.exp(1j * x)``, ``np.fft.rfft(x)`` — as long
as it comes back to the reals (``.real``, ``.imag``, ``np.abs``, ``np.angle``, ``np.fft.irfft``)
before the function returns. Such a value is a :class:`ComplexBox`: the pair of its real and
imaginary parts, each an ordinary traced real array. Every operation on it is written as real
operations on the two parts, so its derivatives come from the real rows of the table and are
right in every mode and at every order, with no complex chain rule to get wrong.

The FFTs are real-linear maps between such pairs and have rows of their own. A row's
reverse rule is the adjoint of its map under the real inner product
``⟨a, b⟩ = Re Σ conj(a) b``: the adjoint of ``fftn`` is ``ifftn`` with the dual normalisation
(``"backward"`` ↔ ``"forward"``, ``"ortho"`` ↔ ``"ortho"``) and vice versa; ``rfftn`` is
``fftn`` followed by keeping the first ``n // 2 + 1`` frequencies of the last axis, so its
adjoint zero-pads them back first; ``irfftn``'s adjoint is ``rfftn`` with the dual
normalisation, weighted 2 on the frequencies that stand for a conjugate pair (1 on the zero
frequency and, for even ``n``, on the Nyquist one).

What a complex intermediate supports: ``+ - * /`` with real or complex values, ``**`` with a
whole exponent, ``.real``, ``.imag``, ``.conj()``, ``np.abs``, ``np.angle``, ``np.exp``,
``np.square``, sums and means, reshapes, transposes, indexing, and the FFTs; anything else
raises ``NotImplementedError`` naming the call. A function whose output is complex raises a
``TypeError``: take ``.real``, ``np.abs`` or ``np.abs(...)**2`` first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from derivlab._core import Box, Primitive, _where, bind, strip
from derivlab._numpy import FUNCTIONS, implements
from derivlab._primitives import _like, _register

__all__ = ["ComplexBox", "complex_output_error", "lift_complex"]

_DUAL = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


# ---- the pair ----


def _zero(v: Any) -> bool:
    return v is None


def _add(u: Any, v: Any) -> Any:
    return v if u is None else u if v is None else u + v


def _sub(u: Any, v: Any) -> Any:
    return (None if v is None else -v) if u is None else u if v is None else u - v


def _mul(u: Any, v: Any) -> Any:
    return None if u is None or v is None else u * v


class ComplexBox:
    """A complex value inside a traced real computation: ``re + 1j * im``.

    ``re`` and ``im`` are real arrays or traced real values; ``None`` stands for an exact zero
    part (``x * 1j`` has no real part), so no work is spent on it.
    """

    __slots__ = ("re", "im", "shape", "_real_dtype")
    __array_priority__ = 2000.0  # above Box's, so a Box hands mixed operations to this class

    def __init__(self, re: Any, im: Any, shape: tuple[int, ...], real_dtype: np.dtype) -> None:
        self.re, self.im = re, im
        self.shape = tuple(shape)
        self._real_dtype = np.dtype(real_dtype)

    # -- what it looks like --
    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=int))

    @property
    def dtype(self) -> np.dtype:
        return np.result_type(self._real_dtype, np.complex64)

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a 0-d complex value")
        return self.shape[0]

    def __repr__(self) -> str:
        return f"ComplexBox(shape={self.shape}, dtype={self.dtype})"

    # -- the parts, never None on the outside --
    @property
    def real(self) -> Any:
        return self._part(self.re)

    @property
    def imag(self) -> Any:
        return self._part(self.im)

    def _part(self, v: Any) -> Any:
        if v is None:
            return np.zeros(self.shape, self._real_dtype)
        if np.shape(v) != self.shape:
            return np.broadcast_to(v, self.shape) if not isinstance(v, Box) else v + self._zeros()
        return v

    def _zeros(self) -> np.ndarray:
        return np.zeros(self.shape, self._real_dtype)

    def conj(self) -> ComplexBox:
        return _make(self.re, None if self.im is None else -self.im, self.shape, self._real_dtype)

    conjugate = conj

    # -- arithmetic, written on the parts --
    def __add__(self, other: Any) -> Any:
        return _binary("add", self, other)

    def __radd__(self, other: Any) -> Any:
        return _binary("add", other, self)

    def __sub__(self, other: Any) -> Any:
        return _binary("subtract", self, other)

    def __rsub__(self, other: Any) -> Any:
        return _binary("subtract", other, self)

    def __mul__(self, other: Any) -> Any:
        return _binary("multiply", self, other)

    def __rmul__(self, other: Any) -> Any:
        return _binary("multiply", other, self)

    def __truediv__(self, other: Any) -> Any:
        return _binary("divide", self, other)

    def __rtruediv__(self, other: Any) -> Any:
        return _binary("divide", other, self)

    def __neg__(self) -> ComplexBox:
        neg = (lambda v: None if v is None else -v)  # fmt: skip
        return _make(neg(self.re), neg(self.im), self.shape, self._real_dtype)

    def __pos__(self) -> ComplexBox:
        return self

    def __pow__(self, exponent: Any) -> Any:
        if not isinstance(exponent, (int, np.integer)) or isinstance(exponent, bool):
            raise NotImplementedError(
                "derivlab: a complex intermediate can be raised only to a whole power "
                f"(got {exponent!r}); write z * z for z**2, or use np.abs(z)**p for a real power."
                f"{_where()}"
            )
        if exponent < 0:
            return 1.0 / self ** (-exponent)
        result: Any = 1.0
        base = self
        while exponent:  # square and multiply
            if exponent & 1:
                result = base * result
            exponent >>= 1
            if exponent:
                base = base * base
        return result

    def __abs__(self) -> Any:
        return _abs(self)

    # -- shape --
    def _each(self, fn: Any) -> ComplexBox:
        """``fn`` (a real-linear map: a reshape, an index, a sum) applied to both parts."""
        re = None if self.re is None else fn(self._part(self.re))
        im = None if self.im is None else fn(self._part(self.im))
        shape = np.shape(fn(np.empty(self.shape, self._real_dtype)))
        return _make(re, im, shape, self._real_dtype)

    def __getitem__(self, index: Any) -> ComplexBox:
        return self._each(lambda v: v[index])

    def reshape(self, *shape: Any) -> ComplexBox:
        return self._each(lambda v: np.reshape(v, shape[0] if len(shape) == 1 else shape))

    def transpose(self, *axes: Any) -> ComplexBox:
        return self._each(lambda v: np.transpose(v, (axes[0] if len(axes) == 1 else axes) or None))

    @property
    def T(self) -> ComplexBox:  # noqa: N802 (NumPy's name)
        return self.transpose()

    def sum(self, axis: Any = None, keepdims: bool = False) -> ComplexBox:
        return self._each(lambda v: np.sum(v, axis=axis, keepdims=keepdims))

    def mean(self, axis: Any = None, keepdims: bool = False) -> ComplexBox:
        return self._each(lambda v: np.mean(v, axis=axis, keepdims=keepdims))

    def ravel(self) -> ComplexBox:
        return self.reshape(-1)

    # -- conversions that would drop the derivative --
    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        raise TypeError(
            "derivlab: a complex intermediate of a traced computation was converted to a plain "
            "array, which would drop its derivative. Keep it in NumPy calls, and bring it back "
            f"to the reals with .real, .imag, np.abs or np.angle.{_where()}"
        )

    def __complex__(self) -> complex:
        return complex(self.__array__())

    def __float__(self) -> float:
        return float(self.__array__())

    def __bool__(self) -> bool:
        raise TypeError(
            "derivlab: the truth value of a complex intermediate is ambiguous; compare its "
            f"np.abs or its .real instead.{_where()}"
        )

    # -- NumPy dispatch --
    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if method != "__call__" or kwargs:
            raise _unsupported(f"np.{ufunc.__name__}" + ("" if method == "__call__" else
                                                          f".{method}"))  # fmt: skip
        if ufunc in _UFUNC_BINARY:
            return _binary(_UFUNC_BINARY[ufunc], *inputs)
        if ufunc in _UFUNC_UNARY:
            return _UFUNC_UNARY[ufunc](inputs[0])
        raise _unsupported(f"np.{ufunc.__name__}")

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        impl = _COMPLEX_FUNCTIONS.get(func)
        if impl is None:
            name = getattr(func, "__module__", "numpy").replace("numpy", "np")
            raise _unsupported(f"{name}.{func.__name__}")
        return impl(*args, **kwargs)


def _unsupported(name: str) -> NotImplementedError:
    return NotImplementedError(
        f"derivlab: {name} of a complex intermediate has no rule. A complex value inside a "
        "traced real function supports + - * /, whole powers, .real, .imag, .conj(), np.abs, "
        "np.angle, np.exp, np.square, sums, means, reshapes, indexing and the np.fft "
        "transforms; write the rest with the real and imaginary parts (z.real, z.imag)."
        f"{_where()}"
    )


def _real_dtype_of(*values: Any) -> np.dtype:
    dtypes = []
    for v in values:
        if isinstance(v, ComplexBox):
            dtypes.append(v._real_dtype)
        elif v is not None:
            d = np.result_type(strip(v))
            dtypes.append(np.empty(0, d).real.dtype if d.kind == "c" else d)
    dtype = np.result_type(*dtypes) if dtypes else np.dtype(np.float64)
    return dtype if dtype.kind == "f" else np.dtype(np.float64)


def _make(re: Any, im: Any, shape: Any, real_dtype: np.dtype) -> Any:
    """A ComplexBox, or a plain complex array when neither part is traced."""
    if not isinstance(re, (Box, ComplexBox)) and not isinstance(im, (Box, ComplexBox)):
        dtype = np.result_type(real_dtype, np.complex64)
        out = np.zeros(shape, dtype)
        if re is not None:
            out.real = re
        if im is not None:
            out.imag = im
        return out
    return ComplexBox(re, im, shape, real_dtype)


def _parts(v: Any) -> tuple[Any, Any]:
    """(re, im) of any operand, ``None`` for an exact zero part."""
    if isinstance(v, ComplexBox):
        return v.re, v.im
    if isinstance(v, Box):
        return v, None
    if isinstance(v, complex) or (hasattr(v, "dtype") and np.dtype(v.dtype).kind == "c"):
        re, im = np.real(v), np.imag(v)
        return (None if not np.any(re) else re), (None if not np.any(im) else im)
    return v, None


def lift_complex(name: str, inputs: tuple) -> Any:
    """``name`` (a ufunc's name) applied to traced values mixed with complex ones."""
    if name in _NAMES_BINARY:
        return _binary(name, *inputs)
    if name in _NAMES_UNARY:
        return _NAMES_UNARY[name](inputs[0])
    raise _unsupported(f"np.{name}")


def _binary(name: str, a: Any, b: Any) -> Any:
    shape = np.broadcast_shapes(np.shape(_shape_probe(a)), np.shape(_shape_probe(b)))
    dtype = _real_dtype_of(a, b)
    (ar, ai), (br, bi) = _parts(a), _parts(b)
    if name == "add":
        re, im = _add(ar, br), _add(ai, bi)
    elif name == "subtract":
        re, im = _sub(ar, br), _sub(ai, bi)
    elif name == "multiply":
        re, im = _sub(_mul(ar, br), _mul(ai, bi)), _add(_mul(ar, bi), _mul(ai, br))
    else:  # divide: a · conj(b) / |b|²
        if br is None and bi is None:
            raise ZeroDivisionError("derivlab: division of a complex intermediate by zero")
        den = _add(_mul(br, br), _mul(bi, bi))
        re = _add(_mul(ar, br), _mul(ai, bi))
        im = _sub(_mul(ai, br), _mul(ar, bi))
        re, im = (None if re is None else re / den), (None if im is None else im / den)
    return _make(re, im, shape, dtype)


def _shape_probe(v: Any) -> Any:
    return np.empty(v.shape) if isinstance(v, ComplexBox) else strip(v)


def _abs(z: Any) -> Any:
    re, im = _parts(z)
    if im is None:
        return np.abs(z.real) if re is not None else z._zeros()
    if re is None:
        return np.abs(im) + z._zeros() if np.shape(im) != z.shape else np.abs(im)
    nonzero = (strip(re) != 0) | (strip(im) != 0)
    if np.all(nonzero):
        return np.hypot(re, im)
    # |z|'(0) = 0, as torch.abs has it for complex z (hypot's own rule gives 0/0 there)
    return np.where(nonzero, np.hypot(np.where(nonzero, re, 1.0), np.where(nonzero, im, 0.0)), 0.0)


def _exp(z: Any) -> Any:
    re, im = _parts(z)
    scale = np.exp(re) if re is not None else None
    if im is None:
        return _make(scale, None, z.shape, z._real_dtype)
    c, s = np.cos(im), np.sin(im)
    return _make(c if scale is None else scale * c, s if scale is None else scale * s,
                 z.shape, z._real_dtype)  # fmt: skip


def _angle(z: Any, deg: bool = False) -> Any:
    if not isinstance(z, ComplexBox):
        return _REAL_ANGLE(z, deg)
    out = np.arctan2(z.imag, z.real)
    return np.rad2deg(out) if deg else out


_UFUNC_BINARY = {np.add: "add", np.subtract: "subtract", np.multiply: "multiply",
                 np.true_divide: "divide"}  # fmt: skip
_UFUNC_UNARY = {
    np.negative: lambda z: -z,
    np.positive: lambda z: z,
    np.conjugate: lambda z: z.conj() if isinstance(z, ComplexBox) else z,
    np.absolute: _abs,
    np.exp: _exp,
    np.square: lambda z: z * z,
}
_NAMES_BINARY = {"add", "subtract", "multiply", "divide", "true_divide"}  # _binary divides
_NAMES_UNARY = {u.__name__: f for u, f in _UFUNC_UNARY.items()}
COMPLEX_UFUNCS = frozenset(_NAMES_BINARY | set(_NAMES_UNARY))  # what _numpy hands over to us


def complex_output_error(where: str) -> TypeError:
    return TypeError(
        f"{where}: the function returned a complex value. derivlab differentiates real-valued "
        "functions; return its .real, .imag, np.abs(z) or np.abs(z)**2 instead."
    )


# ---- the FFT rows: real-linear maps between (re, im) pairs ----


def _c2c_row(forward: bool, part: str) -> Primitive:
    """``part`` ("real"/"imag") of fftn (forward) or ifftn of re + 1j·im over ``axes``."""
    transform = np.fft.fftn if forward else np.fft.ifftn
    adjoint = np.fft.ifftn if forward else np.fft.fftn
    take = np.real if part == "real" else np.imag

    def impl(re: Any, im: Any, *, axes: tuple, norm: str) -> Any:
        return take(transform(re + 1j * im, axes=axes, norm=norm))

    def jvp(tangents: list, ans: Any, re: Any, im: Any, *, axes: tuple, norm: str) -> Any:
        t_re, t_im = (np.zeros_like(strip(ans)) if t is None else t for t in tangents)
        return bind(row, (t_re, t_im), {"axes": axes, "norm": norm})

    def vjp(i: int, g: Any, ans: Any, re: Any, im: Any, *, axes: tuple, norm: str) -> Any:
        # ⟨g, Re(A z)⟩ = Re⟨Aᴴ g, z⟩ and ⟨g, Im(A z)⟩ = Re⟨Aᴴ(i g), z⟩, with Aᴴ g = w below
        w = adjoint(g, axes=axes, norm=_DUAL[norm])
        if part == "real":
            out = np.real(w) if i == 0 else np.imag(w)
        else:
            out = -np.imag(w) if i == 0 else np.real(w)
        return _like(out, re if i == 0 else im)  # float16 in: NumPy computes in float32

    def vjp_all(g: Any, ans: Any, re: Any, im: Any, *, axes: tuple, norm: str,
                which: Sequence[int]) -> list[Any]:  # fmt: skip
        w = adjoint(g, axes=axes, norm=_DUAL[norm])  # one adjoint transform serves re and im
        ct_re = ct_im = None
        if 0 in which:
            ct_re = _like(np.real(w) if part == "real" else -np.imag(w), re)
        if 1 in which:
            ct_im = _like(np.imag(w) if part == "real" else np.real(w), im)
        return [ct_re, ct_im]

    name = f"fft.{'fftn' if forward else 'ifftn'}.{part}"
    row = Primitive(name, impl, jvp, vjp, nin=2, vjp_all=vjp_all)
    return _register(row)


def _rfft_row(part: str) -> Primitive:
    """``part`` of rfftn(x) over ``axes``: fftn, then the first n // 2 + 1 on the last axis."""
    take = np.real if part == "real" else np.imag

    def impl(x: Any, *, axes: tuple, norm: str) -> Any:
        return take(np.fft.rfftn(x, axes=axes, norm=norm))

    def jvp(tangents: list, ans: Any, x: Any, *, axes: tuple, norm: str) -> Any:
        return bind(row, (tangents[0],), {"axes": axes, "norm": norm})

    def vjp(i: int, g: Any, ans: Any, x: Any, *, axes: tuple, norm: str) -> Any:
        last = axes[-1]
        n = np.shape(strip(x))[last]
        widths = [(0, 0)] * np.ndim(strip(x))
        widths[last] = (0, n - np.shape(strip(g))[last])
        w = np.fft.ifftn(np.pad(g, widths), axes=axes, norm=_DUAL[norm])
        return _like(np.real(w) if part == "real" else -np.imag(w), x)

    row = Primitive(f"fft.rfftn.{part}", impl, jvp, vjp, nin=1)
    return _register(row)


def _irfft_weights(n: int, m: int, ndim: int, axis: int, dtype: np.dtype) -> np.ndarray:
    """2 on the frequencies of the last axis that stand for a conjugate pair, else 1."""
    c = np.full(m, 2.0, dtype)
    c[0] = 1.0
    if n % 2 == 0 and n // 2 < m:
        c[n // 2] = 1.0
    shape = [1] * ndim
    shape[axis] = m
    return c.reshape(shape)


def _irfftn_impl(re: Any, im: Any, *, axes: tuple, norm: str, n: int) -> Any:
    s = [np.shape(strip(re))[a] for a in axes[:-1]] + [n]
    return np.fft.irfftn(re + 1j * im, s=s, axes=axes, norm=norm)


def _irfftn_jvp(tangents: list, ans: Any, re: Any, im: Any, **params: Any) -> Any:
    t_re, t_im = (np.zeros_like(strip(re)) if t is None else t for t in tangents)
    return bind(IRFFTN, (t_re, t_im), params)


def _irfftn_vjp(i: int, g: Any, ans: Any, re: Any, im: Any, *, axes: tuple, norm: str, n: int):
    w = np.fft.rfftn(g, axes=axes, norm=_DUAL[norm])
    m = np.shape(strip(re))[axes[-1]]
    weights = _irfft_weights(n, m, np.ndim(strip(re)), axes[-1] % np.ndim(strip(re)),
                             _real_dtype_of(re))  # fmt: skip
    return _like(weights * (np.real(w) if i == 0 else np.imag(w)), re if i == 0 else im)


def _irfftn_vjp_all(g: Any, ans: Any, re: Any, im: Any, *, axes: tuple, norm: str, n: int,
                    which: Sequence[int]) -> list[Any]:  # fmt: skip
    w = np.fft.rfftn(g, axes=axes, norm=_DUAL[norm])  # one forward transform serves re and im
    m = np.shape(strip(re))[axes[-1]]
    weights = _irfft_weights(n, m, np.ndim(strip(re)), axes[-1] % np.ndim(strip(re)),
                             _real_dtype_of(re))  # fmt: skip
    return [_like(weights * np.real(w), re) if 0 in which else None,
            _like(weights * np.imag(w), im) if 1 in which else None]  # fmt: skip


FFTN_RE, FFTN_IM = _c2c_row(True, "real"), _c2c_row(True, "imag")
IFFTN_RE, IFFTN_IM = _c2c_row(False, "real"), _c2c_row(False, "imag")
RFFTN_RE, RFFTN_IM = _rfft_row("real"), _rfft_row("imag")
IRFFTN = _register(Primitive("fft.irfftn", _irfftn_impl, _irfftn_jvp, _irfftn_vjp, nin=2,
                             vjp_all=_irfftn_vjp_all))  # fmt: skip


# ---- np.fft on traced values ----


def _axes_and_sizes(a: Any, s: Any, axes: Any) -> tuple[tuple, Any]:
    """NumPy's defaults: every axis, or the last len(s) axes when only s is given."""
    ndim = len(a.shape) if isinstance(a, ComplexBox) else np.ndim(strip(a))
    if axes is None:
        axes = tuple(range(ndim)) if s is None else tuple(range(ndim - len(s), ndim))
    axes = tuple(ax % ndim for ax in np.atleast_1d(axes).tolist()) if ndim else ()
    if s is not None and len(s) != len(axes):
        raise ValueError("np.fft: s and axes must have the same length")
    return axes, s


def _fit(v: Any, axes: tuple, sizes: Any) -> Any:
    """Crop or zero-pad ``v`` (real or a pair) to ``sizes`` along ``axes``, as np.fft does."""
    if sizes is None:
        return v
    if isinstance(v, ComplexBox):
        return v._each(lambda part: _fit(part, axes, sizes))
    shape = np.shape(strip(v))
    index = [slice(None)] * len(shape)
    widths = [(0, 0)] * len(shape)
    for ax, size in zip(axes, sizes):
        if size is None or size == -1:
            continue
        if size < 1:
            raise ValueError(f"np.fft: invalid number of data points ({size}) specified")
        if size < shape[ax]:
            index[ax] = slice(0, size)
        else:
            widths[ax] = (0, size - shape[ax])
    v = v[tuple(index)]
    return np.pad(v, widths) if any(w != (0, 0) for w in widths) else v


def _norm(norm: Any) -> str:
    norm = "backward" if norm is None else norm
    if norm not in _DUAL:
        raise ValueError(f'Invalid norm value {norm}; should be "backward", "ortho" or "forward".')
    return norm


def _pair_of(a: Any) -> tuple[Any, Any, tuple, np.dtype]:
    if isinstance(a, ComplexBox):
        return a.real, a.imag, a.shape, a._real_dtype
    dtype = _real_dtype_of(a)
    return a, np.zeros(np.shape(strip(a)), dtype), np.shape(strip(a)), dtype


def _c2c(forward: bool, a: Any, s: Any, axes: Any, norm: Any) -> Any:
    axes, s = _axes_and_sizes(a, s, axes)
    a = _fit(a, axes, s)
    re, im, shape, dtype = _pair_of(a)
    params = {"axes": axes, "norm": _norm(norm)}
    rows = (FFTN_RE, FFTN_IM) if forward else (IFFTN_RE, IFFTN_IM)
    return ComplexBox(bind(rows[0], (re, im), params), bind(rows[1], (re, im), params),
                      shape, dtype)  # fmt: skip


def _rfftn(a: Any, s: Any, axes: Any, norm: Any) -> Any:
    if isinstance(a, ComplexBox):
        raise TypeError(
            "np.fft.rfft/rfftn take real input; this value is complex: use np.fft.fft/fftn"
        )
    axes, s = _axes_and_sizes(a, s, axes)
    a = _fit(a, axes, s)
    params = {"axes": axes, "norm": _norm(norm)}
    shape = list(np.shape(strip(a)))
    shape[axes[-1]] = shape[axes[-1]] // 2 + 1
    return ComplexBox(bind(RFFTN_RE, (a,), params), bind(RFFTN_IM, (a,), params), shape,
                      _real_dtype_of(a))  # fmt: skip


def _irfftn(a: Any, s: Any, axes: Any, norm: Any) -> Any:
    axes, s = _axes_and_sizes(a, s, axes)
    shape = a.shape if isinstance(a, ComplexBox) else np.shape(strip(a))
    n = 2 * (shape[axes[-1]] - 1) if s is None or s[-1] in (None, -1) else s[-1]
    sizes = list(s) if s is not None else [None] * len(axes)
    sizes[-1] = n // 2 + 1  # irfftn reads n // 2 + 1 frequencies of the last axis
    a = _fit(a, axes, sizes)
    re, im, _, _ = _pair_of(a)
    return bind(IRFFTN, (re, im), {"axes": axes, "norm": _norm(norm), "n": int(n)})


def _one_axis(n: Any, axis: int) -> tuple[Any, Any]:
    return (None if n is None else (n,)), (axis,)


def _register_fft() -> None:
    fft = np.fft

    def each(np_func: Any, fn: Any) -> None:
        implements(np_func, f"fft.{np_func.__name__}")(fn)
        _COMPLEX_FUNCTIONS[np_func] = fn

    each(fft.fft, lambda a, n=None, axis=-1, norm=None, out=None:
         _c2c(True, a, *_one_axis(n, axis), norm))  # fmt: skip
    each(fft.ifft, lambda a, n=None, axis=-1, norm=None, out=None:
         _c2c(False, a, *_one_axis(n, axis), norm))  # fmt: skip
    each(fft.fft2, lambda a, s=None, axes=(-2, -1), norm=None, out=None:
         _c2c(True, a, s, axes, norm))  # fmt: skip
    each(fft.ifft2, lambda a, s=None, axes=(-2, -1), norm=None, out=None:
         _c2c(False, a, s, axes, norm))  # fmt: skip
    each(fft.fftn, lambda a, s=None, axes=None, norm=None, out=None:
         _c2c(True, a, s, axes, norm))  # fmt: skip
    each(fft.ifftn, lambda a, s=None, axes=None, norm=None, out=None:
         _c2c(False, a, s, axes, norm))  # fmt: skip
    each(fft.rfft, lambda a, n=None, axis=-1, norm=None, out=None:
         _rfftn(a, *_one_axis(n, axis), norm))  # fmt: skip
    each(fft.rfft2, lambda a, s=None, axes=(-2, -1), norm=None, out=None:
         _rfftn(a, s, axes, norm))  # fmt: skip
    each(fft.rfftn, lambda a, s=None, axes=None, norm=None, out=None:
         _rfftn(a, s, axes, norm))  # fmt: skip
    each(fft.irfft, lambda a, n=None, axis=-1, norm=None, out=None:
         _irfftn(a, *_one_axis(n, axis), norm))  # fmt: skip
    each(fft.irfft2, lambda a, s=None, axes=(-2, -1), norm=None, out=None:
         _irfftn(a, s, axes, norm))  # fmt: skip
    each(fft.irfftn, lambda a, s=None, axes=None, norm=None, out=None:
         _irfftn(a, s, axes, norm))  # fmt: skip
    each(fft.fftshift, lambda x, axes=None: _shift(x, axes, +1))
    each(fft.ifftshift, lambda x, axes=None: _shift(x, axes, -1))


def _shift(x: Any, axes: Any, sign: int) -> Any:
    if isinstance(x, ComplexBox):
        return x._each(lambda part: _shift(part, axes, sign))
    shape = np.shape(strip(x))
    axes = tuple(range(len(shape))) if axes is None else tuple(np.atleast_1d(axes).tolist())
    shifts = [sign * (shape[ax] // 2) for ax in axes]
    return np.roll(x, shifts, axes)


# ---- the rest of NumPy on a complex intermediate ----


def _REAL_ANGLE(x: Any, deg: bool = False) -> Any:  # noqa: N802
    return np.angle(strip(x), deg)  # 0 or π: piecewise constant, derivative 0


_COMPLEX_FUNCTIONS: dict[Any, Any] = {
    np.real: lambda z: z.real,
    np.imag: lambda z: z.imag,
    np.angle: _angle,
    np.sum: lambda z, axis=None, keepdims=False: z.sum(axis=axis, keepdims=keepdims),
    np.mean: lambda z, axis=None, keepdims=False: z.mean(axis=axis, keepdims=keepdims),
    np.reshape: lambda z, shape, **kw: z.reshape(shape),
    np.transpose: lambda z, axes=None: z.transpose(axes),
    np.shape: lambda z: z.shape,
    np.ndim: lambda z: z.ndim,
    np.size: lambda z: z.size,
    np.iscomplexobj: lambda z: True,
    np.isrealobj: lambda z: False,
}
FUNCTIONS[np.angle] = _angle
_register_fft()
