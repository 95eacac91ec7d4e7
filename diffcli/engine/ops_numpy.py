"""numpy's functions written in the engine's operations: every order of derivative comes free.

Names, argument order and semantics are numpy's. Index-based ones (flip, roll, repeat, tile,
sort, take, diagonal) are one indexing operation, whose adjoint scatters the gradient back;
products (dot, inner, tensordot, kron, einsum) are transposes, reshapes, broadcasting and
matmul or sum. ``cumsum`` is the one primitive here (its adjoint is a reversed cumsum).
"""
from __future__ import annotations

import math
from typing import Any, Sequence

from ..errors import DiffcliError
from .backend import np
from . import taylor_series as ts
from .apply import apply
from .common import as_tensor as _t
from .common import batch_dims, norm_axis
from .ops_arith import add, div, mul, sub, where
from .ops_math import exp, log, pow, sqrt
from .ops_reduce import mean, prod
from .ops_shape import broadcast_to, reshape, sum, transpose
from . import ops_linalg
from .ops_index import concat, getitem, scatter
from .prim import Prim
from .tensor import Tensor

# --------------------------------------------------------------------------
# Elementwise
def square(x: Any) -> Tensor:
    return mul(x, x)


def reciprocal(x: Any) -> Tensor:
    return div(1.0, x)


def exp2(x: Any) -> Tensor:
    return pow(2.0, x)


def deg2rad(x: Any) -> Tensor:
    return mul(x, math.pi / 180.0)


def rad2deg(x: Any) -> Tensor:
    return mul(x, 180.0 / math.pi)


def logaddexp(a: Any, b: Any) -> Tensor:
    """log(exp(a) + exp(b)) without overflow: m + log(exp(a-m) + exp(b-m)) holds for any
    constant m, so the larger value, taken as a constant, shifts without changing a derivative."""
    a, b = _t(a), _t(b)
    av, bv = a._v, b._v
    if type(av) is float and type(bv) is float:
        m = max(av, bv)
        m = m if math.isfinite(m) else 0.0
    else:
        m = np.maximum(av, bv)
        m = np.where(np.isfinite(m), m, 0.0)
    return add(m, log(add(exp(sub(a, m)), exp(sub(b, m)))))


# --------------------------------------------------------------------------
# Reductions
def var(x: Any, axis: Any = None, ddof: float = 0, keepdims: bool = False) -> Tensor:
    """Variance (divided by n - ddof), along ``axis`` (an int or a tuple)."""
    x = _t(x)
    axes = norm_axis(axis, x.ndim)
    n = 1
    for i, k in enumerate(x.shape):
        n *= k if axes is None or i in axes else 1
    d = sub(x, mean(x, axes, keepdims=True))
    return div(sum(mul(d, d), axes, keepdims), float(n - ddof))


def std(x: Any, axis: Any = None, ddof: float = 0, keepdims: bool = False) -> Tensor:
    """Standard deviation, sqrt(var): its derivative is infinite where the spread is 0."""
    return sqrt(var(x, axis, ddof, keepdims))


def _cumsum_rule(g, a, x, axis):
    ax = len(batch_dims(g)) + axis  # a batch axis first moves the summed one
    rev = (slice(None),) * ax + (slice(None, None, -1),)
    return getitem(apply(CUMSUM, (getitem(g, rev),), ax), rev)


CUMSUM = Prim("Cumsum", None, lambda x, axis: np.cumsum(x, axis), (_cumsum_rule,), has_param=True,
              reads=False, batch=True, taylor=ts.linear)


def _flat_axis(x: Tensor, axis: Any) -> tuple:
    """numpy's axis=None for cumulative and index functions: along the flattened input."""
    if axis is None:
        return reshape(x, (-1,)) if x.ndim != 1 else x, 0
    if x.ndim == 0:
        raise DiffcliError("shape", "a 0-d value has no axis")
    return x, norm_axis(axis, x.ndim)[0]


def cumsum(x: Any, axis: Any = None) -> Tensor:
    x, ax = _flat_axis(_t(x), axis)
    return apply(CUMSUM, (x,), ax)


def cumprod(x: Any, axis: Any = None) -> Tensor:
    """Running products, as the products of the rows of a triangle (x_j for j <= i, else 1):
    exact where x has zeros, at every order (prod's rule is)."""
    x, ax = _flat_axis(_t(x), axis)
    n = x.shape[ax]
    xm = _moveaxis(x, ax, -1)
    rows = broadcast_to(reshape(xm, xm.shape[:-1] + (1, n)), xm.shape[:-1] + (n, n))
    return _moveaxis(prod(where(np.tri(n, n, 0), rows, 1.0), -1), -1, ax)


def _moveaxis(x: Tensor, src: int, dst: int) -> Tensor:
    order = list(range(x.ndim))
    order.insert(dst % x.ndim, order.pop(src % x.ndim))
    return x if order == sorted(order) else transpose(x, order)


# --------------------------------------------------------------------------
# Shape: squeeze, expand_dims, flip, roll, repeat, tile, tril, triu, diagonal, split, stacks
def squeeze(x: Any, axis: Any = None) -> Tensor:
    x = _t(x)
    axes = norm_axis(axis, x.ndim)
    if axes is not None and any(x.shape[a] != 1 for a in axes):
        raise DiffcliError("shape", f"squeeze: an axis to remove must have length 1, shape {x.shape}")
    return reshape(x, tuple(n for i, n in enumerate(x.shape) if not (n == 1 and (axes is None or i in axes))))


