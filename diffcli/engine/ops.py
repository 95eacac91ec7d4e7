"""Elementwise primitives: forward kernels and derivative rules, side by side.

Each rule returns the vector-Jacobian product ``g * f'(x)`` written in engine
operations, so the derivative of a derivative needs no extra code. A rule
whose local derivative can be infinite multiplies with ``gmul``, where a zero
gradient stays zero (``where`` then never leaks NaN from the branch it did
not select). Conventions at non-differentiable points are listed in
``KINKS`` and the README: abs'(0)=0, relu'(0)=0, sign/floor/ceil/round'=0,
max/min ties split the gradient evenly, clip passes it on its closed interval.
"""
from __future__ import annotations

import functools
import math
import operator

from . import blockwise, parallel
from .backend import all_finite, np, size_of
from .tensor import Prim, Tensor, apply, apply1, apply2

LN2, LN10 = math.log(2.0), math.log(10.0)
TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _u(prim: Prim):
    """The user-facing function of a unary primitive."""
    f = functools.partial(apply1, prim)  # no extra Python frame on the hot path
    f.__name__ = prim.name.lower()
    f.prim = prim
    return f


def _b(prim: Prim):
    f = functools.partial(apply2, prim)  # no extra Python frame on the hot path
    f.__name__ = prim.name.lower()
    f.prim = prim
    return f


# --------------------------------------------------------------------------
# Arithmetic
ADD = Prim("Add", operator.add, "add", (lambda g, a, x, y: g, lambda g, a, x, y: g), reads=False)
SUB = Prim("Sub", operator.sub, "subtract", (lambda g, a, x, y: g, lambda g, a, x, y: neg(g)), reads=False)
MUL = Prim("Mul", operator.mul, "multiply", (lambda g, a, x, y: gmul(g, y), lambda g, a, x, y: gmul(g, x)))
DIV = Prim("Div", operator.truediv, "true_divide", (
    lambda g, a, x, y: gmul(g, div(1.0, y)),
    lambda g, a, x, y: gmul(g, neg(div(x, mul(y, y))))))
NEG = Prim("Neg", operator.neg, "negative", (lambda g, a, x: neg(g),), reads=False)


def _pow_scalar(x: float, y: float) -> float:
    r = x ** y
    if type(r) is complex:  # negative base, fractional exponent: numpy says nan
        raise ValueError
    return float(r)


def _pow_base_rule(g, a, x, y):
    """g * y * x^(y-1); y=0 gives 0, even at x=0. For a square, x^1 is x itself (exactly), so
    the derivative of x^2 is one operation less, at every order."""
    yv = y._v if type(y) is Tensor and not y.requires_grad else y
    return gmul(g, gmul(y, x if type(yv) is float and yv == 2.0 else pow(x, sub(y, 1.0))))


POW = Prim("Pow", _pow_scalar, "power", (
    _pow_base_rule,
    # x=0 with y>=0 gives 0, as PyTorch (the limit of x^y log x)
    lambda g, a, x, y: gmul(g, where(mul(eq(x, 0.0), ge(y, 0.0)), 0.0, mul(a, log(x))))), uses_ans=True)


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
    lambda h, a, g, d: gmul(g, h)))

# The identity, as a node of its own: differentiating with respect to an expression's value.
ALIAS = Prim("Alias", lambda x: x, lambda x: x, (lambda g, a, x: g,), reads=False)

add, sub, mul, div, pow, gmul = _b(ADD), _b(SUB), _b(MUL), _b(DIV), _b(POW), _b(GMUL)
neg, alias = _u(NEG), _u(ALIAS)

# --------------------------------------------------------------------------
# Comparisons: 0/1 masks, no gradient (an empty rule table records nothing).
def _cmp(name: str, op, ufunc: str) -> Prim:
    return Prim(name, lambda x, y: 1.0 if op(x, y) else 0.0,
                lambda x, y: getattr(np, ufunc)(x, y).astype(np.float64))


LT, LE = _cmp("Lt", operator.lt, "less"), _cmp("Le", operator.le, "less_equal")
GT, GE = _cmp("Gt", operator.gt, "greater"), _cmp("Ge", operator.ge, "greater_equal")
EQ, NE = _cmp("Eq", operator.eq, "equal"), _cmp("Ne", operator.ne, "not_equal")
lt, le, gt, ge, eq, ne = _b(LT), _b(LE), _b(GT), _b(GE), _b(EQ), _b(NE)


