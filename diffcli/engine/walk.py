"""What every backward pass shares: the order of a graph, which nodes a pass needs, the
seeds, the checks (in-place changes, a second pass over a freed graph, anomaly mode)."""
from __future__ import annotations

import operator
from typing import Any, Sequence

from ..errors import DiffcliError
from . import pool
from .apply import apply
from .backend import np, shape_of, sum_to_shape
from .tensor import Node, Tensor, const


SECOND_BACKWARD = (
    "trying to backward through the graph a second time: its saved values were freed "
    "after the first backward; pass retain_graph=True to the first backward (or call "
    "backward once on the sum of the outputs)")


def zeros_like_raw(t: Tensor) -> Any:
    v = t._v
    return 0.0 if type(v) is float else np.zeros(v.shape)


def seed_tensor(t: Tensor, g: Any) -> Tensor:
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


def toposort(roots: list[Node], leaf_ids: set | None = None, ordered: bool = True) -> tuple[Any, bool]:
    """Nodes reachable from ``roots``, every consumer before what it consumes (newest first;
    with ``ordered=False``, a set), and whether every leaf reached is in ``leaf_ids``."""
    seen = set(roots)
    stack = list(roots)
    only_wanted = True
    while stack:
        n = stack.pop()  # (a released node raises only if a pass runs it: another branch may be wanted)
        for e in (n.e0, n.e1) if n.nin <= 2 else n.edges:  # (a missing second input is None)
            if type(e) is Node:
                if e not in seen:
                    seen.add(e)
                    stack.append(e)
            elif e is not None and (leaf_ids is None or id(e) not in leaf_ids):
                only_wanted = False
    return (sorted(seen, key=_SEQ, reverse=True) if ordered else seen), only_wanted


_SEQ = operator.attrgetter("seq")


def plan_pass(plan: dict | None, root_nodes: list, inputs: Sequence[Tensor] | None, target_nodes: dict,
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
    reached, only_wanted = toposort(root_nodes, leaf_ids, ordered=not fast)
    order = reached
    # Every node leads to some leaf; when all of those are wanted, every node is needed.
    if inputs is not None and (target_nodes or not only_wanted):
        order = sorted(reached, key=_SEQ, reverse=True) if fast else reached
        need = needed(order, set(target_nodes), leaf_ids)
    elif fast:
        order = None
    if plan is not None:
        plan.update(order=order, need=need, leaf_ids=leaf_ids)
    return order, need, leaf_ids


def needed(order: list[Node], target_nodes: set, target_leaves: set) -> set:
    """Nodes from which a target is reachable: the only ones worth running."""
    need: set = set()
    for n in reversed(order):
        if n in target_nodes or any(wanted(e, need, target_leaves) for e in n.edges):
            need.add(n)
    return need


def wanted(e: Any, need: set | None, leaf_ids: set | None) -> bool:
    """Whether the gradient along edge ``e`` is needed (see ``needed``)."""
    return e is not None and (need is None or (e in need if type(e) is Node else id(e) in leaf_ids))


def check_inplace(n: Node, create_graph: bool = False) -> None:
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


def recompute(n: Node) -> Tensor:
    """The node's output as a differentiable tensor (higher-order rules need it)."""
    return apply(n.prim, n.inputs, n.p)


def nan_born(n: Node) -> DiffcliError:
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


def retain(n: Node, g: Tensor, create_graph: bool) -> None:
    t = n.retained()
    if t is not None:
        gg = g if create_graph else g.detach()
        t.grad = gg if t.grad is None else t.grad + gg


def add_raw(a: Any, b: Any) -> Any:
    return a + b if type(a) is float and type(b) is float else pool.call(np.add, (a, b))


def raw_grad(gi: Any, v: Any, bshape: tuple = ()) -> Any:
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
