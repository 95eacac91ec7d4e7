"""Joining and indexing: stack, concat, x[index], and their adjoints."""
from __future__ import annotations

from typing import Any, Sequence

from ..errors import DiffcliError
from .backend import np, shape_of
from .ops_array import _norm_axis, _sh, _t
from .tensor import Prim, Tensor, apply


def _stack_rule(i, g, a, ins, axis):
    return getitem(g, (slice(None),) * axis + (i,))


def _concat_rule(i, g, a, ins, axis):
    start = 0
    for t in ins[:i]:
        start += _sh(t)[axis]
    return getitem(g, (slice(None),) * axis + (slice(start, start + _sh(ins[i])[axis]),))


STACK = Prim("Stack", None, lambda *xs: np.stack(xs[:-1], axis=xs[-1]), _stack_rule, has_param=True,
             reads=False)
CONCAT = Prim("Cat", None, lambda *xs: np.concatenate(xs[:-1], axis=xs[-1]), _concat_rule, has_param=True,
              reads=False)


def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors of one shape along a new axis."""
    ts = [_t(t) for t in tensors]
    if not ts:
        raise DiffcliError("shape", "stack needs at least one tensor")
    shapes = {t.shape for t in ts}
    if len(shapes) > 1:
        raise DiffcliError("shape", f"stack needs tensors of one shape, got {sorted(shapes)}")
    nd = ts[0].ndim + 1
    return apply(STACK, ts, _norm_axis(axis, nd)[0])


def concat(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis."""
    ts = [_t(t) for t in tensors]
    if not ts or any(t.ndim == 0 for t in ts):
        raise DiffcliError("shape", "concat needs one or more tensors of at least one dimension")
    return apply(CONCAT, ts, _norm_axis(axis, ts[0].ndim)[0])


def normalize_index(index: Any) -> Any:
    """Tensor and float indices become ints; slices and tuples stay."""
    if isinstance(index, tuple):
        return tuple(normalize_index(i) for i in index)
    if isinstance(index, slice):
        return slice(*(None if v is None else _int_index(v) for v in (index.start, index.stop, index.step)))
    if index is None or index is Ellipsis:
        return index
    if type(index).__module__ == "numpy" and getattr(index, "ndim", 0) > 0:
        return index  # an integer index array (the adjoint of diag uses one)
    return _int_index(index)


def _int_index(v: Any) -> int:
    f = v.item() if isinstance(v, Tensor) else float(v)
    if f != f or f in (float("inf"), float("-inf")) or f != int(f):
        raise DiffcliError("type", f"an index must be an integer, got {f:g}")
    return int(f)


def _getitem(x, idx):
    try:
        return np.array(np.asarray(x)[idx])
    except IndexError as exc:
        raise DiffcliError("shape", f"index {_fmt_index(idx)} is out of range for shape "
                           f"{shape_of(x)}: {exc}") from None


def _fmt_index(idx: Any) -> str:
    parts = idx if isinstance(idx, tuple) else (idx,)
    return "[" + ", ".join(
        (f"{'' if p.start is None else p.start}:{'' if p.stop is None else p.stop}"
         if isinstance(p, slice) else str(p)) for p in parts) + "]"


def _scatter(g, p):
    idx, shape = p
    out = np.zeros(shape)
    np.add.at(out, idx, g)
    return out


def _setitem(x, v, idx):
    out = np.array(x, dtype=np.float64)
    try:
        out[idx] = v
    except (IndexError, ValueError) as exc:
        raise DiffcliError("shape", f"cannot assign at {_fmt_index(idx)}: {exc}") from None
    return out


GETITEM = Prim("Index", None, _getitem, (
    lambda g, a, x, idx: scatter(g, idx, _sh(x)),), has_param=True, reads=False)
SCATTER = Prim("IndexPut", None, _scatter, (
    lambda g, a, x, p: getitem(g, p[0]),), has_param=True, reads=False)
SETITEM = Prim("CopySlices", None, _setitem, (
    lambda g, a, x, v, idx: apply(SETITEM, (g, 0.0), idx),
    lambda g, a, x, v, idx: getitem(g, idx)), has_param=True, reads=False)


def getitem(x: Any, index: Any) -> Tensor:
    """``x[index]``: numpy's basic indexing; ``m[i]`` is a row."""
    x = _t(x)
    if x.ndim == 0:
        raise DiffcliError("shape", "a 0-d value cannot be indexed")
    return apply(GETITEM, (x,), normalize_index(index))


def scatter(g: Any, index: Any, shape: tuple) -> Tensor:
    """A zero tensor of ``shape`` with ``g`` added at ``index`` (the adjoint of indexing)."""
    return apply(SCATTER, (g,), (index, tuple(shape)))


# Points where a rule applies a convention (ops.KINKS, extended here).