# --------------------------------------------------------------------------
# Elementwise functions of one variable: name, math kernel, numpy kernel, rule.
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


def _nondiff(name: str, scalar, array) -> Prim:
    """A piecewise-constant function: its derivative is 0 wherever it exists."""
    return Prim(name, scalar, array, (lambda g, a, x: None,))


UNARY = {
    "sin": Prim("Sin", math.sin, "sin", (lambda g, a, x: mul(g, cos(x)),)),
    "cos": Prim("Cos", math.cos, "cos", (lambda g, a, x: mul(g, neg(sin(x))),)),
    "tan": Prim("Tan", math.tan, "tan", (lambda g, a, x: mul(g, add(1.0, mul(a, a))),), uses_ans=True, reads=False),
    "asin": Prim("Asin", math.asin, "arcsin", (lambda g, a, x: gmul(g, div(1.0, sqrt(sub(1.0, mul(x, x))))),)),
    "acos": Prim("Acos", math.acos, "arccos", (lambda g, a, x: gmul(g, div(-1.0, sqrt(sub(1.0, mul(x, x))))),)),
    "atan": Prim("Atan", math.atan, "arctan", (lambda g, a, x: div(g, add(1.0, mul(x, x))),)),
    "sinh": Prim("Sinh", math.sinh, "sinh", (lambda g, a, x: mul(g, cosh(x)),)),
    "cosh": Prim("Cosh", math.cosh, "cosh", (lambda g, a, x: mul(g, sinh(x)),)),
    "tanh": Prim("Tanh", math.tanh, "tanh", (lambda g, a, x: mul(g, sub(1.0, mul(a, a))),), uses_ans=True, reads=False),
    "asinh": Prim("Asinh", math.asinh, "arcsinh", (lambda g, a, x: div(g, sqrt(add(mul(x, x), 1.0))),)),
    "acosh": Prim("Acosh", math.acosh, "arccosh", (lambda g, a, x: gmul(g, div(1.0, sqrt(sub(mul(x, x), 1.0)))),)),
    "atanh": Prim("Atanh", math.atanh, "arctanh", (lambda g, a, x: gmul(g, div(1.0, sub(1.0, mul(x, x)))),)),
    "exp": Prim("Exp", math.exp, "exp", (lambda g, a, x: mul(g, a),), uses_ans=True, reads=False),
    "expm1": Prim("Expm1", math.expm1, "expm1", (lambda g, a, x: mul(g, add(a, 1.0)),), uses_ans=True, reads=False),
    "log": Prim("Log", math.log, "log", (lambda g, a, x: gmul(g, div(1.0, x)),)),
    "log2": Prim("Log2", math.log2, "log2", (lambda g, a, x: gmul(g, div(1.0 / LN2, x)),)),
    "log10": Prim("Log10", math.log10, "log10", (lambda g, a, x: gmul(g, div(1.0 / LN10, x)),)),
    "log1p": Prim("Log1p", math.log1p, "log1p", (lambda g, a, x: gmul(g, div(1.0, add(x, 1.0))),)),
    "sqrt": Prim("Sqrt", math.sqrt, "sqrt", (lambda g, a, x: gmul(g, div(0.5, a)),), uses_ans=True, reads=False),
    "cbrt": Prim("Cbrt", _cbrt, "cbrt", (lambda g, a, x: gmul(g, div(1.0 / 3.0, mul(a, a))),), uses_ans=True, reads=False),
    "abs": Prim("Abs", abs, "abs", (lambda g, a, x: mul(g, sign(x)),)),
    "relu": Prim("Relu", _relu, lambda x: np.maximum(x, 0.0), (lambda g, a, x: mul(g, gt(x, 0.0)),)),
    "sigmoid": Prim("Sigmoid", _sigmoid, _sigmoid_array,
                    (lambda g, a, x: mul(g, mul(a, sub(1.0, a))),), uses_ans=True, reads=False),
    "softplus": Prim("Softplus", _softplus, _softplus_array, (lambda g, a, x: mul(g, sigmoid(x)),)),
    "erf": Prim("Erf", math.erf, _erf_array,
                (lambda g, a, x: mul(g, mul(TWO_OVER_SQRT_PI, exp(neg(mul(x, x))))),)),
    # (the rules above that use only the output, ans, read no input: reads=False)
    "sign": _nondiff("Sign", _sign, "sign"),
    "floor": _nondiff("Floor", _floor, "floor"),
    "ceil": _nondiff("Ceil", _ceil, "ceil"),
    "round": _nondiff("Round", _round, "round"),
}

