"""Speed of derivlab's autodiff beside its peers, in one process (medians and ratios).

Run by hand (not a test):  .venv/bin/python bench/bench_engines.py
Optional peers: HIPS autograd (``pip install -r bench/requirements.txt``) and torch (always there).

Cases:
1. value_and_grad of a 784-256-10 tanh MLP with softmax cross-entropy, batch 128, float64:
   derivlab against a handwritten NumPy forward+backward, HIPS autograd and torch eager.
2. a 120-op elementwise chain on a length-16 vector: value_and_grad against torch eager.
3. time(value_and_grad)/time(f) on the MLP (the cheap gradient principle), beside the same
   ratio counted in flops by derivlab.cost, and hvp against grad.
4. the cost per operation of long programs (1k to 100k ops). Indexing-heavy code (a naive loop
   convolution, many small slices, ``for v in x``) has its own script, bench_indexing.py.
"""

from __future__ import annotations

import os

# One BLAS thread for every library, set before NumPy and torch load their BLAS: the same thread
# count for all peers, and far less noise on a small shared machine.
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

THREADS = 1
torch.set_num_threads(THREADS)


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
    candidates = {
        "derivlab value_and_grad": lambda: vg(params, X, Y),
        "handwritten NumPy forward+backward": lambda: handwritten(params, X, Y),
        "torch eager forward+backward": torch_mlp(),
        "f alone (NumPy forward)": lambda: mlp_loss(params, X, Y),
    }
    if autograd is not None:
        avg = autograd.value_and_grad(lambda p: mlp_loss(p, X, Y, xp=anp))
        candidates["HIPS autograd value_and_grad"] = lambda: avg(params)
    t = race(candidates, number=10)
    dl_t = t["derivlab value_and_grad"]
    for name, seconds in t.items():
        rows.append((f"MLP 784-256-10, batch 128: {name}", seconds, dl_t / seconds))
    # the same ratio counted, not timed: the same on every machine (derivlab.cost)
    flops = dl.cost(vg, params, X, Y).flops / dl.cost(mlp_loss, params, X, Y).flops
    summary = {
        "MLP derivlab / handwritten (target <= 1.10)": dl_t
        / t["handwritten NumPy forward+backward"],
        "MLP value_and_grad / f, timed (target <= 3)": dl_t / t["f alone (NumPy forward)"],
        "MLP value_and_grad / f, counted in flops by dl.cost": flops,
    }
    if autograd is not None:
        summary["MLP HIPS autograd / derivlab (target >= 2)"] = (
            t["HIPS autograd value_and_grad"] / dl_t
        )
    return summary


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
    candidates = {"derivlab value_and_grad": lambda: vg(x), "torch eager": torch_vg}
    if autograd is not None:
        avg = autograd.value_and_grad(lambda v: chain(v, xp=anp))
        candidates["HIPS autograd"] = lambda: avg(x)
    t = race(candidates, number=100)
    dl_t = t["derivlab value_and_grad"]
    for name, seconds in t.items():
        rows.append((f"{CHAIN}-op chain, length 16: {name}", seconds, dl_t / seconds))
    return {f"{CHAIN}-op chain derivlab / torch eager (target < 1)": dl_t / t["torch eager"]}


# ---- case 3: second order ----


def case_hvp(rows):
    w = rng.standard_normal(256) * 0.1
    A = rng.standard_normal((512, 256))
    b = rng.standard_normal(512)

    def f(w):
        return np.mean(np.log1p(np.exp(-(A @ w) * b))) + 0.01 * np.sum(w * w)

    v = rng.standard_normal(256)
    g = dl.grad(f)
    t = race({"grad": lambda: g(w), "hvp": lambda: dl.hvp(f, w, v)}, number=20)
    for name, seconds in t.items():
        rows.append((f"logistic loss 512x256: {name}", seconds, t["grad"] / seconds))
    return {"hvp / grad (target <= 4)": t["hvp"] / t["grad"]}


# ---- case 4: long programs (the tracer's own costs) ----


def case_long_programs(rows):
    """Cost per operation from 1,000 to 100,000 recorded operations: flat means no GC or
    bookkeeping that grows with the tape."""

    def chain(x, n):
        for _ in range(n // 2):
            x = x * 0.999 + 0.001
        return np.sum(x)

    x = np.ones(4)
    summary = {}
    per_op = {}
    for n in (1_000, 10_000, 100_000):
        vg = dl.value_and_grad(chain)
        runs = {"f": lambda n=n: chain(x, n), "vg": lambda n=n, vg=vg: vg(x, n)}
        t = race(runs, number=1, rounds=5)
        per_op[n] = t["vg"] / n
        rows.append((f"{n:,}-op chain: value_and_grad", t["vg"], t["vg"] / t["f"]))
        summary[f"{n:,}-op chain: value_and_grad / f"] = t["vg"] / t["f"]
    summary["per-op cost at 100,000 / at 1,000 (target ~1)"] = per_op[100_000] / per_op[1_000]
    return summary


def main() -> None:
    rows: list[tuple[str, float, float]] = []
    summary: dict[str, float] = {}
    summary.update(case_mlp(rows))
    summary.update(case_chain(rows))
    summary.update(case_hvp(rows))
    summary.update(case_long_programs(rows))
    versions = (
        f"python {platform.python_version()}, numpy {np.__version__}, torch {torch.__version__}, "
        f"autograd {'present' if autograd is not None else 'absent'}; one BLAS/torch thread; "
        f"{os.cpu_count()} CPUs; medians of 25 interleaved rounds"
    )
    print(versions)
    print()
    print_table(rows)
    print()
    for name, value in summary.items():
        print(f"- {name}: {value:.2f}")


if __name__ == "__main__":
    sys.exit(main())
