"""Shared test helpers: sample points, oracles (SymPy and torch) and one example per table entry.

The table-driven tests in ``test_table.py`` read three registries kept here:

* :data:`TORCH_ELEMENTWISE` — torch counterparts for elementwise rows whose ``row.torch`` is None;
* :data:`STRUCTURAL` — for every row without a SymPy counterpart (sums, indexing, linear algebra),
  a list of :class:`Case` objects: a NumPy function that binds the row, the same computation in
  torch, and the arguments;
* :data:`COMPOSITES` — the same for every composite in ``derivlab._numpy.COMPOSITES``.

A row or composite that is added to the package without an entry here makes a test fail, so a new
rule cannot ship untested.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from derivlab._core import ReverseBox, ReverseTrace

# ---- tolerances ----
# float64 against float64: both sides round differently (summation order, libm), so agreement is
# to a few ulps times the conditioning of the expression; 1e-10 leaves room for that and no more.
RTOL = 1e-10
ATOL = 1e-10


def assert_close(actual: Any, expected: Any, rtol: float = RTOL, atol: float = ATOL) -> None:
    """``actual`` equals ``expected`` to ``rtol``/``atol`` (NaN equal to NaN), shapes included."""
    actual = to_numpy(actual)
    expected = to_numpy(expected)
    assert np.shape(actual) == np.shape(expected), (np.shape(actual), np.shape(expected))
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True)


def to_numpy(x: Any) -> Any:
    """A torch tensor (or nested tuple/list of them) as NumPy; other values pass through."""
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    if isinstance(x, (tuple, list)):
        return type(x)(to_numpy(v) for v in x)
    return x


def to_torch(x: Any, requires_grad: bool = True) -> torch.Tensor:
    """A float64 leaf tensor holding a copy of ``x``."""
    return torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=requires_grad)


# ---- sample points from a row's domain ----
# Intervals keep away from the edges of each domain and from the kinks (0 for abs, sign and the
# origin of arctan2/hypot), so that the derivative exists and the oracles are well conditioned.
DOMAINS: dict[str, tuple[float, float]] = {
    "real": (-2.0, 2.0),
    "positive": (0.3, 2.5),
    "unit": (-0.8, 0.8),
    "above1": (1.2, 3.0),
}
KINK_GAP = 0.2  # |x| and |x - y| stay at least this far from 0


def sample(domain: str, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Points drawn uniformly from ``domain``, at least KINK_GAP away from 0."""
    lo, hi = DOMAINS[domain]
    x = rng.uniform(lo, hi, size=shape)
    # fold points near zero away from it (keeps the sign, so both branches of a kink are sampled)
    near = np.abs(x) < KINK_GAP
    x[near] = np.copysign(KINK_GAP, x[near]) + x[near]
    return x


def sample_pair(domain: str, shape: tuple[int, ...], rng: np.random.Generator) -> list:
    """Two operands for a binary row, never tied (|x - y| >= KINK_GAP, for maximum/minimum)."""
    x = sample(domain, shape, rng)
    y = sample(domain, shape, rng)
    tied = np.abs(x - y) < KINK_GAP
    y[tied] = x[tied] + np.where(x[tied] < np.mean(DOMAINS[domain]), 1.0, -1.0) * 2 * KINK_GAP
    return [x, y]


# ---- torch counterparts of elementwise rows ----
# Rows whose ``torch`` field is None (torch has no function of that name) get one here.
TORCH_ELEMENTWISE: dict[str, Callable[..., torch.Tensor]] = {
    "cbrt": lambda t: t ** (1.0 / 3.0),  # domain is positive, so the real cube root is t^(1/3)
}


def torch_elementwise(row: Any) -> Callable[..., torch.Tensor]:
    """The torch function that computes the same thing as an elementwise or binary row."""
    if row.name in TORCH_ELEMENTWISE:
        return TORCH_ELEMENTWISE[row.name]
    if row.torch is None:
        raise LookupError(
            f"row {row.name!r} has no torch oracle: set torch= in the row or add it to "
            "tests/oracles.py TORCH_ELEMENTWISE"
        )
    return getattr(torch, row.torch)


# ---- one example per structural row and per composite ----


@dataclass
class Case:
    """A NumPy computation, the same in torch, and its (differentiated) arguments.

    Attributes:
        label: a short id for pytest.
        fn: plain NumPy function of the arguments (derivlab traces it).
        torch_fn: the same computation on torch tensors (the oracle).
        args: float64 arrays; every one is differentiated.
        bugs: known package bugs this example exposes, ``{test kind: reason}`` with kinds
            "value", "vjp", "jvp", "adjoint", "jac", "hessian"; those tests are marked
            ``xfail(strict=True)`` and start passing (then failing as XPASS) once fixed.
    """

    label: str
    fn: Callable[..., Any]
    torch_fn: Callable[..., Any]
    args: tuple[np.ndarray, ...]
    bugs: dict[str, str] = field(default_factory=dict)


_rng = np.random.default_rng(20240611)


def _a(*shape: int) -> np.ndarray:
    return _rng.uniform(-1.5, 1.5, size=shape)


def _spd_ish(*shape: int) -> np.ndarray:
    """Well-conditioned square matrices (random plus 3·I), for inverse, solve and det."""
    n = shape[-1]
    return _a(*shape) + 3.0 * np.eye(n)


def _case(
    label: str, fn: Callable, torch_fn: Callable, *args: np.ndarray, bugs: dict | None = None
) -> Case:
    arrays = tuple(np.asarray(a, dtype=np.float64) for a in args)
    return Case(label, fn, torch_fn, arrays, dict(bugs or {}))


_IDX = np.array([2, 0, 2, 1, 2])  # integer indices with repeats: gradients must accumulate
_MASK = _a(3, 4) > 0
_COND = _a(3, 4) > 0
_PAD_NP = ((1, 2), (0, 3))
_PAD_TORCH = (0, 3, 1, 2)  # torch pads the last axis first


def _t_diag_embed(v: torch.Tensor, k: int = 0) -> torch.Tensor:
    return torch.diag(v, k)


def _sym3(*batch: int) -> np.ndarray:
    """Symmetric matrices with well separated eigenvalues (for eigh)."""
    a = _a(*batch, 3, 3)
    return a + np.swapaxes(a, -1, -2) + np.diag([0.0, 2.0, 4.0])


def _spd(*batch: int) -> np.ndarray:
    """Symmetric positive definite matrices (for cholesky): A Aᵀ + 3 I."""
    a = _a(*batch, 3, 3)
    return a @ np.swapaxes(a, -1, -2) + 3.0 * np.eye(3)


def _t_eigh_w(a: torch.Tensor) -> torch.Tensor:
    return torch.linalg.eigh(a)[0]


def _t_eigh_v2(a: torch.Tensor) -> torch.Tensor:
    return torch.linalg.eigh(a)[1] ** 2  # squared: the sign of each eigenvector is arbitrary


def _t_svd(a: torch.Tensor, k: int) -> torch.Tensor:
    return torch.linalg.svd(a, full_matrices=False)[k]


