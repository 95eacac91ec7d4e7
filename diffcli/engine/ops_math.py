"""Elementwise functions (powers, exp/log, trigonometric, ...): each primitive declared once,
with its kernels, its derivative rule, numpy's answer where the math kernel raises, its kink
and its Taylor rule beside it (see prim.py for the fields).

Conventions at non-differentiable points (each primitive's ``kink``): abs'(0)=0, relu'(0)=0,
sign/floor/ceil/round'=0, max/min ties split the gradient evenly, hypot'(0, 0)=0.
"""
from __future__ import annotations

import math
from typing import Any

from . import taylor_series as ts
from .backend import np
from .ops_arith import (EQ, GT, INF, NAN, add, binary_function, div, eq, ge, gmul, gt, mul, neg, sub,
                        unary_function, where)
from .prim import Prim
from .tensor import Tensor

LN2, LN10 = math.log(2.0), math.log(10.0)
TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


# --------------------------------------------------------------------------
# Powers
def _odd_integer(y: float) -> bool:
    return math.isfinite(y) and y == math.floor(y) and y % 2 == 1


def _pow_scalar(x: float, y: float) -> float:
    r = x ** y
    if type(r) is complex:  # negative base, fractional exponent: numpy says nan
        raise ValueError
    return float(r)


def _pow_edge(x: float, y: float) -> float:  # 0 to a negative power, an overflow, or a complex result
    if x < 0 and math.isfinite(y) and y != math.floor(y):
        return NAN  # a negative base to a fractional power
    return math.copysign(INF, x) if _odd_integer(y) else INF


def _pow_base_rule(g, a, x, y):
    """g * y * x^(y-1); y=0 gives 0, even at x=0. For a square, x^1 is x itself (exactly), so
    the derivative of x^2 is one operation less, at every order."""
    yv = y._v if type(y) is Tensor and not y.requires_grad else y
    return gmul(g, gmul(y, x if type(yv) is float and yv == 2.0 else pow(x, sub(y, 1.0))))


def _pow_series(w0, node, u, v):
    if len(v) == 1:  # a constant exponent a
        a = v[0]
        if type(a) is float and a.is_integer() and 0.0 <= a <= 2.0 ** 31:
            return [w0] if a == 0.0 else [w0] + ts.ipow(u, int(a))[1:]  # exact at u = 0 too
        return ts.powc(u, a, w0)
    u, v = ts.pad(u, v)  # u^v = exp(v log u)
    log_u = ts.integ_div(u, u, ts.k(LOG, u[0]))
    return ts.exp([0.0] + ts.mul(v, log_u)[1:], w0)


POW = Prim("Pow", _pow_scalar, "power", (
    _pow_base_rule,
    # x=0 with y>=0 gives 0, as PyTorch (the limit of x^y log x)
    lambda g, a, x, y: gmul(g, where(mul(eq(x, 0.0), ge(y, 0.0)), 0.0, mul(a, log(x))))),
    uses_ans=True, edge=_pow_edge, elementwise=True, taylor=_pow_series,
    kink=(lambda x, y: False if type(x) is float and x != 0.0 else  # the common case, checked first
          (x == 0) & (((y > 0) & (y < 1)) | (y == 0)),
          "x^y at x = 0: d/dx is infinite when 0 < y < 1; at 0^0 both derivatives are taken as 0 "
          "(d/dx x^x tends to -inf as x -> 0+)"))
pow = binary_function(POW)  # noqa: A001


# --------------------------------------------------------------------------
# Scalar kernels and Taylor helpers of the functions below
def _nan(*xs: float) -> float:
    return NAN


def _log_edge(x: float) -> float:
    return -INF if x == 0 else NAN


def _sign(x: float) -> float:
    return 1.0 if x > 0 else (-1.0 if x < 0 else (0.0 if x == 0 else x))


def _cbrt(x: float) -> float:
    return math.cbrt(x) if hasattr(math, "cbrt") else float(np.cbrt(x))


def _relu(x: float) -> float:
    return x if x > 0 else (0.0 if x <= 0 else x)


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _sigmoid_array(x):
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


def _softplus(x: float) -> float:
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def _softplus_array(x):
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def _erf_array(x):
    return np.vectorize(math.erf, otypes=[np.float64])(x)


def _round(x: float) -> float:
    # half to even, as numpy; the sign of x is kept, so -0.4 rounds to -0.0 as in numpy
    return math.copysign(float(round(x)), x) if math.isfinite(x) else x


def _floor(x: float) -> float:
    return math.copysign(float(math.floor(x)), x) if math.isfinite(x) else x


