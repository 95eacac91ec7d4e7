"""Formula trees (layout.py) written out: diffcli's own language, which parses back, or LaTeX.

Products and quotients are written tight (``3*x^2``), sums and comparisons spaced
(``a + b``); parentheses only where the grammar's precedence needs them.
"""
from __future__ import annotations

from typing import Callable

from ..language.ast import Expr
from ..language.printer import ARITH, ATOM, EXPR, POSTFIX, POWER, TERM, UNARY, number_text
from .expr import Sym
from .layout import parenthesized, layout

_LEVEL = {"+": ARITH, "-": ARITH, "*": TERM, "/": TERM, "^": POWER}
_OPERANDS = {EXPR: (ARITH, ARITH), ARITH: (ARITH, TERM), TERM: (TERM, UNARY), POWER: (POSTFIX, UNARY)}


def _level(e: Expr) -> int:
    if e.kind == "binary":
        return _LEVEL.get(e.value, EXPR)
    if e.kind == "unary":  # -a*b reads as (-a)*b, the same number: no parentheses needed
        return TERM if _level(e.args[0]) == TERM else UNARY
    if e.kind == "num" and e.value < 0:
        return UNARY
    return ATOM


def _walk(e: Expr, need: int, leaf: Callable, node: Callable, paren: Callable, latex: bool = False) -> str:
    """``e`` written by ``leaf`` and ``node``, in parentheses (``paren``) where its level is
    below ``need``. In LaTeX a fraction's parts and an exponent are set apart by the layout
    itself and need none."""
    lvl = _level(e)
    if e.kind in ("num", "name"):
        out = leaf(e)
    elif e.kind == "binary":
        lneed, rneed = _OPERANDS[lvl]
        if latex and e.value == "/":
            lneed = rneed = EXPR
        elif e.value == "^" and (latex or e.args[1].kind == "group"):
            rneed = EXPR
        a = _walk(e.args[0], lneed, leaf, node, paren, latex)
        b = _walk(e.args[1], rneed, leaf, node, paren, latex)
        out = node(e, [a, b])
    elif e.kind == "unary":
        out = node(e, [_walk(e.args[0], lvl, leaf, node, paren, latex)])
    elif e.kind == "group" and latex and need == EXPR:
        return _walk(e.args[0], EXPR, leaf, node, paren, latex)
    else:  # call, group
        out = node(e, [_walk(a, EXPR, leaf, node, paren, latex) for a in e.args])
    return paren(out) if lvl < need else out


# ----------------------------------------------------------------------------
def _text_leaf(e: Expr) -> str:
    return number_text(e.value) if e.kind == "num" else str(e.value)


def _text_node(e: Expr, parts: list[str]) -> str:
    if e.kind == "binary":
        op = e.value
        sep = op if op in "*/^" else f" {op} "
        return parts[0] + sep + parts[1]
    if e.kind == "unary":
        return "-" + parts[0]
    if e.kind == "group":
        return "(" + parts[0] + ")"
    return f"{e.value}({', '.join(parts)})"


def text(tree: Expr) -> str:
    return _walk(tree, EXPR, _text_leaf, _text_node, lambda s: f"({s})")


def to_text(e: Sym) -> str:
    """The formula in diffcli's language (``diffcli eval`` reads it back)."""
    tree = layout(e)
    if e.op == "cmp":  # a 0/1 mask reads as one: (x > 0)
        tree = parenthesized(tree)
    return text(tree)


# ----------------------------------------------------------------------------
_LATEX_FUNCS = {"sin": r"\sin", "cos": r"\cos", "tan": r"\tan", "sinh": r"\sinh", "cosh": r"\cosh",
                "tanh": r"\tanh", "log": r"\log", "asin": r"\arcsin", "acos": r"\arccos", "atan": r"\arctan"}
_LATEX_CMP = {"<": "<", "<=": r"\leq", ">": ">", ">=": r"\geq", "==": "=", "!=": r"\neq"}


def _latex_leaf(e: Expr) -> str:
    if e.kind == "num":
        return number_text(e.value)
    name = str(e.value)
    if name == "pi":
        return r"\pi"
    return name if len(name) == 1 else r"\mathit{" + name.replace("_", r"\_") + "}"


def _latex_node(e: Expr, parts: list[str]) -> str:
    if e.kind == "binary":
        op, (a, b) = e.value, parts
        if op == "/":
            return r"\frac{" + a + "}{" + b + "}"
        if op == "^":
            return a + "^{" + b + "}"
        if op == "*":
            return a + (r" \cdot " if b[:1].isdigit() or b.startswith(r"\frac") and a[-1:].isdigit() else " ") + b
        return f"{a} {_LATEX_CMP.get(op, op)} {b}"
    if e.kind == "unary":
        return "-" + parts[0]
    if e.kind == "group":
        return r"\left(" + parts[0] + r"\right)"
    name, args = e.value, parts
    if name == "sqrt":
        return r"\sqrt{" + args[0] + "}"
    if name == "exp":
        return "e^{" + args[0] + "}"
    if name == "abs":
        return r"\left|" + args[0] + r"\right|"
    if name == "where":
        return (r"\begin{cases} " + args[1] + r" & \text{if } " + args[0] + r" \\ " + args[2]
                + r" & \text{otherwise} \end{cases}")
    head = _LATEX_FUNCS.get(name, r"\operatorname{" + name + "}")
    return head + r"\left(" + ", ".join(args) + r"\right)"


def to_latex(e: Sym) -> str:
    tree = layout(e)
    out = _walk(tree, EXPR, _latex_leaf, _latex_node, lambda s: r"\left(" + s + r"\right)", latex=True)
    return r"\left[" + out + r"\right]" if e.op == "cmp" else out


def size(tree: Expr) -> int:
    """Operations in a program tree: operators and calls (numbers, names and parentheses are
    free). The measure formulas are compared by."""
    n, stack = 0, [tree]
    while stack:
        t = stack.pop()
        if t is None:
            continue
        if t.kind in ("binary", "unary", "call"):
            n += 1
        stack.extend(t.args)
    return n
