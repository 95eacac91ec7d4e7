"""What the REPL can show: tensors, autograd attributes (x.grad, y.grad_fn, ...) and their text."""
from __future__ import annotations

from typing import Any

from .. import engine as E
from ..errors import DiffcliError
from ..render import fmt
from ..session import describe

TENSOR_ATTRS = {
    "grad": "the gradient accumulated by backward (None before the first)",
    "grad_fn": "the backward node that made this tensor (None for a leaf)",
    "is_leaf": "True when the tensor was not computed from tensors that require grad",
    "requires_grad": "True when operations on the tensor are recorded",
    "shape": "the tensor's dimensions, () for a number",
    "data": "the value without its graph (the same as detach(x))",
    "next_functions": "the same as .grad_fn.next_functions (() for a leaf)",
}
NODE_ATTRS = {
    "next_functions": "the nodes this node sends gradients to, (node, 0) each",
    "variable": "the leaf tensor of an AccumulateGrad node",
}
ATTRS = {**TENSOR_ATTRS, **NODE_ATTRS}


def is_node(v: Any) -> bool:
    return hasattr(v, "next_functions") and callable(getattr(v, "name", None))


def attribute(target: Any, name: str, expr: Any, src: str) -> Any:
    """The evaluator's hook for ``target.name``."""
    if isinstance(target, E.Tensor):
        if name == "grad":
            return target.grad
        if name == "grad_fn":
            return target.grad_fn
        if name == "is_leaf":
            return target.is_leaf
        if name == "requires_grad":
            return target.requires_grad
        if name == "shape":
            return target.shape
        if name == "data":
            return target.detach()
        if name == "next_functions":
            return target.grad_fn.next_functions if target.grad_fn is not None else ()
        valid = TENSOR_ATTRS
    elif is_node(target):
        if name == "next_functions":
            return target.next_functions
        if name == "variable" and hasattr(target, "variable"):
            return target.variable
        valid = {"next_functions": 1, "variable": 1} if hasattr(target, "variable") else {"next_functions": 1}
    else:
        raise DiffcliError("type", f"{describe(target)} has no attributes").at(expr.span, src)
    raise DiffcliError("type", f"{describe(target)} has no attribute '{name}'; it has "
                       + ", ".join("." + a for a in valid)).at(expr.span, src)


def show(v: Any, precision: int | None = None) -> str:
    """A value as the REPL prints it."""
    if isinstance(v, E.Tensor):
        return fmt(v, precision)
    if v is None or isinstance(v, (bool, int)):
        return str(v)
    if isinstance(v, tuple):
        inner = ", ".join(show(x, precision) for x in v)
        return "(" + inner + ("," if len(v) == 1 else "") + ")"
    if is_node(v):
        return repr(v)
    return str(v)


def note(t: Any) -> str:
    """The autograd side of a value, for a comment after it."""
    if not isinstance(t, E.Tensor):
        return ""
    if t.grad_fn is not None:
        return f"grad_fn=<{t.grad_fn.name()}>"
    return "requires grad" if t.requires_grad else ""
