"""Multi-output rows (issue 9): eigh, svd, qr and slogdet, one decomposition per application.

Each decomposition is ONE row of the table (a ``MultiPrimitive``) whose impl returns every
output, whose JVP returns every tangent, and whose VJP takes the tuple of output cotangents.
The tests are table-driven over :data:`ROWS`, against ``torch.linalg`` in float64 at 1e-10:
values, the VJP of a random combination of all outputs and of each output alone (the others
unused), the JVP, second derivatives through the rule (forward over reverse and reverse over
reverse), float32 kept; and counts with ``dl.cost``: one decomposition per forward pass, none
recomputed by the backward sweep.

Eigenvectors and singular vectors are unique only up to sign, so torch's outputs are first
aligned with NumPy's: a diagonal ±1 matrix D (a constant) with ``Q_numpy = Q_torch D``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import torch
from oracles import assert_close, to_torch

import derivlab as dl
from derivlab._core import MultiPrimitive, ReverseBox, ReverseTrace
from derivlab._primitives import PRIMITIVES

RNG_SEED = 20


def _mT(a: Any) -> Any:
    return np.swapaxes(a, -1, -2)


def _column_signs(ours: np.ndarray, theirs: torch.Tensor) -> np.ndarray:
    """D = sign(diag(theirsᵀ ours)): ours = theirs · D for vectors unique up to sign."""
    return np.sign(np.sum(ours * theirs.detach().numpy(), axis=-2))


@dataclass
class Row:
    """One multi-output row: how NumPy and torch call it, its input, which outputs are smooth."""

    name: str
    fn: Callable[[Any], tuple]  # NumPy: x -> the tuple of outputs
    torch_fn: Callable[[torch.Tensor], tuple]  # the same in torch, outputs in NumPy's order
    x: np.ndarray
    align: Callable[[tuple, tuple], list]  # (numpy outs, torch outs) -> per-output fixers
    smooth: tuple[int, ...]  # the outputs that have a derivative (not slogdet's sign)

    def torch_aligned(self, x: np.ndarray) -> Callable[[torch.Tensor], tuple]:
        """torch_fn with its outputs multiplied by NumPy's sign choices (constants)."""
        fix = self.align(self.fn(x), self.torch_fn(to_torch(x, False)))

        def aligned(t: torch.Tensor) -> tuple:
            return tuple(f(o) for f, o in zip(fix, self.torch_fn(t)))

        return aligned


def _same(*_: Any) -> Callable:
    return lambda o: o


def _cols(d: np.ndarray) -> Callable:
    t = torch.tensor(d)
    return lambda o: o * t.unsqueeze(-2)


def _rows(d: np.ndarray) -> Callable:
    t = torch.tensor(d)
    return lambda o: o * t.unsqueeze(-1)


def _sym_input(b: Any) -> Any:
    """A symmetric matrix with well separated eigenvalues, from any square b (both libraries)."""
    n = b.shape[-1]
    shift = np.diag(3.0 * np.arange(n))
    if isinstance(b, torch.Tensor):
        return b + b.mT + torch.tensor(shift, dtype=b.dtype)
    return b + _mT(b) + shift.astype(b.dtype)  # float32 stays float32


def _eigh(b: Any) -> tuple:
    return tuple(np.linalg.eigh(_sym_input(b)))


def _t_eigh(b: torch.Tensor) -> tuple:
    return tuple(torch.linalg.eigh(_sym_input(b)))


def _align_eigh(ours: tuple, theirs: tuple) -> list:
    return [_same(), _cols(_column_signs(ours[1], theirs[1]))]


def _svd(a: Any) -> tuple:
    return tuple(np.linalg.svd(a, full_matrices=False))


def _t_svd(a: torch.Tensor) -> tuple:
    return tuple(torch.linalg.svd(a, full_matrices=False))


def _align_svd(ours: tuple, theirs: tuple) -> list:
    d = _column_signs(ours[0], theirs[0])
    return [_cols(d), _same(), _rows(d)]


