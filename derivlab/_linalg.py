"""Matrix decompositions and norms: rows for eigh, svd, qr, cholesky and pinv, and composites.

NumPy returns several arrays from one decomposition (``w, V = eigh(A)``); the table has one row
per output (``linalg.eigh.eigenvalues``, ``linalg.eigh.eigenvectors``), each with its own rule, and
the composite ``np.linalg.eigh`` binds them. (Each row runs the decomposition itself, so a
function that uses both outputs decomposes twice; the rules decompose again. The cost model
should count each row as one decomposition, O(n³), not as an elementwise op.)

Conventions, the same as PyTorch's:

* ``eigh`` and ``cholesky`` read one triangle of A, but their derivatives treat A as symmetric:
  a perturbation dA enters as (dA + dAᵀ)/2, and the gradient comes back symmetric;
* the derivatives of eigenvectors and singular vectors exist only where the eigenvalues
  (singular values) are distinct: F_ij = 1/(λ_j - λ_i) appears in them. derivlab raises a
  ``ValueError`` where two are equal instead of returning inf or nan. Eigenvalues and singular
  values alone (``eigvalsh``, ``svd(compute_uv=False)``, ``norm(ord=2)``) need no such condition;
* ``svd`` differentiates the reduced decomposition (``full_matrices=False``; for a square matrix
  the two agree), ``qr`` the reduced one of a tall or square matrix (m ≥ n);
* ``pinv`` is differentiated where the rank is constant (the Golub–Pereyra formula).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from derivlab._core import Primitive, bind, strip
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


def _gap_inverse(w: Any, what: str) -> Any:
    """F_ij = 1 / (w_j - w_i) off the diagonal, 0 on it; an error where two w are equal."""
    k = _shape(w)[-1]
    eye = np.eye(k, dtype=bool)
    gap = np.expand_dims(w, -2) - np.expand_dims(w, -1)
    if np.any((strip(gap) == 0) & ~eye):
        raise ValueError(
            f"derivlab: the derivative of the {what} does not exist here: two of them are equal, "
            "so the vectors are not unique (F_ij = 1/(λ_j - λ_i) is infinite). Differentiate a "
            "function of the values only, or perturb the input so they are distinct."
        )
    return np.where(eye, 0.0, 1.0 / np.where(eye, 1.0, gap))


def _solve_right(a: Any, r: Any) -> Any:
    """``a R⁻¹``, by solving Rᵀ Xᵀ = aᵀ."""
    return _mT(np.linalg.solve(_mT(r), _mT(a)))


# ---- eigh: eigenvalues and eigenvectors of a symmetric matrix ----


def _eigh_w_impl(a: Any, *, UPLO: str) -> Any:
    return np.linalg.eigh(a, UPLO=UPLO)[0]


def _eigh_v_impl(a: Any, *, UPLO: str) -> Any:
    return np.linalg.eigh(a, UPLO=UPLO)[1]


def _eigh_w_jvp(tangents: list, ans: Any, a: Any, *, UPLO: str) -> Any:
    v = np.linalg.eigh(a, UPLO=UPLO)[1]
    return np.sum(v * (_sym(tangents[0]) @ v), axis=-2)  # dλ_j = v_jᵀ dA v_j


def _eigh_w_vjp(i: int, g: Any, ans: Any, a: Any, *, UPLO: str) -> Any:
    v = np.linalg.eigh(a, UPLO=UPLO)[1]
    return (v * np.expand_dims(g, -2)) @ _mT(v)  # Ā = V diag(λ̄) Vᵀ


def _eigh_v_jvp(tangents: list, ans: Any, a: Any, *, UPLO: str) -> Any:
    w = np.linalg.eigh(a, UPLO=UPLO)[0]
    f = _gap_inverse(w, "eigenvectors (np.linalg.eigh) where two eigenvalues")
    return ans @ (f * (_mT(ans) @ _sym(tangents[0]) @ ans))  # dV = V (F ∘ Vᵀ dA V)


def _eigh_v_vjp(i: int, g: Any, ans: Any, a: Any, *, UPLO: str) -> Any:
    w = np.linalg.eigh(a, UPLO=UPLO)[0]
    f = _gap_inverse(w, "eigenvectors (np.linalg.eigh) where two eigenvalues")
    x = _mT(ans) @ g
    return ans @ (f * (0.5 * (x - _mT(x)))) @ _mT(ans)  # Ā = V (F ∘ skew(VᵀV̄)) Vᵀ


# cost: each is one symmetric eigendecomposition, O(n³) per matrix
EIGH_W = _register(Primitive("linalg.eigh.eigenvalues", _eigh_w_impl, _eigh_w_jvp, _eigh_w_vjp,
                             torch="linalg.eigh", nin=1))  # fmt: skip
EIGH_V = _register(Primitive("linalg.eigh.eigenvectors", _eigh_v_impl, _eigh_v_jvp, _eigh_v_vjp,
                             torch="linalg.eigh", nin=1))  # fmt: skip

_EighResult = type(np.linalg.eigh(np.eye(1)))


@implements(np.linalg.eigh)
def _np_eigh(a, UPLO="L"):
    params = {"UPLO": UPLO}
    return _EighResult(bind(EIGH_W, (a,), params), bind(EIGH_V, (a,), params))


@implements(np.linalg.eigvalsh)
def _np_eigvalsh(a, UPLO="L"):
    return bind(EIGH_W, (a,), {"UPLO": UPLO})


# ---- svd: A = U diag(s) Vh (reduced) ----


def _svd_parts(a: Any) -> tuple[Any, Any, Any]:
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return u, s, vh


def _svd_s_impl(a: Any) -> Any:
    return np.linalg.svd(a, compute_uv=False)


def _svd_u_impl(a: Any) -> Any:
    return np.linalg.svd(a, full_matrices=False)[0]


def _svd_vh_impl(a: Any) -> Any:
    return np.linalg.svd(a, full_matrices=False)[2]


def _svd_s_jvp(tangents: list, ans: Any, a: Any) -> Any:
    u, _, vh = _svd_parts(a)
    return np.sum(u * (tangents[0] @ _mT(vh)), axis=-2)  # ds_j = u_jᵀ dA v_j


def _svd_s_vjp(i: int, g: Any, ans: Any, a: Any) -> Any:
    u, _, vh = _svd_parts(a)
    return (u * np.expand_dims(g, -2)) @ vh  # Ā = U diag(s̄) Vh


def _svd_f(s: Any) -> Any:
    return _gap_inverse(s * s, "singular vectors (np.linalg.svd) where two singular values")


def _svd_u_jvp(tangents: list, ans: Any, a: Any) -> Any:
    u, s, vh = _svd_parts(a)
    v = _mT(vh)
    da_v = tangents[0] @ v
    dp = _mT(u) @ da_v  # dP = Uᵀ dA V
    omega = _svd_f(s) * (dp * np.expand_dims(s, -2) + np.expand_dims(s, -1) * _mT(dp))
    # dU = U Ω + (I - U Uᵀ) dA V S⁻¹ (the second term lives outside U's columns, m > n)
    return u @ omega + (da_v - u @ dp) / np.expand_dims(s, -2)


def _svd_u_vjp(i: int, g: Any, ans: Any, a: Any) -> Any:
    u, s, vh = _svd_parts(a)
    x = _mT(u) @ g
    inner = (_svd_f(s) * (x - _mT(x))) * np.expand_dims(s, -2)  # (F ∘ (UᵀŪ - ŪᵀU)) S
    outer = (g - u @ x) / np.expand_dims(s, -2)  # (I - UUᵀ) Ū S⁻¹
    return (u @ inner + outer) @ vh


def _svd_vh_jvp(tangents: list, ans: Any, a: Any) -> Any:
    u, s, vh = _svd_parts(a)
    v = _mT(vh)
    da_t_u = _mT(tangents[0]) @ u
    dp = _mT(da_t_u) @ v  # dP = Uᵀ dA V
    omega = _svd_f(s) * (np.expand_dims(s, -1) * dp + _mT(dp) * np.expand_dims(s, -2))
    dv = v @ omega + (da_t_u - v @ _mT(dp)) / np.expand_dims(s, -2)
    return _mT(dv)


def _svd_vh_vjp(i: int, g: Any, ans: Any, a: Any) -> Any:
    u, s, vh = _svd_parts(a)
    v, gv = _mT(vh), _mT(g)
    x = vh @ gv
    inner = np.expand_dims(s, -1) * (_svd_f(s) * (x - _mT(x)))  # S (F ∘ (VᵀV̄ - V̄ᵀV))
    outer = _mT(gv - v @ x) / np.expand_dims(s, -1)  # S⁻¹ V̄ᵀ (I - VVᵀ)
    return u @ (inner @ vh + outer)


# cost: each is one SVD, O(m n min(m, n)) per matrix
SVD_S = _register(Primitive("linalg.svd.S", _svd_s_impl, _svd_s_jvp, _svd_s_vjp,
                            torch="linalg.svdvals", nin=1))  # fmt: skip
SVD_U = _register(Primitive("linalg.svd.U", _svd_u_impl, _svd_u_jvp, _svd_u_vjp,
                            torch="linalg.svd", nin=1))  # fmt: skip
SVD_VH = _register(Primitive("linalg.svd.Vh", _svd_vh_impl, _svd_vh_jvp, _svd_vh_vjp,
                             torch="linalg.svd", nin=1))  # fmt: skip

_SVDResult = type(np.linalg.svd(np.eye(1)))


@implements(np.linalg.svd)
def _np_svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    if not compute_uv:
        return bind(SVD_S, (a,), {})
    m, n = np.shape(a)[-2:]
    if full_matrices and m != n:
        raise NotImplementedError(
            "derivlab: np.linalg.svd(a) of a non-square matrix returns full_matrices=True, whose "
            "extra columns are not unique and have no derivative; call "
            "np.linalg.svd(a, full_matrices=False)."
        )
    return _SVDResult(bind(SVD_U, (a,), {}), bind(SVD_S, (a,), {}), bind(SVD_VH, (a,), {}))


@implements(np.linalg.svdvals)
def _np_svdvals(x):
    return bind(SVD_S, (x,), {})


# ---- qr: A = Q R, reduced, m ≥ n ----


def _qr_q_impl(a: Any) -> Any:
    return np.linalg.qr(a)[0]


def _qr_r_impl(a: Any) -> Any:
    return np.linalg.qr(a)[1]


def _qr_dot(a: Any, da: Any) -> tuple[Any, Any, Any, Any, Any]:
    q, r = np.linalg.qr(a)
    x = _solve_right(da, r)  # X = dA R⁻¹
    c = _mT(q) @ x
    low = _tril_strict(c)
    omega = low - _mT(low)  # QᵀdQ: skew-symmetric
    return q, r, x, c, omega


def _qr_q_jvp(tangents: list, ans: Any, a: Any) -> Any:
    q, r, x, c, omega = _qr_dot(a, tangents[0])
    return q @ omega + x - q @ c  # dQ = QΩ + (I - QQᵀ) dA R⁻¹


def _qr_r_jvp(tangents: list, ans: Any, a: Any) -> Any:
    q, r, x, c, omega = _qr_dot(a, tangents[0])
    return (c - omega) @ r  # dR = (QᵀdA R⁻¹ - Ω) R


def _qr_pullback(q: Any, r: Any, m: Any, gq: Any) -> Any:
    # Ā = (Q̄ + Q N) R⁻ᵀ with N = tril(M - Mᵀ, -1) - M (the transpose of the JVP above)
    n = _tril_strict(m - _mT(m)) - m
    xbar = q @ n if gq is None else gq + q @ n
    return _mT(np.linalg.solve(r, _mT(xbar)))


def _qr_q_vjp(i: int, g: Any, ans: Any, a: Any) -> Any:
    q, r = np.linalg.qr(a)
    return _qr_pullback(q, r, _mT(q) @ g, g)


def _qr_r_vjp(i: int, g: Any, ans: Any, a: Any) -> Any:
    q, r = np.linalg.qr(a)
    return _qr_pullback(q, r, -(g @ _mT(r)), None)


# cost: each is one QR factorisation, O(m n²) per matrix
QR_Q = _register(Primitive("linalg.qr.Q", _qr_q_impl, _qr_q_jvp, _qr_q_vjp, torch="linalg.qr",
                           nin=1))  # fmt: skip
QR_R = _register(Primitive("linalg.qr.R", _qr_r_impl, _qr_r_jvp, _qr_r_vjp, torch="linalg.qr",
                           nin=1))  # fmt: skip

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
    if mode == "r":
        return bind(QR_R, (a,), {})
    return _QRResult(bind(QR_Q, (a,), {}), bind(QR_R, (a,), {}))


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
