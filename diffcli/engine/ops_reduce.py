"""Reductions (axis=None reduces everything): mean, prod, max, min, logsumexp, softmax, norm.
The plain sum is in ops_shape, as the adjoint of broadcasting."""
from __future__ import annotations

from typing import Any

from . import taylor_series as ts
from .apply import apply
from .backend import demote, np, shape_of
from .common import batch_dims, count, dims, kept_shape, norm_axis
from .ops_arith import div, eq, mul, sub, where
from .ops_linalg import prod_rule
from .ops_math import exp
from .ops_shape import SUM, batch_axes, reduce_axes, reshape, scalar_grad, unreduce
from .prim import Prim
from .tensor import Tensor, const


def _reduction(name: str, kernel: Any, rule: Any, **kw: Any) -> Prim:
    """``kernel``: numpy's function of that name, or a function of (x, axes)."""
    return Prim(name, lambda x, axes: x if axes is None else np.sum(x, axes),
                (lambda x, axes: getattr(np, kernel)(x, axis=axes)) if type(kernel) is str else kernel,
                (rule,), has_param=True, batch=True, **kw)


def _mean(x, axes):
    """numpy's mean, unless its sum overflowed where the mean does not: then the sum of x/n."""
    r = np.mean(x, axis=axes)
    if not np.all(np.isfinite(r)) and np.all(np.isfinite(x)):
        r = np.sum(np.divide(x, count(np.shape(x), axes)), axis=axes)
    return r


def _prod(x, axes):
    """numpy's product, except where a zero meets an overflow (inf * 0 = nan): the product of
    finite numbers with a zero among them is 0."""
    r = np.prod(x, axis=axes)
    if np.any(np.isnan(r)):
        zero = np.any(np.equal(x, 0.0), axis=axes) & np.all(np.isfinite(x), axis=axes)
        r = np.where(zero, 0.0, r)[()]
    return r


def _norm(x, p):
    """sqrt(sum(x^2)), scaled by the largest |x| when the squares overflow or underflow."""
    r = np.sqrt(np.sum(x * x))
    if r == np.inf or r < 1e-150:
        m = np.max(np.abs(x)) if np.size(x) else 0.0
        if 0.0 < m < np.inf:
            r = m * np.sqrt(np.sum(np.square(x / m)))
    return r


def _extreme_rule(g, a, x, axes):
    hit = eq(x, unreduce(a, dims(x), axes))  # ties share the gradient evenly
    share = div(hit, unreduce(apply(SUM, (hit,), axes), dims(x), axes))
    return mul(unreduce(g, dims(x), axes, batch_dims(g)), share)


def _extreme_series(w0, node, u):
    """max/min along axes: linear in the tied-for-extreme elements, which share evenly."""
    x0, axes = u[0], node.p
    kept = tuple(1 if axes is None or i in axes else m for i, m in enumerate(shape_of(x0)))
    hit = np.equal(x0, np.reshape(w0, kept)) * 1.0
    share = hit / np.sum(hit, axis=axes, keepdims=True)
    return [w0] + [0.0 if ts.is_zero(c) else demote(np.sum(c * share, axis=axes)) for c in u[1:]]


def _tie(x: Any, axis: Any = None, pick: str = "max") -> bool:
    """More than one element shares the extreme value (along the axis)."""
    if type(x) is float:
        return False
    ax = None if axis is None else int(axis if type(axis) is float else np.asarray(axis))
    best = getattr(np, pick)(x, axis=ax, keepdims=True)
    return bool((np.sum(x == best, axis=ax) > 1).any())


MEAN = _reduction("Mean", _mean, lambda g, a, x, axes: div(unreduce(g, dims(x), axes, batch_dims(g)),
                                                           float(count(dims(x), axes))),
                  reads=False, taylor=ts.linear)
PROD = _reduction("Prod", _prod, prod_rule)
MAX = _reduction("Max", "max", _extreme_rule, uses_ans=True, taylor=_extreme_series,
                 kink=(lambda x, axis=None: _tie(x, axis, "max"),
                       "max at a tie splits the gradient evenly among the tied"))
MIN = _reduction("Min", "min", _extreme_rule, uses_ans=True, taylor=_extreme_series,
                 kink=(lambda x, axis=None: _tie(x, axis, "min"),
                       "min at a tie splits the gradient evenly among the tied"))


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Mean of the elements (along ``axis``)."""
    return _kept(apply(MEAN, *_one(x, axis)), x, axis, keepdims)


def prod(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Product of the elements (along ``axis``)."""
    return _kept(apply(PROD, *_one(x, axis)), x, axis, keepdims)


