"""Shared helpers for the language tests (imported as ``language_testlib``).

Not a conftest.py: tests/engine/conftest.py is imported under the bare name
``conftest``, which a second conftest would shadow.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

from diffcli import engine as E
from diffcli.commands import run
from diffcli.errors import DiffcliError
from diffcli.language.ast import Expr
from diffcli.language.evaluator import Evaluator
from diffcli.language.limits import Limits
from diffcli.language.parser import parse
from diffcli.session import Options, Session

# Derandomized, no example database (nothing written into the checkout), no deadline:
# a first parse pays for building or loading the LALR tables.
HYP = settings(max_examples=150, deadline=None, derandomize=True, database=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                      HealthCheck.filter_too_much])


# --------------------------------------------------------------------------
# Running programs
def run_cmd(text: str, command: str = "eval", limits: Limits | None = None, **options: Any) -> dict:
    return run(Session(limits), command, text, Options(**options))


def value(text: str, **kw: Any) -> np.ndarray:
    """The value of a program as a float64 array (0-d for a scalar)."""
    return as_array(run_cmd(text, **kw)["value"])


def as_array(t: Any) -> np.ndarray:
    if isinstance(t, E.Tensor):
        return np.array(t.numpy(), dtype=np.float64)
    return np.array(t, dtype=np.float64)


def assert_value(text: str, expected: Any, rtol: float = 1e-12, atol: float = 1e-12, **kw: Any) -> None:
    got = value(text, **kw)
    want = np.array(expected, dtype=np.float64)
    assert got.shape == want.shape, f"{text!r}: shape {got.shape} != {want.shape}"
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True, err_msg=text)


def error(text: str, command: str = "eval", **kw: Any) -> DiffcliError:
    """The DiffcliError a program raises (fails the test if it succeeds)."""
    with pytest.raises(DiffcliError) as info:
        run_cmd(text, command, **kw)
    return info.value


def located(err: DiffcliError, text: str, line: int, column: int, snippet: str | None = None) -> None:
    """The error points at line:column (1-based), and its span covers ``snippet``."""
    assert (err.line, err.column) == (line, column), f"{err} points at {err.line}:{err.column}"
    assert err.source == text
    assert err.span is not None
    if snippet is not None:
        assert text[err.span[0]:err.span[1]] == snippet


def evaluate_tree(expr: Expr, env: dict | None = None, source: str = "") -> E.Tensor:
    """Evaluate a tree directly (no parsing, no static checks), without recording a graph."""
    ev = Evaluator({}, Limits())
    with E.no_grad():
        return ev.evaluate(expr, dict(env or {}), source)


# --------------------------------------------------------------------------
# Trees
def sexp(e: Expr | None) -> str:
    """A compact, span-free rendering of a tree's shape: ``(- (^ x 2))``. Groups show as
    ``(group ...)``; only for small trees (it recurses)."""
    if e is None:
        return "_"
    k = e.kind
    if k == "num":
        v = e.value
        return str(int(v)) if v == int(v) and abs(v) < 1e15 else repr(v)
    if k == "name":
        return e.value
    if k in ("binary", "unary"):
        return "(" + " ".join([e.value] + [sexp(a) for a in e.args]) + ")"
    if k == "call":
        parts = [sexp(a) for a in e.args] + [f"{n}={sexp(v)}" for n, v, _ in e.kwargs]
        return "(" + " ".join([e.value + "()"] + parts) + ")"
    if k == "attr":
        return f"(. {sexp(e.args[0])} {e.value})"
    return "(" + " ".join([k] + [sexp(a) for a in e.args]) + ")"


def tree_key(root: Expr, groups: bool = True) -> tuple:
    """Everything about a tree except its spans, as a flat tuple (preorder, with arities);
    iterative, so it works on the deepest trees. ``groups=False`` looks through groups."""
    out: list = []
    stack: list = [root]
    while stack:
        e = stack.pop()
        if e is None:
            out.append(None)
            continue
        if e.kind == "group" and not groups:
            stack.append(e.args[0])
            continue
        v = e.value
        if e.kind == "num":
            v = ("nan",) if v != v else float(v)
        out.append((e.kind, v, len(e.args), tuple(k[0] for k in e.kwargs)))
        kids = list(e.args) + [k[1] for k in e.kwargs]
        stack.extend(reversed(kids))
    return tuple(out)


def same_value(a: Any, b: Any) -> bool:
    """Bitwise-equal results (nan equal to nan), shapes included."""
    x, y = as_array(a), as_array(b)
    return x.shape == y.shape and np.array_equal(x, y, equal_nan=True)


def expr_of(text: str) -> Expr:
    return parse(text).expr


# --------------------------------------------------------------------------
# Building trees by hand (generated trees have no source: every span is empty)
S = (0, 0)


def num(v: float) -> Expr:
    return Expr("num", float(v), (), S)


def name(n: str) -> Expr:
    return Expr("name", n, (), S)


def un(op: str, a: Expr) -> Expr:
    return Expr("unary", op, (a,), S)


def bin_(op: str, a: Expr, b: Expr) -> Expr:
    return Expr("binary", op, (a, b), S)


def call(f: str, *args: Expr, **kwargs: Expr) -> Expr:
    return Expr("call", f, tuple(args), S, tuple((k, v, S) for k, v in kwargs.items()))


def tensor(*elems: Expr) -> Expr:
    return Expr("tensor", None, tuple(elems), S)


def index(target: Expr, *items: Expr) -> Expr:
    return Expr("index", None, (target,) + tuple(items), S)


def slice_(start=None, stop=None, step=None) -> Expr:
    e = Expr("slice", None, (), S)
    e.args = (start, stop, step)
    return e


def group(a: Expr) -> Expr:
    return Expr("group", None, (a,), S)
