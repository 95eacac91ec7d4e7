"""Backward passes over large elementwise graphs, block by block on both cores.

Element i of an elementwise rule's result depends only on element i of its operands, so rules
can run on cache-sized slices of their arrays. A rule's chain of small operations then stays in
L2 instead of passing over memory once per operation, and the sums into gradient buffers happen
while the block is still in cache. Each block takes the steps of the whole-array pass in the
same order, so the results are bit-identical to it.
"""
from __future__ import annotations

from typing import Any

from . import parallel, pool
from .backend import np
from .tensor import release

# Off: every rule runs on whole arrays (the tests compare the two). A primitive takes part when
# it is declared ``elementwise``: every rule is elementwise in (g, ans, *inputs), one that
# returns None (a zero gradient) does so whatever the values, and a NaN in g reaches the
# result, except where ``where`` selects a constant instead (see ``deferred``).
enabled = True
_PROBE = 1024  # elements in the first block
# True while ``sweep`` runs its blocks: gmul then skips its own check (a pass over the block),
# which only turns the NaN of a zero gradient times an infinite derivative into 0. Such a NaN
# reaches the leaves, since every rule passes a NaN in g on (where the NaN is dropped, the
# checked 0 would be dropped too); so a block whose leaf gradients all come out finite is
# exact as it is, and any other block runs again with the check. One sum per leaf and block
# instead of one per gmul.
deferred = False


def sweep(order: list, buffers: dict, retain_graph: bool) -> bool:
    """The whole backward pass, when every node of ``order`` is elementwise on one large shape:
    run it block by block, leaving the leaves' gradients in ``buffers``; otherwise False."""
    shapes = set()
    for g in buffers.values():
        if type(g) is float:  # scalars (and numpy may not even be imported yet)
            return False
        shapes.add(g.shape)
    if len(shapes) != 1:
        return False
    (shape,) = shapes
    if np.prod(shape) < parallel.MIN_ELEMENTS:
        return False
    steps = []
    for n in order:
        step = _flat_step(n, shape)
        if step is None:
            return False
        steps.append((n, step))
    seeds = {k: g.reshape(-1) for k, g in buffers.items()}
    size = next(iter(seeds.values())).size
    leaves: dict = {}  # leaf tensor -> its whole gradient, filled block by block
    redo: list = []  # blocks whose leaf gradients are not all finite: again, with gmul checking

    def block(lo: int, hi: int) -> None:
        buf = {k: g[lo:hi] for k, g in seeds.items()}
        dest = {k: out[lo:hi] for k, out in leaves.items()}  # sums into a leaf go to its gradient
        pop = buf.pop
        for n, step in steps:
            g = pop(n, None)
            if g is not None:
                _step(step, g, lo, hi, buf, dest)
        if lo == 0 and not leaves:  # alone: which leaves a gradient reaches does not depend on the values
            leaves.update((k, pool.empty((size,))) for k in buf)
            dest = {k: out[lo:hi] for k, out in leaves.items()}
        elif buf.keys() - leaves.keys():
            raise RuntimeError("blockwise backward: a rule gave None for some values only")
        clean = True
        for k, v in dest.items():
            if buf.get(k) is not v:
                v[...] = buf.get(k, 0.0)
            if deferred and clean:
                total = v.sum()
                clean = total - total == 0.0  # no inf or NaN in this leaf's block
        if not clean:
            redo.append((lo, hi))

    _run_deferred(block, size, redo)
    buffers.clear()
    buffers.update((k, out.reshape(shape)) for k, out in leaves.items())
    if not retain_graph:
        for n in order:
            release(n)
    return True


def backward(n: Any, g: Any, buffers: dict) -> bool:
    """One node's step of the backward pass for a large output gradient ``g``, summed into
    ``buffers`` block by block; False, with nothing done, when the node does not qualify."""
    if g.size < parallel.MIN_ELEMENTS:
        return False
    step = _flat_step(n, g.shape)
    if step is None:
        return False
    gf = g.reshape(-1)
    prev = {e: buffers.get(e) for e in n.edges if e is not None}
    prev = {e: v if v is None else np.broadcast_to(v, g.shape).reshape(-1) for e, v in prev.items()}
    outs = {e: pool.empty((gf.size,)) for e in prev}
    live: list = []  # the buffers this node writes: those reached on block 0

    def block(lo: int, hi: int) -> None:
        buf = {e: v[lo:hi] for e, v in prev.items() if v is not None}
        _step(step, gf[lo:hi], lo, hi, buf)
        if lo == 0:
            live.extend(buf)
        for e in live:
            outs[e][lo:hi] = buf.get(e, 0.0)

    _run(block, gf.size)
    for e in live:
        buffers[e] = outs[e].reshape(g.shape)
    return True


def _flat_step(n: Any, shape: tuple) -> tuple | None:
    """(rules, edges, flat inputs, flat ans) of an elementwise node on ``shape``, else None."""
    if not (enabled and n.prim.elementwise) or n.ctx is not None or n.retained is not None or n.released:
        return None
    args = []
    for v, e in zip(n.values, n.edges):
        if type(v) is float:
            if e is not None:  # its gradient is a sum over all elements, not a block
                return None
            args.append(v)
        elif v.shape == shape:
            args.append(v.reshape(-1))
        else:
            return None
    ans = n.ans
    if ans is not None:
        if ans.shape != shape:
            return None
        ans = ans.reshape(-1)
    rules = n.prim.rules
    if n.prim.symmetric and n.e0 is n.e1 and n.v0 is n.v1:  # x * x: both rules give one result
        rules = (rules[0], None)
    return rules, n.edges, args, ans


def _step(step: tuple, g: Any, lo: int, hi: int, buf: dict, dest: dict | None = None) -> None:
    """A node's rules on one block, each result summed into ``buf`` as the whole-array pass does;
    a sum for a key of ``dest`` is written into its array there."""
    rules, edges, args, ans = step
    vals = [a if type(a) is float else a[lo:hi] for a in args]
    ab = None if ans is None else ans[lo:hi]
    r = None
    for k, e in enumerate(edges):
        if e is None:
            continue
        rule = rules[k]
        if rule is not None:  # None: the same result as the rule before
            r = rule(g, ab, *vals)
        if r is None:
            continue
        if type(r) is not float and type(r) is not np.ndarray:
            r = r._v  # a Tensor
        prev = buf.get(e)
        if prev is None:
            buf[e] = r
        elif dest and e in dest:
            buf[e] = np.add(prev, r, out=dest[e])
        else:
            buf[e] = prev + r


def _run_deferred(block: Any, size: int, redo: list) -> None:
    """``_run`` with gmul's check deferred to the leaves; then the blocks in ``redo`` again,
    with it."""
    global deferred
    deferred = True
    try:
        _run(block, size)
    finally:
        deferred = False
    for lo, hi in redo[:]:
        block(lo, hi)


def _run(block: Any, size: int) -> None:
    """``block(lo, hi)`` over [0, size): a short first block alone (it settles which gradients
    exist), then cache-sized blocks on both cores."""
    block(0, _PROBE)
    n = -(-(size - _PROBE) // parallel.BLOCK)
    parallel.run_blocks(lambda i: block(_PROBE + i * parallel.BLOCK, _PROBE + (i + 1) * parallel.BLOCK), n)
