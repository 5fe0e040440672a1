"""The answer to the preface's demonstration exercise (chapter 0)."""

import numpy as np

import derivlab as dl

from . import exercise


@exercise("0.1", hint="Use f'(x) = sin 2x.")
def _():
    return dl.grad(lambda x: np.sin(x) ** 2)(np.pi / 4)
