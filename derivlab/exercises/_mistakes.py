"""Value exercises whose likeliest wrong answers get a message of their own.

``@expected_with_mistakes("7.1")`` registers, like ``@exercise``, a function of the context;
it returns the expected answer and a list of ``(mistake, message)`` pairs. An answer that
misses the expected one but matches a ``mistake`` (a value, compared by :func:`match`, or a
predicate of the answer) is told that ``message``, which names the slip without the answer.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from . import Wrong, grader
from ._compare import match


def _is(answer: Any, mistake: Any, rtol: float, atol: float) -> bool:
    try:
        if callable(mistake):
            return bool(mistake(answer))
        match(answer, mistake, rtol=rtol, atol=atol)
    except Exception:  # noqa: BLE001 - a reader's odd answer is simply not this mistake
        return False
    return True


def expected_with_mistakes(
    exercise_id: str, *, hint: str | None = None, rtol: float = 1e-6, atol: float = 1e-9
) -> Callable:
    """Register ``function(**context) -> (expected, [(mistake, message), ...])``."""

    def decorate(function: Callable[..., tuple]) -> Callable[..., tuple]:
        def grade(answer: Any, rng: Any, **context: Any) -> None:
            expected, mistakes = function(**context)
            try:
                match(answer, expected, rtol=rtol, atol=atol)
            except Wrong:
                for mistake, message in mistakes:
                    if _is(answer, mistake, rtol, atol):
                        raise Wrong(message) from None
                raise

        # the check asks for the context by the function's own parameter names
        own = list(inspect.signature(function).parameters.values())
        head = [inspect.Parameter(name, inspect.Parameter.POSITIONAL_ONLY) for name in ("a", "r")]
        grade.__signature__ = inspect.Signature(head + own)
        grader(exercise_id, hint=hint)(grade)
        return function

    return decorate
