"""Attention with ``torch.nn.functional``'s layouts: scaled dot-product and multi-head.

``attention(Q, K, V) = softmax(Q Kᵀ / √d + M) V``, where the mask M is 0 where a query may
look and −∞ where it may not. Every step is a NumPy operation (two matrix products, a
softmax), so its backward pass — the softmax Jacobian ``diag(p) − p pᵀ`` applied row by row
between two transposed products — is derived by derivlab.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from derivlab._core import Box
from derivlab.nn._basic import linear, softmax

Array = Any


def _mask_bias(attn_mask: Any, is_causal: bool, l_q: int, l_k: int) -> Any:
    """The additive mask: 0 where attention is allowed, −∞ where it is not (or a float bias)."""
    bias = None
    if is_causal:
        if attn_mask is not None:
            raise ValueError("give either attn_mask or is_causal=True, not both (as in PyTorch).")
        bias = np.where(np.tril(np.ones((l_q, l_k), dtype=bool)), 0.0, -np.inf)
    elif attn_mask is not None:
        mask = attn_mask if isinstance(attn_mask, Box) else np.asarray(attn_mask)
        if mask.dtype == np.bool_:
            bias = np.where(mask, 0.0, -np.inf)  # True: may attend
        else:
            bias = mask  # a float mask is added to the scores
    return bias


def scaled_dot_product_attention(
    query: Array,
    key: Array,
    value: Array,
    attn_mask: Any = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
) -> Array:
    """softmax(Q Kᵀ · scale + mask) V, with scale = 1/√d by default (Vaswani et al., 2017).

    Args:
        query: ``(…, L, d)``.
        key: ``(…, S, d)``.
        value: ``(…, S, d_v)``.
        attn_mask: a boolean mask (True: may attend) or a float bias, broadcastable to
            ``(…, L, S)``; or None.
        dropout_p: must be 0 here (dropout on the weights is not supported; apply
            :func:`dropout` yourself).
        is_causal: each query attends to keys at its own position and before.
        scale: the score scale, 1/√d if None.

    Returns:
        ``(…, L, d_v)``.
    """
    if dropout_p:
        raise NotImplementedError(
            "scaled_dot_product_attention: dropout_p must be 0; apply derivlab.nn.dropout to "
            "the attention weights yourself."
        )
    d = np.shape(query)[-1]
    if np.shape(key)[-1] != d or np.shape(key)[-2] != np.shape(value)[-2]:
        raise ValueError(
            f"scaled_dot_product_attention: query {np.shape(query)}, key {np.shape(key)} and "
            f"value {np.shape(value)} do not fit: (…, L, d), (…, S, d), (…, S, d_v)."
        )
    scores = (query @ np.swapaxes(key, -1, -2)) * (1.0 / math.sqrt(d) if scale is None else scale)
    bias = _mask_bias(attn_mask, is_causal, np.shape(query)[-2], np.shape(key)[-2])
    if bias is not None:
        scores = scores + bias
    return softmax(scores, axis=-1) @ value


def multi_head_attention(
    query: Array,
    key: Array,
    value: Array,
    num_heads: int,
    in_proj_weight: Array,
    in_proj_bias: Array | None,
    out_proj_weight: Array,
    out_proj_bias: Array | None,
    attn_mask: Any = None,
    is_causal: bool = False,
    need_weights: bool = True,
) -> tuple[Array, Array | None]:
    """Multi-head attention in ``torch.nn.MultiheadAttention``'s layout, ``(L, N, E)``.

    Q, K, V are projected by the three row blocks of ``in_proj_weight`` (3E, E), split into
    ``num_heads`` heads of size E / num_heads, attended separately, joined and projected by
    ``out_proj_weight`` (E, E). Matches PyTorch's ``multi_head_attention_forward`` (in
    ``torch.nn.functional``) without dropout or bias_k/bias_v.

    Args:
        query: ``(L, N, E)``.
        key: ``(S, N, E)``.
        value: ``(S, N, E)``.
        num_heads: the number of heads; must divide E.
        in_proj_weight: ``(3E, E)``.
        in_proj_bias: ``(3E,)``, or None.
        out_proj_weight: ``(E, E)``.
        out_proj_bias: ``(E,)``, or None.
        attn_mask: boolean (True: may attend) or float, shape ``(L, S)``; or None.
        is_causal: a causal mask instead of attn_mask.
        need_weights: also return the attention weights averaged over heads, ``(N, L, S)``.

    Returns:
        ``(output of shape (L, N, E), weights or None)``.
    """
    l_q, n, e = np.shape(query)
    s = np.shape(key)[0]
    if e % num_heads:
        raise ValueError(f"multi_head_attention: num_heads={num_heads} must divide E={e}.")
    if np.shape(in_proj_weight) != (3 * e, e) or np.shape(out_proj_weight) != (e, e):
        raise ValueError(
            f"multi_head_attention: in_proj_weight must be ({3 * e}, {e}) and out_proj_weight "
            f"({e}, {e}); got {np.shape(in_proj_weight)} and {np.shape(out_proj_weight)}."
        )
    h, d = num_heads, e // num_heads
    biases = (
        [None] * 3
        if in_proj_bias is None
        else [in_proj_bias[i * e : (i + 1) * e] for i in range(3)]
    )
    q, k, v = (
        linear(x, in_proj_weight[i * e : (i + 1) * e], biases[i])
        for i, x in enumerate((query, key, value))
    )

    def heads(x: Array, length: int) -> Array:  # (L, N, E) -> (N, h, L, d)
        return np.transpose(np.reshape(x, (length, n, h, d)), (1, 2, 0, 3))

    q, k, v = heads(q, l_q), heads(k, s), heads(v, s)
    scores = (q @ np.swapaxes(k, -1, -2)) / math.sqrt(d)
    bias = _mask_bias(attn_mask, is_causal, l_q, s)
    if bias is not None:
        scores = scores + bias
    weights = softmax(scores, axis=-1)  # (N, h, L, S)
    joined = np.reshape(np.transpose(weights @ v, (2, 0, 1, 3)), (l_q, n, e))
    out = linear(joined, out_proj_weight, out_proj_bias)
    return out, (np.mean(weights, axis=1) if need_weights else None)
