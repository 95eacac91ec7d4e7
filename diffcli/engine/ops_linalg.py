"""Linear algebra primitives: matrix products, trace, inverse, determinant, diagonal."""
from __future__ import annotations

from typing import Any

from ..errors import DiffcliError
from .backend import np
from .ops import div, mul, neg, sub
from .ops_array import _lead, _prod_others_1d, _scalar_grad, _sh, _swap, _t, reshape, sum
from .ops_index import _batched, getitem, scatter
from .tensor import Prim, Tensor, apply


def _need_ndim(x: Tensor, lo: int, what: str) -> None:
    if x.ndim < lo:
        raise DiffcliError("shape", f"{what} needs at least {lo} dimension(s), got shape {x.shape}")


# g's shape may start with a batch axis (state.batch); each case below keeps it first.
def _matmul_da(g, a, x, y):
    xs, ys, gs = _sh(x), _sh(y), _sh(g)
    if len(xs) == 1 and len(ys) == 1:
        return mul(reshape(g, gs + (1,)) if gs else g, y)
    if len(xs) == 1 and len(ys) == 2:  # (k,) @ (k, m): g (m,)
        return matmul(g, _swap(y))
    if len(ys) == 1:  # (..., n, k) @ (k,): g (..., n)
        return mul(reshape(g, gs + (1,)), y)
    if len(xs) == 1:  # (k,) @ (..., k, m): g (..., m); summed over m here, over the batch centrally
        return sum(mul(y, reshape(g, gs[:-1] + (1, gs[-1]))), -1)
    return matmul(g, _swap(y))


def _matmul_db(g, a, x, y):
    xs, ys, gs = _sh(x), _sh(y), _sh(g)
    if len(xs) == 1 and len(ys) == 1:
        return mul(reshape(g, gs + (1,)) if gs else g, x)
    if len(xs) == 2 and len(ys) == 1:  # (n, k) @ (k,): g (n,)
        return matmul(g, x)
    if len(xs) == 1:  # (k,) @ (..., k, m)
        return mul(reshape(x, (xs[0], 1)), reshape(g, gs[:-1] + (1, gs[-1])))
    if len(ys) == 1:  # (..., n, k) @ (k,): sum over n here, over the batch centrally
        return sum(mul(x, reshape(g, gs + (1,))), -2)
    return matmul(_swap(x), g)


MATMUL = Prim("Matmul", None, "matmul", (_matmul_da, _matmul_db), batch=True)
OUTER = Prim("Outer", None, lambda x, y: np.outer(x, y), (
    lambda g, a, x, y: reshape(matmul(g, reshape(y, (-1,))), _lead(g) + _sh(x)),
    lambda g, a, x, y: reshape(matmul(_swap(g), reshape(x, (-1,))), _lead(g) + _sh(y))), batch=True)
TRACE = Prim("Trace", None, lambda x: np.trace(x), (
    lambda g, a, x: mul(_scalar_grad(g, 2), np.eye(*_sh(x))),), reads=False, batch=True)
INV = Prim("Inv", None, lambda x: _checked_inv(x), (
    lambda g, a, x: neg(matmul(matmul(_swap(a), g), _swap(a))),), uses_ans=True, batch=True)
DET = Prim("Det", None, lambda x: np.linalg.det(x), (
    lambda g, a, x: mul(_scalar_grad(g, 2), apply(COFACTOR, (x,))),),  # the cofactor matrix: right at singular x too
    batch=True)


def _cofactor(x):
    """adj(x)^T from the SVD x = U S V^T: det(U) det(V) U diag(prod_{j!=i} s_j) V^T, exact
    when x is singular (where det(x) inv(x)^T is not defined)."""
    u, s, vt = np.linalg.svd(x)
    return np.linalg.det(u) * np.linalg.det(vt) * ((u * _prod_others_1d(s)) @ vt)


def _cofactor_rule(g, c, x):
    """With C = det(x) x^-T: d<G, C> = (<G, C> C - C G^T C) / det(x) (undefined at singular x)."""
    gc = sum(mul(g, c), (-2, -1))  # <G, C>, for each seed of a batch
    return div(sub(mul(_scalar_grad(gc, 2), c), matmul(matmul(c, _swap(g)), c)), apply(DET, (x,)))


COFACTOR = Prim("Cofactor", None, _cofactor, (_cofactor_rule,), uses_ans=True, batch=True)


def _diag_rule(g, a, x):
    xs = _sh(x)
    if len(xs) == 1:  # x made a diagonal matrix: its gradient is g's diagonal
        return getitem(g, _batched(g, (np.arange(xs[0]),) * 2)) if _lead(g) else diag(g)
    return scatter(g, _batched(g, (np.arange(_sh(g)[-1]),) * 2), _lead(g) + xs)


DIAG = Prim("Diag", None, lambda x: np.diag(x), (_diag_rule,), reads=False, batch=True)


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
    if x.ndim != 2 or x.shape[0] != x.shape[1]:
        raise DiffcliError("shape", f"{what} needs a square matrix, got shape {x.shape}")


def matmul(x: Any, y: Any) -> Tensor:
    """Matrix product with numpy's rules (vector @ vector is a scalar)."""
    x, y = _t(x), _t(y)
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


def trace(x: Any) -> Tensor:
    """Sum of the diagonal."""
    x = _t(x)
    _need_ndim(x, 2, "trace")
    return apply(TRACE, (x,))


def inv(x: Any) -> Tensor:
    """Matrix inverse."""
    x = _t(x)
    _square(x, "inv")
    return apply(INV, (x,))


def det(x: Any) -> Tensor:
    """Determinant."""
    x = _t(x)
    _square(x, "det")
    return apply(DET, (x,))


def diag(x: Any) -> Tensor:
    """The diagonal of a matrix, or the diagonal matrix of a vector."""
    x = _t(x)
    if x.ndim not in (1, 2):
        raise DiffcliError("shape", f"diag needs a vector or a matrix, got shape {x.shape}")
    return apply(DIAG, (x,))
