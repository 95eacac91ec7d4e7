"""The backward pass on raw values along a sorted graph, for what the heap-ordered pass
(sweep_heap) does not do: gradients with respect to chosen tensors (grad()), running only the
nodes that lead to them. The reference pass (backward.py) with the rules on raw values: the
same numbers without a tensor allocated per operation."""
from __future__ import annotations

from typing import Any

from ..errors import DiffcliError
from .backend import has_nan
from .state import state
from .tensor import const, release
from .walk import SECOND_BACKWARD, add_raw, check_inplace, nan_born, raw_grad, retain, wanted


def sweep_sorted(order: list, buffers: dict, need: set | None, leaf_ids: set | None, target_nodes: dict,
                 captured: dict, retain_graph: bool, anomaly: bool) -> None:
    """Run the nodes of ``order`` (sorted, consumers first) that ``need`` names (None: all),
    summing gradients into ``buffers``; a target node's gradient goes into ``captured``."""
    inplace = state.inplace
    for n in order:
        g = buffers.pop(n, None)
        if need is not None and n not in need:
            continue
        if g is None:  # nothing reached it: a symbolic zero (and, as in PyTorch, not run, so not freed)
            continue
        if n.released:
            raise DiffcliError("autograd", SECOND_BACKWARD)
        vals = n.values
        if inplace:
            check_inplace(n)
        if n in target_nodes:
            captured[id(target_nodes[n])] = const(g)
            if not any(wanted(e, need, leaf_ids) for e in n.edges):
                continue  # nothing below is wanted: leave this node (and what it saved) alone
        if n.retained is not None:
            retain(n, const(g), False)
        state.origin = n.origin
        for e, gi, val in zip(n.edges, _vjps(n, g, vals, need, leaf_ids), vals):
            if gi is None or e is None:
                continue
            gi = raw_grad(gi, val)
            if anomaly and has_nan(gi) and not has_nan(g):
                raise nan_born(n)
            buffers[e] = add_raw(buffers[e], gi) if e in buffers else gi
        if not retain_graph:
            release(n)


def _vjps(n: Any, g: Any, vals: tuple, need: set | None, leaf_ids: set | None) -> list:
    """backward.py's ``_vjps`` on raw values."""
    if n.ctx is not None:  # a custom Function: its backward is user code on tensors
        state.raw = False
        try:
            return [None if gi is None else gi._v for gi in n.ctx._backward(const(g))]
        finally:
            state.raw = True
    prim = n.prim
    args = vals + (n.p,) if prim.has_param else vals
    return [prim.rules[i](g, n.ans, *args) if wanted(e, need, leaf_ids) else None
            for i, e in enumerate(n.edges)]
