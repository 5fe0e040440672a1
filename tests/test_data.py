"""derivlab.data: seeded, shaped as documented, and the drive's curves exact (SymPy oracle)."""

import numpy as np
import pytest
import sympy

from derivlab import data

# ---- the drive: position, velocity, acceleration against a SymPy integration ----
V, T_A, CRUISE, T_B = 20.0, 8.0, 12.0, 6.0


def sympy_trip():
    """v(t) as a SymPy Piecewise from the smoothstep; x = ∫v, a = v' computed by SymPy."""
    t, s = sympy.symbols("t s", real=True)
    u_a, u_b = t / T_A, (t - T_A - CRUISE) / T_B
    smooth = sympy.Lambda(s, sympy.Piecewise((0, s < 0), (3 * s**2 - 2 * s**3, s < 1), (1, True)))
    velocity = V * (smooth(u_a) - smooth(u_b))
    position = sympy.integrate(velocity, (t, 0, t))
    acceleration = sympy.diff(velocity, t)
    return [sympy.lambdify(t, e, "numpy") for e in (position, velocity, acceleration)]


TIMES = [0.0, 1.3, 4.0, 7.9, 8.0, 11.5, 20.0, 21.7, 25.2, 26.0, 30.0]


@pytest.mark.parametrize("which", ["position", "velocity", "acceleration"])
def test_drive_curves_match_sympy(which):
    trip = data.drive()
    oracle = dict(zip(["position", "velocity", "acceleration"], sympy_trip(), strict=True))[which]
    for t in TIMES:
        np.testing.assert_allclose(getattr(trip, which)(t), float(oracle(t)), rtol=1e-12, atol=1e-9)


def test_drive_samples_are_the_exact_position_without_noise():
    trip = data.drive(n=53)
    assert trip.t.shape == trip.x.shape == (53,)
    np.testing.assert_allclose(trip.t[[0, -1]], [0.0, T_A + CRUISE + T_B])
    np.testing.assert_array_equal(trip.x, trip.position(trip.t))


def test_drive_phases_and_known_values():
    trip = data.drive()
    assert trip.phases == {"accelerate": (0.0, 8.0), "cruise": (8.0, 20.0), "brake": (20.0, 26.0)}
    # distance: half of each ramp at full speed, plus the cruise
    np.testing.assert_allclose(trip.x[-1], V * (T_A / 2 + CRUISE + T_B / 2), rtol=1e-14)
    np.testing.assert_allclose(trip.velocity(np.array([0.0, 14.0, 26.0])), [0.0, V, 0.0])
    # peak acceleration mid-ramp: V · S'(1/2) / T_a = V · 1.5 / T_a
    np.testing.assert_allclose(trip.acceleration(T_A / 2), 1.5 * V / T_A, rtol=1e-14)
    np.testing.assert_allclose(trip.acceleration(23.0), -1.5 * V / T_B, rtol=1e-14)
    assert np.all(np.diff(trip.x) >= 0)  # the car never reverses


def test_drive_velocity_is_the_numeric_slope_of_position():
    trip, h = data.drive(), 1e-5
    for t in [2.0, 9.0, 22.5]:
        slope = (trip.position(t + h) - trip.position(t - h)) / (2 * h)
        np.testing.assert_allclose(slope, trip.velocity(t), rtol=1e-8)


def test_drive_noise_is_seeded():
    a, b = data.drive(noise=0.5, seed=3), data.drive(noise=0.5, seed=3)
    np.testing.assert_array_equal(a.x, b.x)
    assert not np.array_equal(a.x, data.drive(noise=0.5, seed=4).x)
    residual = a.x - a.position(a.t)
    assert 0.3 < residual.std() < 0.7


def test_drive_is_differentiable_by_derivlab():
    dl = pytest.importorskip("derivlab")
    trip = data.drive()
    for t in [3.0, 14.0, 23.0]:
        np.testing.assert_allclose(dl.grad(trip.position)(t), trip.velocity(t), rtol=1e-12)


# ---- the line y = 4 + 3x + noise ----
def test_line_recovers_intercept_and_slope():
    x, y = data.line(1000, seed=0)
    assert x.shape == y.shape == (1000,)
    assert 0.0 <= x.min() and x.max() <= 2.0
    intercept, slope = np.linalg.lstsq(np.column_stack([np.ones_like(x), x]), y, rcond=None)[0]
    assert abs(intercept - 4.0) < 0.15 and abs(slope - 3.0) < 0.15


