"""Matrix decompositions: the eigenvalues and eigenvectors of a symmetric matrix, and the
Cholesky factor, each a primitive whose rule is written in engine operations (on the other
decomposition primitives), so every order of derivative comes free. The singular values' rule
goes through the eigenvectors of x^T x.

Convention, as PyTorch's: the input is taken as symmetric (numpy reads its lower triangle),
and the gradient is the one for symmetric perturbations. The eigenvectors' derivative divides
by the gaps between eigenvalues: at a repeated eigenvalue it is not defined (infinite), and so
are the eigenvalues' derivatives of order two and up; the language reports such points.
"""
from __future__ import annotations

from typing import Any

from ..errors import DiffcliError
from .apply import apply
from .backend import np
from .common import as_tensor, dims
from .ops_arith import add, div, mul, where
from .ops_linalg import inv, matmul
from .ops_index import getitem
from .ops_shape import reshape, swap_last
from .prim import Prim
from .tensor import Tensor


def _columns_scaled(v: Any, g: Any) -> Any:
    """v with column j multiplied by g_j (g may carry a batch axis first)."""
    gs = dims(g)
    return mul(v, reshape(g, gs[:-1] + (1, gs[-1])))


def _repeated(x: Any) -> bool:
    w = np.linalg.eigvalsh(np.asarray(x))
    return bool(np.any(np.abs(np.diff(w, axis=-1)) <= 1e-12 * np.maximum(1.0, np.abs(w[..., 1:]))))


_REPEATED = (_repeated, "a repeated eigenvalue: the eigenvectors' derivative (and the eigenvalues' "
             "of order 2 and up) is not defined there")

def _eigvalsh_rule(g, a, x):
    """x̄ = V diag(ḡ) V^T."""
    v = apply(EIGVECS, (x,))
    return matmul(_columns_scaled(v, g), swap_last(v))


EIGVALSH = Prim("Eigvalsh", None, lambda x: np.linalg.eigvalsh(x), (_eigvalsh_rule,), batch=True, kink=_REPEATED)


def _eigvecs_rule(g, v, x):
    """x̄ = V (F ∘ (V^T V̄)) V^T with F_ij = 1/(w_j - w_i) off the diagonal, 0 on it."""
    w = apply(EIGVALSH, (x,))
    n = dims(w)[-1]
    gaps = add(reshape(w, dims(w)[:-1] + (1, n)), mul(-1.0, reshape(w, dims(w)[:-1] + (n, 1))))
    eye = np.eye(n)
    f = where(eye, 0.0, div(1.0, where(eye, 1.0, gaps)))
    inner = mul(f, matmul(swap_last(v), g))
    return matmul(matmul(v, inner), swap_last(v))


EIGVECS = Prim("Eigvecs", None, lambda x: np.linalg.eigh(x)[1], (_eigvecs_rule,), uses_ans=True, batch=True,
               kink=_REPEATED)


def _cholesky_rule(g, l, x):
    """x̄ = sym(L^-T Φ(L^T L̄) L^-1), Φ the lower triangle with its diagonal halved (Murray 2016)."""
    n = dims(l)[-1]
    phi = np.tril(np.ones((n, n))) - 0.5 * np.eye(n)
    linv = inv(l)
    s = matmul(matmul(swap_last(linv), mul(matmul(swap_last(l), g), phi)), linv)
    return mul(0.5, add(s, swap_last(s)))


def _checked_cholesky(x):
    try:
        return np.linalg.cholesky(x)
    except np.linalg.LinAlgError:
        raise DiffcliError("domain", "cholesky: the matrix is not positive definite") from None


CHOLESKY = Prim("Cholesky", None, _checked_cholesky, (_cholesky_rule,), uses_ans=True, batch=True)


def _symmetric_input(x: Any, what: str) -> Tensor:
    x = as_tensor(x)
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise DiffcliError("shape", f"{what} needs a square matrix (or a stack of them), got shape {x.shape}")
    return x


def eigvalsh(x: Any) -> Tensor:
    """The eigenvalues of a symmetric matrix, ascending (numpy reads the lower triangle)."""
    return apply(EIGVALSH, (_symmetric_input(x, "eigvalsh"),))


def eigh(x: Any) -> tuple:
    """(eigenvalues, eigenvectors as columns) of a symmetric matrix."""
    x = _symmetric_input(x, "eigh")
    return apply(EIGVALSH, (x,)), apply(EIGVECS, (x,))


def cholesky(x: Any) -> Tensor:
    """L, lower triangular, with L L^T = x (symmetric positive definite)."""
    return apply(CHOLESKY, (_symmetric_input(x, "cholesky"),))


def _svdvals_rule(g, a, x):
    """With G the Gram matrix (x^T x, or x x^T when x is wide) = V diag(w) V^T and s = sqrt(w)
    descending: d s_k = v_k^T dG v_k / (2 s_k), so x̄ = 2 x Ḡ (or 2 Ḡ x), Ḡ = V diag(ḡ/2s) V^T."""
    xt = swap_last(x)
    tall = dims(x)[-1] <= dims(x)[-2]
    gram = matmul(xt, x) if tall else matmul(x, xt)
    v = getitem(apply(EIGVECS, (gram,)), (Ellipsis, slice(None, None, -1)))  # descending, as s
    gbar = matmul(_columns_scaled(v, div(g, mul(2.0, a))), swap_last(v))
    return mul(2.0, matmul(x, gbar) if tall else matmul(gbar, x))


def _repeated_singular(x: Any) -> bool:
    s = np.linalg.svd(np.asarray(x), compute_uv=False)
    return bool(np.any(np.abs(np.diff(s, axis=-1)) <= 1e-12 * np.maximum(1.0, s[..., :1])))


SVDVALS = Prim("Svdvals", None, lambda x: np.linalg.svd(x, compute_uv=False), (_svdvals_rule,), uses_ans=True,
               batch=True, kink=(_repeated_singular, "a repeated singular value: derivatives of order 2 and up "
                                 "are not defined there (and at a zero singular value the first is infinite)"))


def svdvals(x: Any) -> Tensor:
    """The singular values, descending (numpy.linalg.svd(x, compute_uv=False))."""
    x = as_tensor(x)
    if x.ndim < 2:
        raise DiffcliError("shape", f"svd needs a matrix (or a stack of them), got shape {x.shape}")
    return apply(SVDVALS, (x,))


# the kink is the primitive's: the language reports repeated eigenvalues (singular values)
eigvalsh.prim, svdvals.prim = EIGVALSH, SVDVALS
