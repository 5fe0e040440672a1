"""Special functions as rows of the primitive table: the error function (for GELU)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import sympy as sp
from numpy.polynomial import chebyshev

from derivlab._core import Box, Primitive, bind
from derivlab._primitives import _register

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)  # a Python float: keeps float32 float32

# erf in float64, vectorised (math.erf element by element took a third of chapter 15's step).
# |x| < 1: erf(x) = x·P(x²), P the degree-12 Chebyshev interpolant in t = x² on [0, 1] of
# erf(√t)/√t, computed with mpmath at 50 digits and expanded in powers of t (its error there is
# below 1e-17; evaluated in float64 by Horner's rule it is within 2 ulp of erf). It replaced the
# 19-term Taylor series: 12 steps of Horner's rule instead of 18, on every GELU input.
# 1 ≤ |x| < 6: erf(x) = 1 − e^{−x²}·F(x) with F(x) = erfc(x)·e^{x²} smooth and slowly varying:
# a degree-16 Chebyshev interpolant on each of four intervals, coefficients computed with
# mpmath at 40 digits (F's relative error ≤ 2e-16 on each). |x| ≥ 6: erfc(x) < 3e-17, so
# erf(x) = ±1 in float64. Checked against math.erf in tests/test_regressions.py.
_ERF_SMALL = np.array(
    [
        1.1283791670955126,
        -0.3761263890318375,
        0.11283791670954879,
        -0.026866170645076792,
        0.0052239776248180145,
        -0.000854832698083379,
        0.0001205533111164271,
        -1.4925595266831182e-05,
        1.6461000484121368e-06,
        -1.6350312701054695e-07,
        1.4659775274047436e-08,
        -1.1372848856791674e-09,
        5.957176147748911e-11,
    ]
)
_ERFC_EDGES = np.array([1.0, 2.0, 3.25, 4.5, 6.0])
_ERFC_CHEB = np.array(
    [
        [
            0.331427281639452,
            -0.0850021377067432,
            0.009951127341466115,
            -0.0010810888102208325,
            0.0001102324363119495,
            -1.0636830518218601e-05,
            9.775012680479055e-07,
            -8.597922867888315e-08,
            7.2677084117248425e-09,
            -5.923543840592542e-10,
            4.6683928572294154e-11,
            -3.5661277015677288e-12,
            2.645877951906767e-13,
            -1.9101658667347927e-14,
            1.3439764866689656e-15,
            -9.22862586358592e-17,
            6.166538925305747e-18,
        ],
        [
            0.20633543389125553,
            -0.044088561217695006,
            0.004488652014807318,
            -0.0004378500400253713,
            4.109725845921469e-05,
            -3.724649581237707e-06,
            3.268818318785709e-07,
            -2.7847076062530952e-08,
            2.307540433516761e-09,
            -1.8632701814323727e-10,
            1.4683748867564785e-11,
            -1.1309154373307002e-12,
            8.522876782850516e-14,
            -6.291874985445849e-15,
            4.554484489833413e-16,
            -3.235500274860805e-17,
            2.2472552633960124e-18,
        ],
        [
            0.1427804192843779,
            -0.02180712474024122,
            0.001621289113179914,
            -0.00011756752670533227,
            8.32860194847863e-06,
            -5.771907775183762e-07,
            3.9179770179265706e-08,
            -2.6077899497293466e-09,
            1.703627203660771e-10,
            -1.0933229721041377e-11,
            6.898249682055692e-13,
            -4.2821250152765814e-14,
            2.6169549331781363e-15,
            -1.5754785994993983e-16,
            9.348680030536574e-18,
            -5.470525432769849e-19,
            3.1482898929085806e-20,
        ],
        [
            0.10661722126431442,
            -0.01478602453684436,
            0.0010089564063989714,
            -6.779939376888864e-05,
            4.489413401739846e-06,
            -2.931013483064867e-07,
            1.8877463854636752e-08,
            -1.2000019359443107e-09,
            7.53236533348788e-11,
            -4.670638090984244e-12,
            2.86212053631914e-13,
            -1.7339095358405476e-14,
            1.0388225378866412e-15,
            -6.157053911144334e-17,
            3.6112119242688285e-18,
            -2.0965298648143028e-19,
            1.201298728005282e-20,
        ],
    ]
)


# the interpolants in powers of u, for Horner's rule (well conditioned here: every power's
# coefficient is below 0.33 and |u| ≤ 1; F stays within 2.3e-16 of its mpmath value), one row per
# power, one column per interval; each interval's u = (2x − (lo + hi)) / (hi − lo)
_ERFC_POWERS = np.array([chebyshev.cheb2poly(c) for c in _ERFC_CHEB]).T.copy()
_ERFC_SUMS = _ERFC_EDGES[:-1] + _ERFC_EDGES[1:]
_ERFC_SCALES = 1.0 / (_ERFC_EDGES[1:] - _ERFC_EDGES[:-1])


def _erf_float64(x: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(x).reshape(-1)  # flat (a 0-d array too): positions index it
    # two float temporaries in all (t and p): a fresh array of this size can cost as much in
    # page faults as the arithmetic, when the heap has just been trimmed
    small = (a > -1.0) & (a < 1.0)  # false for nan
    everywhere = bool(small.all())
    # the |x| < 1 branch runs on the whole array (x set to 0 where |x| ≥ 1, overwritten below):
    # cheaper than gathering the small values out and scattering them back
    t = a.copy() if everywhere else np.where(small, a, 0.0)
    t *= t
    p = t * _ERF_SMALL[-1]
    for c in _ERF_SMALL[-2:0:-1]:  # Horner's rule, in place
        p += c
        p *= t
    p += _ERF_SMALL[0]
    p *= a
    if not everywhere:
        rest = np.flatnonzero(~small)  # positions: a gather and a scatter by them are cheaper
        p[rest] = _erf_large(a.take(rest))  # than by the boolean mask
    return p.reshape(np.shape(x))


def _erf_large(ar: np.ndarray) -> np.ndarray:
    """erf of values with |x| ≥ 1 (or nan)."""
    xr = np.abs(ar)
    fr = np.sign(ar)  # |x| ≥ 6, ±inf: ±1; nan stays nan
    mid = xr < _ERFC_EDGES[-1]  # 1 ≤ |x| < 6
    everywhere = bool(mid.all())
    xm = xr if everywhere else xr[mid]
    if not xm.size:
        return fr
    # every interval at once: each value reads its own interval's coefficients, so the work is
    # one Horner step per degree for all of them (not one pass per interval)
    k = (xm >= _ERFC_EDGES[1]).astype(np.intp)
    for edge in _ERFC_EDGES[2:-1]:
        k += xm >= edge  # the interval of each value, 0 to 3
    u = 2.0 * xm
    u -= _ERFC_SUMS[k]
    u *= _ERFC_SCALES[k]  # u in [-1, 1] on each value's interval
    f = _ERFC_POWERS[-1][k]
    for row in _ERFC_POWERS[-2::-1]:
        f *= u
        f += row[k]
    f *= np.exp(-xm * xm)  # erfc|x|
    np.subtract(1.0, f, out=f)  # erf|x|
    if everywhere:
        fr *= f  # sign(x) · erf|x|
    else:
        fr[mid] *= f
    return fr


def erf(x: Any) -> Any:
    """The error function erf(x) = (2/√π) ∫₀ˣ e^{-t²} dt, differentiable by every engine."""
    if isinstance(x, Box):  # traced: the trace applies the row, as np.sin's dispatch does
        return bind(ERF, (x,), {})
    a = np.asarray(x)
    dtype = a.dtype if np.issubdtype(a.dtype, np.floating) else np.float64
    return _erf_float64(a.astype(np.float64, copy=False)).astype(dtype, copy=False)[()]


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
