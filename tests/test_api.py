"""The public API contract of ARCHITECTURE.md: names, return structures, shapes, dtypes, pytrees.

Values are checked against torch.autograd or a closed form; structures against the contract
(``vjp_fn`` returns a tuple, a Jacobian has shape ``out.shape + x.shape``, a Hessian
``x.shape + x.shape``, gradients have the structure of the argument).
"""

from __future__ import annotations

import doctest
from typing import Any

import numpy as np
import pytest
import torch
from oracles import assert_close, to_torch

import derivlab as dl
import derivlab._api

# ---- names ----

CORE = ["grad", "value_and_grad", "vjp", "jvp", "jacfwd", "jacrev", "hessian", "hvp"]


@pytest.mark.parametrize("name", CORE)
def test_core_transformations_are_public(name: str) -> None:
    assert name in dl.__all__
    fn = getattr(dl, name)
    assert callable(fn)
    assert fn.__doc__ and fn.__doc__.strip().splitlines()[0]  # a one-line summary


def test_every_name_in_all_exists() -> None:
    for name in dl.__all__:
        assert hasattr(dl, name), name


# ---- docstring examples run as written ----

_DOCTESTS = {t.name.rsplit(".", 1)[-1]: t for t in doctest.DocTestFinder().find(derivlab._api)
             if t.examples}  # fmt: skip


@pytest.mark.parametrize(
    "name",
    [n for n in sorted(_DOCTESTS)],
)
def test_docstring_example(name: str) -> None:
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    result = runner.run(_DOCTESTS[name], out=lambda s: None)
    assert result.failed == 0, f"the docstring example of {name} does not run as written"


# ---- return structures ----


def test_grad_and_value_and_grad() -> None:
    x = np.array([0.3, -1.0, 2.0])
    f = lambda x: np.sum(np.sin(x) * x)
    value, g = dl.value_and_grad(f)(x)
    assert_close(value, f(x))
    assert_close(g, np.cos(x) * x + np.sin(x))
    assert_close(dl.grad(f)(x), g, rtol=0, atol=0)
    assert isinstance(g, np.ndarray) and g.shape == x.shape


def test_grad_keeps_the_function_name_and_passes_keywords() -> None:
    def loss(w: Any, scale: float = 1.0) -> Any:
        return scale * np.sum(w**2)

    assert dl.grad(loss).__name__ == "loss"
    assert_close(dl.grad(loss)(np.array([1.0, 2.0]), scale=3.0), [6.0, 12.0])


def test_vjp_returns_a_tuple_per_primal() -> None:
    a, b = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    out, back = dl.vjp(lambda a, b: a * b, a, b)
    assert_close(out, a * b)
    cts = back(np.array([1.0, 10.0]))
    assert isinstance(cts, tuple) and len(cts) == 2
    assert_close(cts[0], [3.0, 40.0])
    assert_close(cts[1], [1.0, 20.0])
    (single,) = dl.vjp(np.sin, 0.5)[1](1.0)
    assert_close(single, np.cos(0.5))


def test_vjp_and_jvp_with_tuple_outputs() -> None:
    def f(x: Any, y: Any) -> Any:
        return x * y, np.sum(x)

    x, y = np.array([1.0, 2.0]), np.array([3.0, 5.0])
    (o1, o2), back = dl.vjp(f, x, y)
    assert_close(o1, x * y)
    assert_close(o2, 3.0)
    gx, gy = back((np.array([1.0, 1.0]), 2.0))
    assert_close(gx, y + 2.0)
    assert_close(gy, x)
    out, tan = dl.jvp(f, (x, y), (np.ones(2), np.zeros(2)))
    assert isinstance(out, tuple) and isinstance(tan, tuple)
    assert_close(tan[0], y)
    assert_close(tan[1], 2.0)


def test_jvp_of_a_constant_output_is_zero() -> None:
    out, tan = dl.jvp(lambda x: np.ones(3), (np.array([1.0]),), (np.array([1.0]),))
    assert_close(tan, np.zeros(3), rtol=0, atol=0)


def test_grad_of_a_function_that_ignores_its_argument() -> None:
    params = {"w": np.ones((2, 3)), "b": [0.5, np.zeros(2)]}
    g = dl.grad(lambda p: np.float64(1.0))(params)
    assert set(g) == {"w", "b"}
    assert_close(g["w"], np.zeros((2, 3)), rtol=0, atol=0)
    assert_close(g["b"][0], 0.0, rtol=0, atol=0)
    assert_close(g["b"][1], np.zeros(2), rtol=0, atol=0)


# ---- pytrees: dict / list / tuple parameters ----


