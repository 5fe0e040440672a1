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


# the families added with Parts IV–V: convolution, pooling, normalisation, attention, cells
IMG = RNG.normal(size=(2, 4, 7, 6))
SEQ = RNG.normal(size=(2, 3, 11))
W2D, W2D_G, B4 = RNG.normal(size=(5, 4, 3, 2)), RNG.normal(size=(6, 2, 3, 3)), RNG.normal(size=5)
W1D = RNG.normal(size=(5, 3, 3))
FEATS = RNG.normal(size=(4, 5, 6))
GAMMA, BETA = RNG.normal(size=(5, 6)), RNG.normal(size=(5, 6))
BN_X = RNG.normal(size=(6, 3, 4, 4))
RUN_MEAN, RUN_VAR = RNG.normal(size=3), RNG.uniform(0.5, 2.0, size=3)
Q, K, V = (
    RNG.normal(size=(2, 3, 5, 4)),
    RNG.normal(size=(2, 3, 6, 4)),
    RNG.normal(size=(2, 3, 6, 7)),
)
BOOL_MASK = RNG.uniform(size=(5, 6)) > 0.3
BOOL_MASK[:, 0] = True  # every query sees at least one key
FLOAT_MASK = RNG.normal(size=(5, 6))
E, HEADS = 8, 2
MHA_Q, MHA_KV = RNG.normal(size=(5, 3, E)), RNG.normal(size=(6, 3, E))
MHA_W, MHA_B = RNG.normal(size=(3 * E, E)) / 3, RNG.normal(size=3 * E)
MHA_WO, MHA_BO = RNG.normal(size=(E, E)) / 3, RNG.normal(size=E)
TOKENS = np.array([[0, 3, 3, 1], [4, 2, 0, 0]])
TABLE = RNG.normal(size=(5, 3))
CELL_X, CELL_H, CELL_C = RNG.normal(size=(3, 4)), RNG.normal(size=(3, 5)), RNG.normal(size=(3, 5))
W_IH, W_HH, B_IH, B_HH = (RNG.normal(size=s) / 2 for s in [(5, 4), (5, 5), (5,), (5,)])
L_IH, L_HH, LB_IH, LB_HH = (RNG.normal(size=s) / 2 for s in [(20, 4), (20, 5), (20,), (20,)])


def _mha_torch(q, k, v, w, b, wo, bo, **kw):
    return F.multi_head_attention_forward(
        q, k, v, E, HEADS, w, b, None, None, False, 0.0, wo, bo, training=False,
        need_weights=False, **kw
    )[0]  # fmt: skip


