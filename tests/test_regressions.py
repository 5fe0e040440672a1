"""Regressions: the cases that autodiff implementations classically get wrong, each with an oracle.

Shared subexpressions, very deep graphs, repeated calls, perturbation confusion, a MAML step
(a gradient through a gradient), products with zeros, einsum and linear algebra compositions,
and integer-array indexing with repeated indices.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import pytest
import torch
from oracles import assert_close, to_torch

import derivlab as dl
from derivlab._core import strip

# ---- shared subexpressions ----


def test_shared_subexpression_is_counted_once_per_use() -> None:
    # y = x², f = y + y = 2x²  =>  f' = 4x (y's cotangent must add up its two uses)
    assert_close(dl.grad(lambda x: (lambda y: y + y)(x * x))(3.0), 12.0)
    # y used three times in different roles: f = y·y + sin(y) - y, y = x²
    x = np.array([0.3, -1.2, 2.0])

    def f(x: Any) -> Any:
        y = x * x
        return np.sum(y * y + np.sin(y) - y)

    t = to_torch(x)
    y = t * t
    (y * y + torch.sin(y) - y).sum().backward()
    assert_close(dl.grad(f)(x), t.grad)
    assert_close(dl.hessian(f)(x), torch.autograd.functional.hessian(
        lambda t: ((t * t) ** 2 + torch.sin(t * t) - t * t).sum(), to_torch(x, False)))  # fmt: skip


def test_same_input_in_both_operands() -> None:
    x = np.array([0.5, -2.0])
    assert_close(dl.grad(lambda x: np.sum(x * x))(x), 2 * x)
    assert_close(dl.grad(lambda x: np.sum(x / x))(x), np.zeros(2), atol=1e-15)
    assert_close(dl.grad(lambda x: np.sum(x - x))(x), np.zeros(2), atol=0)


# ---- deep graphs ----


def test_100k_op_chain_has_no_recursion_error_and_a_linear_sweep() -> None:
    # y_{k+1} = a·y_k + x, y_0 = x: 50,000 steps of (multiply, add) = 100,000 recorded ops.
    # Closed form: y_n = x·(1 + a + … + a^n), so dy_n/dx = (1 - a^(n+1)) / (1 - a).
    a, n = 0.99999, 50_000

    def chain(x: Any) -> Any:
        y = x
        for _ in range(n):
            y = y * a + x
        return y

    limit = sys.getrecursionlimit()
    cost = dl.cost(dl.value_and_grad(chain), 0.5)
    value, g = cost.value
    expected = (1 - a ** (n + 1)) / (1 - a)
    assert sys.getrecursionlimit() == limit
    assert_close(g, expected, rtol=1e-9)
    assert_close(value, 0.5 * expected, rtol=1e-9)
    # the sweep is linear in the tape, counted exactly: n multiplies and n adds forward; back,
    # one multiply per step (ȳ·a) and one add per step (x's cotangent accumulates)
    assert cost.by_primitive == {"add": 2 * n, "multiply": 2 * n}
    # forward mode over the same chain
    assert_close(dl.jvp(chain, (0.5,), (1.0,))[1], expected, rtol=1e-9)


def test_deep_chain_of_unary_rows() -> None:
    # 20,000 nested sines: the derivative is the product of the cosines along the way
    def f(x: Any) -> Any:
        for _ in range(20_000):
            x = np.sin(x)
        return x

    xs, d = [0.7], 1.0
    for _ in range(20_000):
        d *= np.cos(xs[-1])
        xs.append(np.sin(xs[-1]))
    assert_close(dl.grad(f)(0.7), d, rtol=1e-9)


# ---- repeated calls ----


def test_grad_called_twice_gives_the_same_answer() -> None:
    x = np.array([1.0, -0.5, 2.0])
    g = dl.grad(lambda x: np.sum(np.tanh(x) * x))
    first = g(x)
    second = g(x)
    assert_close(first, second, rtol=0, atol=0)
    assert_close(dl.grad(lambda x: np.sum(np.tanh(x) * x))(x), first, rtol=0, atol=0)
    _, back = dl.vjp(lambda x: np.tanh(x) * x, x)
    ct = np.ones(3)
    assert_close(back(ct)[0], back(ct)[0], rtol=0, atol=0)  # a pullback can be reused
    assert_close(back(ct)[0], first)


def test_input_array_is_not_modified() -> None:
    x = np.array([1.0, 2.0, 3.0])
    keep = x.copy()
    dl.grad(lambda x: np.sum(x[[0, 0, 1]] ** 2))(x)
    dl.hessian(lambda x: np.sum(np.sin(x)))(x)
    assert_close(x, keep, rtol=0, atol=0)


# ---- perturbation confusion ----
# d/dx [ x · d/dy (x + y) ] = d/dx [ x · 1 ] = 1. A tracer that confuses the two perturbations
# counts x's perturbation inside d/dy as well and answers 2.


def _deriv_rev(f: Any) -> Any:
    return dl.grad(f)


def _deriv_fwd(f: Any) -> Any:
    return lambda x: dl.jvp(f, (x,), (1.0,))[1]


MODES = {"reverse": _deriv_rev, "forward": _deriv_fwd}


@pytest.mark.parametrize("outer", list(MODES))
@pytest.mark.parametrize("inner", list(MODES))
def test_perturbation_confusion(outer: str, inner: str) -> None:
    d_out, d_in = MODES[outer], MODES[inner]

    def f(x: Any) -> Any:
        return x * d_in(lambda y: x + y)(1.0)

    assert_close(d_out(f)(2.0), 1.0, rtol=0, atol=0)

    # a variant where the inner derivative depends on x: d/dx [x · d/dy (x·y)] = d/dx x² = 2x
    def g(x: Any) -> Any:
        return x * d_in(lambda y: x * y)(3.0)

    assert_close(d_out(g)(2.0), 4.0, rtol=0, atol=0)


def test_nested_derivative_of_closed_over_value() -> None:
    # d/dx d/dy [sin(x·y)] at (x, y) = (0.5, 2): cos(xy) - xy·sin(xy)
    x, y = 0.5, 2.0
    mixed = dl.grad(lambda x: dl.grad(lambda y: np.sin(x * y))(y))(x)
    assert_close(mixed, np.cos(x * y) - x * y * np.sin(x * y))


def test_third_derivative() -> None:
    d3 = dl.grad(dl.grad(dl.grad(lambda x: np.sin(x) * np.exp(x))))(0.4)
    # (sin·exp)''' = 2 e^x (cos x - sin x)
    assert_close(d3, 2 * np.exp(0.4) * (np.cos(0.4) - np.sin(0.4)))
    d3_fwd = _deriv_fwd(_deriv_fwd(_deriv_rev(lambda x: np.sin(x) * np.exp(x))))(0.4)
    assert_close(d3_fwd, d3)


# ---- MAML: a gradient through a gradient step ----


def _maml_data() -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(42)
    X, Xv = rng.normal(size=(8, 3)), rng.normal(size=(6, 3))
    y, yv = np.sin(X @ [1.0, -2.0, 0.5]), np.sin(Xv @ [1.0, -2.0, 0.5])
    return X, y, Xv, yv


def test_maml_step_matches_torch() -> None:
    X, y, Xv, yv = _maml_data()
    lr = 0.3
    params = {"w": np.array([0.1, -0.2, 0.3]), "b": 0.05}

    def loss(p: dict, X: Any, y: Any) -> Any:
        return np.mean((np.tanh(X @ p["w"] + p["b"]) - y) ** 2)

    def adapted(p: dict) -> dict:
        g = dl.grad(loss)(p, X, y)  # inner SGD step, itself differentiated by the outer grad
        return {k: p[k] - lr * g[k] for k in p}

    def meta_loss(p: dict) -> Any:
        for _ in range(2):  # two inner steps
            p = adapted(p)
        return loss(p, Xv, yv)

    value, meta = dl.value_and_grad(meta_loss)(params)

    tp = {k: to_torch(v) for k, v in params.items()}
    tX, ty, tXv, tyv = (to_torch(a, False) for a in (X, y, Xv, yv))

    def tloss(p: dict, X: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return ((torch.tanh(X @ p["w"] + p["b"]) - y) ** 2).mean()

    q = tp
    for _ in range(2):
        gs = torch.autograd.grad(tloss(q, tX, ty), list(q.values()), create_graph=True)
        q = {k: q[k] - lr * g for k, g in zip(q, gs)}
    tvalue = tloss(q, tXv, tyv)
    expected = dict(zip(tp, torch.autograd.grad(tvalue, list(tp.values()))))

    assert set(meta) == {"w", "b"}
    assert_close(value, tvalue)
    assert_close(meta["w"], expected["w"])
    assert np.ndim(meta["b"]) == 0
    assert_close(meta["b"], expected["b"])

    # the first-order shortcut (treating the inner gradient as a constant) differs: the test
    # would notice if the inner gradient were silently detached
    def fo_adapted(p: dict) -> dict:
        g = dl.grad(loss)({k: strip(v) for k, v in p.items()}, X, y)
        return {k: p[k] - lr * g[k] for k in p}

    first_order = dl.grad(lambda p: loss(fo_adapted(fo_adapted(p)), Xv, yv))(params)
    assert not np.allclose(first_order["w"], meta["w"], rtol=1e-6)


# ---- products with zeros ----


@pytest.mark.parametrize(
    "x",
    [np.array([2.0, 0.0, 3.0, -1.5]), np.array([0.0, 0.0, 3.0, 4.0]), np.zeros(4)],
    ids=["one-zero", "two-zeros", "all-zeros"],
)
def test_prod_with_zeros_matches_torch(x: np.ndarray) -> None:
    t = to_torch(x)
    torch.prod(t).backward()
    assert_close(dl.grad(np.prod)(x), t.grad, rtol=0, atol=0)
    direction = np.arange(4.0)
    assert_close(dl.jvp(np.prod, (x,), (direction,))[1], t.grad.numpy() @ direction)
    assert_close(dl.hessian(np.prod)(x),
                 torch.autograd.functional.hessian(torch.prod, to_torch(x, False)))  # fmt: skip
    # along an axis, rows with and without zeros side by side
    m = np.stack([x, x + 1.0, x[::-1]])
    tm = to_torch(m)
    torch.prod(tm, 1).sum().backward()
    assert_close(dl.grad(lambda m: np.sum(np.prod(m, axis=1)))(m), tm.grad)


def test_prod_over_several_axes_with_a_zero_matches_torch() -> None:
    x = np.array([[[1.5, 0.0], [2.0, -1.0]], [[0.5, 3.0], [0.0, 0.0]]])  # one zero, then two
    g = dl.grad(lambda x: np.sum(np.prod(x, axis=(0, 2)) * np.array([1.0, 2.0])))(x)
    t = to_torch(x)
    (torch.prod(t.permute(1, 0, 2).reshape(2, -1), 1) * torch.tensor([1.0, 2.0])).sum().backward()
    assert_close(g, t.grad)


# ---- einsum and linear algebra, composed ----


def test_einsum_ellipsis_and_four_operands_matches_torch() -> None:
    rng = np.random.default_rng(5)
    args = [rng.normal(size=s) for s in [(2, 3, 4), (4, 5), (5,), (2, 3)]]
    spec = "...ij,jk,k,...i->..."

    def f(*a: Any) -> Any:
        return np.sum(np.sin(np.einsum(spec, *a)))

    def tf(*a: torch.Tensor) -> torch.Tensor:
        return torch.sin(torch.einsum(spec, *a)).sum()

    grads = dl.grad(f, argnums=(0, 1, 2, 3))(*args)
    ts = [to_torch(a) for a in args]
    expected = torch.autograd.grad(tf(*ts), ts)
    for g, e in zip(grads, expected):
        assert_close(g, e)
    h = dl.hessian(lambda b: f(args[0], b, args[2], args[3]))(args[1])
    th = torch.autograd.functional.hessian(lambda b: tf(ts[0], b, ts[2], ts[3]), ts[1].detach())
    assert_close(h, th)


def test_einsum_ellipsis_broadcast_from_size_one() -> None:
    a = np.arange(6.0).reshape(2, 3)
    b = np.ones((1, 3))  # '...' is (1,) here and (2,) in a: NumPy broadcasts it
    g = dl.grad(lambda b: np.sum(np.einsum("...i,...i->...", a, b)))(b)
    assert_close(g, np.sum(a, axis=0, keepdims=True), rtol=0, atol=0)  # [[3, 5, 7]], shape (1, 3)


def test_einsum_repeated_index_in_one_operand_is_a_diagonal() -> None:
    a = np.arange(9.0).reshape(3, 3)
    assert_close(dl.grad(lambda a: np.einsum("ii->", a))(a), np.eye(3), rtol=0, atol=0)
    assert_close(dl.hessian(lambda a: np.einsum("ii,jj->", a, a))(a),
                 2 * np.einsum("ij,kl->ijkl", np.eye(3), np.eye(3)), rtol=0, atol=0)  # fmt: skip


def test_linear_algebra_composition_matches_torch() -> None:
    rng = np.random.default_rng(6)
    A = rng.normal(size=(3, 3)) + 3 * np.eye(3)
    b = rng.normal(size=3)

    def f(A: Any, b: Any) -> Any:
        return (np.linalg.slogdet(A)[1] + np.sum(np.linalg.solve(A, b) ** 2)
                + np.trace(np.linalg.inv(A)) + np.linalg.det(A) * 0.1)  # fmt: skip

    def tf(A: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return (torch.linalg.slogdet(A)[1] + (torch.linalg.solve(A, b) ** 2).sum()
                + torch.trace(torch.linalg.inv(A)) + torch.linalg.det(A) * 0.1)  # fmt: skip

    tA, tb = to_torch(A), to_torch(b)
    expected = torch.autograd.grad(tf(tA, tb), (tA, tb))
    got = dl.grad(f, argnums=(0, 1))(A, b)
    assert_close(got[0], expected[0])
    assert_close(got[1], expected[1])
    h = dl.hessian(lambda A: f(A, b))(A)
    assert h.shape == (3, 3, 3, 3)
    th = torch.autograd.functional.hessian(lambda A: tf(A, tb.detach()), tA.detach())
    assert_close(h, th, rtol=1e-9)


def test_slogdet_sign_is_a_constant() -> None:
    A = -np.eye(3) * 2.0  # det < 0
    sign, logabs = np.linalg.slogdet(A)
    g = dl.grad(lambda A: np.linalg.slogdet(A)[0] * np.linalg.slogdet(A)[1])(A)
    assert_close(g, sign * np.linalg.inv(A).T)


# ---- indexing with repeated indices ----


def test_integer_indexing_with_repeats_accumulates() -> None:
    x = np.array([1.0, 2.0, 3.0])
    idx = np.array([0, 0, 2, 0])
    assert_close(dl.grad(lambda x: np.sum(x[idx]))(x), [3.0, 0.0, 1.0], rtol=0, atol=0)
    # weighted: f = Σ_k w_k x[idx_k]²  =>  ∂f/∂x_j = Σ_{k: idx_k = j} 2 w_k x_j
    w = np.array([1.0, 10.0, 100.0, 1000.0])
    g = dl.grad(lambda x: np.sum(w * x[idx] ** 2))(x)
    assert_close(g, [2 * 1011.0 * 1.0, 0.0, 2 * 100.0 * 3.0])
    # 2-D index arrays and forward mode agree with torch
    M = np.arange(12.0).reshape(3, 4) / 7
    rows, cols = np.array([[0, 2], [0, 0]]), np.array([[1, 1], [1, 3]])
    tM = to_torch(M)
    (torch.sin(tM[torch.as_tensor(rows), torch.as_tensor(cols)]) * 2).sum().backward()
    assert_close(dl.grad(lambda M: np.sum(np.sin(M[rows, cols]) * 2))(M), tM.grad)
    jf = dl.jacfwd(lambda x: x[idx])(x)
    assert_close(jf, np.eye(3)[idx], rtol=0, atol=0)
    # second order through the scatter-add adjoint
    h = dl.hessian(lambda x: np.sum(x[idx] ** 3))(x)
    assert_close(h, np.diag([6 * 3 * 1.0, 0.0, 6 * 1 * 3.0]))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "rows, shape",
    [
        ((64, 8), (8, 16)),  # many uses per row (an embedding table): summed by np.bincount
        ((5,), (40, 3)),  # a few rows of a large table: np.add.at
    ],
)
def test_repeated_index_adjoint_against_torch(rows: tuple, shape: tuple, dtype: Any) -> None:
    rng = np.random.default_rng(7)
    W = rng.standard_normal(shape).astype(dtype)
    idx = rng.integers(0, shape[0], rows)
    G = rng.standard_normal(rows + shape[1:]).astype(dtype)
    r3, cols = idx.ravel()[:3, None], np.array([[0, 2, 0]])  # broadcast together to (3, 3)

    def f(W: Any) -> Any:  # rows by an integer array, then (row, column) pairs, then a slice
        return np.sum(W[idx] * G) + np.sum(W[r3, cols] ** 2) + np.sum(W[idx, 1:] * 0.5)

    def tf(t: Any) -> Any:
        return (
            (t[torch.as_tensor(idx)] * torch.tensor(G)).sum()
            + (t[torch.as_tensor(r3), torch.as_tensor(cols)] ** 2).sum()
            + (t[torch.as_tensor(idx), 1:] * 0.5).sum()
        )

    tW = torch.tensor(W, requires_grad=True)
    tf(tW).backward()
    g = dl.grad(f)(W)
    assert g.dtype == dtype
    tol = 1e-12 if dtype == np.float64 else 1e-5
    assert_close(g, tW.grad, rtol=tol, atol=tol)
    if dtype == np.float64:  # forward over reverse: the adjoint is applied as a traced row
        v = rng.standard_normal(shape)
        hv = torch.autograd.functional.hvp(tf, to_torch(W, False), torch.tensor(v))[1]
        assert_close(dl.hvp(f, W, v), hv)


def test_np_add_at_style_gradient_through_take() -> None:
    x = np.array([0.5, -1.0, 2.0, 0.25])
    g = dl.grad(lambda x: np.sum(np.take(x, [3, 3, 3, 1]) ** 2))(x)
    assert_close(g, [0.0, 2 * -1.0, 0.0, 3 * 2 * 0.25])


# ---- inner products of two vectors ----


def test_reverse_mode_of_vector_dot_vector() -> None:
    a, b = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    ga, gb = dl.grad(lambda a, b: a @ b, argnums=(0, 1))(a, b)
    assert_close(ga, b, rtol=0, atol=0)
    assert_close(gb, a, rtol=0, atol=0)
    assert_close(dl.grad(lambda a: np.dot(a, b))(a), b, rtol=0, atol=0)


# ---- the sweep's in-place accumulation (indexing adjoints) and one-call concatenate ----


def test_slices_accumulate_into_one_buffer_exactly() -> None:
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal(40), rng.standard_normal(5)

    def windows(x: Any) -> Any:  # a naive loop convolution: 36 overlapping slices, stacked
        return np.sum(np.stack([np.sum(x[i : i + 5] * w) for i in range(36)]) ** 2)

    dense = np.stack([np.eye(40)[i : i + 5].T @ w for i in range(36)], axis=1)  # ∂y_i/∂x
    y = dense.T @ x
    assert_close(dl.grad(windows)(x), dense @ (2 * y), rtol=1e-12)
    # the same with integer-array indices that repeat an entry, and with x reused whole
    idx = np.array([0, 3, 3, 3, 7])
    g = dl.grad(lambda x: np.sum(x[idx] * w) + np.sum(x[2:9] ** 2) + np.sum(x))(x)
    expect = np.ones(40)
    np.add.at(expect, idx, w)
    expect[2:9] += 2 * x[2:9]
    assert_close(g, expect, rtol=1e-13)
    # iterating over a vector: every element is a slice of it
    assert_close(dl.grad(lambda x: sum(v * v for v in x))(x), 2 * x, rtol=1e-13)

    # second order through the same code paths (the buffer meets boxes of the outer trace)
    def f(x: Any) -> Any:
        return np.sum(x[idx] ** 2) + np.sum(x[1:4] * x[2:5])

    assert_close(dl.hessian(f)(x[:10]), dl.jacfwd(dl.jacfwd(f))(x[:10]), rtol=1e-12)


def test_iterating_a_vector_allocates_no_dense_cotangent_per_element(monkeypatch: Any) -> None:
    # `for v in x` gives each element a NumPy scalar cotangent; it must be added into one buffer,
    # not expanded to a zero array the size of x per element (that made the loop quadratic)
    from derivlab import _primitives

    dense = []
    untake = _primitives._untake_impl
    monkeypatch.setattr(
        _primitives.GETITEM,
        "vjp",
        lambda i, g, ans, x, *, index: dense.append(1) or untake(g, index=index, shape=x.shape),
    )
    for dtype in (np.float64, np.float32):
        x = np.linspace(-1.0, 1.0, 50).astype(dtype)
        g = dl.grad(lambda x: sum(v * v for v in x))(x)
        assert g.dtype == dtype
        assert_close(g, 2 * x, rtol=1e-6)
    assert dense == []


def test_concatenate_of_many_pieces() -> None:
    x = np.linspace(0.0, 1.0, 300)
    g = dl.grad(lambda x: np.sum(np.concatenate([x[i : i + 1] * i for i in range(300)]) ** 2))(x)
    assert_close(g, 2 * np.arange(300.0) ** 2 * x, rtol=1e-12)


# ---- the caller mutating an array that the trace still reads ----


def test_mutating_a_constant_after_use_does_not_change_the_gradient() -> None:
    def f(w: Any) -> Any:
        buf = np.ones(3)
        y = w * buf
        buf[:] = 5.0  # the backward sweep must still see the 1s that y was made with
        return np.sum(y * buf)

    w = np.array([1.0, 2.0, 3.0])
    assert_close(dl.grad(f)(w), [5.0, 5.0, 5.0], rtol=0, atol=0)
    assert_close(dl.jvp(f, (w,), (np.ones(3),))[1], 15.0, rtol=0, atol=0)


def test_mutating_a_where_mask_after_use_does_not_change_the_gradient() -> None:
    def f(w: Any) -> Any:
        mask = np.array([True, False, True])
        y = np.where(mask, w, 0.0)
        mask[:] = False
        return np.sum(y)

    assert_close(dl.grad(f)(np.ones(3)), [1.0, 0.0, 1.0], rtol=0, atol=0)


def test_mutating_an_index_array_or_a_view_after_use() -> None:
    X = np.arange(6.0).reshape(2, 3)

    def f(w: Any) -> Any:
        idx = np.array([0, 0, 2])
        row = X[1]  # a view of X
        y = w[idx] * row
        idx[:] = 1
        X[1] = -1.0  # writes through the view
        return np.sum(y)

    g = dl.grad(f)(np.ones(3))
    assert_close(g, [3.0 + 4.0, 0.0, 5.0], rtol=0, atol=0)


def test_a_constant_used_by_many_ops_is_copied_once_and_rechecked() -> None:
    from derivlab._core import ReverseBox, ReverseTrace

    X = np.ones((4, 3))
    trace = ReverseTrace()
    w = ReverseBox(np.ones(3), trace)

    def primals() -> tuple:  # the operands' values the last operation recorded
        return trace.tape[-1][1]

    a = X @ w
    a_x = primals()[0]
    b = X @ w
    assert primals()[0] is a_x  # one snapshot shared by both uses
    assert a_x is not X
    X[0, 0] = 2.0
    c = X @ w  # X changed: a new snapshot, the old one still serves a and b
    assert primals()[0][0, 0] == 2.0 and a_x[0, 0] == 1.0
    frozen = np.ones(3)
    frozen.flags.writeable = False
    w * frozen
    assert primals()[1] is frozen  # read-only and owning its data: not copied
    assert a.prim is b.prim is c.prim


def test_mutating_the_output_of_vjp_before_the_pullback() -> None:
    x = np.array([0.5, 1.0])
    out, back = dl.vjp(np.exp, x)
    out *= 0.0  # exp's rule reads its output: the tape must have its own
    assert_close(back(np.ones(2))[0], np.exp(x))
    out2, t = dl.jvp(np.copy, (x,), (x,))
    assert out2 is not x and t is not x


def test_gradients_are_ordinary_writeable_arrays() -> None:
    x = np.array([1.0, 2.0, 3.0])
    for f in (np.mean, np.sum, lambda v: np.sum(v[:2]), lambda v: np.max(v)):
        g = dl.grad(f)(x)
        assert g.flags.writeable and g.flags.owndata and 0 not in g.strides
        g *= 0.1  # a training loop scales its gradient in place
    ct = np.ones(3)
    (g,) = dl.vjp(lambda v: v, x)[1](ct)
    g += 1.0
    assert_close(ct, np.ones(3), rtol=0, atol=0)  # the caller's cotangent is not aliased


def test_grad_holds_its_inputs_read_only_instead_of_copying_them() -> None:
    w = np.array([1.0, 2.0, 3.0])
    seen = []

    def f(v: Any) -> Any:
        seen.append(w.flags.writeable)
        return np.sum(v * v)

    assert_close(dl.grad(f)(w), 2 * w, rtol=0, atol=0)
    assert seen == [False] and w.flags.writeable  # read-only while traced, then restored

    def writes_through_an_alias(v: Any) -> Any:
        y = v * v
        w[:] = 5.0  # the array under v: the sweep would read 5s where y was made with 1, 2, 3
        return np.sum(y)

    with pytest.raises(ValueError, match="wrote into one of the arrays"):
        dl.grad(writes_through_an_alias)(w)
    assert w.flags.writeable and list(w) == [1.0, 2.0, 3.0]

    def fails(v: Any) -> Any:
        raise RuntimeError("inside f")

    with pytest.raises(RuntimeError, match="inside f"):
        dl.grad(fails)(w)
    assert w.flags.writeable  # restored when f raises too
    frozen = np.ones(2)
    frozen.flags.writeable = False
    dl.grad(lambda v: np.sum(v))(frozen)
    assert not frozen.flags.writeable  # a caller's read-only array stays read-only


def test_grad_holds_the_other_array_arguments_read_only_too() -> None:
    X, Y = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]), np.ones(3)
    seen = []

    def loss(w: Any, X: Any, Y: Any, scale: Any = None) -> Any:
        seen.append((X.flags.writeable, Y.flags.writeable, scale[0].flags.writeable))
        return np.sum((X @ w - Y) ** 2) * scale[0][0]

    scale = (np.array([2.0]), "a label")
    g = dl.grad(loss)(np.ones(2), X, Y, scale=scale)
    assert_close(g, 2 * 2.0 * X.T @ (X @ np.ones(2) - Y))
    assert seen == [(False, False, False)]  # held in place, not copied, while traced
    assert X.flags.writeable and Y.flags.writeable and scale[0].flags.writeable

    def scribbles(w: Any, X: Any) -> Any:
        y = X @ w
        X[:] = 0.0  # the sweep reads X for the gradient: it must not change under the trace
        return np.sum(y)

    with pytest.raises(ValueError, match="wrote into one of the arrays passed to it"):
        dl.grad(scribbles)(np.ones(2), X)
    assert X.flags.writeable and X[2, 1] == 5.0  # unchanged, and writeable again
    view = X[:, :1]  # a view is not locked (its base could change): the trace copies it
    assert_close(dl.grad(scribbles)(np.ones(1), view), [0.0 + 2.0 + 4.0])  # X as it was
    assert not view.any() and view.flags.writeable


@pytest.mark.parametrize(
    "run",
    [
        lambda x: dl.grad(lambda x: np.sum(np.sin(x) * x))(x),
        lambda x: dl.value_and_grad(lambda p: np.sum(p["a"] * np.tanh(p["b"])))({"a": x, "b": x}),
        lambda x: dl.vjp(lambda x: (np.sin(x), x * x), x)[1]((x, x)),
        lambda x: dl.hessian(lambda x: np.sum(np.sin(x) ** 3))(x[:3]),
        lambda x: dl.jacrev(np.sin)(x[:3]),
        lambda x: dl.jacfwd(np.sin)(x[:3]),
        lambda x: dl.hvp(lambda x: np.sum(np.sin(x) ** 3), x, x),
        lambda x: dl.grad(lambda A: np.sum(np.linalg.eigh(A)[1] ** 3))(np.diag(x[:3]) + 0.1),
        lambda x: dl.cost(dl.grad(lambda x: np.sum(x[::2] * x[1::2])), x),
    ],
    ids=["grad", "value_and_grad", "vjp", "hessian", "jacrev", "jacfwd", "hvp", "eigh", "cost"],
)
def test_a_derivative_leaves_no_reference_cycles(run: Any) -> None:
    """The tape and its intermediate arrays are freed by reference counting when the
    transformation returns, not left in cycles for the garbage collector (a trace holding its
    boxes, or a recursive closure holding the leaves, kept a whole graph alive)."""
    import gc

    x = np.linspace(0.1, 1.0, 6)
    run(x)  # warm: first calls may cache
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        run(x)
        gc.collect()
        garbage = [type(o).__name__ for o in gc.garbage]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert garbage == []


def test_grad_frees_each_node_once_the_sweep_has_passed_it() -> None:
    """Every node refers to its parents, so the output box (which grad holds until it returns)
    reaches the whole graph: grad's sweep empties each node it passes, as PyTorch frees a
    graph's saved tensors during backward(), so an intermediate is freed before grad returns."""
    import weakref

    alive_at_the_last_rule: list[list[bool]] = []
    refs: list = []

    @dl.custom_vjp
    def first(x: Any) -> Any:
        return x * 1.0

    def last_rule(_: Any, g: Any) -> tuple[Any]:  # the sweep's last node: all others are done
        alive_at_the_last_rule.append([r() is not None for r in refs])
        return (g,)

    first.defvjp(lambda x: (x * 1.0, None), last_rule)

    def f(x: Any) -> Any:
        y = np.sin(first(x)) * 2.0
        z = np.exp(y)
        refs.extend(weakref.ref(v.value) for v in (y, z))  # arrays only the tape holds
        return np.sum(z)

    x = np.linspace(0.1, 1.0, 5)
    assert_close(dl.grad(f)(x), 2 * np.cos(x) * np.exp(2 * np.sin(x)))
    assert alive_at_the_last_rule == [[False, False]]
    refs.clear()
    dl.vjp(f, x)[1](1.0)  # vjp's pullback may run again: its tape is kept whole
    assert alive_at_the_last_rule[-1] == [True, True]


