"""Taylor-mode higher derivatives: every order up to n in one forward sweep of the graph.

Nesting reverse passes differentiates the graph of a derivative, which grows
exponentially with the order. Taylor mode instead walks the recorded graph of
``y`` forward once and carries each value v as its truncated Taylor series in
t, v(x + t), stored as *normalised* coefficients

    c_k = v^(k)(x) / k!      for k = 0..n      (so v(x + t) = sum_k c_k t^k + O(t^(n+1)))

x itself is [x, 1, 0, ...], a constant is [v] (one term: zero beyond), and
each primitive maps its inputs' series to its output's with the usual O(n^2)
recurrence (``taylor_series``). The k-th derivative is k! c_k. For an array
x the direction is all ones: d^k/dt^k y(x + t 1), the elementwise derivative
of an elementwise program.

Coefficients are raw values (floats, or numpy arrays); a float 0.0 stands for
a zero of any shape, and primitives that care about shapes (reductions,
reshapes, matmul) broadcast a coefficient to their recorded input shape first.
Kinks follow the engine's conventions (abs'(0) = 0, ties of max/min split
evenly, ...). A primitive without a rule raises ``NotImplementedError(name)``
so the caller can fall back to nested reverse mode.
"""
from __future__ import annotations

import math
from typing import Any

from ..errors import DiffcliError
from . import taylor_series as ts
from .backend import demote, np, shape_of
from .graph import _SECOND_BACKWARD
from .ops import EQ, GE, GT, LE, LN2, LN10, LT, TWO_OVER_SQRT_PI, UNARY, WHERE
from .state import state
from .tensor import Node, Tensor

EXP, LOG, SIN, COS, SINH, COSH, SQRT, SIGN, SIGMOID = (UNARY[k] for k in (
    "exp", "log", "sin", "cos", "sinh", "cosh", "sqrt", "sign", "sigmoid"))


def derivatives(y: Tensor, x: Tensor, order: int) -> list:
    """[y, y', ..., y^(order)] at the recorded point: raw values (floats, or arrays shaped like y)."""
    if type(order) is not int or order < 0:
        raise DiffcliError("type", "the order of a derivative must be an integer of at least 0")
    seed = x.grad_fn or x
    xshape = shape_of(x._v)
    xs = ([x._v, np.ones(xshape) if xshape else 1.0] + [0.0] * order)[:order + 1]
    if y is x or y.grad_fn is seed:
        s = xs
    elif y.grad_fn is None:
        s = [y._v]
    else:
        ser = _sweep(y.grad_fn, seed, xs)
        s = ser[y.grad_fn] if y.grad_fn in ser else [y._v]  # not in it: y does not depend on x
    shape = shape_of(y._v)
    out = []
    for k in range(order + 1):
        v = _times_factorial(s[k] if k < len(s) else 0.0, k)
        out.append(np.array(np.broadcast_to(v, shape), dtype=np.float64) if shape else float(v))
    return out


def _times_factorial(c: Any, k: int) -> Any:
    """c * k!; past 170 (where k! overflows float64) zero stays zero and the rest is computed
    in logarithms (callers in diffcli stop at 170, where the coefficients stay representable)."""
    if k <= 170:
        return c * float(math.factorial(k))
    lf = math.lgamma(k + 1.0)
    c = np.asarray(c, dtype=np.float64)
    with np.errstate(all="ignore"):
        mag = np.exp(np.log(np.abs(c)) + lf)
    return demote(np.where(c == 0.0, 0.0, np.copysign(mag, c)))


def _sweep(root: Node, seed: Any, xs: list) -> dict:
    """The series of every node between ``seed`` and ``root`` that depends on ``seed``."""
    ser: dict = {}
    budget = state.budget
    for node in _forward_order(root, seed):
        if budget is not None:
            budget.check_time()
        vals = node.values
        if vals is None:
            raise DiffcliError("autograd", _SECOND_BACKWARD)
        ss = []
        tensors = node.tensors
        for i, (e, v) in enumerate(zip(node.edges, vals)):
            if type(e) is Node and e in ser:  # a value that depends on x: its series, not v
                ss.append(ser[e])
                continue
            t = None if tensors is None else tensors[i]
            if type(t) is Tensor:  # an array: an in-place change since makes the saved one stale
                saved = 0 if node.versions is None else node.versions[i]
                if t._version != saved:
                    raise DiffcliError("autograd", f"a tensor of shape {t.shape} needed by {node.name()} "
                                       f"was modified by an in-place operation after it was saved "
                                       f"(version {t._version}, expected {saved})")
            ss.append(xs if e is seed else [v])
        if node.ctx is not None:  # a custom Function: only its backward is known
            raise NotImplementedError(node.prim.name)
        w0 = node.prim.forward([s[0] for s in ss], node.p)
        if all(len(s) == 1 for s in ss):  # x reaches it only through piecewise constants
            ser[node] = [w0]
            continue
        rule = RULES.get(node.prim.name)
        if rule is None:
            raise NotImplementedError(node.prim.name)
        try:
            ser[node] = rule(w0, node, *ss)
        except ZeroDivisionError:  # Python floats raise where numpy gives inf or nan: redo in numpy
            f64 = np.float64
            ser[node] = [demote(c) for c in rule(f64(w0), node, *[[f64(c) if type(c) is float else c
                                                                  for c in s] for s in ss])]
    return ser