def expand_dims(x: Any, axis: Any) -> Tensor:
    x = _t(x)
    axes = norm_axis(axis, x.ndim + (len(axis) if isinstance(axis, (tuple, list)) else 1))
    shape = iter(x.shape)
    return reshape(x, tuple(1 if i in axes else next(shape) for i in range(x.ndim + len(axes))))


def _along(x: Tensor, ax: int, index: Any) -> Tensor:
    return getitem(x, (slice(None),) * ax + (index,))


def flip(x: Any, axis: Any = None) -> Tensor:
    x = _t(x)
    axes = norm_axis(axis, x.ndim) or ()
    axes = tuple(range(x.ndim)) if axis is None else axes
    return getitem(x, tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(x.ndim)))


def roll(x: Any, shift: int, axis: Any = None) -> Tensor:
    x0 = _t(x)
    x, ax = _flat_axis(x0, axis)
    n = x.shape[ax]
    out = _along(x, ax, (np.arange(n) - int(shift)) % n) if n else x
    return reshape(out, x0.shape) if axis is None else out


def repeat(x: Any, repeats: Any, axis: Any = None) -> Tensor:
    x, ax = _flat_axis(_t(x), axis)
    reps = np.asarray(repeats, dtype=np.intp)
    if np.any(reps < 0):
        raise DiffcliError("shape", "repeat: repeats cannot be negative")
    return _along(x, ax, np.repeat(np.arange(x.shape[ax]), reps))


def tile(x: Any, reps: Any) -> Tensor:
    x = _t(x)
    reps = (int(reps),) if np.ndim(reps) == 0 else tuple(int(r) for r in reps)
    nd = max(x.ndim, len(reps))
    x = reshape(x, (1,) * (nd - x.ndim) + x.shape)
    reps = (1,) * (nd - len(reps)) + reps
    return getitem(x, np.ix_(*[np.tile(np.arange(n), r) for n, r in zip(x.shape, reps)]))


def tril(x: Any, k: int = 0) -> Tensor:
    x = _t(x)
    n, m = x.shape[-2:]
    return mul(x, np.tri(n, m, int(k)))


def triu(x: Any, k: int = 0) -> Tensor:
    x = _t(x)
    n, m = x.shape[-2:]
    return mul(x, 1.0 - np.tri(n, m, int(k) - 1))


def diagonal(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
    """numpy's diagonal: the two axes go, the diagonal is the last axis."""
    x = _t(x)
    a1, a2 = norm_axis((axis1, axis2), x.ndim)
    rest = [i for i in range(x.ndim) if i not in (a1, a2)]
    xt = transpose(x, rest + [a1, a2])
    n, m = xt.shape[-2:]
    offset = int(offset)
    i = np.arange(max(0, min(n + min(offset, 0), m - max(offset, 0))))
    return getitem(xt, (Ellipsis, i - min(offset, 0), i + max(offset, 0)))


def diag(x: Any, k: int = 0) -> Tensor:
    """The k-th diagonal of a matrix, or the matrix with vector x on its k-th diagonal."""
    x, k = _t(x), int(k)
    if k == 0 and x.ndim in (1, 2):
        return ops_linalg.diag(x)  # the main diagonal: the engine's own primitive
    if x.ndim == 2:
        return diagonal(x, k)
    if x.ndim != 1:
        raise DiffcliError("shape", f"diag needs a vector or a matrix, got shape {x.shape}")
    n = x.shape[0] + abs(k)
    i = np.arange(x.shape[0])
    return scatter(x, (i - min(k, 0), i + max(k, 0)), (n, n))


def split(x: Any, indices_or_sections: Any, axis: int = 0) -> list:
    x = _t(x)
    ax = norm_axis(axis, x.ndim)[0]
    n = x.shape[ax]
    if np.ndim(indices_or_sections) == 0:
        k = int(indices_or_sections)
        if k <= 0 or n % k:
            raise DiffcliError("shape", f"split: {n} elements do not divide into {k} equal parts")
        cuts = [n // k * i for i in range(1, k)]
    else:
        cuts = [int(c) for c in indices_or_sections]
    bounds = [0] + cuts + [n]
    return [_along(x, ax, slice(a, b)) for a, b in zip(bounds[:-1], bounds[1:])]


def hstack(tensors: Sequence[Any]) -> Tensor:
    ts = [_atleast(t, 1) for t in tensors]
    return concat(ts, 0 if ts[0].ndim == 1 else 1)


def vstack(tensors: Sequence[Any]) -> Tensor:
    return concat([_atleast(t, 2) for t in tensors], 0)


def _atleast(t: Any, nd: int) -> Tensor:
    t = _t(t)
    return t if t.ndim >= nd else reshape(t, (1,) * (nd - t.ndim) + t.shape)


def sort(x: Any, axis: Any = -1) -> Tensor:
    """Sorted along ``axis``: the gradient goes back through the permutation (ties: numpy's
    stable order)."""
    x, ax = _flat_axis(_t(x), axis)
    order = np.argsort(np.asarray(x._v), axis=ax, kind="stable")
    idx = list(np.indices(order.shape, sparse=True))
    idx[ax] = order
    return getitem(x, tuple(idx))


def take(x: Any, indices: Any, axis: Any = None) -> Tensor:
    x, ax = _flat_axis(_t(x), axis)
    idx = np.asarray(indices._v if isinstance(indices, Tensor) else indices, dtype=np.float64)
    if np.any(idx != np.floor(idx)):
        raise DiffcliError("type", "take: indices must be integers")
    return _along(x, ax, idx.astype(np.intp))
