"""custom_vjp, custom_jvp and checkpoint: user rules, checked against torch.autograd.Function."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import derivlab as dl

rng = np.random.default_rng(0)
X, Y = rng.standard_normal(5), rng.standard_normal(5)


# ---- a rule that differs from the body: gradient clipping (straight-through style) ----


@dl.custom_vjp
def clip_grad(x: Any) -> Any:
    return x


clip_grad.defvjp(lambda x: (x, None), lambda _, g: (np.clip(g, -1.0, 1.0),))


class TorchClipGrad(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: torch.Tensor) -> torch.Tensor:
        return x.clone()

    @staticmethod
    def backward(ctx: Any, g: torch.Tensor) -> torch.Tensor:
        return g.clamp(-1.0, 1.0)


def test_custom_vjp_replaces_the_body_rule_as_torch_function_does() -> None:
    ours = dl.grad(lambda x: np.sum(clip_grad(x) * Y * 3.0))(X)
    x = torch.tensor(X, requires_grad=True)
    (TorchClipGrad.apply(x) * torch.tensor(Y) * 3.0).sum().backward()
    np.testing.assert_allclose(ours, x.grad.numpy(), rtol=1e-12)
    assert np.abs(ours).max() == 1.0  # the rule, not the body's derivative (3·Y)


# ---- a rule equal to the true derivative, with residuals: nesting must see through it ----


@dl.custom_vjp
def sin_times(x: Any, y: Any) -> Any:
    return np.sin(x) * y


def _fwd(x: Any, y: Any) -> tuple[Any, Any]:
    return np.sin(x) * y, (np.cos(x), np.sin(x), y)


sin_times.defvjp(_fwd, lambda r, g: (g * r[0] * r[2], g * r[1]))


class TorchSinTimes(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(x, y)
        return torch.sin(x) * y

    @staticmethod
    def backward(ctx: Any, g: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x, y = ctx.saved_tensors
        return g * torch.cos(x) * y, g * torch.sin(x)


def loss(x: Any, y: Any) -> Any:
    return np.sum(sin_times(x, y) ** 2)


def test_custom_vjp_gradient_matches_torch_function() -> None:
    gx, gy = dl.grad(loss, argnums=(0, 1))(X, Y)
    x, y = (torch.tensor(v, requires_grad=True) for v in (X, Y))
    (TorchSinTimes.apply(x, y) ** 2).sum().backward()
    np.testing.assert_allclose(gx, x.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(gy, y.grad.numpy(), rtol=1e-12)


def test_custom_vjp_rule_is_differentiable_in_turn() -> None:
    plain = lambda x: np.sum((np.sin(x) * Y) ** 2)  # noqa: E731
    np.testing.assert_allclose(
        dl.hessian(lambda x: loss(x, Y))(X), dl.hessian(plain)(X), rtol=1e-10, atol=1e-12
    )
    twice = dl.grad(lambda x: np.sum(dl.grad(lambda x: np.sum(sin_times(x, Y)))(x)))(X)
    np.testing.assert_allclose(twice, -np.sin(X) * Y, rtol=1e-12)
    # torch: double backward through a Function whose backward is differentiable
    x = torch.tensor(X, requires_grad=True)
    (g,) = torch.autograd.grad(TorchSinTimes.apply(x, torch.tensor(Y)).sum(), x, create_graph=True)
    (gg,) = torch.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(twice, gg.numpy(), rtol=1e-12)


def test_custom_vjp_with_a_dict_argument_and_none_cotangents() -> None:
    @dl.custom_vjp
    def affine(p: dict, x: Any) -> Any:
        return p["w"] * x + p["b"]

    affine.defvjp(
        lambda p, x: (p["w"] * x + p["b"], (p, x)),
        lambda r, g: ({"w": g * r[1], "b": g}, None),
    )
    p = {"w": X.copy(), "b": Y.copy()}
    g = dl.grad(lambda p: np.sum(affine(p, X) ** 2))(p)
    expect = dl.grad(lambda p: np.sum((p["w"] * X + p["b"]) ** 2))(p)
    np.testing.assert_allclose(g["w"], expect["w"], rtol=1e-12)
    np.testing.assert_allclose(g["b"], expect["b"], rtol=1e-12)
    gx = dl.grad(lambda x: np.sum(affine(p, x)))(X)
    np.testing.assert_array_equal(gx, np.zeros(5))  # None: no derivative for x


def test_custom_vjp_errors() -> None:
    with pytest.raises(TypeError, match="forward mode"):
        dl.jvp(lambda x: sin_times(x, Y), (X,), (X,))
    bare = dl.custom_vjp(lambda x: x * 2.0)
    with pytest.raises(TypeError, match="defvjp"):
        dl.grad(lambda x: np.sum(bare(x)))(X)
    bad = dl.custom_vjp(lambda x: x * 2.0)
    bad.defvjp(lambda x: (x * 2.0, None), lambda _, g: (np.ones(3),))
    with pytest.raises(ValueError, match="shape"):
        dl.grad(lambda x: np.sum(bad(x)))(X)
    many = dl.custom_vjp(lambda x: x * 2.0)
    many.defvjp(lambda x: (x * 2.0, None), lambda _, g: g)
    with pytest.raises(ValueError, match="one cotangent per"):
        dl.grad(lambda x: np.sum(many(x)))(X)
    with pytest.raises(TypeError, match="expected a function"):
        dl.custom_vjp(3.0)
    np.testing.assert_allclose(sin_times(X, Y), np.sin(X) * Y)  # plain call: the body


# ---- custom_jvp: one forward rule for both modes ----


@dl.custom_jvp
def softplus(x: Any) -> Any:
    return np.logaddexp(0.0, x)


softplus.defjvp(lambda p, t: (softplus(p[0]), t[0] / (1.0 + np.exp(-p[0]))))


class TorchSoftplus(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(x)
        return torch.nn.functional.softplus(x)

    @staticmethod
    def backward(ctx: Any, g: torch.Tensor) -> torch.Tensor:
        (x,) = ctx.saved_tensors
        return g * torch.sigmoid(x)


def test_custom_jvp_forward_and_transposed_reverse_match_torch() -> None:
    x = torch.tensor(X, requires_grad=True)
    TorchSoftplus.apply(x).sum().backward()
    np.testing.assert_allclose(dl.grad(lambda x: np.sum(softplus(x)))(X), x.grad, rtol=1e-12)
    _, t = dl.jvp(softplus, (X,), (Y,))
    np.testing.assert_allclose(t, Y / (1 + np.exp(-X)), rtol=1e-12)
    np.testing.assert_allclose(
        dl.jacfwd(softplus)(X), dl.jacrev(softplus)(X), rtol=1e-12, atol=1e-15
    )
    s = 1 / (1 + np.exp(-X))
    np.testing.assert_allclose(
        dl.hessian(lambda x: np.sum(softplus(x)))(X), np.diag(s * (1 - s)), rtol=1e-10
    )


def test_custom_jvp_errors() -> None:
    bare = dl.custom_jvp(lambda x: x * 2.0)
    with pytest.raises(TypeError, match="defjvp"):
        dl.jvp(bare, (X,), (X,))
    odd = dl.custom_jvp(lambda x: x * 2.0)
    odd.defjvp(lambda p, t: t[0])
    with pytest.raises(ValueError, match="tangent_of_output"):
        dl.grad(lambda x: np.sum(odd(x)))(X)


# ---- checkpoint: same derivative, less tape, more recomputation ----


def deep(x: Any, layers: int, checkpointed: bool) -> Any:
    def block(x: Any) -> Any:
        for _ in range(5):
            x = np.tanh(np.sin(x) * 1.1)
        return x

    step = dl.checkpoint(block) if checkpointed else block
    for _ in range(layers):
        x = step(x)
    return np.sum(x**2)


def test_checkpoint_keeps_the_gradient_and_trades_tape_for_ops() -> None:
    x = np.linspace(-1.0, 1.0, 1000)
    g_plain = dl.grad(lambda x: deep(x, 8, False))(x)
    g_ckpt = dl.grad(lambda x: deep(x, 8, True))(x)
    np.testing.assert_allclose(g_ckpt, g_plain, rtol=1e-13)
    xt = torch.tensor(x, requires_grad=True)
    y = xt
    for _ in range(40):
        y = torch.tanh(torch.sin(y) * 1.1)
    (y**2).sum().backward()
    np.testing.assert_allclose(g_ckpt, xt.grad.numpy(), rtol=1e-12)
    plain = dl.cost(dl.grad(lambda x: deep(x, 8, False)), x)
    ckpt = dl.cost(dl.grad(lambda x: deep(x, 8, True)), x)
    # 8 blocks of 15 recorded outputs, then x**2 and the sum; checkpointed, the tape keeps
    # the 8 block outputs and holds one block's 15 only while that block reruns
    assert plain.tape_bytes == (8 * 15 + 1) * 8000 + 8
    assert ckpt.tape_bytes == (8 + 1 + 15) * 8000 + 8
    assert ckpt.ops == plain.ops + 8 * 15  # the price: one more forward pass of every block


def test_checkpoint_composes_with_forward_mode_and_nesting() -> None:
    block = dl.checkpoint(lambda x: np.tanh(np.sin(x)))
    f = lambda x: np.sum(block(x) ** 2)  # noqa: E731
    f0 = lambda x: np.sum(np.tanh(np.sin(x)) ** 2)  # noqa: E731
    np.testing.assert_allclose(dl.hessian(f)(X), dl.hessian(f0)(X), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(dl.jvp(f, (X,), (Y,))[1], dl.jvp(f0, (X,), (Y,))[1], rtol=1e-13)
    with pytest.raises(NotImplementedError, match="one array"):
        dl.grad(lambda x: np.sum(dl.checkpoint(lambda x: (x, x))(x)[0]))(X)


def test_checkpoint_computes_no_cotangent_for_a_constant_input() -> None:
    # the block's input x is a constant here (only w is differentiated): rerunning the block
    # must cost exactly one more forward pass, with no cotangent pulled back into x
    x, w = np.linspace(-1.0, 1.0, 7), np.full(7, 0.3)
    block = lambda x, w: np.tanh(x * w) * w  # noqa: E731
    plain = dl.cost(dl.grad(lambda w: np.sum(block(x, w))), w)
    ckpt = dl.cost(dl.grad(lambda w: np.sum(dl.checkpoint(block)(x, w))), w)
    forward = dl.cost(lambda w: block(x, w), w)
    assert ckpt.ops == plain.ops + forward.ops
    np.testing.assert_allclose(ckpt.value, plain.value, rtol=1e-15)
    wt = torch.tensor(w, requires_grad=True)
    (torch.tanh(torch.tensor(x) * wt) * wt).sum().backward()
    np.testing.assert_allclose(ckpt.value, wt.grad.numpy(), rtol=1e-13)
