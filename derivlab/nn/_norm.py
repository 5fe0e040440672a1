"""Normalisation layers with ``torch.nn.functional``'s signatures: layer norm and batch norm.

Both standardise, ``x̂ = (x − μ) / √(σ² + ε)``, then scale and shift, ``y = γ x̂ + β``; they
differ in which axes μ and σ² average over (the features of one example, or one channel over
the batch). The mean and variance are ordinary NumPy reductions, so their backward pass, the
one with the famous three terms, is derived by derivlab from the forward code.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Array = Any


def _standardise(x: Array, axes: tuple[int, ...], eps: float) -> Array:
    mu = np.mean(x, axis=axes, keepdims=True)
    centred = x - mu
    var = np.mean(centred * centred, axis=axes, keepdims=True)  # biased, as in PyTorch
    return centred / np.sqrt(var + eps)


def layer_norm(
    input: Array,
    normalized_shape: Any,
    weight: Array | None = None,
    bias: Array | None = None,
    eps: float = 1e-5,
) -> Array:
    """Layer normalisation: standardise over the last ``len(normalized_shape)`` axes.

    ``y = γ (x − μ) / √(σ² + ε) + β`` with μ, σ² the mean and (biased) variance over those axes
    (Ba et al., 2016).

    Args:
        input: ``(…, *normalized_shape)``.
        normalized_shape: the trailing shape to normalise over (an int or a tuple).
        weight: γ, shaped ``normalized_shape``, or None.
        bias: β, shaped ``normalized_shape``, or None.
        eps: added to the variance.

    Returns:
        An array shaped like ``input``.
    """
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if tuple(np.shape(input)[-len(shape) :]) != shape or not shape:
        raise ValueError(
            f"layer_norm: input of shape {np.shape(input)} does not end in normalized_shape "
            f"{shape}."
        )
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and tuple(np.shape(p)) != shape:
            raise ValueError(f"layer_norm: {name} must have shape {shape}, got {np.shape(p)}.")
    y = _standardise(input, tuple(range(-len(shape), 0)), eps)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def batch_norm(
    input: Array,
    running_mean: np.ndarray | None,
    running_var: np.ndarray | None,
    weight: Array | None = None,
    bias: Array | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Array:
    """Batch normalisation over every axis but the channel axis 1 (Ioffe & Szegedy, 2015).

    Training uses the batch's mean and (biased) variance and, when running statistics are
    given, updates them in place as PyTorch does: ``r ← (1 − m) r + m · stat``, with the
    unbiased variance. The running statistics are plain numbers, never traced, so a stored
    ``running_mean`` never keeps a derivative alive. Evaluation uses the running statistics.

    Args:
        input: ``(N, C)``, ``(N, C, L)`` or ``(N, C, H, W)``.
        running_mean: a float array of shape ``(C,)``, or None.
        running_var: a float array of shape ``(C,)``, or None.
        weight: γ, of shape ``(C,)``, or None.
        bias: β, of shape ``(C,)``, or None.
        training: batch statistics (True) or running statistics (False).
        momentum: the running statistics' update rate.
        eps: added to the variance.

    Returns:
        An array shaped like ``input``.
    """
    from derivlab._core import strip

    if np.ndim(input) < 2:
        raise ValueError(f"batch_norm: input must be (N, C, …), got shape {np.shape(input)}.")
    c = np.shape(input)[1]
    axes = (0, *range(2, np.ndim(input)))
    shape = (1, c) + (1,) * (np.ndim(input) - 2)
    for name, p in (
        ("running_mean", running_mean),
        ("running_var", running_var),
        ("weight", weight),
        ("bias", bias),
    ):
        if p is not None and np.shape(p) != (c,):
            raise ValueError(f"batch_norm: {name} must have shape ({c},), got {np.shape(p)}.")
    if training:
        count = int(np.prod([np.shape(input)[a] for a in axes]))
        if count < 2:
            raise ValueError("batch_norm: training needs more than one value per channel.")
        y = _standardise(input, axes, eps)
        if running_mean is not None and running_var is not None:
            plain = np.asarray(strip(input))
            mean, var = plain.mean(axis=axes), plain.var(axis=axes, ddof=1)
            running_mean *= 1.0 - momentum
            running_mean += momentum * mean
            running_var *= 1.0 - momentum
            running_var += momentum * var
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: evaluation (training=False) needs running statistics.")
        mean = np.reshape(running_mean, shape)
        y = (input - mean) / np.sqrt(np.reshape(running_var, shape) + eps)
    if weight is not None:
        y = y * np.reshape(weight, shape)
    if bias is not None:
        y = y + np.reshape(bias, shape)
    return y
