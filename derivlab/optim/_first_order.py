"""First-order methods: one gradient per step, each update written as the chapter's equation."""

from __future__ import annotations

import numpy as np

from derivlab.optim._base import Optimizer, _nonnegative, _positive, _unit

# ---- first order: plain steps ----


class GD(Optimizer):
    r"""Gradient descent: $x \leftarrow x - \eta\,\nabla f(x)$.

    Equals ``torch.optim.SGD(lr=η, weight_decay=λ)``.

    Args:
        lr: the learning rate η > 0.
        weight_decay: λ ≥ 0, adds λx to the gradient (L2 penalty λ/2‖x‖²).
    """

    def __init__(self, lr: float = 1e-3, weight_decay: float = 0.0) -> None:
        super().__init__()
        self.lr = _positive("lr", lr)
        self.weight_decay = _nonnegative("weight_decay", weight_decay)

    def update(self, x, g, s):
        g = self._l2(x, g)
        return x - self.lr * g


class SGD(GD):
    r"""Stochastic gradient descent: $x \leftarrow x - \eta\,\nabla f_{B_k}(x)$ on mini-batch $B_k$.

    The update is gradient descent's; what makes it stochastic is the gradient, taken on a
    different mini-batch at each step. Give :func:`minimize` an ``f(x, batch)`` and
    ``batches=``, e.g. ``lambda: derivlab.data.minibatches(X, y, batch_size=32, seed=rng)`` (a new
    shuffle per epoch). Equals ``torch.optim.SGD(lr=η)`` fed the same batches.

    Args:
        lr: the learning rate η > 0.
        weight_decay: λ ≥ 0, adds λx to the gradient.
    """


class Momentum(GD):
    r"""Heavy-ball momentum: $v \leftarrow \mu v + \nabla f(x),\quad x \leftarrow x - \eta v$.

    The velocity v averages past gradients, so steps grow along a consistent direction and
    oscillations across a valley cancel. v starts at 0, so v = g after the first step.
    Equals ``torch.optim.SGD(lr=η, momentum=μ)``.

    Args:
        lr: the learning rate η > 0.
        momentum: μ in [0, 1).
        weight_decay: λ ≥ 0, adds λx to the gradient.
    """

    def __init__(self, lr: float = 1e-3, momentum: float = 0.9, weight_decay: float = 0.0):
        super().__init__(lr, weight_decay)
        self.momentum = _unit("momentum", momentum)

    def init(self, x):
        return {"v": np.zeros_like(x)}

    def update(self, x, g, s):
        g = self._l2(x, g)
        s["v"] = self.momentum * s["v"] + g
        return x - self.lr * s["v"]


class Nesterov(Momentum):
    r"""Nesterov momentum: $v \leftarrow \mu v + \nabla f(x),\quad x \leftarrow x - \eta(\nabla f(x) + \mu v)$.

    The step uses the velocity one step ahead (g + μv), PyTorch's form of the look-ahead
    gradient. Equals ``torch.optim.SGD(lr=η, momentum=μ, nesterov=True)``.

    Args:
        lr: the learning rate η > 0.
        momentum: μ in (0, 1).
        weight_decay: λ ≥ 0, adds λx to the gradient.
    """  # noqa: E501

    def __init__(self, lr: float = 1e-3, momentum: float = 0.9, weight_decay: float = 0.0):
        super().__init__(lr, momentum, weight_decay)
        _unit("momentum", momentum, allow_zero=False)

    def update(self, x, g, s):
        g = self._l2(x, g)
        s["v"] = self.momentum * s["v"] + g
        return x - self.lr * (g + self.momentum * s["v"])


# ---- first order: per-coordinate step sizes ----


