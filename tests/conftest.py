"""Shared test setup: figures are drawn off screen, whatever the shell's MPLBACKEND says."""

import os

# set before any test module imports pyplot; notebook kernels keep their inline backend
os.environ["MPLBACKEND"] = "Agg"
