"""The program tree: expressions with source spans, definitions, programs."""
from __future__ import annotations

from typing import Any

from ..record import Factory, Record


class Expr:
    """One expression node. ``kind`` picks the meaning of ``value`` and ``args``:

    num (value: float), name (value: str), call (value: function name; args; kwargs),
    unary (value: '-' or '+'), binary (value: operator), index (args: target, items...),
    slice (args: start, stop, step, each an Expr or None), attr (value: attribute; args: target),
    tensor (args: elements), group (args: the inner expression).
    """

    __slots__ = ("kind", "value", "args", "kwargs", "span", "depth")

    def __init__(self, kind: str, value: Any, args: tuple, span: tuple[int, int],
                 kwargs: tuple = ()) -> None:
        self.kind = kind
        self.value = value
        self.args = args
        self.kwargs = kwargs  # ((name, Expr, span), ...)
        self.span = span
        d = 0
        for a in args:
            if a is not None and a.depth > d:
                d = a.depth
        if kwargs:
            for _, a, _ in kwargs:
                if a.depth > d:
                    d = a.depth
        self.depth = d + 1

    def __repr__(self) -> str:
        return f"Expr({self.kind}, {self.value!r}, {len(self.args)} args, {self.span})"


_new = object.__new__


def leaf(kind: str, value: Any, span: tuple[int, int]) -> Expr:
    """A node without children (a number or a name), built without __init__'s general work:
    the parser makes one for most tokens."""
    e = _new(Expr)
    e.kind, e.value, e.args, e.kwargs, e.span, e.depth = kind, value, (), (), span, 1
    return e


def binary(kind: str, value: Any, a: Expr, b: Expr, span: tuple[int, int]) -> Expr:
    """A node of two children (an operator), built like ``leaf``."""
    e = _new(Expr)
    e.kind, e.value, e.args, e.kwargs, e.span = kind, value, (a, b), (), span
    e.depth = (a.depth if a.depth > b.depth else b.depth) + 1
    return e


def unary(kind: str, value: Any, a: Expr, span: tuple[int, int]) -> Expr:
    """A node of one child (a sign, parentheses), built like ``leaf``."""
    e = _new(Expr)
    e.kind, e.value, e.args, e.kwargs, e.span, e.depth = kind, value, (a,), (), span, a.depth + 1
    return e


class Definition(Record):
    """``name(params) = body``, optionally ``with grad(g) = rule, ...`` (one per parameter)."""
    FIELDS = ("name", "params", "body", "span", "grad_name", "grad_rules", "source")
    DEFAULTS = {"grad_name": None, "grad_rules": Factory(list), "source": ""}
    calls: frozenset | None = None  # the names it calls (analysis._calls), once known
    name: str
    params: list[str]
    body: Expr
    span: tuple[int, int]
    grad_name: str | None
    grad_rules: list[Expr]
    source: str


class Binding(Record):
    """``name = expr`` in an 'at' clause, or a program's local name before its expression."""
    FIELDS = ("name", "expr", "span")
    name: str
    expr: Expr
    span: tuple[int, int]


class Program(Record):
    FIELDS = ("definitions", "expr", "bindings", "source")
    # the parser's name leaves, in source order (the order analysis.walk visits them), when
    # it knows them: free_names reads them instead of walking the tree
    leaves: list[Expr] | None = None
    overflows: tuple | list = ()  # number literals too large for float64 (they are inf)
    locals: tuple | list = ()  # name = expr before the expression, in order: scoped to the program
    definitions: list[Definition]
    expr: Expr | None
    bindings: list[Binding]
    source: str


class Assign(Record):
    """A REPL assignment ``name = expr`` (``at`` bindings allowed)."""
    FIELDS = ("name", "expr", "span", "source", "bindings")
    DEFAULTS = {"bindings": ()}
    name: str
    expr: Expr
    span: tuple[int, int]
    source: str
    bindings: list[Binding] | tuple
    overflows: tuple | list = ()  # as Program's
