"""Matrix decompositions and norms: rows for eigh, svd, qr, cholesky and pinv, and composites.

NumPy returns several arrays from one decomposition (``w, V = eigh(A)``); the table has ONE
row per decomposition (``linalg.eigh``, ``linalg.svd``, ``linalg.qr``, and ``linalg.slogdet`` in
:mod:`derivlab._primitives`), a :class:`~derivlab._core.MultiPrimitive` whose impl returns the
tuple, whose JVP returns a tuple of tangents and whose VJP takes the tuple of output cotangents
(``None`` for an output not used downstream) and returns A's. ``np.linalg.eigh`` binds it once
per trace level, and the rules reuse the outputs instead of decomposing again. The values-only
functions (``eigvalsh``, ``svdvals``, ``svd(compute_uv=False)``) keep rows of their own: the
decomposition is cheaper, and their derivative exists where the vectors' does not.

Conventions, the same as PyTorch's:

* ``eigh`` and ``cholesky`` read one triangle of A, but their derivatives treat A as symmetric:
  a perturbation dA enters as (dA + dAᵀ)/2, and the gradient comes back symmetric;
* the derivatives of eigenvectors and singular vectors exist only where the eigenvalues
  (singular values) are distinct: F_ij = 1/(λ_j - λ_i) appears in them. derivlab raises a
  ``ValueError`` where two are equal instead of returning inf or nan (in forward mode, when the
  vectors' tangent is read: :class:`~derivlab._core.NoDerivative`). Eigenvalues and singular
  values alone (``eigh``'s ``w``, ``eigvalsh``, ``svd(compute_uv=False)``, ``norm(ord=2)``) need
  no such condition;
* ``svd`` differentiates the reduced decomposition (``full_matrices=False``; for a square matrix
  the two agree), ``qr`` the reduced one of a tall or square matrix (m ≥ n);
* ``pinv`` is differentiated where the rank is constant (the Golub–Pereyra formula).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from derivlab._core import MultiPrimitive, NoDerivative, Primitive, bind, bind_multi, strip
from derivlab._numpy import implements
from derivlab._primitives import _float_dtype, _register, _shape, sqrt0

# ---- small matrix helpers (all NumPy calls, so the rules are differentiable) ----


def _mT(a: Any) -> Any:
    return np.swapaxes(a, -1, -2)


def _sym(a: Any) -> Any:
    return 0.5 * (a + _mT(a))


def _diag(m: Any) -> Any:
    return np.diagonal(m, 0, -2, -1)


def _tril_strict(m: Any) -> Any:
    k = _shape(m)[-1]
    return m * np.tril(np.ones((k, k), _float_dtype(m)), -1)  # the constant in m's dtype


def _gap_inverse(w: Any, what: tuple[str, str]) -> Any:
    """F_ij = 1 / (w_j - w_i) off the diagonal, 0 on it; an error where two w are equal.

    ``what`` names the vectors and the values, e.g. ("eigenvectors (np.linalg.eigh)",
    "eigenvalues"), for the error."""
    k = _shape(w)[-1]
    eye = np.eye(k, dtype=bool)
    gap = np.expand_dims(w, -2) - np.expand_dims(w, -1)
    if np.any((strip(gap) == 0) & ~eye):
        vectors, values = what
        raise ValueError(
            f"derivlab: the derivative of the {vectors} does not exist here: two {values} are "
            "equal, so the vectors are not unique (F_ij = 1/(λ_j - λ_i) is infinite). "
            "Differentiate a function of the values only, or perturb the input so that they "
            "are distinct."
        )
    return np.where(eye, 0.0, 1.0 / np.where(eye, 1.0, gap))


def _solve_right(a: Any, r: Any) -> Any:
    """``a R⁻¹``, by solving Rᵀ Xᵀ = aᵀ."""
    return _mT(np.linalg.solve(_mT(r), _mT(a)))


# ---- eigh: eigenvalues and eigenvectors of a symmetric matrix ----

_EIGH_GAPS = ("eigenvectors (np.linalg.eigh)", "eigenvalues")
_SVD_GAPS = ("singular vectors (np.linalg.svd)", "singular values")


def _vectors_gap(w: Any, what: tuple[str, str]) -> Any:
    """F for a JVP: the vectors' tangent needs it, the values' does not. Forward mode pushes a
    tangent to every output, used or not, so where F does not exist the vectors get a
    :class:`~derivlab._core.NoDerivative` tangent, which raises only if it is read."""
    try:
        return _gap_inverse(w, what)
    except ValueError as e:
        return NoDerivative(str(e))


def _eigh_impl(a: Any, *, UPLO: str) -> tuple[Any, Any]:
    w, v = np.linalg.eigh(a, UPLO=UPLO)
    return w, v


def _eigh_jvp(tangents: list, ans: tuple, a: Any, *, UPLO: str) -> tuple[Any, Any]:
    w, v = ans
    p = _mT(v) @ _sym(tangents[0]) @ v  # Vᵀ dA V, shared by both outputs
    dw = _diag(p)  # dλ_j = v_jᵀ dA v_j
    f = _vectors_gap(w, _EIGH_GAPS)
    return dw, f if isinstance(f, NoDerivative) else v @ (f * p)  # V (F ∘ P)


def _eigh_vjp(cts: tuple, ans: tuple, a: Any, *, UPLO: str) -> list[Any]:
    gw, gv = cts
    w, v = ans
    inner = None  # Ā = V (diag(λ̄) + F ∘ skew(VᵀV̄)) Vᵀ, the terms of the outputs used
    if gv is not None:
        x = _mT(v) @ gv
        inner = _gap_inverse(w, _EIGH_GAPS) * (0.5 * (x - _mT(x)))
    if gw is not None:
        diag = np.eye(_shape(w)[-1], dtype=_float_dtype(w)) * np.expand_dims(gw, -2)
        inner = diag if inner is None else inner + diag
    return [v @ inner @ _mT(v)]


# cost: one symmetric eigendecomposition, O(n³) per matrix, for both outputs
EIGH = _register(MultiPrimitive("linalg.eigh", _eigh_impl, _eigh_jvp, _eigh_vjp,
                                outputs=("eigenvalues", "eigenvectors"), torch="linalg.eigh",
                                nin=1))  # fmt: skip


def _eigvalsh_impl(a: Any, *, UPLO: str) -> Any:
    return np.linalg.eigvalsh(a, UPLO=UPLO)


def _eigvalsh_jvp(tangents: list, ans: Any, a: Any, *, UPLO: str) -> Any:
    v = np.linalg.eigh(a, UPLO=UPLO)[1]
    return np.sum(v * (_sym(tangents[0]) @ v), axis=-2)  # dλ_j = v_jᵀ dA v_j


def _eigvalsh_vjp(i: int, g: Any, ans: Any, a: Any, *, UPLO: str) -> Any:
    v = np.linalg.eigh(a, UPLO=UPLO)[1]
    return (v * np.expand_dims(g, -2)) @ _mT(v)  # Ā = V diag(λ̄) Vᵀ


# the eigenvalues alone: a cheaper decomposition with no vectors, and a rule that needs no
# distinct eigenvalues; its rules decompose once more for the vectors (np.linalg.eigh)
EIGVALSH = _register(Primitive("linalg.eigvalsh", _eigvalsh_impl, _eigvalsh_jvp, _eigvalsh_vjp,
                               torch="linalg.eigvalsh", nin=1))  # fmt: skip

_EighResult = type(np.linalg.eigh(np.eye(1)))


@implements(np.linalg.eigh)
def _np_eigh(a, UPLO="L"):
    return _EighResult(*bind_multi(EIGH, (a,), {"UPLO": UPLO}))


@implements(np.linalg.eigvalsh)
def _np_eigvalsh(a, UPLO="L"):
    return bind(EIGVALSH, (a,), {"UPLO": UPLO})


# ---- svd: A = U diag(s) Vh (reduced) ----


def _svd_impl(a: Any) -> tuple[Any, Any, Any]:
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return u, s, vh


def _svd_f(s: Any) -> Any:
    return _gap_inverse(s * s, _SVD_GAPS)


def _svd_jvp(tangents: list, ans: tuple, a: Any) -> tuple[Any, Any, Any]:
    u, s, vh = ans
    v, da = _mT(vh), tangents[0]
    da_v = da @ v
    da_t_u = _mT(da) @ u
    dp = _mT(u) @ da_v  # dP = Uᵀ dA V, shared by the three outputs
    f = _vectors_gap(s * s, _SVD_GAPS)
    if isinstance(f, NoDerivative):
        return f, _diag(dp), f
    row, col = np.expand_dims(s, -2), np.expand_dims(s, -1)  # S on the right, on the left
    # dU = U Ω_U + (I - U Uᵀ) dA V S⁻¹ (the second term lives outside U's columns, m > n)
    du = u @ (f * (dp * row + col * _mT(dp))) + (da_v - u @ dp) / row
    dv = v @ (f * (col * dp + _mT(dp) * row)) + (da_t_u - v @ _mT(dp)) / row
    return du, _diag(dp), _mT(dv)  # ds_j = u_jᵀ dA v_j


def _svd_vjp(cts: tuple, ans: tuple, a: Any) -> list[Any]:
    gu, gs, gvh = cts
    u, s, vh = ans
    row, col = np.expand_dims(s, -2), np.expand_dims(s, -1)
    f = _svd_f(s) if gu is not None or gvh is not None else None
    inner = None  # Ā = U (diag(s̄) + inner terms) Vh + the terms outside U's and V's columns
    outer = None
    if gs is not None:
        inner = np.eye(_shape(s)[-1], dtype=_float_dtype(s)) * np.expand_dims(gs, -2)
    if gu is not None:
        x = _mT(u) @ gu
        term = (f * (x - _mT(x))) * row  # (F ∘ (UᵀŪ - ŪᵀU)) S
        inner = term if inner is None else inner + term
        outer = ((gu - u @ x) / row) @ vh  # (I - UUᵀ) Ū S⁻¹ Vh
    if gvh is not None:
        v, gv = _mT(vh), _mT(gvh)
        x = vh @ gv
        term = col * (f * (x - _mT(x)))  # S (F ∘ (VᵀV̄ - V̄ᵀV))
        inner = term if inner is None else inner + term
        side = u @ (_mT(gv - v @ x) / col)  # U S⁻¹ V̄ᵀ (I - VVᵀ)
        outer = side if outer is None else outer + side
    out = u @ inner @ vh
    return [out if outer is None else out + outer]


# cost: one SVD, O(m n min(m, n)) per matrix, for the three outputs
SVD = _register(MultiPrimitive("linalg.svd", _svd_impl, _svd_jvp, _svd_vjp,
                               outputs=("U", "S", "Vh"), torch="linalg.svd", nin=1))  # fmt: skip


def _svdvals_impl(a: Any) -> Any:
    return np.linalg.svd(a, compute_uv=False)


def _svdvals_jvp(tangents: list, ans: Any, a: Any) -> Any:
    u, _, vh = _svd_impl(a)
    return np.sum(u * (tangents[0] @ _mT(vh)), axis=-2)  # ds_j = u_jᵀ dA v_j


def _svdvals_vjp(i: int, g: Any, ans: Any, a: Any) -> Any:
    u, _, vh = _svd_impl(a)
    return (u * np.expand_dims(g, -2)) @ vh  # Ā = U diag(s̄) Vh


# the singular values alone (svd(compute_uv=False), svdvals, the nuclear and 2-norms): a
# cheaper decomposition, and a rule that needs no distinct values; the rules decompose again
SVDVALS = _register(Primitive("linalg.svdvals", _svdvals_impl, _svdvals_jvp, _svdvals_vjp,
                              torch="linalg.svdvals", nin=1))  # fmt: skip

_SVDResult = type(np.linalg.svd(np.eye(1)))


@implements(np.linalg.svd)
def _np_svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    if not compute_uv:
        return bind(SVDVALS, (a,), {})
    m, n = np.shape(a)[-2:]
    if full_matrices and m != n:
        raise NotImplementedError(
            "derivlab: np.linalg.svd(a) of a non-square matrix returns full_matrices=True, whose "
            "extra columns are not unique and have no derivative; call "
            "np.linalg.svd(a, full_matrices=False)."
        )
    return _SVDResult(*bind_multi(SVD, (a,), {}))


@implements(np.linalg.svdvals)
def _np_svdvals(x):
    return bind(SVDVALS, (x,), {})


# ---- qr: A = Q R, reduced, m ≥ n ----


def _qr_impl(a: Any) -> tuple[Any, Any]:
    q, r = np.linalg.qr(a)
    return q, r


def _qr_jvp(tangents: list, ans: tuple, a: Any) -> tuple[Any, Any]:
    q, r = ans
    x = _solve_right(tangents[0], r)  # X = dA R⁻¹
    c = _mT(q) @ x
    low = _tril_strict(c)
    omega = low - _mT(low)  # QᵀdQ: skew-symmetric
    # dQ = QΩ + (I - QQᵀ) dA R⁻¹,  dR = (QᵀdA R⁻¹ - Ω) R
    return q @ omega + x - q @ c, (c - omega) @ r


def _qr_vjp(cts: tuple, ans: tuple, a: Any) -> list[Any]:
    gq, gr = cts
    q, r = ans
    # Ā = (Q̄ + Q N) R⁻ᵀ with N = tril(M - Mᵀ, -1) - M, M = QᵀQ̄ - R̄Rᵀ (the JVP transposed)
    m = None
    if gq is not None:
        m = _mT(q) @ gq
    if gr is not None:
        m = -(gr @ _mT(r)) if m is None else m - gr @ _mT(r)
    n = _tril_strict(m - _mT(m)) - m
    xbar = q @ n if gq is None else gq + q @ n
    return [_mT(np.linalg.solve(r, _mT(xbar)))]


# cost: one QR factorisation, O(m n²) per matrix, for both outputs
QR = _register(MultiPrimitive("linalg.qr", _qr_impl, _qr_jvp, _qr_vjp, outputs=("Q", "R"),
                              torch="linalg.qr", nin=1))  # fmt: skip

_QRResult = type(np.linalg.qr(np.eye(1)))


@implements(np.linalg.qr)
def _np_qr(a, mode="reduced"):
    m, n = np.shape(a)[-2:]
    if m < n or mode not in ("reduced", "complete", "r") or (mode == "complete" and m != n):
        raise NotImplementedError(
            f"derivlab: the derivative of np.linalg.qr(a, mode={mode!r}) for a {m}x{n} matrix is "
            "implemented for the reduced QR of a tall or square matrix (m >= n) only; call "
            "np.linalg.qr(a) on such a matrix (for a wide one, use the QR of a.T)."
        )
    q, r = bind_multi(QR, (a,), {})
    return r if mode == "r" else _QRResult(q, r)


# ---- cholesky: A = L Lᵀ ----


def _phi(like: Any) -> np.ndarray:
    """Φ as a mask: the lower triangle, with the diagonal halved (in the dtype of ``like``)."""
    k = _shape(like)[-1]
    return (np.tril(np.ones((k, k))) - 0.5 * np.eye(k)).astype(_float_dtype(like))


def _cholesky_impl(a: Any) -> Any:
    return np.linalg.cholesky(a)


def _cholesky_jvp(tangents: list, ans: Any, a: Any) -> Any:
    # dL = L Φ(L⁻¹ dA L⁻ᵀ), with dA symmetrised
    y = np.linalg.solve(ans, _mT(np.linalg.solve(ans, _sym(tangents[0]))))
    return ans @ (y * _phi(ans))


def _cholesky_vjp(i: int, g: Any, ans: Any, a: Any) -> Any:
    # Ā = sym(L⁻ᵀ Φ(Lᵀ L̄) L⁻¹)
    p = (_mT(ans) @ g) * _phi(ans)
    w = np.linalg.solve(_mT(ans), p)
    return _sym(_mT(np.linalg.solve(_mT(ans), _mT(w))))


# cost: one Cholesky factorisation, O(n³ / 3) per matrix
CHOLESKY = _register(Primitive("linalg.cholesky", _cholesky_impl, _cholesky_jvp, _cholesky_vjp,
                               torch="linalg.cholesky", nin=1))  # fmt: skip


@implements(np.linalg.cholesky)
def _np_cholesky(a, /, *, upper=False):
    low = bind(CHOLESKY, (a,), {})
    return _mT(low) if upper else low


# ---- pinv: the Moore–Penrose pseudo-inverse ----


def _pinv_impl(a: Any, **kw: Any) -> Any:
    return np.linalg.pinv(a, **kw)


def _eye_like(n: int, like: Any) -> np.ndarray:
    return np.eye(n, dtype=_float_dtype(like))


def _pinv_jvp(tangents: list, ans: Any, a: Any, **kw: Any) -> Any:
    # d(A⁺) = -A⁺ dA A⁺ + A⁺A⁺ᵀ dAᵀ (I - A A⁺) + (I - A⁺A) dAᵀ A⁺ᵀ A⁺   (constant rank)
    da, p = tangents[0], ans
    m, n = _shape(a)[-2:]
    return (-(p @ da @ p) + p @ _mT(p) @ _mT(da) @ (_eye_like(m, p) - a @ p)
            + (_eye_like(n, p) - p @ a) @ _mT(da) @ _mT(p) @ p)  # fmt: skip


def _pinv_vjp(i: int, g: Any, ans: Any, a: Any, **kw: Any) -> Any:
    p, pt, gt = ans, _mT(ans), _mT(g)
    m, n = _shape(a)[-2:]
    return (-(pt @ g @ pt) + (_eye_like(m, p) - a @ p) @ gt @ p @ pt
            + pt @ p @ gt @ (_eye_like(n, p) - p @ a))  # fmt: skip


# cost: one SVD, O(m n min(m, n)) per matrix
PINV = _register(Primitive("linalg.pinv", _pinv_impl, _pinv_jvp, _pinv_vjp, torch="linalg.pinv",
                           nin=1))  # fmt: skip


@implements(np.linalg.pinv)
def _np_pinv(a, rcond=None, hermitian=False, **kw):
    params = dict(kw)
    if rcond is not None:
        params["rcond"] = rcond
    return bind(PINV, (a,), params)


# ---- matrix_power: repeated squaring ----


@implements(np.linalg.matrix_power)
def _np_matrix_power(a, n):
    if not isinstance(n, (int, np.integer)):
        raise TypeError("derivlab: np.linalg.matrix_power needs an integer exponent n.")
    if n == 0:  # the identity: a constant
        return np.broadcast_to(np.eye(np.shape(a)[-1]), np.shape(a)).copy()
    if n < 0:
        a, n = np.linalg.inv(a), -n
    out = None
    while n:  # A^n by squaring: A^(2k) = (A^k)², the product rule does the rest
        if n & 1:
            out = a if out is None else out @ a
        n >>= 1
        if n:
            a = a @ a
    return out


# ---- norms: every ord NumPy has ----


def _vector_norm(x: Any, ord: Any, axis: int, keepdims: bool) -> Any:
    if ord is None or ord == 2:
        return sqrt0(np.sum(x * x, axis=axis, keepdims=keepdims))  # ∇‖x‖ = 0 at x = 0
    if ord == np.inf:
        return np.max(np.abs(x), axis=axis, keepdims=keepdims)
    if ord == -np.inf:
        return np.min(np.abs(x), axis=axis, keepdims=keepdims)
    if ord == 0:  # the number of nonzero entries: piecewise constant
        return np.sum(np.not_equal(strip(x), 0), axis=axis, keepdims=keepdims).astype(float)
    if ord == 1:
        return np.sum(np.abs(x), axis=axis, keepdims=keepdims)
    if isinstance(ord, str):
        raise ValueError(f"Invalid norm order '{ord}' for vectors")
    return np.sum(np.abs(x) ** ord, axis=axis, keepdims=keepdims) ** (1.0 / ord)


def _matrix_norm(x: Any, ord: Any, axes: tuple[int, int], keepdims: bool) -> Any:
    nd = np.ndim(x)
    r, c = axes[0] % nd, axes[1] % nd
    if r == c:
        raise ValueError("Duplicate axes given.")
    m = np.moveaxis(x, (r, c), (-2, -1))  # the matrix axes last
    if ord is None or ord == "fro":
        out = sqrt0(np.sum(m * m, axis=(-2, -1)))
    elif ord == "nuc":
        out = np.sum(np.linalg.svd(m, compute_uv=False), axis=-1)
    elif ord in (2, -2):
        s = np.linalg.svd(m, compute_uv=False)
        out = np.max(s, axis=-1) if ord == 2 else np.min(s, axis=-1)
    elif ord in (1, -1):  # the largest (smallest) column sum of |A|
        sums = np.sum(np.abs(m), axis=-2)
        out = np.max(sums, axis=-1) if ord == 1 else np.min(sums, axis=-1)
    elif ord in (np.inf, -np.inf):  # the largest (smallest) row sum of |A|
        sums = np.sum(np.abs(m), axis=-1)
        out = np.max(sums, axis=-1) if ord == np.inf else np.min(sums, axis=-1)
    else:
        raise ValueError("Invalid norm order for matrices.")
    if keepdims:
        shape = list(np.shape(x))
        shape[r] = shape[c] = 1
        out = np.reshape(out, tuple(shape))
    return out


@implements(np.linalg.norm)
def _np_norm(x, ord=None, axis=None, keepdims=False):
    nd = np.ndim(x)
    if axis is None:
        if ord is None:  # the 2-norm of the flattened array, any number of dimensions
            out = sqrt0(np.sum(x * x))
            return np.reshape(out, (1,) * nd) if keepdims else out
        if nd == 1:
            return _vector_norm(x, ord, 0, keepdims)
        if nd == 2:
            return _matrix_norm(x, ord, (0, 1), keepdims)
        raise ValueError("Improper number of dimensions to norm.")
    if isinstance(axis, (int, np.integer)):
        return _vector_norm(x, ord, int(axis), keepdims)
    axis = tuple(axis)
    if len(axis) == 1:
        return _vector_norm(x, ord, axis[0], keepdims)
    if len(axis) == 2:
        return _matrix_norm(x, ord, axis, keepdims)
    raise ValueError("Improper number of dimensions to norm.")


@implements(np.linalg.vector_norm)
def _np_vector_norm(x, /, *, axis=None, keepdims=False, ord=2):
    if axis is None:
        out = _vector_norm(np.reshape(x, (-1,)), ord, 0, False)
        return np.reshape(out, (1,) * np.ndim(x)) if keepdims else out
    if isinstance(axis, tuple) and len(axis) > 1:  # several axes: flatten them into one
        nd = np.ndim(x)
        axes = tuple(a % nd for a in axis)
        rest = [d for d in range(nd) if d not in axes]
        shape = np.shape(x)
        flat = np.reshape(np.transpose(x, rest + list(axes)), [shape[d] for d in rest] + [-1])
        out = _vector_norm(flat, ord, -1, False)
        if keepdims:
            out = np.reshape(out, tuple(1 if d in axes else s for d, s in enumerate(shape)))
        return out
    return _vector_norm(x, ord, axis if isinstance(axis, int) else axis[0], keepdims)


@implements(np.linalg.matrix_norm)
def _np_matrix_norm(x, /, *, keepdims=False, ord="fro"):
    return _matrix_norm(x, ord, (-2, -1), keepdims)


@implements(np.linalg.multi_dot)
def _np_multi_dot(arrays, *, out=None):
    if out is not None:
        raise TypeError("derivlab: np.linalg.multi_dot(..., out=...) would drop the derivative; "
                        "use the returned value.")  # fmt: skip
    arrays = list(arrays)
    result = arrays[0]
    for a in arrays[1:]:  # left to right (NumPy may pick a cheaper order: the same product)
        result = result @ a
    return result
