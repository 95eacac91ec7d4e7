"""The common backward pass, backward() without create_graph, on raw values (floats and
arrays, no tensors allocated): the hot loop behind diffcli's speed on scalar graphs. Its
results equal the reference pass's (backward.py) bit for bit; the tests compare them."""
from __future__ import annotations

from heapq import heapify, heappop, heappush
from typing import Any

from ..errors import DiffcliError
from . import blockwise
from .backend import has_nan
from .state import state
from .tensor import Node, const, release
from .walk import SECOND_BACKWARD, add_raw, check_inplace, nan_born, raw_grad, retain, toposort


def sweep_heap(roots: list, order: list | None, buffers: dict, retain_graph: bool,
               check_versions: int, anomaly: bool) -> bool:
    """The common backward pass: raw values, nothing recorded (the hot loop, in one function:
    a call per node would cost a Python frame per node). True when the leaves' buffers are
    fresh arrays of their own (the blockwise pass).

    Nodes run newest first (by ``seq``) from a heap that takes a node when its first
    gradient arrives. Each consumer of a node is newer than it, and a consumer that gets a
    gradient is in the heap before anything older runs, so a node runs after all of its
    consumers without a sort of the graph made in advance; nodes no gradient reaches never
    run. (``order``, the sorted graph, is only made when the blockwise pass may take it.)
    """
    if not (anomaly or check_versions) and _whole_graph_blockwise(roots, order, buffers, retain_graph):
        return True
    pop = buffers.pop
    get = buffers.get
    if len(roots) == 1:
        heap = [(-roots[0].seq, roots[0])]
    else:
        heap = [(-n.seq, n) for n in set(roots)]
        heapify(heap)
    while heap:
        n = heappop(heap)[1]
        g = pop(n)
        if n.released:
            raise DiffcliError("autograd", SECOND_BACKWARD)
        if check_versions:
            check_inplace(n)
        x = n.x
        if x is not None and x.retained is not None:
            retain(n, const(g), False)
        prim = n.prim
        rules = prim.rules
        k = n.nin
        if k <= 2 and (x is None or x.ctx is None) and type(g) is float and not prim.has_param:
            grads = None  # the common cases: each rule runs in the loop below, on the node's slots
        else:
            edges, vals = n.edges, n.values
            if n.ctx is not None:  # a custom Function: its backward is user code on tensors
                state.raw = False
                try:
                    grads = [None if gi is None else gi._v for gi in n.ctx._backward(const(g))]
                finally:
                    state.raw = True
            elif type(g) is not float and not anomaly and _blockwise_step(n, g, edges, buffers, heap):
                k = 0  # done: its gradients are in the buffers already
            elif prim.has_param:
                grads = [None if e is None else rules[i](g, n.ans, *vals, n.p) for i, e in enumerate(edges)]
            else:
                grads = [None if e is None else rules[i](g, n.ans, *vals) for i, e in enumerate(edges)]
        for i in _PAIR if k == 2 else range(k):
            if grads is not None:
                e, v, gi = edges[i], vals[i], grads[i]
                if e is None:
                    continue
            elif i:
                e, v = n.e1, n.v1
                if e is None:
                    continue
                gi = rules[1](g, n.ans, n.v0, v)
            else:
                e, v = n.e0, n.v0
                if e is None:
                    continue
                gi = rules[0](g, n.ans, v) if k == 1 else rules[0](g, n.ans, v, n.v1)
            if gi is None:
                continue
            if type(gi) is not float or type(v) is not float:
                gi = raw_grad(gi, v)
            if anomaly and has_nan(gi) and not has_nan(g):
                raise nan_born(n)
            prev = get(e)
            if prev is None:
                buffers[e] = gi
                if type(e) is Node:
                    heappush(heap, (-e.seq, e))
            else:
                buffers[e] = prev + gi if type(gi) is float else add_raw(prev, gi)
        if not retain_graph:  # what the node saved goes (release, inlined for the common case)
            if x is not None:
                release(n)
            elif prim.saves:  # (a node that saved nothing has nothing to free)
                n.released = True
                n.v0 = n.v1 = n.ans = None
    return False


_PAIR = (0, 1)


def _whole_graph_blockwise(roots: list, order: list | None, buffers: dict, retain_graph: bool) -> bool:
    """The whole pass by blockwise.sweep, when the seeds are arrays and it takes the graph."""
    for g in buffers.values():
        if type(g) is not float:  # arrays: maybe the blockwise pass
            if order is None:
                order = toposort(roots)[0]
            return blockwise.sweep(order, buffers, retain_graph)
    return False


def _blockwise_step(n: Node, g: Any, edges: tuple, buffers: dict, heap: list) -> bool:
    """``blockwise.backward`` in the heap-ordered pass: the nodes it gives a first gradient
    join the heap."""
    fresh = {e for e in edges if type(e) is Node and e not in buffers}
    if not blockwise.backward(n, g, buffers):
        return False
    for e in fresh:
        if e in buffers:
            heappush(heap, (-e.seq, e))
    return True
