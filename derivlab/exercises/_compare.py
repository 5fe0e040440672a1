"""How an answer is compared with the expected one, without giving the expected value away.

:func:`compare` is the engine behind :func:`derivlab.exercises.check`; chapters call ``check``
with an exercise id, and ``compare`` stays public for readers who want to check their own work.

``...`` or ``None`` means "not attempted yet": the result says so and never raises, so a
notebook with its placeholders in place runs top to bottom. With ``strict=True`` a wrong (or
missing) answer raises :class:`AssertionError`, so a wrong solution fails CI.

What is compared, by the type of ``expected``:

- numbers and arrays: same shape, equal within ``rtol``/``atol`` (NaN equals NaN);
- callables: both functions evaluated at sample ``points`` (scalars, arrays, or tuples of
  arguments);
- SymPy expressions and matrices: ``simplify(answer - expected) == 0``, falling back to
  evaluating the difference at sample points when ``simplify`` cannot decide;
- tuples, lists and dicts: the same structure, then each entry by these rules;
- strings and booleans: equal (strings ignoring case and surrounding spaces).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy

__all__ = ["CheckResult", "Wrong", "compare", "match"]

# Sample points for callables: irrational-looking, away from 0 and ±1 where kinks, log's
# domain and removable singularities usually sit.
DEFAULT_POINTS: tuple[float, ...] = (-2.3, -1.7, -0.6, 0.3, 0.9, 1.4, 2.6)


class Wrong(Exception):
    """The answer differs; ``reason`` is shown to the reader, so it never holds the expected
    value (shapes, keys, sample points and what the answer got wrong are fine).

    A code-writing exercise's grader raises it to say what is wrong with the reader's code.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# ---- the result a check cell displays ----
@dataclass(frozen=True)
class CheckResult:
    """The outcome of a check: ``passed`` is True, False, or None (not attempted yet).

    It renders as a small coloured box in a notebook and as one line of text elsewhere; it is
    truthy only when the answer is right. ``exercise`` names the exercise (``"9.2"``) when the
    check came from :func:`derivlab.exercises.check`, and ``solution`` marks a worked
    solution's own check (shown on the solutions pages), so it never reads as the reader's.
    """

    passed: bool | None
    reason: str = ""
    hint: str | None = None
    exercise: str | None = None
    solution: bool = False

    @property
    def status(self) -> str:
        return {True: "correct", False: "wrong", None: "not attempted"}[self.passed]

    def _lines(self) -> tuple[str, str]:
        if self.passed is None:
            return "○", "Not attempted yet: replace `...` with your answer and run the cell again."
        if self.passed and self.solution:
            return "✓", f"This worked solution passes the check of exercise {self.exercise}."
        if self.passed:
            return "✓", "Correct."
        text = f"Not quite: {self.reason}." if self.reason else "Not quite."
        text += f" Hint: {self.hint}" if self.hint else ""
        chapter = self.exercise.split(".")[0] if self.exercise else "0"
        if chapter != "0" and not self.solution:  # chapter 0: the preface's demonstration
            text += f" (A worked solution is in the appendix: Solutions, chapter {chapter}.)"
        return "✗", text

    def __str__(self) -> str:
        mark, text = self._lines()
        return f"{mark} {text}"

    def __repr__(self) -> str:
        return str(self)

    def __bool__(self) -> bool:
        return self.passed is True

    def _repr_html_(self) -> str:
        colour = {True: "#1a7f37", False: "#cf222e", None: "#6e7781"}[self.passed]
        mark, text = self._lines()
        # `code` spans for the backticks used in the messages
        parts = html.escape(text).split("`")
        body = "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))
        return (
            f'<div class="derivlab-check derivlab-check-{self.status.replace(" ", "-")}" '
            f'style="border-left: 4px solid {colour}; padding: 0.3em 0.8em; margin: 0.2em 0;">'
            f'<strong style="color: {colour};">{mark}</strong> {body}</div>'
        )


