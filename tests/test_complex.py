"""Complex intermediates of real functions, and the FFTs: derivatives against torch.autograd.

A real function may compute with complex values on the way (``x * (1 + 2j)``, ``np.exp(1j x)``,
an FFT and its inverse) as long as its output is real. Each example is checked in reverse mode,
forward mode and at second order against torch, which differentiates complex code natively.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from oracles import assert_close

import derivlab as dl

_rng = np.random.default_rng(7)
X8 = _rng.standard_normal(8)
M46 = _rng.standard_normal((4, 6))
K8 = np.arange(8.0)
T8, T11 = torch.arange(8.0, dtype=torch.float64), torch.arange(11.0, dtype=torch.float64)

# (NumPy function, the same in torch, argument)
EXAMPLES = {
    "abs-times-complex": (lambda x: np.sum(np.abs(x * (1 + 2j))),
                          lambda x: (x * (1 + 2j)).abs().sum(), X8),
    "times-1j-imag": (lambda x: np.sum((x * 1j).imag * x), lambda x: ((x * 1j).imag * x).sum(), X8),
    "exp-i-x": (lambda x: np.sum(np.exp(1j * x) * (2 - 1j)).real,
                lambda x: (torch.exp(1j * x) * (2 - 1j)).sum().real, X8),
    "division": (lambda x: np.sum(np.abs((x + 2j) / (1.5 - x * 1j))),
                 lambda x: ((x + 2j) / (1.5 - x * 1j)).abs().sum(), X8),
    "power-and-conj": (lambda x: np.sum(((x + 0.5j) ** 3 * np.conj(x - 1j)).real),
                       lambda x: ((x + 0.5j) ** 3 * torch.conj(x - 1j)).real.sum(), X8),
    "power-spectrum": (lambda x: np.sum(np.abs(np.fft.fft(x)) ** 2 * K8),
                       lambda x: (torch.fft.fft(x).abs() ** 2 * T8).sum(), X8),
    "rfft-parts": (lambda x: np.sum(np.fft.rfft(x).real * K8[:5] + np.fft.rfft(x).imag ** 2),
                   lambda x: (torch.fft.rfft(x).real * T8[:5]
                              + torch.fft.rfft(x).imag ** 2).sum(), X8),
    "filter-roundtrip": (lambda x: np.sum(np.fft.irfft(np.fft.rfft(x) * (1 + 0.5j)) * K8),
                         lambda x: (torch.fft.irfft(torch.fft.rfft(x) * (1 + 0.5j))
                                    * T8).sum(), X8),
    "ortho-phase": (lambda x: np.sum(np.fft.ifft(np.fft.fft(x, norm="ortho")
                                                 * np.exp(1j * K8)).real ** 2),
                    lambda x: (torch.fft.ifft(torch.fft.fft(x, norm="ortho")
                                              * torch.exp(1j * T8)).real ** 2).sum(),
                    X8),
    "irfft-odd-crop": (lambda x: np.sum(np.fft.irfft(np.fft.rfft(x)[:4] * 2j, n=7) ** 2),
                       lambda x: (torch.fft.irfft(torch.fft.rfft(x)[:4] * 2j, n=7) ** 2).sum(), X8),
    "angle": (lambda x: np.sum(np.angle(np.fft.fft(x))[1:4]),
              lambda x: torch.angle(torch.fft.fft(x))[1:4].sum(), X8),
    "fftshift-padded": (lambda x: np.sum(np.fft.fftshift(np.abs(np.fft.fft(x, n=11)))
                                         * np.arange(11.0)),
                        lambda x: (torch.fft.fftshift(torch.fft.fft(x, n=11).abs())
                                   * T11).sum(), X8),
    "2d": (lambda x: np.sum(np.abs(np.fft.rfft2(x)) ** 3)
           + np.sum(np.fft.irfftn(np.fft.fftn(x)[:, :4] * 1j, s=(4, 6)) ** 2),
           lambda x: (torch.fft.rfft2(x).abs() ** 3).sum()
           + (torch.fft.irfftn(torch.fft.fftn(x)[:, :4] * 1j, s=(4, 6)) ** 2).sum(), M46),
    "convolution-theorem": (lambda x: np.sum(np.fft.irfft(np.fft.rfft(x) * np.fft.rfft(x[::-1]))
                                             * K8),
                            lambda x: (torch.fft.irfft(torch.fft.rfft(x)
                                                       * torch.fft.rfft(x.flip(0)))
                                       * T8).sum(), X8),
}  # fmt: skip


def _torch_grad(tf: Any, x: np.ndarray) -> np.ndarray:
    t = torch.tensor(x, requires_grad=True)
    tf(t).backward()
    return t.grad.numpy()


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_value_and_gradient_match_torch(name: str) -> None:
    f, tf, x = EXAMPLES[name]
    value, g = dl.value_and_grad(f)(x)
    assert_close(value, tf(torch.tensor(x)).item(), rtol=1e-12, atol=1e-12)
    want = _torch_grad(tf, x)
    assert_close(g, want, rtol=1e-10, atol=1e-12)
    assert_close(dl.jacfwd(f)(x), want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["abs-times-complex", "exp-i-x", "power-spectrum", "2d",
                                  "filter-roundtrip", "convolution-theorem"])  # fmt: skip
def test_second_derivative_matches_torch(name: str) -> None:
    f, tf, x = EXAMPLES[name]
    want = torch.autograd.functional.hessian(tf, torch.tensor(x)).numpy()
    n = x.size
    assert_close(dl.hessian(f)(x).reshape(n, n), want.reshape(n, n), rtol=1e-9, atol=1e-10)


def test_the_reported_case_is_sqrt5() -> None:
    """np.abs(x·(1 + 2j)) at x = 1 used to come back as a complex "gradient"."""
    g = dl.grad(lambda x: np.abs(x * (1 + 2j)))(1.0)
    assert isinstance(g, np.floating) and g == pytest.approx(np.sqrt(5.0), rel=1e-15)
    assert dl.grad(lambda x: (x * 1j).imag)(1.0) == 1.0


def test_abs_of_a_complex_zero_has_gradient_zero() -> None:
    x = np.array([1.0, 2.0, 3.0, 2.0])  # fft(x)[1] = -2, fft(x)[2] = 1 - 2 + 3 - 2 = 0

    def f(x: Any) -> Any:
        return np.sum(np.abs(np.fft.fft(x))[1:3])

    def tf(x: Any) -> Any:
        return torch.fft.fft(x).abs()[1:3].sum()

    assert np.fft.fft(x)[2] == 0
    g = dl.grad(f)(x)
    assert np.all(np.isfinite(g))
    assert_close(g, _torch_grad(tf, x), rtol=1e-12, atol=1e-15)


def test_float32_stays_float32() -> None:
    x = X8.astype(np.float32)
    g = dl.grad(lambda x: np.sum(np.abs(np.fft.rfft(x)) ** 2))(x)
    assert g.dtype == np.float32
    want = _torch_grad(lambda t: (torch.fft.rfft(t).abs() ** 2).sum(), X8)
    assert_close(g, want, rtol=1e-4, atol=1e-4)


def test_parseval_gradient() -> None:
    """Σ|fft(x)|² = n Σx², so its gradient is 2n x (a known value, no oracle needed)."""
    g = dl.grad(lambda x: np.sum(np.abs(np.fft.fft(x)) ** 2))(X8)
    assert_close(g, 2 * 8 * X8, rtol=1e-12)


def test_plain_complex_arithmetic_is_untouched() -> None:
    z = np.fft.fft(X8)  # no traced value: NumPy's own result
    assert isinstance(z, np.ndarray) and z.dtype == np.complex128


# ---- what is refused, and why ----


def test_complex_output_is_a_type_error() -> None:
    for f in (lambda x: np.fft.fft(x), lambda x: np.sum(x * 1j), lambda x: [x, x * 1j]):
        with pytest.raises(TypeError, match=r"returned a complex value.*\.real"):
            dl.jacrev(f)(X8)


@pytest.mark.parametrize(
    ("fn", "error", "match"),
    [
        (lambda x: np.sum(np.sin(x * 1j)).real, NotImplementedError, "np.sin of a complex"),
        (lambda x: np.sum((x * 1j) ** 0.5).real, NotImplementedError, "whole power"),
        (lambda x: np.sum(np.fft.rfft(x * 1j)).real, TypeError, "real input"),
        (lambda x: float(np.sum(x * 1j).real) if bool(x[0] * 1j) else 0.0, TypeError, "ambiguous"),
        (lambda x: np.asarray(x * 1j).real.sum(), TypeError, "converted to a plain array"),
        (lambda x: np.sum(np.sort(x * 1j)).real, NotImplementedError, "np.sort of a complex"),
    ],
    ids=["sin", "fractional-power", "rfft-of-complex", "bool", "asarray", "sort"],
)
def test_unsupported_uses_say_what_to_do(fn: Any, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        dl.grad(fn)(X8)


def test_complex_inputs_keep_one_error() -> None:
    for z in (1j, np.array([1j, 2.0])):
        with pytest.raises(NotImplementedError, match=r"complex inputs"):
            dl.grad(lambda a: np.sum(np.abs(a)))(z)