CASES.update(
    {
        "conv2d": (nn.conv2d, F.conv2d, (IMG, W2D, B4)),
        "conv2d_stride_pad_dilation": (
            lambda x, w: nn.conv2d(x, w, stride=(2, 1), padding=(1, 2), dilation=(1, 2)),
            lambda x, w: F.conv2d(x, w, stride=(2, 1), padding=(1, 2), dilation=(1, 2)),
            (IMG, W2D),
        ),
        "conv2d_same": (
            lambda x, w: nn.conv2d(x, w, padding="same"),
            lambda x, w: F.conv2d(x, w, padding="same"),
            (IMG, W2D_G[:, :, :, :].repeat(2, axis=1)[:, :4]),
        ),
        "conv2d_groups": (
            lambda x, w: nn.conv2d(x, w, groups=2),
            lambda x, w: F.conv2d(x, w, groups=2),
            (IMG, W2D_G),
        ),
        "conv1d": (
            lambda x, w, b: nn.conv1d(x, w, b, stride=2, padding=1, dilation=2),
            lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1, dilation=2),
            (SEQ, W1D, B4),
        ),
        "max_pool2d": (lambda x: nn.max_pool2d(x, 2), lambda x: F.max_pool2d(x, 2), (IMG,)),
        "max_pool2d_stride_pad": (
            lambda x: nn.max_pool2d(x, 3, stride=2, padding=1),
            lambda x: F.max_pool2d(x, 3, stride=2, padding=1),
            (IMG,),
        ),
        "avg_pool2d": (lambda x: nn.avg_pool2d(x, 2), lambda x: F.avg_pool2d(x, 2), (IMG,)),
        "max_pool2d_uneven": (lambda x: nn.max_pool2d(x, 4), lambda x: F.max_pool2d(x, 4), (IMG,)),
        "avg_pool2d_3x2": (
            lambda x: nn.avg_pool2d(x, (3, 2)),
            lambda x: F.avg_pool2d(x, (3, 2)),
            (IMG,),
        ),
        "avg_pool2d_pad_exclude": (
            lambda x: nn.avg_pool2d(x, 3, 2, 1, count_include_pad=False),
            lambda x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False),
            (IMG,),
        ),
        "layer_norm": (
            lambda x: nn.layer_norm(x, 6),
            lambda x: F.layer_norm(x, (6,)),
            (FEATS,),
        ),
        "layer_norm_affine": (
            lambda x, g, b: nn.layer_norm(x, (5, 6), g, b),
            lambda x, g, b: F.layer_norm(x, (5, 6), g, b),
            (FEATS, GAMMA, BETA),
        ),
        "batch_norm_train": (
            lambda x, g, b: nn.batch_norm(x, None, None, g, b, training=True),
            lambda x, g, b: F.batch_norm(x, None, None, g, b, training=True),
            (BN_X, RUN_MEAN, RUN_VAR),
        ),
        "batch_norm_eval": (
            lambda x: nn.batch_norm(x, RUN_MEAN, RUN_VAR),
            lambda x: F.batch_norm(x, _t(RUN_MEAN), _t(RUN_VAR)),
            (BN_X,),
        ),
        "embedding": (nn.embedding, F.embedding, (TOKENS, TABLE)),
        "embedding_padding_idx": (
            lambda i, w: nn.embedding(i, w, padding_idx=0),
            lambda i, w: F.embedding(i, w, padding_idx=0),
            (TOKENS, TABLE),
        ),
        "gelu": (nn.gelu, F.gelu, (X_ACT,)),
        "gelu_tanh": (
            lambda x: nn.gelu(x, approximate="tanh"),
            lambda x: F.gelu(x, approximate="tanh"),
            (X_ACT,),
        ),
        "sdpa": (nn.scaled_dot_product_attention, F.scaled_dot_product_attention, (Q, K, V)),
        "sdpa_bool_mask": (
            lambda q, k, v: nn.scaled_dot_product_attention(q, k, v, BOOL_MASK),
            lambda q, k, v: F.scaled_dot_product_attention(q, k, v, torch.tensor(BOOL_MASK)),
            (Q, K, V),
        ),
        "sdpa_float_mask_scale": (
            lambda q, k, v: nn.scaled_dot_product_attention(q, k, v, FLOAT_MASK, scale=0.3),
            lambda q, k, v: F.scaled_dot_product_attention(q, k, v, _t(FLOAT_MASK), scale=0.3),
            (Q, K, V),
        ),
        "sdpa_causal": (
            lambda q, k, v: nn.scaled_dot_product_attention(q, k, v, is_causal=True),
            lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
            (Q, K[..., :5, :], V[..., :5, :]),
        ),
        "multi_head_attention": (
            lambda q, kv, w, b, wo, bo: nn.multi_head_attention(q, kv, kv, HEADS, w, b, wo, bo)[0],
            lambda q, kv, w, b, wo, bo: _mha_torch(q, kv, kv, w, b, wo, bo),
            (MHA_Q, MHA_KV, MHA_W, MHA_B, MHA_WO, MHA_BO),
        ),
        "multi_head_attention_causal": (
            lambda q, w, b, wo, bo: nn.multi_head_attention(
                q, q, q, HEADS, w, b, wo, bo, is_causal=True
            )[0],
            lambda q, w, b, wo, bo: _mha_torch(
                q,
                q,
                q,
                w,
                b,
                wo,
                bo,
                attn_mask=torch.triu(torch.full((5, 5), float("-inf")), 1),
            ),  # fmt: skip
            (MHA_Q, MHA_W, MHA_B, MHA_WO, MHA_BO),
        ),
        "rnn_cell": (nn.rnn_cell, torch.rnn_tanh_cell, (CELL_X, CELL_H, W_IH, W_HH, B_IH, B_HH)),
        "rnn_cell_relu": (
            lambda *a: nn.rnn_cell(*a, nonlinearity="relu"),
            torch.rnn_relu_cell,
            (CELL_X, CELL_H, W_IH, W_HH, B_IH, B_HH),
        ),
        "lstm_cell_h": (
            lambda x, h, c, *w: nn.lstm_cell(x, (h, c), *w)[0],
            lambda x, h, c, *w: torch.lstm_cell(x, (h, c), *w)[0],
            (CELL_X, CELL_H, CELL_C, L_IH, L_HH, LB_IH, LB_HH),
        ),
        "lstm_cell_c": (
            lambda x, h, c, *w: nn.lstm_cell(x, (h, c), *w)[1],
            lambda x, h, c, *w: torch.lstm_cell(x, (h, c), *w)[1],
            (CELL_X, CELL_H, CELL_C, L_IH, L_HH, LB_IH, LB_HH),
        ),
    }
)


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


# ---- the new families: state, randomness and errors ----


def test_batch_norm_updates_running_statistics_in_place_like_torch():
    ours_mean, ours_var = RUN_MEAN.copy(), RUN_VAR.copy()
    t_mean, t_var = _t(RUN_MEAN), _t(RUN_VAR)
    for _ in range(3):
        nn.batch_norm(BN_X, ours_mean, ours_var, training=True, momentum=0.2)
        F.batch_norm(_t(BN_X), t_mean, t_var, training=True, momentum=0.2)
    np.testing.assert_allclose(ours_mean, t_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours_var, t_var.numpy(), rtol=1e-12)
    # inside a gradient the statistics stay plain arrays: nothing traced escapes
    running = RUN_MEAN.copy()
    dl.grad(lambda x: np.sum(nn.batch_norm(x, running, RUN_VAR.copy(), training=True)))(BN_X)
    assert type(running) is np.ndarray and running.dtype == np.float64


