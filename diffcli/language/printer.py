"""Tree -> source text: the inverse of the parser, with as few parentheses as the grammar allows.

``to_text(expr)`` prints one expression, ``program_text(program)`` a whole program
(definitions, ``with grad(g) = ...`` rules, the ``at`` clause). Parsing the printed text
gives back the same tree (spans aside). Group nodes are the user's own parentheses and
print as such; with ``groups=False`` they are dropped and only the parentheses the
precedence rules need are written. Neither function recurses over the tree, so trees
of any depth print (the parser builds 100,000-deep ones from deeply nested input).
"""
from __future__ import annotations

import math
from typing import Any

from .ast import Assign, Definition, Expr, Program

# Binding strength, loosest first, as in grammar/diffcli.lark.
EXPR = 1      # a comparison, or anything tighter: call arguments, elements, indices, bindings
ARITH = 2     # + -            (left-associative)
TERM = 3      # * / @          (left-associative)
UNARY = 4     # - + prefix
POWER = 5     # ^ (also spelled **), right-associative, its right operand a unary
POSTFIX = 6   # x[i], x.name
ATOM = 7      # numbers, names, calls, tensor literals, parentheses

COMPARISONS = frozenset({"<", "<=", ">", ">=", "==", "!="})
_LEVEL = {"+": ARITH, "-": ARITH, "*": TERM, "/": TERM, "@": TERM, "%": TERM, "^": POWER, "**": POWER}
_LEVEL.update((op, EXPR) for op in COMPARISONS)
# The least level each operand must have to stand without parentheses.
_OPERANDS = {EXPR: (ARITH, ARITH), ARITH: (ARITH, TERM), TERM: (TERM, UNARY), POWER: (POSTFIX, UNARY)}


def number_text(value: float) -> str:
    """A non-negative number as the grammar's NUMBER reads it back to the same float."""
    if value != value:
        return "nan"  # the constant: no NUMBER reads as nan
    if value == math.inf:
        return "1e999"  # the parser turns it back into inf
    if value == int(value) and value < 1e16:
        return str(int(value))
    return repr(float(value))  # shortest round-trip form: 0.1, 1e-07, 1.5e+300


def _level(e: Expr) -> int:
    kind = e.kind
    if kind == "binary":
        try:
            return _LEVEL[e.value]
        except KeyError:
            raise ValueError(f"unknown binary operator {e.value!r}") from None
    if kind == "unary":
        return UNARY
    if kind in ("index", "attr"):
        return POSTFIX
    if kind == "num":
        v = e.value
        return UNARY if v < 0 or (v == 0 and math.copysign(1.0, v) < 0) else ATOM
    return ATOM  # name, call, tensor, group (printed with its parentheses)


def to_text(expr: Expr, *, groups: bool = True) -> str:
    """Source text for ``expr``: operators spaced (``a + b``, ``x^2``, ``-x``), parentheses
    only where precedence or associativity needs them (and for group nodes, unless
    ``groups`` is False). Iterative, so a deeply nested expression cannot exhaust the stack."""
    out: list[str] = []
    # Work items: a str to emit, or (expr, least level it may have without parentheses);
    # pushed in reverse, so the last one pushed prints first.
    stack: list[Any] = [(expr, EXPR)]
    while stack:
        item = stack.pop()
        if type(item) is str:
            out.append(item)
            continue
        e, need = item
        if e is None:
            raise ValueError("a missing expression cannot be printed")
        if e.kind == "group" and not groups:
            stack.append((e.args[0], need))
            continue
        lvl = _level(e)
        pieces = _pieces(e, lvl, groups)
        if lvl < need:
            pieces = ["(", *pieces, ")"]
        stack.extend(reversed(pieces))
    return "".join(out)


def _pieces(e: Expr, lvl: int, groups: bool) -> list[Any]:
    """What ``e`` prints as, in order: text, and (sub-expression, level it needs) items."""
    kind = e.kind
    if kind == "num":
        v = e.value
        if v != v:
            return ["nan"]  # a constant: the parser never makes a nan number
        return ["-", number_text(-v)] if lvl == UNARY else [number_text(v)]
    if kind == "name":
        return [str(e.value)]
    if kind == "binary":
        (left, right), (lneed, rneed) = e.args, _OPERANDS[lvl]
        op = "^" if e.value == "**" else e.value
        return [(left, lneed), "^" if lvl == POWER else f" {op} ", (right, rneed)]
    if kind == "unary":
        return [str(e.value), (e.args[0], UNARY)]
    if kind == "group":
        return ["(", (e.args[0], EXPR), ")"]
    if kind == "call":
        args = [[(a, EXPR)] for a in e.args] + [[f"{name}=", (value, EXPR)] for name, value, *_ in e.kwargs]
        return [f"{e.value}(", *_commas(args), ")"]
    if kind == "tensor":
        return ["[", *_commas([[(a, EXPR)] for a in e.args]), "]"]
    if kind == "index":
        target, *items = e.args
        parts = [_slice_pieces(it) if it is not None and it.kind == "slice" else [(it, EXPR)] for it in items]
        return [(target, POSTFIX), "[", *_commas(parts), "]"]
    if kind == "attr":
        inner = e.args[0]
        while not groups and inner.kind == "group":
            inner = inner.args[0]
        space = [" "] if inner.kind == "num" and _level(inner) == ATOM else []  # "1.grad" reads as "1." + name
        return [(e.args[0], POSTFIX), *space, f".{e.value}"]
    if kind == "slice":
        raise ValueError("a slice prints only inside an index: x[a:b]")
    raise ValueError(f"unknown expression kind {kind!r}")


def _commas(items: list[list]) -> list[Any]:
    """The pieces of each item, in order, separated by ', '."""
    out: list[Any] = []
    for k, pieces in enumerate(items):
        if k:
            out.append(", ")
        out.extend(pieces)
    return out


def _slice_pieces(s: Expr) -> list:
    start, stop, step = (list(s.args) + [None, None, None])[:3]
    out: list[Any] = []
    if start is not None:
        out.append((start, EXPR))
    out.append(":")
    if stop is not None:
        out.append((stop, EXPR))
    if step is not None:
        out.append(":")
        out.append((step, EXPR))
    return out


def definition_text(d: Definition, *, groups: bool = True) -> str:
    """``name(params) = body``, with its ``with grad(g) = rule, ...`` clause if any."""
    text = f"{d.name}({', '.join(d.params)}) = {to_text(d.body, groups=groups)}"
    if d.grad_name is not None:
        rules = ", ".join(to_text(r, groups=groups) for r in d.grad_rules)
        text += f" with grad({d.grad_name}) = {rules}"
    return text


def program_text(program: Program | Assign, *, groups: bool = True) -> str:
    """A whole program: definitions, then the expression, then the ``at`` clause;
    a REPL assignment prints as ``name = expr``."""
    if isinstance(program, Assign):
        return f"{program.name} = {to_text(program.expr, groups=groups)}"
    items = [definition_text(d, groups=groups) for d in program.definitions]
    if program.expr is not None:
        items.append(to_text(program.expr, groups=groups))
    text = "; ".join(items)
    if program.bindings:
        text += " at " + ", ".join(f"{b.name} = {to_text(b.expr, groups=groups)}" for b in program.bindings)
    return text
