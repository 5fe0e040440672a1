"""The transformations: functions in, derivative functions out.

``grad``, ``value_and_grad``, ``vjp`` and ``jacrev`` run the function once under a
:class:`~derivlab._core.ReverseTrace` and sweep back; ``jvp`` and ``jacfwd`` push tangents forward
under a :class:`~derivlab._core.ForwardTrace`; ``hessian`` and ``hvp`` compose the two
(forward-over-reverse). Arguments may be floats, arrays, or tuples/lists/dicts of arrays, and
derivatives come back in the same structure.

Documented behaviour:

* Inputs to differentiate must be floating point. A Python ``int`` or an integer array raises
  ``TypeError`` (pass ``3.0``, or ``x.astype(float)``) rather than being converted silently.
* Non-differentiable points follow PyTorch's conventions (see :mod:`derivlab._primitives`):
  ``|x|'(0) = 0``, ``sign' = 0``, ties in ``maximum``/``max`` share the gradient.
* NaN and inf propagate exactly as NumPy's arithmetic propagates them.
* While ``grad`` or ``value_and_grad`` runs f, the NumPy arrays passed to f (the inputs and
  the other arguments, such as a data matrix) are read-only; they are writeable again when the
  gradient is returned, or when f raises. f writing into one raises a ``ValueError`` that says
  so, instead of a gradient computed from values that changed under the trace.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from derivlab._core import (
    FLOAT_SCALARS,
    Box,
    ForwardBox,
    ForwardTrace,
    NoDerivative,
    ReverseBox,
    ReverseTrace,
    backward,
    count_call,
    gc_paused,
    lift,
    strip,
)
from derivlab._cost import is_transform, transform
from derivlab._fft import ComplexBox, complex_output_error
from derivlab._tree import tree_flatten, tree_unflatten

# ---- argument checking ----


def _as_input(x: Any, where: str) -> Any:
    """A differentiable leaf: a float array (or a box of an enclosing trace)."""
    if type(x) is np.ndarray and x.dtype.kind == "f" or isinstance(x, Box):
        return x  # the common cases, checked first: this runs per leaf per call
    if isinstance(x, (bool, np.bool_)) or (isinstance(x, np.ndarray) and x.dtype == np.bool_):
        raise TypeError(f"{where}: cannot differentiate with respect to a boolean value.")
    if isinstance(x, (int, np.integer)) or (
        isinstance(x, np.ndarray) and np.issubdtype(x.dtype, np.integer)
    ):
        raise TypeError(
            f"{where}: got an integer input ({x!r:.60}); derivatives need floating-point inputs. "
            "Pass 3.0 instead of 3, or x.astype(float) for an integer array."
        )
    if isinstance(x, (float, np.floating)):
        return np.float64(x) if isinstance(x, float) else x
    if isinstance(x, (complex, np.complexfloating)) or (
        isinstance(x, np.ndarray) and np.issubdtype(x.dtype, np.complexfloating)
    ):
        raise NotImplementedError(
            f"{where}: complex inputs are not supported by derivlab's autodiff (complex values "
            "inside a real function are); for the complex-step method use "
            "derivlab.numeric.derivative(f, x, method='complex')."
        )
    if isinstance(x, np.ndarray):
        if not np.issubdtype(x.dtype, np.floating):
            raise TypeError(f"{where}: unsupported array dtype {x.dtype}; use a float array.")
        return x
    raise TypeError(
        f"{where}: unsupported argument of type {type(x).__name__}. Differentiable arguments "
        "are floats, NumPy float arrays, or tuples/lists/dicts of them."
    )


def _check_argnums(argnums: int | Sequence[int], nargs: int, where: str) -> tuple[int, ...]:
    if isinstance(argnums, (int, np.integer)) and not isinstance(argnums, bool):
        nums: tuple = (argnums,)
    elif isinstance(argnums, (tuple, list)):
        nums = tuple(argnums)
    else:
        raise TypeError(f"{where}: argnums must be an int or a tuple of ints, got {argnums!r}.")
    if not nums:
        raise ValueError(f"{where}: argnums is empty; name at least one argument to differentiate.")
    for n in nums:
        if not isinstance(n, (int, np.integer)):
            raise TypeError(f"{where}: argnums must be an int or a tuple of ints, got {argnums!r}.")
        if not -nargs <= n < nargs:
            raise ValueError(
                f"{where}: argnums={argnums!r} but the function was called with {nargs} "
                f"positional argument(s); valid argnums are 0..{nargs - 1}."
            )
    return tuple(n % nargs for n in nums)


def _check_callable(f: Any, where: str) -> None:
    if not callable(f):
        raise TypeError(f"{where}: expected a function, got {type(f).__name__}.")


def _call(f: Callable, args: Sequence[Any]) -> Any:
    """f(*args), surfacing derivlab's own message when NumPy wraps it in a generic error.

    ``a[i] = x`` into a plain array makes NumPy call ``float(x)``; derivlab's TypeError then
    arrives wrapped in "ValueError: setting an array element with a sequence".
    """
    if not is_transform(f):
        count_call()  # dl.cost's `calls`: the user's function is entered once more
    try:
        out = f(*args)
    except ValueError as e:
        cause = e.__cause__
        if isinstance(cause, TypeError) and str(cause).startswith("derivlab:"):
            raise TypeError(str(cause)) from None
        raise
    if isinstance(out, ComplexBox) or (
        not isinstance(out, (Box, np.ndarray, float)) and _any_complex(out)
    ):
        raise complex_output_error("derivlab")
    return out


def _any_complex(out: Any) -> bool:
    return any(isinstance(leaf, ComplexBox) for leaf in tree_flatten(out)[0])


# ---- reverse mode ----


def _reverse_pass(f: Callable, primals: Sequence[Any], where: str) -> tuple[Any, Callable]:
    """Run f under a reverse trace; return its output and a pullback for output cotangents.

    The trace must read the inputs as they were when f was called, so it keeps its own copy of
    each input array (:meth:`ReverseTrace.keep`): a ``vjp``'s pullback may run after the caller
    has changed them, and it may run more than once. ``grad`` has a pass of its own
    (:func:`_grad_pass`), whose sweep runs once.
    """
    trace = ReverseTrace()
    trace.origin = (where, f)
    flat, defs = [], []
    boxed_args = []
    for p in primals:
        leaves, treedef = tree_flatten(p)
        boxes = [ReverseBox(trace.keep(_as_input(leaf, where)), trace) for leaf in leaves]
        flat.append(boxes)
        defs.append(treedef)
        boxed_args.append(tree_unflatten(treedef, boxes))
    try:
        with gc_paused():  # the tape grows by a few tracked objects per op: no full collections
            out = _call(f, boxed_args)
    finally:
        tape = trace.close()  # a box of this trace used from now on has escaped it
    out_leaves, out_def = tree_flatten(out)

    def pullback(cotangent: Any) -> tuple[Any, ...]:
        ct_leaves, ct_def = tree_flatten(cotangent)
        if len(ct_leaves) != len(out_leaves):
            raise ValueError(
                f"{where}: the cotangent must have the structure of f's output "
                f"({len(out_leaves)} array(s)), got {len(ct_leaves)}."
            )
        seeds = []
        for o, c in zip(out_leaves, ct_leaves):
            if np.shape(strip(c)) != np.shape(strip(o)):
                raise ValueError(
                    f"{where}: cotangent shape {np.shape(strip(c))} does not match the output "
                    f"shape {np.shape(strip(o))}."
                )
            if type(o) is ReverseBox and o._trace is trace:
                if isinstance(c, (float, int, np.floating, np.integer)):  # a plain number: an
                    c = np.asarray(c, dtype=np.result_type(strip(o)))  # array of its dtype
                seeds.append((o, lift(c)))
        cts = backward(seeds, tape) if seeds else {}
        handed: set[int] = {id(c) for c in ct_leaves}  # arrays the caller holds already
        return tuple(_gradients(flat, defs, cts, handed))

    out_value = tree_unflatten(out_def, [_unbox(o, trace) for o in out_leaves])
    return out_value, pullback


def _gradients(flat: list, defs: list, cts: dict, handed: set[int]) -> list[Any]:
    """Each input's cotangent from the sweep's ``cts``, in the input's structure."""
    result = []
    for boxes, treedef in zip(flat, defs):
        grads = [_owned(_cotangent_or_zero(cts.get(id(b)), b), handed) for b in boxes]
        result.append(grads[0] if treedef is None else tree_unflatten(treedef, grads))
    return result


