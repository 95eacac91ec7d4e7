"""Shape plumbing: reshape, broadcast, sum to a shape, transpose, and the plain sum; each the
linear adjoint of another. Helpers for the rules of reductions (un-reducing a gradient) too.

Their parameter (an axis, a shape) is fixed at the call and passed last to both the kernel
and the rule. Every one is linear: its Taylor rule applies it to each coefficient.
"""
from __future__ import annotations

from typing import Any, Sequence

from ..errors import DiffcliError
from . import taylor_series as ts
from .apply import apply
from .backend import np, sum_to_shape
from .common import batch_dims, dims, kept_shape, norm_axis
from .prim import Prim
from .state import state
from .tensor import Tensor, const


def batch_axes(g: Any, axes: tuple | None, ndim: int) -> tuple | None:
    """Reduction axes of an unbatched value of ``ndim`` dimensions, for the gradient ``g``."""
    nb = len(batch_dims(g))
    if not nb:
        return axes
    return tuple(range(nb, nb + ndim)) if axes is None else tuple(nb + i for i in axes)


def scalar_grad(g: Any, ndim: int) -> Any:
    """The gradient of a scalar result, ready to broadcast against an input of ``ndim``
    dimensions: with a batch axis first, trailing axes of size 1 are needed."""
    lead = batch_dims(g)
    return reshape(g, lead + (1,) * ndim) if lead else g


def _kept_shape(shape: tuple, axes: tuple | None) -> tuple:
    """The reduced shape with the reduced axes kept as 1s."""
    return tuple(1 if axes is None or i in axes else n for i, n in enumerate(shape))


def unreduce(g: Tensor, shape: tuple, axes: tuple | None, lead: tuple = ()) -> Tensor:
    """Spread a reduction's gradient back over the axes it reduced (after a batch axis ``lead``)."""
    return broadcast_to(reshape(g, lead + _kept_shape(shape, axes)), lead + shape)


# --------------------------------------------------------------------------
# Shape plumbing (each is the other's derivative)
def _sum_to_rule(g, a, x, s):
    lead = batch_dims(g)
    if lead:  # align the summed shape on the right before spreading it again
        g = reshape(g, lead + (1,) * (len(dims(x)) - len(s)) + s)
    return broadcast_to(g, lead + dims(x))


def _transpose_rule(g, a, x, axes):
    inv = None if axes is None else tuple(int(i) for i in np.argsort(axes))
    nb = len(batch_dims(g))
    if nb:  # the batch axis stays first
        inv = tuple(range(nb)) + tuple(nb + i for i in (reversed(range(len(dims(x)))) if inv is None else inv))
    return transpose(g, inv)


RESHAPE = Prim("Reshape", None, lambda x, s: np.reshape(x, s),
               (lambda g, a, x, s: reshape(g, batch_dims(g) + dims(x)),), has_param=True, reads=False, batch=True,
               taylor=ts.linear)
BROADCAST = Prim("Expand", None, lambda x, s: np.broadcast_to(x, s),
                 (lambda g, a, x, s: sum_to(g, batch_dims(g) + dims(x)),), has_param=True, reads=False, batch=True,
               taylor=ts.linear)
# Applied only to gradients, so in a batched pass its input has the batch axis too.
SUM_TO = Prim("SumTo", lambda x, s: x, lambda x, s: sum_to_shape(x, s, state.batch),
              (_sum_to_rule,), has_param=True, reads=False, batch=True,
               taylor=ts.linear)
TRANSPOSE = Prim("Transpose", lambda x, axes: x, lambda x, axes: np.transpose(x, axes), (_transpose_rule,),
                 has_param=True, reads=False, batch=True,
               taylor=ts.linear)


def reshape(x: Any, *shape: Any) -> Tensor:
    """``x`` with a new shape of the same size (one entry may be -1)."""
    shape = _shape_arg(shape)
    if shape == dims(x):
        if state.raw:
            return x._v if type(x) is Tensor else x
        return x if isinstance(x, Tensor) else const(x)
    return apply(RESHAPE, (x,), shape)


def broadcast_to(x: Any, shape: tuple) -> Tensor:
    return apply(BROADCAST, (x,), tuple(shape))


def sum_to(x: Any, shape: tuple) -> Tensor:
    """Sum a broadcast gradient back to ``shape``."""
    return apply(SUM_TO, (x,), tuple(shape))


def transpose(x: Any, axes: Any = None) -> Tensor:
    """Permute the axes (default: reverse them)."""
    return apply(TRANSPOSE, (x,), None if axes is None else tuple(int(a) for a in axes))


def swap_last(x: Any) -> Tensor:
    """The last two axes swapped (a matrix transposed, in a stack of them)."""
    n = len(dims(x))
    return transpose(x, tuple(range(n - 2)) + (n - 1, n - 2))


def _shape_arg(shape: Sequence[Any]) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)



def reduce_axes(x: Any, axis: Any) -> tuple:
    """(x as a tensor, the axes a reduction along ``axis`` takes), checked."""
    if hasattr(x, "__engine_apply__"):  # another interpretation (a formula): no shape to check here
        return x, axis
    x = x if isinstance(x, Tensor) else const(x)
    axes = norm_axis(axis, x.ndim)
    if axes is not None and x.ndim == 0:
        raise DiffcliError("shape", "a 0-d value has no axis to reduce")
    return x, axes


SUM = Prim("Sum", lambda x, axes: x if axes is None else np.sum(x, axes), lambda x, axes: np.sum(x, axis=axes),
           (lambda g, a, x, axes: unreduce(g, dims(x), axes, batch_dims(g)),),
           has_param=True, reads=False, batch=True, taylor=ts.linear)


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Sum of the elements (along ``axis``, an int or a tuple)."""
    x, axes = reduce_axes(x, axis)
    out = apply(SUM, (x,), axes)
    return reshape(out, kept_shape(x.shape, axes)) if keepdims else out