def test_gradient_of_a_function_that_records_nothing() -> None:
    """An output that is an input (an empty tape) or a constant: grad's one-shot sweep runs."""
    assert dl.grad(lambda x: x)(3.0) == 1.0
    value, g = dl.value_and_grad(lambda x, y: y, argnums=(0, 1))(1.0, 2.0)
    assert value == 2.0 and g == (0.0, 1.0)
    assert dl.grad(lambda x: 2.0)(1.0) == 0.0
    assert_close(dl.hessian(lambda x: x[0])(np.ones(2)), np.zeros((2, 2)), rtol=0, atol=0)


def test_gradients_share_no_memory_with_each_other() -> None:
    a, b = np.ones(2), np.ones(2)
    ga, gb = dl.grad(lambda x, y: np.sum(x + y), argnums=(0, 1))(a, b)  # one cotangent for both
    assert ga is not gb and not np.shares_memory(ga, gb)
    ga += 1.0
    assert_close(gb, np.ones(2), rtol=0, atol=0)
    parts = dl.grad(lambda x: np.sum(np.stack([x[0], x[1]]) ** 2), argnums=0)(np.ones(2))
    assert parts.flags.owndata


def test_where_with_a_zero_side_equals_numpys_where() -> None:
    # np.where with one side 0 (a ReLU and its VJP) is computed as a multiply by the mask for
    # large float arrays; the values must be NumPy's, specials included
    from derivlab._numpy import _masked

    rng = np.random.default_rng(3)
    x = rng.standard_normal((64, 100))
    x.flat[:6] = [np.inf, -np.inf, -0.0, 0.0, -1e-300, 1e300]
    cond = rng.random((64, 100)) > 0.5
    with np.errstate(over="ignore"):
        x32 = x.astype(np.float32)  # 1e300 becomes inf
    for a, b in ((x, 0.0), (0.0, x), (x32, 0.0)):
        got, want = _masked(cond, a, b), np.where(cond, a, b)
        assert got.dtype == want.dtype and got.shape == want.shape
        assert_close(got, want, rtol=0, atol=0)
    finite = x[1:]
    c = cond[1:]
    assert not np.signbit(_masked(c, finite, 0.0)[~c]).any()  # dropped entries are +0.0
    assert_close(_masked(c, finite[:, :1], 0.0), np.where(c, finite[:, :1], 0.0), rtol=0, atol=0)
    x[0, 0] = np.nan
    assert_close(_masked(cond, x, 0.0), np.where(cond, x, 0.0), rtol=0, atol=0)
    assert np.signbit(_masked(c, finite, -0.0)[~c]).all()  # -0.0 is where's, not a multiply
    g = dl.grad(lambda v: np.sum(dl.nn.relu(v) ** 2))(finite)
    assert_close(g, np.where(finite > 0, 2 * finite, 0.0), rtol=0, atol=0)