def _forward_order(root: Node, seed: Any) -> list:
    """Nodes that reach ``seed``, each after the nodes it consumes (iterative depth-first)."""
    dep: dict = {}
    order = []
    stack = [root]
    while stack:
        n = stack[-1]
        if n in dep:
            stack.pop()
            continue
        todo = [e for e in n.edges if type(e) is Node and e is not seed and e not in dep]
        if todo:
            stack.extend(todo)
            continue
        stack.pop()
        dep[n] = any(e is seed or (type(e) is Node and dep[e]) for e in n.edges)
        if dep[n]:
            order.append(n)
    return order


# --------------------------------------------------------------------------
# Helpers. Rules are rule(w0, node, *input_series) -> output series, where w0 is
# the engine's forward value (so domain errors give numpy's nan, as the forward pass does).
def _k(prim: Any, *vals: Any) -> Any:
    return prim.forward(vals)


def _pad(*ss: list) -> list:
    n1 = max(len(s) for s in ss)
    return [s + [0.0] * (n1 - len(s)) for s in ss]


def _zero(c: Any) -> bool:
    return type(c) is float and c == 0.0


def _full(c: Any, shape: tuple) -> Any:
    return c if shape_of(c) == shape else np.broadcast_to(c, shape)


def _quadratic(u: list, a: float, b: float) -> list:
    """a + b u^2, one term shorter than u (what ``integ``/``integ_div`` need)."""
    q = ts.mul(u[:-1], u[:-1])
    return [a + b * q[0]] + [b * c for c in q[1:]]


def _root(u: list, a: float, b: float) -> list:
    q = _quadratic(u, a, b)
    return ts.sqrt(q, _k(SQRT, q[0]))


def _scaled(w0: Any, u: list, m: Any) -> list:
    return [w0] + [m * c for c in u[1:]]


def _blend(w0: Any, ss: tuple, weights: tuple) -> list:
    """sum_i weights_i * ss_i beyond the zeroth term: max/min/clip select (or average) branches."""
    ss = _pad(*ss)
    return [w0] + [sum(m * s[k] for m, s in zip(weights, ss)) for k in range(1, len(ss[0]))]


def _share(a: Any, b: Any) -> Any:
    """1 where a wins, 1/2 on a tie, 0 where it loses (the engine's max/min convention)."""
    return _k(GT, a, b) + 0.5 * _k(EQ, a, b)


# --------------------------------------------------------------------------
# Rules with more than a line
def _mul(w0, node, u, v):
    if len(v) == 1:
        return [w0] + [c * v[0] for c in u[1:]]
    if len(u) == 1:
        return [w0] + [u[0] * c for c in v[1:]]
    return [w0] + ts.mul(u, v)[1:]


def _div(w0, node, u, v):
    if len(v) == 1:
        return [w0] + [c / v[0] for c in u[1:]]
    return ts.div(*_pad(u, v), w0)


def _pow(w0, node, u, v):
    if len(v) == 1:  # a constant exponent a
        a = v[0]
        if type(a) is float and a.is_integer() and 0.0 <= a <= 2.0 ** 31:
            return [w0] if a == 0.0 else [w0] + ts.ipow(u, int(a))[1:]  # exact at u = 0 too
        return ts.powc(u, a, w0)
    u, v = _pad(u, v)  # u^v = exp(v log u)
    log_u = ts.integ_div(u, u, _k(LOG, u[0]))
    return ts.exp(_mul(0.0, node, v, log_u), w0)


def _erf(w0, node, u):
    q = _quadratic(u, 0.0, -1.0)  # erf' = 2/sqrt(pi) exp(-u^2)
    return ts.integ(u, [TWO_OVER_SQRT_PI * c for c in ts.exp(q, _k(EXP, q[0]))], w0)


