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


class Definition(Record):
    """``name(params) = body``, optionally ``with grad(g) = rule, ...`` (one per parameter)."""
    FIELDS = ("name", "params", "body", "span", "grad_name", "grad_rules", "source")
    DEFAULTS = {"grad_name": None, "grad_rules": Factory(list), "source": ""}
    name: str
    params: list[str]
    body: Expr
    span: tuple[int, int]
    grad_name: str | None
    grad_rules: list[Expr]
    source: str


class Binding(Record):
    """``name = expr`` in an 'at' clause."""
    FIELDS = ("name", "expr", "span")
    name: str
    expr: Expr
    span: tuple[int, int]


class Program(Record):
    FIELDS = ("definitions", "expr", "bindings", "source")
    definitions: list[Definition]
    expr: Expr | None
    bindings: list[Binding]
    source: str


class Assign(Record):
    """A REPL assignment ``name = expr``."""
    FIELDS = ("name", "expr", "span", "source")
    name: str
    expr: Expr
    span: tuple[int, int]
    source: str
