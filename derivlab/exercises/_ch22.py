"""Exercises of chapter 22, an end-to-end pipeline: expected answers and graders."""

from __future__ import annotations

from typing import Any

import numpy as np

from derivlab._api import grad
from derivlab.nn import cross_entropy

from . import Wrong, exercise, grader

# ---- 22.1: the loss's derivative with respect to the logits ----


@exercise(
    "22.1",
    hint="The loss is a mean over the N examples, so every row of ∂L/∂z carries a factor "
    "1/N; each row sums to zero.",
    rtol=1e-8,
    atol=1e-12,
)
def _(logits, labels):
    return grad(lambda z: cross_entropy(z, labels))(np.asarray(logits, dtype=float))


# ---- 22.2: which transformations keep the label ----
TRANSFORMS_22_2 = (
    "rotate 180",
    "rotate 90",
    "flip along the anti-diagonal",
    "shift right 1 and down 1",
    "shift right by 2",
)
# The 180° rotation is the two flips in turn, so it keeps every class; a 90° rotation and the
# flip along the anti-diagonal (a transpose after a 180° rotation) turn a horizontal bar into a
# vertical one; a shift by one pixel in each direction stays within the 1-pixel margin; a shift
# by 2 pushes a shape that touches the inner square's right edge past the margin, cutting off
# its end (a 3-pixel bar becomes 2 pixels, a cross loses the tip of an arm).
_KEEPS_22_2 = (True, False, False, True, False)


@grader(
    "22.2",
    hint="Try each transformation on the noiseless images with the chapter's shape_of, and "
    "think of a shape drawn right against the inner square's edge.",
)
def _(answer: Any, rng: np.random.Generator) -> None:
    if not isinstance(answer, dict):
        raise Wrong(f"expected a dict from transformation to True/False, got {type(answer)}")
    missing = [k for k in TRANSFORMS_22_2 if k not in answer]
    extra = [k for k in answer if k not in TRANSFORMS_22_2]
    if missing or extra:
        raise Wrong(f"keys differ (missing {missing}, unexpected {extra})")
    for key in TRANSFORMS_22_2:
        if answer[key] is None or answer[key] is Ellipsis:
            raise Wrong(f"the entry {key!r} is still a placeholder")
        if not isinstance(answer[key], (bool, np.bool_)):
            raise Wrong(f"the entry {key!r} should be True or False, not {answer[key]!r}")
    wrong = sum(bool(answer[k]) != keeps for k, keeps in zip(TRANSFORMS_22_2, _KEEPS_22_2))
    if wrong:
        verb = "is" if wrong == 1 else "are"
        raise Wrong(f"{wrong} of the {len(TRANSFORMS_22_2)} entries {verb} not right")


# ---- 22.3: precision and recall from a confusion matrix ----


@grader(
    "22.3",
    hint="Row i of the matrix holds the examples whose true class is i, column j those "
    "predicted as j: recall divides the diagonal by the row sums, precision by the column "
    "sums.",
)
def _(answer: Any, rng: np.random.Generator) -> None:
    if not callable(answer):
        raise Wrong(
            f"expected a function precision_recall(confusion), got a {type(answer).__name__}"
        )
    for classes in (4, 2, 3, 6):
        counts = rng.integers(0, 9, (classes, classes)) + np.diag(rng.integers(5, 40, classes))
        counts[0, 1] += 30  # unequal row and column sums, so a swap shows
        diagonal = np.diag(counts).astype(float)
        precision, recall = diagonal / counts.sum(axis=0), diagonal / counts.sum(axis=1)
        got = answer(counts.copy())
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise Wrong("return a pair (precision, recall), one array of per-class values each")
        got_p, got_r = (np.asarray(g, dtype=float) for g in got)
        if got_p.shape != (classes,) or got_r.shape != (classes,):
            raise Wrong(
                f"for a {classes} × {classes} matrix, precision and recall should each "
                f"have shape ({classes},), got {got_p.shape} and {got_r.shape}"
            )
        if np.allclose(got_p, recall) and np.allclose(got_r, precision):
            raise Wrong("precision and recall are swapped")
        if not np.allclose(got_p, precision, rtol=1e-12):
            raise Wrong(f"the precision is not right on a random {classes} × {classes} matrix")
        if not np.allclose(got_r, recall, rtol=1e-12):
            raise Wrong(f"the recall is not right on a random {classes} × {classes} matrix")


# ---- 22.4: early stopping ----


def _stop(val_losses: np.ndarray, patience: int) -> tuple[int, int]:
    best = 0
    for epoch, value in enumerate(val_losses):
        if value < val_losses[best]:
            best = epoch
        if epoch - best >= patience:
            return best, epoch
    return best, len(val_losses) - 1


@grader(
    "22.4",
    hint="Keep the epoch of the lowest loss so far (a tie is no improvement), and stop at the "
    "first epoch that lies `patience` epochs after it.",
)
def _(answer: Any, rng: np.random.Generator) -> None:
    if not callable(answer):
        raise Wrong(
            f"expected a function early_stop(val_losses, patience), got a {type(answer).__name__}"
        )
    cases = []
    for _ in range(40):
        n = int(rng.integers(1, 25))
        curve = 1 / (1 + np.arange(n)) + 0.05 * rng.standard_normal(n) + 0.01 * np.arange(n)
        cases.append((np.round(curve, 2), int(rng.integers(1, 6))))  # rounding makes ties
    cases += [(np.array([3.0, 2.0, 1.0]), 1), (np.array([1.0, 1.0, 1.0, 1.0]), 2)]
    for curve, patience in cases:
        want = _stop(curve, patience)
        got = answer(curve.copy(), patience)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise Wrong("return a pair (best epoch, epoch at which training stops)")
        got = tuple(int(g) for g in got)
        if got == want:
            continue
        shown = np.array2string(curve, separator=", ")
        if got[0] != want[0]:
            raise Wrong(f"the best epoch is not right for losses {shown} with patience {patience}")
        raise Wrong(f"the stopping epoch is not right for losses {shown} with patience {patience}")