def _ceil(x: float) -> float:
    return math.copysign(float(math.ceil(x)), x) if math.isfinite(x) else x  # ceil(-0.5) is -0.0


def _root(u: list, a: float, b: float) -> list:
    """The series of sqrt(a + b u^2), one term shorter than u."""
    q = ts.quadratic(u, a, b)
    return ts.sqrt(q, ts.k(SQRT, q[0]))


def _erf_series(w0, node, u):
    q = ts.quadratic(u, 0.0, -1.0)  # erf' = 2/sqrt(pi) exp(-u^2)
    return ts.integ(u, [TWO_OVER_SQRT_PI * c for c in ts.exp(q, ts.k(EXP, q[0]))], w0)


def _fn(name: str, scalar: Any, array: Any, rule: Any, taylor: Any, **kw: Any) -> Prim:
    """An elementwise function of one variable: every rule elementwise."""
    return Prim(name, scalar, array, (rule,), taylor=taylor, elementwise=True, **kw)


def _step(name: str, scalar: Any, array: Any, kink: tuple) -> Prim:
    """A piecewise-constant function: its derivative is 0 wherever it exists."""
    return _fn(name, scalar, array, lambda g, a, x: None, lambda w0, nd, u: [w0], kink=kink)


# --------------------------------------------------------------------------
# Functions of one variable: name, math kernel, numpy kernel, rule, Taylor rule. (A rule that
# uses only the output, ans, reads no input: reads=False.)
SIN = _fn("Sin", math.sin, "sin", lambda g, a, x: mul(g, cos(x)),
          lambda w0, nd, u: ts.sincos(u, w0, ts.k(COS, u[0]))[0], edge=_nan)
COS = _fn("Cos", math.cos, "cos", lambda g, a, x: mul(g, neg(sin(x))),
          lambda w0, nd, u: ts.sincos(u, ts.k(SIN, u[0]), w0)[1], edge=_nan)
TAN = _fn("Tan", math.tan, "tan", lambda g, a, x: mul(g, add(1.0, mul(a, a))),
          lambda w0, nd, u: ts.quad(u, w0, 1.0, 0.0, 1.0), uses_ans=True, reads=False, edge=_nan)
ASIN = _fn("Asin", math.asin, "arcsin", lambda g, a, x: gmul(g, div(1.0, sqrt(sub(1.0, mul(x, x))))),
           lambda w0, nd, u: ts.integ_div(u, _root(u, 1.0, -1.0), w0), edge=_nan,
           kink=(lambda x: abs(x) == 1, "asin'(±1) is infinite"))
ACOS = _fn("Acos", math.acos, "arccos", lambda g, a, x: gmul(g, div(-1.0, sqrt(sub(1.0, mul(x, x))))),
           lambda w0, nd, u: ts.integ_div(u, [-c for c in _root(u, 1.0, -1.0)], w0), edge=_nan,
           kink=(lambda x: abs(x) == 1, "acos'(±1) is infinite"))
ATAN = _fn("Atan", math.atan, "arctan", lambda g, a, x: div(g, add(1.0, mul(x, x))),
           lambda w0, nd, u: ts.integ_div(u, ts.quadratic(u, 1.0, 1.0), w0))
SINH = _fn("Sinh", math.sinh, "sinh", lambda g, a, x: mul(g, cosh(x)),
           lambda w0, nd, u: ts.sincos(u, w0, ts.k(COSH, u[0]), 1.0)[0], edge=lambda x: math.copysign(INF, x))
COSH = _fn("Cosh", math.cosh, "cosh", lambda g, a, x: mul(g, sinh(x)),
           lambda w0, nd, u: ts.sincos(u, ts.k(SINH, u[0]), w0, 1.0)[1], edge=lambda x: INF)
TANH = _fn("Tanh", math.tanh, "tanh", lambda g, a, x: mul(g, sub(1.0, mul(a, a))),
           lambda w0, nd, u: ts.quad(u, w0, 1.0, 0.0, -1.0), uses_ans=True, reads=False)
ASINH = _fn("Asinh", math.asinh, "arcsinh", lambda g, a, x: div(g, sqrt(add(mul(x, x), 1.0))),
            lambda w0, nd, u: ts.integ_div(u, _root(u, 1.0, 1.0), w0))
ACOSH = _fn("Acosh", math.acosh, "arccosh", lambda g, a, x: gmul(g, div(1.0, sqrt(sub(mul(x, x), 1.0)))),
            lambda w0, nd, u: ts.integ_div(u, _root(u, -1.0, 1.0), w0), edge=_nan,
            kink=(lambda x: x == 1, "acosh'(1) is infinite"))
