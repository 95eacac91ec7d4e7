"""Derivatives of formulas, by the engine's own rules.

For a scalar (or elementwise) formula, a rule's vector-Jacobian product ``rule(g, ...)`` with
the input's derivative as ``g`` is that input's contribution to the derivative: forward mode,
node by node from the variables up, each node's derivative the sum of its rules' terms.
Interned nodes make each shared subexpression's derivative one computation. The rules run on
symbols (kernels.py), so what they return is already a canonical formula.
"""
from __future__ import annotations

from typing import Any

from ..engine.ops import SUM
from ..errors import DiffcliError
from . import expr as S
from .expr import Sym
from .kernels import NODE_PRIMS


def _contributions(node: Sym, d: dict) -> list[Sym]:
    """Each input's term of ``node``'s derivative, given the inputs' derivatives ``d``."""
    op, args = node.op, node.args
    out: list = []
    if op == "add":
        return [d[t] for t in args if d[t] is not S.ZERO]
    if op == "mul":
        rule = NODE_PRIMS["mul"].rules[0]  # g * (the other factors): Mul's rule, n-ary
        for i, f in enumerate(args):
            if d[f] is not S.ZERO:
                out.append(rule(d[f], node, f, S.mul(*args[:i], *args[i + 1:])))
    elif op == "pow":
        rules = NODE_PRIMS["pow"].rules
        for i, a in enumerate(args):
            if d[a] is not S.ZERO:
                out.append(rules[i](d[a], node, *args))
    elif op == "where":
        rules = NODE_PRIMS["where"].rules
        for i in (1, 2):
            if d[args[i]] is not S.ZERO:
                out.append(rules[i](d[args[i]], node, *args))
    elif op == "fn" and node.rule is not None:  # a user function with its own rule
        params = args[1:]  # args[0] is the function's body, its value
        for gi, a in zip(node.rule(params), params):
            if d[a] is not S.ZERO and gi is not None:
                out.append(S.mul(d[a], gi))
    elif op == "fn" and node.prim is SUM:  # d sum(f(v))/dv = f'(v), elementwise
        return [d[args[0]]] if d[args[0]] is not S.ZERO else []
    elif op == "fn":
        for i, a in enumerate(args):
            if d[a] is not S.ZERO:
                out.append(node.prim.rules[i](d[a], node, *args))
    return [c for c in out if c is not None]


def _inputs(node: Sym) -> tuple:
    if node.op in ("cmp", "detach", "num", "const", "var"):
        return ()  # a comparison's derivative is zero where it exists; detach is a constant
    if node.op == "fn" and node.rule is not None:
        return node.args[1:]
    return node.args


def derivative(e: Sym, x: str, budget: Any = None) -> Sym:
    """d e / d x, for the variable named ``x``."""
    d: dict[Sym, Sym] = {}
    stack = [e]
    while stack:
        node = stack[-1]
        if node in d:
            stack.pop()
            continue
        if x not in node.free:
            d[node] = S.ZERO
            stack.pop()
            continue
        if node.op == "var":
            d[node] = S.ONE
            stack.pop()
            continue
        pending = [a for a in _inputs(node) if a not in d]
        if pending:
            stack.extend(pending)
            continue
        stack.pop()
        if budget is not None:
            budget.tick()
        parts = _contributions(node, d)
        for p in parts:
            if type(p) is not Sym:
                raise DiffcliError("internal", f"a rule of {node.op} did not give a formula")
        d[node] = S.add(*parts) if parts else S.ZERO
    return d[e]


def has_sum(e: Sym) -> bool:
    """Whether ``e`` sums a vector: its gradient is a vector, which has no second derivative
    as a formula of the same kind (a Hessian of a vector variable is a matrix)."""
    seen, stack = set(), [e]
    while stack:
        n = stack.pop()
        if n.op == "fn" and n.prim is SUM:
            return True
        for a in n.args:
            if type(a) is Sym and a not in seen:
                seen.add(a)
                stack.append(a)
    return False


def nth(e: Sym, wrt: list[str], budget: Any = None) -> list[Sym]:
    """The derivatives of ``e`` taken in turn along ``wrt`` (each the previous one's)."""
    out = []
    for x in wrt:
        e = derivative(e, x, budget)
        out.append(e)
    return out