def _mlp_params() -> dict:
    rng = np.random.default_rng(11)
    return {
        "layers": [
            {"W": rng.normal(size=(3, 4)), "b": rng.normal(size=4)},
            (rng.normal(size=(4, 2)), rng.normal(size=2)),
        ],
        "scale": 0.7,
    }


def _mlp(p: dict, X: Any) -> Any:
    h = np.tanh(X @ p["layers"][0]["W"] + p["layers"][0]["b"])
    W2, b2 = p["layers"][1]
    return p["scale"] * np.mean((h @ W2 + b2) ** 2)


def test_pytree_gradient_has_the_structure_and_values_of_torch() -> None:
    p = _mlp_params()
    X = np.random.default_rng(12).normal(size=(5, 3))
    g = dl.grad(_mlp)(p, X)

    tp = {
        "layers": [
            {"W": to_torch(p["layers"][0]["W"]), "b": to_torch(p["layers"][0]["b"])},
            (to_torch(p["layers"][1][0]), to_torch(p["layers"][1][1])),
        ],
        "scale": to_torch(p["scale"]),
    }
    tX = to_torch(X, False)
    h = torch.tanh(tX @ tp["layers"][0]["W"] + tp["layers"][0]["b"])
    loss = tp["scale"] * ((h @ tp["layers"][1][0] + tp["layers"][1][1]) ** 2).mean()
    loss.backward()

    assert isinstance(g, dict) and set(g) == {"layers", "scale"}
    assert isinstance(g["layers"], list) and isinstance(g["layers"][1], tuple)
    assert_close(g["layers"][0]["W"], tp["layers"][0]["W"].grad)
    assert_close(g["layers"][0]["b"], tp["layers"][0]["b"].grad)
    assert_close(g["layers"][1][0], tp["layers"][1][0].grad)
    assert_close(g["layers"][1][1], tp["layers"][1][1].grad)
    assert np.ndim(g["scale"]) == 0
    assert_close(g["scale"], tp["scale"].grad)


def test_pytree_jvp_and_hvp() -> None:
    p = {"a": np.array([1.0, 2.0]), "b": 3.0}
    f = lambda p: np.sum(p["a"] ** 2) * p["b"]
    _, tan = dl.jvp(f, (p,), ({"a": np.array([1.0, 0.0]), "b": 1.0},))
    assert_close(tan, 2 * 1.0 * 3.0 + 5.0)  # ∂f/∂a₀ · 1 + ∂f/∂b · 1


# ---- argnums ----


def test_argnums_tuple_returns_a_tuple_in_that_order() -> None:
    a, b, c = np.array([1.0, 2.0]), np.array([3.0]), np.array([0.5, 0.25])

    def f(a: Any, b: Any, c: Any) -> Any:
        return np.sum(a * c) * b[0]

    g = dl.grad(f, argnums=(2, 0))(a, b, c)
    assert isinstance(g, tuple) and len(g) == 2
    assert_close(g[0], a * b[0])
    assert_close(g[1], c * b[0])
    assert_close(dl.grad(f, argnums=-1)(a, b, c), a * b[0])  # negative index counts from the end
    single = dl.grad(f, argnums=(1,))(a, b, c)
    assert isinstance(single, tuple) and len(single) == 1
    value, grads = dl.value_and_grad(f, argnums=(0, 1, 2))(a, b, c)
    assert_close(value, f(a, b, c))
    assert [np.shape(x) for x in grads] == [(2,), (1,), (2,)]


def test_non_differentiated_arguments_may_be_anything() -> None:
    def f(x: Any, name: str, n: int) -> Any:
        assert name == "ok" and n == 3
        return np.sum(x) * n

    assert_close(dl.grad(f)(np.ones(2), "ok", 3), [3.0, 3.0])


# ---- Jacobian and Hessian shapes ----

SHAPES = [((), ()), ((3,), ()), ((), (4,)), ((2, 3), (4,)), ((3,), (2, 2))]


@pytest.mark.parametrize("in_shape, out_shape", SHAPES, ids=str)
def test_jacobian_shape_is_out_shape_plus_in_shape(in_shape: tuple, out_shape: tuple) -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=in_shape)
    W = rng.normal(size=out_shape + in_shape)
    axes = tuple(range(len(out_shape), len(out_shape) + len(in_shape)))

    def f(x: Any) -> Any:
        # f(x) = sin(W · x) contracted over x's axes, so J = cos(W · x) ⊗ ... · W
        return np.sin(np.sum(W * x, axis=axes) if axes else W * x)

    jf, jr = dl.jacfwd(f)(x), dl.jacrev(f)(x)
    assert np.shape(jf) == out_shape + in_shape
    assert np.shape(jr) == out_shape + in_shape
    z = np.sum(W * x, axis=axes) if axes else W * x
    expected = np.cos(z).reshape(out_shape + (1,) * len(in_shape)) * W
    assert_close(jf, expected)
    assert_close(jr, expected)


