"""The symbolic interpretation of the engine's primitives: one kernel per primitive object,
declared on the primitive itself (``prim.define("formula", kernel)``).

When an engine operation (``ops.mul``, ``ops.cos``, ``ops.where``...) meets a ``Sym``, the
engine hands it to ``run``, which builds the expression node in canonical form. The
derivative rules in ``engine/ops.py`` are written in those operations, so running a rule
on symbols writes the derivative as a formula: the same rule that computes the numbers.
A primitive with no kernel here (sort, eigh, matrix operations...) cannot be written as a
formula, and says so.
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, Callable

from ..engine import ops
from ..engine import ops_special as SP
from ..engine.ops_math import TWO_OVER_SQRT_PI
from ..errors import DiffcliError
from . import expr as S
from .expr import Sym

U = ops.UNARY


def _lift(v: Any) -> Sym:
    """An operand as a symbol: a rule's float constants become the exact numbers they are."""
    if type(v) is Sym:
        return v
    if type(v) in (float, int):
        known = _KNOWN_FLOATS.get(float(v))
        return known if known is not None else S.num(float(v))
    raise DiffcliError("type", f"a formula cannot take a {type(v).__name__} operand")


def _known_floats() -> dict[float, Sym]:
    """Irrational constants the rules write as floats (1/ln 2 in log2's rule), as formulas."""
    log = lambda n: S.fn(U["log"], "log", (S.num(n),))  # noqa: E731
    pairs = {1.0 / math.log(2.0): S.div(S.ONE, log(2)), 1.0 / math.log(10.0): S.div(S.ONE, log(10)),
             TWO_OVER_SQRT_PI: S.div(S.num(2), S.power(S.const("pi"), S.HALF)),
             math.pi: S.const("pi"), math.e: S.const("e")}
    return pairs


def _exact_fold(scalar: Callable) -> Callable:
    """Fold a transcendental function only where its value is an integer at -1, 0 or 1
    (cos(0) = 1, log(1) = 0): elsewhere its value is irrational and stays a formula."""
    def fold(*vs: Any) -> Any:
        if not all(type(v) is Fraction and v.denominator == 1 and abs(v) <= 1 for v in vs):
            return None
        try:
            r = scalar(*[float(v) for v in vs])
        except (ValueError, OverflowError, ZeroDivisionError):
            return None
        return Fraction(int(r)) if math.isfinite(r) and r == int(r) else None
    return fold


def _rational_fold(f: Callable) -> Callable:
    """Piecewise functions are exact on rationals."""
    def fold(*vs: Any) -> Any:
        return f(*vs) if all(type(v) is Fraction for v in vs) else None
    return fold


_RATIONAL = {
    "abs": abs, "sign": lambda v: Fraction((v > 0) - (v < 0)), "floor": lambda v: Fraction(math.floor(v)),
    "ceil": lambda v: Fraction(math.ceil(v)), "round": lambda v: Fraction(round(v)),
    "relu": lambda v: max(v, Fraction(0)),
}


def _unary(name: str, prim: Any) -> Callable:
    fold = _rational_fold(_RATIONAL[name]) if name in _RATIONAL else _exact_fold(prim.scalar)
    if name == "log":  # log(e) = 1: the derivative of e^x is e^x
        return lambda x: S.ONE if x is S.const("e") else S.fn(prim, name, (x,), fold)
    return lambda x: S.fn(prim, name, (x,), fold)


def _nary(name: str, prim: Any) -> Callable:
    return lambda *xs: S.fn(prim, name, xs, _exact_fold(prim.scalar) if prim is not ops.CLIP else None)


KEY = "formula"
_KERNELS: dict[Any, Callable[..., Sym]] = {
    ops.ADD: S.add, ops.SUB: S.sub, ops.MUL: S.mul, ops.GMUL: S.mul, ops.DIV: S.div,
    ops.NEG: S.neg, ops.POW: S.power, ops.ALIAS: lambda x: x, ops.WHERE: S.where,
    ops.LT: lambda a, b: S.cmp("<", a, b), ops.LE: lambda a, b: S.cmp("<=", a, b),
    ops.GT: lambda a, b: S.cmp(">", a, b), ops.GE: lambda a, b: S.cmp(">=", a, b),
    ops.EQ: lambda a, b: S.cmp("==", a, b), ops.NE: lambda a, b: S.cmp("!=", a, b),
    **{p: _unary(name, p) for name, p in U.items() if name != "sqrt"},
    U["sqrt"]: lambda x: S.power(x, S.HALF),  # one form for x^(1/2) and sqrt(x): their powers merge
    ops.MAXIMUM: _nary("maximum", ops.MAXIMUM), ops.MINIMUM: _nary("minimum", ops.MINIMUM),
    ops.ATAN2: _nary("atan2", ops.ATAN2), ops.HYPOT: _nary("hypot", ops.HYPOT),
    ops.CLIP: _nary("clip", ops.CLIP),
    SP.ERFC: _unary("erfc", SP.ERFC), SP.GAMMA: _unary("gamma", SP.GAMMA),
    SP.LGAMMA: _unary("lgamma", SP.LGAMMA), SP.MOD: _nary("mod", SP.MOD),
    # the sum of an elementwise formula of vector variables; its gradient is the formula's
    # elementwise derivative (derive.py), the one reduction a formula can be written through
    ops.SUM: lambda x: S.fn(ops.SUM, "sum", (x,), lambda v: v),
}
for _prim, _kernel in _KERNELS.items():
    _prim.define(KEY, _kernel)

# The primitive each canonical node stands for, for its derivative: a sum is Add, a product
# Mul, a power Pow (Sub, Div and Neg are written with them).
NODE_PRIMS = {"add": ops.ADD, "mul": ops.MUL, "pow": ops.POW, "where": ops.WHERE}


def run(prim: Any, args: tuple, p: Any = None) -> Sym:
    """The engine's entry point for symbolic operands: ``prim`` applied to ``args``."""
    kernel = prim.interpretation(KEY)
    if kernel is None or p is not None:
        raise DiffcliError("type", f"no formula can be written through {prim.name.lower()}: bind the "
                           "variables (at x = ...) for a numeric answer")
    return kernel(*[_lift(a) for a in args])


_KNOWN_FLOATS = _known_floats()


def _engine_apply(self: Sym, prim: Any, args: tuple, p: Any = None) -> Sym:
    return run(prim, args, p)


Sym.__engine_apply__ = _engine_apply
S.keep_existing()
