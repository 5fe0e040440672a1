"""A clock that no assertion can rest on: CI's nbval pass runs every chapter with it.

`make test` copies this file into the startup folder of an IPython profile and points the
nbval kernels at it with IPYTHONDIR, so it runs before a chapter's first cell. From then on
`time.perf_counter`, `time.process_time` (and their `_ns` twins) and `timeit`'s default timer
run forward at a random rate between 1/100x and 100x real time, a new rate at every read. A
measured duration still comes out positive, so timing code runs and plots as before, but any
claim that rests on one (`assert t_fast < t_slow`) fails at once instead of one run in twenty.
Cost claims are asserted on counts (`derivlab.cost`) instead.

`time.monotonic` and `time.time` stay real: the kernel's event loop and nbval's timeouts run
on them. The book build does not load this file, so the website shows honest timings.

Set DERIVLAB_CLOCK=compress instead to get a clock that reads every ratio r of two durations
as about r**0.25 (another way to break a timing claim, kept for trying a chapter by hand).
"""

from __future__ import annotations

import os
import random
import time
import timeit


def _scrambled(real, rate):
    """A non-decreasing clock that advances ``rate()`` times as fast as ``real`` per read."""
    state = {"real": real(), "fake": real()}

    def clock():
        now = real()
        state["fake"] += (now - state["real"]) * rate(now - state["real"])
        state["real"] = now
        return state["fake"]

    return clock


def _install() -> None:
    rng = random.Random(os.urandom(8))  # a different sequence on every run
    if os.environ.get("DERIVLAB_CLOCK") == "compress":

        def rate(dt):  # a duration d reads as about d**0.25: ratios r become r**0.25
            return max(dt, 1e-9) ** -0.75 * 1e-3

    else:

        def rate(dt):
            return 10.0 ** rng.uniform(-2.0, 2.0)

    for name in ("perf_counter", "process_time"):
        clock = _scrambled(getattr(time, name), rate)
        setattr(time, name, clock)
        setattr(time, name + "_ns", lambda clock=clock: int(clock() * 1e9))
    timeit.default_timer = time.perf_counter
    time.derivlab_scrambled = True  # lets a test check that the kernel loaded this file


_install()
