"""Layers, activations, losses and initialisers: the pieces of an MLP (see :mod:`derivlab.nn`)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from derivlab._core import strip
from derivlab._special import erf

Array = Any  # an ndarray, or a derivlab box standing in for one while a function is traced


# ---- layers ----


def linear(x: Array, W: Array, b: Array | None = None) -> Array:
    """Affine layer: y = x Wᵀ + b, with W of shape (out_features, in_features).

    Args:
        x: inputs, shape ``(..., in_features)``.
        W: weights, shape ``(out_features, in_features)`` (PyTorch's layout).
        b: bias, shape ``(out_features,)``, or None for no bias.

    Returns:
        The outputs, shape ``(..., out_features)``.
    """
    if np.ndim(W) != 2:
        raise ValueError(f"linear: W must be a matrix (out, in), got shape {np.shape(W)}.")
    if np.shape(x)[-1:] != np.shape(W)[1:]:
        raise ValueError(
            f"linear: x has {np.shape(x)[-1:]} features but W expects {np.shape(W)[1]} "
            f"(W has shape (out, in) = {np.shape(W)}); transpose W if you stored it (in, out)."
        )
    y = x @ W.T
    return y if b is None else y + b


# ---- activations ----


def relu(x: Array) -> Array:
    """ReLU: max(x, 0), with the derivative 1 where x > 0 and 0 elsewhere (relu'(0) = 0).

    Written with ``np.where`` so that the derivative at the kink is 0, as in PyTorch.
    """
    return np.where(x > 0, x, 0.0)


def sigmoid(x: Array) -> Array:
    """Logistic sigmoid: σ(x) = 1 / (1 + e^{-x}), evaluated without overflow.

    For x ≥ 0 it uses 1 / (1 + e^{-x}); for x < 0 the equal form e^{x} / (1 + e^{x}). Both are
    written in terms of z = e^{-|x|} ≤ 1, so neither branch overflows (and neither produces a
    NaN that ``np.where``'s derivative would multiply by zero).
    """
    pos = x >= 0
    z = np.exp(-np.where(pos, x, -x))  # e^{-|x|}, with d|x|/dx = ±1 taken from the same branch
    return np.where(pos, 1.0 / (1.0 + z), z / (1.0 + z))


def tanh(x: Array) -> Array:
    """Hyperbolic tangent: tanh x = (e^x - e^{-x}) / (e^x + e^{-x})."""
    return np.tanh(x)


def softplus(x: Array) -> Array:
    """Softplus: log(1 + e^x) = max(x, 0) + log(1 + e^{-|x|}), stable for every x.

    Unlike ``torch.nn.functional.softplus`` there is no threshold above which x is returned
    as is: the formula is exact everywhere. Its derivative is σ(x).
    """
    pos = x >= 0
    return np.where(pos, x, 0.0) + np.log1p(np.exp(-np.where(pos, x, -x)))


# ---- normalisation over a class axis ----


def logsumexp(x: Array, axis: int | None = -1, keepdims: bool = False) -> Array:
    """Log-sum-exp: log Σ_j e^{x_j} = m + log Σ_j e^{x_j - m}, with m = max_j x_j.

    Subtracting the maximum makes every exponent ≤ 0, so nothing overflows. The right-hand side
    is the same function of x for every m (∂/∂m of it is 0), so m is taken as a constant, read
    off the plain values: the gradient is softmax(x) exactly, at every order, and the sweep
    spends nothing on the max (PyTorch's logsumexp does the same).

    Args:
        x: the scores.
        axis: the axis to reduce (None: all of them).
        keepdims: keep the reduced axis with length 1.

    Returns:
        The log-sum-exp along ``axis``.
    """
    m = _shift(x, axis)
    out = m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))
    return out if keepdims else np.squeeze(out, axis=axis)


def _shift(x: Array, axis: int | None) -> np.ndarray:
    """max x along ``axis`` (kept), read off the plain values: a constant to every trace."""
    m = np.max(strip(x), axis=axis, keepdims=True)
    if m.size and not np.all(np.isfinite(m)):
        m = np.where(np.isfinite(m), m, 0.0)  # a row of -inf (or an inf/nan): no shift there
    return m


def softmax(x: Array, axis: int = -1) -> Array:
    """Softmax: softmax(x)_i = e^{x_i - m} / Σ_j e^{x_j - m}, for m = max_j x_j.

    Every m gives the same function (the shift cancels between numerator and denominator), so,
    as in :func:`logsumexp`, m is a constant that only keeps the exponents ≤ 0.
    """
    e = np.exp(x - _shift(x, axis))
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(x: Array, axis: int = -1) -> Array:
    """Log-softmax: log softmax(x)_i = x_i - logsumexp(x), without forming the softmax."""
    return x - logsumexp(x, axis=axis, keepdims=True)


# ---- losses (mean over the batch) ----


def cross_entropy(logits: Array, labels: np.ndarray) -> Array:
    """Cross-entropy of integer class labels: -(1/N) Σ_n log softmax(z_n)_{y_n}.

    Args:
        logits: unnormalised scores, shape ``(N, C)``.
        labels: integer classes in ``[0, C)``, shape ``(N,)``.

    Returns:
        The mean negative log-likelihood (a scalar).
    """
    if np.ndim(logits) != 2:
        raise ValueError(f"cross_entropy: logits must have shape (N, C), got {np.shape(logits)}.")
    n, c = np.shape(logits)
    labels = np.asarray(labels)
    if not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(
            f"cross_entropy: labels must be integer class indices, got dtype {labels.dtype}; "
            "for probabilities use binary_cross_entropy_with_logits or a one-hot sum."
        )
    if labels.shape != (n,):
        raise ValueError(f"cross_entropy: labels must have shape ({n},), got {labels.shape}.")
    if labels.size and (labels.min() < 0 or labels.max() >= c):
        raise ValueError(
            f"cross_entropy: labels must lie in [0, {c}), got values from {labels.min()} to "
            f"{labels.max()}."
        )
    picked = log_softmax(logits, axis=1)[np.arange(n), labels]  # log p_{y_n} of each row
    return -np.mean(picked)


def mse(prediction: Array, target: Array) -> Array:
    """Mean squared error: (1/N) Σ_i (ŷ_i - y_i)², averaged over every entry."""
    if np.shape(prediction) != np.shape(target):
        raise ValueError(
            f"mse: prediction {np.shape(prediction)} and target {np.shape(target)} differ in "
            "shape; reshape one of them (broadcasting here is usually a bug)."
        )
    return np.mean((prediction - target) ** 2)


def binary_cross_entropy_with_logits(logits: Array, targets: Array) -> Array:
    """Binary cross-entropy on logits: (1/N) Σ softplus(z) - y z, stable for every z.

    Equals -(1/N) Σ [y log σ(z) + (1 - y) log(1 - σ(z))] without forming σ(z).

    Args:
        logits: scores z, any shape.
        targets: probabilities y in [0, 1], the same shape.

    Returns:
        The mean loss (a scalar).
    """
    if np.shape(logits) != np.shape(targets):
        raise ValueError(
            f"binary_cross_entropy_with_logits: logits {np.shape(logits)} and targets "
            f"{np.shape(targets)} differ in shape."
        )
    return np.mean(softplus(logits) - targets * logits)


# ---- initialisation ----


def _generator(rng: np.random.Generator | int) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)):
        return np.random.default_rng(rng)
    raise TypeError(
        f"rng must be a numpy Generator or an int seed, got {type(rng).__name__}; "
        "use np.random.default_rng(seed)."
    )


def _fans(shape: tuple[int, int]) -> tuple[int, int]:
    if len(shape) != 2 or min(shape) < 1:
        raise ValueError(f"initialisers take a weight shape (out, in), got {shape}.")
    fan_out, fan_in = shape
    return fan_in, fan_out


def xavier_uniform(
    shape: tuple[int, int], rng: np.random.Generator | int, gain: float = 1.0
) -> np.ndarray:
    """Glorot/Xavier uniform: W ~ U(-a, a), a = gain · √(6 / (fan_in + fan_out)).

    Keeps the variance of activations and gradients roughly constant through tanh layers.

    Args:
        shape: ``(out_features, in_features)``.
        rng: a NumPy Generator or an int seed.
        gain: scale factor (1 for tanh, as in ``torch.nn.init``).

    Returns:
        A weight matrix.
    """
    fan_in, fan_out = _fans(shape)
    a = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return _generator(rng).uniform(-a, a, size=shape)


def xavier_normal(
    shape: tuple[int, int], rng: np.random.Generator | int, gain: float = 1.0
) -> np.ndarray:
    """Glorot/Xavier normal: W ~ N(0, σ²), σ = gain · √(2 / (fan_in + fan_out)).

    Args:
        shape: ``(out_features, in_features)``.
        rng: a NumPy Generator or an int seed.
        gain: scale factor.

    Returns:
        A weight matrix.
    """
    fan_in, fan_out = _fans(shape)
    return _generator(rng).normal(0.0, gain * np.sqrt(2.0 / (fan_in + fan_out)), size=shape)


def he_uniform(shape: tuple[int, int], rng: np.random.Generator | int) -> np.ndarray:
    """He/Kaiming uniform for ReLU: W ~ U(-a, a), a = √(6 / fan_in).

    ReLU zeroes half of its inputs, so the variance 2 / fan_in (twice LeCun's) keeps the
    activations' scale from layer to layer.

    Args:
        shape: ``(out_features, in_features)``.
        rng: a NumPy Generator or an int seed.

    Returns:
        A weight matrix.
    """
    fan_in, _ = _fans(shape)
    a = np.sqrt(6.0 / fan_in)
    return _generator(rng).uniform(-a, a, size=shape)


def he_normal(shape: tuple[int, int], rng: np.random.Generator | int) -> np.ndarray:
    """He/Kaiming normal for ReLU: W ~ N(0, σ²), σ = √(2 / fan_in).

    Args:
        shape: ``(out_features, in_features)``.
        rng: a NumPy Generator or an int seed.

    Returns:
        A weight matrix.
    """
    fan_in, _ = _fans(shape)
    return _generator(rng).normal(0.0, np.sqrt(2.0 / fan_in), size=shape)


_INITS: dict[str, Callable[..., np.ndarray]] = {
    "xavier_uniform": xavier_uniform,
    "xavier_normal": xavier_normal,
    "he_uniform": he_uniform,
    "he_normal": he_normal,
}


# ---- a multilayer perceptron on a dict of parameters ----


def init_mlp(
    sizes: list[int], rng: np.random.Generator | int, method: str = "he_normal"
) -> dict[str, np.ndarray]:
    """Parameters of an MLP with layer widths ``sizes``: {"W1", "b1", ..., "WL", "bL"}.

    Args:
        sizes: widths from input to output, e.g. ``[2, 16, 1]`` (two layers).
        rng: a NumPy Generator or an int seed.
        method: one of "he_normal", "he_uniform", "xavier_normal", "xavier_uniform".

    Returns:
        A dict with ``W{l}`` of shape ``(sizes[l], sizes[l-1])`` and zero biases ``b{l}``.
    """
    if method not in _INITS:
        raise ValueError(f"init_mlp: method must be one of {sorted(_INITS)}, got {method!r}.")
    if len(sizes) < 2 or any(int(s) != s or s < 1 for s in sizes):
        raise ValueError(f"init_mlp: sizes must be >= 2 positive ints, got {sizes}.")
    gen = _generator(rng)
    params = {}
    for layer, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{layer}"] = _INITS[method]((n_out, n_in), gen)
        params[f"b{layer}"] = np.zeros(n_out)
    return params


_ACTIVATIONS: dict[str, Callable[[Array], Array]] = {
    "relu": relu,
    "tanh": tanh,
    "sigmoid": sigmoid,
    "softplus": softplus,
}


def mlp(
    params: dict[str, Array], x: Array, activation: str | Callable[[Array], Array] = relu
) -> Array:
    """Multilayer perceptron: h_l = φ(h_{l-1} W_lᵀ + b_l), with no activation after the last layer.

    Args:
        params: ``{"W1": ..., "b1": ..., "W2": ...}`` as made by :func:`init_mlp`.
        x: inputs, shape ``(N, sizes[0])``.
        activation: φ, a function or one of "relu", "tanh", "sigmoid", "softplus".

    Returns:
        The outputs (logits or regression values), shape ``(N, sizes[-1])``.

    Example:
        >>> params = init_mlp([2, 8, 1], rng=0)
        >>> mlp(params, np.ones((5, 2)), "tanh").shape
        (5, 1)
    """
    phi = _ACTIVATIONS.get(activation) if isinstance(activation, str) else activation
    if phi is None or not callable(phi):
        raise ValueError(
            f"mlp: activation must be a function or one of {sorted(_ACTIVATIONS)}, "
            f"got {activation!r}."
        )
    n_layers = sum(1 for k in params if k.startswith("W"))
    expected = {f"{p}{layer}" for layer in range(1, n_layers + 1) for p in "Wb"}
    if n_layers == 0 or set(params) != expected:
        raise ValueError(
            f"mlp: params must be W1, b1, ..., W{n_layers}, b{n_layers}; got {sorted(params)}. "
            "Make them with init_mlp."
        )
    h = x
    for layer in range(1, n_layers + 1):
        h = linear(h, params[f"W{layer}"], params[f"b{layer}"])
        if layer < n_layers:
            h = phi(h)
    return h


# ---- more layers: embedding, dropout, GELU ----


def gelu(x: Array, approximate: str = "none") -> Array:
    """GELU: x Φ(x) = ½ x (1 + erf(x/√2)); ``approximate="tanh"`` uses
    ½ x (1 + tanh(√(2/π) (x + 0.044715 x³))), as ``torch.nn.functional.gelu``.

    Example:
        >>> float(gelu(np.float64(0.0)))
        0.0
    """
    if approximate == "tanh":
        inner = math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)
        return 0.5 * x * (1.0 + np.tanh(inner))
    if approximate != "none":
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}.")
    return 0.5 * x * (1.0 + erf(x * math.sqrt(0.5)))


def embedding(input: np.ndarray, weight: Array, padding_idx: int | None = None) -> Array:
    """Embedding lookup: row ``input[...]`` of ``weight`` (num_embeddings, dim).

    The gradient of ``weight`` adds up the cotangents of every position that used a row. With
    ``padding_idx`` that row is returned but receives no gradient, as in PyTorch.

    Args:
        input: integer indices, any shape.
        weight: the table, shape ``(num_embeddings, embedding_dim)``.
        padding_idx: a row that is never trained, or None.

    Returns:
        ``weight[input]``, shape ``input.shape + (embedding_dim,)``.
    """
    index = np.asarray(input)
    if not np.issubdtype(index.dtype, np.integer):
        raise TypeError(f"embedding: input must hold integer indices, got dtype {index.dtype}.")
    if np.ndim(weight) != 2:
        raise ValueError(f"embedding: weight must be (num, dim), got shape {np.shape(weight)}.")
    n = np.shape(weight)[0]
    if index.size and (index.min() < -n or index.max() >= n):
        raise IndexError(
            f"embedding: indices must lie in [0, {n}), got {index.min()}..{index.max()}."
        )
    out = weight[index]
    if padding_idx is None:
        return out
    from derivlab._core import strip

    frozen = (index == padding_idx % n)[..., None]
    return np.where(frozen, strip(weight)[index], out)  # the padding row: value, no gradient


def dropout(
    input: Array,
    p: float = 0.5,
    training: bool = True,
    rng: np.random.Generator | int | None = None,
) -> Array:
    """Inverted dropout: zero each entry with probability p, scale the rest by 1/(1 − p).

    In evaluation (``training=False``) or with ``p = 0`` the input is returned unchanged. The
    mask is drawn from ``rng`` (a Generator or a seed), so a run can be repeated exactly; the
    gradient is the same mask, scaled.

    Args:
        input: activations.
        p: drop probability in [0, 1).
        training: apply dropout only while training.
        rng: a NumPy Generator, an int seed, or None for fresh entropy.

    Returns:
        An array shaped like ``input``.
    """
    if not 0.0 <= p < 1.0:
        raise ValueError(f"dropout: p must lie in [0, 1), got {p}.")
    if not training or p == 0.0:
        return input
    gen = np.random.default_rng() if rng is None else _generator(rng)
    from derivlab._core import strip

    keep = gen.random(np.shape(input)) >= p
    scale = keep.astype(np.result_type(strip(input))) / (1.0 - p)  # the input's dtype
    return input * scale
