"""Property tests: random programs built from table rows, differentiated by derivlab and by torch.

Hypothesis draws a small program: two inputs of random broadcast-compatible shapes, then a few
steps, each applying an elementwise or binary row, a reduction (sum, mean), a matrix product, a
reshape, a transpose or an indexing to values computed so far. The same program runs on NumPy
(traced by derivlab) and on torch, and the derivatives must agree to ~1e-10 in float64.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import oracles
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracles import to_torch

import derivlab as dl

SETTINGS = settings(
    max_examples=50,
    deadline=None,
    derandomize=True,  # a fixed sequence of examples: the suite is deterministic
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# ---- the vocabulary: (NumPy, torch) pairs that are defined and tame on all of R ----

UNARY: dict[str, tuple[Callable, Callable]] = {
    "sin": (np.sin, torch.sin),
    "cos": (np.cos, torch.cos),
    "tanh": (np.tanh, torch.tanh),
    "arctan": (np.arctan, torch.atan),
    "arcsinh": (np.arcsinh, torch.asinh),
    "neg": (np.negative, torch.neg),
    "abs": (np.abs, torch.abs),
    "square": (np.square, torch.square),
    "gauss": (lambda x: np.exp(-x * x), lambda t: torch.exp(-t * t)),
    "log1p-sq": (lambda x: np.log1p(x * x), lambda t: torch.log1p(t * t)),
    "sqrt-1p": (lambda x: np.sqrt(1.0 + x**2), lambda t: torch.sqrt(1.0 + t**2)),
    "recip": (lambda x: 1.0 / (1.0 + x * x), lambda t: 1.0 / (1.0 + t * t)),
    "sinh-tanh": (lambda x: np.sinh(np.tanh(x)), lambda t: torch.sinh(torch.tanh(t))),
    "scale": (lambda x: 0.5 * x - 0.25, lambda t: 0.5 * t - 0.25),
}

BINARY: dict[str, tuple[Callable, Callable]] = {
    "add": (np.add, torch.add),
    "sub": (lambda a, b: a - b, lambda a, b: a - b),
    "mul": (lambda a, b: a * b, lambda a, b: a * b),
    "max": (np.maximum, torch.maximum),
    "min": (np.minimum, torch.minimum),
    "div": (lambda a, b: a / (1.5 + np.cos(b)), lambda a, b: a / (1.5 + torch.cos(b))),
    "pow": (lambda a, b: (1.0 + a * a) ** (0.5 * np.sin(b)),
            lambda a, b: (1.0 + a * a) ** (0.5 * torch.sin(b))),
    "logaddexp": (np.logaddexp, torch.logaddexp),
    "hypot": (lambda a, b: np.hypot(a, 1.0 + b * b), lambda a, b: torch.hypot(a, 1.0 + b * b)),
    "arctan2": (lambda a, b: np.arctan2(a, 2.0 + np.cos(b)),
                lambda a, b: torch.atan2(a, 2.0 + torch.cos(b))),
}  # fmt: skip


# ---- programs ----


@dataclass
class Step:
    """One instruction: ``kind`` applied to earlier values ``args`` with parameters ``params``."""

    kind: str
    args: tuple[int, ...]
    params: dict


@dataclass
class Program:
    shapes: tuple[tuple[int, ...], tuple[int, ...]]
    steps: list[Step]
    seed: int

    def inputs(self) -> list[np.ndarray]:
        rng = np.random.default_rng(self.seed)
        return [rng.uniform(-1.5, 1.5, size=s) for s in self.shapes]

    def __repr__(self) -> str:  # what hypothesis prints for a failing example
        body = "; ".join(f"v{k + 2} = {s.kind}{s.args}{s.params or ''}"
                         for k, s in enumerate(self.steps))  # fmt: skip
        return f"Program(shapes={self.shapes}, seed={self.seed}: {body})"


def _shape_after(step: Step, shapes: list[tuple[int, ...]]) -> tuple[int, ...]:
    dummy = [np.zeros(s) for s in shapes]
    return np.shape(run_numpy_step(step, dummy))


@st.composite
def programs(draw: Any, max_steps: int = 6) -> Program:
    """Two broadcast-compatible inputs and up to ``max_steps`` instructions."""
    base = draw(st.lists(st.integers(1, 3), min_size=0, max_size=3))
    rare = st.sampled_from([False, False, True])  # a broadcast axis (size 1) one time in three
    ones0 = draw(st.lists(rare, min_size=len(base), max_size=len(base)))
    s0 = tuple(1 if o else d for d, o in zip(base, ones0))
    k = draw(st.integers(0, len(base)))
    suffix = base[len(base) - k :]
    ones1 = draw(st.lists(rare, min_size=k, max_size=k))
    s1 = tuple(1 if o else d for d, o in zip(suffix, ones1))
    if draw(st.booleans()):
        s0, s1 = s1, s0
    shapes: list[tuple[int, ...]] = [s0, s1]
    steps: list[Step] = []
    for _ in range(draw(st.integers(1, max_steps))):
        step = _draw_step(draw, shapes)
        steps.append(step)
        shapes.append(_shape_after(step, shapes))
    return Program((s0, s1), steps, draw(st.integers(0, 2**31 - 1)))


def _draw_step(draw: Any, shapes: list[tuple[int, ...]]) -> Step:
    n = len(shapes)
    pick = st.integers(0, n - 1)
    kind = draw(st.sampled_from(["unary"] * 3 + ["binary"] * 3 + ["sum", "mean", "matmul",
                                                                 "reshape", "transpose",
                                                                 "index"]))  # fmt: skip
    a = draw(st.one_of(st.just(n - 1), pick))  # mostly extend the newest value: deep chains
    shape = shapes[a]
    if kind == "binary":
        b = draw(pick)
        try:
            np.broadcast_shapes(shape, shapes[b])
        except ValueError:
            b = a  # not broadcast-compatible: combine the value with itself
        return Step(draw(st.sampled_from(sorted(BINARY))), (a, b), {})
    if kind in ("sum", "mean") and shape:
        axis = draw(st.sampled_from([None, *range(-len(shape), len(shape))]))
        return Step(kind, (a,), {"axis": axis, "keepdims": draw(st.booleans())})
    if kind == "matmul" and len(shape) >= 2:
        # a @ b with b another value whose shape fits, else a @ aᵀ (always defined)
        fits = [b for b in range(n) if len(shapes[b]) >= 2 and shapes[b][-2] == shape[-1]
                and _batch_ok(shape, shapes[b])]  # fmt: skip
        b = draw(st.sampled_from(fits)) if fits else None
        return Step("matmul", (a,) if b is None else (a, b), {})
    if kind == "reshape" and shape:
        target = draw(st.sampled_from([(-1,), tuple(reversed(shape)), (1, *shape)]))
        return Step("reshape", (a,), {"shape": target})
    if kind == "transpose" and len(shape) >= 2:
        return Step("transpose", (a,), {})
    if kind == "index" and shape:
        how = draw(st.sampled_from(["reverse", "repeat", "last"]))
        if how == "repeat":
            idx = draw(st.lists(st.integers(0, shape[0] - 1), min_size=1, max_size=4))
            return Step("index", (a,), {"how": how, "idx": tuple(idx)})
        return Step("index", (a,), {"how": how})
    return Step(draw(st.sampled_from(sorted(UNARY))), (a,), {})


def _batch_ok(sa: tuple[int, ...], sb: tuple[int, ...]) -> bool:
    try:
        np.broadcast_shapes(sa[:-2], sb[:-2])
    except ValueError:
        return False
    return True


# ---- interpreters: the same program in NumPy (traced by derivlab) and in torch ----


def run_numpy_step(step: Step, vals: list[Any]) -> Any:
    args = [vals[i] for i in step.args]
    p = step.params
    if step.kind in UNARY:
        return UNARY[step.kind][0](args[0])
    if step.kind in BINARY:
        return BINARY[step.kind][0](args[0], args[1])
    if step.kind == "sum":
        return np.sum(args[0], axis=p["axis"], keepdims=p["keepdims"])
    if step.kind == "mean":
        return np.mean(args[0], axis=p["axis"], keepdims=p["keepdims"])
    if step.kind == "matmul":
        x = args[0]
        return x @ (args[1] if len(args) > 1 else np.swapaxes(x, -1, -2))
    if step.kind == "reshape":
        return np.reshape(args[0], p["shape"])
    if step.kind == "transpose":
        return args[0].T
    if step.kind == "index":
        x = args[0]
        if p["how"] == "reverse":
            return x[::-1]
        if p["how"] == "repeat":
            return x[np.array(p["idx"])]
        return x[..., -1]
    raise AssertionError(step.kind)


def run_torch_step(step: Step, vals: list[torch.Tensor]) -> torch.Tensor:
    args = [vals[i] for i in step.args]
    p = step.params
    if step.kind in UNARY:
        return UNARY[step.kind][1](args[0])
    if step.kind in BINARY:
        return BINARY[step.kind][1](args[0], args[1])
    if step.kind in ("sum", "mean"):
        reduce = torch.sum if step.kind == "sum" else torch.mean
        dim = () if p["axis"] is None else p["axis"]
        out = reduce(args[0], dim=dim, keepdim=p["keepdims"])
        if p["axis"] is None and p["keepdims"]:
            out = out.reshape((1,) * args[0].ndim)
        return out
    if step.kind == "matmul":
        x = args[0]
        return x @ (args[1] if len(args) > 1 else x.mT)
    if step.kind == "reshape":
        return args[0].reshape(p["shape"])
    if step.kind == "transpose":
        return args[0].permute(*reversed(range(args[0].ndim)))
    if step.kind == "index":
        x = args[0]
        if p["how"] == "reverse":
            return x.flip(0)
        if p["how"] == "repeat":
            return x[torch.tensor(p["idx"])]
        return x[..., -1]
    raise AssertionError(step.kind)


def numpy_fn(prog: Program) -> Callable[..., Any]:
    def f(x0: Any, x1: Any) -> Any:
        vals = [x0, x1]
        for step in prog.steps:
            vals.append(run_numpy_step(step, vals))
        return vals[-1]

    return f


def torch_fn(prog: Program) -> Callable[..., torch.Tensor]:
    def f(x0: torch.Tensor, x1: torch.Tensor) -> torch.Tensor:
        vals = [x0, x1]
        for step in prog.steps:
            vals.append(run_torch_step(step, vals))
        return vals[-1]

    return f


def _close(actual: Any, expected: Any) -> None:
    """Agreement to 1e-10 relative to the size of the numbers involved."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    scale = 1.0 + (float(np.max(np.abs(expected))) if expected.size else 0.0)
    oracles.assert_close(actual, expected, rtol=1e-10, atol=1e-10 * scale)


