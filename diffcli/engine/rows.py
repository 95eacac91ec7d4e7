"""Every row of a Jacobian in a few batched backward passes (sweep_batch), in chunks sized for
the cache, on both cores."""
from __future__ import annotations

from typing import Sequence

from . import graph, parallel, pool
from .backend import np, size_of
from .state import state
from .tensor import Tensor
from .walk import plan_pass


ROW_BUDGET = 1 << 22  # at most this many elements in one batched gradient: 32 MiB
# Rows per pass are chosen so one batched gradient stays near this size (512 KiB): every rule then
# works on arrays in a core's L2 cache, not in memory. At least CHUNK_MIN_ROWS rows (within
# ROW_BUDGET), so the Python cost of a pass stays small beside its array work.
CHUNK_ELEMENTS = 1 << 16
CHUNK_MIN_ROWS = 16
PARALLEL_CHUNK = 1 << 14  # elements of a chunk's gradient from which two threads take chunks


def grad_rows(output: Tensor, inputs: Sequence[Tensor]) -> list | None:
    """Every row of the Jacobian of ``output`` (one-hot seeds) in passes without create_graph
    that each carry many seeds on a first axis: for each input, an array of shape
    (output.size,) + input.shape. None when an operation on the way has no batched rule
    (``Prim.batch``), a custom Function or a retained gradient: then run the rows one by one."""
    n = output.size
    if not output.requires_grad:
        return [np.zeros((n,) + t.shape) for t in inputs]
    plan: dict = {}
    roots = [output.grad_fn] if output.grad_fn is not None else []
    order, need, _ = plan_pass(plan, roots, inputs, {t.grad_fn: t for t in inputs if t.grad_fn is not None})
    widest = output.size  # the largest unbatched gradient: of an output or an input with an edge
    for node in order:
        if need is None or node in need:
            if not node.prim.batch or node.ctx is not None or node.retained is not None:
                return None
            for v, e in zip(node.values, node.edges):
                if e is not None:
                    widest = max(widest, size_of(v))
    # Pooled: a Hessian at d=1000 is 8 MB, which a fresh array pays for in page faults each time.
    out = [pool.empty((n,) + t.shape) for t in inputs]
    step = max(1, min(ROW_BUDGET // widest, max(CHUNK_MIN_ROWS, CHUNK_ELEMENTS // widest)))
    eyes = [np.zeros((min(step, n), n))]  # rows of the identity, zero between chunks

    def chunk(i: int) -> None:
        k = i * step
        m = min(step, n - k)
        eye = eyes.pop() if eyes else np.zeros((min(step, n), n))  # one per thread at work
        seeds = eye[:m]
        ones = (np.arange(m), np.arange(k, k + m))
        seeds[ones] = 1.0
        res = graph.run([output], [seeds.reshape((m,) + output.shape)], True, False, list(inputs), plan, batch=True)
        for o, g in zip(out, res):
            o[k:k + m] = 0.0 if g is None else g._v  # rows no gradient reaches are 0
        del res
        seeds[ones] = 0.0  # the pass is over: its results were copied, nothing holds the seeds
        eyes.append(eye)

    chunks = -(-n // step)
    if chunks == 1 or step * widest < PARALLEL_CHUNK:
        for i in range(chunks):
            chunk(i)
        return out
    # Chunks are independent passes over a graph that they only read: two threads take them in
    # turn (numpy releases the GIL). Every pass sets the same engine state; it is set here
    # once, so that no pass, ending, can restore another's.
    saved = state.grad_enabled, state.origin, state.raw, state.batch
    state.grad_enabled, state.raw, state.batch = False, True, 1
    try:
        parallel.run_blocks(chunk, chunks)
    finally:
        state.grad_enabled, state.origin, state.raw, state.batch = saved
    return out
