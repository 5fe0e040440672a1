"""One training step of chapter 13's CNN in derivlab beside torch eager (medians and ratios).

Run by hand (not a test):  .venv/bin/python bench/bench_nn.py

The model and shapes are the chapter's: 200 images of 12 x 12 (dl.data.bars_and_crosses),
conv 3x3 (1 -> 4, padding 1), ReLU, 2x2 max pooling, conv 3x3 (4 -> 8), ReLU, average pooling
over the 4 x 4 map, linear 8 -> 2, mean cross-entropy; float64. A step is value_and_grad of the
loss (derivlab) or forward plus ``loss.backward()`` (torch). Both start from the same weights, and
the gradients are checked equal before anything is timed. When derivlab is more than twice as
slow as torch, the top entries of a cProfile of its step are printed, to show where the time
goes.
"""

from __future__ import annotations

import os

# One BLAS thread for every library, set before NumPy and torch load their BLAS (see
# bench_engines.py): the same thread count for both, and far less noise on a shared machine.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import cProfile  # noqa: E402
import io  # noqa: E402
import platform  # noqa: E402
import pstats  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from _race import race  # noqa: E402  (bench/ is on sys.path when a script runs)

import derivlab as dl  # noqa: E402

nn = dl.nn
THREADS = 1
torch.set_num_threads(THREADS)
torch.set_default_dtype(torch.float64)


# ---- the chapter's model ----


def cnn_loss(params, X, y):
    h = nn.relu(nn.conv2d(X, params["W1"], params["b1"], padding=1))
    h = nn.max_pool2d(h, 2)
    h = nn.relu(nn.conv2d(h, params["W2"], params["b2"]))
    h = nn.avg_pool2d(h, 4)[:, :, 0, 0]
    return nn.cross_entropy(nn.linear(h, params["W3"], params["b3"]), y)


def torch_cnn_loss(tp, X, y):
    h = F.relu(F.conv2d(X, tp["W1"], tp["b1"], padding=1))
    h = F.max_pool2d(h, 2)
    h = F.relu(F.conv2d(h, tp["W2"], tp["b2"]))
    h = F.avg_pool2d(h, 4)[:, :, 0, 0]
    return F.cross_entropy(F.linear(h, tp["W3"], tp["b3"]), y)


def init_cnn(seed):
    r = np.random.default_rng(seed)

    def he(*shape):
        return r.normal(0.0, np.sqrt(2 / np.prod(shape[1:])), shape)

    return {
        "W1": he(4, 1, 3, 3), "b1": np.zeros(4),
        "W2": he(8, 4, 3, 3), "b2": np.zeros(8),
        "W3": he(2, 8), "b3": np.zeros(2),
    }  # fmt: skip


def main() -> None:
    X, y = dl.data.bars_and_crosses(200, noise=0.1, seed=0)
    params = init_cnn(0)
    vg = dl.value_and_grad(cnn_loss)
    tp = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    tX, ty = torch.tensor(X), torch.tensor(y)

    def torch_step():
        for v in tp.values():
            v.grad = None
        loss = torch_cnn_loss(tp, tX, ty)
        loss.backward()
        return loss

    def torch_forward():
        with torch.no_grad():
            return torch_cnn_loss(tp, tX, ty)

    value, grads = vg(params, X, y)
    torch_value = torch_step()
    assert abs(value - torch_value.item()) < 1e-12
    for k, g in grads.items():
        np.testing.assert_allclose(g, tp[k].grad.numpy(), rtol=1e-10, atol=1e-12)

    t = race(
        {
            "derivlab value_and_grad": lambda: vg(params, X, y),
            "torch eager forward+backward": torch_step,
            "derivlab forward (plain NumPy)": lambda: cnn_loss(params, X, y),
            "torch eager forward (no_grad)": torch_forward,
        },
        number=10,
    )
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"torch {torch.__version__}; one BLAS/torch thread; {os.cpu_count()} CPUs; "
        "medians of 25 interleaved rounds"
    )
    print()
    print(f"| {'case (batch 200, 12 x 12, float64)':<44} | {'median':>10} |")
    print(f"|{'-' * 46}|{'-' * 12}|")
    for name, seconds in t.items():
        print(f"| {name:<44} | {seconds * 1e3:>7.3f} ms |")
    step_ratio = t["derivlab value_and_grad"] / t["torch eager forward+backward"]
    forward_ratio = t["derivlab forward (plain NumPy)"] / t["torch eager forward (no_grad)"]
    print()
    print(f"- training step, derivlab / torch eager (target <= 2): {step_ratio:.2f}")
    print(f"- forward only, derivlab / torch eager: {forward_ratio:.2f}")
    if step_ratio > 2:
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(20):
            vg(params, X, y)
        profile.disable()
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(12)
        print()
        print("derivlab is more than 2x slower: cProfile of 20 steps, by own time")
        print(out.getvalue())


if __name__ == "__main__":
    sys.exit(main())
