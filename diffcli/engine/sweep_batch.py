"""The batched backward pass: many seeds at once on a leading axis (Jacobian rows,
``rows.grad_rows``), raw values, the graph kept. Its rows equal one reference pass per row
(backward.py) to rounding of the sums; the tests compare them."""
from __future__ import annotations

from typing import Any

from ..errors import DiffcliError
from . import pool
from .backend import has_nan, np, shape_of
from .state import state
from .tensor import Node, const
from .walk import SECOND_BACKWARD, add_raw, check_inplace, nan_born, raw_grad, wanted


def sweep_batch(order: list, buffers: dict, need: set | None, leaf_ids: set | None, target_nodes: dict,
                captured: dict, bshape: tuple, check_versions: int, anomaly: bool, plan: dict | None) -> None:
    """The nodes of a batched pass (grad_rows: raw values with a batch axis first, the graph
    kept): sweep_sorted's loop without what a batch never meets (create_graph, custom Functions, retained
    gradients, freeing the graph), with what it can decide once per graph kept in ``plan`` for
    the next chunk of rows, and sums made in place where the pass owns the buffer."""
    steps = plan.get("batch_steps") if plan is not None else None
    if steps is None:
        steps = _batch_steps(order, need, leaf_ids)
        if plan is not None:
            plan["batch_steps"] = steps
    # ids of the buffers that are sums this pass allocated and that nothing but ``buffers``
    # holds yet: later gradients are added into them in place. An id leaves the set when its
    # node runs (the rules may hand the array on).
    mine: set = set()
    pop = buffers.pop
    for n, rules, live, at in steps:
        g = pop(n, None)
        if g is None:  # nothing reached it: a symbolic zero
            continue
        if mine:
            mine.discard(id(g))
        if n.released:
            raise DiffcliError("autograd", SECOND_BACKWARD)
        if check_versions:
            check_inplace(n)
        if n in target_nodes:
            captured[id(target_nodes[n])] = const(g)
            if not any(live):
                continue  # nothing below is live
        state.origin = n.origin
        if at is not None and not anomaly and _add_at(n, g, buffers, mine, bshape, at):
            continue  # the rule, in place: its result is in the buffer already
        args = n.values
        has_param = n.prim.has_param
        for i, e in enumerate(n.edges):
            if not live[i]:
                continue
            gi = rules[i](g, n.ans, *args, n.p) if has_param else rules[i](g, n.ans, *args)
            if gi is None:
                continue
            gi = raw_grad(gi, args[i], bshape)
            if anomaly and has_nan(gi) and not has_nan(g):
                raise nan_born(n)
            _accumulate(buffers, mine, e, gi)


def _batch_steps(order: list, need: set | None, leaf_ids: set | None) -> list:
    """(node, rules, which edges are wanted, the in-place form of its rule or None) for each
    node of a batched pass that may be needed."""
    steps = []
    for n in order:
        if need is not None and n not in need:
            continue
        live = tuple(wanted(e, need, leaf_ids) for e in n.edges)
        at = n.prim.add_at if len(live) == 1 and live[0] else None
        steps.append((n, n.prim.rules, live, at))
    return steps


def _accumulate(buffers: dict, mine: set, e: Any, gi: Any) -> None:
    """Add a batched gradient into ``buffers[e]``: in place when the buffer is a sum of this
    pass's own, else into a new array that becomes one."""
    prev = buffers.get(e)
    if prev is None:
        buffers[e] = gi
    elif id(prev) in mine:
        np.add(prev, gi, out=prev)
    else:
        buffers[e] = total = add_raw(prev, gi)
        if type(total) is np.ndarray:
            mine.add(id(total))


def _add_at(n: Node, g: Any, buffers: dict, mine: set, bshape: tuple, at: Any) -> bool:
    """The rule of an indexing node in a batched pass, in place: ``g`` added into its input's
    buffer at the index ``at`` gives (Prim.add_at), instead of into an array of zeros the
    size of the input that is then added to the buffer. False, with nothing done, when ``at``
    declines (an index that may hit an element twice): then the rule runs. The sums are the
    rule's, except that a -0.0 of the buffer outside the index stays -0.0 (adding the rule's
    0.0 there made it +0.0)."""
    idx = at(g, n.p)
    if idx is None:
        return False
    e = n.edges[0]
    buf = buffers.get(e)
    if buf is None or id(buf) not in mine:
        total = pool.empty(bshape + shape_of(n.v0))
        if buf is None:
            total.fill(0.0)
            total[idx] = g  # as the rule does: a first gradient is copied, not added to zeros
            buffers[e] = total
            mine.add(id(total))
            return True
        np.copyto(total, buf)
        buffers[e] = buf = total
        mine.add(id(total))
    part = buf[idx]
    np.add(part, g, out=part)
    return True
