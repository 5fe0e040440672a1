"""Check a reader's exercise answer by its id, so no expected value appears in the chapter.

Each exercise in the book is an id such as ``"9.2"`` (chapter 9, exercise 2). The chapter holds
the question, the reader's answer cell and a check cell::

    answer_2 = ...  # ∂L/∂W1, a 2 × 2 array
    dl.exercises.check("9.2", answer_2, params=params)

The expected answer lives here, in the bank of chapter 9 (``derivlab/exercises/_ch09.py``),
computed from the context the check cell passes (``params`` above), so the chapter shows
neither the answer nor the solution, in Jupyter and Colab as well as on the website. The worked
solutions sit on the book's solutions pages, one per chapter, which run every solution through
the same check with ``strict=True``: a wrong solution fails CI.

A bank entry is either

- an *expected value*, ``@exercise("9.2")`` over a function of the context that returns it; the
  answer is compared by :func:`compare`'s rules (numbers, arrays, callables, SymPy, tuples…);
  ``@slips("9.2")`` may add the likeliest wrong answers, each with what to tell the reader who
  gives it (``{"the 2 is lost": value / 2}``);
- or a *grader*, ``@grader("5.4")`` over a function ``(answer, rng, **context)`` that tries the
  reader's code (a function, a class) on random inputs drawn from ``rng`` and raises
  :class:`Wrong` with a reason that names what is wrong without giving the answer away.

``...`` or ``None`` as the answer means "not attempted yet": the check says so and never raises,
so a notebook with its placeholders in place runs top to bottom. So does a function whose body
is still only ``...`` (or ``pass``, or a docstring): the skeleton a code-writing exercise hands
the reader. A grader calls the reader's code through :func:`call`, which turns an exception in
it, or a forgotten ``return``, into a :class:`Wrong` that says so.
"""

from __future__ import annotations

import dis
import importlib
import inspect
import re
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._compare import CheckResult, Wrong, compare, match

__all__ = [
    "CheckResult",
    "Wrong",
    "call",
    "check",
    "arrays",
    "compare",
    "exercise",
    "exercise_ids",
    "grader",
    "match",
    "slips",
]

_ID = re.compile(r"^(\d+)\.(\d+)$")
_BANK: dict[str, _Entry] = {}
_SLIPS: dict[str, Callable[..., dict[str, Any]]] = {}


@dataclass(frozen=True)
class _Entry:
    exercise_id: str
    function: Callable[..., Any]
    grades: bool  # True: `function` is a grader; False: it returns the expected answer
    hint: str | None
    rtol: float
    atol: float
    points: Sequence[Any] | None
    seed: int


def _chapter(exercise_id: Any) -> int:
    match = _ID.match(exercise_id) if isinstance(exercise_id, str) else None
    if match is None:
        raise TypeError(
            f"an exercise id is a string 'chapter.number' such as '9.2', got {exercise_id!r}; "
            "to compare an answer with a value of your own, use dl.exercises.compare(answer, "
            "expected)."
        )
    return int(match.group(1))


def _register(exercise_id: str, grades: bool, **options: Any) -> Callable:
    _chapter(exercise_id)

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        if exercise_id in _BANK:
            raise ValueError(f"exercise {exercise_id} is registered twice")
        _BANK[exercise_id] = _Entry(exercise_id, function, grades, **options)
        return function

    return decorate


def exercise(
    exercise_id: str,
    *,
    hint: str | None = None,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    points: Sequence[Any] | None = None,
) -> Callable:
    """Register the function that computes exercise ``exercise_id``'s expected answer.

    The function's parameters name the context the check cell must pass (``params=params``);
    the answer is compared with what it returns by :func:`compare` with these tolerances and
    sample ``points``.
    """
    return _register(exercise_id, False, hint=hint, rtol=rtol, atol=atol, points=points, seed=0)