class AdaGrad(Optimizer):
    r"""AdaGrad: $G \leftarrow G + g^2,\quad x \leftarrow x - \eta_t\, g / (\sqrt{G} + \epsilon)$.

    Each coordinate's step shrinks with the sum of its squared gradients, so rarely-moving
    coordinates keep large steps. η_t = η / (1 + (t-1)·lr_decay). Equals ``torch.optim.Adagrad``.

    Args:
        lr: η > 0.
        lr_decay: ≥ 0 (0: constant η).
        initial_accumulator_value: G before the first step, ≥ 0.
        eps: ε ≥ 0, added to √G (keeps the first step finite where G = 0).
        weight_decay: λ ≥ 0, adds λx to the gradient.
    """

    def __init__(
        self,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__()
        self.lr = _positive("lr", lr)
        self.lr_decay = _nonnegative("lr_decay", lr_decay)
        self.initial_accumulator_value = _nonnegative(
            "initial_accumulator_value", initial_accumulator_value
        )
        self.eps = _nonnegative("eps", eps)
        self.weight_decay = _nonnegative("weight_decay", weight_decay)

    def init(self, x):
        return {"G": np.full_like(x, self.initial_accumulator_value)}

    def update(self, x, g, s):
        g = self._l2(x, g)
        lr_t = self.lr / (1 + (self.t - 1) * self.lr_decay)
        s["G"] = s["G"] + g * g
        return x - lr_t * g / (np.sqrt(s["G"]) + self.eps)


class RMSProp(Optimizer):
    r"""RMSProp: $v \leftarrow \alpha v + (1-\alpha) g^2,\quad x \leftarrow x - \eta\, g / (\sqrt{v} + \epsilon)$.

    AdaGrad with a running average instead of a sum, so old gradients are forgotten and the
    steps do not shrink to zero. Equals ``torch.optim.RMSprop`` (not centred, no momentum).

    Args:
        lr: η > 0.
        alpha: α in [0, 1), the weight of the past in the average of g².
        eps: ε ≥ 0, added to √v.
        weight_decay: λ ≥ 0, adds λx to the gradient.
    """  # noqa: E501

    def __init__(
        self, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0.0
    ) -> None:
        super().__init__()
        self.lr = _positive("lr", lr)
        self.alpha = _unit("alpha", alpha)
        self.eps = _nonnegative("eps", eps)
        self.weight_decay = _nonnegative("weight_decay", weight_decay)

    def init(self, x):
        return {"v": np.zeros_like(x)}

    def update(self, x, g, s):
        g = self._l2(x, g)
        s["v"] = self.alpha * s["v"] + (1 - self.alpha) * g * g
        return x - self.lr * g / (np.sqrt(s["v"]) + self.eps)


class Adam(Optimizer):
    r"""Adam: $m \leftarrow \beta_1 m + (1-\beta_1) g,\ v \leftarrow \beta_2 v + (1-\beta_2) g^2,\ x \leftarrow x - \eta\, \hat m / (\sqrt{\hat v} + \epsilon)$.

    Momentum (m) and RMSProp (v) together; $\hat m = m / (1-\beta_1^t)$ and
    $\hat v = v / (1-\beta_2^t)$ undo the bias of averages that start at zero. Equals
    ``torch.optim.Adam`` (``weight_decay`` here is the coupled L2 term, as there).

    Args:
        lr: η > 0.
        betas: (β₁, β₂), each in [0, 1).
        eps: ε ≥ 0, added to √v̂.
        weight_decay: λ ≥ 0, adds λx to the gradient (use :class:`AdamW` for decoupled decay).
    """  # noqa: E501

    def __init__(
        self,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__()
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"betas must be a pair (beta1, beta2), got {betas!r}.")
        self.lr = _positive("lr", lr)
        self.betas = (_unit("beta1", betas[0]), _unit("beta2", betas[1]))
        self.eps = _nonnegative("eps", eps)
        self.weight_decay = _nonnegative("weight_decay", weight_decay)

    def init(self, x):
        return {"m": np.zeros_like(x), "v": np.zeros_like(x)}

    def update(self, x, g, s):
        g = self._l2(x, g)
        return self._adam(x, g, s)

    def _adam(self, x, g, s):
        beta1, beta2 = self.betas
        s["m"] = beta1 * s["m"] + (1 - beta1) * g  # running mean of g
        s["v"] = beta2 * s["v"] + (1 - beta2) * g * g  # running mean of g²
        m_hat = s["m"] / (1 - beta1**self.t)  # bias corrections
        v_hat = s["v"] / (1 - beta2**self.t)
        return x - self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


class AdamW(Adam):
    r"""AdamW: $x \leftarrow x - \eta\lambda x$, then the Adam step on the loss gradient alone.

    The decay is decoupled from the adaptive scaling: with L2-in-Adam the penalty's gradient λx
    is divided by √v̂ too, so weights with large gradients are barely regularised; here every
    weight shrinks by the same factor 1 − ηλ. Equals ``torch.optim.AdamW``.

    Args:
        lr: η > 0.
        betas: (β₁, β₂), each in [0, 1).
        eps: ε ≥ 0, added to √v̂.
        weight_decay: λ ≥ 0 (PyTorch's default 0.01).
    """

    def __init__(
        self,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
    ) -> None:
        super().__init__(lr, betas, eps, weight_decay)

    def update(self, x, g, s):
        x = x - self.lr * self.weight_decay * x  # decoupled decay, before and apart from Adam
        return self._adam(x, g, s)
