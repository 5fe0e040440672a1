"""The course's look for figures: one call in a chapter's imports cell, the same everywhere.

The website, Binder, Colab and a reader's own Jupyter all draw a chapter's figures the same way
once :func:`style` has run: text larger than Matplotlib's default (so that ticks and legends
stay legible when a figure is shown at the width of a page), and, in a notebook, figures sent
as SVG, which stay sharp on any screen and at any zoom (with a PDF copy for the printed book).
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
FORMATS = ("svg", "pdf", "png", "retina", "jpeg")


def style(figure_formats: str | tuple[str, ...] = ("svg", "pdf")) -> None:
    """Use the course's figure style from here on: its text sizes, and sharp figures.

    Sets the course's text sizes in ``matplotlib.rcParams`` (the values of book/matplotlibrc).
    When it runs inside IPython (Jupyter, Colab, the book build), it also makes the inline
    backend send each figure in ``figure_formats``: by default SVG, which a screen shows sharp
    at any size, and PDF, which screens ignore and the book's PDF edition prints. Outside
    IPython the formats are checked and otherwise ignored.

    Args:
        figure_formats: one format or several, each one of ``"svg"``, ``"pdf"``, ``"png"``,
            ``"retina"`` (PNG at twice the resolution) or ``"jpeg"``.

    Example:
        >>> import derivlab as dl
        >>> dl.plot.style()  # in the imports cell of a chapter
    """
    formats = (figure_formats,) if isinstance(figure_formats, str) else tuple(figure_formats)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise ValueError(f"figure_formats must be some of {FORMATS}, got {figure_formats!r}.")
    mpl.rcParams.update(RC)
    shell = _ipython_shell()
    if shell is not None:
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats(*formats)


def _ipython_shell():
    ipython = sys.modules.get("IPython")  # never import IPython just to ask
    if ipython is None:
        return None
    return ipython.get_ipython()