def test_dropout_mask_scale_and_gradient():
    x = np.ones((200, 50))
    y = nn.dropout(x, p=0.3, rng=0)
    kept = y != 0
    assert abs(kept.mean() - 0.7) < 0.02
    np.testing.assert_allclose(y[kept], 1 / 0.7)
    g = dl.grad(lambda x: np.sum(nn.dropout(x, p=0.3, rng=0)))(x)
    np.testing.assert_array_equal(g, y)  # the same mask, scaled: d(x·m/(1-p))/dx
    assert nn.dropout(x, p=0.3, training=False) is x
    np.testing.assert_array_equal(nn.dropout(x, 0.5, rng=3), nn.dropout(x, 0.5, rng=3))


@pytest.mark.parametrize("shape", [(2, 3, 6, 4), (3, 6, 4), (1, 1, 7, 5)])
def test_max_pool2d_tiles_route_the_gradient_to_each_winner(shape):
    x = RNG.permutation(np.prod(shape)).reshape(shape) / 10.0  # no ties
    g_out = RNG.normal(size=nn.max_pool2d(x, 2).shape)
    (gx,) = dl.vjp(lambda a: nn.max_pool2d(a, 2), x)[1](g_out)
    xt = torch.tensor(x, requires_grad=True)
    F.max_pool2d(xt, 2).backward(torch.tensor(g_out))
    np.testing.assert_array_equal(nn.max_pool2d(x, 2), F.max_pool2d(torch.tensor(x), 2))
    np.testing.assert_allclose(gx, xt.grad.numpy(), rtol=0, atol=0)
    # an exact tie shares the window's cotangent evenly (derivlab's documented convention)
    (g_tie,) = dl.vjp(lambda a: nn.max_pool2d(a, 2), np.ones((1, 1, 2, 2)))[1](
        np.ones((1, 1, 1, 1))
    )
    np.testing.assert_allclose(g_tie, np.full((1, 1, 2, 2), 0.25), rtol=0, atol=0)


def test_conv2d_gradients_are_a_flipped_convolution_and_a_correlation():
    x, w = IMG[:, :1], W2D[:1, :1]
    g_out = RNG.normal(size=nn.conv2d(x, w).shape)
    gx, gw = dl.vjp(nn.conv2d, x, w)[1](g_out)
    # input gradient: the output gradient, zero-padded, convolved with the flipped kernel
    flipped = w[:, :, ::-1, ::-1]
    np.testing.assert_allclose(gx, nn.conv2d(g_out, flipped, padding=(2, 1)), rtol=1e-12)
    # kernel gradient: the input correlated with the output gradient
    corr = nn.conv2d(np.swapaxes(x, 0, 1), np.swapaxes(g_out, 0, 1))
    np.testing.assert_allclose(gw, np.swapaxes(corr, 0, 1), rtol=1e-12)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: nn.conv2d(IMG[0], W2D), ValueError, "N, C, H, W"),
        (lambda: nn.conv2d(IMG, W2D, groups=3), ValueError, "groups"),
        (lambda: nn.conv2d(IMG, W2D, stride=2, padding="same"), ValueError, "stride 1"),
        (lambda: nn.conv2d(IMG, W2D, bias=np.ones(3)), ValueError, "bias"),
        (lambda: nn.conv2d(IMG[:, :, :2], W2D), ValueError, "kernel spans"),
        (lambda: nn.max_pool2d(IMG, 2, ceil_mode=True), NotImplementedError, "ceil_mode"),
        (lambda: nn.max_pool2d(IMG, 2, padding=2), ValueError, "half the kernel"),
        (lambda: nn.layer_norm(FEATS, 5), ValueError, "normalized_shape"),
        (lambda: nn.batch_norm(BN_X, None, None), ValueError, "running statistics"),
        (lambda: nn.dropout(BN_X, p=1.0), ValueError, "p must lie"),
        (lambda: nn.embedding(np.array([0.5]), TABLE), TypeError, "integer indices"),
        (lambda: nn.embedding(np.array([7]), TABLE), IndexError, "indices must lie"),
        (lambda: nn.gelu(X_ACT, approximate="erf"), ValueError, "approximate"),
        (
            lambda: nn.scaled_dot_product_attention(Q, K, V, dropout_p=0.1),
            NotImplementedError,
            "dropout_p",
        ),  # fmt: skip
        (lambda: nn.scaled_dot_product_attention(Q, V, V), ValueError, "do not fit"),
        (
            lambda: nn.multi_head_attention(MHA_Q, MHA_KV, MHA_KV, 3, MHA_W, MHA_B, MHA_WO, None),
            ValueError,
            "must divide",
        ),
        (lambda: nn.rnn_cell(CELL_X, CELL_H, W_IH, W_HH, nonlinearity="gelu"), ValueError, "relu"),
        (lambda: nn.lstm_cell(CELL_X, (CELL_H, CELL_C), W_IH, W_HH), ValueError, "w_ih must be"),
    ],
)
def test_new_layers_explain_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()
