"""Primitives on whole tensors: shape changes and reductions (linear algebra in ops_linalg,
joining and indexing in ops_index; all re-exported here).

Their parameter (an axis, a shape, an index) is fixed at the call and passed
last to both the kernel and the rule.
"""
from __future__ import annotations

from typing import Any, Sequence

from ..errors import DiffcliError
from .backend import np, shape_of, sum_to_shape
from .ops import KINKS, div, eq, exp, mul, sub, where
from .state import state
from .tensor import Prim, Tensor, apply, const


def _sh(x: Any) -> tuple:
    """The shape of a tensor or of a raw value (rules see raw values in a plain backward pass)."""
    return shape_of(x._v if type(x) is Tensor else x)


def _lead(g: Any) -> tuple:
    """The batch axis of a gradient (Jacobian rows in one pass, ``state.batch``), or ()."""
    return _sh(g)[:state.batch] if state.batch else ()


def _batch_axes(g: Any, axes: tuple | None, ndim: int) -> tuple | None:
    """Reduction axes of an unbatched value of ``ndim`` dimensions, for the gradient ``g``."""
    nb = len(_lead(g))
    if not nb:
        return axes
    return tuple(range(nb, nb + ndim)) if axes is None else tuple(nb + i for i in axes)


def _scalar_grad(g: Any, ndim: int) -> Any:
    """The gradient of a scalar result, ready to broadcast against an input of ``ndim``
    dimensions: with a batch axis first, trailing axes of size 1 are needed."""
    lead = _lead(g)
    return reshape(g, lead + (1,) * ndim) if lead else g


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else const(x)


def _norm_axis(axis: Any, ndim: int) -> tuple | None:
    if axis is None:
        return None
    axes = axis if isinstance(axis, tuple) else (axis,)
    out = []
    for a in axes:
        a = int(a)
        if ndim == 0 or not -ndim <= a < ndim:
            raise DiffcliError("shape", f"axis {a} is out of range for a tensor with {ndim} dimensions")
        out.append(a % ndim)
    return tuple(out)


def _kept_shape(shape: tuple, axes: tuple | None) -> tuple:
    """The reduced shape with the reduced axes kept as 1s."""
    return tuple(1 if axes is None or i in axes else n for i, n in enumerate(shape))


def _unreduce(g: Tensor, shape: tuple, axes: tuple | None, lead: tuple = ()) -> Tensor:
    """Spread a reduction's gradient back over the axes it reduced (after a batch axis ``lead``)."""
    return broadcast_to(reshape(g, lead + _kept_shape(shape, axes)), lead + shape)


def _count(shape: tuple, axes: tuple | None) -> int:
    n = 1
    for i, k in enumerate(shape):
        if axes is None or i in axes:
            n *= k
    return n


# --------------------------------------------------------------------------
# Shape plumbing (each is the other's derivative)
def _sum_to_rule(g, a, x, s):
    lead = _lead(g)
    if lead:  # align the summed shape on the right before spreading it again
        g = reshape(g, lead + (1,) * (len(_sh(x)) - len(s)) + s)
    return broadcast_to(g, lead + _sh(x))


def _transpose_rule(g, a, x, axes):
    inv = None if axes is None else tuple(int(i) for i in np.argsort(axes))
    nb = len(_lead(g))
    if nb:  # the batch axis stays first
        inv = tuple(range(nb)) + tuple(nb + i for i in (reversed(range(len(_sh(x)))) if inv is None else inv))
    return transpose(g, inv)


RESHAPE = Prim("Reshape", None, lambda x, s: np.reshape(x, s),
               (lambda g, a, x, s: reshape(g, _lead(g) + _sh(x)),), has_param=True, reads=False, batch=True)
BROADCAST = Prim("Expand", None, lambda x, s: np.broadcast_to(x, s),
                 (lambda g, a, x, s: sum_to(g, _lead(g) + _sh(x)),), has_param=True, reads=False, batch=True)
# Applied only to gradients, so in a batched pass its input has the batch axis too.
SUM_TO = Prim("SumTo", lambda x, s: x, lambda x, s: sum_to_shape(x, s, state.batch),
              (_sum_to_rule,), has_param=True, reads=False, batch=True)
TRANSPOSE = Prim("Transpose", lambda x, axes: x, lambda x, axes: np.transpose(x, axes), (_transpose_rule,),
                 has_param=True, reads=False, batch=True)


def reshape(x: Any, *shape: Any) -> Tensor:
    """``x`` with a new shape of the same size (one entry may be -1)."""
    shape = _shape_arg(shape)
    if shape == _sh(x):
        if state.raw:
            return x._v if type(x) is Tensor else x
        return x if isinstance(x, Tensor) else const(x)
    return apply(RESHAPE, (x,), shape)


def broadcast_to(x: Any, shape: tuple) -> Tensor:
    return apply(BROADCAST, (x,), tuple(shape))


def sum_to(x: Any, shape: tuple) -> Tensor:
    """Sum a broadcast gradient back to ``shape``."""
    return apply(SUM_TO, (x,), tuple(shape))


