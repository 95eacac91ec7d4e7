"""Joining and indexing: stack, concat, x[index], and their adjoints."""
from __future__ import annotations

from typing import Any, Sequence

from ..errors import DiffcliError
from . import pool
from . import taylor_series as ts
from .apply import apply
from .backend import np, shape_of
from .common import as_tensor, batch_dims, batched, dims, norm_axis
from .prim import Prim, each_input
from .state import state
from .tensor import Tensor


def _stack_rule(i, g, a, *ins_axis):
    axis = ins_axis[-1]
    return getitem(g, batched(g, (slice(None),) * axis + (i,)))


def _concat_rule(i, g, a, *ins_axis):
    ins, axis = ins_axis[:-1], ins_axis[-1]
    start = 0
    for t in ins[:i]:
        start += dims(t)[axis]
    return getitem(g, batched(g, (slice(None),) * axis + (slice(start, start + dims(ins[i])[axis]),)))


STACK = Prim("Stack", None, lambda *xs: np.stack(xs[:-1], axis=xs[-1]), each_input(_stack_rule), has_param=True,
             reads=False, batch=True, taylor=ts.linear)
CONCAT = Prim("Cat", None, lambda *xs: np.concatenate(xs[:-1], axis=xs[-1]), each_input(_concat_rule),
              has_param=True, reads=False, batch=True, taylor=ts.linear)


def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors of one shape along a new axis."""
    ts = [as_tensor(t) for t in tensors]
    if not ts:
        raise DiffcliError("shape", "stack needs at least one tensor")
    shapes = {t.shape for t in ts}
    if len(shapes) > 1:
        raise DiffcliError("shape", f"stack needs tensors of one shape, got {sorted(shapes)}")
    nd = ts[0].ndim + 1
    return apply(STACK, ts, norm_axis(axis, nd)[0])


def concat(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis."""
    ts = [as_tensor(t) for t in tensors]
    if not ts or any(t.ndim == 0 for t in ts):
        raise DiffcliError("shape", "concat needs one or more tensors of at least one dimension")
    return apply(CONCAT, ts, norm_axis(axis, ts[0].ndim)[0])


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
    if isinstance(index, list) or (isinstance(index, Tensor) and index.ndim > 0):
        return _int_array(index)  # numpy's integer-array indexing: x[[0, 2]]
    return _int_index(index)


def _int_array(index: Any) -> Any:
    arr = np.asarray(index._v if isinstance(index, Tensor) else index, dtype=np.float64)
    if not np.all(np.isfinite(arr)) or np.any(arr != np.floor(arr)):
        raise DiffcliError("type", "an index array must hold integers")
    return arr.astype(np.intp)


class OutOfRange(DiffcliError, IndexError):
    """An index past the end: an IndexError too, so that Python's iteration protocols stop."""


def _int_index(v: Any) -> int:
    f = v.item() if isinstance(v, Tensor) else float(v)
    if f != f or f in (float("inf"), float("-inf")) or f != int(f):
        raise DiffcliError("type", f"an index must be an integer, got {f:g}")
    return int(f)


def _getitem(x, idx):
    try:
        part = np.asarray(x)[idx]
        # A backward pass never writes into its values, so there a view will do.
        return part if state.raw else np.array(part)
    except IndexError as exc:
        raise OutOfRange("shape", f"index {_fmt_index(idx)} is out of range for shape "
                         f"{shape_of(x)}: {exc}") from None


def _fmt_index(idx: Any) -> str:
    parts = idx if isinstance(idx, tuple) else (idx,)
    return "[" + ", ".join(
        (f"{'' if p.start is None else p.start}:{'' if p.stop is None else p.stop}"
         if isinstance(p, slice) else str(p)) for p in parts) + "]"


def _scatter(g, p):
    idx, shape = p
    out = pool.zeros(shape)
    if _basic(idx):  # ints and slices never hit an element twice: plain assignment (add.at is ~10x slower)
        out[idx] = g
    else:
        np.add.at(out, idx, g)
    return out


def _basic(idx: Any) -> bool:
    return all(type(i) is int or type(i) is slice or i is None or i is Ellipsis
               for i in (idx if type(idx) is tuple else (idx,)))


def _setitem(x, v, idx):
    out = np.array(x, dtype=np.float64)
    try:
        out[idx] = v
    except (IndexError, ValueError) as exc:
        raise DiffcliError("shape", f"cannot assign at {_fmt_index(idx)}: {exc}") from None
    return out


# add_at: the batched pass adds the gradient of an indexing straight into its input's gradient at
# this index, instead of building the rule's zero array and adding that; None for an index that
# may hit an element twice (only basic ones never do).
GETITEM = Prim("Index", None, _getitem, (
    lambda g, a, x, idx: scatter(g, batched(g, idx), batch_dims(g) + dims(x)),),
    has_param=True, reads=False, batch=True, taylor=ts.linear, add_at=lambda g, idx: batched(g, idx) if _basic(idx) else None)
SCATTER = Prim("IndexPut", None, _scatter, (  # (the index is normalised already: no getitem checks)
    lambda g, a, x, p: apply(GETITEM, (g,), batched(g, p[0])),), has_param=True, reads=False, batch=True,
    taylor=ts.linear)
SETITEM = Prim("CopySlices", None, _setitem, (
    lambda g, a, x, v, idx: apply(SETITEM, (g, 0.0), batched(g, idx)),
    lambda g, a, x, v, idx: getitem(g, batched(g, idx))), has_param=True, reads=False, batch=True,
    taylor=ts.linear)


def getitem(x: Any, index: Any) -> Tensor:
    """``x[index]``: numpy's indexing (basic, and integer arrays); ``m[i]`` is a row."""
    x = as_tensor(x)
    if x.ndim == 0:
        raise DiffcliError("shape", "a 0-d value cannot be indexed")
    return apply(GETITEM, (x,), _adjacent(normalize_index(index), x.shape))


def _adjacent(idx: Any, shape: tuple) -> Any:
    """An index whose integer arrays are separated by slices, in the equivalent form with every
    part an integer array. numpy puts the arrays' axes first when they are not adjacent, so a
    batch axis put before the index (the adjoint in a batched pass) would move; all-array
    indices keep it first."""
    if type(idx) is not tuple or not any(type(i).__module__ == "numpy" for i in idx):
        return idx
    kinds = ["a" if type(i).__module__ == "numpy" or type(i) is int else "s" for i in idx]
    first, last = kinds.index("a"), len(kinds) - 1 - kinds[::-1].index("a")
    if "s" not in kinds[first:last] or any(i is None or i is Ellipsis for i in idx):
        return idx
    arrays = [np.asarray(i) for i in idx if type(i) is not slice]
    adv = np.broadcast_shapes(*[a.shape for a in arrays])
    ranges = [np.arange(n)[i] for i, n in zip(idx, shape) if type(i) is slice]
    k, out, j = len(adv), [], 0
    m = len(ranges)
    for i in idx:
        if type(i) is slice:  # its axis after the arrays' axes, in order
            r = ranges[j]
            out.append(r.reshape((1,) * k + (1,) * j + (r.size,) + (1,) * (m - j - 1)))
            j += 1
        else:
            a = np.asarray(i)
            out.append(np.broadcast_to(a, adv).reshape(adv + (1,) * m))
    return tuple(out) + tuple(slice(None) for _ in range(len(shape) - len(idx)))


def scatter(g: Any, index: Any, shape: tuple) -> Tensor:
    """A zero tensor of ``shape`` with ``g`` added at ``index`` (the adjoint of indexing)."""
    return apply(SCATTER, (g,), (index, tuple(shape)))

