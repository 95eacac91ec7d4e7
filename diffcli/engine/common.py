"""Helpers shared by the primitive modules (ops_*.py): shapes of tensors or raw values, the
batch axis of a gradient, axis arguments."""
from __future__ import annotations

from typing import Any

from ..errors import DiffcliError
from .backend import shape_of
from .state import state
from .tensor import Tensor, const


def dims(x: Any) -> tuple:
    """The shape of a tensor or of a raw value (rules see raw values in a plain backward pass)."""
    return shape_of(x._v if type(x) is Tensor else x)


def batch_dims(g: Any) -> tuple:
    """The batch axis of a gradient (Jacobian rows in one pass, ``state.batch``), or ()."""
    return dims(g)[:state.batch] if state.batch else ()


def batched(g: Any, idx: Any) -> Any:
    """``idx`` for a gradient that may carry a batch axis first (``state.batch``)."""
    nb = len(batch_dims(g))
    if not nb:
        return idx
    return (slice(None),) * nb + (idx if isinstance(idx, tuple) else (idx,))


def as_tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else const(x)


def norm_axis(axis: Any, ndim: int) -> tuple | None:
    """An axis argument (an int or a tuple, negative from the end) as a tuple of axes, checked."""
    if axis is None:
        return None
    axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    out = []
    for a in axes:
        a = int(a)
        if ndim == 0 or not -ndim <= a < ndim:
            raise DiffcliError("shape", f"axis {a} is out of range for a tensor with {ndim} dimensions")
        if a % ndim in out:
            raise DiffcliError("shape", f"axis {a} is repeated")
        out.append(a % ndim)
    return tuple(out)


def kept_shape(shape: tuple, axes: tuple | None) -> tuple:
    """The reduced shape with the reduced axes kept as 1s (numpy's keepdims)."""
    return tuple(1 if axes is None or i in axes else n for i, n in enumerate(shape))


def count(shape: tuple, axes: tuple | None) -> int:
    """How many elements a reduction over ``axes`` of ``shape`` takes together."""
    n = 1
    for i, k in enumerate(shape):
        if axes is None or i in axes:
            n *= k
    return n
