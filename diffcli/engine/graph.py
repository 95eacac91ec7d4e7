"""The backward pass: iterative, each node run once with the sum of its incoming gradients."""
from __future__ import annotations

import operator
from heapq import heapify, heappop, heappush
from typing import Any, Sequence

from ..errors import DiffcliError
from . import blockwise, ops, parallel, pool
from .backend import has_nan, np, shape_of, size_of, sum_to_shape
from .state import state
from .apply import apply
from .tensor import Node, Tensor, const, release

_SECOND_BACKWARD = (
    "trying to backward through the graph a second time: its saved values were freed "
    "after the first backward; pass retain_graph=True to the first backward (or call "
    "backward once on the sum of the outputs)")


def zeros_like_raw(t: Tensor) -> Any:
    v = t._v
    return 0.0 if type(v) is float else np.zeros(v.shape)


def _seed(t: Tensor, g: Any) -> Tensor:
    if g is None:
        if shape_of(t._v) not in ((), (1,)) and t.size != 1:
            raise DiffcliError(
                "shape", f"the output has shape {t.shape}, so backward needs a seed: the vector v "
                "of the vector-Jacobian product v^T J, with the output's shape (e.g. ones for the "
                "gradient of the sum); for every row of J use jacobian")
        return const(1.0 if type(t._v) is float else np.ones(t._v.shape))
    g = g if type(g) is Tensor else const(g)
    if g.shape != t.shape:
        raise DiffcliError("shape", f"the seed has shape {g.shape} but the output has shape {t.shape}; "
                           "they must match")
    return g


def _toposort(roots: list[Node], leaf_ids: set | None = None, ordered: bool = True) -> tuple[Any, bool]:
    """Nodes reachable from ``roots``, every consumer before what it consumes (newest first;
    with ``ordered=False``, a set), and whether every leaf reached is in ``leaf_ids``."""
    seen = set(roots)
    stack = list(roots)
    only_wanted = True
    while stack:
        n = stack.pop()
        if n.released:
            raise DiffcliError("autograd", _SECOND_BACKWARD)
        for e in (n.e0, n.e1) if n.nin <= 2 else n.edges:  # (a missing second input is None)
            if type(e) is Node:
                if e not in seen:
                    seen.add(e)
                    stack.append(e)
            elif e is not None and (leaf_ids is None or id(e) not in leaf_ids):
                only_wanted = False
    return (sorted(seen, key=_SEQ, reverse=True) if ordered else seen), only_wanted


_SEQ = operator.attrgetter("seq")


def _plan(plan: dict | None, root_nodes: list, inputs: Sequence[Tensor] | None, target_nodes: dict,
          fast: bool = False) -> tuple:
    """(order, needed nodes, target leaf ids) of a pass; kept in ``plan`` for the next pass over
    the same graph and inputs (Jacobian rows). With ``fast`` (the heap-ordered pass may run),
    the order is None when every node is needed: that pass does not use it."""
    if plan:
        return plan["order"], plan["need"], plan["leaf_ids"]
    need = leaf_ids = None
    if inputs is not None:
        leaf_ids = set()
        for t in inputs:
            if t.grad_fn is None:
                leaf_ids.add(id(t))
    reached, only_wanted = _toposort(root_nodes, leaf_ids, ordered=not fast)
    order = reached
    # Every node leads to some leaf; when all of those are wanted, every node is needed.
    if inputs is not None and (target_nodes or not only_wanted):
        order = sorted(reached, key=_SEQ, reverse=True) if fast else reached
        need = _needed(order, set(target_nodes), leaf_ids)
    elif fast:
        order = None
    if plan is not None:
        plan.update(order=order, need=need, leaf_ids=leaf_ids)
    return order, need, leaf_ids


def _needed(order: list[Node], target_nodes: set, target_leaves: set) -> set:
    """Nodes from which a target is reachable: the only ones worth running."""
    need: set = set()
    for n in reversed(order):
        if n in target_nodes or any(_wanted(e, need, target_leaves) for e in n.edges):
            need.add(n)
    return need


def _check_versions(n: Node, create_graph: bool = False) -> None:
    if not n.prim.reads and not (create_graph and n.prim.uses_ans):  # recomputing ans reads them
        return
    ins = n.tensors
    if ins is None:  # every input a float, saved as itself: nothing can change it
        return
    vers = n.versions
    for i, t in enumerate(ins):
        if type(t) is float:  # a number operand: nothing can change it
            continue
        ver = 0 if vers is None else vers[i]
        if t._version != ver:
            raise DiffcliError(
                "autograd", f"a tensor of shape {t.shape} needed by {n.name()} was modified by an "
                f"in-place operation after it was saved (version {t._version}, expected {ver}); "
                "use an out-of-place operation or clone it first")


