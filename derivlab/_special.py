"""Special functions as rows of the primitive table: the error function (for GELU)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import sympy as sp

from derivlab._core import Box, Primitive, bind
from derivlab._primitives import _register

_erf_vec = np.frompyfunc(math.erf, 1, 1)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)  # a Python float: keeps float32 float32


def erf(x: Any) -> Any:
    """The error function erf(x) = (2/√π) ∫₀ˣ e^{-t²} dt, differentiable by every engine."""
    if isinstance(x, Box):  # traced: the trace applies the row, as np.sin's dispatch does
        return bind(ERF, (x,), {})
    a = np.asarray(x)
    dtype = a.dtype if np.issubdtype(a.dtype, np.floating) else np.float64
    return np.asarray(_erf_vec(a), dtype=dtype)[()]


def _erf_slope(x: Any) -> Any:
    return _TWO_OVER_SQRT_PI * np.exp(-x * x)  # erf'(x) = 2/√π e^{-x²}


ERF = _register(
    Primitive(
        "erf",
        erf,
        lambda tangents, ans, x: tangents[0] * _erf_slope(x),
        lambda i, g, ans, x: g * _erf_slope(x),
        sympy=sp.erf,
        torch="erf",
        nin=1,
    )
)
