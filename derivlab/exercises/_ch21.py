"""Chapter 21, gradients across machines: the expected answers and graders."""

from __future__ import annotations

import numpy as np

from . import Wrong, call, exercise, grader, slips


# ---- 21.1: combine the mean gradients of unequal shards ----
def _close(a, b):
    return np.shape(a) == np.shape(b) and np.allclose(a, b, rtol=1e-10, atol=1e-12)


@grader(
    "21.1",
    hint="Write the full-batch mean as a sum over shards: each shard's mean counts as many "
    "times as it has rows.",
)
def _(answer, rng):
    for trial in range(6):
        P = int(rng.integers(2, 6))
        shape = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        grads = [rng.standard_normal(shape) for _ in range(P)]
        sizes = [int(n) for n in rng.integers(1, 30, P)]
        if trial == 0:
            sizes = [7] * P  # equal shards first
        copies = [g.copy() for g in grads]
        result = call(answer, list(grads), list(sizes), name="combine")
        if not all(np.array_equal(g, c) for g, c in zip(grads, copies)):
            raise Wrong("combine changed the gradients it was given; leave them as they are")
        result = np.asarray(result, dtype=float)
        weights = np.array(sizes, dtype=float)
        expected = sum(w * g for w, g in zip(weights / weights.sum(), grads))
        if np.shape(result) != shape:
            raise Wrong(f"combine returned shape {np.shape(result)} for gradients of shape {shape}")
        if _close(result, expected):
            continue
        if _close(result, sum(grads) / P):
            raise Wrong(
                f"for shards of {sizes} rows you returned the plain average of the shard "
                "gradients, which is right only when the shards are equal"
            )
        if _close(result, sum(w * g for w, g in zip(weights, grads))):
            raise Wrong(
                "your result is the gradient of the loss summed over all the rows, not of "
                "their mean loss"
            )
        if _close(result, sum(grads)):
            raise Wrong("you added the shard gradients without weighting or dividing them")
        raise Wrong(
            f"for {P} shards of {sizes} rows the result is not the full-batch mean gradient"
        )


# ---- 21.2: the one-process run that DDP reproduces ----
@exercise(
    "21.2",
    hint="DDP averages the workers' mean gradients: which batch's mean gradient is that, and "
    "does the step then need a different learning rate?",
    rtol=1e-12,
)
def _():
    return (8 * 32, 0.05)


@slips("21.2")
def _():
    return {
        "that learning rate is scaled by the number of workers, but DDP averages the workers' "
        "gradients, so its step is already a step on the mean gradient of the whole batch": (
            8 * 32,
            8 * 0.05,
        ),
        "32 rows is one worker's share; the one process must see every row the eight workers "
        "see in a step": (32, 0.05),
        "that learning rate is divided by the number of workers, but the averaged gradient is "
        "a mean, not a sum": (8 * 32, 0.05 / 8),
    }


# ---- 21.3: bytes of a ring and of a parameter server ----
@exercise(
    "21.3",
    hint="Count numbers first: a ring worker sends 2(P − 1) chunks of n/P numbers; the server "
    "sends the summed gradient to each of the P workers. Then 4 bytes a number.",
    rtol=1e-9,
)
def _():
    n, P, size = 25.6e6, 8, 4
    return (2 * (P - 1) / P * n * size, P * n * size)


@slips("21.3")
def _():
    n, P, size = 25.6e6, 8, 4
    ring, server = 2 * (P - 1) / P * n, P * n
    return {
        "those are numbers, not bytes: each float32 number is 4 bytes": (ring, server),
        "your ring count covers only the reduce-scatter phase; the all-gather sends as much "
        "again": ((P - 1) / P * n * size, server * size),
        "twice the gradient is what a ring worker approaches for very many workers; count "
        "its chunks for P = 8": (2 * n * size, server * size),
        "the server sends the sum to all P workers, not P - 1 of them: it is a process of its "
        "own": (ring * size, (P - 1) * n * size),
        "a ring worker sends 2(P - 1) chunks, each 1/P of the gradient, not whole gradients": (
            2 * (P - 1) * n * size,
            server * size,
        ),
    }


# ---- 21.4: undo unscaled accumulation ----
@grader(
    "21.4",
    hint="Follow the factor through both sums: the micro-batches' backward passes add up on "
    "each worker, and DDP then averages over the workers.",
)
def _(answer, rng):
    for _ in range(6):
        k, P = int(rng.integers(2, 9)), int(rng.integers(2, 9))
        right = rng.standard_normal((3, 2))
        g = k * right  # k unscaled equal micro-batches; DDP already divided by P
        result = call(answer, g.copy(), k, P, name="fix")
        result = np.asarray(result, dtype=float)
        if _close(result, right):
            continue
        if _close(result, right / P):
            raise Wrong(
                "you corrected for the workers as well, but DDP's all-reduce already averages "
                "over them"
            )
        if _close(result, g):
            raise Wrong("fix returned the gradient unchanged; it is too large")
        if _close(result, k * g) or _close(result, P * g):
            raise Wrong(
                "your result is larger than the gradient it was given, which is already too large"
            )
        raise Wrong(f"with k = {k} micro-batches and P = {P} workers the result is off")
