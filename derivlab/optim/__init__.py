r"""Optimizers, each a small object whose ``update`` is the chapter's equation, and ``minimize``.

First order (one gradient per step): :class:`GD`, :class:`SGD`, :class:`Momentum`,
:class:`Nesterov`, :class:`AdaGrad`, :class:`RMSProp`, :class:`Adam`, :class:`AdamW`.
Curvature: :class:`Newton`, :class:`BFGS`, :class:`LBFGS`.

Parameters ``x`` may be a float, an array or a pytree (a dict/list/tuple of arrays, e.g. network
weights); gradients have the same structure. A first-order method updates each leaf on its own
(``update(x, g, state)`` is written for one array); curvature methods see all leaves raveled into
one vector, since their matrices couple the coordinates.

Conventions are PyTorch's, so that trajectories agree with ``torch.optim`` to round-off:

* momentum: v ← μv + g, x ← x − ηv (not v ← μv − ηg; the two agree for a constant η);
* Nesterov: x ← x − η(g + μv) after the same v update;
* AdaGrad starts its accumulator at ``initial_accumulator_value`` (0) and adds ε after the root;
* RMSProp's decay is called α; ε is added after the square root;
* Adam corrects both moments for their zero start and adds ε to √v̂ (not to v̂);
* AdamW decays the weights directly, x ← x − ηλx, before the Adam step ("decoupled");
* ``weight_decay`` elsewhere adds λx to the gradient (an L2 penalty λ/2‖x‖², "coupled");
* L-BFGS without a line search takes the step min(1, 1/‖g‖₁)·η first and η afterwards, and
  skips a curvature pair (s, y) unless yᵀs > ``curvature_tol`` (PyTorch hard-codes 1e-10).

:func:`minimize` runs any of them and returns a :class:`Trace` (iterates, losses, gradient norms,
times) for plots and comparison tables.
"""

from derivlab.optim._base import Optimizer
from derivlab.optim._curvature import BFGS, LBFGS, Newton
from derivlab.optim._first_order import GD, SGD, AdaGrad, Adam, AdamW, Momentum, Nesterov, RMSProp
from derivlab.optim._line_search import backtracking, exact_line_search, wolfe
from derivlab.optim._minimize import Trace, minimize

__all__ = [
    "Optimizer",
    "GD",
    "SGD",
    "Momentum",
    "Nesterov",
    "AdaGrad",
    "RMSProp",
    "Adam",
    "AdamW",
    "Newton",
    "BFGS",
    "LBFGS",
    "Trace",
    "minimize",
    "backtracking",
    "wolfe",
    "exact_line_search",
]
