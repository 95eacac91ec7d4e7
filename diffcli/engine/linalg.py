"""numpy.linalg's names for the engine's linear algebra (``diffcli.linalg.solve`` and so on)."""
from .ops import det, inv
from .ops_products import linalg_norm as norm
from .ops_products import pinv, slogdet, solve

__all__ = ["det", "inv", "norm", "pinv", "slogdet", "solve"]
