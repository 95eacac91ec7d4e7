"""Linear algebra primitives: matrix products, trace, inverse, determinant, diagonal."""
from __future__ import annotations

from typing import Any

from ..errors import DiffcliError
from . import taylor_series as ts
from .apply import apply
from .backend import np, shape_of
from .common import as_tensor, batch_dims, batched, count, dims
from .ops_arith import div, mul, neg, sub, where
from .ops_index import getitem, scatter
from .ops_shape import SUM, broadcast_to, reshape, scalar_grad, sum, swap_last, transpose, unreduce
from .prim import Prim
from .tensor import Tensor


def _need_ndim(x: Tensor, lo: int, what: str) -> None:
    if x.ndim < lo:
        raise DiffcliError("shape", f"{what} needs at least {lo} dimension(s), got shape {x.shape}")


def _inv_series(w0, node, a):
    """W = A^-1: from A W = I, W_k = -W_0 sum_{j=1..k} A_j W_{k-j}."""
    sh = shape_of(a[0])
    w = [w0]
    for k in range(1, len(a)):
        acc = 0.0
        for j in range(1, k + 1):
            if not (ts.is_zero(a[j]) or ts.is_zero(w[k - j])):
                acc = acc + np.matmul(ts.full(a[j], sh), ts.full(w[k - j], sh))
        w.append(0.0 if ts.is_zero(acc) else -np.matmul(w0, acc))
    return w


# g's shape may start with a batch axis (state.batch); each case below keeps it first.
def _matmul_da(g, a, x, y):
    xs, ys, gs = dims(x), dims(y), dims(g)
    if len(xs) == 1 and len(ys) == 1:
        return mul(reshape(g, gs + (1,)) if gs else g, y)
    if len(xs) == 1 and len(ys) == 2:  # (k,) @ (k, m): g (m,)
        return matmul(g, swap_last(y))
    if len(ys) == 1:  # (..., n, k) @ (k,): g (..., n)
        return mul(reshape(g, gs + (1,)), y)
    if len(xs) == 1:  # (k,) @ (..., k, m): g (..., m); summed over m here, over the batch centrally
        return sum(mul(y, reshape(g, gs[:-1] + (1, gs[-1]))), -1)
    return matmul(g, swap_last(y))


def _matmul_db(g, a, x, y):
    xs, ys, gs = dims(x), dims(y), dims(g)
    if len(xs) == 1 and len(ys) == 1:
        return mul(reshape(g, gs + (1,)) if gs else g, x)
    if len(xs) == 2 and len(ys) == 1:  # (n, k) @ (k,): g (n,)
        return matmul(g, x)
    if len(xs) == 1:  # (k,) @ (..., k, m)
        return mul(reshape(x, (xs[0], 1)), reshape(g, gs[:-1] + (1, gs[-1])))
    if len(ys) == 1:  # (..., n, k) @ (k,): sum over n here, over the batch centrally
        return sum(mul(x, reshape(g, gs + (1,))), -2)
    return matmul(swap_last(x), g)


MATMUL = Prim("Matmul", None, "matmul", (_matmul_da, _matmul_db), batch=True, taylor=ts.bilinear)
OUTER = Prim("Outer", None, lambda x, y: np.outer(x, y), (
    lambda g, a, x, y: reshape(matmul(g, reshape(y, (-1,))), batch_dims(g) + dims(x)),
    lambda g, a, x, y: reshape(matmul(swap_last(g), reshape(x, (-1,))), batch_dims(g) + dims(y))), batch=True,
    taylor=ts.bilinear)


def _trace_rule(g, a, x, offset):
    """The trace sums the diagonal of the first two axes, so its gradient is that diagonal's
    mask times g, which has the shape of the remaining axes (after a batch axis, if any)."""
    xs = dims(x)
    mask = np.eye(xs[0], xs[1], offset).reshape(xs[:2] + (1,) * (len(xs) - 2))
    return mul(reshape(g, batch_dims(g) + (1, 1) + xs[2:]), mask)


TRACE = Prim("Trace", None, lambda x, offset: np.trace(x, offset), (_trace_rule,), has_param=True,
             reads=False, batch=True, taylor=ts.linear)