(sin, cos, tan, asin, acos, atan, sinh, cosh, tanh, asinh, acosh, atanh, exp, expm1, log, log2,
 log10, log1p, sqrt, cbrt, abs_, relu, sigmoid, softplus, erf, sign, floor, ceil, round_) = [
    _u(p) for p in UNARY.values()]


# --------------------------------------------------------------------------
# Elementwise functions of several variables.
def _tie_share(x, y):
    """1 where x wins, 1/2 on a tie, 0 where it loses: max/min split ties evenly."""
    return add(gt(x, y), mul(0.5, eq(x, y)))


def _hypot_share(a, x):
    return where(eq(a, 0.0), 0.0, div(x, a))  # hypot'(0, 0) = 0, as for norm


MAXIMUM = Prim("Maximum", lambda x, y: x if x > y else (y if y > x else (x if x == y else x + y)),
               "maximum", (lambda g, a, x, y: mul(g, _tie_share(x, y)),
                           lambda g, a, x, y: mul(g, _tie_share(y, x))))
MINIMUM = Prim("Minimum", lambda x, y: x if x < y else (y if y < x else (x if x == y else x + y)),
               "minimum", (lambda g, a, x, y: mul(g, _tie_share(y, x)),
                           lambda g, a, x, y: mul(g, _tie_share(x, y))))
ATAN2 = Prim("Atan2", math.atan2, "arctan2", (
    lambda g, a, y, x: gmul(g, div(x, add(mul(x, x), mul(y, y)))),
    lambda g, a, y, x: gmul(g, div(neg(y), add(mul(x, x), mul(y, y))))))
HYPOT = Prim("Hypot", math.hypot, "hypot", (
    lambda g, a, x, y: mul(g, _hypot_share(a, x)),
    lambda g, a, x, y: mul(g, _hypot_share(a, y))), uses_ans=True)
WHERE = Prim("Where", lambda c, x, y: x if c != 0.0 else y,
             lambda c, x, y: np.where(c != 0, x, y), (
                 lambda g, a, c, x, y: None,
                 lambda g, a, c, x, y: where(c, g, 0.0),
                 lambda g, a, c, x, y: where(c, 0.0, g)))
CLIP = Prim("Clip", lambda x, lo, hi: min(max(x, lo), hi), lambda x, lo, hi: np.minimum(np.maximum(x, lo), hi), (
    lambda g, a, x, lo, hi: mul(g, mul(ge(x, lo), le(x, hi))),
    lambda g, a, x, lo, hi: mul(g, lt(x, lo)),
    lambda g, a, x, lo, hi: mul(g, gt(x, hi))))

maximum, minimum, atan2, hypot = _b(MAXIMUM), _b(MINIMUM), _b(ATAN2), _b(HYPOT)


def where(cond, x, y) -> Tensor:
    """Elementwise ``x`` where ``cond`` is nonzero, else ``y``; no gradient through ``cond``."""
    return apply(WHERE, (cond, x, y))


def clip(x, lo, hi) -> Tensor:
    """``x`` limited to [lo, hi]; the gradient passes to x on the closed interval."""
    return apply(CLIP, (x, lo, hi))


where.prim, clip.prim = WHERE, CLIP


# --------------------------------------------------------------------------
# numpy's answers where a math kernel raises instead (a pole, a domain error, an overflow), so
# that scalar programs get them without importing numpy. Each is checked against numpy.
INF, NAN = math.inf, math.nan


def _odd_integer(y: float) -> bool:
    return math.isfinite(y) and y == math.floor(y) and y % 2 == 1


def _div_edge(x: float, y: float) -> float:  # y is +-0
    return NAN if x == 0 or x != x else math.copysign(INF, x) * math.copysign(1.0, y)


def _pow_edge(x: float, y: float) -> float:  # 0 to a negative power, an overflow, or a complex result
    if x < 0 and math.isfinite(y) and y != math.floor(y):
        return NAN  # a negative base to a fractional power
    return math.copysign(INF, x) if _odd_integer(y) else INF


