"""Rows that compute every traced operand's cotangent in one call (``vjp_all``, issue 9).

The sweep calls ``row.vjp_all(g, ans, *primals, which=[indices of the traced parents], **params)``
once per node instead of ``row.vjp(i, ...)`` once per traced operand. Rows whose partials share
work have one: divide (``g/y``), hypot (``g/z``), arctan2 (``x² + y²``), fmax/fmin (the choice),
one adjoint FFT for a transform's real and imaginary inputs, one adjoint solve, einsum's parsed
subscripts, matmul, concatenate. A constant operand's cotangent is never computed (``X`` in
``X @ W``): the rows skip what ``which`` leaves out, and the other rows are called per traced
operand only. Table-driven over every row that has a ``vjp_all``:

1. its cotangents equal the per-operand ``vjp``'s, for every operand and for each one alone,
   shape and dtype included (float64 and float32, broadcasting);
2. the gradient through the sweep equals torch's, all operands traced and each one alone;
3. counts (``dl.cost``): the shared work is done once, a constant operand's never.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import oracles
import pytest
import torch

import derivlab as dl
from derivlab._core import MultiPrimitive, ReverseBox, ReverseTrace
from derivlab._primitives import PRIMITIVES, UFUNCS

# rows whose one vjp_all serves several operands (a decomposition's vjp_all serves several
# outputs instead: tests/test_multi_output.py)
ROWS = sorted(
    name
    for name, row in PRIMITIVES.items()
    if row.vjp_all is not None and not isinstance(row, MultiPrimitive)
)
BINARY = {row.name for row in UFUNCS.values() if row.nin == 2 and row.sympy is not None}  # binary()

# operand shapes for the binary rows: equal, broadcast both ways, a 0-d operand
_BINARY_SHAPES = [((3, 4), (3, 4)), ((3, 1), (4,)), ((2, 1, 3), (4, 1)), ((3,), ())]


def _binary_cases(name: str) -> list[tuple[str, Callable, Callable, tuple[np.ndarray, ...]]]:
    row = PRIMITIVES[name]
    ufunc = next(u for u, r in UFUNCS.items() if r is row)
    t_fn = oracles.torch_elementwise(row)
    rng = np.random.default_rng(sum(map(ord, name)))
    cases = []
    for sx, sy in _BINARY_SHAPES:
        x, y = oracles.sample(row.domain, sx, rng), oracles.sample(row.domain, sy, rng)
        cases.append((f"{sx}-{sy}", ufunc, t_fn, (x, y)))
    return cases


def _cases(name: str) -> list[tuple[str, Callable, Callable, tuple[np.ndarray, ...]]]:
    """(label, NumPy function, torch function, float64 arguments) that bind row ``name``, with
    at least two arguments (operands to choose among)."""
    if name in BINARY:
        return _binary_cases(name)
    cases = [(c.label, c.fn, c.torch_fn, c.args) for c in oracles.STRUCTURAL[name]]
    return [c for c in cases if len(c[3]) > 1]


CASES = [
    pytest.param(name, *case, id=f"{name}-{case[0]}") for name in ROWS for case in _cases(name)
]


def test_every_vjp_all_row_is_covered() -> None:
    """A row that gains a vjp_all without a case here fails (each row has a case with 2+ args)."""
    covered = {p.values[0] for p in CASES}
    assert covered == set(ROWS), set(ROWS) - covered
    expected = {"divide", "hypot", "arctan2", "fmax", "fmin", "matmul", "einsum", "concatenate"}
    expected |= {"stack"}
    expected |= {"fft.fftn.real", "fft.fftn.imag", "fft.ifftn.real", "fft.ifftn.imag"}
    assert expected | {"fft.irfftn", "linalg.solve"} == set(ROWS)


# ---- 1. vjp_all agrees with the per-operand vjp ----


def _nodes(name: str, fn: Callable, args: tuple[np.ndarray, ...]) -> list[tuple]:
    """The tape records ``(box, primals, params, parents)`` of row ``name`` that ``fn(*args)``
    makes."""
    trace = ReverseTrace()
    fn(*[ReverseBox(a, trace) for a in args])
    trace.ended = True
    nodes = [record for record in trace.tape if record[0].prim is PRIMITIVES[name]]
    assert nodes, f"the case does not bind {name}"
    return nodes


def _plain(x: Any) -> Any:
    return x.value if isinstance(x, ReverseBox) else x


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("name", "label", "fn", "torch_fn", "args"), CASES)
def test_vjp_all_equals_per_operand_vjp(name, label, fn, torch_fn, args, dtype) -> None:
    row = PRIMITIVES[name]
    rng = np.random.default_rng(7)
    rtol = 1e-12 if dtype == np.float64 else 2e-5
    for box, recorded, params, _ in _nodes(name, fn, tuple(a.astype(dtype) for a in args)):
        primals = [_plain(p) for p in recorded]
        ans = box.value
        g = rng.standard_normal(np.shape(ans)).astype(np.result_type(ans))
        n = len(primals)
        every = row.vjp_all(g, ans, *primals, which=list(range(n)), **params)
        assert len(every) == n
        for i in range(n):
            ref = row.vjp(i, g, ans, *primals, **params)
            for got in (every[i], row.vjp_all(g, ans, *primals, which=[i], **params)[i]):
                assert np.shape(got) == np.shape(primals[i]), (i, np.shape(got))
                assert np.result_type(got) == np.result_type(ref) == dtype, (i, np.result_type(got))
                scale = np.max(np.abs(ref), initial=1.0)  # entries that cancel to ~0
                np.testing.assert_allclose(got, ref, rtol=rtol, atol=rtol * scale)
            alone = row.vjp_all(g, ans, *primals, which=[i], **params)
            assert all(c is None for k, c in enumerate(alone) if k != i)  # constants: nothing


# ---- 2. the gradient equals torch's, all operands traced and each alone ----


def _subsets(n: int) -> list[tuple[int, ...]]:
    return [tuple(range(n))] + [(i,) for i in range(n)]


@pytest.mark.parametrize(("name", "label", "fn", "torch_fn", "args"), CASES)
def test_gradient_matches_torch(name, label, fn, torch_fn, args) -> None:
    out = np.asarray(fn(*args))
    w = np.random.default_rng(3).standard_normal(out.shape)  # a generic cotangent

    def loss(*xs: Any) -> Any:
        return np.sum(w * fn(*xs))

    for argnums in _subsets(len(args)):
        got = dl.grad(loss, argnums=argnums)(*args)
        ts = [oracles.to_torch(a, requires_grad=k in argnums) for k, a in enumerate(args)]
        t_out = torch.sum(oracles.to_torch(w, False) * torch_fn(*ts))
        want = torch.autograd.grad(t_out, [ts[k] for k in argnums])
        for k, a, b in zip(argnums, got, want):
            oracles.assert_close(a, b.numpy(), rtol=1e-10, atol=1e-12)
            assert np.shape(a) == np.shape(args[k])


def _weighted(fn: Callable, w: np.ndarray) -> Callable:
    return lambda *xs: np.sum(w * fn(*xs))


@pytest.mark.parametrize("name", ["stack", "vstack", "dot", "tensordot", "inner"])
def test_composites_on_these_rows_match_torch(name: str) -> None:
    """Composites built from these rows (stack on concatenate, dot on matmul or einsum)."""
    for case in oracles.COMPOSITES[name]:
        for argnums in _subsets(len(case.args)):
            if case.label == "vec-vec" and 0 not in argnums:
                continue  # a.dot(b) with a plain: NumPy's own method, which cannot see b's box
            w = np.random.default_rng(1).standard_normal(np.shape(case.fn(*case.args)))
            got = dl.grad(_weighted(case.fn, w), argnums=argnums)(*case.args)
            ts = [oracles.to_torch(a, k in argnums) for k, a in enumerate(case.args)]
            t_out = torch.sum(oracles.to_torch(w, False) * case.torch_fn(*ts))
            want = torch.autograd.grad(t_out, [ts[k] for k in argnums])
            for a, b in zip(got, want):
                oracles.assert_close(a, b.numpy())


def test_second_derivatives_through_vjp_all_match_torch() -> None:
    """vjp_all is written with NumPy calls, so it is traced too: Hessians of x/y, hypot, X @ W."""
    rng = np.random.default_rng(5)
    x, y = rng.uniform(0.5, 2.0, 3), rng.uniform(0.5, 2.0, 3)
    X = rng.standard_normal((4, 3))

    def f(x, y):
        return np.sum(x / y + np.hypot(x, y) * np.arctan2(y, x)) + np.sum(np.tanh(X @ x) * (X @ y))

    def f_t(x, y):
        Xt = torch.from_numpy(X)
        first = torch.sum(x / y + torch.hypot(x, y) * torch.atan2(y, x))
        return first + torch.sum(torch.tanh(Xt @ x) * (Xt @ y))

    for i, j in itertools.product(range(2), repeat=2):
        got = dl.jacfwd(dl.grad(f, argnums=i), argnums=j)(x, y)
        got_rev = dl.jacrev(dl.grad(f, argnums=i), argnums=j)(x, y)
        want = oracles.torch_hessian(f_t, (x, y))[i][j]
        oracles.assert_close(got, want)
        oracles.assert_close(got_rev, want)


# ---- 3. counts: shared work once, a constant operand's never ----


def _sweep_counts(f: Callable, args: tuple, argnums: Any) -> dict[str, int]:
    """What the backward sweep alone binds: grad's counts minus the forward pass's."""
    both = dl.cost(dl.grad(f, argnums=argnums), *args).by_primitive
    forward = dl.cost(f, *args).by_primitive
    return {k: both[k] - forward.get(k, 0) for k in both if both[k] - forward.get(k, 0)}


_RNG = np.random.default_rng(11)
_X, _Y = _RNG.uniform(1.0, 2.0, (3, 4)), _RNG.uniform(1.0, 2.0, (3, 4))


def test_divide_shares_one_division() -> None:
    """x̄ = g/y and ȳ = -x̄·z: one division in the sweep (the per-operand rules took two)."""
    f = lambda x, y: np.sum(x / y)  # noqa: E731
    assert _sweep_counts(f, (_X, _Y), (0, 1)) == {
        "broadcast_to": 1, "divide": 1, "multiply": 1, "negative": 1,
    }  # fmt: skip
    assert _sweep_counts(f, (_X, _Y), 0) == {"broadcast_to": 1, "divide": 1}  # x / constant
    g = dl.grad(f, argnums=(0, 1))(_X, _Y)
    oracles.assert_close(g[0], 1 / _Y)
    oracles.assert_close(g[1], -_X / _Y**2)


def test_hypot_and_arctan2_share_their_denominator() -> None:
    hyp = _sweep_counts(lambda x, y: np.sum(np.hypot(x, y)), (_X, _Y), (0, 1))
    assert hyp == {"broadcast_to": 1, "divide": 1, "multiply": 2}  # g/z once, then · x and · y
    atan = _sweep_counts(lambda x, y: np.sum(np.arctan2(x, y)), (_X, _Y), (0, 1))
    # x² + y² once (two multiplies and an add), one division, then q·y and -(q·x)
    assert atan == {"broadcast_to": 1, "multiply": 4, "add": 1, "divide": 1, "negative": 1}


def test_matmul_with_a_constant_operand_does_one_product() -> None:
    """∂/∂W of sum(X @ W): exactly one matmul in the sweep (XᵀG), none for the data X."""
    X, W = _RNG.standard_normal((5, 4)), _RNG.standard_normal((4, 3))
    f = lambda X, W: np.sum(np.tanh(X @ W))  # noqa: E731
    assert _sweep_counts(f, (X, W), 1)["matmul"] == 1
    assert _sweep_counts(f, (X, W), 0)["matmul"] == 1
    assert _sweep_counts(f, (X, W), (0, 1))["matmul"] == 2
    ein = lambda X, W: np.sum(np.einsum("ij,jk->ik", X, W) ** 2)  # noqa: E731
    assert _sweep_counts(ein, (X, W), 1)["einsum"] == 1


def test_solve_backward_skips_the_outer_product_for_a_constant_matrix() -> None:
    """One adjoint solve serves both; with A constant, Ā = -λxᵀ is not formed."""
    a = _RNG.standard_normal((3, 3)) + 3 * np.eye(3)
    b = _RNG.standard_normal(3)
    f = lambda a, b: np.sum(np.linalg.solve(a, b) ** 2)  # noqa: E731
    for argnums in ((0, 1), 0, 1):
        assert _sweep_counts(f, (a, b), argnums)["linalg.solve"] == 1
    only_b = _sweep_counts(f, (a, b), 1)
    assert "negative" not in only_b and "matmul" not in only_b
    assert _sweep_counts(f, (a, b), 0)["negative"] == 1  # Ā = -λxᵀ


def test_fft_rows_transform_g_once_for_both_parts() -> None:
    """The real and imaginary inputs of fftn/ifftn/irfftn share one adjoint transform (a complex
    transform counts as two rows, its real and imaginary parts; the per-operand rules did two
    transforms per node)."""
    a, b = _RNG.standard_normal(6), _RNG.standard_normal(6)
    power = _sweep_counts(lambda a, b: np.sum(np.abs(np.fft.fft(a + 1j * b)) ** 2), (a, b), (0, 1))
    # two nodes have a cotangent (fft.fftn.real, fft.fftn.imag): one ifft each, not two each
    assert power["fft.ifftn.real"] == 2 and power["fft.ifftn.imag"] == 2
    inverse = lambda a, b: np.sum(np.abs(np.fft.ifft(a + 1j * b)) ** 2)  # noqa: E731
    inverse = _sweep_counts(inverse, (a, b), (0, 1))
    assert inverse["fft.fftn.real"] == 2 and inverse["fft.fftn.imag"] == 2
    real = _sweep_counts(lambda a, b: np.sum(np.fft.fft(a + 1j * b).real), (a, b), (0, 1))
    assert real["fft.ifftn.real"] == 1 and real["fft.ifftn.imag"] == 1
    irfft = _sweep_counts(lambda a, b: np.sum(np.fft.irfft(a + 1j * b) ** 2), (a, b), (0, 1))
    assert irfft["fft.rfftn.real"] == 1 and irfft["fft.rfftn.imag"] == 1


def test_constant_pieces_get_no_cotangent() -> None:
    """np.where's constant branch (relu's 0), concatenate's constant pieces: nothing computed."""
    x = _RNG.standard_normal((3, 4))
    relu = _sweep_counts(lambda x: np.sum(np.where(x > 0, x, 0.0) ** 2), (x,), 0)
    assert relu["where"] == 1  # only the traced branch's np.where(cond, g, 0)
    pieces = [np.ones((2, 4)), np.zeros((1, 4))]
    cat = _sweep_counts(lambda x: np.sum(np.concatenate([pieces[0], x, pieces[1]]) ** 2), (x,), 0)
    assert cat.get("getitem", 0) == 1  # one block sliced out of g, not three


def test_one_box_as_both_operands() -> None:
    """which names an operand index once per parent: x / x, hypot(x, x), solve(A, A), [x, x]."""
    x = _RNG.uniform(1.0, 2.0, 4)
    oracles.assert_close(dl.grad(lambda x: np.sum(x / x))(x), np.zeros(4), atol=1e-15)
    oracles.assert_close(dl.grad(lambda x: np.sum(np.hypot(x, x)))(x), np.full(4, np.sqrt(2)))
    a = _RNG.standard_normal((3, 3)) + 3 * np.eye(3)
    want = torch.autograd.grad(torch.linalg.solve(t := oracles.to_torch(a), t).sum(), t)[0]
    oracles.assert_close(dl.grad(lambda a: np.sum(np.linalg.solve(a, a)))(a), want.numpy())
    oracles.assert_close(dl.grad(lambda x: np.sum(np.concatenate([x, x]) ** 2))(x), 4 * x)