def _qr(a: Any) -> tuple:
    return tuple(np.linalg.qr(a))


def _t_qr(a: torch.Tensor) -> tuple:
    return tuple(torch.linalg.qr(a))


def _align_qr(ours: tuple, theirs: tuple) -> list:
    d = _column_signs(ours[0], theirs[0])
    return [_cols(d), _rows(d)]


def _slogdet(a: Any) -> tuple:
    return tuple(np.linalg.slogdet(a))


def _t_slogdet(a: torch.Tensor) -> tuple:
    return tuple(torch.linalg.slogdet(a))


_rng = np.random.default_rng(RNG_SEED)


def _a(*shape: int) -> np.ndarray:
    return _rng.uniform(-1.0, 1.0, size=shape)


ROWS = {
    "eigh": Row("linalg.eigh", _eigh, _t_eigh, _a(4, 4), _align_eigh, (0, 1)),
    "eigh-batched": Row("linalg.eigh", _eigh, _t_eigh, _a(2, 3, 3), _align_eigh, (0, 1)),
    "svd-tall": Row("linalg.svd", _svd, _t_svd, _a(5, 3), _align_svd, (0, 1, 2)),
    "svd-wide": Row("linalg.svd", _svd, _t_svd, _a(3, 5), _align_svd, (0, 1, 2)),
    "svd-square-batched": Row("linalg.svd", _svd, _t_svd, _a(2, 3, 3), _align_svd, (0, 1, 2)),
    "qr-tall": Row("linalg.qr", _qr, _t_qr, _a(5, 3), _align_qr, (0, 1)),
    "qr-square-batched": Row("linalg.qr", _qr, _t_qr, _a(2, 3, 3), _align_qr, (0, 1)),
    "slogdet": Row("linalg.slogdet", _slogdet, _t_slogdet, _a(4, 4) + 2 * np.eye(4),
                   lambda o, t: [_same(), _same()], (1,)),
    "slogdet-negative": Row("linalg.slogdet", _slogdet, _t_slogdet, _a(2, 3, 3) - 3 * np.eye(3),
                            lambda o, t: [_same(), _same()], (1,)),
}  # fmt: skip
MULTI = sorted({row.name for row in ROWS.values()})


def _weights(row: Row, outs: tuple, used: tuple[int, ...], seed: int) -> list:
    """A random cotangent for each output in ``used``, None for the others."""
    rng = np.random.default_rng(seed)
    return [rng.normal(size=np.shape(o)) if j in used else None for j, o in enumerate(outs)]


def _combination(row: Row, weights: list) -> Callable:
    def loss(x: Any) -> Any:
        outs = row.fn(x)
        return sum(np.sum(w * outs[j]) for j, w in enumerate(weights) if w is not None)

    return loss


def _torch_grad(row: Row, weights: list) -> np.ndarray:
    fn = row.torch_aligned(row.x)
    t = to_torch(row.x)
    outs = fn(t)
    loss = sum((torch.tensor(w) * outs[j]).sum() for j, w in enumerate(weights) if w is not None)
    (g,) = torch.autograd.grad(loss, t)
    return g.numpy()


# ---- the table: one row per decomposition ----


def test_each_decomposition_is_one_multi_output_row() -> None:
    for name, outputs in [("linalg.eigh", ("eigenvalues", "eigenvectors")),
                          ("linalg.svd", ("U", "S", "Vh")), ("linalg.qr", ("Q", "R")),
                          ("linalg.slogdet", ("sign", "logabsdet"))]:  # fmt: skip
        row = PRIMITIVES[name]
        assert isinstance(row, MultiPrimitive) and row.outputs == outputs
    gone = {"linalg.eigh.eigenvalues", "linalg.eigh.eigenvectors", "linalg.svd.S", "linalg.svd.U",
            "linalg.svd.Vh", "linalg.qr.Q", "linalg.qr.R"}  # fmt: skip
    assert not gone & set(PRIMITIVES)  # the per-output rows are gone
    assert "linalg.eigvalsh" in PRIMITIVES and "linalg.svdvals" in PRIMITIVES  # values only


