"""derivlab.nn: values against torch.nn.functional, gradients via derivlab.grad against autograd."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import derivlab as dl
from derivlab import nn

# ---- fixed inputs ----

RNG = np.random.default_rng(20240607)
# activations see zeros (the kinks), moderate values and tails
X_ACT = np.concatenate([RNG.normal(scale=3.0, size=17), [0.0, 0.0, -19.0, 19.0, -45.0, 45.0]])
# torch's softplus returns x itself above x = 20; compare it where both use the exact formula
X_SOFTPLUS = X_ACT[np.abs(X_ACT) < 20]
LOGITS = RNG.normal(scale=2.0, size=(6, 5))
LOGITS_BIG = LOGITS + np.array([[0.0], [900.0], [-900.0], [0.0], [300.0], [0.0]])
LABELS = np.array([0, 4, 2, 2, 1, 3])
TARGETS01 = RNG.uniform(size=(6, 5))
X_LIN, W_LIN, B_LIN = RNG.normal(size=(4, 3)), RNG.normal(size=(5, 3)), RNG.normal(size=5)
PRED, TARGET = RNG.normal(size=(7, 2)), RNG.normal(size=(7, 2))


def _t(a):
    return torch.tensor(a, dtype=torch.float64)


# name -> (ours(*args), torch's(*args), args); every argument is differentiated except
# integer labels, which are passed through unchanged.
CASES = {
    "linear": (nn.linear, F.linear, (X_LIN, W_LIN, B_LIN)),
    "linear_no_bias": (nn.linear, F.linear, (X_LIN, W_LIN)),
    "relu": (nn.relu, F.relu, (X_ACT,)),
    "sigmoid": (nn.sigmoid, torch.sigmoid, (X_ACT,)),
    "tanh": (nn.tanh, torch.tanh, (X_ACT,)),
    "softplus": (nn.softplus, F.softplus, (X_SOFTPLUS,)),
    "logsumexp_rows": (
        lambda x: nn.logsumexp(x, axis=1),
        lambda x: torch.logsumexp(x, dim=1),
        (LOGITS_BIG,),
    ),
    "logsumexp_cols_keepdims": (
        lambda x: nn.logsumexp(x, axis=0, keepdims=True),
        lambda x: torch.logsumexp(x, dim=0, keepdim=True),
        (LOGITS,),
    ),
    "logsumexp_all": (
        lambda x: nn.logsumexp(x, axis=None),
        lambda x: torch.logsumexp(x.reshape(-1), dim=0),
        (LOGITS,),
    ),
    "softmax": (nn.softmax, lambda x: F.softmax(x, dim=-1), (LOGITS_BIG,)),
    "softmax_axis0": (
        lambda x: nn.softmax(x, axis=0),
        lambda x: F.softmax(x, dim=0),
        (LOGITS,),
    ),
    "log_softmax": (nn.log_softmax, lambda x: F.log_softmax(x, dim=-1), (LOGITS_BIG,)),
    "cross_entropy": (nn.cross_entropy, F.cross_entropy, (LOGITS, LABELS)),
    "cross_entropy_big": (nn.cross_entropy, F.cross_entropy, (LOGITS_BIG, LABELS)),
    "mse": (nn.mse, F.mse_loss, (PRED, TARGET)),
    "bce_with_logits": (
        nn.binary_cross_entropy_with_logits,
        F.binary_cross_entropy_with_logits,
        (LOGITS_BIG, TARGETS01),
    ),
}


def _is_data(a):
    return np.issubdtype(np.asarray(a).dtype, np.floating)


def _torch_args(args, requires_grad=False):
    return [_t(a).requires_grad_(requires_grad) if _is_data(a) else torch.tensor(a) for a in args]


@pytest.mark.parametrize("name", sorted(CASES))
def test_value_matches_torch(name):
    ours, theirs, args = CASES[name]
    expected = theirs(*_torch_args(args)).numpy()
    got = ours(*args)
    assert np.shape(got) == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradient_via_derivlab_matches_torch_autograd(name):
    ours, theirs, args = CASES[name]
    # project a vector-valued output on fixed weights: the gradient is a VJP with a dense cotangent
    out_shape = np.shape(ours(*args))
    weights = np.random.default_rng(7).normal(size=out_shape)
    argnums = tuple(i for i, a in enumerate(args) if _is_data(a))

    def scalar(*a):
        return np.sum(ours(*a) * weights)

    got = dl.grad(scalar, argnums=argnums)(*args)

    t_args = _torch_args(args, requires_grad=True)
    (theirs(*t_args) * _t(weights)).sum().backward()
    for g, i in zip(got, argnums):
        np.testing.assert_allclose(g, t_args[i].grad.numpy(), rtol=1e-10, atol=1e-12)


# ---- conventions and stability, against known values ----


def test_relu_derivative_is_zero_at_the_kink():
    g = dl.grad(lambda x: np.sum(nn.relu(x)))(np.array([-1.0, 0.0, 1.0]))
    np.testing.assert_array_equal(g, [0.0, 0.0, 1.0])


@pytest.mark.parametrize("x", [-800.0, -50.0, 0.0, 50.0, 800.0])
def test_sigmoid_and_softplus_tails_are_finite(x):
    with np.errstate(over="raise", invalid="raise"):  # no overflow, not even in a dead branch
        s = nn.sigmoid(np.array(x))
        sp = nn.softplus(np.array(x))
        ds = dl.grad(lambda v: nn.sigmoid(v))(np.array(x))
        dsp = dl.grad(lambda v: nn.softplus(v))(np.array(x))
    assert s == pytest.approx(1.0 / (1.0 + np.exp(-x)) if x > -700 else 0.0, rel=1e-15)
    assert sp == pytest.approx(max(x, 0.0) + np.log1p(np.exp(-abs(x))), rel=1e-15)
    assert dsp == pytest.approx(s, rel=1e-15)  # softplus' = sigmoid
    z = np.exp(-abs(x))
    assert ds == pytest.approx(z / (1.0 + z) ** 2, rel=1e-12)  # σ' = σ(1 - σ), written stably


def test_logsumexp_of_huge_scores():
    x = np.array([1000.0, 1000.0])
    assert nn.logsumexp(x) == pytest.approx(1000.0 + np.log(2.0), rel=1e-15)
    np.testing.assert_allclose(dl.grad(nn.logsumexp)(x), [0.5, 0.5], rtol=1e-15)


def test_softmax_rows_sum_to_one():
    np.testing.assert_allclose(nn.softmax(LOGITS_BIG).sum(axis=1), 1.0, rtol=1e-13)


def test_cross_entropy_gradient_is_softmax_minus_one_hot_over_n():
    g = dl.grad(nn.cross_entropy)(LOGITS, LABELS)
    expected = (nn.softmax(LOGITS) - np.eye(5)[LABELS]) / len(LABELS)
    np.testing.assert_allclose(g, expected, rtol=1e-12, atol=1e-15)


# ---- the MLP on a dict of parameters ----


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "softplus"])
def test_mlp_loss_and_parameter_gradients_match_torch(activation):
    params = nn.init_mlp([3, 8, 8, 4], rng=3, method="xavier_normal")
    params = {k: v + 0.1 * np.random.default_rng(5).normal(size=v.shape) for k, v in params.items()}
    x = np.random.default_rng(4).normal(size=(10, 3))
    labels = np.random.default_rng(6).integers(0, 4, size=10)

    def loss(p):
        return nn.cross_entropy(nn.mlp(p, x, activation), labels)

    value, grads = dl.value_and_grad(loss)(params)

    act = {"relu": F.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid, "softplus": F.softplus}
    tp = {k: _t(v).requires_grad_(True) for k, v in params.items()}
    h = _t(x)
    for layer in (1, 2, 3):
        h = F.linear(h, tp[f"W{layer}"], tp[f"b{layer}"])
        h = act[activation](h) if layer < 3 else h
    t_loss = F.cross_entropy(h, torch.tensor(labels))
    t_loss.backward()

    assert value == pytest.approx(t_loss.item(), rel=1e-12)
    assert set(grads) == set(params)
    for k in params:
        np.testing.assert_allclose(grads[k], tp[k].grad.numpy(), rtol=1e-10, atol=1e-12)


def test_mlp_accepts_a_callable_activation():
    params = nn.init_mlp([2, 5, 1], rng=0)
    x = np.ones((3, 2))
    np.testing.assert_allclose(nn.mlp(params, x, nn.tanh), nn.mlp(params, x, "tanh"))


# ---- initialisation ----


@pytest.mark.parametrize(
    "init, spread",
    [
        (nn.xavier_uniform, lambda fi, fo: np.sqrt(6.0 / (fi + fo)) / np.sqrt(3.0)),
        (nn.xavier_normal, lambda fi, fo: np.sqrt(2.0 / (fi + fo))),
        (nn.he_uniform, lambda fi, fo: np.sqrt(6.0 / fi) / np.sqrt(3.0)),
        (nn.he_normal, lambda fi, fo: np.sqrt(2.0 / fi)),
    ],
)
def test_initialisers_have_the_stated_standard_deviation(init, spread):
    fan_out, fan_in = 300, 500
    W = init((fan_out, fan_in), np.random.default_rng(0))
    assert W.shape == (fan_out, fan_in)
    # 150,000 samples: the sample std is within 1% of σ with overwhelming probability
    assert W.std() == pytest.approx(spread(fan_in, fan_out), rel=0.01)
    assert abs(W.mean()) < 0.01 * spread(fan_in, fan_out) * 10
    np.testing.assert_array_equal(W, init((fan_out, fan_in), 0))  # same seed, same weights


def test_uniform_initialisers_respect_their_bound():
    W = nn.xavier_uniform((40, 60), 1, gain=2.0)
    assert np.abs(W).max() <= 2.0 * np.sqrt(6.0 / 100)


def test_init_mlp_shapes():
    params = nn.init_mlp([2, 16, 3], rng=np.random.default_rng(1))
    assert {k: v.shape for k, v in params.items()} == {
        "W1": (16, 2),
        "b1": (16,),
        "W2": (3, 16),
        "b2": (3,),
    }
    assert not params["b1"].any()


# ---- errors that say what to do ----


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda: nn.linear(X_LIN, W_LIN.T, B_LIN), ValueError),
        (lambda: nn.linear(X_LIN, B_LIN), ValueError),
        (lambda: nn.cross_entropy(LOGITS, LABELS.astype(float)), TypeError),
        (lambda: nn.cross_entropy(LOGITS, LABELS[:3]), ValueError),
        (lambda: nn.cross_entropy(LOGITS, LABELS + 1), ValueError),
        (lambda: nn.cross_entropy(LOGITS[0], LABELS), ValueError),
        (lambda: nn.mse(PRED, TARGET[:, :1]), ValueError),
        (lambda: nn.binary_cross_entropy_with_logits(LOGITS, TARGETS01[:3]), ValueError),
        (lambda: nn.init_mlp([2, 3], rng=0, method="glorot"), ValueError),
        (lambda: nn.init_mlp([2], rng=0), ValueError),
        (lambda: nn.init_mlp([2, 3], rng="seed"), TypeError),
        (lambda: nn.he_normal((3,), 0), ValueError),
        (lambda: nn.mlp({"W1": W_LIN}, X_LIN), ValueError),
        (lambda: nn.mlp(nn.init_mlp([3, 2], 0), X_LIN, "gelu"), ValueError),
    ],
)
def test_clear_errors(call, error):
    with pytest.raises(error):
        call()
