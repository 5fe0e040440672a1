"""Layers, activations and losses as pure functions of plain NumPy arrays, one module per family.

Every function here is ordinary NumPy (``np.exp``, ``@``, ``np.where``, ``np.sum``), so
:func:`derivlab.grad` differentiates it like any reader's code, and the tests compare values with
``torch.nn.functional`` and gradients with ``torch.autograd``.

Families: activations, losses, linear layers, embeddings, dropout and initialisers
(``_basic``); convolution and pooling (``_conv``); layer and batch norm (``_norm``); attention
(``_attention``); recurrent cells (``_recurrent``). Every name is used as ``derivlab.nn.NAME``,
with the signature and the array layout of ``torch.nn.functional`` (NCHW images, ``(…, L, d)``
attention, PyTorch's weight shapes), so code moves between the two.

Conventions (the same as PyTorch's):

* ``linear`` stores a weight matrix as ``(out_features, in_features)``: ``y = x Wᵀ + b``.
* ``relu'(0) = 0``: ReLU is written ``np.where(x > 0, x, 0)``, whose derivative is the mask
  ``x > 0``. (``np.maximum(x, 0)`` would split the gradient ½ : ½ at the tie ``x = 0``.)
* Losses average over the batch (``reduction="mean"``).

Stability: nothing here exponentiates a large positive number. Sigmoid and softplus pick, per
entry, the algebraic form whose exponential is ``exp(-|x|) ≤ 1``; log-sum-exp subtracts the
maximum first. There is no silent ``+ eps`` anywhere.
"""

from derivlab.nn._attention import multi_head_attention, scaled_dot_product_attention
from derivlab.nn._basic import (
    binary_cross_entropy_with_logits,
    cross_entropy,
    dropout,
    embedding,
    gelu,
    he_normal,
    he_uniform,
    init_mlp,
    linear,
    log_softmax,
    logsumexp,
    mlp,
    mse,
    relu,
    sigmoid,
    softmax,
    softplus,
    tanh,
    xavier_normal,
    xavier_uniform,
)
from derivlab.nn._conv import avg_pool2d, conv1d, conv2d, max_pool2d
from derivlab.nn._norm import batch_norm, layer_norm
from derivlab.nn._recurrent import lstm_cell, rnn_cell

__all__ = [
    "linear",
    "relu",
    "sigmoid",
    "tanh",
    "softplus",
    "gelu",
    "logsumexp",
    "softmax",
    "log_softmax",
    "cross_entropy",
    "mse",
    "binary_cross_entropy_with_logits",
    "embedding",
    "dropout",
    "conv1d",
    "conv2d",
    "max_pool2d",
    "avg_pool2d",
    "layer_norm",
    "batch_norm",
    "scaled_dot_product_attention",
    "multi_head_attention",
    "rnn_cell",
    "lstm_cell",
    "xavier_uniform",
    "xavier_normal",
    "he_uniform",
    "he_normal",
    "init_mlp",
    "mlp",
]

for _name in __all__:  # the public home of each function, for help() and the API reference
    globals()[_name].__module__ = __name__
