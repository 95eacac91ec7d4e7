"""The program tree: expressions with source spans, definitions, programs."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
        for _, a, _ in kwargs:
            if a.depth > d:
                d = a.depth
        self.depth = d + 1

    def __repr__(self) -> str:
        return f"Expr({self.kind}, {self.value!r}, {len(self.args)} args, {self.span})"


@dataclass
class Definition:
    """``name(params) = body``, optionally ``with grad(g) = rule, ...`` (one per parameter)."""
    name: str
    params: list[str]
    body: Expr
    span: tuple[int, int]
    grad_name: str | None = None
    grad_rules: list[Expr] = field(default_factory=list)
    source: str = ""


@dataclass
class Binding:
    name: str
    expr: Expr
    span: tuple[int, int]


@dataclass
class Program:
    definitions: list[Definition]
    expr: Expr | None
    bindings: list[Binding]
    source: str


@dataclass
class Assign:
    """A REPL assignment ``name = expr``."""
    name: str
    expr: Expr
    span: tuple[int, int]
    source: str
