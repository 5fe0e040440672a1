"""Figures for the course: every helper takes ``ax=None``, returns the Axes, never calls show().

One variable: :func:`secants`, :func:`tangent`, :func:`taylor`, :func:`error_vs_step`.
Two variables: :func:`contour`, :func:`gradient_field`, :func:`trajectory`.
Graphs: :func:`graph` draws a :class:`derivlab.scalar.Value` tape with values and gradients.
Style: :func:`style`, called once in a chapter's imports cell, gives every figure the
course's look (and sharp SVG figures in a notebook).
"""

from derivlab.plot._curves import error_vs_step, secants, tangent, taylor
from derivlab.plot._fields import contour, gradient_field, trajectory
from derivlab.plot._graph import graph
from derivlab.plot._style import style

__all__ = [
    "secants",
    "tangent",
    "taylor",
    "error_vs_step",
    "contour",
    "gradient_field",
    "trajectory",
    "graph",
    "style",
]
