"""The timing loop every bench script shares: interleaved rounds, medians per candidate."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np


def race(candidates: dict[str, Callable], number: int, rounds: int = 25) -> dict[str, float]:
    """Median seconds per call of each candidate, measured in interleaved rounds.

    Interleaving (a, b, c, a, b, c, ...) exposes every candidate to the same machine load, so the
    ratios stay meaningful even when the absolute times drift.
    """
    for fn in candidates.values():
        fn()  # warm up
    samples: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(rounds):
        for name, fn in candidates.items():
            t0 = time.perf_counter()
            for _ in range(number):
                fn()
            samples[name].append((time.perf_counter() - t0) / number)
    return {name: float(np.median(v)) for name, v in samples.items()}


def print_table(
    rows: list[tuple[str, float, float]], ratio: str = "derivlab time / this", digits: int = 3
) -> None:
    """A Markdown table of (case, median seconds, ratio) rows, as bench/README.md quotes them."""
    width = max(len(name) for name, _, _ in rows)
    print(f"| {'case':<{width}} | {'median':>10} | {ratio:>20} |")
    print(f"|{'-' * (width + 2)}|{'-' * 12}|{'-' * 22}|")
    for name, seconds, value in rows:
        print(f"| {name:<{width}} | {seconds * 1e3:>7.{digits}f} ms | {value:>20.2f} |")
