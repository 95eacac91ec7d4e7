"""How the evaluator names the user's expressions in its messages."""
from __future__ import annotations

from typing import Any

from ..errors import DiffcliError
from .ast import Expr

# Names from other tools, and diffcli's for them (difflib finds 'asin' for 'arcsin', not 'log' for 'ln').
FAMILIAR = {"ln": "log", "arcsin": "asin", "arccos": "acos", "arctan": "atan", "arctan2": "atan2",
            "arcsinh": "asinh", "arccosh": "acosh", "arctanh": "atanh", "sgn": "sign", "fabs": "abs",
            "power": "pow", "absolute": "abs"}
_OPNAMES = {"+": "addition", "-": "subtraction", "*": "multiplication", "/": "division", "^": "power",
            "%": "mod", "@": "matrix product"}


def text(expr: Expr, src: str) -> str:
    return src[expr.span[0]:expr.span[1]]


def not_a_value(expr: Expr, operand: Expr | None, a: Any, src: str) -> DiffcliError:
    """The error for an operation given something other than a number or tensor, in the
    user's words (x.grad before any backward is None; a flag is True or False)."""
    what = "None" if a is None else ("True or False" if isinstance(a, bool) else "a node" if
                                     hasattr(a, "next_functions") else "a shape" if isinstance(a, tuple)
                                     else "this value")
    msg = f"{describe(expr)} needs numbers or tensors, not {what}"
    if a is None and operand is not None and operand.kind == "attr" and operand.value == "grad":
        msg = (f"'{snippet(operand, src)}' is None: {snippet(operand.args[0], src)} has no gradient "
               "yet (backward fills it)")
    return DiffcliError("type", msg).at((operand or expr).span, src)


def snippet(expr: Expr, src: str, width: int = 40) -> str:
    t = " ".join(text(expr, src).split())
    return t if len(t) <= width else t[:width - 3] + "..."


def describe(expr: Expr) -> str:
    if expr.kind == "call":
        return f"{expr.value}(...)"
    if expr.kind == "binary":
        return _OPNAMES.get(expr.value, f"'{expr.value}'")
    if expr.kind == "unary":
        return "negation"
    if expr.kind == "tensor":
        return "the tensor literal"
    if expr.kind == "index":
        return "indexing"
    return expr.kind
