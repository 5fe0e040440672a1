"""derivlab.optim: trajectories identical to torch.optim, second-order methods on known problems."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from derivlab import optim
from derivlab.data import minibatches
from derivlab.optim._curvature import _two_loop

# ---- two problems, each in NumPy (with its gradient) and in torch ----

_rng = np.random.default_rng(0)
_Q, _ = np.linalg.qr(_rng.normal(size=(4, 4)))
A = _Q @ np.diag([1.0, 3.0, 10.0, 40.0]) @ _Q.T  # SPD, condition number 40
B = _rng.normal(size=4)
X_STAR = np.linalg.solve(A, B)
QUAD_X0 = np.array([1.0, -2.0, 0.5, 3.0])
ROSEN_X0 = np.array([-1.5, 2.0])


def quad(x):
    return 0.5 * np.sum(x * (A @ x)) - np.sum(B * x)


def quad_grad(x):
    return A @ x - B


def quad_torch(x):
    At, Bt = torch.tensor(A), torch.tensor(B)
    return 0.5 * x @ At @ x - Bt @ x


def rosen(x):
    return (1.0 - x[0]) ** 2 + 100.0 * (x[1] - x[0] ** 2) ** 2


def rosen_grad(x):
    return np.array(
        [-2.0 * (1.0 - x[0]) - 400.0 * x[0] * (x[1] - x[0] ** 2), 200.0 * (x[1] - x[0] ** 2)]
    )


PROBLEMS = {
    "quadratic": (quad, quad_grad, quad_torch, QUAD_X0),
    "rosenbrock": (rosen, rosen_grad, rosen, ROSEN_X0),
}


def torch_trajectory(make, f_torch, x0, steps):
    x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    opt = make([x])
    xs = [x.detach().numpy().copy()]
    for _ in range(steps):

        def closure():
            opt.zero_grad()
            loss = f_torch(x)
            loss.backward()
            return loss

        opt.step(closure)
        xs.append(x.detach().numpy().copy())
    return np.array(xs)


# ---- every first-order method against torch.optim, iterate for iterate ----
# name -> (ours, torch's, {problem: steps}); the learning rates keep both problems stable.

T = torch.optim
FIRST_ORDER = {
    "gd": (lambda lr: optim.GD(lr=lr), lambda p, lr: T.SGD(p, lr=lr)),
    "sgd_weight_decay": (
        lambda lr: optim.SGD(lr=lr, weight_decay=0.1),
        lambda p, lr: T.SGD(p, lr=lr, weight_decay=0.1),
    ),
    "momentum": (
        lambda lr: optim.Momentum(lr=lr, momentum=0.9),
        lambda p, lr: T.SGD(p, lr=lr, momentum=0.9),
    ),
    "momentum_weight_decay": (
        lambda lr: optim.Momentum(lr=lr, momentum=0.5, weight_decay=0.05),
        lambda p, lr: T.SGD(p, lr=lr, momentum=0.5, weight_decay=0.05),
    ),
    "nesterov": (
        lambda lr: optim.Nesterov(lr=lr, momentum=0.9),
        lambda p, lr: T.SGD(p, lr=lr, momentum=0.9, nesterov=True),
    ),
    "adagrad": (lambda lr: optim.AdaGrad(lr=20 * lr), lambda p, lr: T.Adagrad(p, lr=20 * lr)),
    "adagrad_all_options": (
        lambda lr: optim.AdaGrad(
            lr=20 * lr, lr_decay=0.01, initial_accumulator_value=0.1, eps=1e-6, weight_decay=0.01
        ),
        lambda p, lr: T.Adagrad(
            p, lr=20 * lr, lr_decay=0.01, initial_accumulator_value=0.1, eps=1e-6, weight_decay=0.01
        ),
    ),
    "rmsprop": (lambda lr: optim.RMSProp(lr=lr), lambda p, lr: T.RMSprop(p, lr=lr)),
    "rmsprop_options": (
        lambda lr: optim.RMSProp(lr=lr, alpha=0.9, eps=1e-6, weight_decay=0.02),
        lambda p, lr: T.RMSprop(p, lr=lr, alpha=0.9, eps=1e-6, weight_decay=0.02),
    ),
    "adam": (lambda lr: optim.Adam(lr=5 * lr), lambda p, lr: T.Adam(p, lr=5 * lr)),
    "adam_options": (
        lambda lr: optim.Adam(lr=5 * lr, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),
        lambda p, lr: T.Adam(p, lr=5 * lr, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),
    ),
    "adamw": (
        lambda lr: optim.AdamW(lr=5 * lr, weight_decay=0.1),
        lambda p, lr: T.AdamW(p, lr=5 * lr, weight_decay=0.1),
    ),
    "adamw_default_decay": (lambda lr: optim.AdamW(lr=5 * lr), lambda p, lr: T.AdamW(p, lr=5 * lr)),
}
LR = {"quadratic": 0.02, "rosenbrock": 2e-4}
STEPS = {"quadratic": 300, "rosenbrock": 500}
# RMSProp with α = 0.9 ends in a limit cycle around the minimum whose map stretches round-off
# (any two implementations part ways there, by 1e-10 within ~30 steps): compare before it.
STEPS_BEFORE_CHAOS = {("rmsprop_options", "quadratic"): 120, ("rmsprop_options", "rosenbrock"): 400}


@pytest.mark.parametrize("problem", sorted(PROBLEMS))
@pytest.mark.parametrize("name", sorted(FIRST_ORDER))
def test_first_order_trajectory_is_torchs(name, problem):
    ours, theirs = FIRST_ORDER[name]
    f, g, f_torch, x0 = PROBLEMS[problem]
    lr = LR[problem]
    steps = STEPS_BEFORE_CHAOS.get((name, problem), STEPS[problem])
    trace = optim.minimize(f, x0, ours(lr), steps=steps, grad=g)
    expected = torch_trajectory(lambda p: theirs(p, lr), f_torch, x0, steps)
    assert trace.steps == steps
    np.testing.assert_allclose(trace.path(), expected, rtol=1e-10, atol=1e-10)
    assert np.abs(trace.path()[-1] - x0).max() > 1e-3  # it really moved


def test_default_gradient_is_derivlabs():
    ours = optim.minimize(rosen, ROSEN_X0, optim.Adam(lr=0.01), steps=100)
    expected = torch_trajectory(lambda p: T.Adam(p, lr=0.01), rosen, ROSEN_X0, 100)
    np.testing.assert_allclose(ours.path(), expected, rtol=1e-10, atol=1e-10)


# ---- pytrees and floats ----


def test_pytree_parameters_follow_torch_with_two_tensors():
    # f(w, c) = ‖w - 1‖² ⋅ 2 + (c - w·w)²: coupled through c, two parameter tensors in torch
    def f(p):
        w, c = p["w"], p["c"]
        return 2.0 * np.sum((w - 1.0) ** 2) + (c - w @ w) ** 2

    def g(p):
        w, c = p["w"], p["c"]
        r = c - w @ w
        return {"w": 4.0 * (w - 1.0) - 4.0 * r * w, "c": 2.0 * r}

    p0 = {"w": np.array([0.3, -0.2, 0.5]), "c": 0.7}
    trace = optim.minimize(f, p0, optim.Adam(lr=0.05, weight_decay=0.01), steps=80, grad=g)
    assert isinstance(trace.x["c"], float) and trace.x["w"].shape == (3,)

    w = torch.tensor(p0["w"], requires_grad=True)
    c = torch.tensor(p0["c"], dtype=torch.float64, requires_grad=True)
    opt = T.Adam([w, c], lr=0.05, weight_decay=0.01)
    for _ in range(80):
        opt.zero_grad()
        (2.0 * ((w - 1.0) ** 2).sum() + (c - w @ w) ** 2).backward()
        opt.step()
    np.testing.assert_allclose(trace.x["w"], w.detach().numpy(), rtol=1e-10, atol=1e-12)
    assert trace.x["c"] == pytest.approx(c.item(), rel=1e-10, abs=1e-12)


def test_float_parameter_and_default_gradient():
    trace = optim.minimize(lambda x: (x - 3.0) ** 2, 0.0, optim.GD(lr=0.5), steps=50, tol=1e-12)
    assert isinstance(trace.x, float)
    assert trace.x == pytest.approx(3.0, abs=1e-12) and trace.converged
    assert trace.steps == 1  # lr = 1/f'' jumps to the minimum of a parabola


def test_step_leaves_its_input_alone():
    x = np.array([1.0, 2.0])
    opt = optim.Momentum(lr=0.1)
    new = opt.step(x, np.array([1.0, 1.0]))
    np.testing.assert_array_equal(x, [1.0, 2.0])
    np.testing.assert_allclose(new, [0.9, 1.9], rtol=1e-15)


# ---- L-BFGS against torch.optim.LBFGS ----


@pytest.mark.parametrize(
    "problem, lr, history, steps",
    # fixed-step L-BFGS on Rosenbrock later overshoots (the loss jumps) and then stretches
    # round-off; the first 40 steps agree to 1e-12
    [("quadratic", 0.5, 3, 40), ("quadratic", 1.0, 100, 25), ("rosenbrock", 0.1, 5, 40)],
)
def test_lbfgs_fixed_step_trajectory_is_torchs(problem, lr, history, steps):
    f, g, f_torch, x0 = PROBLEMS[problem]
    trace = optim.minimize(f, x0, optim.LBFGS(lr=lr, history_size=history), steps=steps, grad=g)

    def make(p):
        # one iteration per step() call, no line search; tolerances that never stop it early
        return T.LBFGS(
            p, lr=lr, max_iter=1, history_size=history, tolerance_grad=0.0, tolerance_change=0.0
        )

    expected = torch_trajectory(make, f_torch, x0, steps)
    np.testing.assert_allclose(trace.path(), expected, rtol=1e-10, atol=1e-10)


def test_lbfgs_with_line_search_reaches_torchs_strong_wolfe_minimum():
    # PyTorch's strong-Wolfe search interpolates cubically; ours bisects to weak Wolfe points.
    # The steps differ, the minimum does not.
    trace = optim.minimize(
        rosen, ROSEN_X0, optim.LBFGS(line_search="wolfe"), steps=200, grad=rosen_grad, tol=1e-10
    )
    assert trace.converged and trace.steps < 60
    x = torch.tensor(ROSEN_X0, requires_grad=True)
    opt = T.LBFGS(
        [x],
        line_search_fn="strong_wolfe",
        max_iter=200,
        tolerance_grad=1e-12,
        tolerance_change=1e-15,
    )

    def closure():
        opt.zero_grad()
        loss = rosen(x)
        loss.backward()
        return loss

    opt.step(closure)
    np.testing.assert_allclose(trace.x, x.detach().numpy(), atol=1e-9)
    np.testing.assert_allclose(trace.x, [1.0, 1.0], atol=1e-9)


# ---- Newton and BFGS on problems with known answers ----


def test_newton_step_is_exact_on_a_quadratic():
    opt = optim.Newton(hessian=lambda x: A)
    np.testing.assert_allclose(opt.step(QUAD_X0, quad_grad(QUAD_X0), quad), X_STAR, rtol=1e-13)


def test_newton_with_derivlab_hessian_and_damping():
    lam = 2.0
    x1 = optim.Newton(damping=lam).step(QUAD_X0, quad_grad(QUAD_X0), quad)
    expected = QUAD_X0 - np.linalg.solve(A + lam * np.eye(4), quad_grad(QUAD_X0))
    np.testing.assert_allclose(x1, expected, rtol=1e-12)


@pytest.mark.parametrize("line_search", [None, "armijo"])
def test_newton_converges_on_rosenbrock(line_search):
    trace = optim.minimize(
        rosen, ROSEN_X0, optim.Newton(line_search=line_search), steps=100, tol=1e-10
    )
    assert trace.converged and trace.steps <= 30
    np.testing.assert_allclose(trace.x, [1.0, 1.0], atol=1e-10)


def test_newton_on_a_pytree():
    def f(p):
        return np.sum((p["a"] - 1.0) ** 2) + 3.0 * (p["b"] + 2.0) ** 2 + p["a"][0] * p["b"]

    p0 = {"a": np.array([0.0, 5.0]), "b": 1.0}
    trace = optim.minimize(f, p0, optim.Newton(), steps=3, tol=1e-10)
    assert trace.steps == 1 and trace.converged  # f is quadratic
    assert isinstance(trace.x["b"], float)


@pytest.mark.parametrize("n", [2, 5, 8, 12])
def test_bfgs_with_exact_line_search_finishes_a_quadratic_in_n_steps(n):
    rng = np.random.default_rng(n)
    Q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    An = Q @ np.diag(np.geomspace(1.0, 100.0, n)) @ Q.T  # condition number 100
    bn = rng.normal(size=n)
    x0 = rng.normal(size=n)

    def fn(x):
        return 0.5 * x @ An @ x - bn @ x

    def gn(x):
        return An @ x - bn

    g0 = np.linalg.norm(gn(x0))
    opt = optim.BFGS(line_search="exact")
    trace = optim.minimize(fn, x0, opt, steps=n, grad=gn)
    # finite termination: in exact arithmetic ∇f(x_n) = 0; round-off leaves ~1e-8 of ‖∇f(x_0)‖
    assert trace.grad_norms[n] <= 1e-6 * g0 < trace.grad_norms[n - 1]
    # ... and H, once the n-th pair (s, y) is in (at the next call), is the inverse Hessian
    opt.step(trace.x, gn(trace.x), f=fn, grad=gn)
    np.testing.assert_allclose(opt.H, np.linalg.inv(An), rtol=0, atol=1e-8 * np.abs(opt.H).max())
    # one more step reaches machine precision: converged within n + 1 steps
    again = optim.minimize(fn, x0, optim.BFGS(line_search="exact"), n + 1, gn, tol=1e-12 * g0)
    assert again.converged and again.steps <= n + 1
    np.testing.assert_allclose(again.x, np.linalg.solve(An, bn), rtol=1e-10)


@pytest.mark.parametrize(
    "make",
    [
        lambda: optim.BFGS(),
        lambda: optim.BFGS(line_search="armijo"),
        lambda: optim.LBFGS(line_search="wolfe", history_size=5),
        lambda: optim.LBFGS(line_search="armijo", history_size=5),
    ],
    ids=["bfgs-wolfe", "bfgs-armijo", "lbfgs-wolfe", "lbfgs-armijo"],
)
def test_quasi_newton_converges_on_rosenbrock(make):
    trace = optim.minimize(rosen, ROSEN_X0, make(), steps=500, grad=rosen_grad, tol=1e-8)
    assert trace.converged, trace.message
    np.testing.assert_allclose(trace.x, [1.0, 1.0], atol=1e-7)


def test_lbfgs_exact_line_search_on_a_quadratic():
    trace = optim.minimize(
        quad, QUAD_X0, optim.LBFGS(line_search="exact"), steps=50, grad=quad_grad, tol=1e-10
    )
    assert trace.converged and trace.steps <= 8
    np.testing.assert_allclose(trace.x, X_STAR, rtol=1e-9)


def test_two_loop_recursion_equals_the_bfgs_matrix():
    # with the full history and the same H₀, L-BFGS's product H g is BFGS's matrix times g
    rng = np.random.default_rng(3)
    n = 5
    pairs, H = [], None
    gamma = None
    for _ in range(4):
        s, y = rng.normal(size=n), rng.normal(size=n)
        y = y if y @ s > 0 else -y
        pairs.append((s, y, 1.0 / (y @ s)))
        gamma = (y @ s) / (y @ y)
    H = gamma * np.eye(n)
    for s, y, rho in pairs:
        V = np.eye(n) - rho * np.outer(y, s)
        H = V.T @ H @ V + rho * np.outer(s, s)
    g = rng.normal(size=n)
    np.testing.assert_allclose(_two_loop(g, pairs, gamma), H @ g, rtol=1e-12)


# ---- minimize: the Trace and its stopping rules ----


def test_trace_records_everything_a_plot_needs():
    trace = optim.minimize(quad, QUAD_X0, optim.GD(lr=0.02), steps=30, grad=quad_grad)
    assert trace.steps == 30 and not trace.converged
    assert len(trace.xs) == len(trace.losses) == len(trace.grad_norms) == len(trace.times) == 31
    assert trace.path().shape == (31, 4)
    np.testing.assert_allclose(trace.losses, [quad(x) for x in trace.xs], rtol=1e-15)
    np.testing.assert_allclose(
        trace.grad_norms, [np.linalg.norm(quad_grad(x)) for x in trace.xs], rtol=1e-15
    )
    assert np.all(np.diff(trace.times) >= 0) and trace.wall_time == trace.times[-1]
    assert trace.loss == trace.losses[-1] and trace.x is trace.xs[-1]
    row = trace.summary()
    assert row["steps"] == 30 and row["optimizer"].startswith("GD(lr=0.02")
    assert set(row) == {"optimizer", "steps", "converged", "loss", "grad norm", "time [s]"}


def test_convergence_and_divergence_stop_the_run():
    ok = optim.minimize(quad, QUAD_X0, optim.Adam(lr=0.1), steps=5000, grad=quad_grad, tol=1e-8)
    assert ok.converged and ok.steps < 5000 and ok.grad_norms[-1] <= 1e-8
    assert "converged" in ok.message
    with np.errstate(over="ignore", invalid="ignore"):
        bad = optim.minimize(quad, QUAD_X0, optim.GD(lr=1.0), steps=5000, grad=quad_grad)
    assert not bad.converged and "diverged" in bad.message and bad.steps < 5000


def test_minimize_resets_the_optimizer():
    opt = optim.Momentum(lr=0.01)
    first = optim.minimize(quad, QUAD_X0, opt, steps=20, grad=quad_grad)
    second = optim.minimize(quad, QUAD_X0, opt, steps=20, grad=quad_grad)
    np.testing.assert_array_equal(first.path(), second.path())


def test_keep_iterates_false_and_callback():
    seen = []
    trace = optim.minimize(
        quad,
        QUAD_X0,
        optim.GD(lr=0.01),
        steps=10,
        grad=quad_grad,
        keep_iterates=False,
        callback=lambda k, x, loss: seen.append((k, loss)),
    )
    assert len(trace.xs) == 2 and len(trace.losses) == 11
    np.testing.assert_array_equal(trace.xs[0], QUAD_X0)
    assert [k for k, _ in seen] == list(range(11))


# ---- mini-batches: SGD is GD fed a different batch at every step ----

_data = np.random.default_rng(1)
X_REG = _data.normal(size=(40, 3))
Y_REG = X_REG @ np.array([1.0, -2.0, 0.5]) + 4.0 + 0.1 * _data.normal(size=40)


def batch_loss(w, batch):
    X, y = batch
    return np.mean((X @ w[:3] + w[3] - y) ** 2)


def test_sgd_on_minibatches_follows_torch_on_the_same_batches():
    batches = [b for _ in range(3) for b in minibatches(X_REG, Y_REG, batch_size=8, seed=_)]
    w0 = np.zeros(4)
    trace = optim.minimize(batch_loss, w0, optim.SGD(lr=0.05), steps=14, batches=batches)
    w = torch.zeros(4, dtype=torch.float64, requires_grad=True)
    opt = T.SGD([w], lr=0.05)
    for X, y in batches[:14]:
        opt.zero_grad()
        ((torch.tensor(X) @ w[:3] + w[3] - torch.tensor(y)) ** 2).mean().backward()
        opt.step()
    np.testing.assert_allclose(trace.x, w.detach().numpy(), rtol=1e-10, atol=1e-12)
    assert trace.losses[0] == pytest.approx(batch_loss(w0, batches[0]), rel=1e-15)


def test_sgd_on_endless_epochs_fits_the_line():
    rng = np.random.default_rng(2)  # one Generator: a new shuffle every epoch

    def epoch():
        return minibatches(X_REG, Y_REG, batch_size=16, seed=rng)

    trace = optim.minimize(batch_loss, np.zeros(4), optim.SGD(lr=0.05), steps=600, batches=epoch)
    assert trace.steps == 600  # 200 epochs of 3 batches
    np.testing.assert_allclose(trace.x, [1.0, -2.0, 0.5, 4.0], atol=0.1)


def test_a_one_shot_generator_of_batches_runs_dry():
    gen = minibatches(X_REG, Y_REG, batch_size=10, seed=0)  # one epoch: 4 batches
    trace = optim.minimize(batch_loss, np.zeros(4), optim.SGD(lr=0.01), steps=100, batches=gen)
    assert trace.steps == 3 and len(trace.xs) == len(trace.losses) == 4
    assert "ran out" in trace.message


# ---- errors that say what went wrong ----


@pytest.mark.parametrize(
    "make, error",
    [
        (lambda: optim.GD(lr=-0.1), ValueError),
        (lambda: optim.GD(lr=0.0), ValueError),
        (lambda: optim.GD(lr=math.nan), TypeError),
        (lambda: optim.GD(lr="0.1"), TypeError),
        (lambda: optim.GD(lr=0.1, weight_decay=-1.0), ValueError),
        (lambda: optim.Momentum(momentum=1.0), ValueError),
        (lambda: optim.Momentum(momentum=-0.1), ValueError),
        (lambda: optim.Nesterov(momentum=0.0), ValueError),
        (lambda: optim.AdaGrad(eps=-1e-10), ValueError),
        (lambda: optim.AdaGrad(lr_decay=-1.0), ValueError),
        (lambda: optim.AdaGrad(initial_accumulator_value=-1.0), ValueError),
        (lambda: optim.RMSProp(alpha=1.0), ValueError),
        (lambda: optim.Adam(betas=(0.9, 1.0)), ValueError),
        (lambda: optim.Adam(betas=(-0.1, 0.999)), ValueError),
        (lambda: optim.Adam(betas=0.9), TypeError),
        (lambda: optim.AdamW(weight_decay=-0.01), ValueError),
        (lambda: optim.Newton(damping=-1.0), ValueError),
        (lambda: optim.Newton(line_search="wolfe"), ValueError),
        (lambda: optim.Newton(hessian=np.eye(2)), TypeError),
        (lambda: optim.BFGS(line_search="strong"), ValueError),
        (lambda: optim.LBFGS(history_size=0), ValueError),
        (lambda: optim.minimize(batch_loss, np.zeros(4), optim.SGD(), batches=[]), ValueError),
        (lambda: optim.minimize(quad, QUAD_X0, torch.optim.SGD, steps=3), TypeError),
        (lambda: optim.minimize(quad, QUAD_X0, optim.GD(lr=0.1), steps=-1), ValueError),
        (lambda: optim.minimize(quad, QUAD_X0, optim.GD(lr=0.1), tol=-1.0), ValueError),
        (lambda: optim.GD(lr=0.1).step({"a": 1.0, "b": 2.0}, {"a": 1.0}), ValueError),
        (lambda: optim.BFGS().step(QUAD_X0, quad_grad(QUAD_X0)), TypeError),
        (lambda: optim.Newton(hessian=lambda x: np.zeros((4, 4))).step(QUAD_X0, B), ValueError),
    ],
)
def test_bad_hyperparameters_and_calls_raise_clear_errors(make, error):
    with pytest.raises(error):
        make()
