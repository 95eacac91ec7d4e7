"""numpy's products and linear-algebra functions written in engine operations (every order of
derivative comes free): dot, inner, tensordot, kron, cross, einsum; solve, slogdet, pinv, and
norm with ``ord`` and ``axis``."""
from __future__ import annotations

from typing import Any

from ..errors import DiffcliError
from .backend import np
from .common import as_tensor as _t
from .common import norm_axis
from .ops_arith import mul, sub
from .ops_index import getitem, stack
from .ops_linalg import det, inv, matmul
from .ops_math import abs_, log, pow, sign, sqrt
from .ops_reduce import max, min, norm
from .ops_shape import reshape, sum, swap_last, transpose
from .tensor import Tensor


def tensordot(a: Any, b: Any, axes: Any = 2) -> Tensor:
    """Sum over ``axes`` (an int n: a's last n with b's first n; or a pair of axis lists)."""
    a, b = _t(a), _t(b)
    if isinstance(axes, int):
        ax_a, ax_b = list(range(a.ndim - axes, a.ndim)), list(range(axes))
    else:
        ax_a, ax_b = ([x] if isinstance(x, int) else list(x) for x in axes)
    ax_a = list(norm_axis(tuple(ax_a), a.ndim) or ())
    ax_b = list(norm_axis(tuple(ax_b), b.ndim) or ())
    if len(ax_a) != len(ax_b) or any(a.shape[i] != b.shape[j] for i, j in zip(ax_a, ax_b)):
        raise DiffcliError("shape", f"tensordot: shapes {a.shape} and {b.shape} do not align on the axes")
    free_a = [i for i in range(a.ndim) if i not in ax_a]
    free_b = [j for j in range(b.ndim) if j not in ax_b]
    k = 1
    for i in ax_a:
        k *= a.shape[i]
    sa = tuple(a.shape[i] for i in free_a)
    sb = tuple(b.shape[j] for j in free_b)
    am = reshape(transpose(a, free_a + ax_a), (_count(sa), k))
    bm = reshape(transpose(b, ax_b + free_b), (k, _count(sb)))
    return reshape(matmul(am, bm), sa + sb)


def _count(shape: tuple) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def dot(a: Any, b: Any) -> Tensor:
    """numpy's dot: a product with a scalar, matmul up to matrices, and for N-d arrays the sum
    over a's last axis and b's second to last."""
    a, b = _t(a), _t(b)
    if a.ndim == 0 or b.ndim == 0:
        return mul(a, b)
    if a.ndim <= 2 and b.ndim <= 2:
        return matmul(a, b)
    return tensordot(a, b, ([a.ndim - 1], [b.ndim - 2 if b.ndim > 1 else 0]))


def inner(a: Any, b: Any) -> Tensor:
    a, b = _t(a), _t(b)
    if a.ndim == 0 or b.ndim == 0:
        return mul(a, b)
    return tensordot(a, b, ([a.ndim - 1], [b.ndim - 1]))


def kron(a: Any, b: Any) -> Tensor:
    a, b = _t(a), _t(b)
    nd = max_(a.ndim, b.ndim)
    sa, sb = (1,) * (nd - a.ndim) + a.shape, (1,) * (nd - b.ndim) + b.shape
    inter_a = tuple(x for s in sa for x in (s, 1))
    inter_b = tuple(x for s in sb for x in (1, s))
    return reshape(mul(reshape(a, inter_a), reshape(b, inter_b)), tuple(p * q for p, q in zip(sa, sb)))


def max_(p: int, q: int) -> int:
    return p if p > q else q


def cross(a: Any, b: Any) -> Tensor:
    """The cross product of 3-vectors along the last axis."""
    a, b = _t(a), _t(b)
    if a.shape[-1:] != (3,) or b.shape[-1:] != (3,):
        raise DiffcliError("shape", f"cross needs vectors of 3 along the last axis, got {a.shape} and {b.shape}")
    c = [getitem(a, (Ellipsis, i)) for i in range(3)]
    d = [getitem(b, (Ellipsis, i)) for i in range(3)]
    return stack([sub(mul(c[1], d[2]), mul(c[2], d[1])), sub(mul(c[2], d[0]), mul(c[0], d[2])),
                  sub(mul(c[0], d[1]), mul(c[1], d[0]))], -1)


