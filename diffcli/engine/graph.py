"""backward() and grad(): seeds in, gradients out, through one of the backward passes, chosen
in ``run``: the reference pass (backward.py) whenever a graph of the gradient is wanted, else a
pass on raw values (sweep_heap, sweep_sorted, sweep_batch) that gives the same results faster."""
from __future__ import annotations

from typing import Any, Sequence

from ..errors import DiffcliError
from .backend import np, shape_of
from .backward import backward_pass
from .state import state
from .sweep_batch import sweep_batch
from .sweep_heap import sweep_heap
from .sweep_sorted import sweep_sorted
from .tensor import Node, Tensor, const
from .walk import add_raw, plan_pass, seed_tensor, zeros_like_raw


def run(roots: Sequence[Tensor], seeds: Sequence[Any] | None, retain_graph: bool | None,
        create_graph: bool, inputs: Sequence[Tensor] | None = None, plan: dict | None = None,
        batch: bool = False) -> list | None:
    """Send seeds back from ``roots``. With ``inputs``: return their gradients; otherwise
    accumulate into the ``.grad`` of every leaf that requires grad. ``plan``, a dict kept by
    the caller across passes over one retained graph, saves sorting it again each time.

    The one place where a backward pass is chosen. With create_graph, the reference pass
    (backward.py), whose every step is an engine operation. Without it, the same pass on raw
    values, with nothing recorded and no tensor allocated per operation: heap-ordered over the
    whole graph for backward() (sweep_heap, which hands large elementwise graphs to
    blockwise), along the sorted graph for chosen inputs (sweep_sorted), or, with ``batch``,
    many seeds stacked on a first axis at once (sweep_batch: ``inputs`` only, the graph kept).
    """
    if retain_graph is None:
        retain_graph = create_graph
    if create_graph:
        got = backward_pass(roots, seeds, inputs, create_graph=True, retain_graph=retain_graph, plan=plan)
        if inputs is not None:
            return [got.get(t) for t in inputs]
        for leaf, g in got.items():
            leaf.grad = g if leaf.grad is None else leaf.grad + g
        return None
    seeds = seeds if seeds is not None else [None] * len(roots)
    buffers, root_nodes = _raw_seeds(roots, seeds, batch)
    target_nodes: dict[Node, Tensor] = {}
    if inputs is not None:
        for t in inputs:
            if t.grad_fn is not None:
                target_nodes[t.grad_fn] = t
    captured: dict[int, Any] = {}

    # backward() needs no order made in advance (see sweep_heap); grad() sorts the graph and
    # finds what leads to a wanted input.
    heap = not target_nodes and not batch
    if heap and inputs is None and plan is None:
        order, need, leaf_ids = None, None, None
    else:
        order, need, leaf_ids = plan_pass(plan, root_nodes, inputs, target_nodes, heap)
    anomaly = state.anomaly
    saved = state.grad_enabled, state.origin, state.raw, state.batch
    owned = False  # True when every leaf's buffer is an array allocated for it alone
    state.grad_enabled, state.raw, state.batch = False, True, 1 if batch else 0
    try:
        if heap and need is None:
            owned = sweep_heap(root_nodes, order, buffers, retain_graph, state.inplace, anomaly)
        elif batch and retain_graph:
            sweep_batch(order, buffers, need, leaf_ids, target_nodes, captured, shape_of(seeds[0])[:1],
                        state.inplace, anomaly, plan)
        else:
            sweep_sorted(order, buffers, need, leaf_ids, target_nodes, captured, retain_graph, anomaly)
    finally:
        state.grad_enabled, state.origin, state.raw, state.batch = saved
    # What reached the leaves: their gradients (grad) or an addition to .grad (backward).
    for key, g in buffers.items():
        if type(key) is not Tensor:
            continue
        if type(g) is not float and not owned and not batch:
            # a leaf's own gradient: never shared with a seed or another leaf (grad_rows, the
            # only batch caller, copies a batch's gradients into its output at once)
            g = np.array(g)
        if inputs is not None:
            captured[id(key)] = const(g)
        elif key.grad is None:
            key.grad = const(g)
        else:
            _accumulate_grad(key.grad, g)
    if inputs is None:
        return None
    return [captured.get(id(t)) for t in inputs]


def _accumulate_grad(grad: Tensor, g: Any) -> None:
    """``grad += g`` in place, as PyTorch: a reference to ``x.grad`` taken earlier sees the sum."""
    v = grad._v
    if type(v) is not float and type(g) is not float and v.flags.writeable and shape_of(g) == v.shape:
        np.add(v, g, out=v)
    else:
        grad._v = add_raw(v, g)
    grad._version += 1


def _raw_seeds(roots: Sequence[Tensor], seeds: Sequence[Any], batch: bool) -> tuple[dict, list]:
    """({node or leaf: its seed as a raw value}, the root nodes) of a pass on raw values."""
    buffers: dict = {}  # Node or leaf Tensor -> the sum of the gradients that reached it
    root_nodes = []
    for t, sd in zip(roots, seeds):
        if sd is None and type(t._v) is float:
            g = 1.0  # the common case, without a tensor made only to be unwrapped
        else:
            g = (const(sd) if batch else seed_tensor(t, sd))._v
        key = t.grad_fn if t.grad_fn is not None else t
        if key is t and not t._rg:
            continue
        buffers[key] = add_raw(buffers[key], g) if key in buffers else g
        if key is not t:
            root_nodes.append(key)
    return buffers, root_nodes


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
            seed_tensor(o, None if grad_outputs is None else grad_outputs[i])  # same shape checks
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