# ---- values, first derivatives, against torch ----


@pytest.mark.parametrize("case", list(ROWS))
def test_values_match_torch(case: str) -> None:
    row = ROWS[case]
    expected = row.torch_aligned(row.x)(to_torch(row.x, False))
    plain = row.fn(row.x)
    traced, _ = dl.vjp(row.fn, row.x)
    assert len(plain) == len(traced) == len(expected)
    for p, t, e in zip(plain, traced, expected):
        assert_close(p, e)
        assert_close(t, p, rtol=0, atol=0)  # the trace computes exactly NumPy's values


@pytest.mark.parametrize("case", list(ROWS))
def test_vjp_of_all_outputs_together_matches_torch(case: str) -> None:
    row = ROWS[case]
    for seed in range(3):
        weights = _weights(row, row.fn(row.x), row.smooth, seed)
        assert_close(dl.grad(_combination(row, weights))(row.x), _torch_grad(row, weights))


@pytest.mark.parametrize("case", list(ROWS))
def test_vjp_of_each_output_alone_matches_torch(case: str) -> None:
    """The other outputs unused: their cotangent slots are None and the rule skips them."""
    row = ROWS[case]
    for j in row.smooth:
        weights = _weights(row, row.fn(row.x), (j,), seed=10 + j)
        assert_close(dl.grad(_combination(row, weights))(row.x), _torch_grad(row, weights))


@pytest.mark.parametrize("case", list(ROWS))
def test_vjp_pullback_takes_a_cotangent_per_output(case: str) -> None:
    """dl.vjp of the whole tuple: the seeds of all outputs meet in one joint node."""
    row = ROWS[case]
    outs, back = dl.vjp(row.fn, row.x)
    cts = [w if w is not None else np.zeros(np.shape(o))
           for w, o in zip(_weights(row, outs, row.smooth, 5), outs)]  # fmt: skip
    (g,) = back(tuple(cts))
    assert_close(g, _torch_grad(row, [c if j in row.smooth else None for j, c in enumerate(cts)]))


@pytest.mark.parametrize("case", list(ROWS))
def test_jvp_matches_torch(case: str) -> None:
    row = ROWS[case]
    tangent = np.random.default_rng(3).normal(size=row.x.shape)
    outs, touts = dl.jvp(row.fn, (row.x,), (tangent,))
    fn = row.torch_aligned(row.x)
    _, expected = torch.autograd.functional.jvp(
        lambda t: tuple(fn(t)[j] for j in row.smooth),  # torch's slogdet sign has no graph
        (to_torch(row.x, False),), (to_torch(tangent, False),))  # fmt: skip
    assert len(touts) == len(outs)
    for j, t in enumerate(touts):
        assert np.shape(t) == np.shape(outs[j])
        if j in row.smooth:
            assert_close(t, expected[row.smooth.index(j)])
        else:  # slogdet's sign: piecewise constant
            assert np.all(t == 0)


# ---- second derivatives: the rules are differentiable, through the joint node ----


def _smooth_scalar(row: Row, use_torch: bool) -> Callable:
    """s(x) = Σ_j Σ c_j · sin(out_j): nonlinear in every smooth output."""
    outs = row.fn(row.x)
    rng = np.random.default_rng(7)
    weights = {j: rng.normal(size=np.shape(outs[j])) for j in row.smooth}
    if use_torch:
        fn = row.torch_aligned(row.x)
        return lambda t: sum((torch.tensor(w) * torch.sin(fn(t)[j])).sum()
                             for j, w in weights.items())  # fmt: skip

    def s(x: Any) -> Any:
        outs = row.fn(x)  # one call: the counts below see one decomposition per evaluation
        return sum(np.sum(w * np.sin(outs[j])) for j, w in weights.items())

    return s