STRUCTURAL: dict[str, list[Case]] = {
    "matmul": [
        _case("mat@mat", lambda a, b: a @ b, lambda a, b: a @ b, _a(3, 4), _a(4, 2)),
        _case("vec@mat", lambda a, b: a @ b, lambda a, b: a @ b, _a(4), _a(4, 3)),
        _case("mat@vec", lambda a, b: np.matmul(a, b), torch.matmul, _a(3, 4), _a(4)),
        _case("vec@vec", lambda a, b: a @ b, lambda a, b: a @ b, _a(5), _a(5)),
        _case("batch-broadcast", lambda a, b: a @ b, lambda a, b: a @ b, _a(2, 1, 3, 4),
              _a(5, 4, 2)),
        _case("batch@vec", lambda a, b: a @ b, lambda a, b: a @ b, _a(2, 3, 4), _a(4)),
        # a batch of rows times one matrix (a linear layer's x @ W.T): batch flattened in the VJP
        _case("batch@mat", lambda a, b: a @ b, lambda a, b: a @ b, _a(2, 3, 4), _a(4, 2)),
        _case("batch@mat.T", lambda a, b: a @ b.T, lambda a, b: a @ b.T, _a(2, 2, 3, 4),
              _a(5, 4)),
    ],
    "sum": [
        _case("all", np.sum, torch.sum, _a(2, 3, 4)),
        _case("axis1", lambda x: np.sum(x, axis=1), lambda t: t.sum(1), _a(2, 3, 4)),
        _case("axes02-keep", lambda x: x.sum(axis=(0, 2), keepdims=True),
              lambda t: t.sum((0, 2), keepdim=True), _a(2, 3, 4)),
        _case("axis-neg", lambda x: np.sum(x, -1), lambda t: t.sum(-1), _a(2, 3, 4)),
        _case("add.reduce", lambda x: np.add.reduce(x, axis=0), lambda t: t.sum(0), _a(3, 4)),
    ],
    "reshape": [
        _case("flat", lambda x: np.reshape(x, (6, 4)), lambda t: t.reshape(6, 4), _a(2, 3, 4)),
        _case("method-1", lambda x: x.reshape(4, -1), lambda t: t.reshape(4, -1), _a(2, 3, 4)),
        _case("ravel", np.ravel, lambda t: t.reshape(-1), _a(3, 4)),
    ],
    "transpose": [
        _case(".T", lambda x: x.T, lambda t: t.permute(1, 0), _a(3, 4)),
        _case("axes", lambda x: np.transpose(x, (1, 2, 0)), lambda t: t.permute(1, 2, 0),
              _a(2, 3, 4)),
        _case("neg-axes", lambda x: x.transpose(-1, 0, 1), lambda t: t.permute(2, 0, 1),
              _a(2, 3, 4)),
    ],
    "broadcast_to": [
        _case("up", lambda x: np.broadcast_to(x, (2, 3, 4)),
              lambda t: torch.broadcast_to(t, (2, 3, 4)), _a(3, 1)),
        _case("scalar", lambda x: np.broadcast_to(x, (3,)), lambda t: torch.broadcast_to(t, (3,)),
              _a()),
    ],
    "getitem": [
        _case("slices", lambda x: x[1:, ::2], lambda t: t[1:, ::2], _a(3, 4)),
        _case("int", lambda x: x[1], lambda t: t[1], _a(3, 4)),
        _case("int-array-repeats", lambda x: x[_IDX], lambda t: t[torch.as_tensor(_IDX)],
              _a(3, 4)),
        _case("mask", lambda x: x[_MASK], lambda t: t[torch.as_tensor(_MASK)], _a(3, 4)),
        _case("ellipsis-newaxis", lambda x: x[..., None, 1], lambda t: t[..., None, 1],
              _a(2, 3, 4)),
        _case("two-int-arrays", lambda x: x[_IDX, _IDX[::-1]],
              lambda t: t[torch.as_tensor(_IDX), torch.as_tensor(_IDX[::-1].copy())], _a(3, 4)),
        _case("negative-step", lambda x: x[::-1, -2], lambda t: t.flip(0)[:, -2], _a(3, 4)),
    ],
    "untake": [
        _case("diag-embed", np.diag, _t_diag_embed, _a(4)),
        _case("diag-embed-k", lambda v: np.diag(v, 1), lambda t: torch.diag(t, 1), _a(3)),
    ],
    "concatenate": [
        _case("axis0", lambda a, b: np.concatenate([a, b]), lambda a, b: torch.cat([a, b]),
              _a(2, 3), _a(4, 3)),
        _case("axis1-three", lambda a, b, c: np.concatenate((a, b, c), axis=1),
              lambda a, b, c: torch.cat((a, b, c), 1), _a(2, 3), _a(2, 1), _a(2, 2)),
        _case("axis-none", lambda a, b: np.concatenate([a, b], axis=None),
              lambda a, b: torch.cat([a.reshape(-1), b.reshape(-1)]), _a(2, 3), _a(4)),
    ],
    "stack": [
        _case("axis0", lambda a, b: np.stack([a, b]), lambda a, b: torch.stack([a, b]),
              _a(3, 4), _a(3, 4)),
        _case("axis-last", lambda a, b, c: np.stack((a, b, c), axis=-1),
              lambda a, b, c: torch.stack((a, b, c), -1), _a(3), _a(3), _a(3)),
        _case("scalars", lambda a, b: np.stack([a[0] * 2.0, a[1], b[0]]),
              lambda a, b: torch.stack([a[0] * 2.0, a[1], b[0]]), _a(2), _a(3)),
    ],
    "cumsum": [
        _case("axis1", lambda x: np.cumsum(x, axis=1), lambda t: torch.cumsum(t, 1), _a(3, 4)),
        _case("flat", lambda x: x.cumsum(), lambda t: torch.cumsum(t.reshape(-1), 0), _a(3, 4)),
    ],
    "astype": [
        _case("float64", lambda x: x.astype(np.float64), lambda t: t.to(torch.float64), _a(3)),
    ],
    "amax": [
        _case("all", np.max, torch.amax, _a(3, 4)),
        _case("axis1", lambda x: np.max(x, axis=1), lambda t: torch.amax(t, 1), _a(3, 4)),
        _case("axis0-keep", lambda x: x.max(0, keepdims=True),
              lambda t: torch.amax(t, 0, keepdim=True), _a(3, 4)),
        _case("amax-tuple", lambda x: np.amax(x, axis=(0, 2)), lambda t: torch.amax(t, (0, 2)),
              _a(2, 3, 4)),
    ],
    "amin": [
        _case("all", np.min, torch.amin, _a(3, 4)),
        _case("axis-neg", lambda x: np.min(x, axis=-1), lambda t: torch.amin(t, -1), _a(3, 4)),
        _case("amin-keep", lambda x: np.amin(x, 1, keepdims=True),
              lambda t: torch.amin(t, 1, keepdim=True), _a(3, 4)),
    ],
    "prod": [
        _case("all", np.prod, torch.prod, _a(2, 3)),
        _case("axis1", lambda x: np.prod(x, axis=1), lambda t: torch.prod(t, 1), _a(3, 4)),
        _case("axis0-keep", lambda x: x.prod(axis=0, keepdims=True),
              lambda t: torch.prod(t, 0, keepdim=True), _a(3, 4)),
    ],
    "einsum": [
        _case("matmul", lambda a, b: np.einsum("ij,jk->ik", a, b),
              lambda a, b: torch.einsum("ij,jk->ik", a, b), _a(3, 4), _a(4, 2)),
        _case("implicit", lambda a, b: np.einsum("ij,jk", a, b),
              lambda a, b: torch.einsum("ij,jk", a, b), _a(3, 4), _a(4, 2)),
        _case("total", lambda a: np.einsum("ij->", a), lambda a: torch.einsum("ij->", a),
              _a(3, 4)),
        _case("outer", lambda a, b: np.einsum("i,j->ij", a, b),
              lambda a, b: torch.einsum("i,j->ij", a, b), _a(3), _a(4)),
        _case("transpose", lambda a: np.einsum("ijk->kij", a),
              lambda a: torch.einsum("ijk->kij", a), _a(2, 3, 4)),
        _case("ellipsis-batch", lambda a, b: np.einsum("...ij,...jk->...ik", a, b),
              lambda a, b: torch.einsum("...ij,...jk->...ik", a, b), _a(2, 3, 4), _a(2, 4, 2)),
        _case("ellipsis-broadcast", lambda a, b: np.einsum("...ij,jk->...ik", a, b),
              lambda a, b: torch.einsum("...ij,jk->...ik", a, b), _a(5, 3, 4), _a(4, 2)),
        _case("three", lambda a, b, c: np.einsum("ij,jk,kl->il", a, b, c),
              lambda a, b, c: torch.einsum("ij,jk,kl->il", a, b, c), _a(2, 3), _a(3, 4),
              _a(4, 2)),
        _case("three-ellipsis", lambda a, b, c: np.einsum("...ij,j,...i->...", a, b, c),
              lambda a, b, c: torch.einsum("...ij,j,...i->...", a, b, c), _a(2, 3, 4), _a(4),
              _a(2, 3)),
        _case("ellipsis-size-1", lambda a, b: np.einsum("...i,...i->...", a, b),
              lambda a, b: torch.einsum("...i,...i->...", a, b), _a(2, 3), _a(1, 3)),
        _case("sum-only-one", lambda a, b: np.einsum("ij,k->i", a, b),
              lambda a, b: torch.einsum("ij,k->i", a, b), _a(3, 4), _a(5)),
    ],
    "linalg.inv": [
        _case("3x3", np.linalg.inv, torch.linalg.inv, _spd_ish(3, 3)),
        _case("batched", np.linalg.inv, torch.linalg.inv, _spd_ish(2, 3, 3)),
    ],
    "linalg.solve": [
        _case("vector-b", np.linalg.solve, torch.linalg.solve, _spd_ish(3, 3), _a(3)),
        _case("matrix-b", np.linalg.solve, torch.linalg.solve, _spd_ish(3, 3), _a(3, 2)),
        _case("batched", np.linalg.solve, torch.linalg.solve, _spd_ish(2, 3, 3), _a(2, 3, 2)),
        _case("batched-vector-b", np.linalg.solve, torch.linalg.solve, _spd_ish(2, 3, 3), _a(3)),
        _case("broadcast-b", np.linalg.solve, torch.linalg.solve, _spd_ish(2, 3, 3), _a(3, 2)),
        _case("broadcast-a", np.linalg.solve, torch.linalg.solve, _spd_ish(3, 3), _a(2, 3, 2)),
    ],
    # the FFT rows: real-linear maps of (re, im) pairs, reached through complex intermediates
    "fft.fftn.real": [
        _case("1d", lambda a, b: np.fft.fft(a + 1j * b).real,
              lambda a, b: torch.fft.fft(a + 1j * b).real, _a(6), _a(6)),
        _case("2d-ortho", lambda a, b: np.fft.fft2(a + 1j * b, norm="ortho").real,
              lambda a, b: torch.fft.fft2(a + 1j * b, norm="ortho").real, _a(3, 4), _a(3, 4)),
    ],
    "fft.fftn.imag": [
        _case("1d", lambda a, b: np.fft.fft(a + 1j * b).imag,
              lambda a, b: torch.fft.fft(a + 1j * b).imag, _a(5), _a(5)),
        _case("axis0-forward", lambda a, b: np.fft.fft(a + 1j * b, axis=0, norm="forward").imag,
              lambda a, b: torch.fft.fft(a + 1j * b, dim=0, norm="forward").imag,
              _a(4, 3), _a(4, 3)),
    ],
    "fft.ifftn.real": [
        _case("1d", lambda a, b: np.fft.ifft(a + 1j * b).real,
              lambda a, b: torch.fft.ifft(a + 1j * b).real, _a(6), _a(6)),
        _case("nd-padded", lambda a, b: np.fft.ifftn(a + 1j * b, s=(4, 5), axes=(0, 1)).real,
              lambda a, b: torch.fft.ifftn(a + 1j * b, s=(4, 5)).real, _a(3, 4), _a(3, 4)),
    ],
    "fft.ifftn.imag": [
        _case("1d-cropped", lambda a, b: np.fft.ifft(a + 1j * b, n=4).imag,
              lambda a, b: torch.fft.ifft(a + 1j * b, n=4).imag, _a(6), _a(6)),
        _case("2d-ortho", lambda a, b: np.fft.ifft2(a + 1j * b, norm="ortho").imag,
              lambda a, b: torch.fft.ifft2(a + 1j * b, norm="ortho").imag, _a(3, 3), _a(3, 3)),
    ],
    "fft.rfftn.real": [
        _case("even", lambda x: np.fft.rfft(x).real, lambda x: torch.fft.rfft(x).real, _a(8)),
        _case("odd-2d", lambda x: np.fft.rfft2(x).real, lambda x: torch.fft.rfft2(x).real,
              _a(3, 5)),
    ],
    "fft.rfftn.imag": [
        _case("odd", lambda x: np.fft.rfft(x).imag, lambda x: torch.fft.rfft(x).imag, _a(7)),
        _case("nd-ortho", lambda x: np.fft.rfftn(x, norm="ortho").imag,
              lambda x: torch.fft.rfftn(x, norm="ortho").imag, _a(2, 3, 4)),
    ],
    "fft.irfftn": [
        _case("even", lambda a, b: np.fft.irfft(a + 1j * b),
              lambda a, b: torch.fft.irfft(a + 1j * b), _a(5), _a(5)),
        _case("odd-n", lambda a, b: np.fft.irfft(a + 1j * b, n=7),
              lambda a, b: torch.fft.irfft(a + 1j * b, n=7), _a(4), _a(4)),
        _case("2d-forward", lambda a, b: np.fft.irfft2(a + 1j * b, s=(3, 6), norm="forward"),
              lambda a, b: torch.fft.irfft2(a + 1j * b, s=(3, 6), norm="forward"),
              _a(3, 4), _a(3, 4)),
    ],
    "linalg.det": [
        _case("3x3", np.linalg.det, torch.linalg.det, _spd_ish(3, 3)),
        _case("batched", np.linalg.det, torch.linalg.det, _spd_ish(2, 3, 3)),
        _case("negative", np.linalg.det, torch.linalg.det, -_spd_ish(3, 3)),
    ],
    "linalg.slogdet": [
        _case("3x3", lambda a: np.linalg.slogdet(a)[1], lambda a: torch.linalg.slogdet(a)[1],
              _spd_ish(3, 3)),
        _case("negative-det", lambda a: np.linalg.slogdet(a).logabsdet,
              lambda a: torch.linalg.slogdet(a)[1], -_spd_ish(3, 3)),
        _case("batched", lambda a: np.linalg.slogdet(a)[1], lambda a: torch.linalg.slogdet(a)[1],
              _spd_ish(2, 3, 3)),
    ],
    "diagonal": [
        _case("main", np.diagonal, torch.diagonal, _a(3, 4)),
        _case("offset", lambda x: np.diagonal(x, 1), lambda t: torch.diagonal(t, 1), _a(3, 4)),
        _case("offset-neg", lambda x: np.diagonal(x, -1), lambda t: torch.diagonal(t, -1),
              _a(4, 3)),
        _case("axes", lambda x: np.diagonal(x, 0, 1, 2), lambda t: torch.diagonal(t, 0, 1, 2),
              _a(2, 3, 4)),
        _case("axes-reversed", lambda x: x.diagonal(0, 2, 0),
              lambda t: torch.diagonal(t, 0, 2, 0), _a(3, 2, 4)),
    ],
    "pad": [
        _case("widths", lambda x: np.pad(x, _PAD_NP),
              lambda t: torch.nn.functional.pad(t, _PAD_TORCH), _a(3, 4)),
        _case("scalar-width", lambda x: np.pad(x, 1),
              lambda t: torch.nn.functional.pad(t, (1,) * 4), _a(2, 3)),
    ],
    "linalg.eigh": [
        _case("values", lambda a: np.linalg.eigh(a)[0], _t_eigh_w, _sym3()),
        _case("vectors-squared", lambda a: np.linalg.eigh(a)[1] ** 2, _t_eigh_v2, _sym3()),
        _case("both-batched", lambda a: (lambda w, v: w[..., None, :] * v**2)(*np.linalg.eigh(a)),
              lambda a: _t_eigh_w(a)[..., None, :] * _t_eigh_v2(a), _sym3(2)),
        _case("vectors-batched", lambda a: np.linalg.eigh(a).eigenvectors ** 2, _t_eigh_v2,
              _sym3(2)),
    ],
    "linalg.eigvalsh": [
        _case("batched", np.linalg.eigvalsh, _t_eigh_w, _sym3(2)),
    ],
    "linalg.svdvals": [
        _case("tall", lambda a: np.linalg.svd(a, compute_uv=False), torch.linalg.svdvals,
              _a(4, 3)),
        _case("wide-batched", np.linalg.svdvals, torch.linalg.svdvals, _a(2, 2, 3)),
    ],
    "linalg.svd": [
        _case("S-wide-batched", lambda a: np.linalg.svd(a, full_matrices=False)[1],
              lambda a: _t_svd(a, 1), _a(2, 2, 3)),
        _case("U-tall", lambda a: np.linalg.svd(a, full_matrices=False)[0] ** 2,
              lambda a: _t_svd(a, 0) ** 2, _a(4, 3)),
        _case("U-wide", lambda a: np.linalg.svd(a, full_matrices=False).U ** 2,
              lambda a: _t_svd(a, 0) ** 2, _a(2, 3)),
        _case("square-polar", lambda a: (lambda u, s, vh: u @ vh)(*np.linalg.svd(a)),
              lambda a: _t_svd(a, 0) @ _t_svd(a, 2), _a(2, 3, 3)),
        _case("Vh-tall", lambda a: np.linalg.svd(a, full_matrices=False)[2] ** 2,
              lambda a: _t_svd(a, 2) ** 2, _a(4, 3)),
        _case("Vh-wide", lambda a: np.linalg.svd(a, full_matrices=False).Vh ** 2,
              lambda a: _t_svd(a, 2) ** 2, _a(2, 4)),
    ],
    "linalg.qr": [
        _case("Q-tall", lambda a: np.linalg.qr(a)[0], lambda a: torch.linalg.qr(a)[0], _a(4, 3)),
        _case("Q-square-batched", lambda a: np.linalg.qr(a).Q, lambda a: torch.linalg.qr(a)[0],
              _a(2, 3, 3)),
        _case("R-tall", lambda a: np.linalg.qr(a)[1], lambda a: torch.linalg.qr(a)[1], _a(4, 3)),
        _case("mode-r", lambda a: np.linalg.qr(a, mode="r"), lambda a: torch.linalg.qr(a)[1],
              _a(3, 3)),
    ],
    "linalg.cholesky": [
        _case("3x3", np.linalg.cholesky, torch.linalg.cholesky, _spd()),
        _case("batched", np.linalg.cholesky, torch.linalg.cholesky, _spd(2)),
    ],
    "linalg.pinv": [
        _case("tall", np.linalg.pinv, torch.linalg.pinv, _a(4, 3)),
        _case("wide-batched", np.linalg.pinv, torch.linalg.pinv, _a(2, 2, 3)),
    ],
    "copy": [
        _case("np.copy", lambda x: np.copy(x) * 2.0, lambda t: t.clone() * 2.0, _a(3, 2)),
    ],
    "where": [
        _case("both", lambda x, y: np.where(_COND, x, y),
              lambda x, y: torch.where(torch.as_tensor(_COND), x, y), _a(3, 4), _a(3, 4)),
        _case("broadcast", lambda x, y: np.where(_COND, x, y),
              lambda x, y: torch.where(torch.as_tensor(_COND), x, y), _a(3, 1), _a(4)),
        _case("constant-branch", lambda x: np.where(_COND, x, 0.0),
              lambda x: torch.where(torch.as_tensor(_COND), x, 0.0), _a(3, 4)),
    ],
}  # fmt: skip


