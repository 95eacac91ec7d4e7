"""A formula laid out as a program tree, which printer.py writes as text or LaTeX.

A quotient ``a/b`` is written where the formula has factors with negative integer powers, a leading minus is a unary minus, and
the terms and factors keep the canonical order (numbers, then powers of variables, then
functions).
"""
from __future__ import annotations

from fractions import Fraction
from typing import Any

from ..language.ast import Expr, binary, leaf, unary
from . import expr as S
from .expr import Sym

_SPAN = (0, 0)


def _num(v: Any) -> Expr:
    """A non-negative number: an integer, a quotient p/q, or a float."""
    if type(v) is Fraction and v.denominator != 1:
        return binary("binary", "/", leaf("num", float(v.numerator), _SPAN), leaf("num", float(v.denominator), _SPAN),
                      _SPAN)
    return leaf("num", float(v), _SPAN)


def _signed(v: Any) -> Expr:
    e = _num(abs(v))
    return unary("unary", "-", e, _SPAN) if v < 0 else e


def _call(name: str, args: list[Expr]) -> Expr:
    return Expr("call", name, tuple(args), _SPAN)


def parenthesized(e: Expr) -> Expr:
    return unary("group", None, e, _SPAN)


def _product(parts: list[Expr]) -> Expr | None:
    out = None
    for p in parts:
        out = p if out is None else binary("binary", "*", out, p, _SPAN)
    return out


def _in_denominator(e: Sym) -> tuple[Sym, Sym] | None:
    """(base, positive exponent) of a factor written below the bar: a negative integer or
    half-integer power (x^(-2) -> x^2, x^(-1/2) -> sqrt(x))."""
    if e.op == "pow" and e.args[1].op == "num":
        k = e.args[1].args[0]
        if k < 0 and (type(k) is float and k == int(k) or type(k) is Fraction and k.denominator <= 2):
            return e.args[0], e.args[1]
    return None


def _power(base: Sym, k: Any) -> Expr:
    """base^k for a positive exponent k (a number)."""
    if k == 1:
        return layout(base)
    if k == Fraction(1, 2):
        return _call("sqrt", [layout(base)])
    exp = _num(k)
    return binary("binary", "^", layout(base), parenthesized(exp) if exp.kind == "binary" else exp, _SPAN)


def _mul_layout(coef: Any, factors: tuple) -> Expr:
    if coef < 0:  # -2*x*(t^2 - 1) reads better as 2*x*(1 - t^2): the minus goes into a sum
        best, gain = None, -1
        for i, f in enumerate(factors):
            base, k = (f.args[0], f.args[1]) if f.op == "pow" else (f, S.ONE)
            if base.op == "add" and k.op == "num" and type(k.args[0]) is Fraction and k.args[0] % 2 == 1:
                g = sum(1 if _coefficient(t) < 0 else -1 for t in base.args)
                if g > gain:
                    best, gain = i, g
        if best is not None:  # (-s)^k = -(s^k) for an odd k
            f = factors[best]
            flipped = S.neg(f) if f.op == "add" else S.power_as_written(S.neg(f.args[0]), f.args[1])
            factors = factors[:best] + (flipped,) + factors[best + 1:]
            coef = -coef
    top: list[Expr] = []
    bottom: list[Expr] = []
    if type(coef) is Fraction:
        p, q = abs(coef.numerator), coef.denominator
    else:
        p, q = abs(coef), 1
    for f in factors:
        below = _in_denominator(f)
        if below is not None:
            bottom.append(_power(below[0], -below[1].args[0]))
        else:
            top.append(layout(f))
    if p != 1 or not top:
        top.insert(0, _num(Fraction(p)) if type(p) is int else _num(p))
    if q != 1:
        bottom.insert(0, _num(Fraction(q)))
    out = _product(top)
    if bottom:
        below_ = _product(bottom)
        out = binary("binary", "/", out, below_, _SPAN)
    return unary("unary", "-", out, _SPAN) if coef < 0 else out


def layout(e: Sym) -> Expr:
    """The program tree that prints ``e``."""
    op, args = e.op, e.args
    if op == "num":
        return _signed(args[0])
    if op in ("var", "const"):
        return leaf("name", args[0], _SPAN)
    if op == "add":
        return _join(_sum_pieces(list(args)))
    if op == "mul":
        if args[0].op == "num":
            return _mul_layout(args[0].args[0], args[1:])
        return _mul_layout(1, args)
    if op == "pow":
        base, k = args
        if k.op == "num":
            v = k.args[0]
            if v < 0 and _in_denominator(e) is not None:
                return _mul_layout(1, (e,))
            if v > 0:
                return _power(base, v)
            expo = _num(abs(v))
            return binary("binary", "^", layout(base), parenthesized(unary("unary", "-", expo, _SPAN)), _SPAN)
        return binary("binary", "^", layout(base), layout(k), _SPAN)
    if op == "fn":
        if e.rule is not None:  # a user function with its own rule: its value is its body
            return layout(args[0])
        return _call(e.name, [layout(a) for a in args])
    if op == "cmp":
        return binary("binary", args[0], layout(args[1]), layout(args[2]), _SPAN)
    if op == "where":
        return _call("where", [layout(a) for a in args])
    if op == "detach":
        return _call("detach", [layout(args[0])])
    raise ValueError(f"unknown formula node {op}")  # pragma: no cover