@pytest.mark.parametrize("case", ["eigh", "svd-tall", "svd-wide", "qr-tall", "slogdet"])
def test_hessian_matches_torch(case: str) -> None:
    row = ROWS[case]
    expected = torch.autograd.functional.hessian(_smooth_scalar(row, True),
                                                 to_torch(row.x)).numpy()  # fmt: skip
    s = _smooth_scalar(row, False)
    assert_close(dl.hessian(s)(row.x), expected)  # forward over reverse
    assert_close(dl.jacrev(dl.grad(s))(row.x), expected)  # reverse over reverse


# ---- dtype ----


@pytest.mark.parametrize("case", ["eigh", "svd-tall", "qr-tall", "slogdet"])
def test_float32_stays_float32(case: str) -> None:
    row = ROWS[case]
    x = row.x.astype(np.float32)
    outs, back = dl.vjp(row.fn, x)
    assert all(np.asarray(o).dtype == np.float32 for o in outs)
    weights = _weights(row, outs, row.smooth, 0)
    g = dl.grad(lambda x: _combination(row, [None if w is None else w.astype(np.float32)
                                             for w in weights])(x))(x)  # fmt: skip
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, _torch_grad(row, weights), rtol=2e-3, atol=2e-3)
    _, touts = dl.jvp(row.fn, (x,), (np.ones_like(x),))
    assert all(np.asarray(t).dtype == np.float32 for j, t in enumerate(touts) if j in row.smooth)


# ---- counts: one decomposition per pass ----


@pytest.mark.parametrize("case", list(ROWS))
def test_forward_pass_decomposes_once(case: str) -> None:
    row = ROWS[case]
    counted = dl.cost(lambda x: row.fn(x), row.x)
    assert counted.by_primitive[row.name] == 1


@pytest.mark.parametrize("case", list(ROWS))
def test_backward_sweep_does_not_decompose_again(case: str) -> None:
    """grad of a function of every output: the decomposition once, in the forward pass."""
    row = ROWS[case]
    weights = _weights(row, row.fn(row.x), row.smooth, 0)
    counted = dl.cost(dl.grad(_combination(row, weights)), row.x)
    assert counted.by_primitive[row.name] == 1
    assert not {"linalg.eigvalsh", "linalg.svdvals"} & set(counted.by_primitive)


def test_eigh_counts_one_application_at_the_decomposition_flops() -> None:
    a = _sym_input(_a(5, 5))
    counted = dl.cost(lambda a: np.linalg.eigh(a), a)
    assert counted.by_primitive == {"linalg.eigh": 1}
    assert counted.flops_by_primitive == {"linalg.eigh": 9 * 5**3}
    assert dl.cost(lambda a: np.linalg.svd(a, full_matrices=False), _a(6, 4)).flops == (
        14 * 6 * 4**2 + 8 * 4**3
    )
    assert dl.cost(lambda a: np.linalg.qr(a), _a(6, 4)).flops == 4 * 6 * 4**2 - (4 * 4**3) // 3


def test_hessian_decomposes_once_per_evaluation() -> None:
    """Forward over reverse: each forward pass of f decomposes once, the sweeps never."""
    row = ROWS["eigh"]
    counted = dl.cost(dl.hessian(_smooth_scalar(row, False)), row.x)
    assert counted.by_primitive["linalg.eigh"] == counted.calls


def test_tape_keeps_each_output_once() -> None:
    """The joint node's tuple is not counted again beside its outputs' nodes."""
    a = _sym_input(_a(4, 4))
    counted = dl.cost(dl.grad(lambda a: np.sum(np.linalg.eigh(a)[0])), a)
    assert counted.tape_bytes == (4 + 16 + 1) * 8  # w, V and the sum


# ---- unused outputs, degenerate points, errors ----


def test_an_unused_eigenvector_output_needs_no_distinct_eigenvalues() -> None:
    eye = np.eye(3)
    assert_close(dl.grad(lambda a: np.sum(np.linalg.eigh(a)[0]))(eye), eye)
    with pytest.raises(ValueError, match="two eigenvalues"):
        dl.grad(lambda a: np.sum(np.linalg.eigh(a)[1] ** 3))(eye)


