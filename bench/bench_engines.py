"""Speed of derivlab's autodiff beside its peers, in one process (medians and ratios).

Run by hand (not a test):  .venv/bin/python bench/bench_engines.py
Optional peers: HIPS autograd (``pip install -r bench/requirements.txt``) and torch (always there).

Cases:
1. value_and_grad of a 784-256-10 tanh MLP with softmax cross-entropy, batch 128, float64:
   derivlab against a handwritten NumPy forward+backward, HIPS autograd and torch eager.
2. a 120-op elementwise chain on a length-16 vector: value_and_grad against torch eager.
3. time(value_and_grad)/time(f) on the MLP (the cheap gradient principle), and hvp against grad.
"""

from __future__ import annotations

import os
import platform
import sys
import timeit

import numpy as np
import torch

import derivlab as dl

try:
    import autograd
    import autograd.numpy as anp
except ImportError:  # the peer is optional
    autograd = None

THREADS = 1
torch.set_num_threads(THREADS)


def median_seconds(fn, number: int, repeat: int = 15) -> float:
    """Median over ``repeat`` runs of the mean time of ``number`` calls."""
    fn()  # warm up
    return float(np.median(timeit.repeat(fn, number=number, repeat=repeat)) / number)


# ---- case 1: the MLP ----

rng = np.random.default_rng(0)
X = rng.standard_normal((128, 784))
labels = rng.integers(0, 10, size=128)
Y = np.eye(10)[labels]
params = {
    "W1": rng.standard_normal((784, 256)) / np.sqrt(784),
    "b1": np.zeros(256),
    "W2": rng.standard_normal((256, 10)) / np.sqrt(256),
    "b2": np.zeros(10),
}


def mlp_loss(p, X, Y, xp=np):
    h = xp.tanh(X @ p["W1"] + p["b1"])
    z = h @ p["W2"] + p["b2"]
    z = z - xp.max(z, axis=1, keepdims=True)
    logp = z - xp.log(xp.sum(xp.exp(z), axis=1, keepdims=True))
    return -xp.sum(Y * logp) / X.shape[0]


def handwritten(p, X, Y):
    """Forward and backward of the same network, derived by hand."""
    a = X @ p["W1"] + p["b1"]
    h = np.tanh(a)
    z = h @ p["W2"] + p["b2"]
    z = z - np.max(z, axis=1, keepdims=True)
    e = np.exp(z)
    s = np.sum(e, axis=1, keepdims=True)
    logp = z - np.log(s)
    n = X.shape[0]
    loss = -np.sum(Y * logp) / n
    dz = (e / s - Y) / n  # softmax minus one-hot
    gW2 = h.T @ dz
    gb2 = dz.sum(0)
    da = (dz @ p["W2"].T) * (1.0 - h * h)
    gW1 = X.T @ da
    gb1 = da.sum(0)
    return loss, {"W1": gW1, "b1": gb1, "W2": gW2, "b2": gb2}


def torch_mlp():
    tp = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    tX, tY = torch.tensor(X), torch.tensor(Y)

    def run():
        for v in tp.values():
            v.grad = None
        loss = mlp_loss(tp, tX, tY, xp=_TorchNp)
        loss.backward()
        return loss

    return run


class _TorchNp:
    tanh = staticmethod(torch.tanh)
    exp = staticmethod(torch.exp)
    log = staticmethod(torch.log)

    @staticmethod
    def max(z, axis, keepdims):
        return torch.amax(z, dim=axis, keepdim=keepdims)

    @staticmethod
    def sum(z, axis=None, keepdims=False):
        return z.sum() if axis is None else z.sum(dim=axis, keepdim=keepdims)