def _recompute(n: Node) -> Tensor:
    """The node's output as a differentiable tensor (higher-order rules need it)."""
    return apply(n.prim, n.inputs, n.p)


def _nan_born(n: Node) -> DiffcliError:
    """Anomaly mode's error for a rule of ``n`` that made nan from a gradient without nan."""
    err = DiffcliError("domain", f"{n.name()} returned nan from a gradient without nan"
                       + _origin_text(n.origin))
    err.origin = n.origin
    return err


def _origin_text(origin: Any) -> str:
    if origin is None:
        return ""
    if isinstance(origin, list):  # a traceback from anomaly mode
        frames = [f for f in origin if "diffcli/engine" not in f.filename.replace("\\", "/")]
        if frames:
            f = frames[-1]
            return f"; its forward operation was created at {f.filename}:{f.lineno}: {f.line}"
        return ""
    return ""


def run(roots: Sequence[Tensor], seeds: Sequence[Any] | None, retain_graph: bool | None,
        create_graph: bool, inputs: Sequence[Tensor] | None = None, plan: dict | None = None,
        batch: bool = False) -> list | None:
    """Send seeds back from ``roots``. With ``inputs``: return their gradients; otherwise
    accumulate into the ``.grad`` of every leaf that requires grad. ``plan``, a dict kept by
    the caller across passes over one retained graph, saves sorting it again each time.

    Without create_graph, gradients are summed as raw values and rules run unrecorded;
    with it, every step is an engine operation, so the result can be differentiated again.

    With ``batch`` (raw values and ``inputs`` only), each seed is a raw array whose first
    axis stacks many seeds: one pass gives every row's gradients, each with that axis
    first. When a primitive on the way has no batched rule it returns None instead.
    """
    if retain_graph is None:
        retain_graph = create_graph
    buffers: dict = {}  # Node or leaf Tensor -> the sum of the gradients that reached it
    target_nodes: dict[Node, Tensor] = {}
    if inputs is not None:
        for t in inputs:
            if t.grad_fn is not None:
                target_nodes[t.grad_fn] = t
    captured: dict[int, Any] = {}
    add = ops.add if create_graph else _add_raw

    root_nodes = []
    seeds = seeds if seeds is not None else [None] * len(roots)
    for t, sd in zip(roots, seeds):
        if sd is None and not create_graph and type(t._v) is float:
            g = 1.0  # the common case, without a tensor made only to be unwrapped
        else:
            g = const(sd) if batch else _seed(t, sd)
            g = g if create_graph else g._v
        key = t.grad_fn if t.grad_fn is not None else t
        if key is t and not t._rg:
            continue
        buffers[key] = add(buffers[key], g) if key in buffers else g
        if key is not t:
            root_nodes.append(key)

    # The common pass (backward() without create_graph) needs no order made in advance: see
    # _sweep_raw. Otherwise sort the graph, and find what leads to a wanted input.
    fast = not create_graph and not target_nodes and not batch
    if fast and inputs is None and plan is None:
        order, need, leaf_ids = None, None, None
    else:
        order, need, leaf_ids = _plan(plan, root_nodes, inputs, target_nodes, fast)
    if batch:
        bshape, nb = shape_of(seeds[0])[:1], 1
    else:
        bshape, nb = (), 0
    check_versions = state.inplace
    anomaly = state.anomaly

    prev_grad, prev_origin, prev_raw, prev_batch = state.grad_enabled, state.origin, state.raw, state.batch
    owned = False  # True when every leaf's buffer is an array allocated for it alone
    state.grad_enabled = create_graph
    state.raw = not create_graph
    state.batch = nb
    try:
        if fast and need is None:
            owned = _sweep_raw(root_nodes, order, buffers, retain_graph, check_versions, anomaly)
            order = ()
        elif batch and not create_graph and retain_graph:
            _sweep_batch(order, buffers, need, leaf_ids, target_nodes, captured, bshape,
                         check_versions, anomaly, plan)
            order = ()
        for n in order:
            g = buffers.pop(n, None)
            if need is not None and n not in need:
                continue
            if g is None:  # nothing reached it: a symbolic zero
                if not retain_graph:
                    release(n)
                continue
            if n.released:
                raise DiffcliError("autograd", _SECOND_BACKWARD)
            vals = n.values
            if check_versions:
                _check_versions(n, create_graph)
            if n in target_nodes:
                captured[id(target_nodes[n])] = g if create_graph else const(g)
                if not any(_wanted(e, need, leaf_ids) for e in n.edges):
                    continue  # nothing below is wanted: leave this node (and what it saved) alone
            if n.retained is not None:
                _retain(n, g if create_graph else const(g), create_graph)
            state.origin = n.origin
            prim = n.prim
            if n.ctx is not None:  # a custom Function: its backward is user code on tensors
                state.raw = False
                grads = n.ctx._backward(g if create_graph else const(g))
                state.raw = not create_graph
                if not create_graph:
                    grads = [None if gi is None else gi._v for gi in grads]
            else:
                if create_graph:
                    args = n.inputs
                    ans = _recompute(n) if prim.uses_ans else None
                else:  # raw values: the rules' operations allocate no tensors
                    args = vals
                    ans = n.ans
                rules = prim.rules
                grads = []
                for i, e in enumerate(n.edges):
                    if not _wanted(e, need, leaf_ids):
                        grads.append(None)
                    else:
                        grads.append(rules[i](g, ans, *args, n.p) if prim.has_param else rules[i](g, ans, *args))
            for e, gi, val in zip(n.edges, grads, vals):
                if gi is None or e is None:
                    continue
                if create_graph:
                    if type(gi) is not Tensor:
                        gi = const(gi)
                    if (type(gi._v) is not float or type(val) is not float) and gi.shape != shape_of(val):
                        gi = ops.sum_to(gi, shape_of(val))
                    v = gi._v
                else:
                    v = gi = _raw_grad(gi, val, bshape)
                if anomaly and has_nan(v) and not has_nan(g._v if create_graph else g):
                    raise _nan_born(n)
                buffers[e] = add(buffers[e], gi) if e in buffers else gi
            if not retain_graph:
                release(n)
    finally:
        state.grad_enabled, state.origin, state.raw = prev_grad, prev_origin, prev_raw
        state.batch = prev_batch
    # What reached the leaves: their gradients (grad) or an addition to .grad (backward).
    for key, g in buffers.items():
        if type(key) is not Tensor:
            continue
        if not create_graph and type(g) is not float and not owned and not batch:
            # a leaf's own gradient: never shared with a seed or another leaf (grad_rows, the
            # only batch caller, copies a batch's gradients into its output at once)
            g = np.array(g)
        gt = g if create_graph else const(g)
        if inputs is not None:
            captured[id(key)] = gt
        elif key.grad is None:
            key.grad = gt
        else:
            key.grad = key.grad + gt if create_graph else const(_add_raw(key.grad._v, g))
    if inputs is None:
        return None
    return [captured.get(id(t)) for t in inputs]


