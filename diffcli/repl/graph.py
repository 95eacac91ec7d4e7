"""The graph behind a REPL variable, across the lines that built it, in the graph view's format.

The REPL notes each backward node its statements make together with the value it
computed; nodes made elsewhere (inside grad(), jacobian(), ...) are looked through.
The result is the dict render.graph_text draws.
"""
from __future__ import annotations

from typing import Any

from .. import engine as E
from ..render import clip


def build(state: Any, root: E.Tensor) -> dict:
    names = {id(t): n for n, t in state.variables.items()}
    node_names = {id(t.grad_fn): n for n, t in state.variables.items() if t.grad_fn is not None}
    start: Any = root.grad_fn if root.grad_fn is not None else root
    order: list[Any] = []      # shown keys, inputs before the nodes that use them
    parents: dict[int, list[Any]] = {}
    done: set[int] = set()
    stack: list[tuple[Any, bool]] = [(start, False)]
    while stack:
        key, expanded = stack.pop()
        if id(key) in done:
            continue
        if expanded:
            done.add(id(key))
            order.append(key)
            continue
        ps = [] if isinstance(key, E.Tensor) else _shown_parents(key, state.nodes)
        parents[id(key)] = ps
        stack.append((key, True))
        for p in reversed(ps):
            if id(p) not in done:
                stack.append((p, False))
    index = {id(k): i for i, k in enumerate(order)}
    nodes = [_node(i, k, k is start, root, state, names, node_names) for i, k in enumerate(order)]
    edges = [[index[id(p)], index[id(k)]] for k in order for p in parents[id(k)]]
    return {"value": root, "nodes": nodes, "edges": edges}


def _shown_parents(node: Any, shown: Any) -> list[Any]:
    """The nearest shown nodes (or leaf tensors) upstream of ``node``."""
    out: list[Any] = []
    seen: set[int] = set()
    stack = list(reversed(getattr(node, "edges", ())))
    while stack:
        e = stack.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, E.Tensor) or e in shown:
            out.append(e)
        else:
            stack.extend(reversed(getattr(e, "edges", ())))
    return out


def _node(i: int, key: Any, is_root: bool, root: E.Tensor, state: Any, names: dict, node_names: dict) -> dict:
    if isinstance(key, E.Tensor):  # a leaf
        return {"id": i, "op": "leaf", "text": names.get(id(key), "(unnamed)"), "line": None, "column": None,
                "shape": list(key.shape), "value": key, "is_leaf": True, "requires_grad": key.requires_grad,
                "grad": key.grad}
    value = root if is_root else E.const(state.nodes[key])
    origin = key.origin
    text = ""
    if isinstance(origin, tuple) and len(origin) == 2:
        src, expr = origin
        text = clip(" ".join(src[expr.span[0]:expr.span[1]][:200].split()))
        if key not in state.nodes:  # made by a backward pass (grad(), create_graph) for this operation
            text = f"(backward of {text})"
    name = node_names.get(id(key))
    if name is not None:
        text = f"{name} = {text}" if text else name
    return {"id": i, "op": key.name(), "text": text, "line": None, "column": None, "shape": list(value.shape),
            "value": value, "is_leaf": False, "requires_grad": True,
            "grad": root.grad if is_root else None}