def _where(w0, node, c, x, y):
    x, y = _pad(x, y)
    return [w0] + [_k(WHERE, c[0], a, b) for a, b in zip(x[1:], y[1:])]


def _clip(w0, node, x, lo, hi):
    a, b, c = x[0], lo[0], hi[0]
    return _blend(w0, (x, lo, hi), (_k(GE, a, b) * _k(LE, a, c), _k(LT, a, b), _k(GT, a, c)))


def _atan2(w0, node, u, v):
    """h w' = v u' - u v' with h = u^2 + v^2; z below is the series whose derivative is the right side."""
    u, v = _pad(u, v)
    h = [a + b for a, b in zip(_quadratic(u, 0.0, 1.0), _quadratic(v, 0.0, 1.0))]
    z = [0.0] + [sum(j * (u[j] * v[k - j] - v[j] * u[k - j]) for j in range(1, k + 1)) / k
                 for k in range(1, len(u))]
    return ts.integ_div(z, h, w0)


def _hypot(w0, node, u, v):
    u, v = _pad(u, v)
    h = [a + b for a, b in zip(ts.mul(u, u), ts.mul(v, v))]
    if type(w0) is float:
        return [w0] if w0 == 0.0 else ts.sqrt(h, w0)
    return [w0] + [np.where(w0 == 0.0, 0.0, c) for c in ts.sqrt(h, w0)[1:]]  # hypot'(0, 0) = 0


def _linear(w0, node, *ss):
    """A linear primitive (sum, reshape, index, stack, ...) applied to each coefficient."""
    ss = _pad(*ss)
    shapes = [shape_of(v) for v in node.values]
    out = [w0]
    for k in range(1, len(ss[0])):
        cs = [s[k] for s in ss]
        out.append(0.0 if all(_zero(c) for c in cs) else
                   node.prim.forward([_full(c, sh) for c, sh in zip(cs, shapes)], node.p))
    return out


def _bilinear(w0, node, u, v):
    """matmul, outer: the Cauchy product with the primitive in place of multiplication."""
    u, v = _pad(u, v)
    su, sv = (shape_of(v) for v in node.values)
    out = [w0]
    for k in range(1, len(u)):
        acc = 0.0
        for j in range(k + 1):
            if not (_zero(u[j]) or _zero(v[k - j])):
                acc = acc + node.prim.forward((_full(u[j], su), _full(v[k - j], sv)))
        out.append(acc)
    return out


def _inv(w0, node, a):
    """W = A^-1: from A W = I, W_k = -W_0 sum_{j=1..k} A_j W_{k-j}."""
    sh = shape_of(a[0])
    w = [w0]
    for k in range(1, len(a)):
        acc = 0.0
        for j in range(1, k + 1):
            if not (_zero(a[j]) or _zero(w[k - j])):
                acc = acc + np.matmul(_full(a[j], sh), _full(w[k - j], sh))
        w.append(0.0 if _zero(acc) else -np.matmul(w0, acc))
    return w


def _extreme(w0, node, u):
    """max/min along axes: linear in the tied-for-extreme elements, which share evenly."""
    x0, axes = u[0], node.p
    kept = tuple(1 if axes is None or i in axes else m for i, m in enumerate(shape_of(x0)))
    hit = np.equal(x0, np.reshape(w0, kept)) * 1.0
    share = hit / np.sum(hit, axis=axes, keepdims=True)
    return [w0] + [0.0 if _zero(c) else demote(np.sum(c * share, axis=axes)) for c in u[1:]]


def _norm(w0, node, u):
    if w0 == 0.0:  # norm'(0) = 0
        return [w0]
    shape = shape_of(u[0])
    return ts.sqrt([demote(np.sum(_full(c, shape))) for c in ts.mul(u, u)], w0)


def _exp_shifted(u, axes):
    """The series of exp(u - m), m the (constant) max along axes, as the engine's kernels shift."""
    m = np.max(u[0], axis=axes, keepdims=True)
    return ts.exp(u, np.exp(u[0] - np.where(np.isfinite(m), m, 0.0)))


def _logsumexp(w0, node, u):
    s = [demote(np.sum(c, axis=node.p)) for c in _exp_shifted(u, node.p)]
    return ts.integ_div(s, s, w0)


def _softmax(w0, node, u):
    e = _exp_shifted(u, node.p)
    return ts.div(e, [np.sum(c, axis=node.p, keepdims=True) for c in e], w0)