def test_forward_mode_at_repeated_eigenvalues_needs_distinct_values_only_for_the_vectors() -> None:
    """Forward mode pushes a tangent to every output of a decomposition. Where two eigenvalues
    (singular values) are equal the vectors' tangent does not exist: it raises when it is read,
    and a function of the values alone is still differentiated, as by eigvalsh and svdvals."""
    eye, d = np.eye(3), _a(3, 3)
    for values in (lambda a: np.linalg.eigh(a)[0], np.linalg.eigvalsh):
        assert_close(dl.jvp(values, (eye,), (d,))[1], np.diag(0.5 * (d + d.T)))
    assert dl.jacfwd(lambda a: np.linalg.eigh(a)[0])(eye).shape == (3, 3, 3)
    assert_close(dl.jvp(lambda a: np.linalg.svd(a)[1], (eye,), (eye,))[1], np.ones(3))
    assert_close(dl.jvp(np.linalg.svdvals, (eye,), (eye,))[1], np.ones(3))
    for vectors in (
        lambda a: np.linalg.eigh(a)[1],  # returned as they are
        lambda a: np.sum(np.linalg.eigh(a)[1] ** 3),  # read by a later operation
        lambda a: np.linalg.svd(a)[0] @ np.linalg.svd(a)[2],
    ):
        with pytest.raises(ValueError, match=r"two (eigenvalues|singular values) are equal"):
            dl.jvp(vectors, (eye,), (d,))
    with pytest.raises(ValueError, match="two eigenvalues are equal"):  # the sweep reads V
        dl.hessian(lambda a: np.sum(np.linalg.eigh(a)[0]))(eye)


def test_an_output_used_twice_and_outputs_combined_accumulate() -> None:
    """Cotangents add up per output (V used twice) and across outputs, in every nesting."""
    b = _a(3, 3)

    def f(b: Any) -> Any:
        w, v = np.linalg.eigh(_sym_input(b))
        return np.sum(np.sin(v) * w) + np.sum(v**2 * w[0]) + np.sum(w**3)

    def f_torch(t: torch.Tensor) -> torch.Tensor:
        w, v = _t_eigh(t)
        d = torch.tensor(_column_signs(np.linalg.eigh(_sym_input(b))[1], v))
        v = v * d
        return (torch.sin(v) * w).sum() + (v**2 * w[0]).sum() + (w**3).sum()

    t = to_torch(b)
    (g,) = torch.autograd.grad(f_torch(t), t)
    assert_close(dl.grad(f)(b), g.numpy())
    outer = dl.grad(lambda b: np.sum(dl.grad(f)(b) ** 2))(b)  # grad of grad
    t = to_torch(b)
    (g1,) = torch.autograd.grad(f_torch(t), t, create_graph=True)
    (g2,) = torch.autograd.grad((g1**2).sum(), t)
    assert_close(outer, g2.numpy())


def test_an_escaped_output_names_the_users_call_not_a_projection() -> None:
    kept = []

    def f(a: Any) -> Any:
        w, v = np.linalg.eigh(a)
        kept.append(v)
        return np.sum(w)

    dl.grad(f)(np.diag([1.0, 2.0]))
    with pytest.raises(TypeError) as info:
        np.sum(kept[0])
    message = str(info.value)
    assert "made by np.linalg.eigh inside grad of" in message
    assert "linalg.eigh." not in message and "internal" not in message  # no per-output row


def test_rows_used_and_tape_hold_one_joint_node() -> None:
    trace = ReverseTrace()
    box = ReverseBox(_a(3, 3), trace)
    np.linalg.svd(box)
    joints = [box for box, *_ in trace.tape if isinstance(box.prim, MultiPrimitive)]
    assert len(joints) == 1 and len(trace.tape) == 1 + 3  # the joint node and its 3 outputs