# ---- properties ----


@SETTINGS
@given(programs())
def test_grad_matches_torch(prog: Program) -> None:
    xs = prog.inputs()
    f, tf = numpy_fn(prog), torch_fn(prog)
    value, grads = dl.value_and_grad(lambda a, b: np.sum(f(a, b)), argnums=(0, 1))(*xs)
    ts = [to_torch(x) for x in xs]
    out = tf(*ts).sum()
    expected = torch.autograd.grad(out, ts, allow_unused=True)
    _close(value, out.detach())
    for g, e, x in zip(grads, expected, xs):
        assert np.shape(g) == np.shape(x)
        _close(g, np.zeros_like(x) if e is None else e)


@SETTINGS
@given(programs())
def test_jacfwd_equals_jacrev(prog: Program) -> None:
    xs = prog.inputs()
    f = numpy_fn(prog)
    out_shape = np.shape(f(*xs))
    fwd = dl.jacfwd(f, argnums=(0, 1))(*xs)
    rev = dl.jacrev(f, argnums=(0, 1))(*xs)
    for jf, jr, x in zip(fwd, rev, xs):
        assert jf.shape == out_shape + np.shape(x)
        assert jr.shape == out_shape + np.shape(x)
        _close(jf, jr)


@SETTINGS
@given(programs())
def test_vjp_jvp_adjoint(prog: Program) -> None:
    xs = prog.inputs()
    f = numpy_fn(prog)
    rng = np.random.default_rng(prog.seed + 1)
    ts = tuple(rng.normal(size=np.shape(x)) for x in xs)
    out, jt = dl.jvp(f, tuple(xs), ts)
    ybar = rng.normal(size=np.shape(out))
    _, back = dl.vjp(f, *xs)
    lhs = np.sum(ybar * jt)
    rhs = sum(np.sum(g * t) for g, t in zip(back(ybar), ts))
    _close(lhs, rhs)


