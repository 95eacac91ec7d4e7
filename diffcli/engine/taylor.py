"""Taylor-mode higher derivatives: every order up to n in one forward sweep of the graph.

Nesting reverse passes differentiates the graph of a derivative, which grows
exponentially with the order. Taylor mode instead walks the recorded graph of
``y`` forward once and carries each value v as its truncated Taylor series in
t, v(x + t), stored as *normalised* coefficients

    c_k = v^(k)(x) / k!      for k = 0..n      (so v(x + t) = sum_k c_k t^k + O(t^(n+1)))

x itself is [x, 1, 0, ...], a constant is [v] (one term: zero beyond), and
each primitive maps its inputs' series to its output's with the usual O(n^2)
recurrence (its declared ``taylor`` rule, built on ``taylor_series``). The k-th derivative is k! c_k. For an array
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
from .backend import demote, np, shape_of
from .walk import SECOND_BACKWARD as _SECOND_BACKWARD
from .state import state
from .tensor import Node, Tensor


def derivatives(y: Tensor, x: Tensor, order: int) -> list:
    """[y, y', ..., y^(order)] at the recorded point: raw values (floats, or arrays shaped like y)."""
    return [_times_factorial(c, k) for k, c in enumerate(coefficients(y, x, order))]


def coefficients(y: Tensor, x: Tensor, order: int) -> list:
    """[c_0, ..., c_order], c_k = y^(k)(x) / k!: the Taylor series of y in powers of (x' - x), as
    Taylor mode carries it (no rounding through k!); raw values shaped like y."""
    if type(order) is not int or order < 0:
        raise DiffcliError("type", "the order of a derivative must be an integer of at least 0")
    seed = x.grad_fn or x
    xs = ([x._v, 1.0] + [0.0] * order)[:order + 1]  # 1.0: all ones, of any shape (as 0.0 is a zero)
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
        c = s[k] if k < len(s) else 0.0
        out.append(np.array(np.broadcast_to(c, shape), dtype=np.float64) if shape else float(c))
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
    order = _forward_order(root, seed)
    # Each node's forward value, as the nodes that consume it saved it: the sweep need not
    # compute it again (on a grid of points, a pass over memory per primitive saved).
    seen: dict = {}
    for node in order:
        vals = node.values
        if vals is not None:
            for e, v in zip(node.edges, vals):
                if type(e) is Node:
                    seen[e] = v
    for node in order:
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
        w0 = seen[node] if node in seen else node.prim.forward([s[0] for s in ss], node.p)
        if all(len(s) == 1 for s in ss):  # x reaches it only through piecewise constants
            ser[node] = [w0]
            continue
        rule = node.prim.taylor
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
