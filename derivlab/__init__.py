"""derivlab: the derivative of an ordinary NumPy function, four ways.

Reverse mode (:func:`grad`, :func:`value_and_grad`, :func:`vjp`, :func:`jacrev`), forward mode
(:func:`jvp`, :func:`jacfwd`), second order (:func:`hessian`, :func:`hvp`), and the two classical
engines in :mod:`derivlab.symbolic` (SymPy) and :mod:`derivlab.numeric` (finite differences),
checked against each other by :func:`compare` and :func:`check_grad`.

Example:
    >>> import numpy as np, derivlab as dl
    >>> dl.grad(lambda x: np.sum(x ** 2))(np.array([1.0, 2.0]))
    array([2., 4.])
"""

from derivlab import data, exercises, nn, numeric, optim, plot, scalar, symbolic
from derivlab._api import grad, hessian, hvp, jacfwd, jacrev, jvp, value_and_grad, vjp
from derivlab._check import Comparison, GradCheck, check_grad, compare
from derivlab._numpy import primitives

__all__ = [
    "grad",
    "value_and_grad",
    "vjp",
    "jvp",
    "jacfwd",
    "jacrev",
    "hessian",
    "hvp",
    "compare",
    "check_grad",
    "Comparison",
    "GradCheck",
    "primitives",
    "numeric",
    "symbolic",
    "scalar",
    "optim",
    "nn",
    "plot",
    "data",
    "exercises",
]
__version__ = "0.1.0"
