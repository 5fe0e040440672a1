"""The scrambled clock CI's nbval pass runs under (.ci/scrambled_clock.py) does its job."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

CLOCK = Path(__file__).resolve().parent.parent / ".ci" / "scrambled_clock.py"

PROBE = """
import runpy, time, timeit
real_monotonic, real_time = time.monotonic, time.time
runpy.run_path({path!r})
assert time.monotonic is real_monotonic and time.time is real_time
for clock in (time.perf_counter, time.process_time, timeit.default_timer):
    reads = [clock() for _ in range(2000)]
    assert all(b >= a for a, b in zip(reads, reads[1:])), "not monotonic"
durations = []
for _ in range(30):
    start = time.perf_counter()
    sum(range(20000))
    durations.append(time.perf_counter() - start)
print(max(durations) / min(durations))
"""


def _spread(mode: str | None) -> float:
    env = {"DERIVLAB_CLOCK": mode} if mode else {}
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(path=str(CLOCK))],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return float(out.stdout)


@pytest.mark.parametrize("mode", [None, "scramble"])
def test_scrambled_clock_breaks_duration_ratios(mode: str | None) -> None:
    # the same work, timed 30 times: rates between 1/100x and 100x make the readings
    # differ by orders of magnitude, so no assertion on a duration can survive
    assert _spread(mode) > 50


def test_compressed_clock_is_monotonic_too() -> None:
    assert _spread("compress") >= 1


def test_compression_squashes_a_ratio_to_its_fourth_root() -> None:
    probe = f"""
import runpy, time
real = time.perf_counter
runpy.run_path({str(CLOCK)!r})
def timed(seconds):
    start = time.perf_counter()
    end = real() + seconds
    while real() < end:
        pass
    return time.perf_counter() - start
print(timed(0.16) / timed(0.01))
"""
    env = {"DERIVLAB_CLOCK": "compress"}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, env=env)  # fmt: skip
    assert 1.2 < float(out.stdout) < 3.0  # 16x real reads as about 16**0.25 = 2x