@pytest.mark.parametrize("shape", [(), (3,), (2, 3)], ids=str)
def test_hessian_shape_is_in_shape_twice(shape: tuple) -> None:
    x = np.random.default_rng(4).normal(size=shape)
    h = dl.hessian(lambda x: np.sum(np.sin(x) * x))(x)
    assert np.shape(h) == shape + shape
    n = int(np.prod(shape))
    d2 = (2 * np.cos(x) - x * np.sin(x)).reshape(-1)
    assert_close(np.reshape(h, (n, n)), np.diag(d2))


def test_hvp_shape_and_value() -> None:
    x = np.array([[0.5, -1.0], [2.0, 0.1]])
    v = np.array([[1.0, 0.0], [-1.0, 2.0]])
    f = lambda x: np.sum(np.exp(x) * x[::-1])
    hv = dl.hvp(f, x, v)
    assert hv.shape == x.shape
    h = dl.hessian(f)(x).reshape(4, 4)
    assert_close(hv, (h @ v.reshape(-1)).reshape(2, 2))
    _, th = torch.autograd.functional.hvp(
        lambda t: (torch.exp(t) * t.flip(0)).sum(), to_torch(x, False), to_torch(v, False)
    )
    assert_close(hv, th)


def test_hessian_with_argnums_tuple_nests_like_torch() -> None:
    x, y = np.array([1.0, 2.0]), np.array([3.0])

    def f(x: Any, y: Any) -> Any:
        return np.sum(x * x) * y[0] ** 2

    h = dl.hessian(f, argnums=(0, 1))(x, y)
    th = torch.autograd.functional.hessian(lambda a, b: (a * a).sum() * b[0] ** 2,
                                           (to_torch(x, False), to_torch(y, False)))  # fmt: skip
    for i in range(2):
        for j in range(2):
            assert_close(h[i][j], th[i][j])  # H[i][j] = ∂²f/∂x_i∂x_j, shape x_i + x_j


def test_hessian_with_argnums_tuple_blocks_have_the_right_values() -> None:
    """Whatever the nesting order, the four blocks hold the mixed second derivatives."""
    x, y = np.array([1.0, 2.0]), np.array([3.0])

    def f(x: Any, y: Any) -> Any:
        return np.sum(x * x) * y[0] ** 2

    h = dl.hessian(f, argnums=(0, 1))(x, y)
    blocks = {np.shape(h[i][j]): h[i][j] for i in range(2) for j in range(2)}
    assert_close(blocks[(2, 2)], 2 * 9.0 * np.eye(2))
    assert_close(blocks[(1, 1)], [[2 * 5.0]])
    mixed = [h[i][j] for i in range(2) for j in range(2) if i != j]
    assert_close(np.reshape(mixed[0], -1), 4 * 3.0 * x)
    assert_close(np.reshape(mixed[1], -1), 4 * 3.0 * x)


# ---- dtypes ----


def test_float32_inputs_stay_float32() -> None:
    x = np.array([0.5, -1.0, 2.0], dtype=np.float32)
    f = lambda x: np.sum(np.tanh(x) * x)
    value, g = dl.value_and_grad(f)(x)
    assert np.result_type(value) == np.float32
    assert g.dtype == np.float32
    expected = np.tanh(x.astype(float)) + x * (1 - np.tanh(x.astype(float)) ** 2)
    assert_close(g, expected, rtol=1e-6, atol=1e-6)
    _, t = dl.jvp(np.tanh, (x,), (np.ones(3, dtype=np.float32),))
    assert t.dtype == np.float32
    assert dl.jacfwd(np.tanh)(x).dtype == np.float32
    assert np.result_type(dl.grad(np.sin)(np.float32(0.5))) == np.float32


def test_float32_jacrev_and_hessian_stay_float32() -> None:
    x = np.array([0.5, -1.0, 2.0], dtype=np.float32)
    assert dl.jacrev(np.tanh)(x).dtype == np.float32
    assert dl.hessian(lambda x: np.sum(np.tanh(x)))(x).dtype == np.float32


def test_python_float_gives_a_numpy_scalar() -> None:
    g = dl.grad(lambda x: x * x)(1.5)
    assert np.ndim(g) == 0 and np.result_type(g) == np.float64
    assert_close(g, 3.0)
