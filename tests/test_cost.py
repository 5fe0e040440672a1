"""derivlab.cost: exact, deterministic counts of the work a program does."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import derivlab as dl


def chain(k: int) -> Any:
    def f(x: Any) -> Any:
        for _ in range(k):
            x = np.sin(x)
        return x

    return f


def test_matmul_counts_2mkn() -> None:
    c = dl.cost(lambda a, b: a @ b, np.ones((5, 3)), np.ones((3, 4)))
    assert (c.ops, c.flops, c.calls, c.tape_bytes) == (1, 2 * 5 * 3 * 4, 1, 0)
    assert c.by_primitive == {"matmul": 1}
    np.testing.assert_array_equal(c.value, np.full((5, 4), 3.0))
    batched = dl.cost(np.matmul, np.ones((7, 5, 3)), np.ones((3, 4)))
    assert batched.flops == 7 * 2 * 5 * 3 * 4
    assert dl.cost(np.dot, np.ones(6), np.ones(6)).flops == 2 * 6


@pytest.mark.parametrize("k", [1, 3, 10])
def test_chain_of_sines(k: int) -> None:
    n = 8
    x = np.linspace(0.0, 1.0, n)
    forward = dl.cost(chain(k), x)
    assert (forward.ops, forward.flops) == (k, k * n)
    assert forward.by_primitive == {"sin": k}
    # grad of sum: forward k sines and a sum; the seed broadcast back over x, then per sine
    # one cos and one multiply; the tape keeps each sine's output and the sum's
    g = dl.cost(dl.grad(lambda x: np.sum(chain(k)(x))), x)
    assert g.by_primitive == {"cos": k, "multiply": k, "sin": k, "broadcast_to": 1, "sum": 1}
    assert g.ops == 3 * k + 2
    assert g.flops == 3 * k * n + n
    assert g.tape_bytes == k * n * 8 + 8
    assert g.calls == 1


def test_mlp_layer_and_its_gradient() -> None:
    batch, d_in, d_out = 16, 5, 3
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((batch, d_in)), rng.standard_normal((batch, d_out))
    W, b = rng.standard_normal((d_in, d_out)), rng.standard_normal(d_out)

    def layer(W: Any, b: Any) -> Any:
        return np.tanh(X @ W + b)

    c = dl.cost(layer, W, b)
    assert c.by_primitive == {"add": 1, "matmul": 1, "tanh": 1}
    assert c.flops == 2 * batch * d_in * d_out + 2 * batch * d_out

    def loss(W: Any, b: Any) -> Any:
        return np.mean((layer(W, b) - y) ** 2)

    g = dl.cost(dl.grad(loss, argnums=(0, 1)), W, b)
    # X is data, not traced: the backward sweep needs Xᵀ·δ for W and no product for X
    assert g.by_primitive["matmul"] == 2
    assert g.flops_by_primitive["matmul"] == 2 * (2 * batch * d_in * d_out)
    assert g.calls == 1 and g.tape_bytes > 0
    assert g.flops <= 5 * dl.cost(loss, W, b).flops  # the cheap gradient principle


def test_jacfwd_grows_with_inputs_jacrev_with_outputs() -> None:
    def costs(n: int, m: int) -> tuple[dl.Cost, dl.Cost]:
        A = np.ones((m, n))
        x = np.linspace(0.1, 1.0, n)

        def h(x: Any) -> Any:
            return np.tanh(A @ np.sin(x))

        return dl.cost(dl.jacfwd(h), x), dl.cost(dl.jacrev(h), x)

    fwd, rev = zip(*(costs(n, 4) for n in (2, 4, 6, 8)))
    assert [c.calls for c in fwd] == [2, 4, 6, 8] and [c.calls for c in rev] == [1] * 4
    assert len({b.ops - a.ops for a, b in zip(fwd, fwd[1:])}) == 1  # a straight line
    assert len({c.ops for c in rev}) == 1  # flat: one forward pass, m sweeps
    assert [c.by_primitive["matmul"] for c in fwd] == [4, 8, 12, 16]  # 2 per JVP
    assert [c.by_primitive["matmul"] for c in rev] == [5] * 4  # 1 + one per output
    fwd, rev = zip(*(costs(4, m) for m in (2, 4, 6, 8)))
    assert len({c.ops for c in fwd}) == 1
    assert len({b.ops - a.ops for a, b in zip(rev, rev[1:])}) == 1
    assert [c.by_primitive["matmul"] for c in rev] == [3, 5, 7, 9]


def test_numeric_gradient_makes_2n_calls() -> None:
    def f(x: Any) -> Any:
        return np.sum(np.exp(x) * x)

    for n in (1, 5, 12):
        x = np.linspace(-1.0, 1.0, n)
        central = dl.cost(dl.numeric.gradient, f, x)
        forward = dl.cost(dl.numeric.gradient, f, x, method="forward", accuracy=1)
        assert central.calls == 2 * n and forward.calls == n + 1
        assert central.ops == 2 * n * dl.cost(f, x).ops
        np.testing.assert_allclose(central.value, (1 + x) * np.exp(x), rtol=1e-8, atol=1e-9)


def test_nested_transforms_are_counted() -> None:
    def f(x: Any) -> Any:
        return np.sum(np.sin(x) ** 2)

    x = np.linspace(0.0, 1.0, 4)
    h = dl.cost(dl.hessian(f), x)
    np.testing.assert_allclose(h.value, dl.hessian(f)(x), rtol=0, atol=0)
    assert h.calls == 4  # one reverse pass of f per forward direction
    assert h.ops > 4 * dl.cost(dl.grad(f), x).ops - 4 * 7  # each direction reruns grad
    v = dl.cost(dl.hvp, f, x, np.ones(4))
    assert v.calls == 1 and v.ops < h.ops


def test_counts_are_deterministic_and_ignore_constants() -> None:
    rng = np.random.default_rng(1)
    M = rng.standard_normal((6, 6))

    def f(x: Any) -> Any:
        scale = np.sum(M**2)  # plain NumPy on a constant: not traced, not counted
        return np.sum(np.tanh(M @ x) * scale)

    x = rng.standard_normal(6)
    runs = [dl.cost(dl.value_and_grad(f), x) for _ in range(3)]
    keys = [(c.ops, c.flops, c.by_primitive, c.tape_bytes, c.calls) for c in runs]
    assert keys[0] == keys[1] == keys[2]
    assert "power" not in dl.cost(f, x).by_primitive


def test_comparisons_and_other_rowless_work_are_counted() -> None:
    c = dl.cost(lambda x: np.sum(np.where(x > 0, x, 0.0)), np.linspace(-1.0, 1.0, 5))
    assert c.by_primitive == {"greater": 1, "where": 1, "sum": 1}
    assert c.flops == 15


def test_repr_and_html() -> None:
    c = dl.cost(dl.grad(lambda x: np.sum(x**2)), np.ones(3))
    assert repr(c).startswith("Cost(ops=") and "tape_bytes=" in repr(c)
    html = c._repr_html_()
    assert "<table>" in html and "power" in html and str(c.ops) in html


def test_bad_input() -> None:
    with pytest.raises(TypeError, match="expected a function"):
        dl.cost(np.ones(3), np.ones(3))


def test_solve_backward_solves_once_for_both_operands() -> None:
    """One adjoint solve Aᵀλ = ḡ gives b̄ = λ and Ā = -λxᵀ; the VJP does not solve per operand."""
    a = np.random.default_rng(0).standard_normal((3, 3)) + 3 * np.eye(3)
    b = np.ones(3)

    def f(a, b):
        return np.sum(np.linalg.solve(a, b) ** 2)

    counted = dl.cost(dl.grad(f, argnums=(0, 1)), a, b)
    assert counted.by_primitive["linalg.solve"] == 2  # the forward solve and one adjoint solve