def transpose(x: Any, axes: Any = None) -> Tensor:
    """Permute the axes (default: reverse them)."""
    return apply(TRANSPOSE, (x,), None if axes is None else tuple(int(a) for a in axes))


def _swap(x: Tensor) -> Tensor:
    n = len(_sh(x))
    return transpose(x, tuple(range(n - 2)) + (n - 1, n - 2))


def _shape_arg(shape: Sequence[Any]) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


# --------------------------------------------------------------------------
# Reductions (axis=None reduces everything)
def _reduction(name: str, kernel: Any, rule, uses_ans: bool = False, reads: bool = True) -> Prim:
    """``kernel``: numpy's function of that name, or a function of (x, axes)."""
    return Prim(name, lambda x, axes: x if axes is None else np.sum(x, axes),
                (lambda x, axes: getattr(np, kernel)(x, axis=axes)) if type(kernel) is str else kernel,
                (rule,), uses_ans=uses_ans, has_param=True, reads=reads, batch=True)


def _mean(x, axes):
    """numpy's mean, unless its sum overflowed where the mean does not: then the sum of x/n."""
    r = np.mean(x, axis=axes)
    if not np.all(np.isfinite(r)) and np.all(np.isfinite(x)):
        r = np.sum(np.divide(x, _count(np.shape(x), axes)), axis=axes)
    return r


def _prod(x, axes):
    """numpy's product, except where a zero meets an overflow (inf * 0 = nan): the product of
    finite numbers with a zero among them is 0."""
    r = np.prod(x, axis=axes)
    if np.any(np.isnan(r)):
        zero = np.any(np.equal(x, 0.0), axis=axes) & np.all(np.isfinite(x), axis=axes)
        r = np.where(zero, 0.0, r)[()]
    return r


def _prod_rule(g, a, x, axes):
    return mul(_unreduce(g, _sh(x), axes, _lead(g)), apply(PROD_OTHERS, (x,), axes))


def _extreme_rule(g, a, x, axes):
    hit = eq(x, _unreduce(a, _sh(x), axes))  # ties share the gradient evenly
    share = div(hit, _unreduce(apply(SUM, (hit,), axes), _sh(x), axes))
    return mul(_unreduce(g, _sh(x), axes, _lead(g)), share)


def _prod_others(x, axes):
    """For each element, the product of the others along ``axes``; exact with zeros."""
    x = np.asarray(x, dtype=np.float64)
    if axes is None:
        flat = x.reshape(-1)
        return _prod_others_1d(flat).reshape(x.shape)
    moved = np.moveaxis(x, axes, tuple(range(-len(axes), 0)))
    lead = moved.shape[:moved.ndim - len(axes)]
    flat = moved.reshape(lead + (-1,))
    res = _prod_others_1d(flat).reshape(moved.shape)
    return np.moveaxis(res, tuple(range(-len(axes), 0)), axes)


def _prod_others_1d(v):
    ones = np.ones(v.shape[:-1] + (1,))
    left = np.cumprod(np.concatenate([ones, v[..., :-1]], axis=-1), axis=-1)
    right = np.flip(np.cumprod(np.concatenate([ones, np.flip(v, -1)[..., :-1]], axis=-1), axis=-1), -1)
    return left * right


SUM = _reduction("Sum", "sum", lambda g, a, x, axes: _unreduce(g, _sh(x), axes, _lead(g)), reads=False)
MEAN = _reduction("Mean", _mean, lambda g, a, x, axes: div(_unreduce(g, _sh(x), axes, _lead(g)),
                                                           float(_count(_sh(x), axes))), reads=False)
PROD = _reduction("Prod", _prod, _prod_rule)
MAX = _reduction("Max", "max", _extreme_rule, uses_ans=True)
MIN = _reduction("Min", "min", _extreme_rule, uses_ans=True)
# Its own derivative uses the quotient form, exact while at most the differentiated element is 0.
def _prod_others_rule(g, a, x, axes):
    """d/dx_k of sum_i g_i prod_{j!=i} x_j = sum_{i!=k} g_i prod_{j not in {i,k}} x_j.

    Exactly, zeros included: with the reduced axes flattened to n, row k of a new (n, n) block
    is x with x_k set to 1, so its products leaving out one element are x's products leaving
    out two. Each order adds an axis of size n, so past ~4e6 elements the quotient form
    (exact while the differentiated element is not 0) is used instead."""
    shape = _sh(x)
    red = tuple(range(len(shape))) if axes is None else axes
    keep = tuple(i for i in range(len(shape)) if i not in red)
    n, m = _count(shape, red), _count(shape, keep)
    if n > 1 and m * n * n <= 4_000_000:
        perm = keep + red
        eye = np.eye(n)
        xt = reshape(transpose(x, perm), (m, 1, n))
        rows = where(eye, 1.0, broadcast_to(xt, (m, n, n)))
        pairs = mul(apply(PROD_OTHERS, (rows,), (2,)), 1.0 - eye)
        v = matmul(pairs, reshape(transpose(g, perm), (m, n, 1)))
        return transpose(reshape(v, tuple(shape[i] for i in perm)), tuple(int(i) for i in np.argsort(perm)))
    return sub(div(_unreduce(apply(SUM, (mul(g, a),), axes), shape, axes), x), div(mul(g, a), x))


