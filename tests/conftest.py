"""Shared test setup: figures are drawn off screen, whatever the shell's MPLBACKEND says."""

import os

# set before any test module imports pyplot; `make test` exports the same
os.environ["MPLBACKEND"] = "Agg"
