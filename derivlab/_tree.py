"""Pytrees: nested tuples, lists and dicts of arrays, flattened to a list of leaves and back.

Network parameters are naturally a dict of arrays; every transformation in derivlab accepts such a
structure and returns gradients with the same structure.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

# ---- structure description ----
# A treedef is a leaf marker (None), or (kind, keys, children) with kind in {tuple, list, dict}.


def tree_flatten(tree: Any) -> tuple[list[Any], Any]:
    """Split a nested tuple/list/dict into its leaves (depth first) and a structure description."""
    leaves: list[Any] = []
    return leaves, _walk(tree, leaves)


def _walk(node: Any, leaves: list[Any]) -> Any:
    # module-level, not a closure: a nested function that calls itself sits in a reference cycle
    # with its own cell, and the cycle would keep every leaf (a whole reverse-mode graph, from
    # an output box) alive until the cyclic garbage collector ran
    # (list comprehensions, not generators: tuple(generator) resumes a frame per child)
    if type(node) is np.ndarray:  # the common leaf, tested first
        leaves.append(node)
        return None
    if isinstance(node, dict):
        keys = tuple(node)
        return (dict, keys, _children([node[k] for k in keys], leaves))
    if isinstance(node, (tuple, list)) and not hasattr(node, "_fields"):
        return (type(node), None, _children(node, leaves))
    leaves.append(node)
    return None


def _children(nodes: Any, leaves: list[Any]) -> tuple:
    out = []
    for c in nodes:
        if type(c) is np.ndarray:  # an array child (a dict of parameters): no call for it
            leaves.append(c)
            out.append(None)
        else:
            out.append(_walk(c, leaves))
    return tuple(out)


def tree_unflatten(treedef: Any, leaves: list[Any]) -> Any:
    """Rebuild the structure described by ``treedef`` from ``leaves`` (the inverse of flatten)."""
    return _build(treedef, iter(leaves))


def _build(d: Any, it: Any) -> Any:
    if d is None:
        return next(it)
    kind, keys, children = d
    # a leaf child (most of a parameter dict's children) is taken in place, without a call
    if kind is dict:
        return {k: next(it) if c is None else _build(c, it) for k, c in zip(keys, children)}
    return kind([next(it) if c is None else _build(c, it) for c in children])


def tree_map(fn: Callable[..., Any], tree: Any, *rest: Any) -> Any:
    """Apply ``fn`` leaf by leaf to one or more trees of the same structure."""
    leaves, treedef = tree_flatten(tree)
    others = [tree_flatten(r)[0] for r in rest]
    for other in others:
        if len(other) != len(leaves):
            raise ValueError(
                f"tree_map: the trees have different structures ({len(leaves)} leaves against "
                f"{len(other)}); pass parameters and gradients with the same nesting."
            )
    return tree_unflatten(treedef, [fn(*args) for args in zip(leaves, *others)])
