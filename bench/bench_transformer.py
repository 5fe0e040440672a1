"""One training step of chapter 15's transformer: derivlab against torch eager (medians, ratios).

Run by hand (not a test):  .venv/bin/python bench/bench_transformer.py [--profile]

The model and shapes are the chapter's: a one-block pre-norm transformer (token and position
embeddings, two-head self-attention, a GELU network of 32 hidden units, three layer norms),
E = 16, sequences of 8 tokens from a vocabulary of 8, a batch of 64, float64. One step is
``value_and_grad`` of the mean cross-entropy: derivlab differentiates the plain-NumPy model
built from ``derivlab.nn``; torch runs the same function on tensors from the same weights
(``torch.nn.functional`` has the same signatures) and calls ``backward()``.

``--profile`` prints the top cProfile entries of derivlab's step, to show where its time goes.
"""

from __future__ import annotations

import os

# One BLAS thread for every library, set before NumPy and torch load their BLAS.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import cProfile  # noqa: E402
import platform  # noqa: E402
import pstats  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from _race import print_table, race  # noqa: E402  (bench/ is on sys.path when a script runs)

import derivlab as dl  # noqa: E402

torch.set_num_threads(1)
torch.set_default_dtype(torch.float64)

V_SIZE, LENGTH, E, HEADS, HIDDEN, BATCH = 8, 8, 16, 2, 32, 64


# ---- the chapter's model, written once for a namespace of layer functions ----


def init_transformer(rng: np.random.Generator) -> dict[str, np.ndarray]:
    def weight(n_out: int, n_in: int) -> np.ndarray:
        return rng.normal(0.0, 1.0 / np.sqrt(n_in), (n_out, n_in))

    params = {"tok": rng.standard_normal((V_SIZE, E))}
    params["pos"] = rng.standard_normal((LENGTH, E))
    for name in ("ln1", "ln2", "lnf"):
        params[name + "_w"], params[name + "_b"] = np.ones(E), np.zeros(E)
    for name in ("Wq", "Wk", "Wv", "Wo"):
        params[name] = weight(E, E)
    params["W1"], params["b1"] = weight(HIDDEN, E), np.zeros(HIDDEN)
    params["W2"], params["b2"] = weight(E, HIDDEN), np.zeros(E)
    params["Wout"] = weight(V_SIZE, E)
    return params


def split_heads(x):
    n, length, _ = x.shape
    return x.reshape(n, length, HEADS, E // HEADS).swapaxes(1, 2)


def join_heads(x):
    n, _, length, _ = x.shape
    return x.swapaxes(1, 2).reshape(n, length, E)


def transformer(p, tokens, nn):
    x = nn.embedding(tokens, p["tok"]) + p["pos"]
    h = nn.layer_norm(x, (E,), p["ln1_w"], p["ln1_b"])
    q, k, v = (split_heads(nn.linear(h, p[w])) for w in ("Wq", "Wk", "Wv"))
    x = x + nn.linear(join_heads(nn.scaled_dot_product_attention(q, k, v)), p["Wo"])
    h = nn.layer_norm(x, (E,), p["ln2_w"], p["ln2_b"])
    x = x + nn.linear(nn.gelu(nn.linear(h, p["W1"], p["b1"])), p["W2"], p["b2"])
    return nn.linear(nn.layer_norm(x, (E,), p["lnf_w"], p["lnf_b"]), p["Wout"])


def loss(params, tokens, targets, nn=dl.nn):
    logits = transformer(params, tokens, nn)
    return nn.cross_entropy(logits.reshape(-1, V_SIZE), targets.reshape(-1))


def main(argv: list[str]) -> int:
    rng = np.random.default_rng(0)
    params = init_transformer(rng)
    tokens = rng.integers(0, V_SIZE, (BATCH, LENGTH))
    targets = tokens[:, ::-1].copy()

    derivlab_step = dl.value_and_grad(loss)
    tparams = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    ttokens, ttargets = torch.tensor(tokens), torch.tensor(targets)

    def torch_step():
        for t in tparams.values():
            t.grad = None
        value = loss(tparams, ttokens, ttargets, nn=F)
        value.backward()
        return value

    # the two steps compute the same numbers before either is timed
    value, grads = derivlab_step(params, tokens, targets)
    assert abs(value - torch_step().item()) < 1e-12
    for k in params:
        gap = np.abs(grads[k] - tparams[k].grad.numpy()).max() / np.abs(grads[k]).max()
        assert gap < 1e-10, (k, gap)

    candidates = {
        "derivlab value_and_grad": lambda: derivlab_step(params, tokens, targets),
        "torch eager forward + backward()": torch_step,
        "derivlab forward only (NumPy)": lambda: loss(params, tokens, targets),
        "torch forward only": lambda: loss(tparams, ttokens, ttargets, nn=F),
    }
    t = race(candidates, number=10)
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, torch {torch.__version__}; "
        f"one BLAS/torch thread; {os.cpu_count()} CPUs; medians of 25 interleaved rounds"
    )
    print(f"shapes: batch {BATCH}, length {LENGTH}, E {E}, heads {HEADS}, hidden {HIDDEN}, float64")
    print()
    dl_t = t["derivlab value_and_grad"]
    print_table([(name, s, dl_t / s) for name, s in t.items()], ratio="derivlab step / this")
    print()
    ratio = dl_t / t["torch eager forward + backward()"]
    counted = (
        dl.cost(derivlab_step, params, tokens, targets).flops
        / dl.cost(loss, params, tokens, targets).flops
    )
    print(f"- training step, derivlab / torch eager (target <= 2): {ratio:.2f}")
    print(f"- value_and_grad / forward, counted in flops by dl.cost: {counted:.2f}")
    if "--profile" in argv:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(50):
            derivlab_step(params, tokens, targets)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