# ---- solve with a batch of matrices and one right-hand side vector ----


def test_solve_batched_matrix_with_a_vector_rhs_matches_torch() -> None:
    rng = np.random.default_rng(0)
    a = rng.normal(size=(2, 3, 3)) + 3.0 * np.eye(3)
    b = rng.normal(size=3)
    ct = rng.normal(size=(2, 3))
    out, back = dl.vjp(np.linalg.solve, a, b)
    assert out.shape == (2, 3)
    ta, tb = to_torch(a), to_torch(b)
    torch.linalg.solve(ta, tb).backward(to_torch(ct, False))
    ga, gb = back(ct)
    assert_close(ga, ta.grad)
    assert_close(gb, tb.grad)
    da, db = rng.normal(size=a.shape), rng.normal(size=b.shape)
    _, t = dl.jvp(np.linalg.solve, (a, b), (da, db))
    _, t_torch = torch.autograd.functional.jvp(
        torch.linalg.solve, (to_torch(a, False), to_torch(b, False)),
        (to_torch(da, False), to_torch(db, False)))  # fmt: skip
    assert_close(t, t_torch)


# ---- small NumPy semantics ----


def test_np_copy_is_a_new_array() -> None:
    x = np.array([1.0, 2.0])
    out, _ = dl.vjp(np.copy, x)
    assert out is not x and not np.shares_memory(out, x)

    def f(w: Any) -> Any:
        c = np.copy(w)
        assert c is not w
        return np.sum(c * c)

    assert_close(dl.grad(f)(x), 2 * x)


