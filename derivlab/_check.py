"""Engines side by side: `compare` shows every engine's answer, `check_grad` guards a gradient."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from derivlab import _kinks, numeric, symbolic
from derivlab._api import grad, jacfwd, jvp
from derivlab._tree import tree_flatten, tree_unflatten

# ---- timing ----


def _median_time(fn: Callable[[], Any], budget: float = 0.05, max_repeats: int = 50) -> float:
    """Median wall time of ``fn()`` in seconds, over as many repeats as fit in ``budget``."""
    times = []
    start = time.perf_counter()
    while len(times) < max_repeats and (len(times) < 3 or time.perf_counter() - start < budget):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


# ---- compare ----


@dataclass
class Row:
    engine: str
    value: Any
    error: float
    seconds: float
    evaluations: str = ""


@dataclass
class Comparison:
    """The derivative of one function at one point by every engine, with errors and costs.

    ``error`` is measured against the symbolic answer evaluated in 50-digit arithmetic (the
    reference); ``seconds`` is the median time of one derivative evaluation (for SymPy: of the
    lambdified formula; deriving it once costs more and is listed beside it).
    """

    x: Any
    reference: Any
    rows: list[Row] = field(default_factory=list)

    def __getitem__(self, engine: str) -> Row:
        for row in self.rows:
            if row.engine == engine:
                return row
        raise KeyError(f"no engine {engine!r}; engines: {[r.engine for r in self.rows]}")

    @property
    def max_error(self) -> float:
        """The largest error among the engines (how far apart they are at worst)."""
        return max(r.error for r in self.rows)

    def _fmt_value(self, v: Any) -> str:
        arr = np.asarray(v, dtype=float)
        if arr.ndim == 0:
            return f"{float(arr):.16g}"
        shown = ", ".join(f"{a:.10g}" for a in arr.ravel()[:3])
        return f"[{shown}{', …' if arr.size > 3 else ''}]"

    def _table(self) -> list[tuple[str, str, str, str, str]]:
        return [
            (
                r.engine,
                self._fmt_value(r.value),
                f"{r.error:.1e}",
                f"{r.seconds * 1e6:,.0f} µs",
                r.evaluations,
            )
            for r in self.rows
        ]

    def __str__(self) -> str:
        head = ("engine", "derivative", "error", "time", "f evaluations")
        rows = [head, *self._table()]
        widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        head = "".join(
            f"<th>{h}</th>" for h in ("engine", "derivative", "error", "time", "f evaluations")
        )
        body = "".join(
            "<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in self._table()
        )
        style = "<style>.dl-compare td, .dl-compare th {padding: 0.2em 0.9em;}</style>"
        return (
            f'{style}<table class="dl-compare"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>"
            "<p><small>error: largest absolute difference from the symbolic derivative "
            "evaluated with 50 digits; time: median of repeated calls.</small></p>"
        )


def _symbolic_reference(f: Callable, x: np.ndarray) -> tuple[Any, Callable]:
    """The exact derivative/gradient at x (50 digits) and a float evaluator for timing."""
    if x.ndim == 0:
        s = symbolic.symbols("x")
        d = symbolic.derivative(f, s)
        point = {s: sp.Float(repr(float(x)), 50)}
        ref = np.float64(sp.N(d.subs(point), 50))
        fast = sp.lambdify(s, d, modules="numpy")
        return ref, lambda: fast(float(x))
    xs = symbolic.symbols("x", x.shape)
    g = symbolic.gradient(f, xs)
    point = {s: sp.Float(repr(float(v)), 50) for s, v in zip(xs.ravel(), x.ravel())}
    ref = np.array([float(sp.N(gi.subs(point), 50)) for gi in g]).reshape(x.shape)
    fast = sp.lambdify([list(xs.ravel())], list(g), modules="numpy")
    return ref, lambda: fast(list(x.ravel()))


def compare(f: Callable, x: Any) -> Comparison:
    """Differentiate ``f`` at ``x`` with every engine and tabulate answers, errors and costs.

    Engines: symbolic (SymPy), reverse mode, forward mode, central differences, complex step and
    Richardson extrapolation. For an array ``x`` each engine computes the gradient.

    Args:
        f: a plain NumPy function of one argument returning a scalar.
        x: a float or a small float array (≤ 50 entries, so SymPy stays quick).

    Returns:
        A :class:`Comparison`; it renders as a table in a notebook and as text elsewhere.

    Example:
        >>> compare(lambda x: np.exp(x) * np.sin(x), 0.7).max_error < 1e-8
        True
    """
    x = np.asarray(x, dtype=float)
    if x.size > 50:
        raise ValueError(
            f"compare: x has {x.size} entries; the symbolic engine is for small inputs "
            "(≤ 50). Use check_grad for large x."
        )
    t0 = time.perf_counter()
    ref, sym_eval = _symbolic_reference(f, x)
    derive_ms = (time.perf_counter() - t0) * 1e3
    scalar = x.ndim == 0

    def err(v: Any) -> float:
        return float(np.max(np.abs(np.asarray(v, dtype=float) - ref)))

    result = Comparison(x=x, reference=ref)
    result.rows.append(
        Row(
            "symbolic (SymPy)",
            ref,
            0.0,
            _median_time(sym_eval),
            f"derived once: {derive_ms:.0f} ms",
        )
    )

    rev = grad(f)
    result.rows.append(Row("reverse mode", rev(x), err(rev(x)), _median_time(lambda: rev(x))))
    if scalar:

        def fwd() -> Any:
            return jvp(f, (x,), (np.ones_like(x),))[1]

        fwd_label = "1 JVP"
    else:
        fwd_jac = jacfwd(f)

        def fwd() -> Any:
            return fwd_jac(x)

        fwd_label = f"{x.size} JVPs"
    value = fwd()
    result.rows.append(Row("forward mode", value, err(value), _median_time(fwd), fwd_label))

    for method, label in (
        ("central", "central difference"),
        ("complex", "complex step"),
        ("richardson", "Richardson"),
    ):
        if scalar:
            est = numeric.derivative(f, float(x), method=method, full_output=True)
            value, nfev = est.value, str(est.nfev)

            def run(m: str = method) -> Any:
                return numeric.derivative(f, float(x), method=m)
        else:
            value = numeric.gradient(f, x, method=method)
            nfev = ""

            def run(m: str = method) -> Any:
                return numeric.gradient(f, x, method=m)

        result.rows.append(Row(label, value, err(value), _median_time(run), nfev))
    return result


# ---- check_grad ----


@dataclass
class Kink:
    """An entry whose finite-difference stencil straddled a kink of f, so it was not compared.

    ``where`` names the operations whose choice differed between the ends of the stencil
    (``("np.maximum",)``, ``("np.where", "np.greater (>)")``), the most telling first.
    """

    entry: str
    index: int
    where: tuple[str, ...]
    analytic: float
    numeric: float

    def __str__(self) -> str:
        return (
            f"entry {self.entry}: the stencil crossed {_crossed(self.where[0])}; the difference "
            f"quotient is not a derivative there (analytic {self.analytic:.6g}, quotient "
            f"{self.numeric:.6g})"
        )


def _crossed(op: str) -> str:
    # a kink of a piecewise-smooth row; a switch of a comparison or a rounding (maybe a jump)
    return f"a kink of {op}" if _kinks.is_kink_name(op) else f"a switch of {op}"


@dataclass
class GradCheck:
    """A passed gradient check: both gradients, the largest discrepancy, and the kinks.

    ``max_abs_error`` is over the entries compared; ``kinks`` lists the entries whose stencil
    crossed a kink (they are reported, not compared); ``kink_scan`` says why the scan did not
    run, when it could not (``""`` when it ran).
    """

    analytic: Any
    numeric: Any
    max_abs_error: float
    kinks: list[Kink] = field(default_factory=list)
    kink_scan: str = ""

    def __repr__(self) -> str:
        error = f"max |analytic - numeric| = {self.max_abs_error:.2e}"
        if not self.kinks:
            return f"GradCheck(passed, {error})"
        n, k = np.size(self.analytic), len(self.kinks)
        rows = [
            (kink.entry, _crossed(kink.where[0]), f"{kink.analytic:.6g}", f"{kink.numeric:.6g}")
            for kink in self.kinks[:8]
        ]
        head = ("entry", "stencil crossed", "analytic", "quotient")
        widths = [max(len(r[i]) for r in [head, *rows]) for i in range(4)]
        lines = [
            f"GradCheck(passed on {n - k} of {n} entries, {error};",
            f"  {k} {'entry was' if k == 1 else 'entries were'} not compared: the stencil "
            "crossed a kink,",
            "  where the difference quotient is not a derivative)",
        ]
        for r in [head, *rows]:
            lines.append(
                "  "
                + "  ".join(
                    c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))
                ).rstrip()
            )
        if k > 8:
            lines.append(f"  … and {k - 8} more (see .kinks)")
        return "\n".join(lines)

    __str__ = __repr__


def _labelled_leaves(tree: Any, path: str = "") -> list[tuple[str, Any]]:
    """(path, leaf) pairs in tree_flatten's order, e.g. ``("['W1']", array)``."""
    if isinstance(tree, dict):
        return [pair for k in tree for pair in _labelled_leaves(tree[k], f"{path}[{k!r}]")]
    if isinstance(tree, (list, tuple)):
        return [pair for i, v in enumerate(tree) for pair in _labelled_leaves(v, f"{path}[{i}]")]
    return [(path, tree)]


