"""Figures for the course: every helper takes ``ax=None``, returns the Axes, never calls show().

One variable: :func:`secants`, :func:`tangent`, :func:`taylor`, :func:`error_vs_step`.
Two variables: :func:`contour`, :func:`gradient_field`, :func:`trajectory`.
Graphs: :func:`graph` draws a :class:`derivlab.scalar.Value` tape with values and gradients.
"""

from derivlab.plot._curves import error_vs_step, secants, tangent, taylor
from derivlab.plot._fields import contour, gradient_field, trajectory
from derivlab.plot._graph import graph

__all__ = [
    "secants",
    "tangent",
    "taylor",
    "error_vs_step",
    "contour",
    "gradient_field",
    "trajectory",
    "graph",
]
