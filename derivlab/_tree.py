"""Pytrees: nested tuples, lists and dicts of arrays, flattened to a list of leaves and back.

Network parameters are naturally a dict of arrays; every transformation in derivlab accepts such a
structure and returns gradients with the same structure.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# ---- structure description ----
# A treedef is a leaf marker (None), or (kind, keys, children) with kind in {tuple, list, dict}.


def tree_flatten(tree: Any) -> tuple[list[Any], Any]:
    """Split a nested tuple/list/dict into its leaves (depth first) and a structure description."""
    leaves: list[Any] = []

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            keys = tuple(node)
            return (dict, keys, tuple(walk(node[k]) for k in keys))
        if isinstance(node, (tuple, list)) and not hasattr(node, "_fields"):
            return (type(node), None, tuple(walk(c) for c in node))
        leaves.append(node)
        return None

    return leaves, walk(tree)


def tree_unflatten(treedef: Any, leaves: list[Any]) -> Any:
    """Rebuild the structure described by ``treedef`` from ``leaves`` (the inverse of flatten)."""
    it = iter(leaves)

    def build(d: Any) -> Any:
        if d is None:
            return next(it)
        kind, keys, children = d
        if kind is dict:
            return {k: build(c) for k, c in zip(keys, children)}
        return kind(build(c) for c in children)

    return build(treedef)


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
