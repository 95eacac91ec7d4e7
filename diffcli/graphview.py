"""The computation graph view, node by node, mapped back to the source text: of one program
(``build``, for diffcli graph) or of a REPL value across the statements that built it
(``build_live``). Both give the dict render.graph_text and render.graph_dot draw, and both
look through the nodes they do not show (those made inside grad(), jacobian(), ...)."""
from __future__ import annotations

from typing import Any

from . import engine as E
from .errors import line_col


def clip(text: str, width: int = 60) -> str:
    """User text shortened to ``width`` characters: a node's text, a value in a line."""
    return text if len(text) <= width else text[:width - 3] + "..."


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
    """The indices of the nearest shown nodes and leaves upstream of ``fn``, per input (x*x
    has x twice)."""
    return [by_fn[e] if not isinstance(e, E.Tensor) else by_leaf[id(e)]
            for e in upstream(fn, by_fn) if not isinstance(e, E.Tensor) or id(e) in by_leaf]


def upstream(node: Any, shown: Any) -> list[Any]:
    """The nearest tensors and shown nodes (``in shown``) upstream of ``node``, per input in
    edge order (x*x has x twice), looking through every other node."""
    out: list[Any] = []
    for edge in getattr(node, "edges", ()):
        seen: set[int] = set()
        found: list[Any] = []
        stack = [edge]
        while stack:
            e = stack.pop()
            if e is None or id(e) in seen:
                continue
            seen.add(id(e))
            if isinstance(e, E.Tensor) or e in shown:
                found.append(e)
            else:
                stack.extend(reversed(getattr(e, "edges", ())))
        out.extend(found)
    return out


def build_live(root: E.Tensor, variables: dict[str, E.Tensor], values: Any) -> dict:
    """The graph behind a REPL value: ``values`` maps each backward node the REPL's statements
    made to the value it computed; ``variables`` names the tensors. Inputs come before the
    nodes that use them."""
    names = {id(t): n for n, t in variables.items()}
    node_names = {id(t.grad_fn): n for n, t in variables.items() if t.grad_fn is not None}
    start: Any = root.grad_fn if root.grad_fn is not None else root
    order: list[Any] = []
    parents: dict[int, list[Any]] = {}
    done: set[int] = set()
    stack: list[tuple[Any, bool]] = [(start, False)]
    while stack:  # depth first, iterative (a long chain of statements must not hit the recursion limit)
        key, expanded = stack.pop()
        if id(key) in done:
            continue
        if expanded:
            done.add(id(key))
            order.append(key)
            continue
        ps = [] if isinstance(key, E.Tensor) else upstream(key, values)
        parents[id(key)] = ps
        stack.append((key, True))
        for p in reversed(ps):
            if id(p) not in done:
                stack.append((p, False))
    index = {id(k): i for i, k in enumerate(order)}
    nodes = [_live_node(i, k, k is start, root, values, names, node_names) for i, k in enumerate(order)]
    edges = [[index[id(p)], index[id(k)]] for k in order for p in parents[id(k)]]
    return {"value": root, "nodes": nodes, "edges": edges}


def _live_node(i: int, key: Any, is_root: bool, root: E.Tensor, values: Any, names: dict,
               node_names: dict) -> dict:
    if isinstance(key, E.Tensor):  # a leaf
        return {"id": i, "op": "leaf", "text": names.get(id(key), "(unnamed)"), "line": None, "column": None,
                "shape": list(key.shape), "value": key, "is_leaf": True, "requires_grad": key.requires_grad,
                "grad": key.grad}
    value = root if is_root else E.const(values[key])
    origin = key.origin
    text = ""
    if isinstance(origin, tuple) and len(origin) == 2:
        src, expr = origin
        text = clip(" ".join(src[expr.span[0]:expr.span[1]][:200].split()))
        if key not in values:  # made by a backward pass (grad(), create_graph) for this operation
            text = f"(backward of {text})"
    name = node_names.get(id(key))
    if name is not None:
        text = f"{name} = {text}" if text else name
    return {"id": i, "op": key.name(), "text": text, "line": None, "column": None, "shape": list(value.shape),
            "value": value, "is_leaf": False, "requires_grad": True,
            "grad": root.grad if is_root else None}
