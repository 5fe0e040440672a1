"""Table-driven tests: every row of the primitive table and every composite, against oracles.

Elementwise and binary rows (those with a SymPy counterpart) are checked pointwise: value against
SymPy, first derivatives (JVP and VJP) against ``sympy.diff`` and torch.autograd, forward against
reverse, second derivatives (all four nestings of the two modes, and ``hessian``) against torch and
SymPy. Structural rows and composites are checked on the examples registered in
``tests/oracles.py``: value, VJP, JVP and Hessian against torch, and the adjoint identity
⟨ȳ, J t⟩ = ⟨Jᵀ ȳ, t⟩ between derivlab's own two modes.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
import oracles
import pytest
import sympy as sp
import torch
from oracles import assert_close, sample, sample_pair, to_torch, torch_elementwise

import derivlab as dl
from derivlab._numpy import COMPOSITES
from derivlab._primitives import PRIMITIVES

# ---- the two kinds of rows ----

POINTWISE = [name for name, row in PRIMITIVES.items() if row.sympy is not None]
STRUCTURAL = [name for name, row in PRIMITIVES.items() if row.sympy is None]
N_POINTS = 6


def _points(row: Any, seed: int, shape: tuple[int, ...] = (N_POINTS,)) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    if row.nin == 1:
        return [sample(row.domain, shape, rng)]
    return sample_pair(row.domain, shape, rng)


def _seed(name: str) -> int:
    return sum(map(ord, name))  # a fixed seed per row, stable across runs and orderings


# ---- registries: a row or composite without an oracle fails here ----


@pytest.mark.parametrize("name", list(PRIMITIVES))
def test_every_row_has_an_oracle(name: str) -> None:
    row = PRIMITIVES[name]
    if row.sympy is not None:
        assert row.nin in (1, 2), f"{name}: a row with a SymPy counterpart must be unary or binary"
        torch_elementwise(row)  # raises LookupError naming the row if torch has no counterpart
        return
    cases = oracles.STRUCTURAL.get(name)
    assert cases, (
        f"row {name!r} has no example: add a list of Case(...) under {name!r} to "
        "tests/oracles.py STRUCTURAL (a NumPy function that binds it, and the same in torch)"
    )
    for case in cases:
        used = oracles.rows_used(case.fn, *case.args)
        assert name in used, f"example {case.label!r} for {name!r} binds {sorted(used)} instead"


@pytest.mark.parametrize("name", sorted(COMPOSITES))
def test_every_composite_has_an_example(name: str) -> None:
    assert oracles.COMPOSITES.get(name), (
        f"composite np.{name} has no example: add a list of Case(...) under {name!r} to "
        "tests/oracles.py COMPOSITES"
    )


def test_registries_name_only_existing_entries() -> None:
    assert set(oracles.STRUCTURAL) <= set(PRIMITIVES)
    assert set(oracles.COMPOSITES) <= set(COMPOSITES)
    assert set(oracles.TORCH_ELEMENTWISE) <= set(PRIMITIVES)


def test_public_primitives_lists_rows_and_composites() -> None:
    names = dl.primitives()
    assert "np.sin" in names and "np.linalg.inv" in names and "np.mean" in names
    assert "np.untake" not in names  # internal: the adjoint of indexing, not a NumPy function


# ---- SymPy oracle for pointwise rows ----


def _symbols(row: Any) -> list[sp.Symbol]:
    assumptions = {"positive": True} if row.domain in ("positive", "above1") else {"real": True}
    return list(sp.symbols(f"x0:{row.nin}", **assumptions))


@functools.cache
def _sympy_derivatives(name: str) -> dict[tuple[int, ...], Any]:
    """{(): f, (i,): ∂f/∂x_i, (i, j): ∂²f/∂x_i∂x_j} as SymPy expressions."""
    row = PRIMITIVES[name]
    syms = _symbols(row)
    f = row.sympy(*syms)
    out: dict[tuple[int, ...], Any] = {(): f}
    for i in range(row.nin):
        out[(i,)] = sp.diff(f, syms[i])
        for j in range(row.nin):
            out[(i, j)] = sp.diff(f, syms[i], syms[j])
    return out


def _sympy_eval(name: str, which: tuple[int, ...], xs: list[np.ndarray]) -> np.ndarray:
    expr = _sympy_derivatives(name)[which]
    syms = _symbols(PRIMITIVES[name])
    values = []
    for point in zip(*xs):
        subs = {s: sp.Float(float(v), 30) for s, v in zip(syms, point)}
        values.append(float(sp.N(expr.subs(subs), 30)))
    return np.array(values)


# ---- pointwise rows: value and first derivatives ----


@pytest.mark.parametrize("name", POINTWISE)
def test_value_matches_sympy(name: str) -> None:
    row = PRIMITIVES[name]
    xs = _points(row, _seed(name))
    assert_close(row.impl(*xs), _sympy_eval(name, (), xs))


def _partial_by_jvp(row: Any, xs: list[np.ndarray], i: int) -> np.ndarray:
    tangents = [np.ones_like(x) if k == i else np.zeros_like(x) for k, x in enumerate(xs)]
    return dl.jvp(row.impl, tuple(xs), tuple(tangents))[1]


def _partial_by_vjp(row: Any, xs: list[np.ndarray], i: int) -> np.ndarray:
    out, back = dl.vjp(row.impl, *xs)
    return back(np.ones_like(out))[i]


@pytest.mark.parametrize("name", POINTWISE)
def test_first_derivative_matches_sympy(name: str) -> None:
    row = PRIMITIVES[name]
    xs = _points(row, _seed(name))
    for i in range(row.nin):
        expected = _sympy_eval(name, (i,), xs)
        assert_close(_partial_by_jvp(row, xs, i), expected)
        assert_close(_partial_by_vjp(row, xs, i), expected)


@pytest.mark.parametrize("name", POINTWISE)
def test_first_derivative_matches_torch(name: str) -> None:
    row = PRIMITIVES[name]
    xs = _points(row, _seed(name))
    expected = oracles.torch_vjp(torch_elementwise(row), xs, np.ones(N_POINTS))
    reverse = dl.grad(lambda *a: np.sum(row.impl(*a)), argnums=tuple(range(row.nin)))(*xs)
    for i in range(row.nin):
        assert_close(reverse[i], expected[i])
        assert_close(_partial_by_jvp(row, xs, i), expected[i])


@pytest.mark.parametrize("name", POINTWISE)
def test_scalar_float_inputs(name: str) -> None:
    """0-d inputs (Python floats) follow the same rule as arrays."""
    row = PRIMITIVES[name]
    xs = [float(x[0]) for x in _points(row, _seed(name))]
    expected = oracles.torch_vjp(torch_elementwise(row), xs, np.array(1.0))
    for i in range(row.nin):
        g = dl.grad(row.impl, argnums=i)(*xs)
        assert np.ndim(g) == 0
        assert_close(g, expected[i])


@pytest.mark.parametrize("name", POINTWISE)
def test_forward_equals_reverse(name: str) -> None:
    row = PRIMITIVES[name]
    xs = _points(row, _seed(name), (2, 3))
    nums = tuple(range(row.nin))
    fwd = dl.jacfwd(row.impl, argnums=nums)(*xs)
    rev = dl.jacrev(row.impl, argnums=nums)(*xs)
    for i in nums:
        assert fwd[i].shape == (2, 3, 2, 3)
        assert_close(fwd[i], rev[i], rtol=1e-14, atol=1e-14)


# ---- pointwise rows: second derivatives ----


def _torch_second(row: Any, point: list[float], i: int, j: int) -> float:
    ts = [to_torch(v) for v in point]
    out = torch_elementwise(row)(*ts)
    (gi,) = torch.autograd.grad(out, ts[i], create_graph=True)
    if not gi.requires_grad:  # the first derivative is a constant
        return 0.0
    (gij,) = torch.autograd.grad(gi, ts[j], allow_unused=True)
    return 0.0 if gij is None else float(gij)


NESTINGS = {
    "rev-over-rev": lambda f, i, j: dl.grad(dl.grad(f, i), j),
    "fwd-over-rev": lambda f, i, j: dl.jacfwd(dl.grad(f, i), j),
    "rev-over-fwd": lambda f, i, j: dl.grad(dl.jacfwd(f, i), j),
    "fwd-over-fwd": lambda f, i, j: dl.jacfwd(dl.jacfwd(f, i), j),
}


@pytest.mark.parametrize("nesting", list(NESTINGS))
@pytest.mark.parametrize("name", POINTWISE)
def test_second_derivative_matches_torch_and_sympy(name: str, nesting: str) -> None:
    row = PRIMITIVES[name]
    xs = _points(row, _seed(name), (3,))
    for i in range(row.nin):
        for j in range(row.nin):
            by_sympy = _sympy_eval(name, (i, j), xs)
            for p in range(3):
                point = [float(x[p]) for x in xs]
                got = NESTINGS[nesting](row.impl, i, j)(*point)
                assert_close(got, _torch_second(row, point, i, j))
                assert_close(got, by_sympy[p])


@pytest.mark.parametrize("name", POINTWISE)
def test_hessian_matches_torch(name: str) -> None:
    """hessian of Σ f(x, y) over a vector point: diagonal blocks, against torch."""
    row = PRIMITIVES[name]
    xs = _points(row, _seed(name), (4,))
    sizes = [x.size for x in xs]

    def packed(v: Any) -> Any:  # all operands in one vector, so the Hessian is one matrix
        parts = [v[sum(sizes[:k]) : sum(sizes[: k + 1])] for k in range(row.nin)]
        return np.sum(row.impl(*parts))

    def packed_torch(v: torch.Tensor) -> torch.Tensor:
        return torch_elementwise(row)(*torch.split(v, sizes)).sum()

    v = np.concatenate(xs)
    h = dl.hessian(packed)(v)
    assert h.shape == (v.size, v.size)
    assert_close(h, oracles.torch_hessian(packed_torch, [v])[0][0])


# ---- pointwise rows: broadcasting and constant operands ----

BROADCAST_SHAPES = [
    ((3, 1), (4,)),
    ((2, 3, 4), ()),
    ((1, 4), (3, 1)),
    ((), (2, 3)),
    ((2, 1, 3), (4, 1)),
]
BINARY = [name for name in POINTWISE if PRIMITIVES[name].nin == 2]


@pytest.mark.parametrize("shapes", BROADCAST_SHAPES, ids=str)
@pytest.mark.parametrize("name", BINARY)
def test_binary_broadcasting_matches_torch(name: str, shapes: tuple) -> None:
    row = PRIMITIVES[name]
    rng = np.random.default_rng(_seed(name) + len(shapes[0]))
    xs = [sample(row.domain, s, rng) for s in shapes]
    if name in ("maximum", "minimum"):
        xs[1] = xs[1] + 0.05  # no ties under broadcasting either (samples are continuous)
    out_shape = np.broadcast_shapes(*shapes)
    ct = rng.normal(size=out_shape)
    out, back = dl.vjp(row.impl, *xs)
    assert np.shape(out) == out_shape
    expected = oracles.torch_vjp(torch_elementwise(row), xs, ct)
    for got, want, x in zip(back(ct), expected, xs):
        assert np.shape(got) == np.shape(x)
        assert_close(got, want)
    tangents = [rng.normal(size=s) for s in shapes]
    _, t_out = dl.jvp(row.impl, tuple(xs), tuple(tangents))
    assert np.shape(t_out) == out_shape
    assert_close(t_out, oracles.torch_jvp(torch_elementwise(row), xs, tangents))


@pytest.mark.parametrize("name", BINARY)
def test_binary_with_one_constant_operand(name: str) -> None:
    """Only one operand traced (the other a plain array): the rule sees a None tangent."""
    row = PRIMITIVES[name]
    x, y = _points(row, _seed(name), (2, 3))
    expected = oracles.torch_vjp(torch_elementwise(row), [x, y], np.ones((2, 3)))
    assert_close(dl.grad(lambda a: np.sum(row.impl(a, y)))(x), expected[0])
    assert_close(dl.grad(lambda b: np.sum(row.impl(x, b)))(y), expected[1])
    ones = np.ones_like(x)
    assert_close(dl.jvp(lambda a: row.impl(a, y), (x,), (ones,))[1], expected[0])
    assert_close(dl.jvp(lambda b: row.impl(x, b), (y,), (ones,))[1], expected[1])


# ---- operators on boxes go to the same rows as the ufuncs ----

OPERATORS = {
    "a+b": (lambda a, b: a + b, lambda a, b: a + b),
    "2-a": (lambda a, b: 2.0 - a, lambda a, b: 2.0 - a),
    "a*b": (lambda a, b: a * b, lambda a, b: a * b),
    "a/b": (lambda a, b: a / (b + 3.0), lambda a, b: a / (b + 3.0)),
    "1/a": (lambda a, b: 1.0 / (a + 3.0), lambda a, b: 1.0 / (a + 3.0)),
    "a**2": (lambda a, b: a**2, lambda a, b: a**2),
    "a**b": (lambda a, b: (a + 3.0) ** b, lambda a, b: (a + 3.0) ** b),
    "2**a": (lambda a, b: 2.0**a, lambda a, b: 2.0**a),
    "-a": (lambda a, b: -a, lambda a, b: -a),
    "+a": (lambda a, b: +a, lambda a, b: +a),
    "abs": (lambda a, b: abs(a), lambda a, b: abs(a)),
    "a@M": (lambda a, b: a @ np.outer(b, b), lambda a, b: a @ torch.outer(b, b)),
    "M@a": (lambda a, b: np.ones((2, 4)) @ a, lambda a, b: to_torch(np.ones((2, 4)), False) @ a),
    "a.dot(M)": (lambda a, b: a.dot(np.outer(b, b)), lambda a, b: a @ torch.outer(b, b)),
    "sum(a)": (lambda a, b: sum(a) * b, lambda a, b: a.sum() * b),
}


@pytest.mark.parametrize("op", list(OPERATORS))
def test_operators_match_torch(op: str) -> None:
    fn, torch_fn = OPERATORS[op]
    rng = np.random.default_rng(7)
    a, b = sample("real", (4,), rng), sample("real", (4,), rng)
    ct = rng.normal(size=np.shape(fn(a, b)))
    out, back = dl.vjp(fn, a, b)
    assert_close(out, fn(a, b))
    for got, want in zip(back(ct), oracles.torch_vjp(torch_fn, [a, b], ct)):
        assert_close(got, want)


# ---- structural rows and composites: examples against torch ----


def _cases(kind: str) -> list[Any]:
    """Every registered example as a pytest param; known bugs of this test kind are xfail."""
    params = []
    for prefix, registry in (("row:", oracles.STRUCTURAL), ("np.", oracles.COMPOSITES)):
        for name, cases in registry.items():
            for case in cases:
                marks = []
                if kind in case.bugs:
                    marks.append(pytest.mark.xfail(strict=True, reason=case.bugs[kind]))
                params.append(pytest.param(case, id=f"{prefix}{name}:{case.label}", marks=marks))
    return params


def _random_like(x: Any, rng: np.random.Generator) -> np.ndarray:
    return rng.normal(size=np.shape(x))


@pytest.mark.parametrize("case", _cases("value"))
def test_case_value_matches_torch(case: oracles.Case) -> None:
    plain = case.fn(*case.args)
    traced, _ = dl.vjp(case.fn, *case.args)
    expected = case.torch_fn(*[to_torch(a, False) for a in case.args])
    assert_close(plain, expected)
    assert_close(traced, plain, rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize("case", _cases("vjp"))
def test_case_vjp_matches_torch(case: oracles.Case) -> None:
    rng = np.random.default_rng(1)
    out, back = dl.vjp(case.fn, *case.args)
    ct = _random_like(out, rng)
    got = back(ct)
    assert len(got) == len(case.args)
    for g, want, x in zip(got, oracles.torch_vjp(case.torch_fn, case.args, ct), case.args):
        assert np.shape(g) == np.shape(x)
        assert_close(g, want)


@pytest.mark.parametrize("case", _cases("jvp"))
def test_case_jvp_matches_torch(case: oracles.Case) -> None:
    rng = np.random.default_rng(2)
    tangents = tuple(_random_like(a, rng) for a in case.args)
    out, t_out = dl.jvp(case.fn, case.args, tangents)
    assert np.shape(t_out) == np.shape(out)
    assert_close(t_out, oracles.torch_jvp(case.torch_fn, case.args, tangents))


def _adjoint_check(fn: Any, args: tuple, seed: int) -> None:
    """⟨ȳ, J t⟩ = ⟨Jᵀ ȳ, t⟩: forward and reverse mode describe the same linear map."""
    rng = np.random.default_rng(seed)
    tangents = tuple(_random_like(a, rng) for a in args)
    out, jt = dl.jvp(fn, args, tangents)
    _, back = dl.vjp(fn, *args)
    ybar = _random_like(out, rng)
    cotangents = back(ybar)
    assert [np.shape(g) for g in cotangents] == [np.shape(a) for a in args]
    assert np.shape(jt) == np.shape(out)
    lhs = float(np.sum(ybar * jt))
    rhs = sum(float(np.sum(g * t)) for g, t in zip(cotangents, tangents))
    scale = 1.0 + float(np.sum(np.abs(ybar * jt)))
    assert math.isclose(lhs, rhs, rel_tol=1e-12, abs_tol=1e-12 * scale), (lhs, rhs)


@pytest.mark.parametrize("case", _cases("adjoint"))
def test_case_adjoint_identity(case: oracles.Case) -> None:
    _adjoint_check(case.fn, case.args, seed=3)


@pytest.mark.parametrize("name", POINTWISE)
def test_pointwise_adjoint_identity(name: str) -> None:
    row = PRIMITIVES[name]
    _adjoint_check(row.impl, tuple(_points(row, _seed(name), (2, 3))), seed=_seed(name))


@pytest.mark.parametrize("case", _cases("jac"))
def test_case_jacfwd_equals_jacrev(case: oracles.Case) -> None:
    nums = tuple(range(len(case.args)))
    fwd = dl.jacfwd(case.fn, argnums=nums)(*case.args)
    rev = dl.jacrev(case.fn, argnums=nums)(*case.args)
    out_shape = np.shape(case.fn(*case.args))
    for f, r, x in zip(fwd, rev, case.args):
        assert f.shape == out_shape + np.shape(x)
        assert_close(f, r, rtol=1e-12, atol=1e-12)


def _packed(case: oracles.Case, weights: np.ndarray, use_torch: bool) -> Any:
    """s(v) = Σ w · sin(f(args)) with every argument packed into one vector v.

    sin makes s non-linear even when f is linear, so the Hessian exercises the derivative of
    each rule (a rule applied to boxes of an outer trace).
    """
    shapes = [np.shape(a) for a in case.args]
    sizes = [int(np.prod(s)) for s in shapes]
    starts = np.cumsum([0, *sizes])

    if use_torch:
        w = to_torch(weights, False)

        def s_torch(v: torch.Tensor) -> torch.Tensor:
            parts = [v[starts[k] : starts[k + 1]].reshape(shapes[k]) for k in range(len(shapes))]
            return (w * torch.sin(case.torch_fn(*parts))).sum()

        return s_torch

    def s(v: Any) -> Any:
        parts = [np.reshape(v[starts[k] : starts[k + 1]], shapes[k]) for k in range(len(shapes))]
        return np.sum(weights * np.sin(case.fn(*parts)))

    return s


@pytest.mark.parametrize("case", _cases("hessian"))
def test_case_second_derivative_matches_torch(case: oracles.Case) -> None:
    rng = np.random.default_rng(4)
    weights = _random_like(case.fn(*case.args), rng)
    v = np.concatenate([np.ravel(a) for a in case.args])
    s = _packed(case, weights, use_torch=False)
    expected = oracles.torch_hessian(_packed(case, weights, use_torch=True), [v])[0][0]
    h = dl.hessian(s)(v)  # forward-over-reverse
    assert h.shape == (v.size, v.size)
    assert_close(h, expected, rtol=1e-9, atol=1e-10)
    assert_close(dl.jacrev(dl.grad(s))(v), expected, rtol=1e-9, atol=1e-10)  # reverse-over-reverse
    # the two orders with forward mode inside: H u (reverse over forward), wᵀ H u (forward twice)
    u, w = rng.normal(size=v.size), rng.normal(size=v.size)

    def directional(x: Any) -> Any:
        return dl.jvp(s, (x,), (u,))[1]

    assert_close(dl.grad(directional)(v), expected @ u, rtol=1e-9, atol=1e-10)
    assert_close(dl.jvp(directional, (v,), (w,))[1], w @ expected @ u, rtol=1e-9, atol=1e-10)


# ---- kink conventions: the same as PyTorch's ----


def _torch_grad(torch_fn: Any, *args: Any) -> list[np.ndarray]:
    return oracles.torch_vjp(lambda *t: torch_fn(*t).sum(), [np.asarray(a) for a in args],
                             np.array(1.0))  # fmt: skip


def test_kink_abs_at_zero_is_zero() -> None:
    x = np.array([-1.0, 0.0, 2.0])
    assert_close(dl.grad(lambda x: np.sum(np.abs(x)))(x), [-1.0, 0.0, 1.0], rtol=0, atol=0)
    assert_close(dl.jvp(np.abs, (x,), (np.ones(3),))[1], [-1.0, 0.0, 1.0], rtol=0, atol=0)
    assert_close(dl.grad(lambda x: np.sum(abs(x)))(x), _torch_grad(torch.abs, x)[0])


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_kink_maximum_minimum_ties_split_evenly(name: str) -> None:
    row = PRIMITIVES[name]
    x = np.array([1.0, 2.0, -3.0])
    y = np.array([1.0, 0.0, -3.0])  # tied at entries 0 and 2
    got = dl.grad(lambda a, b: np.sum(row.impl(a, b)), argnums=(0, 1))(x, y)
    expected = _torch_grad(getattr(torch, name), x, y)
    assert_close(got[0], expected[0], rtol=0, atol=0)
    assert_close(got[1], expected[1], rtol=0, atol=0)
    assert got[0][0] == got[1][0] == 0.5
    fwd = dl.jvp(row.impl, (x, y), (np.ones(3), np.zeros(3)))[1]
    assert_close(fwd, expected[0], rtol=0, atol=0)


@pytest.mark.parametrize("axis", [None, 0, 1])
@pytest.mark.parametrize("reduction", ["max", "min"])
def test_kink_max_min_reduction_ties_split_evenly(reduction: str, axis: Any) -> None:
    m = np.array([[3.0, 1.0, 3.0], [-2.0, -2.0, -2.0]])
    if reduction == "min":
        m = -m
    np_red = getattr(np, reduction)
    t_red = getattr(torch, "a" + reduction)
    g = dl.grad(lambda m: np.sum(np_red(m, axis=axis) * np.array(2.0)))(m)
    dim = () if axis is None else axis
    expected = _torch_grad(lambda t: t_red(t, dim=dim) * 2.0, m)[0]
    assert_close(g, expected, rtol=0, atol=0)
    # forward mode takes the same weights: J t with t = ones is the sum of the weights per group
    out, t_out = dl.jvp(lambda m: np_red(m, axis=axis), (m,), (np.ones_like(m),))
    assert_close(t_out, np.ones_like(out), rtol=0, atol=1e-15)


def test_kink_max_reduction_shares_a_tie_even_beside_a_nan_group() -> None:
    # two winners in all, one per group on average: the rule must still see the tie
    m = np.array([[np.nan, 1.0], [2.0, 2.0]])
    with np.errstate(invalid="ignore"):
        g = dl.grad(lambda m: np.sum(np.max(m, axis=1)))(m)
    assert np.isnan(g[0]).all()
    assert_close(g[1], [0.5, 0.5], rtol=0, atol=0)
    # one winner per group: each winner takes the whole cotangent
    m = np.array([[1.0, 2.0], [4.0, 3.0]])
    g = dl.grad(lambda m: np.sum(np.max(m, axis=1) * np.array([2.0, 3.0])))(m)
    assert_close(g, [[0.0, 2.0], [3.0, 0.0]], rtol=0, atol=0)


def test_kink_clip_passes_gradient_at_the_boundary() -> None:
    x = np.array([-2.0, -1.0, 0.0, 1.0, 2.0])
    g = dl.grad(lambda x: np.sum(np.clip(x, -1.0, 1.0)))(x)
    expected = _torch_grad(lambda t: torch.clamp(t, -1.0, 1.0), x)[0]
    assert_close(g, expected, rtol=0, atol=0)
    assert_close(g, [0.0, 1.0, 1.0, 1.0, 0.0], rtol=0, atol=0)


def test_kink_sign_has_zero_derivative() -> None:
    x = np.array([-1.5, 0.0, 2.0])
    assert_close(dl.grad(lambda x: np.sum(np.sign(x)))(x), np.zeros(3), rtol=0, atol=0)
    # sign(x)·x = |x|: only the x factor is differentiated
    assert_close(dl.grad(lambda x: np.sum(np.sign(x) * x))(x), np.sign(x), rtol=0, atol=0)
    assert_close(dl.jvp(lambda x: np.sign(x) * 3.0, (x,), (np.ones(3),))[1], np.zeros(3))


def test_kink_relu_by_where_is_zero_at_zero() -> None:
    x = np.array([-1.0, 0.0, 2.0])
    g = dl.grad(lambda x: np.sum(np.where(x > 0, x, 0)))(x)
    assert_close(g, [0.0, 0.0, 1.0], rtol=0, atol=0)
    assert_close(g, _torch_grad(torch.relu, x)[0], rtol=0, atol=0)


def test_every_documented_kink_is_tested() -> None:
    """Rows that state a kink convention: each one is covered by a test above."""
    tested = {"absolute", "maximum", "minimum", "amax", "amin", "sqrt", "norm_sqrt", "fabs",
              "fmax", "fmin", "remainder", "fmod"}  # fmt: skip
    documented = {name for name, row in PRIMITIVES.items() if row.kink}
    assert documented <= tested, f"add a kink test for {sorted(documented - tested)}"


def test_kink_sqrt_at_zero_is_inf_as_the_formula_says() -> None:
    with np.errstate(divide="ignore"):
        assert dl.grad(np.sqrt)(0.0) == np.inf
    t = to_torch(0.0)
    torch.sqrt(t).backward()
    assert float(t.grad) == np.inf


def test_kink_norm_at_zero_matches_torch() -> None:
    with np.errstate(all="ignore"):
        g = dl.grad(np.linalg.norm)(np.zeros(3))
    assert_close(g, _torch_grad(torch.linalg.norm, np.zeros(3))[0])  # torch: 0


def test_kink_std_of_constant_matches_torch() -> None:
    with np.errstate(all="ignore"):
        g = dl.grad(np.std)(np.ones(3))
    assert_close(g, _torch_grad(lambda t: torch.std(t, correction=0), np.ones(3))[0])  # torch: 0


def test_kink_fabs_at_zero_is_zero() -> None:
    x = np.array([-1.0, 0.0, 2.0])
    assert_close(dl.grad(lambda x: np.sum(np.fabs(x)))(x), [-1.0, 0.0, 1.0], rtol=0, atol=0)


@pytest.mark.parametrize("name", ["fmax", "fmin"])
def test_kink_fmax_fmin_ties_and_nan_follow_torch(name: str) -> None:
    row = PRIMITIVES[name]
    x = np.array([1.0, 2.0, np.nan, 0.5, np.nan])
    y = np.array([1.0, 0.0, -3.0, np.nan, np.nan])  # a tie, a NaN on each side, both NaN
    got = dl.grad(lambda a, b: np.sum(np.nan_to_num(row.impl(a, b))), argnums=(0, 1))(x, y)
    expected = _torch_grad(lambda a, b: torch.nan_to_num(getattr(torch, name)(a, b)), x, y)
    assert_close(got[0], expected[0], rtol=0, atol=0)
    assert_close(got[1], expected[1], rtol=0, atol=0)
    assert got[0][0] == 1.0 and got[1][0] == 0.0  # a tie gives everything to x, as torch


@pytest.mark.parametrize("name", ["remainder", "fmod"])
def test_kink_remainder_fmod_match_torch_on_both_signs(name: str) -> None:
    row = PRIMITIVES[name]
    x = np.array([-2.5, 2.5, -0.7, 3.1, 1.3])
    y = np.array([0.7, 0.7, -1.1, -1.2, 2.0])
    got = dl.grad(lambda a, b: np.sum(row.impl(a, b)), argnums=(0, 1))(x, y)
    expected = _torch_grad(getattr(torch, name), x, y)
    assert_close(row.impl(x, y), getattr(torch, name)(to_torch(x), to_torch(y)))
    assert_close(got[0], expected[0])
    assert_close(got[1], expected[1])
    assert_close(dl.grad(lambda a: np.sum(a % 0.7))(x), np.ones(5))  # the operator, too


# ---- dtypes: a tangent or cotangent has the dtype of its primal ----
# float32 in, float32 out, for every row and composite; values against torch run in float32 too,
# at float32's tolerance (a few hundred ulps: both sides round every intermediate to float32).
RTOL32, ATOL32 = 2e-4, 2e-5


def _t32(x: Any, requires_grad: bool = True) -> torch.Tensor:
    return torch.tensor(np.asarray(x, dtype=np.float32), requires_grad=requires_grad)


def _torch32_vjp(torch_fn: Any, args: list, ct: np.ndarray) -> list:
    ts = [_t32(a) for a in args]
    out = torch_fn(*ts)
    grads = torch.autograd.grad(out, ts, grad_outputs=_t32(ct, False), allow_unused=True)
    return [np.zeros_like(a) if g is None else g.numpy() for a, g in zip(args, grads)]


def _torch32_jvp(torch_fn: Any, args: list, tangents: list) -> np.ndarray:
    ts = tuple(_t32(a, False) for a in args)
    vs = tuple(_t32(t, False) for t in tangents)
    return torch.autograd.functional.jvp(torch_fn, ts, vs)[1].numpy()


def _close32(got: Any, want: Any) -> None:
    scale = float(np.max(np.abs(want), initial=1.0)) if np.size(want) else 1.0
    assert_close(got, want, rtol=RTOL32, atol=ATOL32 * scale)


def _check_dtype(fn: Any, args: list, dtype: Any, torch_fn: Any = None) -> None:
    rng = np.random.default_rng(5)
    args = [np.asarray(a, dtype=dtype) for a in args]
    out, back = dl.vjp(fn, *args)
    ct = rng.normal(size=np.shape(out)).astype(np.result_type(out))
    grads = back(ct)
    for g in grads:
        assert np.result_type(g) == dtype, f"cotangent is {np.result_type(g)} for a {dtype} input"
    tangents = [rng.normal(size=np.shape(a)).astype(dtype) for a in args]
    _, t_out = dl.jvp(fn, tuple(args), tuple(tangents))
    assert np.result_type(t_out) == np.result_type(out), (np.result_type(t_out), out.dtype)
    if torch_fn is not None and dtype == np.float32:
        for g, want in zip(grads, _torch32_vjp(torch_fn, args, ct)):
            _close32(g, want)
        _close32(t_out, _torch32_jvp(torch_fn, args, tangents))


@pytest.mark.parametrize("dtype", [np.float32, np.float16], ids=["float32", "float16"])
@pytest.mark.parametrize("name", POINTWISE)
def test_pointwise_keeps_the_dtype(name: str, dtype: Any) -> None:
    row = PRIMITIVES[name]
    torch_fn = torch_elementwise(row)
    with np.errstate(all="ignore"):
        _check_dtype(row.impl, _points(row, _seed(name)), dtype, torch_fn)
        # and through the operators and grad, with Python-float constants mixed in
        g = dl.grad(lambda *a: np.sum(row.impl(*a) ** 2 * 0.5))(
            *[x.astype(dtype) for x in _points(row, _seed(name))]
        )
    assert g.dtype == dtype


@pytest.mark.parametrize("case", _cases("dtype"))
def test_case_keeps_the_dtype_and_matches_torch_in_float32(case: oracles.Case) -> None:
    with np.errstate(all="ignore"):
        _check_dtype(case.fn, list(case.args), np.float32, case.torch_fn)
        try:
            case.fn(*[a.astype(np.float16) for a in case.args])
        except TypeError:  # NumPy's own linalg rejects float16
            return
        _check_dtype(case.fn, list(case.args), np.float16)