def _t_var(t: torch.Tensor, dim: Any = None, correction: int = 0, keepdim: bool = False) -> Any:
    return torch.var(t, dim=dim, correction=correction, keepdim=keepdim)


def _t_std(t: torch.Tensor, dim: Any = None, correction: int = 0, keepdim: bool = False) -> Any:
    return torch.std(t, dim=dim, correction=correction, keepdim=keepdim)


COMPOSITES: dict[str, list[Case]] = {
    # np.fft on traced values: each returns a complex intermediate, brought back to the reals
    "fft.fft": [_case("abs", lambda x: np.abs(np.fft.fft(x, n=7)),
                      lambda x: torch.fft.fft(x, n=7).abs(), _a(5))],
    "fft.ifft": [_case("times-exp", lambda x: (np.fft.ifft(x) * np.exp(1j * x)).real,
                       lambda x: (torch.fft.ifft(x) * torch.exp(1j * x)).real, _a(6))],
    "fft.fft2": [_case("power", lambda x: np.abs(np.fft.fft2(x)) ** 2,
                       lambda x: torch.fft.fft2(x).abs() ** 2, _a(3, 4))],
    "fft.ifft2": [_case("imag", lambda x: np.fft.ifft2(x * (1 - 2j), s=(2, 5)).imag,
                        lambda x: torch.fft.ifft2(x * (1 - 2j), s=(2, 5)).imag, _a(3, 4))],
    "fft.fftn": [_case("axes", lambda x: np.angle(np.fft.fftn(x, axes=(0, 2)) + 0.5),
                       lambda x: torch.angle(torch.fft.fftn(x, dim=(0, 2)) + 0.5),
                       _a(2, 3, 4))],
    "fft.ifftn": [_case("real", lambda x: np.fft.ifftn(x + 1j * x**2).real,
                        lambda x: torch.fft.ifftn(x + 1j * x**2).real, _a(3, 3))],
    "fft.rfft": [_case("abs", lambda x: np.abs(np.fft.rfft(x)), lambda x: torch.fft.rfft(x).abs(),
                       _a(8))],
    "fft.rfft2": [_case("real", lambda x: np.fft.rfft2(x).real * np.fft.rfft2(x).imag,
                        lambda x: torch.fft.rfft2(x).real * torch.fft.rfft2(x).imag, _a(4, 5))],
    "fft.rfftn": [_case("s", lambda x: np.abs(np.fft.rfftn(x, s=(3, 6), axes=(0, 1))),
                        lambda x: torch.fft.rfftn(x, s=(3, 6)).abs(), _a(4, 4))],
    "fft.irfft": [_case("roundtrip", lambda x: np.fft.irfft(np.fft.rfft(x) * (1 + 0.5j), n=6),
                        lambda x: torch.fft.irfft(torch.fft.rfft(x) * (1 + 0.5j), n=6), _a(6))],
    "fft.irfft2": [_case("filter", lambda x: np.fft.irfft2(np.fft.rfft2(x) * 1j, s=x.shape),
                         lambda x: torch.fft.irfft2(torch.fft.rfft2(x) * 1j, s=x.shape),
                         _a(4, 5))],
    "fft.irfftn": [_case("ortho", lambda x: np.fft.irfftn(x * (2 - 1j), norm="ortho"),
                         lambda x: torch.fft.irfftn(x * (2 - 1j), norm="ortho"), _a(3, 4))],
    "fft.fftshift": [_case("2d", lambda x: np.fft.fftshift(x), lambda x: torch.fft.fftshift(x),
                           _a(3, 4))],
    "fft.ifftshift": [_case("axis", lambda x: np.fft.ifftshift(x, axes=1),
                            lambda x: torch.fft.ifftshift(x, dim=1), _a(3, 5))],
    "mean": [
        _case("all", np.mean, torch.mean, _a(3, 4)),
        _case("axis", lambda x: np.mean(x, axis=0), lambda t: t.mean(0), _a(3, 4)),
        _case("tuple-keep", lambda x: x.mean(axis=(0, 2), keepdims=True),
              lambda t: t.mean((0, 2), keepdim=True), _a(2, 3, 4)),
        _case("axis-neg", lambda x: np.mean(x, -1), lambda t: t.mean(-1), _a(2, 3, 4)),
    ],
    "var": [
        _case("all", np.var, lambda t: _t_var(t), _a(3, 4)),
        _case("axis", lambda x: np.var(x, axis=1), lambda t: _t_var(t, 1), _a(3, 4)),
        _case("ddof1-keep", lambda x: np.var(x, axis=0, ddof=1, keepdims=True),
              lambda t: _t_var(t, 0, 1, True), _a(3, 4)),
        _case("tuple", lambda x: x.var(axis=(0, 2)), lambda t: _t_var(t, (0, 2)), _a(2, 3, 4)),
    ],
    "std": [
        _case("all", np.std, lambda t: _t_std(t), _a(3, 4)),
        _case("axis-ddof1", lambda x: np.std(x, axis=1, ddof=1), lambda t: _t_std(t, 1, 1),
              _a(3, 4)),
        _case("keep", lambda x: x.std(axis=-1, keepdims=True), lambda t: _t_std(t, -1, 0, True),
              _a(2, 3, 4)),
    ],
    "max": [
        _case("axis", lambda x: np.max(x, axis=1), lambda t: torch.amax(t, 1), _a(3, 4)),
        _case("method", lambda x: x.max(), lambda t: torch.amax(t), _a(3, 4)),
    ],
    "min": [
        _case("axis", lambda x: np.min(x, axis=0), lambda t: torch.amin(t, 0), _a(3, 4)),
        _case("method", lambda x: x.min(axis=1, keepdims=True),
              lambda t: torch.amin(t, 1, keepdim=True), _a(3, 4)),
    ],
    "prod": [
        _case("all", np.prod, torch.prod, _a(2, 3)),
        _case("axis", lambda x: np.prod(x, axis=-1), lambda t: torch.prod(t, -1), _a(2, 3)),
        _case("two-axes", lambda x: np.prod(x, axis=(0, 2)),
              lambda t: torch.prod(t.permute(1, 0, 2).reshape(3, -1), 1), _a(2, 3, 2)),
        _case("two-axes-keep", lambda x: x.prod(axis=(-1, 0), keepdims=True),
              lambda t: torch.prod(t.permute(1, 0, 2).reshape(3, -1), 1).reshape(1, 3, 1),
              _a(2, 3, 2)),
    ],
    "sum": [
        _case("method", lambda x: x.sum(axis=0), lambda t: t.sum(0), _a(3, 4)),
    ],
    "cumsum": [
        _case("axis0", lambda x: np.cumsum(x, 0), lambda t: torch.cumsum(t, 0), _a(3, 4)),
    ],
    "reshape": [
        _case("int", lambda x: np.reshape(x, 12), lambda t: t.reshape(12), _a(3, 4)),
    ],
    "ravel": [
        _case("method", lambda x: x.ravel(), lambda t: t.reshape(-1), _a(3, 4)),
        _case("flatten", lambda x: x.flatten(), lambda t: t.reshape(-1), _a(3, 4)),
    ],
    "transpose": [
        _case("default", np.transpose, lambda t: t.permute(2, 1, 0), _a(2, 3, 4)),
        _case("mT", lambda x: x.mT, lambda t: t.mT, _a(2, 3, 4)),
    ],
    "swapaxes": [
        _case("0,2", lambda x: np.swapaxes(x, 0, 2), lambda t: t.transpose(0, 2), _a(2, 3, 4)),
        _case("method", lambda x: x.swapaxes(-1, 0), lambda t: t.transpose(-1, 0), _a(2, 3, 4)),
    ],
    "moveaxis": [
        _case("one", lambda x: np.moveaxis(x, 0, -1), lambda t: torch.movedim(t, 0, -1),
              _a(2, 3, 4)),
        _case("two", lambda x: np.moveaxis(x, [0, 1], [2, 0]),
              lambda t: torch.movedim(t, (0, 1), (2, 0)), _a(2, 3, 4)),
    ],
    "expand_dims": [
        _case("axis1", lambda x: np.expand_dims(x, 1), lambda t: t.unsqueeze(1), _a(3, 4)),
        _case("tuple", lambda x: np.expand_dims(x, (0, -1)),
              lambda t: t.unsqueeze(0).unsqueeze(-1), _a(3)),
    ],
    "squeeze": [
        _case("all", np.squeeze, lambda t: t.squeeze(), _a(3, 1, 4, 1)),
        _case("axis", lambda x: x.squeeze(axis=1), lambda t: t.squeeze(1), _a(3, 1, 4, 1)),
    ],
    "atleast_1d": [
        _case("scalar", np.atleast_1d, lambda t: t.reshape(1), _a()),
    ],
    "atleast_2d": [
        _case("vector", np.atleast_2d, lambda t: t.reshape(1, -1), _a(3)),
    ],
    "broadcast_to": [
        _case("int-shape", lambda x: np.broadcast_to(x, 4), lambda t: torch.broadcast_to(t, (4,)),
              _a(1)),
    ],
    "broadcast_arrays": [
        _case("two", lambda a, b: np.broadcast_arrays(a, b)[0] * np.broadcast_arrays(a, b)[1],
              lambda a, b: torch.broadcast_tensors(a, b)[0] * torch.broadcast_tensors(a, b)[1],
              _a(3, 1), _a(4)),
    ],
    "concatenate": [
        _case("axis-neg", lambda a, b: np.concatenate([a, b], axis=-1),
              lambda a, b: torch.cat([a, b], -1), _a(2, 3), _a(2, 2)),
    ],
    "stack": [
        _case("axis1", lambda a, b: np.stack([a, b], axis=1), lambda a, b: torch.stack([a, b], 1),
              _a(2, 3), _a(2, 3)),
    ],
    "hstack": [
        _case("vectors", lambda a, b: np.hstack([a, b]), lambda a, b: torch.hstack([a, b]),
              _a(3), _a(2)),
        _case("matrices", lambda a, b: np.hstack((a, b)), lambda a, b: torch.hstack((a, b)),
              _a(2, 3), _a(2, 1)),
    ],
    "vstack": [
        _case("vectors", lambda a, b: np.vstack([a, b]), lambda a, b: torch.vstack([a, b]),
              _a(3), _a(3)),
        _case("mixed", lambda a, b: np.vstack((a, b)), lambda a, b: torch.vstack((a, b)),
              _a(2, 3), _a(3)),
    ],
    "split": [
        _case("sections", lambda x: _weighted(np.split(x, 2, axis=1)),
              lambda t: _weighted(torch.tensor_split(t, 2, 1)), _a(3, 4)),
        _case("indices", lambda x: _weighted(np.split(x, [1, 3])),
              lambda t: _weighted(torch.tensor_split(t, [1, 3])), _a(4, 2)),
    ],
    "flip": [
        _case("axis", lambda x: np.flip(x, 1), lambda t: torch.flip(t, (1,)), _a(3, 4)),
        _case("all", np.flip, lambda t: torch.flip(t, (0, 1)), _a(3, 4)),
    ],
    "take": [
        _case("flat", lambda x: np.take(x, _IDX), lambda t: t.reshape(-1)[torch.as_tensor(_IDX)],
              _a(3, 4)),
        _case("axis1", lambda x: np.take(x, [3, 0, 3], axis=1),
              lambda t: t[:, torch.tensor([3, 0, 3])], _a(3, 4)),
    ],
    "clip": [
        _case("both", lambda x: np.clip(x, -0.5, 0.7), lambda t: torch.clamp(t, -0.5, 0.7),
              _a(3, 4)),
        _case("method-lo", lambda x: x.clip(-0.5), lambda t: torch.clamp(t, min=-0.5), _a(3, 4)),
        _case("hi-only", lambda x: np.clip(x, None, 0.2), lambda t: torch.clamp(t, max=0.2),
              _a(3, 4)),
        _case("traced-bounds", lambda x, lo: np.clip(x, lo, 0.9),
              lambda x, lo: torch.clamp(x, lo, to_torch(0.9, False)), _a(3, 4),
              _a(4) * 0.3 - 0.3),
    ],
    "dot": [
        _case("mat-vec", np.dot, lambda a, b: a @ b, _a(3, 4), _a(4)),
        _case("vec-vec", lambda a, b: a.dot(b), lambda a, b: a @ b, _a(4), _a(4)),
        _case("scalar", np.dot, lambda a, b: a * b, _a(), _a(3)),
        _case("3d", np.dot, lambda a, b: torch.tensordot(a, b, ([-1], [-2])), _a(2, 3),
              _a(4, 3, 2)),
    ],
    "vdot": [
        _case("matrices", np.vdot, lambda a, b: (a * b).sum(), _a(3, 4), _a(3, 4)),
    ],
    "inner": [
        _case("vectors", np.inner, torch.inner, _a(4), _a(4)),
        _case("matrices", np.inner, torch.inner, _a(2, 4), _a(3, 4)),
    ],
    "outer": [
        _case("vectors", np.outer, torch.outer, _a(3), _a(4)),
        _case("flattens", np.outer, lambda a, b: torch.outer(a.reshape(-1), b), _a(2, 2), _a(3)),
    ],
    "tensordot": [
        _case("axes2", lambda a, b: np.tensordot(a, b), lambda a, b: torch.tensordot(a, b),
              _a(2, 3, 4), _a(3, 4, 2)),
        _case("axes-lists", lambda a, b: np.tensordot(a, b, axes=([0, 2], [2, 1])),
              lambda a, b: torch.tensordot(a, b, ([0, 2], [2, 1])), _a(2, 3, 4), _a(5, 4, 2)),
        _case("axes0", lambda a, b: np.tensordot(a, b, 0),
              lambda a, b: torch.tensordot(a, b, 0), _a(2), _a(3)),
    ],
    "einsum": [
        _case("sublist", lambda a, b: np.einsum(a, [0, 1], b, [1], [0]),
              lambda a, b: torch.einsum("ij,j->i", a, b), _a(3, 4), _a(4)),
        _case("sublist-implicit-ellipsis", lambda a, b: np.einsum(a, [Ellipsis, 0, 1], b, [1, 2]),
              lambda a, b: torch.einsum("...ij,jk->...ik", a, b), _a(2, 3, 4), _a(4, 2)),
        _case("trace", lambda a: np.einsum("ii->", a), lambda a: torch.einsum("ii->", a),
              _a(3, 3)),
        _case("diagonal", lambda a: np.einsum("ii->i", a), lambda a: torch.einsum("ii->i", a),
              _a(3, 3)),
        _case("repeated-with-others", lambda a, b: np.einsum("iij,jk->ik", a, b),
              lambda a, b: torch.einsum("iij,jk->ik", a, b), _a(3, 3, 2), _a(2, 4)),
        _case("implicit-trace", lambda a: np.einsum("ii", a), lambda a: torch.einsum("ii", a),
              _a(4, 4)),
        _case("spaces", lambda a, b: np.einsum("ij, j -> i", a, b),
              lambda a, b: torch.einsum("ij,j->i", a, b), _a(3, 4), _a(4)),
    ],
    "trace": [
        _case("square", np.trace, torch.trace, _a(3, 3)),
        _case("offset-method", lambda x: x.trace(1), lambda t: torch.diagonal(t, 1).sum(),
              _a(3, 4)),
    ],
    "diag": [
        _case("extract", np.diag, torch.diag, _a(3, 4)),
        _case("extract-k", lambda x: np.diag(x, -1), lambda t: torch.diag(t, -1), _a(3, 3)),
        _case("embed-neg-k", lambda v: np.diag(v, -2), lambda t: torch.diag(t, -2), _a(3)),
    ],
    "diagonal": [
        _case("method", lambda x: x.diagonal(), torch.diagonal, _a(3, 3)),
    ],
    "norm": [
        _case("vector", np.linalg.norm, torch.linalg.norm, _a(5)),
        _case("frobenius", np.linalg.norm, torch.linalg.norm, _a(3, 4)),
        _case("axis", lambda x: np.linalg.norm(x, axis=1),
              lambda t: torch.linalg.vector_norm(t, dim=1), _a(3, 4)),
        *[_case(f"vector-ord-{o}", lambda x, o=o: np.linalg.norm(x, o),
                lambda t, o=o: torch.linalg.vector_norm(t, o), _a(5))
          for o in (1, 2, 3, 0.5, -1.5, np.inf, -np.inf)],
        *[_case(f"matrix-ord-{o}", lambda x, o=o: np.linalg.norm(x, o),
                lambda t, o=o: torch.linalg.matrix_norm(t, o), _a(4, 3))
          for o in ("fro", "nuc", 2, -2, 1, -1, np.inf, -np.inf)],
        _case("matrix-axes-keepdims",
              lambda x: np.linalg.norm(x, "nuc", axis=(2, 0), keepdims=True),
              lambda t: torch.linalg.matrix_norm(t, "nuc", dim=(2, 0), keepdim=True), _a(3, 2, 4)),
        _case("vector-ord-axis-keepdims", lambda x: np.linalg.norm(x, 3, axis=0, keepdims=True),
              lambda t: torch.linalg.vector_norm(t, 3, dim=0, keepdim=True), _a(3, 2)),
        _case("3d-flat", np.linalg.norm, lambda t: torch.linalg.vector_norm(t), _a(2, 3, 2)),
    ],
    "pad": [
        _case("pairs-per-axis", lambda x: np.pad(x, [(2, 0)]),
              lambda t: torch.nn.functional.pad(t, (2, 0)), _a(3)),
    ],
    "copy": [
        _case("function", lambda x: np.copy(x) * 2.0, lambda t: t.clone() * 2.0, _a(3)),
        _case("method", lambda x: x.copy() * 2.0, lambda t: t.clone() * 2.0, _a(3)),
    ],
    "where": [
        _case("scalar-branch", lambda x: np.where(_COND, 1.5, x),
              lambda x: torch.where(torch.as_tensor(_COND), 1.5, x), _a(3, 4)),
    ],
    "nan_to_num": [
        _case("finite", np.nan_to_num, torch.nan_to_num, _a(3, 4)),
        _case("nan-inf", lambda x: np.nan_to_num(x, nan=1.5, posinf=9.0),
              lambda t: torch.nan_to_num(t, nan=1.5, posinf=9.0),
              np.array([0.3, np.nan, np.inf, -np.inf, -1.2])),
    ],
    "real_if_close": [
        _case("identity", lambda x: np.real_if_close(x) * 2.0, lambda t: t * 2.0, _a(3)),
    ],
    "real": [
        _case("function-and-attribute", lambda x: np.real(x) * x.real, lambda t: t * t, _a(3)),
    ],
    "imag": [
        _case("zero", lambda x: np.imag(x) + x, lambda t: t, _a(3)),
    ],
    "repeat": [
        _case("axis", lambda x: np.repeat(x, 2, axis=1), lambda t: torch.repeat_interleave(t, 2, 1),
              _a(2, 3)),
        _case("flat-counts", lambda x: x.repeat([1, 0, 3]),
              lambda t: torch.repeat_interleave(t, torch.tensor([1, 0, 3])), _a(3)),
    ],
    "roll": [
        _case("flat", lambda x: np.roll(x, 2), lambda t: torch.roll(t, 2), _a(3, 4)),
        _case("axes", lambda x: np.roll(x, (1, -1), axis=(0, 1)),
              lambda t: torch.roll(t, (1, -1), (0, 1)), _a(3, 4)),
    ],
    "sliding_window_view": [
        _case("1d", lambda x: np.lib.stride_tricks.sliding_window_view(x, 3),
              lambda t: t.unfold(0, 3, 1), _a(6)),
        _case("conv2d", lambda x, w: np.einsum(
            "ijkl,kl->ij", np.lib.stride_tricks.sliding_window_view(x, (2, 2)), w),
              lambda x, w: torch.einsum("ijkl,kl->ij", x.unfold(0, 2, 1).unfold(1, 2, 1), w),
              _a(4, 5), _a(2, 2)),
        _case("maxpool", lambda x: np.max(
            np.lib.stride_tricks.sliding_window_view(x, (2, 2))[::2, ::2], axis=(-2, -1)),
              lambda t: torch.nn.functional.max_pool2d(t[None], 2)[0], _a(4, 6)),
        _case("axis", lambda x: np.lib.stride_tricks.sliding_window_view(x, 2, axis=0),
              lambda t: t.unfold(0, 2, 1), _a(4, 3)),
    ],
    "take_along_axis": [
        _case("axis1", lambda x: np.take_along_axis(x, _TAKE, 1),
              lambda t: torch.take_along_dim(t, torch.as_tensor(_TAKE), 1), _a(3, 4)),
    ],
    "sort": [
        _case("last", np.sort, lambda t: torch.sort(t).values, _a(3, 4)),
        _case("axis0", lambda x: np.sort(x, axis=0), lambda t: torch.sort(t, 0).values, _a(3, 4)),
        _case("flat", lambda x: np.sort(x, axis=None), lambda t: torch.sort(t.reshape(-1)).values,
              _a(3, 4)),
    ],
    "partition": [
        _case("kth", lambda x: _partitioned(np.partition(x, 2)),
              lambda t: _partitioned(torch.sort(t).values), _a(6)),
    ],
    "tril": [
        _case("main", np.tril, torch.tril, _a(3, 4)),
        _case("k-batched", lambda x: np.tril(x, -1), lambda t: torch.tril(t, -1), _a(2, 3, 3)),
    ],
    "triu": [
        _case("k1", lambda x: np.triu(x, 1), lambda t: torch.triu(t, 1), _a(4, 3)),
    ],
    "select": [
        _case("two", lambda x, y: np.select([_COND, ~_COND & (_SEL > 0)], [x, y * 2.0], 0.5),
              lambda x, y: torch.where(torch.as_tensor(_COND), x, torch.where(
                  torch.as_tensor(~_COND & (_SEL > 0)), y * 2.0, 0.5)), _a(3, 4), _a(3, 4)),
    ],
    "flipud": [_case("2d", np.flipud, torch.flipud, _a(3, 4))],
    "fliplr": [_case("2d", np.fliplr, torch.fliplr, _a(3, 4))],
    "rot90": [
        _case("k1", np.rot90, torch.rot90, _a(3, 4)),
        _case("k2", lambda x: np.rot90(x, 2), lambda t: torch.rot90(t, 2), _a(3, 4)),
        _case("k3-axes", lambda x: np.rot90(x, -1, axes=(1, 2)),
              lambda t: torch.rot90(t, -1, (1, 2)), _a(2, 3, 4)),
    ],
    "rollaxis": [
        _case("to-front", lambda x: np.rollaxis(x, 2), lambda t: torch.movedim(t, 2, 0),
              _a(2, 3, 4)),
        _case("start", lambda x: np.rollaxis(x, 0, 3), lambda t: torch.movedim(t, 0, 2),
              _a(2, 3, 4)),
    ],
    "array_split": [
        _case("uneven", lambda x: _weighted(np.array_split(x, 3)),
              lambda t: _weighted(torch.tensor_split(t, 3)), _a(7, 2)),
        _case("indices-axis", lambda x: _weighted(np.array_split(x, [1, 2], axis=1)),
              lambda t: _weighted(torch.tensor_split(t, [1, 2], 1)), _a(2, 4)),
    ],
    "hsplit": [
        _case("2d", lambda x: _weighted(np.hsplit(x, 2)),
              lambda t: _weighted(torch.hsplit(t, 2)), _a(3, 4)),
        _case("1d", lambda x: _weighted(np.hsplit(x, [1])),
              lambda t: _weighted(torch.hsplit(t, [1])), _a(4)),
    ],
    "vsplit": [
        _case("2d", lambda x: _weighted(np.vsplit(x, 2)),
              lambda t: _weighted(torch.vsplit(t, 2)), _a(4, 3)),
    ],
    "dsplit": [
        _case("3d", lambda x: _weighted(np.dsplit(x, 2)),
              lambda t: _weighted(torch.dsplit(t, 2)), _a(2, 3, 4)),
    ],
    "append": [
        _case("flat", np.append, lambda a, b: torch.cat([a.reshape(-1), b.reshape(-1)]),
              _a(2, 3), _a(4)),
        _case("axis", lambda a, b: np.append(a, b, axis=0), lambda a, b: torch.cat([a, b], 0),
              _a(2, 3), _a(1, 3)),
    ],
    "column_stack": [
        _case("mixed", lambda a, b: np.column_stack([a, b]),
              lambda a, b: torch.column_stack([a, b]), _a(3), _a(3, 2)),
    ],
    "atleast_3d": [
        _case("vector", np.atleast_3d, torch.atleast_3d, _a(3)),
        _case("matrix", np.atleast_3d, torch.atleast_3d, _a(2, 3)),
        _case("scalar", np.atleast_3d, torch.atleast_3d, _a()),
    ],
    "tile": [
        _case("reps", lambda x: np.tile(x, (2, 1, 3)), lambda t: torch.tile(t, (2, 1, 3)),
              _a(2, 3)),
        _case("int", lambda x: np.tile(x, 2), lambda t: torch.tile(t, (2,)), _a(3)),
    ],
    "kron": [
        _case("matrices", np.kron, torch.kron, _a(2, 3), _a(3, 2)),
        _case("mixed-rank", np.kron, torch.kron, _a(3), _a(2, 2)),
    ],
    "cross": [
        _case("last", np.cross, lambda a, b: torch.linalg.cross(a, b), _a(4, 3), _a(4, 3)),
        _case("axis0-broadcast", lambda a, b: np.cross(a, b, axis=0),
              lambda a, b: torch.linalg.cross(a, b.expand(3, 2), dim=0), _a(3, 2), _a(3, 1)),
    ],
    "diff": [
        _case("n1", np.diff, torch.diff, _a(3, 5)),
        _case("n2-axis0", lambda x: np.diff(x, 2, axis=0), lambda t: torch.diff(t, 2, 0),
              _a(5, 3)),
        _case("prepend-append", lambda x, p: np.diff(x, prepend=p, append=0.5),
              lambda x, p: torch.diff(x, prepend=p, append=torch.full((3, 1), 0.5,
                                                                      dtype=torch.float64)),
              _a(3, 4), _a(3, 1)),
    ],
    "linspace": [
        _case("scalars", lambda a, b: np.linspace(a, b, 5), lambda a, b: _t_linspace(a, b, 5),
              _a(), _a()),
        _case("arrays-no-endpoint", lambda a, b: np.linspace(a, b, 4, endpoint=False, axis=-1),
              lambda a, b: _t_linspace(a, b, 4, False).movedim(0, -1), _a(2), _a(3, 1)),
        _case("retstep", lambda a, b: np.linspace(a, b, 3, retstep=True)[1] * 2.0,
              lambda a, b: (b - a), _a(2), _a(2)),
    ],
    "eigh": [
        _case("of-a-gram-matrix",
              lambda a: (lambda w, v: w[:, None] * v**2)(*np.linalg.eigh(a @ a.T)),
              lambda a: torch.linalg.eigh(a @ a.T)[0][:, None] * _t_eigh_v2(a @ a.T), _a(3, 3)),
    ],
    "eigvalsh": [
        _case("upper", lambda a: np.linalg.eigvalsh(a, UPLO="U"), _t_eigh_w, _sym3()),
    ],
    "svd": [
        _case("reconstruct", lambda a: (lambda u, s, vh: (u * s) @ vh)(
            *np.linalg.svd(a, full_matrices=False)), lambda a: a * 1.0, _a(4, 3)),
    ],
    "svdvals": [
        _case("tall", np.linalg.svdvals, torch.linalg.svdvals, _a(4, 3)),
    ],
    "qr": [
        _case("reconstruct", lambda a: (lambda q, r: q @ r)(*np.linalg.qr(a)), lambda a: a * 1.0,
              _a(4, 3)),
    ],
    "cholesky": [
        _case("upper-of-gram", lambda a: np.linalg.cholesky(a @ a.T + 3.0 * np.eye(3), upper=True),
              lambda a: torch.linalg.cholesky(a @ a.T + 3.0 * torch.eye(3, dtype=a.dtype),
                                              upper=True), _a(3, 3)),
    ],
    "pinv": [
        _case("square", np.linalg.pinv, torch.linalg.pinv, _spd_ish(3, 3)),
    ],
    "vector_norm": [
        _case("flat", np.linalg.vector_norm, torch.linalg.vector_norm, _a(2, 3)),
        _case("axes-ord-keepdims", lambda x: np.linalg.vector_norm(x, axis=(0, 2), ord=3,
                                                                    keepdims=True),
              lambda t: torch.linalg.vector_norm(t, 3, dim=(0, 2), keepdim=True), _a(2, 3, 2)),
        _case("axis-inf", lambda x: np.linalg.vector_norm(x, axis=-1, ord=np.inf),
              lambda t: torch.linalg.vector_norm(t, np.inf, dim=-1), _a(2, 3)),
    ],
    "matrix_norm": [
        _case("fro-batched", np.linalg.matrix_norm, torch.linalg.matrix_norm, _a(2, 3, 4)),
        _case("nuc-keepdims", lambda x: np.linalg.matrix_norm(x, ord="nuc", keepdims=True),
              lambda t: torch.linalg.matrix_norm(t, "nuc", keepdim=True), _a(2, 3, 4)),
    ],
    "multi_dot": [
        _case("vec-mat-vec", lambda a, b, c: np.linalg.multi_dot([a, b, c]),
              lambda a, b, c: a @ b @ c, _a(3), _a(3, 4), _a(4)),
        _case("three-matrices", lambda a, b, c: np.linalg.multi_dot([a, b, c]),
              lambda a, b, c: a @ b @ c, _a(2, 3), _a(3, 4), _a(4, 2)),
    ],
    "matrix_power": [
        _case("cube", lambda a: np.linalg.matrix_power(a, 3),
              lambda a: torch.linalg.matrix_power(a, 3), _a(3, 3)),
        _case("fifth-batched", lambda a: np.linalg.matrix_power(a, 5),
              lambda a: torch.linalg.matrix_power(a, 5), _a(2, 3, 3) * 0.5),
        _case("inverse-squared", lambda a: np.linalg.matrix_power(a, -2),
              lambda a: torch.linalg.matrix_power(a, -2), _spd_ish(3, 3)),
        _case("zero", lambda a: np.linalg.matrix_power(a, 0) * 1.0,
              lambda a: torch.linalg.matrix_power(a, 0) * 1.0, _a(3, 3)),
    ],
    "inv": [
        _case("3x3", np.linalg.inv, torch.linalg.inv, _spd_ish(3, 3)),
    ],
    "solve": [
        _case("vector", np.linalg.solve, torch.linalg.solve, _spd_ish(4, 4), _a(4)),
    ],
    "det": [
        _case("2x2", np.linalg.det, torch.linalg.det, _spd_ish(2, 2)),
    ],
    "slogdet": [
        _case("sign-times-logabsdet", lambda a: np.linalg.slogdet(a)[0] * np.linalg.slogdet(a)[1],
              lambda a: torch.linalg.slogdet(a)[0] * torch.linalg.slogdet(a)[1],
              -_spd_ish(3, 3)),
    ],
}  # fmt: skip