def test_slogdet_sign_stays_a_plain_array() -> None:
    a = -np.eye(3) + 0.1 * _a(3, 3)

    def f(a: Any) -> Any:
        sign, logabs = np.linalg.slogdet(a)
        assert type(sign) is np.float64 or isinstance(sign, np.ndarray)
        return sign * logabs

    assert_close(dl.grad(f)(a), -np.linalg.inv(a).T)


# ---- the other traces ----


def test_check_grad_and_its_kink_scan_run_through_a_decomposition() -> None:
    def f(b: Any) -> Any:
        w, v = np.linalg.eigh(_sym_input(b))
        u, s, vh = np.linalg.svd(b, full_matrices=False)
        q, r = np.linalg.qr(b)
        return np.sum(w * v[0] ** 2) + np.sum(s) + np.sum(r[0] ** 2) + np.linalg.slogdet(b)[1]

    result = dl.check_grad(f, _a(3, 3) + 2 * np.eye(3))
    assert result.kink_scan == "" and not result.kinks


def test_kink_scan_sees_the_sign_of_slogdet_flip() -> None:
    """sign · log|det| jumps where det changes sign: the scan names slogdet, not a bad rule."""

    def f(x: Any) -> Any:
        sign, logabs = np.linalg.slogdet(np.diag(x))
        return sign * logabs + x[1]

    result = dl.check_grad(f, np.array([1e-7, 2.0, 3.0]))
    assert [k.index for k in result.kinks] == [0]
    assert result.kinks[0].where == ("np.linalg.slogdet (the sign of det)",)


def test_checkpoint_and_custom_vjp_around_a_decomposition() -> None:
    b = _a(3, 3)

    def body(b: Any) -> Any:
        w, v = np.linalg.eigh(_sym_input(b))
        return w * np.sum(v**2 * np.arange(3.0), axis=0)

    plain = dl.grad(lambda b: np.sum(np.sin(body(b))))(b)
    assert_close(dl.grad(lambda b: np.sum(np.sin(dl.checkpoint(body)(b))))(b), plain)
    counted = dl.cost(dl.grad(lambda b: np.sum(np.sin(dl.checkpoint(body)(b)))), b)
    assert counted.by_primitive["linalg.eigh"] == 2  # the forward pass and the recomputation

    @dl.custom_vjp
    def values(b: Any) -> Any:
        return np.linalg.eigh(_sym_input(b))[0]

    def fwd(b: Any) -> Any:
        w, v = np.linalg.eigh(_sym_input(b))
        return w, v

    def bwd(v: Any, g: Any) -> Any:
        a_bar = (v * g) @ v.T
        return (a_bar + a_bar.T,)  # through A = B + Bᵀ + shift

    values.defvjp(fwd, bwd)
    expected = dl.grad(lambda b: np.sum(np.linalg.eigh(_sym_input(b))[0] ** 2))(b)
    assert_close(dl.grad(lambda b: np.sum(values(b) ** 2))(b), expected)

    @dl.custom_jvp
    def largest(b: Any) -> Any:
        return np.linalg.eigh(_sym_input(b))[0][-1]

    def rule(p: tuple, t: tuple) -> tuple:
        w, v = np.linalg.eigh(_sym_input(p[0]))
        top = v[:, -1]
        return w[-1], top @ (t[0] + t[0].T) @ top  # dλ = vᵀ dA v

    largest.defjvp(rule)
    expected = dl.grad(lambda b: np.linalg.eigh(_sym_input(b))[0][-1])(b)
    assert_close(dl.grad(largest)(b), expected)  # reverse mode transposes the rule
    assert_close(dl.jvp(largest, (b,), (np.ones_like(b),))[1], np.sum(expected))


def test_symbolic_slogdet() -> None:
    from derivlab import symbolic

    expr = symbolic.expression(lambda m: np.linalg.slogdet(m)[1], ("a", (2, 2)))
    assert str(expr) == "log(Abs(a0*a3 - a1*a2))"
    with pytest.raises(NotImplementedError, match="np.linalg.eigh"):
        symbolic.expression(lambda m: np.linalg.eigh(m)[0], ("a", (2, 2)))
