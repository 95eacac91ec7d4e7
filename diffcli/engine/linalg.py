"""numpy.linalg's names for the engine's linear algebra (``diffcli.linalg.solve`` and so on)."""
from typing import Any

from ..errors import DiffcliError
from .ops import det, inv
from .ops_decomp import cholesky, eigh, eigvalsh, svdvals
from .ops_products import linalg_norm as norm
from .ops_products import pinv, slogdet, solve

__all__ = ["cholesky", "det", "eigh", "eigvalsh", "inv", "norm", "pinv", "slogdet", "solve", "svd", "svdvals"]


def svd(x: Any, full_matrices: bool = True, compute_uv: bool = True) -> Any:
    """numpy.linalg.svd with ``compute_uv=False``: the singular values (U and V are not available)."""
    if compute_uv:
        raise DiffcliError("type", "svd gives the singular values only: call svd(x, compute_uv=False) or svdvals(x)")
    return svdvals(x)
