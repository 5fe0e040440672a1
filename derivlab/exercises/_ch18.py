"""Chapter 18's exercises: gradient checkpointing."""

import numpy as np

import derivlab as dl

from . import Wrong, exercise, grader


def _best_segments(L, m_over_a):
    """(k, peak) minimising k + ⌈L/k⌉ · m/a over whole numbers of segments."""
    peaks = {k: k + -(-L // k) * m_over_a for k in range(1, L + 1)}
    k = min(peaks, key=peaks.get)
    return (k, peaks[k])


@exercise(
    "18.1",
    hint="The peak is k checkpoints plus one segment of L/k layers; the best k makes the two "
    "terms equal.",
)
def _():
    return _best_segments(100, 1)


# A small network of the chapter's kind for the checks below.
_N, _W = 6, 4
_rng = np.random.default_rng(18)
_X, _Y = _rng.standard_normal((_N, _W)), _rng.standard_normal((_N, _W))


def _layers(n, seed):
    r = np.random.default_rng(seed)
    return [(r.normal(0, 0.5, (_W, _W)), r.normal(0, 0.1, _W)) for _ in range(n)]


def _stack(h, layers):
    for W_l, b_l in layers:
        h = np.tanh(dl.nn.linear(h, W_l, b_l))
    return h


def _segmented(wrap, layers, x, k):
    h = x
    for part in np.array_split(np.arange(len(layers)), k):
        h = wrap(_stack)(h, layers[part[0] : part[-1] + 1])
    return dl.nn.mse(h, _Y)


@grader(
    "18.2",
    hint="fwd returns f's output and residuals that hold none of f's intermediates; bwd "
    "recomputes f from them, recording, and pulls g back.",
)
def _(answer, rng):
    layers = _layers(12, seed=int(rng.integers(1000)))
    for k in (3, 4):
        reports = []
        for wrap in (answer, dl.checkpoint):

            def f(p, x, wrap=wrap, k=k):
                return _segmented(wrap, p, x, k)

            try:
                reports.append(dl.cost(dl.grad(f, argnums=(0, 1)), layers, _X))
            except Exception as error:  # the reader's code may fail in any way
                if wrap is dl.checkpoint:
                    raise
                raise Wrong(
                    f"a gradient through your checkpoint raised {type(error).__name__}: {error}"
                ) from None
        got, want = reports
        (g_layers, g_x), (w_layers, w_x) = got.value, want.value
        same = np.allclose(g_x, w_x, rtol=1e-10, atol=1e-14) and all(
            np.allclose(a, b, rtol=1e-10, atol=1e-14)
            for pair, ref in zip(g_layers, w_layers)
            for a, b in zip(pair, ref)
        )
        if not same:
            raise Wrong(f"with {k} segments the gradient is wrong: check bwd's cotangents")
        if got.ops < want.ops:
            raise Wrong(
                f"with {k} segments your version runs fewer operations than dl.checkpoint, so "
                "nothing is recomputed: bwd must rerun f, not reuse what the forward pass kept"
            )
        if got.ops > want.ops or got.tape_bytes > want.tape_bytes:
            raise Wrong(
                f"with {k} segments your rule records or reruns too much (ops {got.ops:,} "
                f"against {want.ops:,}, peak tape {got.tape_bytes:,} against "
                f"{want.tape_bytes:,} bytes)"
            )


@exercise(
    "18.3",
    hint="k* = √(L m / a); at the optimum the checkpoints and the segment being recomputed "
    "hold the same number of bytes.",
)
def _():
    return _best_segments(48, 3)


@exercise(
    "18.4",
    hint="Each level of checkpoints the backward sweep reruns adds one forward pass of the "
    "layers below it; count the plain pass too.",
)
def _():
    layers = _layers(64, seed=4)

    def loss(layers):
        return dl.nn.mse(_stack(_X, layers), _Y)

    def three_levels(layers):
        def level(h, part, depth):
            if depth == 0:
                return _stack(h, part)
            for piece in np.array_split(np.arange(len(part)), 4):
                sub = part[piece[0] : piece[-1] + 1]
                h = dl.checkpoint(lambda h, p, d=depth: level(h, p, d - 1))(h, sub)
            return h

        return dl.nn.mse(level(_X, layers, 3), _Y)

    one_layer = dl.cost(lambda p: _stack(_X, [p]), layers[0]).ops
    extra = dl.cost(dl.grad(three_levels), layers).ops - dl.cost(dl.grad(loss), layers).ops
    return 1 + extra // (64 * one_layer)