def case_mlp(rows):
    vg = dl.value_and_grad(mlp_loss)
    lv, g = vg(params, X, Y)
    lh, gh = handwritten(params, X, Y)
    assert abs(lv - lh) < 1e-12 and all(np.allclose(g[k], gh[k], atol=1e-12) for k in g)
    t_dl = median_seconds(lambda: vg(params, X, Y), 20)
    t_hand = median_seconds(lambda: handwritten(params, X, Y), 20)
    t_f = median_seconds(lambda: mlp_loss(params, X, Y), 20)
    t_torch = median_seconds(torch_mlp(), 20)
    rows.append(("MLP value_and_grad: derivlab", t_dl, 1.0))
    rows.append(("MLP value_and_grad: handwritten NumPy", t_hand, t_dl / t_hand))
    rows.append(("MLP value_and_grad: torch eager", t_torch, t_dl / t_torch))
    if autograd is not None:
        avg = autograd.value_and_grad(lambda p: mlp_loss(p, X, Y, xp=anp))
        t_ag = median_seconds(lambda: avg(params), 20)
        rows.append(("MLP value_and_grad: HIPS autograd", t_ag, t_dl / t_ag))
    rows.append(("MLP f alone (NumPy)", t_f, t_dl / t_f))
    return {
        "vg/hand": t_dl / t_hand,
        "vg/f": t_dl / t_f,
        "ag/dl": (t_ag / t_dl) if autograd else None,
    }


# ---- case 2: a long elementwise chain on a short vector (per-op overhead) ----

CHAIN = 120


def chain(x, xp=np):
    for i in range(CHAIN):
        k = i % 4
        if k == 0:
            x = xp.sin(x)
        elif k == 1:
            x = xp.tanh(x)
        elif k == 2:
            x = x * 1.01
        else:
            x = x + 0.5
    return xp.sum(x)


def case_chain(rows):
    x = np.linspace(0.1, 1.0, 16)
    vg = dl.value_and_grad(chain)
    tx = torch.tensor(x)

    def torch_vg():
        xt = tx.clone().requires_grad_(True)
        y = chain(xt, xp=torch)
        y.backward()
        return y, xt.grad

    assert np.allclose(vg(x)[1], torch_vg()[1].numpy(), atol=1e-12)
    t_dl = median_seconds(lambda: vg(x), 200)
    t_torch = median_seconds(torch_vg, 200)
    rows.append((f"{CHAIN}-op chain value_and_grad: derivlab", t_dl, 1.0))
    rows.append((f"{CHAIN}-op chain value_and_grad: torch eager", t_torch, t_dl / t_torch))
    if autograd is not None:
        avg = autograd.value_and_grad(lambda v: chain(v, xp=anp))
        t_ag = median_seconds(lambda: avg(x), 200)
        rows.append((f"{CHAIN}-op chain value_and_grad: HIPS autograd", t_ag, t_dl / t_ag))
    return {"chain dl/torch": t_dl / t_torch}


# ---- case 3: second order ----


def case_hvp(rows):
    w = rng.standard_normal(256) * 0.1
    A = rng.standard_normal((512, 256))
    b = rng.standard_normal(512)

    def f(w):
        return np.mean(np.log1p(np.exp(-(A @ w) * b))) + 0.01 * np.sum(w * w)

    v = rng.standard_normal(256)
    g = dl.grad(f)
    t_g = median_seconds(lambda: g(w), 50)
    t_h = median_seconds(lambda: dl.hvp(f, w, v), 50)
    rows.append(("logistic loss (512×256) grad", t_g, 1.0))
    rows.append(("logistic loss (512×256) hvp", t_h, t_h / t_g))
    return {"hvp/grad": t_h / t_g}


def main() -> None:
    rows: list[tuple[str, float, float]] = []
    summary = {}
    summary.update(case_mlp(rows))
    summary.update(case_chain(rows))
    summary.update(case_hvp(rows))
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, torch {torch.__version__}, "
        f"autograd {getattr(autograd, '__version__', 'absent') if autograd else 'absent'}, "
        f"torch threads {THREADS}, cpus {os.cpu_count()}"
    )
    print(f"| {'case':<48} | {'median':>10} | {'derivlab / this':>15} |")
    print(f"|{'-' * 50}|{'-' * 12}|{'-' * 17}|")
    for name, t, ratio in rows:
        print(f"| {name:<48} | {t * 1e3:>7.3f} ms | {ratio:>15.2f} |")
    print()
    for k, v in summary.items():
        if v is not None:
            print(f"{k}: {v:.2f}")


if __name__ == "__main__":
    sys.exit(main())