# ----------------------------------------------------------------------------
# Sums: a factor shared by three or more terms is written once, f*(a + b + c) (greedily, the
# most shared first), which keeps higher derivatives about as short as SymPy's.
MIN_SHARED = 3


def _coefficient(t: Sym) -> Any:
    if t.op == "num":
        return t.args[0]
    return t.args[0].args[0] if t.op == "mul" and t.args[0].op == "num" else 1


def _factors(t: Sym) -> tuple:
    return t.args if t.op == "mul" else (t,)


def _shared(terms: list[Sym]) -> tuple[Sym, Sym] | None:
    """The (base, exponent) most terms share, if MIN_SHARED or more do."""
    count: dict[Sym, int] = {}
    least: dict[Sym, Any] = {}
    for t in terms:
        for f in _factors(t):
            if f.op == "num":
                continue
            base, k = (f.args[0], f.args[1]) if f.op == "pow" else (f, S.ONE)
            if k.op != "num" or k.args[0] < 0:
                base, k = f, S.ONE
            count[base] = count.get(base, 0) + 1
            least[base] = k if base not in least or k.args[0] < least[base].args[0] else least[base]
    best = max(count, key=count.__getitem__, default=None)  # the first of the most shared
    if best is None or count[best] < MIN_SHARED:
        return None
    return best, least[best]


def _degree(t: Sym, base: Sym) -> Any:
    """The power of ``base`` in the term ``t`` (0 when absent)."""
    for f in _factors(t):
        if f is base:
            return 1
        if f.op == "pow" and f.args[0] is base and f.args[1].op == "num":
            return f.args[1].args[0]
    return 0


def _has_factor(t: Sym, base: Sym) -> bool:
    return any((f.args[0] if f.op == "pow" and f.args[1].op == "num" and f.args[1].args[0] > 0 else f) is base
               for f in _factors(t))


def _sum_pieces(terms: list[Sym]) -> list[tuple[Expr, bool]]:
    """A sum as (tree, negative) pieces, shared factors written once."""
    shared = _shared(terms) if len(terms) >= MIN_SHARED else None
    if shared is None:
        return [_term_piece(t) for t in terms]
    base, k = shared
    inv = S.power(base, S.neg(k))
    quotients: list[Sym] = []
    rest: list[Sym] = []
    for t in terms:
        if _has_factor(t, base):
            quotients.append(S.mul(t, inv))
        else:
            rest.append(t)
    q = S.add(*quotients)
    inner = list(q.args) if q.op == "add" else [q]
    grouped = [t for t in terms if _has_factor(t, base)]
    if any(_degree(q, base) >= _degree(t, base) for q, t in zip(quotients, grouped)):
        return [_term_piece(t) for t in terms]  # the factor did not divide out: write it plainly
    negative = all(_coefficient(t) < 0 for t in inner)
    if negative:
        inner = [S.neg(t) for t in inner]
    factor = S.power(base, k)
    below = _in_denominator(factor)
    if below is not None:  # a shared 1/d^k: (a + b + c)/d^k
        piece = binary("binary", "/", _join(_sum_pieces(inner)), _power(below[0], -below[1].args[0]), _SPAN)
    else:
        piece = binary("binary", "*", layout(factor), _join(_sum_pieces(inner)), _SPAN)
    return [(piece, negative)] + (_sum_pieces(rest) if rest else [])


def _term_piece(t: Sym) -> tuple[Expr, bool]:
    if _coefficient(t) < 0:
        return layout(S.neg(t)), True
    return layout(t), False


def _join(pieces: list[tuple[Expr, bool]]) -> Expr:
    """a + b - c, the first positive piece first (1 - x^2, not -x^2 + 1)."""
    first = next((i for i, p in enumerate(pieces) if not p[1]), 0)
    pieces = [pieces[first]] + pieces[:first] + pieces[first + 1:]
    out, neg0 = pieces[0]
    if neg0:
        out = unary("unary", "-", out, _SPAN)
    for tree, negative in pieces[1:]:
        out = binary("binary", "-" if negative else "+", out, tree, _SPAN)
    return out
