"""The course's look for figures: one call in a chapter's imports cell, the same everywhere.

The website, Binder, Colab and a reader's own Jupyter all draw a chapter's figures the same way
once :func:`style` has run: text larger than Matplotlib's default (so that ticks and legends
stay legible when a figure is shown at the width of a page), and, in a notebook, figures sent
as SVG, which stay sharp on any screen and at any zoom.
"""

from __future__ import annotations

import sys

import matplotlib as mpl

# Sizes in points. book/matplotlibrc holds the same values for a plain `python` run in book/;
# tests/test_plot.py checks that the two agree.
RC: dict[str, object] = {
    "font.size": 11.5,
    "axes.titlesize": 12.5,
    "axes.labelsize": 11.5,
    "xtick.labelsize": 10.5,
    "ytick.labelsize": 10.5,
    "legend.fontsize": 10.5,
    "legend.framealpha": 0.9,
}
FORMATS = ("svg", "png", "retina", "jpeg", "pdf")


def style(figure_format: str = "svg") -> None:
    """Use the course's figure style from here on: its text sizes, and SVG figures in notebooks.

    Sets the course's text sizes in ``matplotlib.rcParams`` (the values of book/matplotlibrc).
    When it runs inside IPython (Jupyter, Colab, the book build), it also makes the inline
    backend send figures as ``figure_format``; outside IPython that argument is checked and
    otherwise ignored.

    Args:
        figure_format: how a notebook shows figures: ``"svg"`` (sharp at any size, the
            default), ``"retina"`` (PNG at twice the resolution) or another format that
            IPython's inline backend knows (``"png"``, ``"jpeg"``, ``"pdf"``).

    Example:
        >>> import derivlab as dl
        >>> dl.plot.style()  # in the imports cell of a chapter
    """
    if figure_format not in FORMATS:
        raise ValueError(f"figure_format must be one of {FORMATS}, got {figure_format!r}.")
    mpl.rcParams.update(RC)
    shell = _ipython_shell()
    if shell is not None:
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats(figure_format)


def _ipython_shell():
    ipython = sys.modules.get("IPython")  # never import IPython just to ask
    if ipython is None:
        return None
    return ipython.get_ipython()