def test_line_without_noise_is_exact():
    x, y = data.line(20, intercept=-1.0, slope=0.5, noise=0.0, xlim=(-3, 3))
    np.testing.assert_allclose(y, -1.0 + 0.5 * x, rtol=1e-15)


# ---- classification sets ----
def test_xor_corners():
    X, y = data.xor()
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y, [0, 1, 1, 0])


def test_noisy_xor_labels_follow_the_corners():
    X, y = data.xor(400, noise=0.05, seed=1)
    assert X.shape == (400, 2) and y.shape == (400,)
    corner = np.round(X)
    np.testing.assert_array_equal(y, (corner[:, 0] != corner[:, 1]).astype(int))


@pytest.mark.parametrize("centers", [2, 3, 5])
def test_blobs_are_balanced_and_centred_on_a_circle(centers):
    X, y = data.blobs(300, centers=centers, spread=0.1, radius=2.0, seed=0)
    assert X.shape == (300, 2) and y.dtype == np.int64
    counts = np.bincount(y)
    assert len(counts) == centers and counts.max() - counts.min() <= 1
    for k in range(centers):
        np.testing.assert_allclose(np.linalg.norm(X[y == k].mean(axis=0)), 2.0, atol=0.05)


def test_moons_lie_near_their_half_circles():
    X, y = data.moons(200, noise=0.0, seed=0)
    assert X.shape == (200, 2) and set(np.unique(y)) == {0, 1}
    np.testing.assert_allclose(np.linalg.norm(X[y == 0], axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(X[y == 1] - [1.0, 0.5], axis=1), 1.0, rtol=1e-12)


def test_bars_and_crosses_light_the_same_number_of_pixels():
    X, y = data.bars_and_crosses(60, size=12, noise=0.0, seed=0)
    assert X.shape == (60, 1, 12, 12) and X.dtype == np.float64
    assert np.sum(y == 0) == np.sum(y == 1) == 30
    lit = X.sum(axis=(1, 2, 3))
    assert set(np.unique(X)) == {0.0, 1.0}
    assert np.all((lit - 1) % 4 == 0) and set(lit) <= {5.0, 9.0}
    rows_lit = (X[:, 0].sum(axis=2) > 0).sum(axis=1)  # how many rows hold ink
    cols_lit = (X[:, 0].sum(axis=1) > 0).sum(axis=1)
    # a bar fills one row or one column; a cross spans 2a + 1 of each
    assert np.all(np.minimum(rows_lit, cols_lit)[y == 0] == 1)
    assert np.all(rows_lit[y == 1] == cols_lit[y == 1])
    assert np.all(rows_lit[y == 1] >= 3)


def _shape_of(image):
    """The class of one noiseless shapes() image, read from its lit pixels (an oracle)."""
    rows, cols = np.nonzero(image)
    height, width = np.ptp(rows) + 1, np.ptp(cols) + 1
    if height == 1:
        return 0
    if width == 1:
        return 1
    return 3 if image[rows.min(), cols.min()] else 2  # a box has its corner, a cross does not


def test_shapes_draw_each_class_whole_inside_the_margin():
    X, y = data.shapes(400, size=10, margin=1, noise=0.0, seed=0)
    assert X.shape == (400, 1, 10, 10) and X.dtype == np.float64
    assert [int(np.sum(y == c)) for c in range(4)] == [100] * 4
    assert set(np.unique(X)) == {0.0, 1.0} and len(data.SHAPES) == 4
    edges = np.ones((10, 10), bool)
    edges[1:-1, 1:-1] = False
    assert not X[:, 0][:, edges].any()  # the margin is blank
    assert [_shape_of(image) for image in X[:, 0]] == list(y)
    lit = X.sum(axis=(1, 2, 3))
    assert lit[y < 2].min() >= 3 and np.all((lit[y == 2] - 1) % 4 == 0)
    assert np.all(lit[y == 3] % 4 == 0)  # a box of side s lights 4(s - 1) pixels
    # flips keep the class; a transpose swaps the two bars
    for flipped in (X[:, 0, ::-1, :], X[:, 0, :, ::-1]):
        assert [_shape_of(image) for image in flipped] == list(y)
    swapped = [_shape_of(image) for image in np.swapaxes(X[:, 0], 1, 2)]
    np.testing.assert_array_equal(swapped, np.choose(y, [1, 0, 2, 3]))


def test_shapes_noise_and_margin_zero():
    X, y = data.shapes(200, size=6, margin=0, noise=0.0, seed=1)
    assert [_shape_of(image) for image in X[:, 0]] == list(y)
    assert X[:, 0, [0, -1], :].any()  # with no margin a shape may touch the edge
    noisy, same_y = data.shapes(200, size=6, margin=0, noise=0.2, seed=1)
    np.testing.assert_array_equal(same_y, y)
    assert 0.15 < (noisy - X).std() < 0.25
    # the noise is the only difference: twice the noise gives exactly twice the difference
    twice, _ = data.shapes(200, size=6, margin=0, noise=0.4, seed=1)
    np.testing.assert_allclose(twice - X, 2 * (noisy - X), atol=1e-12)


# ---- seeds: same seed same data, a Generator continues its stream ----
MAKERS = {
    "line": lambda seed: data.line(50, seed=seed),
    "xor": lambda seed: data.xor(50, seed=seed),
    "blobs": lambda seed: data.blobs(50, seed=seed),
    "moons": lambda seed: data.moons(50, seed=seed),
    "bars_and_crosses": lambda seed: data.bars_and_crosses(10, seed=seed),
    "shapes": lambda seed: data.shapes(10, seed=seed),
}


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_seeded(name):
    make = MAKERS[name]
    for a, b in zip(make(7), make(7), strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(make(7)[0], make(8)[0])
    rng = np.random.default_rng(7)
    first, second = make(rng)[0], make(rng)[0]
    assert not np.array_equal(first, second)


# ---- minibatches ----
def test_minibatches_visit_every_row_once_in_aligned_batches():
    X = np.arange(23.0).reshape(23, 1)
    y = np.arange(23)
    batches = list(data.minibatches(X, y, batch_size=5, seed=0))
    assert [len(b[0]) for b in batches] == [5, 5, 5, 5, 3]
    seen = np.concatenate([yb for _, yb in batches])
    assert sorted(seen) == list(range(23)) and not np.array_equal(seen, np.arange(23))
    for xb, yb in batches:
        np.testing.assert_array_equal(xb[:, 0], yb)


def test_minibatches_in_order_without_shuffle():
    (first,) = next(data.minibatches(np.arange(10), batch_size=4, shuffle=False))
    np.testing.assert_array_equal(first, [0, 1, 2, 3])


# ---- bad input: a clear error, raised at the call ----
@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: data.drive(n=1), ValueError, "at least 2"),
        (lambda: data.drive(n=2.5), ValueError, "positive integer"),
        (lambda: data.drive(accelerate=0.0), ValueError, "accelerate"),
        (lambda: data.drive(noise=-1.0), ValueError, "noise"),
        (lambda: data.drive(noise=1.0, seed="x"), TypeError, "seed"),
        (lambda: data.line(0), ValueError, "positive integer"),
        (lambda: data.line(10, xlim=(2.0, 0.0)), ValueError, "low < high"),
        (lambda: data.xor(True), ValueError, "positive integer"),
        (lambda: data.blobs(10, centers=1), ValueError, "at least 2"),
        (lambda: data.moons(10, noise=float("nan")), ValueError, "noise"),
        (lambda: data.bars_and_crosses(10, size=4), ValueError, "at least 5"),
        (lambda: data.bars_and_crosses(0), ValueError, "positive integer"),
        (lambda: data.shapes(10, size=6, margin=2), ValueError, "at least 3"),
        (lambda: data.shapes(10, margin=-1), ValueError, "margin"),
        (lambda: data.shapes(10, noise=-0.1), ValueError, "noise"),
        (lambda: data.minibatches(batch_size=2), ValueError, "at least one array"),
        (lambda: data.minibatches(np.ones(3), np.ones(4), batch_size=2), ValueError, "rows"),
        (lambda: data.minibatches(np.ones(3), batch_size=0), ValueError, "batch_size"),
    ],
)
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()
