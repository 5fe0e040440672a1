"""derivlab: the derivative of an ordinary NumPy function, four ways.

Reverse mode (:func:`grad`, :func:`value_and_grad`, :func:`vjp`, :func:`jacrev`), forward mode
(:func:`jvp`, :func:`jacfwd`), second order (:func:`hessian`, :func:`hvp`), and the two classical
engines in :mod:`derivlab.symbolic` (SymPy) and :mod:`derivlab.numeric` (finite differences),
checked against each other by :func:`compare` and :func:`check_grad` (and by the step-free
:func:`taylor_test`). :func:`cost` counts the
work any of them does (operations, flops, calls, tape bytes), the same on every machine.
:class:`custom_vjp` and :class:`custom_jvp` take user-defined rules, and :func:`checkpoint`
trades a tape's memory for recomputation.

Conventions (the same as PyTorch's, so the two agree everywhere):

* Non-differentiable points: ``|x|'(0) = 0``; ``sign``, ``floor``, comparisons have derivative 0;
  ``np.maximum``/``np.minimum`` split the gradient 1/2 : 1/2 on a tie; ``np.max``/``np.min``
  reductions share it evenly among tied entries; ``np.clip`` passes it on the closed interval
  ``[lo, hi]``; ``np.sqrt'(0) = inf`` as the formula says, but ``np.linalg.norm`` and ``np.std``
  have gradient 0 at 0. ReLU written as ``np.where(x > 0, x, 0)`` has ``relu'(0) = 0``.
  ``np.fmax``/``np.fmin`` give a tie's gradient to x and a NaN entry none (PyTorch's rule);
  ``%``, ``np.fmod``, ``//`` and ``round`` are differentiated away from their jumps
  (``//`` and ``round`` are constants, like ``np.floor`` and ``np.round``).
* ``np.linalg.eigh`` and ``np.linalg.cholesky`` treat A as symmetric (gradients come back
  symmetric); eigenvector and singular-vector derivatives need distinct eigenvalues (singular
  values) and raise a ``ValueError`` otherwise; ``svd`` and ``qr`` are differentiated in their
  reduced forms.
* Real functions of real inputs: a complex intermediate (``x * 1j``, ``np.exp(1j * x)``,
  ``np.fft.rfft(x)``) is carried as its real and imaginary parts, so its derivative comes from
  real rules; it must return to the reals (``.real``, ``.imag``, ``np.abs``, ``np.angle``,
  ``np.fft.irfft``) before the function returns. Complex inputs and outputs raise, and so does
  a complex operation with no rule, rather than returning a complex or wrong derivative.
* The reverse trace keeps its own copy of the plain arrays an op reads, so mutating them
  afterwards cannot change a gradient (``grad`` holds the arrays passed to f read-only while it
  runs instead of copying them); a traced value used after its transformation returned (it
  escaped into a list or a global) raises a ``TypeError`` saying where it was made.
* A gradient frees its tape as its sweep goes; on Linux with glibc, importing derivlab raises
  malloc's thresholds for handing memory back to the system, so a training loop reuses that
  memory instead of faulting it in again each step (``derivlab._heap``;
  ``DERIVLAB_MALLOC=default`` leaves malloc as it is).
* Tangents and gradients have the dtype of their primal (float32 in, float32 out).
* Inputs to differentiate are floating point: a Python ``int`` or an integer array raises a
  ``TypeError`` (write ``3.0``, or ``x.astype(float)``).
* NaN and inf propagate as NumPy's arithmetic propagates them.
* Jacobians have shape ``out.shape + x.shape``; with several outputs or arguments they nest
  ``J[output][argument]``.

Example:
    >>> import numpy as np, derivlab as dl
    >>> dl.grad(lambda x: np.sum(x ** 2))(np.array([1.0, 2.0]))
    array([2., 4.])
"""

import importlib

from derivlab import (
    _heap,  # noqa: F401  (glibc's malloc thresholds, set once: see derivlab._heap)
    _special,  # noqa: F401  (registers the erf row of the primitive table)
    nn,
    numeric,
    optim,
    scalar,
)
from derivlab._api import grad, hessian, hvp, jacfwd, jacrev, jvp, value_and_grad, vjp
from derivlab._check import Comparison, GradCheck, check_grad, compare
from derivlab._cost import Cost, cost
from derivlab._custom import checkpoint, custom_jvp, custom_vjp
from derivlab._numpy import primitives
from derivlab._taylor import TaylorTest, taylor_test

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
    "taylor_test",
    "TaylorTest",
    "cost",
    "Cost",
    "custom_vjp",
    "custom_jvp",
    "checkpoint",
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

# Loaded on first use, so that `import derivlab` does not pay for matplotlib (plot) or the
# exercise banks: `dl.plot.style()` and `from derivlab import plot` work as usual.
_LAZY = ("plot", "symbolic", "exercises", "data")


def __getattr__(name: str):
    if name in _LAZY:
        module = importlib.import_module(f"derivlab.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'derivlab' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