def max(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Largest element (along ``axis``); ties split the gradient evenly."""
    return _kept(apply(MAX, *_one(x, axis)), x, axis, keepdims)


def min(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Smallest element (along ``axis``); ties split the gradient evenly."""
    return _kept(apply(MIN, *_one(x, axis)), x, axis, keepdims)


def _kept(out: Tensor, x: Any, axis: Any, keepdims: bool) -> Tensor:
    """numpy's keepdims: the reduced axes stay, of length 1."""
    if not keepdims:
        return out
    x, axes = reduce_axes(x, axis)
    return reshape(out, kept_shape(x.shape, axes))


def _one(x: Any, axis: Any) -> tuple:
    """(inputs, parameter) of a reduction of ``x`` along ``axis``."""
    x, axes = reduce_axes(x, axis)
    return (x,), axes


# --------------------------------------------------------------------------
# Reductions with a normalising rule
def _logsumexp(x, axes):
    m = np.max(x, axis=axes, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    s = np.log(np.sum(np.exp(x - m), axis=axes, keepdims=True)) + m
    return s.reshape(()) if axes is None else np.squeeze(s, axis=axes)


def _softmax(x, axes):
    m = np.max(x, axis=axes, keepdims=True)
    e = np.exp(x - np.where(np.isfinite(m), m, 0.0))
    return e / np.sum(e, axis=axes, keepdims=True)


def _exp_shifted(u, axes):
    """The series of exp(u - m), m the (constant) max along axes, as the kernels shift."""
    m = np.max(u[0], axis=axes, keepdims=True)
    return ts.exp(u, np.exp(u[0] - np.where(np.isfinite(m), m, 0.0)))


def _logsumexp_series(w0, node, u):
    s = [demote(np.sum(c, axis=node.p)) for c in _exp_shifted(u, node.p)]
    return ts.integ_div(s, s, w0)


def _softmax_series(w0, node, u):
    e = _exp_shifted(u, node.p)
    return ts.div(e, [np.sum(c, axis=node.p, keepdims=True) for c in e], w0)


def _norm_series(w0, node, u):
    if w0 == 0.0:  # norm'(0) = 0
        return [w0]
    shape = shape_of(u[0])
    return ts.sqrt([demote(np.sum(ts.full(c, shape))) for c in ts.mul(u, u)], w0)


LOGSUMEXP = Prim("Logsumexp", lambda x, axes: x, _logsumexp, (
    lambda g, a, x, axes: mul(unreduce(g, dims(x), axes, batch_dims(g)), exp(sub(x, unreduce(a, dims(x), axes)))),),
    uses_ans=True, has_param=True, batch=True, taylor=_logsumexp_series)
SOFTMAX = Prim("Softmax", lambda x, axes: 1.0, _softmax, (
    lambda g, a, x, axes: mul(a, sub(g, unreduce(apply(SUM, (mul(g, a),), batch_axes(g, axes, len(dims(x)))),
                                                 dims(x), axes, batch_dims(g)))),),
    uses_ans=True, has_param=True, batch=True, taylor=_softmax_series)
NORM = Prim("Norm", lambda x, p: abs(x), _norm, (
    lambda g, a, x, p: mul(scalar_grad(g, len(dims(x))), where(eq(a, 0.0), 0.0, div(x, a))),),  # norm'(0) = 0
    uses_ans=True, has_param=True, batch=True, taylor=_norm_series,
    kink=(lambda x: not np.any(x), "norm'(0) is taken as 0 (a subgradient)"))


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """log(sum(exp(x))) computed without overflow."""
    return _kept(apply(LOGSUMEXP, *_one(x, axis)), x, axis, keepdims)


def softmax(x: Any, axis: Any = -1) -> Tensor:
    """exp(x) / sum(exp(x)) along ``axis`` (default: the last)."""
    x = x if isinstance(x, Tensor) else const(x)
    return apply(SOFTMAX, (x,), None if x.ndim == 0 else norm_axis(axis, x.ndim))


def norm(x: Any) -> Tensor:
    """Euclidean norm of all elements (Frobenius for a matrix); its gradient at 0 is 0."""
    return apply(NORM, (x,), None)


max.prim, min.prim, norm.prim = MAX, MIN, NORM
