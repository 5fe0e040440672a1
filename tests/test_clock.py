"""The scrambled clock CI's nbval pass runs under (.ci/scrambled_clock.py) does its job.

These tests must not rest on a clock themselves: each probe replaces the real clocks the
scrambler wraps by a counter that advances exactly 0.1 ms per read, and seeds the scrambler's
walk, so every number it prints is the same on every run and under any load.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

CLOCK = Path(__file__).resolve().parent.parent / ".ci" / "scrambled_clock.py"

SETUP = """
import itertools, os, runpy, time, timeit
real_monotonic, real_time = time.monotonic, time.time

def install(seed):  # the scrambler, over a real clock that no load can move
    ticks = itertools.count()
    steady = lambda: next(ticks) * 1e-4
    time.perf_counter = time.process_time = steady
    os.environ["DERIVLAB_CLOCK_SEED"] = str(seed)
    runpy.run_path({path!r})
    assert time.monotonic is real_monotonic and time.time is real_time
    assert timeit.default_timer is time.perf_counter is not steady
    return ticks
"""

SPREAD = """
spreads = []
for seed in range({seeds}):
    install(seed)
    for clock in (time.perf_counter, time.process_time, timeit.default_timer):
        reads = [clock() for _ in range(2000)]
        assert all(b >= a for a, b in zip(reads, reads[1:])), "not monotonic"
    durations = []
    for _ in range(30):  # the same work, timed 30 times
        start = time.perf_counter()
        sum(range(2000))
        durations.append(time.perf_counter() - start)
    assert min(durations) > 0
    spreads.append(max(durations) / min(durations))
print(min(spreads))
"""


def _probe(code: str, mode: str | None) -> float:
    env = {"DERIVLAB_CLOCK": mode} if mode else {}
    out = subprocess.run(
        [sys.executable, "-c", SETUP.format(path=str(CLOCK)) + code],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return float(out.stdout)


@pytest.mark.parametrize("mode", [None, "scramble"])
def test_scrambled_clock_breaks_duration_ratios(mode: str | None) -> None:
    # the same work timed 30 times, on 20 walks: rates between 1/100x and 100x make the
    # readings of every walk differ by orders of magnitude, so no assertion on a duration can
    # survive (the real clock here is steady, so all of the spread is the scrambler's)
    assert _probe(SPREAD.format(seeds=20), mode) > 50


def test_compressed_clock_is_monotonic_too() -> None:
    assert _probe(SPREAD.format(seeds=3), "compress") == pytest.approx(1.0)


def test_compression_squashes_a_ratio_to_its_fourth_root() -> None:
    probe = """
ticks = install(0)
def timed(reads):  # a duration of exactly reads * 0.1 ms on the real clock
    start = time.perf_counter()
    for _ in range(reads - 1):
        next(ticks)
    return time.perf_counter() - start
print(timed(1600) / timed(100))
"""
    # 16x real reads as 16**0.25 = 2x
    assert _probe(probe, "compress") == pytest.approx(2.0, rel=1e-9)