# --------------------------------------------------------------------------
# The table: primitive name -> rule(w0, node, *input_series).
RULES = {
    "Add": lambda w0, nd, u, v: [w0] + [a + b for a, b in zip(*_pad(u, v))][1:],
    "Sub": lambda w0, nd, u, v: [w0] + [a - b for a, b in zip(*_pad(u, v))][1:],
    "Neg": lambda w0, nd, u: [w0] + [-c for c in u[1:]],
    "Alias": lambda w0, nd, u: [w0] + u[1:],
    "Mul": _mul,
    "Div": _div,
    "Pow": _pow,
    "Exp": lambda w0, nd, u: ts.exp(u, w0),
    "Expm1": lambda w0, nd, u: [w0] + ts.exp(u, _k(EXP, u[0]))[1:],
    "Log": lambda w0, nd, u: ts.integ_div(u, u, w0),
    "Log2": lambda w0, nd, u: ts.integ_div(u, [LN2 * c for c in u], w0),
    "Log10": lambda w0, nd, u: ts.integ_div(u, [LN10 * c for c in u], w0),
    "Log1p": lambda w0, nd, u: ts.integ_div(u, [1.0 + u[0]] + u[1:], w0),
    "Sqrt": lambda w0, nd, u: ts.sqrt(u, w0),
    "Cbrt": lambda w0, nd, u: ts.powc(u, 1.0 / 3.0, w0),
    "Sin": lambda w0, nd, u: ts.sincos(u, w0, _k(COS, u[0]))[0],
    "Cos": lambda w0, nd, u: ts.sincos(u, _k(SIN, u[0]), w0)[1],
    "Tan": lambda w0, nd, u: ts.quad(u, w0, 1.0, 0.0, 1.0),
    "Sinh": lambda w0, nd, u: ts.sincos(u, w0, _k(COSH, u[0]), 1.0)[0],
    "Cosh": lambda w0, nd, u: ts.sincos(u, _k(SINH, u[0]), w0, 1.0)[1],
    "Tanh": lambda w0, nd, u: ts.quad(u, w0, 1.0, 0.0, -1.0),
    "Asin": lambda w0, nd, u: ts.integ_div(u, _root(u, 1.0, -1.0), w0),
    "Acos": lambda w0, nd, u: ts.integ_div(u, [-c for c in _root(u, 1.0, -1.0)], w0),
    "Atan": lambda w0, nd, u: ts.integ_div(u, _quadratic(u, 1.0, 1.0), w0),
    "Asinh": lambda w0, nd, u: ts.integ_div(u, _root(u, 1.0, 1.0), w0),
    "Acosh": lambda w0, nd, u: ts.integ_div(u, _root(u, -1.0, 1.0), w0),
    "Atanh": lambda w0, nd, u: ts.integ_div(u, _quadratic(u, 1.0, -1.0), w0),
    "Sigmoid": lambda w0, nd, u: ts.quad(u, w0, 0.0, 1.0, -1.0),
    "Softplus": lambda w0, nd, u: ts.integ(u, ts.quad(u[:-1], _k(SIGMOID, u[0]), 0.0, 1.0, -1.0), w0),
    "Erf": _erf,
    "Abs": lambda w0, nd, u: _scaled(w0, u, _k(SIGN, u[0])),
    "Relu": lambda w0, nd, u: _scaled(w0, u, _k(GT, u[0], 0.0)),
    "Sign": lambda w0, nd, u: [w0],
    "Floor": lambda w0, nd, u: [w0],
    "Ceil": lambda w0, nd, u: [w0],
    "Round": lambda w0, nd, u: [w0],
    "Maximum": lambda w0, nd, u, v: _blend(w0, (u, v), (_share(u[0], v[0]), _share(v[0], u[0]))),
    "Minimum": lambda w0, nd, u, v: _blend(w0, (u, v), (_share(v[0], u[0]), _share(u[0], v[0]))),
    "Clip": _clip,
    "Where": _where,
    "Atan2": _atan2,
    "Hypot": _hypot,
    "Matmul": _bilinear,
    "Outer": _bilinear,
    "Inv": _inv,
    "Max": _extreme,
    "Min": _extreme,
    "Norm": _norm,
    "Logsumexp": _logsumexp,
    "Softmax": _softmax,
    **dict.fromkeys(("Sum", "Mean", "SumTo", "Expand", "Reshape", "Transpose", "Index", "IndexPut",
                     "CopySlices", "Trace", "Diag", "Stack", "Cat"), _linear),
}

from .taylor_special import RULES as _SPECIAL  # noqa: E402  (it builds on ops_special's primitives)

RULES.update(_SPECIAL)
