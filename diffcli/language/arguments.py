"""Arguments of built-ins as Python values: integers, axes, flags (shared by the built-in tables)."""
from __future__ import annotations

import math
from typing import Any

from .. import engine as E
from ..errors import DiffcliError


def to_int(t: Any, what: str) -> int:
    v = t.item() if isinstance(t, E.Tensor) else float(t)
    if v != v or v in (math.inf, -math.inf) or v != int(v):
        raise DiffcliError("type", f"{what} must be an integer, got {v:g}")
    return int(v)


def axis(t: Any) -> Any:
    """An axis, or a tuple of axes given as a vector (``sum(x, axis=[0, 1])``)."""
    if t is None:
        return None
    if isinstance(t, E.Tensor) and t.ndim == 1:
        return tuple(to_int(v, "an axis") for v in t.tolist())
    return to_int(t, "an axis")


def flag(t: Any) -> bool:
    return t is not None and bool(t.item() if isinstance(t, E.Tensor) else t)
