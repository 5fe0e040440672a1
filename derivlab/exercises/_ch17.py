"""Chapter 17's exercises: mixed precision."""

import numpy as np

from . import Wrong, call, exercise, grader


@exercise(
    "17.1",
    hint="float16's smallest normal number is 2^-14; solve 2^k · 1e-9 ≥ 2^-14 for the smallest "
    "integer k.",
)
def _():
    k = 0
    while 2.0**k * 1e-9 < np.finfo(np.float16).smallest_normal:
        k += 1
    return k


def _bfloat16_by_torch(x):
    import torch  # only this exercise needs PyTorch

    return torch.from_numpy(x).to(torch.bfloat16).float().numpy()


def _bfloat16_inputs(rng):
    x = (rng.standard_normal(500) * 10.0 ** rng.integers(-30, 30, 500)).astype(np.float32)
    ties = (rng.integers(0, 2**16, 100, dtype=np.uint32) << 16) | 0x8000
    return np.concatenate([x, ties.view(np.float32)])


@grader(
    "17.2",
    hint="Rounding to the nearest means adding about half of the dropped range before "
    "clearing the low 16 bits; on an exact tie, the last kept bit decides.",
)
def _(answer, rng):
    for _ in range(3):
        x = _bfloat16_inputs(rng)
        want = _bfloat16_by_torch(x)
        got = np.asarray(call(answer, x.copy()), dtype=np.float32)
        if got.shape != x.shape:
            raise Wrong(f"for an input of shape {x.shape} your function returned {got.shape}")
        if np.array_equal(got, want, equal_nan=True):
            continue
        if np.any(got.view(np.uint32) & 0xFFFF):
            raise Wrong("the low 16 bits of every result must be zero (bfloat16 keeps 7)")
        if np.array_equal(got, (x.view(np.uint32) & 0xFFFF0000).view(np.float32), equal_nan=True):
            raise Wrong("your values are truncated (rounded towards zero), not rounded")
        ties = x.view(np.uint32) & 0xFFFF == 0x8000
        if np.array_equal(got[~ties], want[~ties], equal_nan=True):
            raise Wrong("right except on exact ties: a tie goes to the even neighbour")
        raise Wrong("each result must be the nearer of x's two bfloat16 neighbours")


@exercise(
    "17.3",
    rtol=1e-6,
    hint="Balance h²/6 against ε/h: set the derivative of the sum to zero.",
)
def _():
    return np.cbrt(3 * np.finfo(np.float32).eps)


@exercise(
    "17.4",
    hint="Compare 1e-10 with each format's smallest subnormal number, in the table at the top "
    "of the chapter.",
)
def _():
    tiny_float16 = np.finfo(np.float16).smallest_subnormal  # 2^-24 ≈ 6e-8
    return "float16" if 1e-10 >= tiny_float16 else "bfloat16"