def _log_edge(x: float) -> float:
    return -INF if x == 0 else NAN


_EDGES = {
    DIV: _div_edge,
    POW: _pow_edge,
    **{UNARY[k]: _log_edge for k in ("log", "log2", "log10")},
    UNARY["log1p"]: lambda x: -INF if x == -1 else NAN,
    UNARY["exp"]: lambda x: INF,  # overflow
    UNARY["expm1"]: lambda x: INF,
    UNARY["cosh"]: lambda x: INF,
    UNARY["sinh"]: lambda x: math.copysign(INF, x),
    UNARY["atanh"]: lambda x: math.copysign(INF, x) if abs(x) == 1 else NAN,
    **{UNARY[k]: lambda *xs: NAN for k in ("sqrt", "asin", "acos", "acosh", "sin", "cos", "tan")},
}
for _p, _edge in _EDGES.items():
    _p.edge = _edge


# --------------------------------------------------------------------------
# Points where the rules above apply a convention rather than a derivative:
# primitive -> (predicate on the raw inputs, what the convention is).
KINKS = {
    UNARY["abs"]: (lambda x: x == 0, "abs'(0) is taken as 0 (one-sided: -1 and +1)"),
    UNARY["relu"]: (lambda x: x == 0, "relu'(0) is taken as 0 (one-sided: 0 and 1)"),
    UNARY["sign"]: (lambda x: x == 0, "sign jumps at 0; its derivative is taken as 0"),
    UNARY["floor"]: (lambda x: x == np.floor(x), "floor jumps at integers; its derivative is taken as 0"),
    UNARY["ceil"]: (lambda x: x == np.floor(x), "ceil jumps at integers; its derivative is taken as 0"),
    UNARY["round"]: (lambda x: np.abs(x - np.floor(x) - 0.5) == 0, "round jumps at half-integers; "
                     "its derivative is taken as 0"),
    UNARY["sqrt"]: (lambda x: x == 0, "sqrt'(0) is infinite"),
    MAXIMUM: (lambda x, y: x == y, "maximum at a tie splits the gradient evenly (1/2 each)"),
    MINIMUM: (lambda x, y: x == y, "minimum at a tie splits the gradient evenly (1/2 each)"),
    CLIP: (lambda x, lo, hi: (x == lo) | (x == hi), "clip at its bound passes the gradient to x "
           "(one-sided: 0 outside)"),
    HYPOT: (lambda x, y: (x == 0) & (y == 0), "hypot'(0, 0) is taken as 0"),
}
for _p in (LT, LE, GT, GE):
    KINKS[_p] = (lambda x, y: x == y, "a comparison switches here: where() uses the derivative "
                 "of the branch it selects")
# Infinite slopes: the value is finite but the derivative is not (or, at 0^0, is a convention).
KINKS.update({
    UNARY["cbrt"]: (lambda x: x == 0, "cbrt'(0) is infinite"),
    UNARY["asin"]: (lambda x: abs(x) == 1, "asin'(±1) is infinite"),
    UNARY["acos"]: (lambda x: abs(x) == 1, "acos'(±1) is infinite"),
    UNARY["acosh"]: (lambda x: x == 1, "acosh'(1) is infinite"),
    POW: (lambda x, y: False if type(x) is float and x != 0.0 else  # the common case, checked first
          (x == 0) & (((y > 0) & (y < 1)) | (y == 0)),
          "x^y at x = 0: d/dx is infinite when 0 < y < 1; at 0^0 both derivatives are taken as 0 "
          "(d/dx x^x tends to -inf as x -> 0+)"),
})

# Every rule above is elementwise, so a large node's backward step can run block by block, and
# a gradient with a leading batch axis (Jacobian rows) passes through it as is.
ELEMENTWISE = (ADD, SUB, MUL, DIV, NEG, POW, GMUL, ALIAS, *UNARY.values(),
               MAXIMUM, MINIMUM, ATAN2, HYPOT, WHERE, CLIP)
blockwise.ELEMENTWISE.update(ELEMENTWISE)
blockwise.SYMMETRIC.update([ADD, MUL, MAXIMUM, MINIMUM, HYPOT])
for _p in ELEMENTWISE + (LT, LE, GT, GE, EQ, NE):  # comparisons have no rules: nothing to batch
    _p.batch = True