def _unbox(x: Any, trace: Any) -> Any:
    if isinstance(x, Box) and x._trace is trace:
        return _fresh(x.value)  # the tape still reads its value: hand the caller a copy
    return x


def _lock_leaves(arg: Any, locked: list) -> tuple[list[Any], Any]:
    """Make the plain arrays in one of f's arguments read-only, appending them to ``locked``
    (see :func:`_grad_pass`): the trace then holds them without copying. A view is left alone,
    since its base could change under it; the trace copies it. Returns the argument flattened,
    ``(leaves, treedef)``."""
    leaves, treedef = tree_flatten(arg)
    for x in leaves:
        if type(x) is np.ndarray and x.base is None and x.flags.writeable:
            x.setflags(write=False)  # (setflags costs half of writing x.flags.writeable)
            locked.append(x)
    return leaves, treedef


def _unlock(locked: list) -> None:
    for x in locked:
        x.setflags(write=True)


def _owned(x: Any, handed: set[int]) -> Any:
    """A gradient as an ordinary writeable array that nothing else shares: the sweep's own
    result is handed over as it is; a view, a read-only broadcast, an array already handed out
    (``x + y`` gives both operands one cotangent) or one the caller passed in is copied."""
    if type(x) is not np.ndarray:
        return x
    if x.base is not None or not x.flags.writeable or id(x) in handed:
        x = np.array(x, copy=True)
    handed.add(id(x))
    return x


