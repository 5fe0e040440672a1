"""A clock that no assertion can rest on: CI's nbval pass runs every chapter with it.

`make test` copies this file into the startup folder of an IPython profile and points the
nbval kernels at it with IPYTHONDIR, so it runs before a chapter's first cell. From then on
`time.perf_counter`, `time.process_time` (and their `_ns` twins) and `timeit`'s default timer
are distorted two ways at once:

* each interval between two reads is squashed, a real d seconds reading as about d**0.25
  (times 1e-3), so a ratio r of two durations reads as about r**0.25 — a 1000x gap as 5.6x;
* and it then runs at a random rate between 1/100x and 100x real time, a new rate at every
  read. The rate wanders (its logarithm is a random walk across the four decades) rather than
  jumping independently, so neither the median nor the minimum of repeated runs averages it
  away: durations measured a few reads apart differ by up to 10^4.

A measured duration still comes out positive and the clock never runs backwards, so timing
code runs and plots as before, but a claim that rests on one (`assert t_fast < t_slow`)
fails, instead of one run in twenty. Cost claims are asserted on counts (`derivlab.cost`).

`time.monotonic` and `time.time` stay real: the kernel's event loop and nbval's timeouts run
on them. The book build does not load this file, so the website shows honest timings.
DERIVLAB_CLOCK=scramble or DERIVLAB_CLOCK=compress keeps only one of the two distortions,
for trying a chapter by hand; DERIVLAB_CLOCK_SEED=n replays one walk (tests/test_clock.py).
"""

from __future__ import annotations

import os
import random
import time
import timeit


def _distorted(real, squash, rate):
    """A non-decreasing clock: each real increment dt since the last read adds
    ``squash(dt) * rate()`` to what it reads."""
    state = {"real": real(), "fake": real()}

    def clock():
        now = real()
        state["fake"] += squash(max(now - state["real"], 0.0)) * rate()
        state["real"] = now
        return state["fake"]

    return clock


def _install() -> None:
    seed = os.environ.get("DERIVLAB_CLOCK_SEED")
    rng = random.Random(int(seed) if seed else os.urandom(8))  # a different walk on every run
    mode = os.environ.get("DERIVLAB_CLOCK", "both")
    log_rate = [rng.uniform(-2.0, 2.0)]

    def rate():  # 10**x for x wandering in [-2, 2]: between 1/100x and 100x
        x = log_rate[0] + rng.gauss(0.0, 0.7)
        x = -4.0 - x if x < -2.0 else (4.0 - x if x > 2.0 else x)  # reflect at the ends
        log_rate[0] = x
        return 10.0**x if mode != "compress" else 1.0

    def squash(dt):
        return 1e-3 * dt**0.25 if mode != "scramble" else dt

    for name in ("perf_counter", "process_time"):
        clock = _distorted(getattr(time, name), squash, rate)
        setattr(time, name, clock)
        setattr(time, name + "_ns", lambda clock=clock: int(clock() * 1e9))
    timeit.default_timer = time.perf_counter
    time.derivlab_scrambled = True  # lets a test check that the kernel loaded this file


_install()
