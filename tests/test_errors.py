"""Bad input: one test per mistake, each asserting that the error names the problem and the fix.

derivlab never returns a silently wrong number: a function without a rule, a conversion that
would drop the derivative, an in-place write, a non-scalar output for ``grad``, a bad ``argnums``,
an argument of the wrong type, all raise. NaN and inf are values, not errors: they propagate
through derivatives exactly as NumPy's formulas produce them.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import torch
from oracles import assert_close, to_torch

import derivlab as dl

X = np.array([1.0, 2.0, 3.0])
A = np.arange(9.0).reshape(3, 3)

# ---- a function with no rule ----


@pytest.mark.parametrize(
    "fn, name",
    [
        (lambda x: np.sum(np.interp(x, [0.0, 1.0], [1.0, 2.0])), r"np\.interp"),
        (lambda x: np.sum(np.fft.hfft(x)), r"np\.fft\.hfft"),
        (lambda x: np.median(x), r"np\.median"),
        (lambda x: np.sum(np.cumprod(x)), r"np\.cumprod"),
        (lambda x: np.sum(np.spacing(x)), r"np\.spacing"),  # a ufunc without a row
        (lambda x: np.sum(np.add.accumulate(x)), r"np\.add\.accumulate"),  # a ufunc method
    ],
    ids=["interp", "hfft", "median", "cumprod", "spacing", "add.accumulate"],
)
def test_function_without_a_rule_is_named(fn: Any, name: str) -> None:
    with pytest.raises(NotImplementedError, match=name) as info:
        dl.grad(fn)(X)
    assert "primitive table" in str(info.value)  # and it says where the rules live
    with pytest.raises(NotImplementedError, match=name):
        dl.jvp(fn, (X,), (X,))


def test_unsupported_option_is_named() -> None:
    with pytest.raises(NotImplementedError, match=r"full_matrices=False"):
        dl.grad(lambda x: np.sum(np.linalg.svd(x.reshape(1, 3))[0]))(X)
    with pytest.raises(NotImplementedError, match=r"where="):
        dl.grad(lambda x: np.sum(x, where=x > 1))(X)
    with pytest.raises(NotImplementedError, match=r"zero padding"):
        dl.grad(lambda x: np.sum(np.pad(x, 1, mode="edge")))(X)


# ---- NumPy converting a traced value to a plain array ----


def test_ndarray_dot_of_traced_value_points_to_matmul() -> None:
    with pytest.raises(TypeError, match=r"a @ x or np\.dot\(a, x\)"):
        dl.grad(lambda w: np.sum(A.dot(w)))(X)


def test_np_asarray_of_traced_value() -> None:
    with pytest.raises(TypeError, match=r"np\.asarray") as info:
        dl.grad(lambda w: np.sum(np.asarray(w)))(X)
    assert "np.stack" in str(info.value)
    with pytest.raises(TypeError, match=r"np\.stack"):
        dl.grad(lambda w: np.sum(np.array([w[0], w[1]])))(X)


def test_float_of_traced_value() -> None:
    with pytest.raises(TypeError, match=r"float\(\)") as info:
        dl.grad(lambda w: float(w) * 2.0)(1.0)
    assert "a @ x" in str(info.value) and "np.dot" in str(info.value)
    with pytest.raises(TypeError, match=r"\.item\(\)"):
        dl.grad(lambda w: w.item())(1.0)


def test_error_message_points_at_the_users_line() -> None:
    def f(w: Any) -> Any:
        return float(w)  # this line should be quoted

    with pytest.raises(TypeError, match=r"test_errors\.py:\d+: return float\(w\)"):
        dl.grad(f)(1.0)


# ---- writing a traced value into a plain array ----


def test_setitem_into_plain_array() -> None:
    def f(w: Any) -> Any:
        a = np.zeros(3)
        a[0] = w
        return np.sum(a)

    with pytest.raises(TypeError, match=r"a\[i\] = x") as info:
        dl.grad(f)(1.0)
    assert "np.where" in str(info.value)


def test_inplace_add_into_plain_array() -> None:
    def f(w: Any) -> Any:
        a = np.zeros(3)
        a += w
        return np.sum(a)

    with pytest.raises(TypeError, match=r"a \+= x"):
        dl.grad(f)(X)


def test_out_argument() -> None:
    with pytest.raises(TypeError, match=r"out="):
        dl.grad(lambda w: np.sum(np.sin(w, out=np.zeros(3))))(X)
    with pytest.raises(TypeError, match=r"np\.sum\(\.\.\., out=\.\.\.\)"):
        dl.grad(lambda w: np.sum(w, out=np.zeros(())))(X)


def test_setitem_on_traced_value() -> None:
    def f(w: Any) -> Any:
        w[0] = 1.0
        return np.sum(w)

    with pytest.raises(TypeError, match=r"immutable") as info:
        dl.grad(f)(X)
    assert "np.where" in str(info.value)


# ---- grad of a non-scalar output ----


@pytest.mark.parametrize(
    "fn, what",
    [(lambda w: w * 2.0, r"shape \(3,\)"), (lambda w: (np.sum(w), np.sum(w)), "tuple")],
    ids=["array", "tuple"],
)
def test_grad_of_non_scalar_points_to_jacrev_and_vjp(fn: Any, what: str) -> None:
    with pytest.raises(TypeError, match=what) as info:
        dl.grad(fn)(X)
    assert "jacrev" in str(info.value) and "vjp" in str(info.value)
    with pytest.raises(TypeError, match=r"jacrev"):
        dl.value_and_grad(fn)(X)


def test_grad_of_integer_output() -> None:
    with pytest.raises(TypeError, match=r"float scalar"):
        dl.grad(lambda w: 1)(1.0)


# ---- argnums ----


@pytest.mark.parametrize(
    "transform", [dl.grad, dl.value_and_grad, dl.jacfwd, dl.jacrev, dl.hessian],
    ids=["grad", "value_and_grad", "jacfwd", "jacrev", "hessian"],
)  # fmt: skip
@pytest.mark.parametrize("argnums", [2, -3, (0, 2)], ids=str)
def test_argnums_out_of_range(transform: Any, argnums: Any) -> None:
    with pytest.raises(ValueError, match=r"argnums=.*valid argnums are 0\.\.1"):
        transform(lambda a, b: np.sum(a * b), argnums=argnums)(X, X)


def test_argnums_empty() -> None:
    with pytest.raises(ValueError, match=r"argnums is empty"):
        dl.grad(lambda a: np.sum(a), argnums=())(X)


def test_argnums_of_wrong_type() -> None:
    with pytest.raises(TypeError, match=r"argnums must be an int or a tuple of ints"):
        dl.grad(lambda a: np.sum(a), argnums=0.5)(X)  # type: ignore[arg-type]


def test_argnums_tuple_of_wrong_type() -> None:
    with pytest.raises(TypeError, match=r"argnums must be an int or a tuple of ints"):
        dl.grad(lambda a: np.sum(a), argnums=(0.0,))(X)  # type: ignore[arg-type]


# ---- argument types ----


@pytest.mark.parametrize("bad", ["abc", None, object()], ids=["str", "None", "object"])
@pytest.mark.parametrize(
    "call",
    [
        lambda x: dl.grad(lambda a: 1.0)(x),
        lambda x: dl.vjp(lambda a: 1.0, x),
        lambda x: dl.jvp(lambda a: 1.0, (x,), (1.0,)),
        lambda x: dl.jacfwd(lambda a: 1.0)(x),
        lambda x: dl.jacrev(lambda a: 1.0)(x),
        lambda x: dl.grad(lambda p: 1.0)({"w": X, "b": x}),  # inside a pytree
    ],
    ids=["grad", "vjp", "jvp", "jacfwd", "jacrev", "pytree"],
)
def test_unsupported_argument_type(call: Any, bad: Any) -> None:
    with pytest.raises(TypeError, match=type(bad).__name__) as info:
        call(bad)
    assert "float" in str(info.value)


def test_boolean_argument() -> None:
    with pytest.raises(TypeError, match=r"boolean"):
        dl.grad(lambda a: a * 1.0)(True)
    with pytest.raises(TypeError, match=r"boolean"):
        dl.grad(lambda a: np.sum(a * 1.0))(np.array([True, False]))


def test_complex_argument_points_to_complex_step() -> None:
    with pytest.raises(NotImplementedError, match=r"method='complex'"):
        dl.grad(lambda a: np.sum(a))(np.array([1j]))


def test_function_argument_must_be_callable() -> None:
    for transform in (dl.grad, dl.value_and_grad, dl.jacfwd, dl.jacrev, dl.hessian):
        with pytest.raises(TypeError, match=r"expected a function, got int"):
            transform(3)  # type: ignore[arg-type]


# ---- integer inputs: documented behaviour is a TypeError asking for floats ----


@pytest.mark.parametrize(
    "value", [3, np.int64(3), np.array([1, 2]), [1.0, 2]], ids=["int", "np.int64", "int-array",
                                                              "int-in-list"],
)  # fmt: skip
def test_integer_input_asks_for_floats(value: Any) -> None:
    with pytest.raises(TypeError, match=r"integer input.*floating-point.*3\.0 instead of 3"):
        dl.grad(_sum_tree)(value)


def _sum_tree(a: Any) -> Any:
    if isinstance(a, list):
        return a[0] * 1.0 + a[1] * 1.0
    return np.sum(a * 1.0)


@pytest.mark.parametrize(
    "call",
    [
        lambda: dl.jvp(lambda a: a, (3,), (1.0,)),
        lambda: dl.vjp(lambda a: a, np.arange(3)),
        lambda: dl.jacfwd(lambda a: a)(np.arange(3)),
        lambda: dl.jacrev(lambda a: a)(np.arange(3)),
        lambda: dl.hessian(lambda a: np.sum(a * a))(np.arange(3)),
        lambda: dl.hvp(lambda a: np.sum(a * a), np.arange(3), np.ones(3)),
    ],
    ids=["jvp", "vjp", "jacfwd", "jacrev", "hessian", "hvp"],
)
def test_integer_input_every_transform(call: Any) -> None:
    with pytest.raises(TypeError, match=r"x\.astype\(float\)"):
        call()


# ---- shapes of tangents and cotangents ----


def test_cotangent_of_wrong_shape() -> None:
    _, back = dl.vjp(lambda a: a * 2.0, X)
    with pytest.raises(ValueError, match=r"cotangent shape \(2,\) does not match.*\(3,\)"):
        back(np.ones(2))


def test_tangent_of_wrong_shape_or_container() -> None:
    with pytest.raises(ValueError, match=r"tangent shape \(2,\) does not match.*\(3,\)"):
        dl.jvp(lambda a: a * 2.0, (X,), (np.ones(2),))
    with pytest.raises(TypeError, match=r"must be tuples"):
        dl.jvp(lambda a: a * 2.0, X, X)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"1 primal\(s\) but 2 tangent\(s\)"):
        dl.jvp(lambda a: a * 2.0, (X,), (X, X))


# ---- NaN and inf propagate as NumPy's formulas produce them ----


def test_nan_and_inf_propagate_like_numpy() -> None:
    x = np.array([0.0, 1.0, np.nan, np.inf, -1.0])
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value, g = dl.value_and_grad(lambda x: np.sum(np.log(x)))(x)
        expected_value = np.sum(np.log(x))
        expected_grad = 1.0 / x  # log'(x) = 1/x, evaluated by NumPy: inf at 0, nan at nan
        sqrt_grad = dl.grad(lambda x: np.sum(np.sqrt(x)))(x)
        expected_sqrt = 0.5 / np.sqrt(x)
        exp_grad = dl.grad(lambda x: np.sum(np.exp(x)))(x)
    assert_close(value, expected_value)
    assert_close(g, expected_grad, rtol=0, atol=0)
    assert_close(sqrt_grad, expected_sqrt, rtol=0, atol=0)
    assert_close(exp_grad, np.exp(x), rtol=0, atol=0)
    # torch agrees where the values are finite or infinite
    t = to_torch(x)
    with np.errstate(all="ignore"):
        torch.log(t).sum().backward()
    assert_close(g, t.grad, rtol=0, atol=0)


def test_nan_in_one_entry_does_not_spread() -> None:
    x = np.array([1.0, np.nan, 2.0])
    g = dl.grad(lambda x: np.sum(x * x))(x)
    assert np.isnan(g[1]) and g[0] == 2.0 and g[2] == 4.0


def test_numpy_warnings_are_numpys() -> None:
    """A division by zero warns as in NumPy (RuntimeWarning), it does not raise."""
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        g = dl.grad(np.log)(0.0)
    assert g == np.inf


# ---- complex intermediates: the supported ones are in tests/test_complex.py ----


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: np.dot(x, np.array([1j, 1j, 1j])).real,
        lambda x: np.sum(np.sin(x * 1j).imag),
        lambda x: np.sum(np.maximum(x, 1j)).real,
    ],
    ids=["dot", "sin", "maximum"],
)
def test_complex_intermediate_without_a_rule_raises(fn: Any) -> None:
    for call in (lambda: dl.grad(fn)(X), lambda: dl.jvp(fn, (X,), (X,))):
        with pytest.raises(NotImplementedError, match=r"no rule") as info:
            call()
        assert "real and imaginary parts" in str(info.value) or "real arrays" in str(info.value)


def test_real_and_imag_of_a_real_traced_value() -> None:
    assert_close(dl.grad(lambda x: np.sum(x.real * 2.0 + np.real(x)))(X), 3.0 * np.ones(3))
    assert_close(dl.grad(lambda x: np.sum(x + x.imag + np.imag(x)))(X), np.ones(3))


# ---- the shape and assembly composites: unsupported uses say what to write ----


def test_sort_method_in_place_points_to_np_sort() -> None:
    def f(x: Any) -> Any:
        x.sort()
        return np.sum(x)

    with pytest.raises(TypeError, match=r"x = np\.sort\(x\)"):
        dl.grad(f)(X)


def test_writeable_window_view_is_refused() -> None:
    swv = np.lib.stride_tricks.sliding_window_view
    with pytest.raises(TypeError, match=r"Drop writeable=True"):
        dl.grad(lambda x: np.sum(swv(x, 2, writeable=True)))(X)


def test_cross_of_2_vectors_says_what_to_write() -> None:
    with pytest.raises(NotImplementedError, match=r"3-vectors only.*a\[\.\.\., 0\] \* b"):
        dl.grad(lambda x: np.sum(np.cross(x[:2], x[1:])))(X)


def test_linspace_to_integers_is_refused() -> None:
    with pytest.raises(TypeError, match=r"float dtype"):
        dl.grad(lambda x: np.sum(np.linspace(x[0], x[1], 3, dtype=int)))(X)


def test_sort_by_field_is_refused() -> None:
    with pytest.raises(NotImplementedError, match=r"order="):
        dl.grad(lambda x: np.sum(np.sort(x, order="a")))(X)


# ---- linear algebra: where a derivative does not exist, or an option has none ----


def test_eigenvectors_of_repeated_eigenvalues_raise() -> None:
    with pytest.raises(ValueError, match=r"two eigenvalues are equal.*values only"):
        dl.grad(lambda a: np.sum(np.linalg.eigh(a)[1] ** 3))(np.eye(3))
    # the eigenvalues alone are fine
    assert_close(dl.grad(lambda a: np.sum(np.linalg.eigvalsh(a)))(np.eye(3)), np.eye(3))


def test_singular_vectors_of_repeated_singular_values_raise() -> None:
    with pytest.raises(ValueError, match=r"singular vectors"):
        dl.grad(lambda a: np.sum(np.linalg.svd(a)[0] ** 3))(np.eye(2))


def test_norm_options_numpy_rejects_are_rejected() -> None:
    with pytest.raises(ValueError, match=r"Invalid norm order 'fro' for vectors"):
        dl.grad(lambda x: np.linalg.norm(x, "fro"))(X)
    with pytest.raises(ValueError, match=r"Invalid norm order for matrices"):
        dl.grad(lambda a: np.linalg.norm(a, 3))(A)
    with pytest.raises(ValueError, match=r"Improper number of dimensions"):
        dl.grad(lambda a: np.linalg.norm(a, 2))(np.ones((2, 2, 2)))


def test_qr_of_a_wide_matrix_says_what_to_do() -> None:
    with pytest.raises(NotImplementedError, match=r"m >= n.*a\.T"):
        dl.grad(lambda a: np.sum(np.linalg.qr(a)[1]))(np.ones((2, 3)))


def test_matrix_power_needs_an_integer() -> None:
    with pytest.raises(TypeError, match=r"integer exponent"):
        dl.grad(lambda a: np.sum(np.linalg.matrix_power(a, 2.0)))(A)