PROD_OTHERS = Prim("ProdOthers", lambda x, axes: 1.0, _prod_others, (_prod_others_rule,),
                   uses_ans=True, has_param=True)


def _reduce(prim: Prim, x: Any, axis: Any) -> Tensor:
    x = x if isinstance(x, Tensor) else const(x)
    axes = _norm_axis(axis, x.ndim)
    if axes is not None and x.ndim == 0:
        raise DiffcliError("shape", "a 0-d value has no axis to reduce")
    return apply(prim, (x,), axes)


def sum(x: Any, axis: Any = None) -> Tensor:  # noqa: A001
    """Sum of the elements (along ``axis``)."""
    return _reduce(SUM, x, axis)


def mean(x: Any, axis: Any = None) -> Tensor:
    """Mean of the elements (along ``axis``)."""
    return _reduce(MEAN, x, axis)


def prod(x: Any, axis: Any = None) -> Tensor:
    """Product of the elements (along ``axis``)."""
    return _reduce(PROD, x, axis)


def max(x: Any, axis: Any = None) -> Tensor:  # noqa: A001
    """Largest element (along ``axis``); ties split the gradient evenly."""
    return _reduce(MAX, x, axis)


def min(x: Any, axis: Any = None) -> Tensor:  # noqa: A001
    """Smallest element (along ``axis``); ties split the gradient evenly."""
    return _reduce(MIN, x, axis)


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


LOGSUMEXP = Prim("Logsumexp", lambda x, axes: x, _logsumexp, (
    lambda g, a, x, axes: mul(_unreduce(g, _sh(x), axes, _lead(g)), exp(sub(x, _unreduce(a, _sh(x), axes)))),),
    uses_ans=True, has_param=True, batch=True)
SOFTMAX = Prim("Softmax", lambda x, axes: 1.0, _softmax, (
    lambda g, a, x, axes: mul(a, sub(g, _unreduce(apply(SUM, (mul(g, a),), _batch_axes(g, axes, len(_sh(x)))),
                                                  _sh(x), axes, _lead(g)))),),
    uses_ans=True, has_param=True, batch=True)
def _norm(x, p):
    """sqrt(sum(x^2)), scaled by the largest |x| when the squares overflow or underflow."""
    r = np.sqrt(np.sum(x * x))
    if r == np.inf or r < 1e-150:
        m = np.max(np.abs(x)) if np.size(x) else 0.0
        if 0.0 < m < np.inf:
            r = m * np.sqrt(np.sum(np.square(x / m)))
    return r


NORM = Prim("Norm", lambda x, p: abs(x), _norm, (
    lambda g, a, x, p: mul(_scalar_grad(g, len(_sh(x))), where(eq(a, 0.0), 0.0, div(x, a))),),  # norm'(0) = 0
    uses_ans=True, has_param=True, batch=True)


def _tie(x: Any, axis: Any = None, pick: str = "max") -> bool:
    """More than one element shares the extreme value (along the axis)."""
    if type(x) is float:
        return False
    ax = None if axis is None else int(axis if type(axis) is float else np.asarray(axis))
    best = getattr(np, pick)(x, axis=ax, keepdims=True)
    return bool((np.sum(x == best, axis=ax) > 1).any())


def logsumexp(x: Any, axis: Any = None) -> Tensor:
    """log(sum(exp(x))) computed without overflow."""
    return _reduce(LOGSUMEXP, x, axis)


def softmax(x: Any, axis: Any = -1) -> Tensor:
    """exp(x) / sum(exp(x)) along ``axis`` (default: the last)."""
    x = x if isinstance(x, Tensor) else const(x)
    return apply(SOFTMAX, (x,), None if x.ndim == 0 else _norm_axis(axis, x.ndim))


def norm(x: Any) -> Tensor:
    """Euclidean norm of all elements (Frobenius for a matrix); its gradient at 0 is 0."""
    return apply(NORM, (x,), None)


max.prim, min.prim, norm.prim = MAX, MIN, NORM
KINKS.update({
    MAX: (lambda x, axis=None: _tie(x, axis, "max"), "max at a tie splits the gradient evenly among the tied"),
    MIN: (lambda x, axis=None: _tie(x, axis, "min"), "min at a tie splits the gradient evenly among the tied"),
    NORM: (lambda x: not np.any(x), "norm'(0) is taken as 0 (a subgradient)"),
})

# Split out to keep files small; imported last because they build on the helpers above.
from .ops_index import (CONCAT, GETITEM, SCATTER, SETITEM, STACK, concat, getitem,  # noqa: E402,F401
                        normalize_index, scatter, stack)
from .ops_linalg import (DET, DIAG, INV, MATMUL, OUTER, TRACE, det, diag, dot, inv, matmul,  # noqa: E402,F401
                         outer, trace)