# ---- the public check ----
def compare(
    answer: Any,
    expected: Any,
    *,
    hint: str | None = None,
    strict: bool = False,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    points: Sequence[Any] | None = None,
) -> CheckResult:
    """Compare a reader's answer with the expected one, without showing the expected value.

    Args:
        answer: what the reader wrote; ``...`` or ``None`` means "not attempted yet".
        expected: the right answer: a number, array, callable, SymPy expression or matrix,
            string, bool, or a tuple/list/dict of these.
        hint: shown with a wrong answer.
        strict: raise :class:`AssertionError` (with both values) unless the answer is right;
            the hidden solution cell uses it, so a wrong solution fails CI.
        rtol: relative tolerance for numbers, arrays and function values.
        atol: absolute tolerance, for values near zero.
        points: where callables (and SymPy expressions that ``simplify`` cannot settle) are
            compared; a tuple entry is unpacked into several arguments. Default: a few scalars
            between -2.3 and 2.6.

    Returns:
        A :class:`CheckResult` that displays ✓, ✗ with the hint, or "not attempted yet".

    Raises:
        AssertionError: with ``strict=True``, when the answer is missing or wrong.
        TypeError: when ``expected`` is ``...``/``None`` (a mistake in the chapter, not the
            reader's).
    """
    if answer is None or answer is Ellipsis:
        if strict:
            raise AssertionError("The solution is still the placeholder `...`: fill it in.")
        _sample(expected, rtol, atol, points)  # a mistake in the chapter still raises
        return CheckResult(None, hint=hint)
    try:
        match(answer, expected, rtol=rtol, atol=atol, points=points)
    except Wrong as wrong:
        if strict:
            raise AssertionError(
                f"Wrong solution: {wrong.reason}.\n  expected: {expected!r}\n  got:      {answer!r}"
            ) from None
        return CheckResult(False, wrong.reason, hint)
    return CheckResult(True, hint=hint)


def match(
    answer: Any,
    expected: Any,
    *,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    points: Sequence[Any] | None = None,
) -> None:
    """Return when ``answer`` matches ``expected`` by :func:`compare`'s rules; raise
    :class:`Wrong` saying how it differs (never what the expected value is)."""
    sample = _sample(expected, rtol, atol, points)
    _compare(answer, expected, rtol=rtol, atol=atol, points=sample)


def _sample(expected: Any, rtol: float, atol: float, points: Sequence[Any] | None) -> tuple:
    """The sample points, after checking the arguments that are the chapter's, not the
    reader's."""
    if expected is None or expected is Ellipsis:
        raise TypeError("compare() needs the expected answer; got None/... as `expected`.")
    if rtol < 0 or atol < 0:
        raise ValueError(f"rtol and atol must be >= 0, got rtol={rtol}, atol={atol}.")
    sample = tuple(DEFAULT_POINTS if points is None else points)
    if not sample:
        raise ValueError("points must hold at least one sample point.")
    return sample


# ---- comparison, by the kind of the expected answer ----
def _compare(answer: Any, expected: Any, *, rtol: float, atol: float, points: tuple) -> None:
    """Return when `answer` matches `expected`; raise Wrong saying how it differs."""
    if isinstance(expected, Mapping):
        _compare_dict(answer, expected, rtol=rtol, atol=atol, points=points)
    elif isinstance(expected, (str, bool, np.bool_)):
        _compare_exact(answer, expected)
    elif isinstance(expected, (sympy.Basic, sympy.MatrixBase)):
        _compare_sympy(answer, expected, rtol=rtol, atol=atol, points=points)
    elif callable(expected):
        _compare_callable(answer, expected, rtol=rtol, atol=atol, points=points)
    elif isinstance(expected, (tuple, list)) and (
        not _is_numeric(expected) or _unlike_sequence(answer, expected)
    ):
        _compare_sequence(answer, expected, rtol=rtol, atol=atol, points=points)
    elif _is_numeric(expected):
        _compare_numbers(answer, expected, rtol=rtol, atol=atol)
    else:
        raise TypeError(
            f"compare() cannot compare answers of type {type(expected).__name__}; use a number, "
            "array, callable, SymPy expression, string, bool, or a tuple/list/dict of these."
        )


def _is_numeric(value: Any) -> bool:
    if isinstance(value, sympy.Basic):
        return bool(getattr(value, "is_number", False))
    if isinstance(value, (str, bytes, Mapping, sympy.MatrixBase)) or callable(value):
        return False
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):
        return False
    return array.dtype.kind in "biufc"


def _unlike_sequence(answer: Any, expected: Sequence) -> bool:
    """A tuple or list answer that is ragged, or shaped unlike a numeric tuple/list expected
    (e.g. shapes ((5, 3), (4, 4, 4)) against ((5, 5, 3), (4, 4, 4))): compare entry by entry,
    so the message names the entry, not a failed conversion to an array."""
    if not isinstance(answer, (tuple, list)):
        return False
    return not _is_numeric(answer) or np.shape(answer) != np.shape(expected)


