"""Chapter 22's exercise bank: the right answers pass, the likeliest wrong ones are named."""

import numpy as np

from derivlab import data
from derivlab.exercises import check

KEYS = [
    "rotate 180",
    "rotate 90",
    "flip along the anti-diagonal",
    "shift right 1 and down 1",
    "shift right by 2",
]


def _precision_recall(C):
    C = np.asarray(C, dtype=float)
    return np.diag(C) / C.sum(axis=0), np.diag(C) / C.sum(axis=1)


def _early_stop(losses, patience, tie_improves=False):
    best = 0
    for epoch, value in enumerate(losses):
        if value < losses[best] or (tie_improves and value == losses[best]):
            best = epoch
        if epoch - best >= patience:
            return best, epoch
    return best, len(losses) - 1


def test_logit_gradient_needs_the_mean():
    z, y = np.array([[2.0, 0.5, -1.0], [0.1, 0.2, 0.3]]), np.array([0, 2])
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    right = (p - np.eye(3)[y]) / 2
    assert check("22.1", right, logits=z, labels=y).passed
    assert not check("22.1", 2 * right, logits=z, labels=y).passed
    assert "mean" in check("22.1", 2 * right, logits=z, labels=y).reason  # N = 2: the sum
    assert "sign" in check("22.1", -right, logits=z, labels=y).reason


def test_transformations_need_evidence_for_every_unsafe_one():
    clean, y = data.shapes(600, size=10, margin=1, noise=0.0, seed=0)
    bar = int(np.flatnonzero(y == 0)[0])  # any bar changes class under a 90° turn
    edge = int(np.flatnonzero(clean[:, 0, :, 8].any(axis=1))[0])  # ink in the last inner column
    right = dict(zip(KEYS, [True, bar, bar, True, edge], strict=True))
    assert check("22.2", right, images=clean).passed
    # a safe one claimed unsafe: the index is no evidence, whatever it is
    result = check("22.2", {**right, "rotate 180": bar}, images=clean)
    assert not result.passed and "no evidence" in result.reason
    # an unsafe one claimed safe: named only as "at least one", so guessing does not pay
    result = check("22.2", {**right, "shift right by 2": True}, images=clean)
    assert not result.passed and "at least one" in result.reason
    assert "shift right by 2" not in result.reason
    assert "instead of False" in check("22.2", {**right, "rotate 90": False}, images=clean).reason
    assert "keys differ" in check("22.2", {"rotate 90": True}, images=clean).reason
    assert "True or the index" in check("22.2", {k: 1.5 for k in KEYS}, images=clean).reason
    noisy, _ = data.shapes(600, size=10, margin=1, noise=0.1, seed=0)
    assert "noiseless" in check("22.2", right, images=noisy).reason


def test_precision_recall():
    assert check("22.3", _precision_recall).passed
    swapped = check("22.3", lambda C: _precision_recall(C)[::-1])
    assert "swapped" in swapped.reason
    assert "pair" in check("22.3", lambda C: 0.0).reason


def test_early_stop():
    assert check("22.4", _early_stop).passed
    assert _early_stop([3, 2, 2.5, 2.1, 1], 2) == (1, 3)  # the chapter's example
    ties = check("22.4", lambda v, p: _early_stop(v, p, tie_improves=True))
    assert not ties.passed and "best epoch" in ties.reason
    assert "pair" in check("22.4", lambda v, p: 3).reason