_TAKE = np.array([[0, 3], [1, 1], [2, 0]])
_SEL = np.random.default_rng(7).uniform(-1.5, 1.5, size=(3, 4))


def _partitioned(p: Any) -> Any:
    """A function of np.partition(x, 2) that does not depend on the order inside each side."""
    return p[2] * 3.0 + (p[:2] * p[:2]).sum() + (p[3:] ** 3).sum()


def _t_linspace(a: torch.Tensor, b: torch.Tensor, num: int, endpoint: bool = True) -> Any:
    div = num - 1 if endpoint else num
    t = torch.arange(num, dtype=torch.float64).reshape((-1,) + (1,) * max(a.dim(), b.dim()))
    y = a + t * ((b - a) / div)
    if endpoint:
        y = torch.cat([y[:-1], torch.broadcast_to(b, y[-1:].shape)])
    return y


def _weighted(parts: Sequence[Any]) -> Any:
    """Combine split parts with different weights, so each part's gradient is distinguishable."""
    out = 0.0
    for k, p in enumerate(parts):
        out = out + (k + 1.0) * (p * p).sum()
    return out


# ---- which rows a computation uses ----


def rows_used(fn: Callable[..., Any], *args: np.ndarray) -> set[str]:
    """Names of the table rows that ``fn(*args)`` binds (from its reverse-mode record)."""
    trace = ReverseTrace()
    boxes = [ReverseBox(np.asarray(a, dtype=np.float64), trace) for a in args]
    out = fn(*boxes)
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    parents_of = {id(box): parents for box, _, _, parents in trace.tape}
    stack = [o for o in outs if isinstance(o, ReverseBox)]
    seen: set[int] = set()
    names: set[str] = set()
    while stack:  # every node the outputs depend on, following parent links
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.prim is not None:
            names.add(node.prim.name)
        stack.extend(parent for parent in parents_of.get(id(node), ()) if parent is not None)
    return names