def _as_array(value: Any, what: str) -> np.ndarray:
    if isinstance(value, sympy.MatrixBase):
        if value.free_symbols:
            raise Wrong(f"{what} should hold numbers, not expressions")
        value = np.array(value.evalf().tolist(), dtype=complex)
        value = value.real if not value.imag.any() else value
    elif isinstance(value, sympy.Basic):
        if not value.is_number:
            symbols = ", ".join(sorted(map(str, value.free_symbols)))
            raise Wrong(f"{what} should be a number, not an expression in {symbols}")
        value = complex(value)
        value = value.real if value.imag == 0 else value
    if not _is_numeric(value):
        raise Wrong(f"{what} should be a number or array, not a {type(value).__name__}")
    return np.asarray(value)


def _compare_numbers(answer: Any, expected: Any, *, rtol: float, atol: float) -> None:
    want = _as_array(expected, "the expected answer")
    got = _as_array(answer, "the answer")
    if got.shape != want.shape:
        if want.ndim == 0:
            raise Wrong(f"expected a single number, got an array of shape {got.shape}")
        raise Wrong(f"expected an array of shape {want.shape}, got shape {got.shape}")
    if not np.allclose(got, want, rtol=rtol, atol=atol, equal_nan=True):
        where = ""
        if want.ndim:
            bad = ~np.isclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
            where = f" ({int(bad.sum())} of {want.size} entries differ)"
        raise Wrong(f"the value is not right{where}")


def _compare_exact(answer: Any, expected: Any) -> None:
    if isinstance(expected, str):
        if not isinstance(answer, str):
            raise Wrong(f"expected text (a str), got a {type(answer).__name__}")
        if answer.strip().casefold() != expected.strip().casefold():
            raise Wrong("that is not the right choice")
        return
    if not isinstance(answer, (bool, np.bool_)):
        raise Wrong(f"expected True or False, got a {type(answer).__name__}")
    if bool(answer) != bool(expected):
        raise Wrong("that is not the right choice")


def _compare_sequence(answer: Any, expected: Sequence, **tol: Any) -> None:
    if not isinstance(answer, (tuple, list)):
        raise Wrong(f"expected a tuple or list, got a {type(answer).__name__}")
    if len(answer) != len(expected):
        raise Wrong(f"expected {len(expected)} entries, got {len(answer)}")
    for i, (got, want) in enumerate(zip(answer, expected, strict=True)):
        _nested(f"entry {i}", got, want, **tol)


def _compare_dict(answer: Any, expected: Mapping, **tol: Any) -> None:
    if not isinstance(answer, Mapping):
        raise Wrong(f"expected a dict, got a {type(answer).__name__}")
    missing = [k for k in expected if k not in answer]
    extra = [k for k in answer if k not in expected]
    if missing or extra:
        raise Wrong(f"keys differ (missing {missing}, unexpected {extra})")
    for key in expected:
        _nested(f"entry {key!r}", answer[key], expected[key], **tol)


def _nested(label: str, got: Any, want: Any, **tol: Any) -> None:
    if got is None or got is Ellipsis:
        raise Wrong(f"{label} is still a placeholder")
    try:
        _compare(got, want, **tol)
    except Wrong as wrong:
        raise Wrong(f"{label}: {wrong.reason}") from None


def _call(function: Callable, point: Any) -> Any:
    return function(*point) if isinstance(point, tuple) else function(point)


def _describe(point: Any) -> str:
    if isinstance(point, tuple):
        return "(" + ", ".join(_describe(p) for p in point) + ")"
    return np.array2string(np.asarray(point), precision=4) if np.ndim(point) else f"{point:g}"


def _compare_callable(answer: Any, expected: Callable, *, rtol: float, atol: float, points: tuple):
    if not callable(answer):
        raise Wrong(f"expected a function, got a {type(answer).__name__}")
    compared = 0
    for point in points:
        try:
            want = _call(expected, point)
        except (ArithmeticError, ValueError, TypeError):
            continue  # outside the expected function's domain: not a test point
        try:
            got = _call(answer, point)
        except Exception as error:  # the reader's function may fail in any way
            raise Wrong(
                f"your function raised {type(error).__name__} at x = {_describe(point)}: {error}"
            ) from None
        try:
            _compare(got, want, rtol=rtol, atol=atol, points=points)
        except Wrong as wrong:
            detail = "" if wrong.reason.startswith("the value") else f" ({wrong.reason})"
            raise Wrong(f"the functions differ at x = {_describe(point)}{detail}") from None
        compared += 1
    if compared == 0:
        raise TypeError(
            "compare(): the expected function failed at every sample point; pass points= "
            "inside its domain."
        )