class Flat:
    """A point x (an array, or a dict/list/tuple of arrays) as one flat float vector and back."""

    def __init__(self, x: Any, dtype: Any = float) -> None:
        labelled = _labelled_leaves(x)
        self.names = [name or "x" for name, _ in labelled]
        self.leaves = [np.asarray(leaf, dtype=dtype) for _, leaf in labelled]
        self.treedef = tree_flatten(x)[1]
        self.single = self.treedef is None
        self.sizes = [leaf.size for leaf in self.leaves]
        self.starts = np.cumsum([0, *self.sizes])
        self.vector = (
            np.concatenate([leaf.ravel() for leaf in self.leaves]) if self.leaves else np.zeros(0)
        )

    def unflatten(self, v: Any) -> Any:
        v = np.asarray(v)
        parts = np.split(v, self.starts[1:-1]) if len(self.leaves) > 1 else [v]
        return tree_unflatten(
            self.treedef, [p.reshape(leaf.shape) for p, leaf in zip(parts, self.leaves)]
        )

    def flatten(self, tree: Any, what: str, caller: str = "check_grad") -> np.ndarray:
        got = [np.asarray(g, dtype=float) for g in tree_flatten(tree)[0]]
        if [g.shape for g in got] != [leaf.shape for leaf in self.leaves]:
            raise ValueError(
                f"{caller}: the {what} gradient has shapes {[g.shape for g in got]} but x has "
                f"{[leaf.shape for leaf in self.leaves]}; a gradient must have the structure "
                "and shapes of its argument."
            )
        return np.concatenate([g.ravel() for g in got]) if got else np.zeros(0)

    def label(self, k: int) -> str:
        """The name of flat entry k: ``x[3]``, ``x[1, 2]``, ``['W'][0, 1]``, ``['b'][1]``."""
        j = int(np.searchsorted(self.starts, k, side="right") - 1)  # which leaf holds entry k
        leaf = self.leaves[j]
        if not leaf.ndim:
            return self.names[j]
        idx = np.unravel_index(k - self.starts[j], leaf.shape)
        return f"{self.names[j]}[{', '.join(str(int(i)) for i in idx)}]"