def slips(exercise_id: str) -> Callable:
    """Register the likeliest wrong answers to exercise ``exercise_id``: a function of the same
    context as its expected answer that returns ``{what to tell the reader: wrong answer}``.

    An answer that matches one of them (by :func:`compare`'s rules) is told that reason
    instead of a bare "the value is not right"; the reason names the slip, never the answer.
    """
    _chapter(exercise_id)

    def decorate(function: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
        if exercise_id in _SLIPS:
            raise ValueError(f"the slips of exercise {exercise_id} are registered twice")
        _SLIPS[exercise_id] = function
        return function

    return decorate


def _name_the_slip(entry: _Entry, answer: Any, context: dict) -> None:
    """Raise Wrong with the reason of the first registered slip that ``answer`` matches."""
    if entry.exercise_id not in _SLIPS:
        return
    tolerance = {"rtol": entry.rtol, "atol": entry.atol, "points": entry.points}
    for reason, value in _call_with_context(entry, _SLIPS[entry.exercise_id], (), context).items():
        try:
            match(answer, value, **tolerance)
        except Wrong:
            continue
        raise Wrong(reason)


def grader(exercise_id: str, *, hint: str | None = None, seed: int = 0) -> Callable:
    """Register a grader for a code-writing exercise: ``grade(answer, rng, **context)``.

    It returns when the reader's code is right and raises :class:`Wrong` saying what is wrong
    otherwise. ``rng`` is a fresh ``np.random.default_rng(seed)`` at every check, so a check is
    reproducible.
    """
    return _register(exercise_id, True, hint=hint, rtol=0.0, atol=0.0, points=None, seed=seed)


def _entry(exercise_id: str) -> _Entry:
    chapter = _chapter(exercise_id)
    if exercise_id not in _BANK:
        try:
            importlib.import_module(f"{__name__}._ch{chapter:02d}")
        except ModuleNotFoundError as error:
            if error.name != f"{__name__}._ch{chapter:02d}":
                raise
    if exercise_id not in _BANK:
        raise ValueError(
            f"there is no exercise {exercise_id}; the ids are the exercise numbers printed in "
            "the chapter, such as '9.2'."
        )
    return _BANK[exercise_id]


def exercise_ids(chapter: int) -> list[str]:
    """The ids of chapter ``chapter``'s checked exercises, in order."""
    try:
        importlib.import_module(f"{__name__}._ch{chapter:02d}")
    except ModuleNotFoundError as error:
        if error.name != f"{__name__}._ch{chapter:02d}":
            raise  # a bank that fails to import is a bug, not a chapter without exercises
    found = [i for i in _BANK if _chapter(i) == chapter]
    return sorted(found, key=lambda i: int(i.split(".")[1]))


def _is_skeleton(answer: Any) -> bool:
    """Whether ``answer`` is a function the reader has not filled in yet: its body is only
    ``...``, ``pass`` or a docstring, which all compile to "return None" and nothing else."""
    if not isinstance(answer, types.FunctionType):
        return False
    steps = [
        (i.opname, i.argval)
        for i in dis.get_instructions(answer)
        if i.opname not in ("RESUME", "NOP", "COPY_FREE_VARS", "MAKE_CELL")
    ]
    return steps in ([("LOAD_CONST", None), ("RETURN_VALUE", None)], [("RETURN_CONST", None)])


def call(function: Callable[..., Any], *args: Any, name: str = "your function") -> Any:
    """Call the reader's ``function`` for a grader; raise :class:`Wrong` when it raises, or
    returns ``None`` or ``...`` (a ``return`` forgotten), naming what happened."""
    if not callable(function):
        raise Wrong(f"expected a function, got a {type(function).__name__}")
    try:
        value = function(*args)
    except Wrong:
        raise
    except Exception as error:  # the reader's code may fail in any way
        raise Wrong(f"{name} raised {type(error).__name__}: {error}") from None
    if value is None or value is Ellipsis:
        raise Wrong(f"{name} returned {value!r}: its `return` is missing")
    return value


def arrays(value: Any, what: str, dtype: Any = float) -> tuple[np.ndarray, ...]:
    """The tuple a reader's function returned, as arrays; :class:`Wrong` naming the expected
    tuple ``what`` (e.g. ``"(x_bar, w_bar)"``) when it is not a tuple of that many arrays."""
    count = what.count(",") + 1
    try:
        parts = tuple(np.asarray(v, dtype=dtype) for v in value)
    except (TypeError, ValueError) as error:
        raise Wrong(
            f"your function should return {what} ({type(error).__name__}: {error})"
        ) from None
    if len(parts) != count:
        raise Wrong(f"your function should return {what}, {count} arrays; it returned {len(parts)}")
    return parts


def _call_with_context(entry: _Entry, function: Callable, args: tuple, context: dict) -> Any:
    signature = inspect.signature(function)
    params = list(signature.parameters.values())[len(args) :]
    takes_any = any(p.kind is p.VAR_KEYWORD for p in params)
    names = {p.name for p in params if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)}
    needed = [
        p.name
        for p in params
        if p.default is p.empty
        and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
        and p.name not in context
    ]
    if needed:
        shown = ", ".join(f"{n}={n}" for n in needed)
        raise TypeError(
            f"the check of exercise {entry.exercise_id} needs the chapter's {', '.join(needed)}:"
            f" call dl.exercises.check({entry.exercise_id!r}, answer, {shown})."
        )
    unknown = sorted(set(context) - names) if not takes_any else []
    if unknown:
        raise TypeError(
            f"the check of exercise {entry.exercise_id} takes no {', '.join(unknown)}; it uses "
            f"{', '.join(sorted(names)) or 'no context'}."
        )
    return function(*args, **context)


