"""Shared test setup: figures off screen; property tests draw the same examples every run."""

import os

# set before any test module imports pyplot; notebook kernels keep their inline backend
os.environ["MPLBACKEND"] = "Agg"

from hypothesis import settings  # noqa: E402

# Derandomized: every run (local or CI) tries the same examples, so a red CI is reproducible
# and never a coin toss; the examples still cover the space the strategies describe.
settings.register_profile("derivlab", derandomize=True, deadline=None, print_blob=True)
settings.load_profile("derivlab")