def _fresh(x: Any) -> Any:
    """An ordinary writeable array the caller owns (not a read-only broadcast, not a view)."""
    if type(x) is np.ndarray:
        return np.array(x, copy=True)
    return x


def _cotangent_or_zero(ct: Any, box: Box) -> Any:
    if ct is None:
        return np.zeros(np.shape(strip(box.value)), dtype=np.result_type(strip(box.value)))
    return ct


@transform
def vjp(f: Callable, *primals: Any) -> tuple[Any, Callable]:
    """Reverse mode: ``(f(*primals), vjp_fn)`` with ``vjp_fn(ȳ) = ȳᵀ J`` for each primal.

    Args:
        f: a function of NumPy arrays (or pytrees of them).
        *primals: the point at which to linearise.

    Returns:
        ``(out, vjp_fn)``; ``vjp_fn(cotangent)`` takes an array shaped like ``out`` and returns a
        tuple with one cotangent per primal, each shaped like that primal.

    Example:
        >>> out, back = vjp(lambda x: x**2, np.array([1.0, 2.0]))
        >>> back(np.ones(2))
        (array([2., 4.]),)
    """
    _check_callable(f, "vjp")
    if not primals:
        raise TypeError("vjp(f, *primals): give at least one primal value.")
    return _reverse_pass(f, primals, "vjp")


def _selected(f: Callable, args: tuple, nums: tuple[int, ...]) -> Callable:
    """f as a function of the arguments in ``nums`` only, the others held fixed."""

    def g(*chosen: Any) -> Any:
        full = list(args)
        for n, v in zip(nums, chosen):
            full[n] = v
        return f(*full)

    g.__wrapped__ = f  # type: ignore[attr-defined]  # named in error messages
    return transform(g) if is_transform(f) else g


