"""derivlab.plot: each helper returns its Axes with the expected artists and never calls show()."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.contour import ContourSet
from matplotlib.quiver import Quiver

from derivlab import plot

A = np.array([[2.0, 0.5], [0.5, 1.0]])


def bowl(p):
    return 0.5 * (p @ (A @ p))  # not vectorisable over a grid: drawn point by point


def bowl_grad(p):
    return A @ p


def separable(p):
    return p[0] ** 2 + 3 * p[1] ** 2  # vectorisable over a grid


@pytest.fixture(autouse=True)
def no_show(monkeypatch):
    """Fail any helper that calls plt.show(), and close the figures a test made."""

    def refuse(*args, **kwargs):
        raise AssertionError("a plot helper called plt.show()")

    monkeypatch.setattr(plt, "show", refuse)
    yield
    plt.close("all")


def lines(ax: Axes) -> list:
    return [line for line in ax.get_lines() if len(line.get_xdata()) > 0]


# ---- every helper: Axes in, same Axes out; None makes a new figure ----
CALLS = {
    "secants": lambda ax: plot.secants(np.sin, 0.5, [1.0, 0.5, 0.1], ax, df=np.cos),
    "tangent": lambda ax: plot.tangent(np.sin, np.cos, [0.0, 1.0], ax),
    "taylor": lambda ax: plot.taylor(np.exp, 0.0, (1, 2), ax, derivatives=[1, 1, 1]),
    "error_vs_step": lambda ax: plot.error_vs_step([1e-1, 1e-2], [1e-2, 1e-4], ax),
    "contour": lambda ax: plot.contour(separable, ax=ax),
    "gradient_field": lambda ax: plot.gradient_field(bowl_grad, ax=ax),
    "trajectory": lambda ax: plot.trajectory(np.zeros((3, 2)), ax),
}


def test_every_public_helper_is_covered():
    assert set(plot.__all__) >= set(CALLS)
    assert set(CALLS) >= set(plot.__all__) - {"graph", "style"}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_returns_the_given_axes(name):
    _, ax = plt.subplots()
    assert CALLS[name](ax) is ax


@pytest.mark.parametrize("name", sorted(CALLS))
def test_makes_a_labelled_figure_when_ax_is_none(name):
    before = len(plt.get_fignums())
    ax = CALLS[name](None)
    assert isinstance(ax, Axes)
    assert len(plt.get_fignums()) == before + 1
    assert ax.get_xlabel() and ax.get_ylabel()


@pytest.mark.parametrize("name", sorted(CALLS))
def test_rejects_something_that_is_not_an_axes(name):
    with pytest.raises(TypeError, match="Axes"):
        CALLS[name]("not an axes")


# ---- one-variable pictures ----
def test_secants_draw_each_secant_with_the_difference_quotient_slope():
    hs = [1.0, 0.5, 0.1]
    ax = plot.secants(np.sin, 0.5, hs, df=np.cos)
    # f, 3 secants + 3 end points, the tangent, the point x0
    assert len(lines(ax)) == 1 + 2 * len(hs) + 1 + 1
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    for h in hs:
        slope = (np.sin(0.5 + h) - np.sin(0.5)) / h
        assert any(f"$h={h:g}$: slope {slope:.4g}" == label for label in labels)
    assert any(label.startswith("tangent: slope 0.8776") for label in labels)


def test_secant_line_passes_through_both_points():
    ax = plot.secants(np.exp, 0.0, [0.5])
    secant = lines(ax)[1]
    x, y = np.asarray(secant.get_xdata()), np.asarray(secant.get_ydata())
    slope = (y[1] - y[0]) / (x[1] - x[0])
    np.testing.assert_allclose(slope, (np.exp(0.5) - 1) / 0.5, rtol=1e-12)
    np.testing.assert_allclose(np.interp(0.5, x, y), np.exp(0.5), rtol=1e-12)


def test_tangent_segments_have_the_derivative_as_slope():
    ax = plot.tangent(lambda x: x**3, lambda x: 3 * x**2, [-1.0, 0.5, 2.0])
    segments = [line for line in lines(ax)[1:] if len(line.get_xdata()) == 2]
    assert len(segments) == 3
    for segment, x0 in zip(segments, [-1.0, 0.5, 2.0], strict=True):
        x, y = segment.get_xdata(), segment.get_ydata()
        np.testing.assert_allclose((y[1] - y[0]) / (x[1] - x[0]), 3 * x0**2, rtol=1e-12)


def test_taylor_polynomials_from_the_symbolic_engine():
    pytest.importorskip("derivlab.symbolic")
    ax = plot.taylor(np.sin, 0.0, (1, 3))
    xs = np.asarray(lines(ax)[1].get_xdata())
    order1, order3 = (np.asarray(line.get_ydata()) for line in lines(ax)[1:3])
    np.testing.assert_allclose(order1, xs, atol=1e-12)  # sin x ≈ x
    np.testing.assert_allclose(order3, xs - xs**3 / 6, atol=1e-12)  # … - x³/6


def test_taylor_with_given_derivatives_and_order_zero():
    ax = plot.taylor(np.exp, 1.0, (0, 2), derivatives=[np.e, np.e, np.e])
    const, quad = (np.asarray(line.get_ydata()) for line in lines(ax)[1:3])
    xs = np.asarray(lines(ax)[1].get_xdata())
    np.testing.assert_allclose(const, np.e)
    np.testing.assert_allclose(quad, np.e * (1 + (xs - 1) + (xs - 1) ** 2 / 2), rtol=1e-12)


def test_taylor_needs_enough_derivatives():
    with pytest.raises(ValueError, match="3 numbers"):
        plot.taylor(np.exp, 0.0, (2,), derivatives=[1.0, 1.0])


def test_error_vs_step_is_log_log_with_reference_slopes_and_skips_zeros():
    hs = np.logspace(-8, -1, 8)
    ax = plot.error_vs_step(hs, {"a": hs, "b": np.where(hs < 1e-6, 0.0, hs**2)}, slopes=(1, 2))
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    a, b = (line for line in lines(ax) if line.get_label() in ("a", "b"))
    assert len(a.get_xdata()) == 8 and len(b.get_xdata()) == 6  # two zero errors left out
    refs = [line for line in lines(ax) if line.get_label().startswith("slope")]
    assert len(refs) == 2
    for ref, p in zip(refs, (1, 2), strict=True):
        x, y = np.log(ref.get_xdata()), np.log(ref.get_ydata())
        np.testing.assert_allclose(np.diff(y) / np.diff(x), p, rtol=1e-10)


@pytest.mark.parametrize(
    ("hs", "errors"), [([1.0, -1.0], [1.0, 1.0]), ([], []), ([1.0, 0.1], [1.0])]
)
def test_error_vs_step_bad_input(hs, errors):
    with pytest.raises(ValueError):
        plot.error_vs_step(hs, errors)


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: plot.secants(np.sin, 0.0, [0.0]), ValueError),
        (lambda: plot.secants(3.0, 0.0, [0.1]), TypeError),
        (lambda: plot.tangent(np.sin, None, 0.0), TypeError),
        (lambda: plot.tangent(np.sin, np.cos, []), ValueError),
        (lambda: plot.taylor(np.sin, 0.0, (-1,)), ValueError),
        (lambda: plot.contour(separable, xlim=(1.0, -1.0)), ValueError),
        (lambda: plot.contour(separable, n=1), ValueError),
        (lambda: plot.gradient_field(lambda p: p[0], n=3), ValueError),
        (lambda: plot.trajectory(np.zeros(3)), ValueError),
        (lambda: plot.trajectory(np.zeros((3, 3))), ValueError),
        (lambda: plot.trajectory("path"), TypeError),
    ],
)
def test_bad_arguments_raise_clear_errors(call, error):
    with pytest.raises(error):
        call()


# ---- two-variable pictures ----
@pytest.mark.parametrize("f", [bowl, separable], ids=["point-by-point", "vectorised"])
def test_contour_levels_match_the_function(f):
    ax = plot.contour(f, (-1.0, 1.0), (-2.0, 2.0), levels=[0.5, 1.0], n=40)
    (contours,) = [c for c in ax.collections if isinstance(c, ContourSet)]
    np.testing.assert_allclose(contours.levels, [0.5, 1.0])
    # a vertex of the drawn level curve lies on it: f(vertex) = level, to the grid's accuracy
    vertex = contours.allsegs[0][0][0]
    assert abs(f(vertex) - 0.5) < 0.02
    assert ax.get_aspect() == 1.0


def test_contour_filled_with_colorbar():
    ax = plot.contour(separable, filled=True, colorbar=True, levels=5)
    (contours,) = [c for c in ax.collections if isinstance(c, ContourSet)]
    assert contours.filled
    assert len(ax.figure.axes) == 2  # the plot and its colour bar


def test_gradient_field_arrows_point_along_the_gradient():
    ax = plot.gradient_field(bowl_grad, (-1.0, 1.0), (-1.0, 1.0), n=5, normalize=False)
    (arrows,) = [c for c in ax.collections if isinstance(c, Quiver)]
    assert arrows.N == 25
    for (x, y), u, v in zip(arrows.XY, arrows.U, arrows.V, strict=True):
        np.testing.assert_allclose([u, v], bowl_grad(np.array([x, y])), atol=1e-12)


def test_gradient_field_normalised_arrows_have_unit_length_and_zero_stays_zero():
    ax = plot.gradient_field(bowl_grad, (-1.0, 1.0), (-1.0, 1.0), n=3)
    (arrows,) = [c for c in ax.collections if isinstance(c, Quiver)]
    lengths = np.hypot(arrows.U, arrows.V)
    centre = np.flatnonzero(np.all(np.isclose(arrows.XY, 0.0), axis=1))
    assert lengths[centre] == 0.0  # the minimum: no direction
    np.testing.assert_allclose(np.delete(lengths, centre), 1.0)


def test_trajectory_in_the_plane_marks_start_and_end():
    path = np.array([[1.0, 1.0], [0.5, 0.2], [0.1, 0.0]])
    ax = plot.trajectory(path, label="descent")
    main, start, end = lines(ax)
    np.testing.assert_array_equal(np.column_stack(main.get_data()), path)
    assert start.get_marker() == "o" and end.get_marker() == "*"
    np.testing.assert_array_equal(np.column_stack(end.get_data())[0], path[-1])
    assert ax.get_legend() is not None


def test_trajectory_on_a_curve():
    ax = plot.trajectory([2.0, -1.0, 0.5], f=lambda x: x**2)
    np.testing.assert_array_equal(lines(ax)[0].get_ydata(), [4.0, 1.0, 0.25])
    assert ax.get_ylabel() == "$f(x)$"


def test_trajectory_reads_an_optimizer_trace():
    class Trace:
        xs = [np.array([1.0, 0.0]), np.array([0.0, 0.0])]

    ax = plot.trajectory(Trace())
    assert len(lines(ax)[0].get_xdata()) == 2


def test_trajectory_over_a_contour_shares_the_axes():
    ax = plot.contour(separable)
    plot.gradient_field(lambda p: np.array([2 * p[0], 6 * p[1]]), ax=ax)
    plot.trajectory(np.array([[1.0, 1.0], [0.0, 0.0]]), ax=ax)
    kinds = {type(c) for c in ax.collections}
    assert Quiver in kinds and any(issubclass(k, ContourSet) for k in kinds)
    assert len(lines(ax)) == 3  # the path, its start and its end


# ---- the course style ----
def test_style_sets_the_course_text_sizes_and_matches_book_matplotlibrc():
    """dl.plot.style() gives the look book/matplotlibrc gives a run from book/."""
    from pathlib import Path

    import matplotlib as mpl

    from derivlab.plot._style import RC

    rc_file = Path(__file__).resolve().parents[1] / "book" / "matplotlibrc"
    from_file = mpl.rc_params_from_file(str(rc_file), use_default_template=False)
    expected = {k: mpl.rcParams.validate[k](v) for k, v in RC.items()}
    assert dict(from_file) == expected
    with mpl.rc_context():
        mpl.rcdefaults()
        plot.style()
        for key, value in RC.items():
            assert mpl.rcParams[key] == value, key
        # the sizes reach a figure's text
        fig, ax = plt.subplots()
        ax.set_xticks([0, 1])
        ax.legend(handles=ax.plot([0, 1], label="a"))
        assert ax.get_xticklabels()[0].get_fontsize() == RC["xtick.labelsize"]
        assert ax.get_legend().get_texts()[0].get_fontsize() == RC["legend.fontsize"]


def test_style_outside_ipython_changes_no_backend_and_checks_its_argument():
    import matplotlib as mpl

    backend = mpl.get_backend()
    with mpl.rc_context():
        plot.style("retina")
        assert mpl.get_backend() == backend
    for wrong in ("gif", ("svg", "gif"), ()):
        with pytest.raises(ValueError, match="figure_formats must be some of"):
            plot.style(wrong)


def test_style_in_ipython_sends_figures_as_svg(monkeypatch):
    """In a notebook (an IPython shell), figures go out as SVG (screens) and PDF (print)."""
    import matplotlib as mpl
    from IPython.core.interactiveshell import InteractiveShell
    from matplotlib.figure import Figure

    shell = InteractiveShell.instance()
    try:
        with mpl.rc_context():
            plot.style()
        formatters = shell.display_formatter.formatters
        assert Figure in formatters["image/svg+xml"].type_printers
        assert Figure not in formatters["image/png"].type_printers
        fig = Figure()
        fig.add_subplot().plot([0, 1])
        data, _ = shell.display_formatter.format(fig)
        assert data["image/svg+xml"].lstrip().startswith("<?xml")
        assert "application/pdf" in data and "image/png" not in data
    finally:
        InteractiveShell.clear_instance()
