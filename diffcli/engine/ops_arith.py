"""Arithmetic, comparisons and selection: each primitive declared once, every rule beside it.

Each ``vjp`` rule returns the vector-Jacobian product ``g * f'(x)`` written in engine
operations, so the derivative of a derivative needs no extra code. A rule whose local
derivative can be infinite multiplies with ``gmul``, where a zero gradient stays zero (``where``
then never leaks NaN from the branch it did not select). Functions (sin, exp, pow, ...) are
in ops_math.
"""
from __future__ import annotations

import functools
import math
import operator
from typing import Any

from . import blockwise, parallel
from . import taylor_series as ts
from .apply import apply, apply1, apply2
from .backend import all_finite, np, size_of
from .prim import Prim
from .tensor import Tensor


def unary_function(prim: Prim) -> Any:
    """The user-facing function of a unary primitive."""
    f = functools.partial(apply1, prim)  # no extra Python frame on the hot path
    f.__name__ = prim.name.lower()
    f.prim = prim
    return f


def binary_function(prim: Prim) -> Any:
    """The user-facing function of a binary primitive."""
    f = functools.partial(apply2, prim)  # no extra Python frame on the hot path
    f.__name__ = prim.name.lower()
    f.prim = prim
    return f


# --------------------------------------------------------------------------
# numpy's answers where a math kernel raises instead (a pole, a domain error, an overflow), so
# that scalar programs get them without importing numpy. Each is checked against numpy.
INF, NAN = math.inf, math.nan


def _div_edge(x: float, y: float) -> float:  # y is +-0
    return NAN if x == 0 or x != x else math.copysign(INF, x) * math.copysign(1.0, y)


# --------------------------------------------------------------------------
# Taylor rules with more than a line
def _mul_series(w0, node, u, v):
    if len(v) == 1:
        return [w0] + [c * v[0] for c in u[1:]]
    if len(u) == 1:
        return [w0] + [u[0] * c for c in v[1:]]
    return [w0] + ts.mul(u, v)[1:]


def _div_series(w0, node, u, v):
    if len(v) == 1:
        return [w0] + [c / v[0] for c in u[1:]]
    return ts.div(*ts.pad(u, v), w0)


def _sum_series(w0, node, u, v):
    return [w0] + [a + b for a, b in zip(*ts.pad(u, v))][1:]


def _difference_series(w0, node, u, v):
    return [w0] + [a - b for a, b in zip(*ts.pad(u, v))][1:]


# --------------------------------------------------------------------------
# Arithmetic
ADD = Prim("Add", operator.add, "add", (lambda g, a, x, y: g, lambda g, a, x, y: g),
           reads=False, elementwise=True, symmetric=True, taylor=_sum_series)
SUB = Prim("Sub", operator.sub, "subtract", (lambda g, a, x, y: g, lambda g, a, x, y: neg(g)),
           reads=False, elementwise=True, taylor=_difference_series)
MUL = Prim("Mul", operator.mul, "multiply", (lambda g, a, x, y: gmul(g, y), lambda g, a, x, y: gmul(g, x)),
           elementwise=True, symmetric=True, taylor=_mul_series)
DIV = Prim("Div", operator.truediv, "true_divide", (
    lambda g, a, x, y: gmul(g, div(1.0, y)),
    lambda g, a, x, y: gmul(g, neg(div(x, mul(y, y))))),
    edge=_div_edge, elementwise=True, taylor=_div_series)
NEG = Prim("Neg", operator.neg, "negative", (lambda g, a, x: neg(g),), reads=False, elementwise=True,
           taylor=lambda w0, nd, u: [w0] + [-c for c in u[1:]])


def _gmul_array(g, d):
    out = parallel.ufunc(np.multiply, (g, d))
    if blockwise.deferred:  # the blockwise pass checks the leaves' gradients instead
        return out
    # Only a zero g against a non-finite d needs fixing: look at the smaller operand first
    # (in a batched backward pass, the one without the batch axis).
    clean = all_finite(d) if size_of(d) <= size_of(g) else np.count_nonzero(g) == size_of(g)
    if not clean and not all_finite(out):
        out = np.where(np.broadcast_to(g, out.shape) == 0, 0.0, out)
    return out