def einsum(subscripts: str, *operands: Any) -> Tensor:
    """numpy's einsum for subscripts of letters (no '...'): each operand is laid out along every
    letter (a repeated letter takes its diagonal), the product broadcasts, and the letters not
    in the output are summed."""
    spec = subscripts.replace(" ", "")
    ins, arrow, out = spec.partition("->")
    terms = ins.split(",")
    if len(terms) != len(operands) or not all(t.isalpha() for t in terms) or (arrow and not
                                                                               (out.isalpha() or out == "")):
        raise DiffcliError("type", f"einsum: bad subscripts {subscripts!r} for {len(operands)} operand(s)")
    ops = [_t(x) for x in operands]
    sizes: dict = {}
    for term, x in zip(terms, ops):
        if len(term) != x.ndim:
            raise DiffcliError("shape", f"einsum: '{term}' has {len(term)} letters for shape {x.shape}")
        for letter, n in zip(term, x.shape):
            if sizes.setdefault(letter, n) != n:
                raise DiffcliError("shape", f"einsum: letter '{letter}' has lengths {sizes[letter]} and {n}")
    if not arrow:
        out = "".join(sorted(l for l in sizes if ins.count(l) == 1))
    letters = list(out) + sorted(l for l in sizes if l not in out)
    total = None
    for term, x in zip(terms, ops):
        unique = "".join(dict.fromkeys(term))
        if len(unique) < len(term):  # a repeated letter: its diagonal
            grids = np.indices([sizes[l] for l in unique], sparse=True)
            x = getitem(x, tuple(grids[unique.index(l)] for l in term))
        perm = sorted(range(len(unique)), key=lambda i: letters.index(unique[i]))
        x = transpose(x, perm) if perm != sorted(perm) else x
        x = reshape(x, tuple(sizes[l] if l in unique else 1 for l in letters))
        total = x if total is None else mul(total, x)
    summed = tuple(range(len(out), len(letters)))
    return reshape(sum(total, summed), tuple(sizes[l] for l in out)) if summed else \
        reshape(total, tuple(sizes[l] for l in out))


# --------------------------------------------------------------------------
# Linear algebra
def solve(a: Any, b: Any) -> Tensor:
    """x with a x = b (b a vector or a matrix of right-hand sides)."""
    return matmul(inv(a), b)


def slogdet(a: Any) -> tuple:
    """(sign, log|det a|): the sign has no derivative."""
    d = det(a)
    return sign(d).detach(), log(abs_(d))


def pinv(a: Any) -> Tensor:
    """The pseudo-inverse of a matrix of full rank: (a^T a)^-1 a^T, or a^T (a a^T)^-1 when wide."""
    a = _t(a)
    at = swap_last(a)
    if a.shape[-2] >= a.shape[-1]:
        return matmul(inv(matmul(at, a)), at)
    return matmul(at, inv(matmul(a, at)))


def vector_norm(x: Any, ord: Any = 2, axis: Any = None, keepdims: bool = False) -> Tensor:
    x = _t(x)
    axes = norm_axis(axis, x.ndim)
    if ord in (None, 2, 2.0):
        if axes is None and not keepdims:
            return norm(x)  # norm'(0) = 0
        s = sum(mul(x, x), axes, keepdims)
        return sqrt(s)
    ax = abs_(x)
    if ord == np.inf:
        return max(ax, axes, keepdims)
    if ord == -np.inf:
        return min(ax, axes, keepdims)
    if ord == 0:
        return sum((x != 0.0).detach(), axes, keepdims)
    if ord == 1:
        return sum(ax, axes, keepdims)
    return pow(sum(pow(ax, float(ord)), axes, keepdims), 1.0 / float(ord))


def linalg_norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Tensor:
    """numpy.linalg.norm: a vector norm along one axis (or of a vector), a matrix norm along
    two (or of a matrix given ``ord``): 'fro', 1, -1, inf, -inf."""
    x = _t(x)
    if axis is None and (ord is None or x.ndim == 1):
        return vector_norm(reshape(x, (-1,)) if ord is not None else x, ord, None, keepdims) if not keepdims \
            else reshape(vector_norm(x, ord, None), (1,) * x.ndim)
    if axis is None:
        axis = (x.ndim - 2, x.ndim - 1)
    if isinstance(axis, int) or len(axis) == 1:
        return vector_norm(x, ord, axis, keepdims)
    r, c = norm_axis(tuple(axis), x.ndim)
    if ord in (None, "fro"):
        return sqrt(sum(mul(x, x), (r, c), keepdims))
    if ord in (1, -1, np.inf, -np.inf):
        inner_ax, outer_ax = (r, c) if ord in (1, -1) else (c, r)
        s = sum(abs_(x), inner_ax, keepdims=True)
        m = (max if ord > 0 else min)(s, outer_ax, keepdims=True)
        return m if keepdims else reshape(m, tuple(n for i, n in enumerate(x.shape) if i not in (r, c)))
    raise DiffcliError("type", f"norm: ord={ord!r} is not supported for matrices (use 'fro', 1, -1, inf, -inf)")
