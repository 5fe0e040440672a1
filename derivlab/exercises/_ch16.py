"""Chapter 16's exercises: autograd in PyTorch."""

import numpy as np

from . import Wrong, call, exercise, grader


@grader(
    "16.1",
    hint="The product rule gives two terms, σ(x) and x σ'(x), with σ' = σ(1 - σ); and a "
    "backward rule multiplies by the cotangent g.",
)
def _(answer, rng):
    import torch  # only this exercise needs PyTorch

    for n in (4, 1, 7):
        x = torch.tensor(rng.standard_normal(n), dtype=torch.float64)
        g = torch.tensor(rng.standard_normal(n), dtype=torch.float64)
        leaf = x.clone().requires_grad_()
        want = torch.autograd.grad(leaf * torch.sigmoid(leaf), leaf, g)[0].numpy()
        got = np.asarray(call(answer, x, g, name="your rule"), dtype=float)
        if got.shape != want.shape:
            raise Wrong(f"for x of shape {tuple(x.shape)} your rule returned shape {got.shape}")
        if np.allclose(got, want, rtol=1e-10, atol=1e-12):
            continue
        s = torch.sigmoid(x).numpy()
        local = s + x.numpy() * s * (1 - s)
        if np.allclose(got, local):
            raise Wrong("your rule returns the local derivative: multiply it by the cotangent g")
        if np.allclose(got, g.numpy() * s):
            raise Wrong("your rule keeps only the σ(x) term of the product rule")
        raise Wrong("your rule's cotangent is not right")


@exercise(
    "16.2",
    hint="Each L_j already divides by its own 8 examples; the 8 pieces add up in .grad. What "
    "does a sum of 8 means need to become their mean?",
)
def _():
    return 8 / 64  # (mean over 64) = (1/8) Σ_j (mean over micro-batch j of 8)


@exercise(
    "16.3",
    rtol=1e-10,
    hint="exp(x.detach()) is a constant for the backward pass: differentiate only x³, and keep "
    "the constant factor's value.",
)
def _():
    x = 2.0
    return 3 * x**2 * np.exp(x)


@exercise(
    "16.4",
    hint="grad returns one array shaped like W for each example; vmap puts the batch axis (the "
    "mapped axis 0) in front.",
)
def _():
    return (32, 4, 3)