ATANH = _fn("Atanh", math.atanh, "arctanh", lambda g, a, x: gmul(g, div(1.0, sub(1.0, mul(x, x)))),
            lambda w0, nd, u: ts.integ_div(u, ts.quadratic(u, 1.0, -1.0), w0),
            edge=lambda x: math.copysign(INF, x) if abs(x) == 1 else NAN)
EXP = _fn("Exp", math.exp, "exp", lambda g, a, x: mul(g, a), lambda w0, nd, u: ts.exp(u, w0),
          uses_ans=True, reads=False, edge=lambda x: INF)  # (an overflow)
EXPM1 = _fn("Expm1", math.expm1, "expm1", lambda g, a, x: mul(g, add(a, 1.0)),
            lambda w0, nd, u: [w0] + ts.exp(u, ts.k(EXP, u[0]))[1:], uses_ans=True, reads=False,
            edge=lambda x: INF)
LOG = _fn("Log", math.log, "log", lambda g, a, x: gmul(g, div(1.0, x)),
          lambda w0, nd, u: ts.integ_div(u, u, w0), edge=_log_edge)
LOG2 = _fn("Log2", math.log2, "log2", lambda g, a, x: gmul(g, div(1.0 / LN2, x)),
           lambda w0, nd, u: ts.integ_div(u, [LN2 * c for c in u], w0), edge=_log_edge)
LOG10 = _fn("Log10", math.log10, "log10", lambda g, a, x: gmul(g, div(1.0 / LN10, x)),
            lambda w0, nd, u: ts.integ_div(u, [LN10 * c for c in u], w0), edge=_log_edge)
LOG1P = _fn("Log1p", math.log1p, "log1p", lambda g, a, x: gmul(g, div(1.0, add(x, 1.0))),
            lambda w0, nd, u: ts.integ_div(u, [1.0 + u[0]] + u[1:], w0),
            edge=lambda x: -INF if x == -1 else NAN)
SQRT = _fn("Sqrt", math.sqrt, "sqrt", lambda g, a, x: gmul(g, div(0.5, a)), lambda w0, nd, u: ts.sqrt(u, w0),
           uses_ans=True, reads=False, edge=_nan, kink=(lambda x: x == 0, "sqrt'(0) is infinite"))
CBRT = _fn("Cbrt", _cbrt, "cbrt", lambda g, a, x: gmul(g, div(1.0 / 3.0, mul(a, a))),
           lambda w0, nd, u: ts.powc(u, 1.0 / 3.0, w0), uses_ans=True, reads=False,
           kink=(lambda x: x == 0, "cbrt'(0) is infinite"))
ABS = _fn("Abs", abs, "abs", lambda g, a, x: mul(g, sign(x)), lambda w0, nd, u: ts.scaled(w0, u, ts.k(SIGN, u[0])),
          kink=(lambda x: x == 0, "abs'(0) is taken as 0 (one-sided: -1 and +1)"))
RELU = _fn("Relu", _relu, lambda x: np.maximum(x, 0.0), lambda g, a, x: mul(g, gt(x, 0.0)),
           lambda w0, nd, u: ts.scaled(w0, u, ts.k(GT, u[0], 0.0)),
           kink=(lambda x: x == 0, "relu'(0) is taken as 0 (one-sided: 0 and 1)"))
SIGMOID = _fn("Sigmoid", _sigmoid, _sigmoid_array, lambda g, a, x: mul(g, mul(a, sub(1.0, a))),
              lambda w0, nd, u: ts.quad(u, w0, 0.0, 1.0, -1.0), uses_ans=True, reads=False)
SOFTPLUS = _fn("Softplus", _softplus, _softplus_array, lambda g, a, x: mul(g, sigmoid(x)),
               lambda w0, nd, u: ts.integ(u, ts.quad(u[:-1], ts.k(SIGMOID, u[0]), 0.0, 1.0, -1.0), w0))
ERF = _fn("Erf", math.erf, _erf_array, lambda g, a, x: mul(g, mul(TWO_OVER_SQRT_PI, exp(neg(mul(x, x))))),
          _erf_series)
SIGN = _step("Sign", _sign, "sign", (lambda x: x == 0, "sign jumps at 0; its derivative is taken as 0"))
FLOOR = _step("Floor", _floor, "floor", (lambda x: x == np.floor(x),
                                         "floor jumps at integers; its derivative is taken as 0"))
CEIL = _step("Ceil", _ceil, "ceil", (lambda x: x == np.floor(x),
                                     "ceil jumps at integers; its derivative is taken as 0"))
