"""The optimizer comparison table of chapters 10 and 12, measured (run by hand, not a test).

    .venv/bin/python bench/bench_optim.py            # prints a Markdown table
    .venv/bin/python bench/bench_optim.py --quick    # fewer learning rates

Problems:
1. an ill-conditioned quadratic, n = 10, condition number 1000, from a fixed start;
2. Rosenbrock from (-1.5, 2);
3. a 2-16-1 tanh network on 200 two-moons points, logistic loss, full batch (gradients by
   derivlab.value_and_grad, so its time includes derivlab's tracing).

For every first-order method a grid of learning rates is tried; the table reports the best one
(fewest steps to the target), its steps and time, the final loss, and how many of the grid's
learning rates reached the target at all (sensitivity to the learning rate). Newton, BFGS and
L-BFGS (with their line searches) need no learning rate. The JSON goes to bench/results/.

Reading the table: RMSProp and Adam with a constant learning rate end in a small oscillation
around the minimum, so a tight gradient tolerance may never be met; AdamW (λ = 1e-4) shrinks
the weights at every step, so it settles where that shrinkage balances its Adam step, not where
∇f = 0.
"""

from __future__ import annotations

import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

from derivlab import nn, optim
from derivlab.data import moons

QUICK = "--quick" in sys.argv

# ---- the problems: f, ∇f (None: derivlab), x0, the target, the step budget ----

rng = np.random.default_rng(0)
Q, _ = np.linalg.qr(rng.normal(size=(10, 10)))
A = Q @ np.diag(np.geomspace(1.0, 1000.0, 10)) @ Q.T
B = rng.normal(size=10)


def quad(x):
    return 0.5 * np.sum(x * (A @ x)) - np.sum(B * x)


def quad_grad(x):
    return A @ x - B


def rosen(x):
    return (1.0 - x[0]) ** 2 + 100.0 * (x[1] - x[0] ** 2) ** 2


def rosen_grad(x):
    return np.array(
        [-2.0 * (1.0 - x[0]) - 400.0 * x[0] * (x[1] - x[0] ** 2), 200.0 * (x[1] - x[0] ** 2)]
    )


X_MOONS, Y_MOONS = moons(200, noise=0.1, seed=0)
Y_MOONS = Y_MOONS.astype(float).reshape(-1, 1)


def net_loss(p):
    return nn.binary_cross_entropy_with_logits(nn.mlp(p, X_MOONS, "tanh"), Y_MOONS)


PROBLEMS = {
    # name: (f, grad, x0, target gradient norm, max steps)
    "quadratic (κ=1000)": (quad, quad_grad, np.ones(10), 1e-6, 20_000),
    "Rosenbrock": (rosen, rosen_grad, np.array([-1.5, 2.0]), 1e-6, 20_000),
    "2-16-1 net, moons": (net_loss, None, nn.init_mlp([2, 16, 1], rng=1), 1e-3, 3_000),
}

FIRST_ORDER = {
    "GD": lambda lr: optim.GD(lr=lr),
    "Momentum": lambda lr: optim.Momentum(lr=lr, momentum=0.9),
    "Nesterov": lambda lr: optim.Nesterov(lr=lr, momentum=0.9),
    "AdaGrad": lambda lr: optim.AdaGrad(lr=lr),
    "RMSProp": lambda lr: optim.RMSProp(lr=lr),
    "Adam": lambda lr: optim.Adam(lr=lr),
    "AdamW": lambda lr: optim.AdamW(lr=lr, weight_decay=1e-4),
}
CURVATURE = {
    "Newton (Armijo)": lambda: optim.Newton(line_search="armijo"),
    "BFGS (Wolfe)": lambda: optim.BFGS(line_search="wolfe"),
    "L-BFGS m=10 (Wolfe)": lambda: optim.LBFGS(history_size=10, line_search="wolfe"),
}
LRS = np.geomspace(1e-4, 1.0, 5 if QUICK else 9)


def run(problem, make_opt):
    f, g, x0, tol, steps = PROBLEMS[problem]
    with np.errstate(over="ignore", invalid="ignore"):
        trace = optim.minimize(f, x0, make_opt(), steps=steps, grad=g, tol=tol, keep_iterates=False)
    return trace


def main():
    rows = []
    for problem in PROBLEMS:
        for name, make in FIRST_ORDER.items():
            runs = [(lr, run(problem, lambda lr=lr, make=make: make(lr))) for lr in LRS]
            ok = [(lr, t) for lr, t in runs if t.converged]
            best_lr, best = min(ok, key=lambda r: r[1].steps) if ok else (None, None)
            if best is None:  # none reached the target: report the lowest final loss
                best_lr, best = min(
                    runs, key=lambda r: r[1].loss if np.isfinite(r[1].loss) else np.inf
                )
            rows.append(_row(problem, name, best_lr, best, f"{len(ok)}/{len(LRS)}"))
        for name, make in CURVATURE.items():
            if name.startswith("Newton") and problem.startswith("2-16-1"):
                continue  # derivlab's Hessian of the 65-parameter net is built column by column
            rows.append(_row(problem, name, None, run(problem, make), "—"))
        print(f"done: {problem}", file=sys.stderr)
    _print(rows)
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    meta = {"python": sys.version.split()[0], "numpy": np.__version__, "machine": platform.node()}
    (out / "optim.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1))


def _row(problem, name, lr, trace, grid):
    return {
        "problem": problem,
        "method": name,
        "lr": lr,
        "converged": trace.converged,
        "steps": trace.steps,
        "time_s": trace.wall_time,
        "ms_per_step": 1e3 * trace.wall_time / max(trace.steps, 1),
        "loss": trace.loss,
        "grad_norm": float(trace.grad_norms[-1]),
        "lr_grid_ok": grid,
    }


def _print(rows):
    print(f"\n{time.strftime('%Y-%m-%d')}, {platform.processor() or platform.machine()}\n")
    head = (
        "| problem | method | best lr | reached | steps | time [s] | ms/step | final loss "
        "| lrs ok |"
    )
    print(head)
    print("|---" * (head.count("|") - 1) + "|")
    for r in rows:
        lr = "—" if r["lr"] is None else f"{r['lr']:.3g}"
        print(
            f"| {r['problem']} | {r['method']} | {lr} | {'yes' if r['converged'] else 'no'} | "
            f"{r['steps']} | {r['time_s']:.3f} | {r['ms_per_step']:.3f} | {r['loss']:.6g} | "
            f"{r['lr_grid_ok']} |"
        )


if __name__ == "__main__":
    main()