def test_sum_with_dtype_accumulates_in_that_dtype() -> None:
    x = np.array([1.0, 2.0, 3.0])
    value, g = dl.value_and_grad(lambda x: np.sum(x, dtype=np.float32))(x)
    assert value.dtype == np.float32 and g.dtype == np.float64  # the cast back, in the gradient
    assert_close(g, np.ones(3), rtol=0, atol=0)
    assert dl.grad(lambda x: np.mean(x * x, dtype=np.float32))(x).dtype == np.float64
    assert np.sum(np.ones(2), dtype=np.int64).dtype == np.int64  # plain NumPy unaffected


def test_floor_divide_and_round_are_piecewise_constant() -> None:
    x = np.array([0.5, 1.5, -2.25])
    assert_close(dl.grad(lambda x: np.sum(x // 1.0 + x))(x), np.ones(3), rtol=0, atol=0)
    assert_close(dl.grad(lambda x: np.sum(3.0 // (x + 4.0) + x))(x), np.ones(3), rtol=0, atol=0)
    assert_close(dl.grad(lambda x: round(x) * 2.0 + x)(2.4), 1.0, rtol=0, atol=0)
    assert dl.value_and_grad(lambda x: round(x) + x)(2.6)[0] == 5.6
    q, r = dl.vjp(lambda x: divmod(x, 0.5)[1], x)[0], None
    assert_close(q, np.remainder(x, 0.5), rtol=0, atol=0)
    assert r is None


def test_power_guards_keep_gradients_finite_at_zero() -> None:
    # x ** [0, 1, 2] at x = 0: derivatives [0, 1, 0], with no 0 · inf = nan
    x = np.zeros(3)
    g = dl.grad(lambda x: np.sum(x ** np.arange(3.0)))(x)
    t = to_torch(x)
    (t ** torch.arange(3.0, dtype=torch.float64)).sum().backward()
    assert_close(g, t.grad, rtol=0, atol=0)
    assert_close(g, [0.0, 1.0, 0.0], rtol=0, atol=0)
    # 0 ** y: flat in y for y > 0, so ∂/∂y = 0 (torch's convention), not 0 · log 0 = nan
    y = np.array([1.0, 2.0, 3.5])
    gy = dl.grad(lambda y: np.sum(0.0**y))(y)
    ty = to_torch(y)
    (0.0**ty).sum().backward()
    assert_close(gy, ty.grad, rtol=0, atol=0)
    assert np.all(np.isfinite(dl.hessian(lambda y: np.sum(0.0**y))(y)))


def test_astype_casts_the_gradient_back() -> None:
    x = np.array([0.3, -1.2, 2.0])
    g = dl.grad(lambda x: np.sum(x.astype(np.float32) ** 2))(x)
    assert g.dtype == np.float64
    assert_close(g, 2 * x.astype(np.float32), rtol=1e-6, atol=1e-6)
    x32 = x.astype(np.float32)
    g32 = dl.grad(lambda x: np.sum(x.astype(np.float64) ** 2))(x32)
    assert g32.dtype == np.float32
    _, t = dl.jvp(lambda x: x.astype(np.float32), (x,), (np.ones(3),))
    assert t.dtype == np.float32


# ---- a traced value that escapes its trace ----


def test_escaped_traced_value_used_later_raises() -> None:
    kept: list = []

    def f(w: Any) -> Any:
        y = np.sin(w)
        kept.append(y)  # the traced value escapes into the caller's list
        return np.sum(y)

    x = np.array([0.1, 0.2])
    dl.grad(f)(x)
    with pytest.raises(TypeError, match=r"made by np\.sin inside grad of .*\.f .*escaped") as info:
        dl.grad(lambda z: np.sum(z * kept[0]))(x)
    msg = str(info.value)
    assert "made by np.sin" in msg and "Return the value" in msg
    with pytest.raises(TypeError, match=r"after that transformation had returned"):
        np.sum(kept[0])
    # the operators' and indexing's own fast paths check it too
    for use in (lambda y: y * 2.0, lambda y: 1.0 - y, lambda y: y[0], lambda y: y + y):
        with pytest.raises(TypeError, match=r"made by np\.sin .*after that transformation"):
            use(kept[0])
    store: dict = {}
    dl.jvp(lambda w: store.setdefault("t", w * 2.0), (x,), (x,))
    for use in (np.exp, lambda y: y * 2.0, lambda y: y[0], np.sum, lambda y: y + y):
        with pytest.raises(TypeError, match=r"jvp of"):
            use(store["t"])


def test_a_value_escaping_the_kink_scan_raises_too() -> None:
    # dl.check_grad runs f once more under its observing trace; a value f keeps from that run
    # is a box of a trace that has ended, and every path that hands it an operation says so
    kept: list = []

    def f(w: Any) -> Any:
        kept.append(np.sin(w))
        return np.sum(w**2)

    dl.check_grad(f, np.array([0.5, 1.5]))
    from derivlab._kinks import ObserveBox

    box = next(v for v in kept if type(v) is ObserveBox)
    for use in (np.exp, lambda y: y * 2.0, lambda y: y[0], np.sum, lambda y: y + y):
        with pytest.raises(TypeError, match=r"kink scan"):
            use(box)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
def test_a_running_total_of_scalars_keeps_its_dtype_both_ways(dtype: Any) -> None:
    # total + s and total - s on NumPy scalars hand g on unchanged (x and z are scalars of one
    # type); a float32 or float16 loss summed in a loop keeps a gradient of that dtype
    def f(x: Any) -> Any:
        total = x[0] * 0.0
        for i in range(3):
            total = total + (x[i : i + 2] ** 2).sum() - x[i]
        return total

    x = np.array([0.5, -1.0, 2.0, 0.25], dtype=dtype)
    g = dl.grad(f)(x)
    t = torch.tensor(x.astype(np.float64), requires_grad=True)
    f(t).backward()
    assert g.dtype == dtype
    np.testing.assert_allclose(g, t.grad.numpy(), rtol=1e-12 if dtype == np.float64 else 1e-3)
    # a total of two scalar types (z float64, x narrower) still casts x's cotangent to x's dtype
    ga, gb = dl.grad(lambda a, b: a + b - b * 3.0, argnums=(0, 1))(dtype(1.0), np.float64(2.0))
    assert np.result_type(ga) == dtype and np.result_type(gb) == np.float64
    assert ga == 1.0 and gb == -2.0


def test_remainder_operators_both_ways_match_torch() -> None:
    x = np.array([0.3, 1.7, 2.9])
    g = dl.grad(lambda x: np.sum(5.0 % x + np.mod(x, 0.4) + divmod(x, 0.7)[1]))(x)
    t = to_torch(x)
    (torch.remainder(torch.tensor(5.0, dtype=torch.float64), t) + torch.remainder(t, 0.4)
     + torch.remainder(t, 0.7)).sum().backward()  # fmt: skip
    assert_close(g, t.grad)


def test_vectorised_erf_matches_math_erf_to_a_few_ulp() -> None:
    # erf is computed array-wide (a polynomial in x² below 1, e^{-x²} times Chebyshev
    # interpolants of erfc(x)e^{x²} up to 6): it must agree with the C library's erf everywhere
    import math

    from derivlab._special import erf

    rng = np.random.default_rng(15)
    x = np.concatenate(
        [
            rng.uniform(-7.0, 7.0, 20_000),
            rng.standard_normal(5_000) * 1e-3,
            np.linspace(-6.5, 6.5, 13_001),
            10.0 ** rng.uniform(-300.0, 3.0, 2_000),
            [1.0, 2.0, 3.25, 4.5, 6.0, -1.0, -6.0, 5.9, 1e-310, 1e300],
        ]
    )
    expected = np.array([math.erf(v) for v in x])
    np.testing.assert_allclose(erf(x), expected, rtol=1e-15, atol=0)
    assert erf(0.0) == 0.0 and np.signbit(erf(-0.0))
    assert erf(np.inf) == 1.0 and erf(-np.inf) == -1.0 and np.isnan(erf(np.nan))
    assert erf(np.float32(0.5)).dtype == np.float32 and erf(np.arange(3)).dtype == np.float64
    assert erf(np.ones((2, 3))).shape == (2, 3) and np.shape(erf(0.5)) == ()


_F32_SQ = np.eye(3, dtype=np.float32) * 2.0 + 0.25
_F64_SQ = np.arange(9.0).reshape(3, 3) / 9.0 + np.eye(3)
_MIXED_CONTRACTIONS = [
    ("matmul", lambda a, b: np.sum(a @ b), _F32_SQ, _F64_SQ),
    ("matmul, float64 first", lambda a, b: np.sum(a @ b), _F64_SQ, _F32_SQ),
    ("vector @ matrix", lambda a, b: np.sum(a @ b), _F32_SQ[0], _F64_SQ),
    ("batch @ matrix", lambda a, b: np.sum(a @ b), np.stack([_F32_SQ] * 2), _F64_SQ),
    ("inner product", lambda a, b: a @ b, _F32_SQ[0], _F64_SQ[0]),
    ("np.dot", lambda a, b: np.sum(np.dot(a, b)), _F32_SQ, _F64_SQ),
    ("np.einsum", lambda a, b: np.sum(np.einsum("ij,jk->ik", a, b)), _F32_SQ, _F64_SQ),
    ("np.tensordot", lambda a, b: np.sum(np.tensordot(a, b, 1)), _F32_SQ, _F64_SQ),
    ("np.linalg.solve", lambda a, b: np.sum(np.linalg.solve(a, b)), _F32_SQ, _F64_SQ),
    ("np.linalg.solve, float64 matrix", lambda a, b: np.sum(np.linalg.solve(a, b)), _F64_SQ,
     _F32_SQ[0]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("label", "f", "a", "b"), _MIXED_CONTRACTIONS, ids=[c[0] for c in _MIXED_CONTRACTIONS]
)
def test_a_contraction_of_mixed_dtypes_gives_each_operand_its_own_dtype(label, f, a, b) -> None:
    # float32 @ float64 computes in float64; the float32 operand's gradient is still float32
    ga, gb = dl.grad(f, argnums=(0, 1))(a, b)
    assert (ga.dtype, gb.dtype) == (a.dtype, b.dtype), label
    ra, rb = dl.grad(f, argnums=(0, 1))(a.astype(np.float64), b.astype(np.float64))
    assert_close(ga, ra, rtol=1e-6, atol=1e-6)  # the float64 gradient, rounded to float32
    assert_close(gb, rb, rtol=1e-6, atol=1e-6)