# ---- SymPy: prove the difference is zero, else sample it ----
def _compare_sympy(answer: Any, expected: Any, *, rtol: float, atol: float, points: tuple):
    if isinstance(answer, str):
        try:
            answer = sympy.sympify(answer)
        except (sympy.SympifyError, SyntaxError, TypeError):
            raise Wrong("SymPy cannot read that text as an expression") from None
    if isinstance(expected, sympy.Basic) and expected.is_number:
        _compare_numbers(answer, expected, rtol=rtol, atol=atol)  # e.g. pi/4 against 0.785…
        return
    if isinstance(expected, sympy.MatrixBase):
        if not isinstance(answer, sympy.MatrixBase):
            try:
                answer = sympy.Matrix(answer)
            except (TypeError, ValueError, sympy.SympifyError):
                raise Wrong(f"expected a matrix, got a {type(answer).__name__}") from None
            if answer.shape != expected.shape and 1 in expected.shape:
                answer = answer.reshape(*expected.shape)
        if answer.shape != expected.shape:
            raise Wrong(f"expected a {expected.shape} matrix, got {answer.shape}")
        for (i, j), want in np.ndenumerate(np.array(expected.tolist(), dtype=object)):
            _nested(f"entry ({i}, {j})", answer[i, j], want, rtol=rtol, atol=atol, points=points)
        return
    if isinstance(answer, sympy.MatrixBase):
        raise Wrong("expected a single expression, got a matrix")
    if callable(answer) and not isinstance(answer, sympy.Basic):
        # a NumPy function against a one-variable expression: compare values
        symbols = sorted(expected.free_symbols, key=str)
        if len(symbols) > 1:
            raise Wrong("expected an expression, got a function")
        target = sympy.lambdify(symbols, expected, "numpy")
        _compare_callable(answer, target, rtol=rtol, atol=atol, points=points)
        return
    try:
        answer = sympy.sympify(answer)
    except (sympy.SympifyError, TypeError):
        raise Wrong(f"expected an expression, got a {type(answer).__name__}") from None
    # match the reader's symbols to the expected ones by name (assumptions may differ)
    by_name = {str(s): s for s in expected.free_symbols}
    answer = answer.subs({s: by_name[str(s)] for s in answer.free_symbols if str(s) in by_name})
    extra = sorted(str(s) for s in answer.free_symbols - expected.free_symbols)
    if extra:
        raise Wrong(f"the answer uses symbols that should not appear: {', '.join(extra)}")
    difference = sympy.simplify(answer - expected)
    if difference == 0:
        return
    if not difference.free_symbols:
        raise Wrong("the expressions differ")  # a nonzero constant
    _sample_difference(answer, expected, rtol=rtol, atol=atol, points=points)


def _sample_difference(answer: Any, expected: Any, *, rtol: float, atol: float, points: tuple):
    """Settle what simplify could not: evaluate both expressions at sample values."""
    symbols = sorted(expected.free_symbols | answer.free_symbols, key=str)
    got_f = sympy.lambdify(symbols, answer, "numpy")
    want_f = sympy.lambdify(symbols, expected, "numpy")
    grid = [p for p in points if not isinstance(p, tuple) and np.ndim(p) == 0] or DEFAULT_POINTS
    compared = 0
    for k in range(len(grid)):
        # each symbol takes a different grid value, so x*y is told apart from x**2
        values = [float(grid[(k + i) % len(grid)]) for i in range(len(symbols))]
        try:
            with np.errstate(all="ignore"):
                want = complex(want_f(*values))
                got = complex(got_f(*values))
        except (TypeError, ValueError, ZeroDivisionError):
            continue
        if not np.isfinite(want):
            continue  # outside the expected expression's domain
        compared += 1
        if not np.isclose(got, want, rtol=rtol, atol=atol):
            shown = ", ".join(f"{s} = {v:g}" for s, v in zip(symbols, values, strict=True))
            raise Wrong(f"the expressions differ (for example at {shown})")
    if compared == 0:
        raise Wrong("the expressions could not be compared; simplify your answer")