# ---- running the same computation through torch ----


def torch_vjp(
    torch_fn: Callable[..., Any], args: Sequence[np.ndarray], cotangent: np.ndarray
) -> list[np.ndarray]:
    """``ȳᵀ J`` for each argument, by torch.autograd."""
    ts = [to_torch(a) for a in args]
    out = torch_fn(*ts)
    grads = torch.autograd.grad(out, ts, grad_outputs=to_torch(cotangent, False),
                                allow_unused=True)  # fmt: skip
    return [np.zeros_like(a) if g is None else g.numpy() for a, g in zip(args, grads)]


def torch_jvp(
    torch_fn: Callable[..., Any], args: Sequence[np.ndarray], tangents: Sequence[np.ndarray]
) -> np.ndarray:
    """``J t`` by torch (the double-backward trick of torch.autograd.functional.jvp)."""
    ts = tuple(to_torch(a, False) for a in args)
    vs = tuple(to_torch(t, False) for t in tangents)
    _, out = torch.autograd.functional.jvp(torch_fn, ts, vs)
    return out.numpy()


def torch_hessian(torch_fn: Callable[..., Any], args: Sequence[np.ndarray]) -> Any:
    """Hessian blocks of a scalar torch function; ``H[i][j]`` has shape ``xi.shape + xj.shape``."""
    ts = tuple(to_torch(a, False) for a in args)
    h = torch.autograd.functional.hessian(torch_fn, ts)
    return [[block.numpy() for block in row] for row in h]