def check(exercise_id: str, answer: Any, /, *, strict: bool = False, **context: Any) -> CheckResult:
    """Check the reader's ``answer`` to exercise ``exercise_id`` (e.g. ``"9.2"``).

    Args:
        exercise_id: the exercise's number as printed in the chapter, as a string.
        answer: what the reader wrote: a value, or for a code-writing exercise the function or
            class they wrote; ``...``, ``None`` or a function whose body is still only ``...``
            means "not attempted yet".
        strict: raise :class:`AssertionError` unless the answer is right; the solutions pages
            use it, so a wrong worked solution fails CI.
        **context: what the expected answer depends on (``params=params``); the error says
            which names an exercise needs.

    Returns:
        A :class:`CheckResult` that displays ✓, ✗ with what is wrong and a hint, or
        "not attempted yet", and never shows the expected value.

    Raises:
        TypeError: for an id that is not a string, or missing or unexpected context.
        ValueError: for an id with no exercise.
        AssertionError: with ``strict=True``, when the answer is missing or wrong.
    """
    entry = _entry(exercise_id)
    label = {"exercise": exercise_id, "solution": strict}
    if answer is None or answer is Ellipsis or _is_skeleton(answer):
        if strict:
            raise AssertionError(
                f"The solution of exercise {exercise_id} is still the placeholder `...`."
            )
        return CheckResult(None, hint=entry.hint, **label)
    try:
        if entry.grades:
            rng = np.random.default_rng(entry.seed)
            _call_with_context(entry, entry.function, (answer, rng), context)
        else:
            expected = _call_with_context(entry, entry.function, (), context)
            try:
                match(answer, expected, rtol=entry.rtol, atol=entry.atol, points=entry.points)
            except Wrong:
                _name_the_slip(entry, answer, context)
                raise
    except Wrong as wrong:
        if strict:
            raise AssertionError(
                f"Wrong solution of exercise {exercise_id}: {wrong.reason}."
            ) from None
        return CheckResult(False, wrong.reason, entry.hint, **label)
    return CheckResult(True, hint=entry.hint, **label)