@SETTINGS
@given(programs(max_steps=5))
def test_hessian_symmetric_and_matches_torch(prog: Program) -> None:
    x0, x1 = prog.inputs()
    f, tf = numpy_fn(prog), torch_fn(prog)
    t1 = to_torch(x1, False)
    h = dl.hessian(lambda a: np.sum(f(a, x1)))(x0)
    assert h.shape == x0.shape + x0.shape
    expected = torch.autograd.functional.hessian(lambda a: tf(a, t1).sum(), to_torch(x0, False))
    n = x0.size
    flat = h.reshape(n, n)
    _close(flat, flat.T)
    _close(h, expected)


@SETTINGS
@given(programs(max_steps=5))
def test_hvp_equals_hessian_times_vector(prog: Program) -> None:
    x0, x1 = prog.inputs()
    f = numpy_fn(prog)
    v = np.random.default_rng(prog.seed + 2).normal(size=x0.shape)

    def loss(a: Any) -> Any:
        return np.sum(f(a, x1))

    h = dl.hessian(loss)(x0).reshape(x0.size, x0.size)
    hv = dl.hvp(loss, x0, v)
    assert np.shape(hv) == x0.shape
    _close(hv, (h @ v.reshape(-1)).reshape(x0.shape))


def test_generator_covers_every_step_kind() -> None:
    """Sanity check of the generator itself: all instruction kinds occur."""
    seen: set[str] = set()

    @settings(max_examples=200, deadline=None, derandomize=True)
    @given(programs())
    def collect(prog: Program) -> None:
        seen.update(s.kind if s.kind not in UNARY and s.kind not in BINARY else "row"
                    for s in prog.steps)  # fmt: skip

    collect()
    assert {"row", "sum", "mean", "matmul", "reshape", "transpose", "index"} <= seen


@pytest.mark.parametrize("name", sorted(UNARY) + sorted(BINARY))
def test_vocabulary_pairs_agree(name: str) -> None:
    """The NumPy and torch halves of each pair compute the same function."""
    rng = np.random.default_rng(0)
    x = rng.uniform(-1.5, 1.5, size=(2, 3))
    y = rng.uniform(-1.5, 1.5, size=(2, 3))
    np_f, t_f = UNARY.get(name) or BINARY[name]
    args = (x,) if name in UNARY else (x, y)
    _close(np_f(*args), t_f(*[to_torch(a, False) for a in args]))