def value_and_grad(f: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """``(f(x), ∇f(x))`` in one forward and one reverse pass; f must return a scalar.

    Args:
        f: a scalar-valued function of NumPy arrays.
        argnums: which positional argument(s) to differentiate: an int or a tuple of ints.

    Returns:
        A function with f's signature returning ``(value, gradient)``; the gradient has the
        structure of the argument (a tuple of them when ``argnums`` is a tuple).
    """
    _check_callable(f, "value_and_grad")
    single = isinstance(argnums, (int, np.integer))
    checked: dict[int, tuple[int, ...]] = {}  # argnums checked, for each number of arguments

    @functools.wraps(f)
    def wrapped(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        nums = checked.get(len(args))
        if nums is None:
            nums = checked[len(args)] = _check_argnums(argnums, len(args), "grad")
        inner = functools.partial(f, **kwargs) if kwargs else f
        # f's array arguments (the inputs, data X, labels Y), read-only until the sweep is
        # done: the trace then reads them in place instead of keeping a copy of each
        locked: list = []
        try:
            flat = [_lock_leaves(a, locked) for a in args]
            for a in kwargs.values():
                _lock_leaves(a, locked)
            # no cyclic collection from the trace's start to the sweep's end: the tape's nodes
            # are all young objects, so the first allocation after a pause would scan them all
            with gc_paused():
                out, grads = _grad_pass(inner, args, flat, nums)
            return out, grads[0] if single else tuple(grads)
        except ValueError as e:
            if locked and str(e) == "assignment destination is read-only":
                raise ValueError(
                    "grad: f wrote into one of the arrays passed to it (an argument, or an "
                    "input it is differentiated with respect to, perhaps through another name) "
                    "while derivlab was tracing it. derivlab holds f's array arguments "
                    "read-only until the gradient is computed, because the backward sweep "
                    "reads them as they were when f was called. Write into a copy instead "
                    "(np.copy(x)), or build the new value without writing (np.where, "
                    "np.concatenate)."
                ) from e
            raise
        finally:
            _unlock(locked)

    return transform(wrapped)


def _grad_pass(f: Callable, args: tuple, flat: list, nums: tuple[int, ...]) -> tuple[Any, list]:
    """``(f(*args), [gradient of each args[n], n in nums])``: one trace, one sweep.

    ``flat`` is each argument flattened, ``(leaves, treedef)``. The caller has made f's arrays
    read-only (see ``value_and_grad``), so the trace keeps an input as it is instead of a copy,
    and paused the garbage collector. The sweep runs once, so it frees the tape as it goes
    (``consume``; see :func:`~derivlab._core.backward`).
    """
    trace = ReverseTrace()
    trace.origin = ("grad", f)
    full = list(args)
    inputs, defs = [], []
    for n in nums:
        leaves, treedef = flat[n]
        boxes = [ReverseBox(trace.keep(_as_input(leaf, "grad")), trace) for leaf in leaves]
        inputs.append(boxes)
        defs.append(treedef)
        full[n] = boxes[0] if treedef is None else tree_unflatten(treedef, boxes)
    try:
        out = _call(f, full)
    finally:
        tape = trace.close()  # a box of this trace used from now on has escaped it
    # not a box of this trace: f's output does not depend on the inputs, and the gradient is 0
    traced = type(out) is ReverseBox and out._trace is trace
    if traced and type(out.value) in FLOAT_SCALARS:
        value = out.value  # the common case, a float scalar: no check to make, nothing to copy
        seed = np.array(1.0, dtype=value.dtype)  # what np.ones_like gives, in one call
    else:
        value = _scalar_output(_unbox(out, trace))
        seed = np.ones_like(strip(value))
    cts = backward([(out, lift(seed))], tape, consume=True) if traced else {}
    return value, _gradients(inputs, defs, cts, {id(seed)})


def _scalar_output(out: Any) -> Any:
    """``out`` when it is a float scalar, else grad's TypeError."""
    if isinstance(out, (tuple, list, dict)) or np.ndim(strip(out)) != 0:
        got = (
            f"a {type(out).__name__}"
            if isinstance(out, (tuple, list, dict))
            else f"an array of shape {np.shape(strip(out))}"
        )
        raise TypeError(
            f"grad: f must return a scalar, but it returned {got}. For a vector-valued f "
            "use derivlab.jacrev(f) (the full Jacobian) or "
            "derivlab.vjp(f, x) (a vector-Jacobian product); or reduce the output, "
            "e.g. np.sum(f(x))."
        )
    if not np.issubdtype(np.result_type(strip(out)), np.floating):
        raise TypeError(
            f"grad: f returned a {np.result_type(strip(out))} value; its output must be a "
            "float scalar."
        )
    return out


def grad(f: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """∇f by reverse mode: a function returning ∂f/∂(args[argnums]); f must return a scalar.

    Args:
        f: a scalar-valued function written with ordinary NumPy.
        argnums: the argument(s) to differentiate, an int or a tuple of ints.

    Returns:
        A function with f's signature that returns the gradient, shaped like the argument.

    Example:
        >>> grad(lambda x: np.sum(np.sin(x)))(np.array([0.0, np.pi]))
        array([ 1., -1.])
    """
    vg = value_and_grad(f, argnums)

    @functools.wraps(f)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        return vg(*args, **kwargs)[1]

    return transform(wrapped)


# ---- forward mode ----


@transform
def jvp(f: Callable, primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """Forward mode: ``(f(*primals), J · tangents)`` in one pass.

    Args:
        f: a function of NumPy arrays.
        primals: a tuple of the arguments.
        tangents: a tuple of the same structure: the direction to differentiate in.

    Returns:
        ``(out, tangent_out)``, the output and its directional derivative, shaped alike.

    Example:
        >>> out, t = jvp(np.sin, (0.0,), (2.0,))
        >>> float(out), float(t)
        (0.0, 2.0)
    """
    _check_callable(f, "jvp")
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("jvp(f, primals, tangents): primals and tangents must be tuples, e.g. "
                        "jvp(f, (x,), (v,)).")  # fmt: skip
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: {len(primals)} primal(s) but {len(tangents)} tangent(s).")
    trace = ForwardTrace()
    trace.origin = ("jvp", f)
    args = []
    for p, t in zip(primals, tangents):
        p_leaves, p_def = tree_flatten(p)
        t_leaves, _ = tree_flatten(t)
        if len(p_leaves) != len(t_leaves):
            raise ValueError("jvp: each tangent must have the structure of its primal.")
        boxes = []
        for pl, tl in zip(p_leaves, t_leaves):
            pl = _as_input(pl, "jvp")
            if np.shape(strip(tl)) != np.shape(strip(pl)):
                raise ValueError(
                    f"jvp: tangent shape {np.shape(strip(tl))} does not match primal shape "
                    f"{np.shape(strip(pl))}."
                )
            tl = tl if isinstance(tl, Box) else np.asarray(tl, dtype=np.result_type(strip(pl)))
            tl = lift(tl)  # an engine-made constant: dl.cost counts the work done on it
            boxes.append(ForwardBox(pl, tl, trace))
        args.append(tree_unflatten(p_def, boxes))
    try:
        out = _call(f, args)
    finally:
        trace.ended = True  # a box of this trace used from now on has escaped it
    out_leaves, out_def = tree_flatten(out)
    values, tans = [], []
    for o in out_leaves:
        if type(o) is ForwardBox and o._trace is trace:
            if isinstance(o.tangent, NoDerivative):
                o.tangent.fail()  # f returned the vectors themselves
            values.append(_fresh(o.value))
            tans.append(_fresh(o.tangent))
        else:
            values.append(o)
            tans.append(np.zeros(np.shape(strip(o)), dtype=_float_dtype(o)))
    return tree_unflatten(out_def, values), tree_unflatten(out_def, tans)


# ---- Jacobians and Hessians ----


def _one_hot(shape: tuple[int, ...], j: int, dtype: Any) -> np.ndarray:
    e = np.zeros(int(np.prod(shape)), dtype=dtype)
    e[j] = 1
    return e.reshape(shape)


def _dtype(x: Any) -> np.dtype:
    return np.result_type(strip(x))


def _float_dtype(x: Any) -> np.dtype:
    d = np.result_type(strip(x))
    return d if np.issubdtype(d, np.inexact) else np.dtype(np.float64)


def _arrange(blocks: list[list[Any]], out_def: Any, in_def: Any, argnums: Any) -> Any:
    """Nest ``blocks[m][k]`` as J[output][input]: f's output structure outside, the
    differentiated arguments inside (the convention of JAX and torch.func)."""
    per_output = []
    for row in blocks:
        nested = tree_unflatten(in_def, row)  # a tuple, one entry per chosen argument
        per_output.append(nested[0] if isinstance(argnums, (int, np.integer)) else nested)
    return tree_unflatten(out_def, per_output)


def _jacfwd(f: Callable, argnums: Any, where: str) -> Callable:
    _check_callable(f, where)

    @functools.wraps(f)
    def wrapped(*args: Any) -> Any:
        nums = _check_argnums(argnums, len(args), where)
        g = _selected(f, args, nums)
        in_leaves, in_def = tree_flatten(tuple(args[n] for n in nums))
        in_leaves = [_as_input(leaf, where) for leaf in in_leaves]
        primal = tuple(tree_unflatten(in_def, in_leaves))
        zeros = [np.zeros(np.shape(strip(x)), dtype=_dtype(x)) for x in in_leaves]
        # columns[k]: the JVPs along each one-hot direction of input leaf k
        columns: list[list[list[Any]]] = [[] for _ in in_leaves]
        out = None
        for k, leaf in enumerate(in_leaves):
            shape = np.shape(strip(leaf))
            for j in range(int(np.prod(shape))):
                basis = list(zeros)
                basis[k] = _one_hot(shape, j, _dtype(leaf))
                out, t = jvp(g, primal, tuple(tree_unflatten(in_def, basis)))
                columns[k].append(tree_flatten(t)[0])
        if out is None:  # no input entries at all
            out = g(*primal)
        out_leaves, out_def = tree_flatten(out)
        blocks = []
        for m, o in enumerate(out_leaves):
            o_shape = np.shape(strip(o))
            row = []
            for k, leaf in enumerate(in_leaves):
                in_shape = np.shape(strip(leaf))
                cols = [c[m] for c in columns[k]]
                stacked = np.stack(cols, axis=-1) if cols else np.zeros(o_shape + (0,))
                row.append(np.reshape(stacked, o_shape + in_shape))  # out.shape + in.shape
            blocks.append(row)
        return _arrange(blocks, out_def, in_def, argnums)

    return transform(wrapped)


def _jacrev(f: Callable, argnums: Any, where: str) -> Callable:
    _check_callable(f, where)

    @functools.wraps(f)
    def wrapped(*args: Any) -> Any:
        nums = _check_argnums(argnums, len(args), where)
        chosen = [args[n] for n in nums]
        out, pullback = _reverse_pass(_selected(f, args, nums), chosen, where)
        out_leaves, out_def = tree_flatten(out)
        in_leaves, in_def = tree_flatten(tuple(chosen))
        zeros = [np.zeros(np.shape(strip(o)), dtype=_dtype(o)) for o in out_leaves]
        blocks = []
        for m, o in enumerate(out_leaves):
            o_shape = np.shape(strip(o))
            # rows[k]: the VJPs of each one-hot cotangent of output m, for input leaf k
            rows: list[list[Any]] = [[] for _ in in_leaves]
            for j in range(int(np.prod(o_shape))):
                seed = list(zeros)
                seed[m] = _one_hot(o_shape, j, _dtype(o))
                cts = tree_flatten(pullback(tree_unflatten(out_def, seed)))[0]
                for k in range(len(in_leaves)):
                    rows[k].append(cts[k])
            row = []
            for k, leaf in enumerate(in_leaves):
                in_shape = np.shape(strip(leaf))
                stacked = np.stack(rows[k]) if rows[k] else np.zeros((0,) + in_shape)
                row.append(np.reshape(stacked, o_shape + in_shape))  # out.shape + in.shape
            blocks.append(row)
        return _arrange(blocks, out_def, in_def, argnums)

    return transform(wrapped)


def jacfwd(f: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """The Jacobian by forward mode, one JVP per input entry: shape ``out.shape + x.shape``.

    Cheap when inputs are few (the cost grows with the number of inputs). For several outputs
    or arguments the result is nested J[output][argument], as in JAX and torch.func.

    Example:
        >>> jacfwd(lambda x: x**2)(np.array([1.0, 3.0]))
        array([[2., 0.],
               [0., 6.]])
    """
    return _jacfwd(f, argnums, "jacfwd")


def jacrev(f: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """The Jacobian by reverse mode, one VJP per output entry: shape ``out.shape + x.shape``.

    Cheap when outputs are few (the cost grows with the number of outputs). For several outputs
    or arguments the result is nested J[output][argument], as in JAX and torch.func.
    """
    return _jacrev(f, argnums, "jacrev")


def hessian(f: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """The Hessian ∇²f by forward-over-reverse (``jacfwd(jacrev(f))``): shape ``x.shape + x.shape``.

    With ``argnums=(0, 1)`` the result is nested ``H[i][j]`` of shape ``xᵢ.shape + xⱼ.shape``.
    """
    return _jacfwd(_jacrev(f, argnums, "hessian"), argnums, "hessian")


@transform
def hvp(f: Callable, x: Any, v: Any) -> Any:
    """Hessian-vector product ∇²f(x) · v without forming the Hessian (forward-over-reverse).

    Costs a small constant times one gradient, whatever the dimension.

    Example:
        >>> hvp(lambda x: np.sum(x**3), np.array([1.0, 2.0]), np.array([1.0, 0.0]))
        array([6., 0.])
    """
    _check_callable(f, "hvp")
    return jvp(grad(f), (x,), (v,))[1]