def _wanted(e: Any, need: set | None, leaf_ids: set | None) -> bool:
    """Whether the gradient along edge ``e`` is needed (see ``_needed``)."""
    return e is not None and (need is None or (e in need if type(e) is Node else id(e) in leaf_ids))


def _sweep_batch(order: list, buffers: dict, need: set | None, leaf_ids: set | None, target_nodes: dict,
                 captured: dict, bshape: tuple, check_versions: int, anomaly: bool, plan: dict | None) -> None:
    """The nodes of a batched pass (grad_rows: raw values with a batch axis first, the graph
    kept): run's loop without what a batch never meets (create_graph, custom Functions, retained
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
    for n, rules, wanted, at in steps:
        g = pop(n, None)
        if g is None:  # nothing reached it: a symbolic zero
            continue
        if mine:
            mine.discard(id(g))
        if n.released:
            raise DiffcliError("autograd", _SECOND_BACKWARD)
        if check_versions:
            _check_versions(n)
        if n in target_nodes:
            captured[id(target_nodes[n])] = const(g)
            if not any(wanted):
                continue  # nothing below is wanted
        state.origin = n.origin
        if at is not None and not anomaly and _add_at(n, g, buffers, mine, bshape, at):
            continue  # the rule, in place: its result is in the buffer already
        args = n.values
        has_param = n.prim.has_param
        for i, e in enumerate(n.edges):
            if not wanted[i]:
                continue
            gi = rules[i](g, n.ans, *args, n.p) if has_param else rules[i](g, n.ans, *args)
            if gi is None:
                continue
            gi = _raw_grad(gi, args[i], bshape)
            if anomaly and has_nan(gi) and not has_nan(g):
                raise _nan_born(n)
            _accumulate(buffers, mine, e, gi)


def _batch_steps(order: list, need: set | None, leaf_ids: set | None) -> list:
    """(node, rules, which edges are wanted, the in-place form of its rule or None) for each
    node of a batched pass that may be needed."""
    steps = []
    for n in order:
        if need is not None and n not in need:
            continue
        wanted = tuple(_wanted(e, need, leaf_ids) for e in n.edges)
        at = n.prim.add_at if len(wanted) == 1 and wanted[0] else None
        steps.append((n, n.prim.rules, wanted, at))
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
        buffers[e] = total = _add_raw(prev, gi)
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


def _add_raw(a: Any, b: Any) -> Any:
    return a + b if type(a) is float and type(b) is float else pool.call(np.add, (a, b))


def _sweep_raw(roots: list, order: list | None, buffers: dict, retain_graph: bool,
               check_versions: int, anomaly: bool) -> bool:
    """The common backward pass: raw values, nothing recorded (the hot loop).
    True when the leaves' buffers are fresh arrays of their own (the blockwise pass).

    Nodes run newest first (by ``seq``) from a heap that takes a node when its first
    gradient arrives. Each consumer of a node is newer than it, and a consumer that gets a
    gradient is in the heap before anything older runs, so a node runs after all of its
    consumers without a sort of the graph made in advance; nodes no gradient reaches never
    run. (``order``, the sorted graph, is only made when the blockwise pass may take it.)
    """
    if not (anomaly or check_versions):
        for g in buffers.values():
            if type(g) is not float:  # arrays: maybe the blockwise pass
                if order is None:
                    order = _toposort(roots)[0]
                if blockwise.sweep(order, buffers, retain_graph):
                    return True
                break
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
            raise DiffcliError("autograd", _SECOND_BACKWARD)
        if check_versions:
            _check_versions(n)
        x = n.x
        if x is not None and x.retained is not None:
            _retain(n, const(g), False)
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
                gi = _raw_grad(gi, v)
            if anomaly and has_nan(gi) and not has_nan(g):
                raise _nan_born(n)
            prev = get(e)
            if prev is None:
                buffers[e] = gi
                if type(e) is Node:
                    heappush(heap, (-e.seq, e))
            else:
                buffers[e] = prev + gi if type(gi) is float else _add_raw(prev, gi)
        if not retain_graph:  # what the node saved goes (release, inlined for the common case)
            if x is None:
                n.released = True
                n.v0 = n.v1 = n.ans = None
            else:
                release(n)
    return False


_PAIR = (0, 1)


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


def _raw_grad(gi: Any, v: Any, bshape: tuple = ()) -> Any:
    """A rule's result as a raw value of the shape of input value ``v`` (after a batch axis
    ``bshape``, if any)."""
    tg = type(gi)
    if tg is Tensor:
        gi = gi._v
    elif tg is int:
        gi = float(gi)
    if type(gi) is not float or type(v) is not float:
        gi = sum_to_shape(gi, bshape + shape_of(v), len(bshape))
    return gi


def _retain(n: Node, g: Tensor, create_graph: bool) -> None:
    t = n.retained()
    if t is not None:
        gg = g if create_graph else g.detach()
        t.grad = gg if t.grad is None else t.grad + gg


def backward(tensors: Sequence[Tensor], grad_tensors: Sequence[Any] | None = None,
             retain_graph: bool | None = None, create_graph: bool = False) -> None:
    """Accumulate gradients of ``tensors`` (seeded by ``grad_tensors``) into the leaves."""
    for t in tensors:
        if not t.requires_grad:
            raise DiffcliError(
                "autograd", "this tensor does not require grad and has no grad_fn: nothing to "
                "differentiate (create the inputs with requires_grad=True)")
    run(list(tensors), grad_tensors, retain_graph, create_graph)


def grad(outputs: Any, inputs: Any, grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool = False, plan: dict | None = None) -> tuple:
    """Gradients of ``outputs`` with respect to ``inputs``; ``.grad`` fields are left alone.

    An input with no path to the outputs gets zeros, never an error (with
    ``allow_unused=True``, None, as in PyTorch).
    """
    single = isinstance(outputs, Tensor)
    outs = [outputs] if single else list(outputs)
    ins = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is not None and single:
        grad_outputs = [grad_outputs]
    live = [(o, None if grad_outputs is None else grad_outputs[i])
            for i, o in enumerate(outs) if o.requires_grad]
    for i, o in enumerate(outs):
        if not o.requires_grad:
            _seed(o, None if grad_outputs is None else grad_outputs[i])  # same shape checks
    res = [None] * len(ins)
    if live:
        res = run([o for o, _ in live], [s for _, s in live], retain_graph, create_graph, ins, plan)
    out = []
    for t, g in zip(ins, res):
        if g is None:
            out.append(None if allow_unused else const(zeros_like_raw(t)))
        else:
            out.append(g)  # raw results are fresh tensors already cut from any graph
    return tuple(out)


ROW_BUDGET = 1 << 22  # at most this many elements in one batched gradient: 32 MiB
# Rows per pass are chosen so one batched gradient stays near this size (512 KiB): every rule then
# works on arrays in a core's L2 cache, not in memory (at d=1000 a Hessian took half the time in
# chunks of 64 rows than in one pass of 1000; 32 to 128 rows were about even). At least
# CHUNK_MIN_ROWS rows (within ROW_BUDGET), so the Python cost of a pass stays small beside its
# array work.
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
    order, need, _ = _plan(plan, roots, inputs, {t.grad_fn: t for t in inputs if t.grad_fn is not None})
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
        res = run([output], [seeds.reshape((m,) + output.shape)], True, False, list(inputs), plan, batch=True)
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
