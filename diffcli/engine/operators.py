"""Python operators and methods of Tensor, all sugar over the primitives.

They are attached here, by ``install()`` (run once, by the engine package), and not written in
the class body of tensor.py: the primitives' rules create Tensors, so tensor.py sits below
every primitive module and cannot import them. Everything else about Tensor is in tensor.py.
"""
from __future__ import annotations


from typing import Any

from ..errors import DiffcliError
from . import graph, ops
from .apply import apply, apply1, apply2
from .backend import shape_of
from .prim import Prim
from .state import state
from .tensor import Tensor


def backward(self: Tensor, gradient: Any = None, retain_graph: bool | None = None,
             create_graph: bool = False) -> None:
    """Accumulate d(self)/d(leaf), contracted with ``gradient``, into each leaf's ``.grad``."""
    graph.backward((self,), None if gradient is None else (gradient,), retain_graph, create_graph)


def _inplace(self: Tensor, prim: Prim, args: tuple, p: Any = None) -> Tensor:
    """``self`` replaced by ``prim(self, *args)``, recorded as a new node of the graph."""
    recording = state.grad_enabled
    if recording and self.grad_fn is None and self.requires_grad:
        raise DiffcliError("autograd", "a leaf tensor that requires grad cannot be modified in place "
                           "(wrap the update in diffcli.no_grad())")
    old = self.detach()
    old._rg, old.grad_fn = self._rg, self.grad_fn
    args = tuple(old if a is self else a for a in args)  # y.add_(y) must not save y itself
    out = apply(prim, (old,) + args, p)
    if shape_of(out._v) != shape_of(self._v):
        raise DiffcliError("shape", f"in-place {prim.name.lower()} would change shape "
                           f"{shape_of(self._v)} to {shape_of(out._v)}")
    self._v = out._v
    if recording and out.grad_fn is not None:
        self.grad_fn, self._rg = out.grad_fn, True
    self._version += 1
    state.inplace += 1
    return self


def _setitem(self: Tensor, index: Any, value: Any) -> None:
    _inplace(self, ops.SETITEM, (value,), ops.normalize_index(index))


def _binary(prim):
    def method(self, other): return apply2(prim, self, other)
    def reflected(self, other): return apply2(prim, other, self)
    return method, reflected


def _unary(f):
    """A unary function as a method (the functions are partials, which do not bind self)."""
    prim = f.prim
    def method(self): return apply1(prim, self)
    return method


def _r(f):
    return lambda self, other: f(other, self)


def install() -> None:
    T = Tensor
    T.backward = backward
    T.__add__, T.__radd__ = _binary(ops.ADD)
    T.__sub__, T.__rsub__ = _binary(ops.SUB)
    T.__mul__, T.__rmul__ = _binary(ops.MUL)
    T.__truediv__, T.__rtruediv__ = _binary(ops.DIV)
    T.__pow__, T.__rpow__ = _binary(ops.POW)
    T.__mod__, T.__rmod__ = _binary(ops.MOD)
    T.__matmul__, T.__rmatmul__ = ops.matmul, _r(ops.matmul)
    T.__neg__ = _unary(ops.neg)
    T.__pos__ = lambda self: self
    T.__abs__ = _unary(ops.abs_)
    T.__lt__, T.__gt__ = _binary(ops.LT)[0], _binary(ops.GT)[0]
    T.__le__, T.__ge__ = _binary(ops.LE)[0], _binary(ops.GE)[0]
    T.__eq__, T.__ne__ = _binary(ops.EQ)[0], _binary(ops.NE)[0]
    T.__hash__ = object.__hash__
    T.__getitem__ = ops.getitem
    T.sum = lambda self, axis=None, keepdims=False: ops.sum(self, axis, keepdims)
    T.mean = lambda self, axis=None, keepdims=False: ops.mean(self, axis, keepdims)
    T.prod = lambda self, axis=None, keepdims=False: ops.prod(self, axis, keepdims)
    T.max = lambda self, axis=None, keepdims=False: ops.max(self, axis, keepdims)
    T.min = lambda self, axis=None, keepdims=False: ops.min(self, axis, keepdims)
    T.reshape = lambda self, *shape: ops.reshape(self, *shape)
    T.transpose = lambda self, axes=None: ops.transpose(self, axes)
    T.T = property(lambda self: ops.transpose(self))
    T.pow = T.__pow__
    T.exp, T.log, T.sin, T.cos, T.tanh = (_unary(f) for f in (ops.exp, ops.log, ops.sin, ops.cos, ops.tanh))
    T.sqrt, T.abs, T.relu, T.sigmoid = (_unary(f) for f in (ops.sqrt, ops.abs_, ops.relu, ops.sigmoid))
    T.norm = ops.norm
    T.clone = lambda self: ops.mul(self, 1.0)
    T.zero_ = lambda self: _inplace(self, ops.MUL, (0.0,))
    T.add_ = lambda self, other: _inplace(self, ops.ADD, (other,))
    T.sub_ = lambda self, other: _inplace(self, ops.SUB, (other,))
    T.mul_ = lambda self, other: _inplace(self, ops.MUL, (other,))
    T.div_ = lambda self, other: _inplace(self, ops.DIV, (other,))
    T.fill_ = lambda self, value: _inplace(self, ops.MUL, (0.0,)).add_(value)
    T.__setitem__ = _setitem
    # Augmented assignment is in place with version counting, as PyTorch (so ``a += b`` on a leaf
    # that requires grad is refused, and a tensor saved for backward and then changed is caught).
    T.__iadd__, T.__isub__ = T.add_, T.sub_
    T.__imul__, T.__itruediv__ = T.mul_, T.div_


