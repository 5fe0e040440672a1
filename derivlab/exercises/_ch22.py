"""Exercises of chapter 22, an end-to-end pipeline: expected answers and graders."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from derivlab._api import grad
from derivlab.nn import cross_entropy

from . import Wrong, exercise, grader, slips

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


@slips("22.1")
def _(logits, labels):
    right = grad(lambda z: cross_entropy(z, labels))(np.asarray(logits, dtype=float))
    n = len(labels)
    return {
        f"every entry is {n} times too large: the loss is the mean over the {n} images, not "
        "their sum": n * right,
        "the sign is reversed: the derivative is the probabilities minus the targets": -right,
    }


# ---- 22.2: which transformations keep the label ----
# Each transformation acts on images of shape (n, 1, h, w); a shift fills with zeros.
def _shift(X: np.ndarray, down: int, right: int) -> np.ndarray:
    h, w = X.shape[-2:]
    padded = np.pad(X, [(0, 0), (0, 0), (down, 0), (right, 0)])
    return padded[..., :h, :w]


TRANSFORMS_22_2 = {
    "rotate 180": lambda X: X[..., ::-1, ::-1],
    "rotate 90": lambda X: np.rot90(X, axes=(-2, -1)),
    "flip along the anti-diagonal": lambda X: np.swapaxes(X[..., ::-1, ::-1], -2, -1),
    "shift right 1 and down 1": lambda X: _shift(X, 1, 1),
    "shift right by 2": lambda X: _shift(X, 0, 2),
}
# The 180° rotation is the two flips in turn, so it keeps every class; a 90° rotation and the
# flip along the anti-diagonal (a transpose after a 180° rotation) turn a horizontal bar into a
# vertical one; a shift by one pixel in each direction stays within the 1-pixel margin; a shift
# by 2 pushes a shape that touches the inner square's right edge past the margin, cutting off
# its end (a 3-pixel bar becomes 2 pixels, a vertical bar in the last inner column vanishes).


def _class_of(image: np.ndarray) -> int:
    """The chapter's oracle on one noiseless image; -1 when no pixel is lit."""
    rows, cols = np.nonzero(image > 0.5)
    if rows.size == 0:
        return -1
    if np.ptp(rows) == 0:
        return 0
    if np.ptp(cols) == 0:
        return 1
    return 3 if image[rows.min(), cols.min()] > 0.5 else 2


def _changed(images: np.ndarray, move: Callable) -> np.ndarray:
    """Which images `move` gives another class or cuts (fewer lit pixels)."""
    moved = move(images)
    classes = [_class_of(a) != _class_of(b) for a, b in zip(images[:, 0], moved[:, 0])]
    lost = moved.sum(axis=(1, 2, 3)) != images.sum(axis=(1, 2, 3))
    return np.array(classes) | lost


@grader(
    "22.2",
    hint="Apply each transformation to all of clean_all and compare shapes_of and the number "
    "of lit pixels before and after, as the chapter's augmentation check does; think of a "
    "shape drawn right against the inner square's edge.",
)
def _(answer: Any, rng: np.random.Generator, images: Any) -> None:
    images = np.asarray(images, dtype=float)
    if images.ndim != 4 or images.shape[1] != 1 or not np.isin(images, (0.0, 1.0)).all():
        raise Wrong(
            "the check needs the chapter's noiseless images: pass images=clean_all, of shape "
            "(600, 1, 10, 10) with pixels 0 and 1"
        )
    if not isinstance(answer, dict):
        raise Wrong(f"expected a dict from transformation to True or an index, got {type(answer)}")
    missing = [k for k in TRANSFORMS_22_2 if k not in answer]
    extra = [k for k in answer if k not in TRANSFORMS_22_2]
    if missing or extra:
        raise Wrong(f"keys differ (missing {missing}, unexpected {extra})")
    claimed_safe = []
    for key, move in TRANSFORMS_22_2.items():
        value = answer[key]
        if value is None or value is Ellipsis:
            raise Wrong(f"the entry {key!r} is still a placeholder")
        if isinstance(value, (bool, np.bool_)):
            if not value:
                raise Wrong(
                    f"for {key!r}, instead of False give the index of an image that it changes: "
                    "the evidence that it is not safe"
                )
            claimed_safe.append(key)
            continue
        if not isinstance(value, (int, np.integer)) or not 0 <= value < len(images):
            raise Wrong(
                f"the entry {key!r} should be True or the index (0 to {len(images) - 1}) of an "
                f"image it changes, not {value!r}"
            )
        if not _changed(images[int(value) : int(value) + 1], move)[0]:
            raise Wrong(
                f"image {int(value)} keeps its class and all its lit pixels under {key!r}, so it "
                "is no evidence against that transformation"
            )
    if any(_changed(images, TRANSFORMS_22_2[key]).any() for key in claimed_safe):
        raise Wrong(
            "at least one transformation you marked True changes the class of some image or "
            "cuts its shape: search all the images for one it changes"
        )


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