# g * d, except that a zero g gives zero even when d is infinite or NaN.
GMUL = Prim("Mul", lambda g, d: 0.0 if g == 0.0 else g * d, _gmul_array, (
    lambda h, a, g, d: gmul(h, d),
    lambda h, a, g, d: gmul(g, h)), elementwise=True, taylor=_mul_series)

# The identity, as a node of its own: differentiating with respect to an expression's value.
ALIAS = Prim("Alias", lambda x: x, lambda x: x, (lambda g, a, x: g,), reads=False, elementwise=True,
             taylor=lambda w0, nd, u: [w0] + u[1:])

add, sub, mul, div, gmul = (binary_function(p) for p in (ADD, SUB, MUL, DIV, GMUL))
neg, alias = unary_function(NEG), unary_function(ALIAS)


# --------------------------------------------------------------------------
# Comparisons: 0/1 masks, no gradient (an empty rule table records nothing).
_SWITCH = (lambda x, y: x == y, "a comparison switches here: where() uses the derivative of the "
           "branch it selects")


def _cmp(name: str, op: Any, ufunc: str, kink: tuple | None) -> Prim:
    # batch: no rules, so nothing to batch
    return Prim(name, lambda x, y: 1.0 if op(x, y) else 0.0,
                lambda x, y: getattr(np, ufunc)(x, y).astype(np.float64), kink=kink, batch=True)


LT, LE = _cmp("Lt", operator.lt, "less", _SWITCH), _cmp("Le", operator.le, "less_equal", _SWITCH)
GT, GE = _cmp("Gt", operator.gt, "greater", _SWITCH), _cmp("Ge", operator.ge, "greater_equal", _SWITCH)
EQ, NE = _cmp("Eq", operator.eq, "equal", None), _cmp("Ne", operator.ne, "not_equal", None)
lt, le, gt, ge, eq, ne = (binary_function(p) for p in (LT, LE, GT, GE, EQ, NE))


# --------------------------------------------------------------------------
# Selection
def _where_series(w0, node, c, x, y):
    x, y = ts.pad(x, y)
    return [w0] + [ts.k(WHERE, c[0], a, b) for a, b in zip(x[1:], y[1:])]


def _clip_series(w0, node, x, lo, hi):
    a, b, c = x[0], lo[0], hi[0]
    return ts.blend(w0, (x, lo, hi), (ts.k(GE, a, b) * ts.k(LE, a, c), ts.k(LT, a, b), ts.k(GT, a, c)))


WHERE = Prim("Where", lambda c, x, y: x if c != 0.0 else y,
             lambda c, x, y: np.where(c != 0, x, y), (
                 lambda g, a, c, x, y: None,
                 lambda g, a, c, x, y: where(c, g, 0.0),
                 lambda g, a, c, x, y: where(c, 0.0, g)), elementwise=True, taylor=_where_series)
CLIP = Prim("Clip", lambda x, lo, hi: min(max(x, lo), hi), lambda x, lo, hi: np.minimum(np.maximum(x, lo), hi), (
    lambda g, a, x, lo, hi: mul(g, mul(ge(x, lo), le(x, hi))),
    lambda g, a, x, lo, hi: mul(g, lt(x, lo)),
    lambda g, a, x, lo, hi: mul(g, gt(x, hi))), elementwise=True, taylor=_clip_series,
    kink=(lambda x, lo, hi: (x == lo) | (x == hi), "clip at its bound passes the gradient to x "
          "(one-sided: 0 outside)"))


def where(cond: Any, x: Any, y: Any) -> Tensor:
    """Elementwise ``x`` where ``cond`` is nonzero, else ``y``; no gradient through ``cond``."""
    return apply(WHERE, (cond, x, y))


def clip(x: Any, lo: Any, hi: Any) -> Tensor:
    """``x`` limited to [lo, hi]; the gradient passes to x on the closed interval."""
    return apply(CLIP, (x, lo, hi))


where.prim, clip.prim = WHERE, CLIP