INV = Prim("Inv", None, lambda x: _checked_inv(x), (
    lambda g, a, x: neg(matmul(matmul(swap_last(a), g), swap_last(a))),), uses_ans=True, batch=True,
    taylor=_inv_series)


def _per_matrix(v: Any) -> Any:
    """One value per matrix of a stack (and per seed of a batch), ready to broadcast against
    the matrices: trailing axes of length 1."""
    return reshape(v, dims(v) + (1, 1)) if dims(v) else v


DET = Prim("Det", None, lambda x: np.linalg.det(x), (
    lambda g, a, x: mul(_per_matrix(g), apply(COFACTOR, (x,))),),  # the cofactor matrix: right at singular x too
    batch=True)


def _cofactor(x):
    """adj(x)^T from the SVD x = U S V^T: det(U) det(V) U diag(prod_{j!=i} s_j) V^T, exact
    when x is singular (where det(x) inv(x)^T is not defined)."""
    u, s, vt = np.linalg.svd(x)
    signs = np.asarray(np.linalg.det(u) * np.linalg.det(vt))[..., None, None]  # (a stack: one per matrix)
    return signs * ((u * prod_others_1d(s)[..., None, :]) @ vt)


def _cofactor_rule(g, c, x):
    """With C = det(x) x^-T: d<G, C> = (<G, C> C - C G^T C) / det(x) (undefined at singular x)."""
    gc = sum(mul(g, c), (-2, -1))  # <G, C>, for each seed of a batch
    return div(sub(mul(_per_matrix(gc), c), matmul(matmul(c, swap_last(g)), c)), _per_matrix(apply(DET, (x,))))


COFACTOR = Prim("Cofactor", None, _cofactor, (_cofactor_rule,), uses_ans=True, batch=True)


# --------------------------------------------------------------------------
# Products of many elements: prod's rule, and the cofactor matrix, need each element's
# product of the others.
def prod_rule(g, a, x, axes):
    """The rule of prod (ops_reduce)."""
    return mul(unreduce(g, dims(x), axes, batch_dims(g)), apply(PROD_OTHERS, (x,), axes))


def _prod_others(x, axes):
    """For each element, the product of the others along ``axes``; exact with zeros."""
    x = np.asarray(x, dtype=np.float64)
    if axes is None:
        flat = x.reshape(-1)
        return prod_others_1d(flat).reshape(x.shape)
    moved = np.moveaxis(x, axes, tuple(range(-len(axes), 0)))
    lead = moved.shape[:moved.ndim - len(axes)]
    flat = moved.reshape(lead + (-1,))
    res = prod_others_1d(flat).reshape(moved.shape)
    return np.moveaxis(res, tuple(range(-len(axes), 0)), axes)


def prod_others_1d(v):
    ones = np.ones(v.shape[:-1] + (1,))
    left = np.cumprod(np.concatenate([ones, v[..., :-1]], axis=-1), axis=-1)
    right = np.flip(np.cumprod(np.concatenate([ones, np.flip(v, -1)[..., :-1]], axis=-1), axis=-1), -1)
    return left * right


# Its own derivative uses the quotient form, exact while at most the differentiated element is 0.
def _prod_others_rule(g, a, x, axes):
    """d/dx_k of sum_i g_i prod_{j!=i} x_j = sum_{i!=k} g_i prod_{j not in {i,k}} x_j.

    Exactly, zeros included: with the reduced axes flattened to n, row k of a new (n, n) block
    is x with x_k set to 1, so its products leaving out one element are x's products leaving
    out two. Each order adds an axis of size n, so past ~4e6 elements the quotient form
    (exact while the differentiated element is not 0) is used instead."""
    shape = dims(x)
    red = tuple(range(len(shape))) if axes is None else axes
    keep = tuple(i for i in range(len(shape)) if i not in red)
    n, m = count(shape, red), count(shape, keep)
    if n > 1 and m * n * n <= 4_000_000:
        perm = keep + red
        eye = np.eye(n)
        xt = reshape(transpose(x, perm), (m, 1, n))
        rows = where(eye, 1.0, broadcast_to(xt, (m, n, n)))
        pairs = mul(apply(PROD_OTHERS, (rows,), (2,)), 1.0 - eye)
        v = matmul(pairs, reshape(transpose(g, perm), (m, n, 1)))
        return transpose(reshape(v, tuple(shape[i] for i in perm)), tuple(int(i) for i in np.argsort(perm)))
    return sub(div(unreduce(apply(SUM, (mul(g, a),), axes), shape, axes), x), div(mul(g, a), x))


