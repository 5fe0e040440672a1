"""Recurrent cells with ``torch.nn.RNNCell`` and ``torch.nn.LSTMCell``'s weight layouts.

One step of each; a sequence is a Python loop over steps, and backpropagation through time
is derivlab's reverse sweep over that loop.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from derivlab.nn._basic import linear, relu, sigmoid

Array = Any


def _affine(x: Array, h: Array, w_ih: Array, w_hh: Array, b_ih: Any, b_hh: Any) -> Array:
    return linear(x, w_ih, b_ih) + linear(h, w_hh, b_hh)


def rnn_cell(
    input: Array,
    hx: Array,
    w_ih: Array,
    w_hh: Array,
    b_ih: Array | None = None,
    b_hh: Array | None = None,
    nonlinearity: str = "tanh",
) -> Array:
    """One vanilla RNN step: h' = φ(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh), φ = tanh or relu.

    Args:
        input: ``(N, input_size)``.
        hx: ``(N, hidden_size)``.
        w_ih: ``(hidden, input)``.
        w_hh: ``(hidden, hidden)``.
        b_ih: ``(hidden,)``, or None.
        b_hh: ``(hidden,)``, or None.
        nonlinearity: "tanh" or "relu".

    Returns:
        The next hidden state, ``(N, hidden_size)``.
    """
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"rnn_cell: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}.")
    a = _affine(input, hx, w_ih, w_hh, b_ih, b_hh)
    return np.tanh(a) if nonlinearity == "tanh" else relu(a)


def lstm_cell(
    input: Array,
    hx: tuple[Array, Array],
    w_ih: Array,
    w_hh: Array,
    b_ih: Array | None = None,
    b_hh: Array | None = None,
) -> tuple[Array, Array]:
    """One LSTM step (Hochreiter & Schmidhuber, 1997), gates in PyTorch's order i, f, g, o.

    ``i, f, o = σ(·)``, ``g = tanh(·)`` of ``x W_ihᵀ + b_ih + h W_hhᵀ + b_hh`` split in four;
    ``c' = f ⊙ c + i ⊙ g``, ``h' = o ⊙ tanh(c')``. The cell state's path ``c → c'`` multiplies
    by the forget gate alone, which is why gradients survive long sequences.

    Args:
        input: ``(N, input_size)``.
        hx: ``(h, c)``, each ``(N, hidden_size)``.
        w_ih: ``(4·hidden, input)``.
        w_hh: ``(4·hidden, hidden)``.
        b_ih: ``(4·hidden,)``, or None.
        b_hh: ``(4·hidden,)``, or None.

    Returns:
        ``(h', c')``.
    """
    h, c = hx
    hidden = np.shape(h)[-1]
    if np.shape(w_ih)[0] != 4 * hidden or np.shape(w_hh) != (4 * hidden, hidden):
        raise ValueError(
            f"lstm_cell: w_ih must be ({4 * hidden}, input) and w_hh ({4 * hidden}, {hidden}); "
            f"got {np.shape(w_ih)} and {np.shape(w_hh)}."
        )
    a = _affine(input, h, w_ih, w_hh, b_ih, b_hh)
    i, f, g, o = (a[..., k * hidden : (k + 1) * hidden] for k in range(4))
    c_next = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
    return sigmoid(o) * np.tanh(c_next), c_next