ROUND = _step("Round", _round, "round", (lambda x: np.abs(x - np.floor(x) - 0.5) == 0,
                                         "round jumps at half-integers; its derivative is taken as 0"))

# The functions of one variable by their name in the language.
UNARY = {p.name.lower(): p for p in (
    SIN, COS, TAN, ASIN, ACOS, ATAN, SINH, COSH, TANH, ASINH, ACOSH, ATANH, EXP, EXPM1, LOG, LOG2,
    LOG10, LOG1P, SQRT, CBRT, ABS, RELU, SIGMOID, SOFTPLUS, ERF, SIGN, FLOOR, CEIL, ROUND)}

(sin, cos, tan, asin, acos, atan, sinh, cosh, tanh, asinh, acosh, atanh, exp, expm1, log, log2,
 log10, log1p, sqrt, cbrt, abs_, relu, sigmoid, softplus, erf, sign, floor, ceil, round_) = [
    unary_function(p) for p in UNARY.values()]


# --------------------------------------------------------------------------
# Functions of two variables
def _tie_share(x, y):
    """1 where x wins, 1/2 on a tie, 0 where it loses: max/min split ties evenly."""
    return add(gt(x, y), mul(0.5, eq(x, y)))


def _share(a: Any, b: Any) -> Any:
    """``_tie_share`` on raw values (the Taylor rules)."""
    return ts.k(GT, a, b) + 0.5 * ts.k(EQ, a, b)


def _hypot_share(a, x):
    return where(eq(a, 0.0), 0.0, div(x, a))  # hypot'(0, 0) = 0, as for norm


def _atan2_series(w0, node, u, v):
    """h w' = v u' - u v' with h = u^2 + v^2; z below is the series whose derivative is the right side."""
    u, v = ts.pad(u, v)
    h = [a + b for a, b in zip(ts.quadratic(u, 0.0, 1.0), ts.quadratic(v, 0.0, 1.0))]
    z = [0.0] + [sum(j * (u[j] * v[k - j] - v[j] * u[k - j]) for j in range(1, k + 1)) / k
                 for k in range(1, len(u))]
    return ts.integ_div(z, h, w0)


def _hypot_series(w0, node, u, v):
    u, v = ts.pad(u, v)
    h = [a + b for a, b in zip(ts.mul(u, u), ts.mul(v, v))]
    if type(w0) is float:
        return [w0] if w0 == 0.0 else ts.sqrt(h, w0)
    return [w0] + [np.where(w0 == 0.0, 0.0, c) for c in ts.sqrt(h, w0)[1:]]  # hypot'(0, 0) = 0


_TIE = "at a tie splits the gradient evenly (1/2 each)"
MAXIMUM = Prim("Maximum", lambda x, y: x if x > y else (y if y > x else (x if x == y else x + y)),
               "maximum", (lambda g, a, x, y: mul(g, _tie_share(x, y)),
                           lambda g, a, x, y: mul(g, _tie_share(y, x))),
               elementwise=True, symmetric=True, kink=(lambda x, y: x == y, "maximum " + _TIE),
               taylor=lambda w0, nd, u, v: ts.blend(w0, (u, v), (_share(u[0], v[0]), _share(v[0], u[0]))))
MINIMUM = Prim("Minimum", lambda x, y: x if x < y else (y if y < x else (x if x == y else x + y)),
               "minimum", (lambda g, a, x, y: mul(g, _tie_share(y, x)),
                           lambda g, a, x, y: mul(g, _tie_share(x, y))),
               elementwise=True, symmetric=True, kink=(lambda x, y: x == y, "minimum " + _TIE),
               taylor=lambda w0, nd, u, v: ts.blend(w0, (u, v), (_share(v[0], u[0]), _share(u[0], v[0]))))
ATAN2 = Prim("Atan2", math.atan2, "arctan2", (
    lambda g, a, y, x: gmul(g, div(x, add(mul(x, x), mul(y, y)))),
    lambda g, a, y, x: gmul(g, div(neg(y), add(mul(x, x), mul(y, y))))), elementwise=True, taylor=_atan2_series)
HYPOT = Prim("Hypot", math.hypot, "hypot", (
    lambda g, a, x, y: mul(g, _hypot_share(a, x)),
    lambda g, a, x, y: mul(g, _hypot_share(a, y))), uses_ans=True, elementwise=True, symmetric=True,
    kink=(lambda x, y: (x == 0) & (y == 0), "hypot'(0, 0) is taken as 0"), taylor=_hypot_series)

maximum, minimum, atan2, hypot = (binary_function(p) for p in (MAXIMUM, MINIMUM, ATAN2, HYPOT))
