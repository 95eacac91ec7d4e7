"""The computation graph of a program, node by node, mapped back to the source text."""
from __future__ import annotations

from typing import Any

from . import engine as E
from .errors import line_col
from .render import clip


def build(p: Any, leaves: dict[str, E.Tensor], y: E.Tensor) -> dict:
    """Nodes (variables, then one per operation) and edges (input -> operation); after a
    backward pass from a scalar result, the gradient that reached each node."""
    trace = p.evaluator.trace or []
    nodes: list[dict] = []
    tensors: list[E.Tensor] = []
    by_fn: dict[Any, int] = {}
    by_leaf: dict[int, int] = {}
    for name, leaf in leaves.items():
        by_leaf[id(leaf)] = len(nodes)
        nodes.append({"id": len(nodes), "op": "leaf", "text": name, "line": None, "column": None})
        tensors.append(leaf)
    for src, expr, t in trace:
        if t.grad_fn is not None and t.grad_fn in by_fn:
            continue  # the same node reached twice (a group or a repeated operand)
        line, col = line_col(src, expr.span[0])
        nodes.append({"id": len(nodes), "op": t.grad_fn.name() if t.grad_fn else "constant",
                      "text": clip(src[expr.span[0]:expr.span[1]]), "line": line, "column": col})
        if t.grad_fn is not None:
            by_fn[t.grad_fn] = len(nodes) - 1
        tensors.append(t)
    edges = []
    for i, t in enumerate(tensors):
        if t.grad_fn is None:
            continue
        for parent in _mapped_parents(t.grad_fn, by_fn, by_leaf):
            edges.append([parent, i])
    grads: list = [None] * len(tensors)
    if y.requires_grad and y.size == 1:
        wanted = [k for k, t in enumerate(tensors) if t.requires_grad]
        got = E.grad(E.reshape(y, ()) if y.shape else y, [tensors[k] for k in wanted], allow_unused=True)
        for k, g in zip(wanted, got):
            grads[k] = g
    for node, t, g in zip(nodes, tensors, grads):
        node.update(shape=list(t.shape), value=t, is_leaf=t.is_leaf, requires_grad=t.requires_grad, grad=g)
    return {"value": y, "nodes": nodes, "edges": edges}


def _mapped_parents(fn: Any, by_fn: dict, by_leaf: dict) -> list[int]:
    """The nearest shown nodes upstream of ``fn``, looking through unshown ones."""
    out, stack, seen = [], list(fn.edges), set()
    while stack:
        e = stack.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, E.Tensor):
            if id(e) in by_leaf:
                out.append(by_leaf[id(e)])
        elif e in by_fn:
            out.append(by_fn[e])
        else:
            stack.extend(e.edges)
    return sorted(set(out))
