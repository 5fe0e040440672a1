"""Indexing-heavy code: the tracer's cost per small slice, beside the forward pass and peers.

Run by hand (not a test):  .venv/bin/python bench/bench_indexing.py
Optional peer: HIPS autograd (``pip install -r bench/requirements.txt``); torch is always there.

Cases (each a Python loop that reads many small pieces of one traced array):
1. a naive loop convolution over 8,192 windows, ``x[i:i+9] * w`` summed per window and stacked:
   derivlab ``grad`` against the forward pass alone (target: within 5×), HIPS autograd and torch
   eager running the same code;
2. a loop over 2,000 overlapping slices ``x[i:i+16]``, each squared and summed (target: 5×);
3. ``for v in x`` over a vector of n elements, n = 1,000 to 8,000: the gradient's time per
   element must stay flat (no step that costs O(n) per element, which would make it quadratic).
"""

from __future__ import annotations

import os

# One BLAS thread for every library, set before NumPy and torch load their BLAS.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import platform  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from _race import print_table, race  # noqa: E402  (bench/ is on sys.path when a script runs)

import derivlab as dl  # noqa: E402

try:
    import autograd
    import autograd.numpy as anp
except ImportError:  # the peer is optional
    autograd = None

torch.set_num_threads(1)


class _TorchXp:
    stack = staticmethod(torch.stack)
    sum = staticmethod(torch.sum)


def naive_conv(x, w, xp=np):
    """A loop convolution as a beginner writes it: one small slice per output position."""
    k = w.shape[0]
    out = xp.stack([xp.sum(x[i : i + k] * w) for i in range(x.shape[0] - k + 1)])
    return xp.sum(out**2)


def slices(x, n=2000, k=16):
    """A loop over ``n`` overlapping slices of length ``k``, each squared and summed."""
    total = 0.0
    for i in range(n):
        total = total + np.sum(x[i : i + k] ** 2)
    return total


def iterate(x):
    """``for v in x``: every element is a slice of the vector."""
    total = 0.0
    for v in x:
        total = total + v * v
    return total


def case_conv(rows, summary):
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal(8192 + 8), rng.standard_normal(9)
    g = dl.grad(naive_conv)
    tw = torch.tensor(w)

    def torch_grad():
        tx = torch.tensor(x, requires_grad=True)
        naive_conv(tx, tw, xp=_TorchXp).backward()
        return tx.grad

    np.testing.assert_allclose(torch_grad().numpy(), g(x, w), rtol=1e-10)
    candidates = {
        "f alone (NumPy)": lambda: naive_conv(x, w),
        "derivlab grad": lambda: g(x, w),
        "torch eager forward+backward": torch_grad,
    }
    t = race(candidates, number=1, rounds=9)
    dl_t = t["derivlab grad"]
    for name, seconds in t.items():
        rows.append((f"naive conv, 8,192 windows: {name}", seconds, dl_t / seconds))
    summary["naive conv: derivlab grad / f (target <= 5)"] = dl_t / t["f alone (NumPy)"]
    summary["naive conv: torch eager / derivlab"] = t["torch eager forward+backward"] / dl_t
    if autograd is not None:
        # HIPS autograd builds a dense zero array per slice (quadratic: ~55 s at 8,192 windows
        # on the 2-core machine), so it races on 1,024 windows, against derivlab on the same
        xs = x[: 1024 + 8]
        ag = autograd.grad(lambda v: naive_conv(v, w, xp=anp))
        np.testing.assert_allclose(ag(xs), g(xs, w), rtol=1e-10)
        small = race({"derivlab grad": lambda: g(xs, w), "autograd": lambda: ag(xs)}, 1, rounds=3)
        rows.append(("naive conv, 1,024 windows: derivlab grad", small["derivlab grad"], 1.0))
        ratio = small["derivlab grad"] / small["autograd"]
        rows.append(("naive conv, 1,024 windows: HIPS autograd grad", small["autograd"], ratio))
        summary["naive conv (1,024 windows): HIPS autograd / derivlab"] = 1 / ratio


def case_slices(rows, summary):
    x = np.random.default_rng(6).standard_normal(2000 + 15)
    g = dl.grad(slices)
    expect = np.zeros_like(x)
    for i in range(2000):
        expect[i : i + 16] += 2 * x[i : i + 16]
    np.testing.assert_allclose(g(x), expect, rtol=1e-13)
    # 25 rounds (0.6 s): with 9, one burst of machine noise in a few rounds moved the median
    t = race({"f alone (NumPy)": lambda: slices(x), "derivlab grad": lambda: g(x)}, 1, rounds=25)
    for name, seconds in t.items():
        rows.append((f"2,000 slices of 16: {name}", seconds, t["derivlab grad"] / seconds))
    summary["2,000 slices: derivlab grad / f (target <= 5)"] = (
        t["derivlab grad"] / t["f alone (NumPy)"]
    )


def case_iterate(rows, summary):
    per_element = {}
    for n in (1_000, 2_000, 4_000, 8_000):
        x = np.linspace(-1.0, 1.0, n)
        g = dl.grad(iterate)
        np.testing.assert_allclose(g(x), 2 * x, rtol=1e-14)
        t = race({"f": lambda x=x: iterate(x), "grad": lambda x=x, g=g: g(x)}, 1, rounds=5)
        per_element[n] = t["grad"] / n
        rows.append((f"for v in x, n = {n:,}: derivlab grad", t["grad"], t["grad"] / t["f"]))
    summary["for v in x: grad time per element at 8,000 / at 1,000 (target ~1)"] = (
        per_element[8_000] / per_element[1_000]
    )


def main() -> int:
    rows: list[tuple[str, float, float]] = []
    summary: dict[str, float] = {}
    case_conv(rows, summary)
    case_slices(rows, summary)
    case_iterate(rows, summary)
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, torch {torch.__version__}, "
        f"autograd {'present' if autograd is not None else 'absent'}; one BLAS/torch thread; "
        f"{os.cpu_count()} CPUs; medians of interleaved rounds"
    )
    print()
    print_table(rows, digits=2)
    print()
    for name, value in summary.items():
        print(f"- {name}: {value:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