def check_grad(
    f: Callable,
    x: Any,
    grad_f: Callable | None = None,
    *,
    rtol: float = 1e-6,
    atol: float = 1e-8,
    method: str = "central",
    scan_kinks: bool = True,
) -> GradCheck:
    """Check a gradient against finite differences; raise AssertionError showing both if wrong.

    The test per entry is ``|analytic - numeric| <= atol + rtol · |numeric|``. An entry whose
    stencil crossed a kink of f (``np.abs``, ``np.maximum``, ``np.max``, ``np.where``,
    ``np.clip``, a ReLU, a comparison: an operation that chose differently at ``x - h e_j``
    than at ``x + h e_j``) is not compared, since its difference quotient is not a derivative;
    it is listed in the result's ``kinks`` instead, with the operation named.

    Args:
        f: a scalar function of one argument: a float, an array, or a dict/list/tuple of arrays
            (network parameters).
        x: the point, with the structure f expects.
        grad_f: the gradient to check (e.g. one derived by hand), returning the structure of
            ``x``; by default derivlab's own ``grad(f)``.
        rtol, atol: tolerances of the comparison.
        method: the finite-difference method (see :func:`derivlab.numeric.gradient`).
        scan_kinks: run f's evaluations under an observing trace that logs the branch each
            choosing operation takes, to find the entries whose stencil crossed a kink. If f
            does not run on traced values the scan is skipped and ``kink_scan`` says why. The
            stencil is every point evaluated: with ``method="richardson"`` that includes its
            widest steps (about 0.8), so kinks that far away are reported too.

    Returns:
        A :class:`GradCheck` with both gradients (flattened into one vector when ``x`` is a
        dict/list/tuple) when they agree on every entry compared.

    Raises:
        AssertionError: with the worst entries side by side when they disagree.
        ValueError: when the gradient's structure or shapes differ from ``x``'s.
    """
    if not callable(f):
        raise TypeError(f"check_grad: f must be a function, got {type(f).__name__}.")
    flat = Flat(x)
    leaves, single = flat.leaves, flat.single
    analytic = flat.flatten((grad_f or grad(f))(x if not single else leaves[0]), "analytic")
    point = leaves[0] if single else flat.vector
    unflatten = (lambda v: v) if single else flat.unflatten
    scan = _kinks.KinkScan(f, point, unflatten) if scan_kinks else None
    fun = scan if scan is not None else (f if single else lambda v: f(flat.unflatten(v)))
    approx = np.ravel(numeric.gradient(fun, point, method=method))
    crossed = scan.crossings() if scan is not None else {}
    at_kink = np.zeros(analytic.shape, dtype=bool)
    at_kink[list(crossed)] = True
    kinks = [
        Kink(
            flat.label(k),
            k,
            tuple(_kinks.describe(n) for n in crossed[k]),
            float(analytic[k]),
            float(approx[k]),
        )
        for k in sorted(crossed)
    ]
    diff = np.abs(analytic - approx)
    bad = (diff > atol + rtol * np.abs(approx)) & ~at_kink
    if np.any(bad) or not np.all(np.isfinite(analytic)):
        lines = [f"{'entry':>16}  {'analytic':>22}  {'numeric':>22}  {'difference':>10}"]
        shown = np.where(at_kink, -1.0, np.nan_to_num(diff, nan=np.inf))
        for k in np.argsort(-shown)[: min(8, int(np.sum(~at_kink)))]:
            lines.append(
                f"{flat.label(k):>16}  {analytic[k]:>22.15g}  {approx[k]:>22.15g}  {diff[k]:>10.2e}"
            )
        if kinks:
            lines.append(f"{len(kinks)} more entries crossed a kink and were not compared:")
            lines += [f"  {kink}" for kink in kinks[:8]]
        raise AssertionError(
            f"check_grad: the gradient disagrees with finite differences ({method}) in "
            f"{int(np.sum(bad))} of {int(np.sum(~at_kink))} entries compared "
            f"(rtol={rtol}, atol={atol}):\n" + "\n".join(lines)
        )
    if single:
        analytic, approx = analytic.reshape(leaves[0].shape), approx.reshape(leaves[0].shape)
    compared = diff[~at_kink]
    return GradCheck(
        analytic,
        approx,
        float(np.max(compared)) if compared.size else 0.0,
        kinks,
        (scan.off or "") if scan is not None else "off (scan_kinks=False)",
    )