PROD_OTHERS = Prim("ProdOthers", lambda x, axes: 1.0, _prod_others, (_prod_others_rule,),
                   uses_ans=True, has_param=True)



def _diag_rule(g, a, x):
    xs = dims(x)
    if len(xs) == 1:  # x made a diagonal matrix: its gradient is g's diagonal
        return getitem(g, batched(g, (np.arange(xs[0]),) * 2)) if batch_dims(g) else diag(g)
    return scatter(g, batched(g, (np.arange(dims(g)[-1]),) * 2), batch_dims(g) + xs)


DIAG = Prim("Diag", None, lambda x: np.diag(x), (_diag_rule,), reads=False, batch=True, taylor=ts.linear)


def _checked_inv(x):
    try:
        r = np.linalg.inv(x)
        if not np.all(np.isfinite(r)) and np.all(np.isfinite(x)):
            # entries near the ends of float64's range: rows scaled by powers of two (exact),
            # inv(D x) D, so that an entry that overflows is inf, not inf * 0 = nan
            e = np.frexp(np.max(np.abs(x), axis=-1))[1]
            r = np.ldexp(np.linalg.inv(np.ldexp(x, -e[..., :, None])), -e[..., None, :])
        return r
    except np.linalg.LinAlgError:
        raise DiffcliError("domain", f"inv: the {x.shape[0]}x{x.shape[-1]} matrix is singular") from None


def _square(x: Tensor, what: str) -> None:
    """A square matrix, or a stack of them (leading batch axes, as numpy.linalg)."""
    if x.ndim < 2 or x.shape[-2] != x.shape[-1]:
        raise DiffcliError("shape", f"{what} needs a square matrix (or a stack of them), got shape {x.shape}")


def matmul(x: Any, y: Any) -> Tensor:
    """Matrix product with numpy's rules (vector @ vector is a scalar)."""
    x, y = as_tensor(x), as_tensor(y)
    _need_ndim(x, 1, "matmul")
    _need_ndim(y, 1, "matmul")
    if x.shape[-1] != y.shape[-2 if y.ndim > 1 else 0]:
        raise DiffcliError("shape", f"matmul: shapes {x.shape} and {y.shape} do not align "
                           f"({x.shape[-1]} != {y.shape[-2 if y.ndim > 1 else 0]})")
    return apply(MATMUL, (x, y))


def dot(x: Any, y: Any) -> Tensor:
    """Dot product of vectors (matrix product for matrices)."""
    return matmul(x, y)


def outer(x: Any, y: Any) -> Tensor:
    """Outer product of two vectors."""
    return apply(OUTER, (x, y))


def trace(x: Any, offset: int = 0) -> Tensor:
    """Sum of the diagonal (``offset`` above it; of the first two axes, as numpy)."""
    x = as_tensor(x)
    _need_ndim(x, 2, "trace")
    return apply(TRACE, (x,), int(offset))


def inv(x: Any) -> Tensor:
    """Matrix inverse."""
    x = as_tensor(x)
    _square(x, "inv")
    return apply(INV, (x,))


def det(x: Any) -> Tensor:
    """Determinant."""
    x = as_tensor(x)
    _square(x, "det")
    return apply(DET, (x,))


def diag(x: Any) -> Tensor:
    """The diagonal of a matrix, or the diagonal matrix of a vector."""
    x = as_tensor(x)
    if x.ndim not in (1, 2):
        raise DiffcliError("shape", f"diag needs a vector or a matrix, got shape {x.shape}")
    return apply(DIAG, (x,))
