"""Convolution and pooling in NCHW (and NCL), with ``torch.nn.functional``'s signatures.

A convolution is a sum over the kernel's positions: for each offset (i, j) take the strided
slice of the padded input that the offset sees, and contract its channels with the kernel's
column at (i, j). Written that way it is a handful of large NumPy operations (slices, one
``stack``, one matrix product: the "im2col" layout), and derivlab differentiates it like any
other code: the input's gradient comes out as a transposed (flipped) convolution and the
kernel's as a correlation of input and output gradient, without a rule of its own.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Array = Any


def _tuple(value: Any, n: int, name: str, who: str) -> tuple[int, ...]:
    out = (value,) * n if isinstance(value, (int, np.integer)) else tuple(value)
    if len(out) != n or not all(isinstance(v, (int, np.integer)) for v in out):
        raise TypeError(f"{who}: {name} must be an int or a tuple of {n} ints, got {value!r}.")
    return tuple(int(v) for v in out)


def _windows(
    x: Array, kernel: tuple, stride: tuple, dilation: tuple, who: str, lead: int | None = None
) -> tuple:
    """Every kernel offset's strided view of x, stacked on a new last axis.

    The spatial axes are the last ones of x, or, with ``lead``, the ones after the first
    ``lead`` axes (``(N, *spatial, C)`` for a convolution, whose channels come last).
    """
    nd = len(kernel)
    first = np.ndim(x) - nd if lead is None else lead
    spatial = np.shape(x)[first : first + nd]
    out = []
    for size, k, s, d in zip(spatial, kernel, stride, dilation):
        span = d * (k - 1) + 1
        if size < span:
            raise ValueError(
                f"{who}: the (padded) input is {size} wide but the kernel spans {span}; pad "
                "the input or use a smaller kernel."
            )
        out.append((size - span) // s + 1)
    views = []
    for offset in np.ndindex(*kernel):
        index = tuple(
            slice(o * d, o * d + s * (n - 1) + 1, s)
            for o, s, d, n in zip(offset, stride, dilation, out)
        )
        views.append(x[(Ellipsis, *index)] if lead is None else x[(slice(None),) * lead + index])
    return np.stack(views, axis=-1), tuple(out)


def _pad(x: Array, padding: tuple) -> Array:
    if not any(padding):
        return x
    width = [(0, 0)] * (np.ndim(x) - len(padding)) + [(p, p) for p in padding]
    return np.pad(x, width)


def _same_padding(kernel: tuple, dilation: tuple, stride: tuple, who: str) -> tuple:
    if any(s != 1 for s in stride):
        raise ValueError(f"{who}: padding='same' needs stride 1, as in PyTorch.")
    totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
    if any(t % 2 for t in totals):
        raise NotImplementedError(
            f"{who}: padding='same' with an even kernel span pads unevenly; pad the input "
            "yourself with np.pad and use padding=0."
        )
    return tuple(t // 2 for t in totals)


def _conv(x, weight, bias, stride, padding, dilation, groups, nd, who):  # noqa: ANN001
    if np.ndim(x) != nd + 2 or np.ndim(weight) != nd + 2:
        layout = "(N, C, L)" if nd == 1 else "(N, C, H, W)"
        raise ValueError(
            f"{who}: input must be {layout} and weight (C_out, C_in/groups, kernel…); got "
            f"shapes {np.shape(x)} and {np.shape(weight)}."
        )
    c_out, c_in_g, *kernel = np.shape(weight)
    kernel = tuple(kernel)
    stride = _tuple(stride, nd, "stride", who)
    dilation = _tuple(dilation, nd, "dilation", who)
    if isinstance(padding, str):
        if padding not in ("valid", "same"):
            raise ValueError(f"{who}: padding must be an int, a tuple, 'valid' or 'same'.")
        padding = (0,) * nd if padding == "valid" else _same_padding(kernel, dilation, stride, who)
    padding = _tuple(padding, nd, "padding", who)
    c_in = np.shape(x)[1]
    if groups < 1 or c_in % groups or c_out % groups or c_in // groups != c_in_g:
        raise ValueError(
            f"{who}: {c_in} input channels, groups={groups} and a weight of shape "
            f"{np.shape(weight)} do not fit: weight must be (C_out, C_in/groups, kernel…) with "
            "C_in and C_out divisible by groups."
        )
    # the slices are taken with the channels last, (N, *spatial, C_in), so that the stacked
    # patches come out as (N, *out, C_in, K), K = prod(kernel), already in the order of the
    # weight's (C_in/groups · K, C_out) matrix: one copy (the stack), one BLAS product per group
    channels_last = np.moveaxis(_pad(x, padding), 1, -1)
    rows, out = _windows(channels_last, kernel, stride, dilation, who, lead=1)
    n, k = np.shape(x)[0], int(np.prod(kernel))
    per_out = c_out // groups
    parts = []
    for g in range(groups):
        p = rows if groups == 1 else rows[..., g * c_in_g : (g + 1) * c_in_g, :]
        p = np.reshape(p, (-1, c_in_g * k))
        wg = np.reshape(weight[g * per_out : (g + 1) * per_out], (per_out, c_in_g * k))
        parts.append(p @ wg.T)  # (N · prod(out), C_out/groups)
    flat = parts[0] if groups == 1 else np.concatenate(parts, axis=-1)
    result = np.reshape(flat, (n, *out, c_out))
    out = np.moveaxis(result, -1, 1)  # (N, C_out, *out)
    if bias is not None:
        if np.shape(bias) != (c_out,):
            raise ValueError(f"{who}: bias must have shape ({c_out},), got {np.shape(bias)}.")
        out = out + np.reshape(bias, (1, c_out) + (1,) * nd)
    return out


def conv1d(
    input: Array,
    weight: Array,
    bias: Array | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Array:
    """1-D convolution (a cross-correlation, as in every deep-learning library), NCL layout.

    ``out[n, o, l] = b[o] + Σ_{c,k} w[o, c, k] · x[n, c, s·l + d·k]`` on the zero-padded input.

    Args:
        input: ``(N, C_in, L)``.
        weight: ``(C_out, C_in / groups, K)``.
        bias: ``(C_out,)`` or None.
        stride: an int (or a 1-tuple).
        padding: an int, a 1-tuple, ``"valid"`` or ``"same"``.
        dilation: an int (or a 1-tuple).
        groups: split the channels into this many independent convolutions.

    Returns:
        ``(N, C_out, L_out)`` with ``L_out = ⌊(L + 2p − d(K − 1) − 1) / s⌋ + 1``.
    """
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(
    input: Array,
    weight: Array,
    bias: Array | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Array:
    """2-D convolution (a cross-correlation), NCHW layout, as ``torch.nn.functional.conv2d``.

    ``out[n, o, i, j] = b[o] + Σ_{c,p,q} w[o, c, p, q] · x[n, c, s·i + d·p, s·j + d·q]``.

    Args:
        input: ``(N, C_in, H, W)``.
        weight: ``(C_out, C_in / groups, kH, kW)``.
        bias: ``(C_out,)`` or None.
        stride: an int or a pair.
        padding: an int, a pair, ``"valid"`` or ``"same"``.
        dilation: an int or a pair.
        groups: split the channels into this many independent convolutions.

    Returns:
        ``(N, C_out, H_out, W_out)``.

    Example:
        >>> conv2d(np.ones((1, 1, 4, 4)), np.ones((2, 1, 3, 3))).shape
        (1, 2, 2, 2)
    """
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def _pool_args(x, kernel_size, stride, padding, who):  # noqa: ANN001
    if np.ndim(x) not in (3, 4):
        raise ValueError(f"{who}: input must be (N, C, H, W) or (C, H, W), got {np.shape(x)}.")
    kernel = _tuple(kernel_size, 2, "kernel_size", who)
    stride = kernel if stride is None or stride == () else _tuple(stride, 2, "stride", who)
    padding = _tuple(padding, 2, "padding", who)
    if any(2 * p > k for p, k in zip(padding, kernel)):
        raise ValueError(f"{who}: padding must be at most half the kernel size, as in PyTorch.")
    return kernel, stride, padding


def _tiles(x: Array, kernel: tuple) -> Array | None:
    """Non-overlapping windows as two extra axes, (…, H/kh, kh, W/kw, kw), by a reshape."""
    *lead, h, w = np.shape(x)
    (kh, kw), (ho, wo) = kernel, (h // kernel[0], w // kernel[1])
    if ho == 0 or wo == 0:
        return None
    if (h, w) != (ho * kh, wo * kw):
        x = x[..., : ho * kh, : wo * kw]  # the rows and columns no window reaches
    return np.reshape(x, (*lead, ho, kh, wo, kw))


def max_pool2d(
    input: Array,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Array:
    """2-D max pooling: the largest entry of each window (padding counts as −∞).

    The gradient goes to the entry that won each window; an exact tie (rare with real data)
    shares it evenly, where PyTorch gives it all to one entry.

    Args:
        input: ``(N, C, H, W)`` or ``(C, H, W)``.
        kernel_size: an int or a pair.
        stride: an int or a pair; the kernel size by default.
        padding: an int or a pair.
        dilation: an int or a pair.

    Returns:
        The pooled array.
    """
    if ceil_mode or return_indices:
        raise NotImplementedError(
            "max_pool2d: ceil_mode and return_indices are not supported; pad the input "
            "instead of ceil_mode, and compute indices with np.argmax on plain arrays."
        )
    kernel, stride, padding = _pool_args(input, kernel_size, stride, padding, "max_pool2d")
    dilation = _tuple(dilation, 2, "dilation", "max_pool2d")
    if stride == kernel and dilation == (1, 1) and not any(padding):
        tiles = _tiles(input, kernel)  # the common case: one reshape and one reduction
        if tiles is not None:
            # the kh·kw window entries as the leading axis: a max over it is an elementwise
            # maximum of whole planes, many times faster than reducing two short inner axes
            window = np.moveaxis(tiles, (-3, -1), (0, 1))
            shape = np.shape(window)
            return np.max(np.reshape(window, (shape[0] * shape[1], *shape[2:])), axis=0)
    x = input
    if any(padding):
        inside = np.zeros(np.shape(input))
        border = np.pad(
            inside, [(0, 0)] * (np.ndim(x) - 2) + [(p, p) for p in padding], constant_values=-np.inf
        )
        x = _pad(x, padding) + border  # the padding never wins a window
    windows, _ = _windows(x, kernel, stride, dilation, "max_pool2d")
    return np.max(windows, axis=-1)


def avg_pool2d(
    input: Array,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Array:
    """2-D average pooling: the mean of each window; its gradient spreads evenly over it.

    Args:
        input: ``(N, C, H, W)`` or ``(C, H, W)``.
        kernel_size: an int or a pair.
        stride: an int or a pair; the kernel size by default.
        padding: an int or a pair.
        count_include_pad: divide by the whole window (True) or by its non-padding entries.
        divisor_override: divide by this instead.

    Returns:
        The pooled array.
    """
    if ceil_mode:
        raise NotImplementedError("avg_pool2d: ceil_mode is not supported; pad the input.")
    kernel, stride, padding = _pool_args(input, kernel_size, stride, padding, "avg_pool2d")
    if stride == kernel and not any(padding) and (tiles := _tiles(input, kernel)) is not None:
        total = np.sum(tiles, axis=(-3, -1))
        return total / (divisor_override or kernel[0] * kernel[1])
    windows, _ = _windows(_pad(input, padding), kernel, stride, (1, 1), "avg_pool2d")
    total = np.sum(windows, axis=-1)
    if divisor_override is not None:
        return total / divisor_override
    if count_include_pad or not any(padding):
        return total / (kernel[0] * kernel[1])
    ones = _pad(np.ones(np.shape(input)[-2:]), padding)
    counts, _ = _windows(ones, kernel, stride, (1, 1), "avg_pool2d")
    return total / np.sum(counts, axis=-1)
