"""The reference backward pass: the definition that every faster pass is tested against.

Read it as HIPS autograd's ``backward_pass`` or micrograd's ``backward()``: the graph in
topological order (every node after all of its consumers), one loop, and for each node the
one rule convention ``prim.rules[i](g, ans, *inputs[, param])``. Rules are written in engine
operations, so with ``create_graph`` the gradient is itself a recorded graph that can be
differentiated again; without it the same operations run unrecorded.

The passes that ``graph.run`` prefers when no graph of the gradient is wanted (sweep_heap,
sweep_sorted, sweep_batch, blockwise) give the same numbers on raw values without allocating
tensors; tests/engine/test_reference_pass.py checks them against this one.
"""
from __future__ import annotations

from typing import Any, Sequence

from ..errors import DiffcliError
from . import ops
from .backend import has_nan, shape_of
from .state import state
from .tensor import Node, Tensor, const, release
from .walk import SECOND_BACKWARD, check_inplace, nan_born, plan_pass, recompute, retain, seed_tensor, wanted


def backward_pass(roots: Sequence[Tensor], seeds: Sequence[Any] | None = None,
                  targets: Sequence[Tensor] | None = None, *, create_graph: bool = False,
                  retain_graph: bool | None = None, plan: dict | None = None) -> dict:
    """The gradients of ``roots``, each contracted with its seed (default 1 for a scalar),
    with respect to ``targets`` (tensors, leaves or not), or without targets to every leaf
    that requires grad: ``{tensor: gradient tensor}`` for those a gradient reaches.

    ``retain_graph`` (default ``create_graph``) keeps what the nodes saved for another pass;
    ``plan``, a dict the caller keeps across passes over one retained graph, saves sorting it
    again each time.
    """
    if retain_graph is None:
        retain_graph = create_graph
    grads: dict = {}  # node, or leaf tensor -> the sum of the gradients that reached it
    root_nodes = []
    for t, s in zip(roots, seeds if seeds is not None else [None] * len(roots)):
        key = t.grad_fn if t.grad_fn is not None else t
        if key is t and not t.requires_grad:
            continue
        g = seed_tensor(t, s)
        grads[key] = ops.add(grads[key], g) if key in grads else g
        if key is not t:
            root_nodes.append(key)
    target_of = {t.grad_fn: t for t in targets or () if t.grad_fn is not None}
    order, need, leaf_ids = plan_pass(plan, root_nodes, targets, target_of)
    result: dict = {}

    saved = state.grad_enabled, state.origin, state.raw, state.batch
    state.grad_enabled, state.raw, state.batch = create_graph, False, 0
    try:
        for n in order:
            g = grads.pop(n, None)
            if need is not None and n not in need:
                continue  # no target below it
            if g is None:  # no gradient reached it: a symbolic zero (as in PyTorch, not run, so not freed)
                continue
            if n.released:
                raise DiffcliError("autograd", SECOND_BACKWARD)
            if state.inplace:
                check_inplace(n, create_graph)
            if n in target_of:
                result[target_of[n]] = g
                if not any(wanted(e, need, leaf_ids) for e in n.edges):
                    continue  # nothing below is wanted: leave the node (and what it saved) alone
            if n.retained is not None:
                retain(n, g, create_graph)
            state.origin = n.origin  # operations of the rules carry the forward operation's origin
            for e, gi, v in zip(n.edges, _vjps(n, g, create_graph, need, leaf_ids), n.values):
                if gi is None or e is None:
                    continue
                gi = _as_gradient(gi, v)
                if state.anomaly and has_nan(gi._v) and not has_nan(g._v):
                    raise nan_born(n)
                grads[e] = ops.add(grads[e], gi) if e in grads else gi
            if not retain_graph:
                release(n)
    finally:
        state.grad_enabled, state.origin, state.raw, state.batch = saved
    for key, g in grads.items():
        if type(key) is Tensor:  # a leaf
            result[key] = g
    return result


def _vjps(n: Node, g: Tensor, create_graph: bool, need: set | None, leaf_ids: set | None) -> list:
    """The gradient for each input of ``n`` from the gradient ``g`` of its output (None: zero)."""
    if n.ctx is not None:  # a custom Function: its backward is user code on tensors
        return n.ctx._backward(g)
    prim = n.prim
    args = n.inputs + (n.p,) if prim.has_param else n.inputs
    ans = None
    if prim.uses_ans:  # recomputed with create_graph, so that its own derivative is recorded
        ans = recompute(n) if create_graph else const(n.ans)
    return [prim.rules[i](g, ans, *args) if wanted(e, need, leaf_ids) else None
            for i, e in enumerate(n.edges)]


def _as_gradient(gi: Any, v: Any) -> Tensor:
    """A rule's result as a tensor of the shape of the input value ``v`` (a broadcast input's
    gradient summed back to its shape: once, here, for every rule)."""
    if type(gi) is not Tensor:
        gi = const(gi)
    if (type(gi._v) is not float or type(v) is not float) and gi.shape != shape_of(v):
        gi = ops.sum_to(gi, shape_of(v))
    return gi
