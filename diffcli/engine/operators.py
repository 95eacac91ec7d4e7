"""Python operators and methods of Tensor, all sugar over the primitives."""
from __future__ import annotations


from typing import Any

from . import graph, ops, ops_array
from .tensor import Tensor, apply1, apply2


def backward(self: Tensor, gradient: Any = None, retain_graph: bool | None = None,
             create_graph: bool = False) -> None:
    """Accumulate d(self)/d(leaf), contracted with ``gradient``, into each leaf's ``.grad``."""
    graph.backward((self,), None if gradient is None else (gradient,), retain_graph, create_graph)


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
    T.__matmul__, T.__rmatmul__ = ops_array.matmul, _r(ops_array.matmul)
    T.__neg__ = _unary(ops.neg)
    T.__pos__ = lambda self: self
    T.__abs__ = _unary(ops.abs_)
    T.__lt__, T.__gt__ = _binary(ops.LT)[0], _binary(ops.GT)[0]
    T.__le__, T.__ge__ = _binary(ops.LE)[0], _binary(ops.GE)[0]
    T.__eq__, T.__ne__ = _binary(ops.EQ)[0], _binary(ops.NE)[0]
    T.__hash__ = object.__hash__
    T.__getitem__ = ops_array.getitem
    T.sum = lambda self, axis=None, keepdims=False: ops_array.sum(self, axis, keepdims)
    T.mean = lambda self, axis=None, keepdims=False: ops_array.mean(self, axis, keepdims)
    T.prod = lambda self, axis=None, keepdims=False: ops_array.prod(self, axis, keepdims)
    T.max = lambda self, axis=None, keepdims=False: ops_array.max(self, axis, keepdims)
    T.min = lambda self, axis=None, keepdims=False: ops_array.min(self, axis, keepdims)
    T.reshape = lambda self, *shape: ops_array.reshape(self, *shape)
    T.transpose = lambda self, axes=None: ops_array.transpose(self, axes)
    T.T = property(lambda self: ops_array.transpose(self))
    T.pow = T.__pow__
    T.exp, T.log, T.sin, T.cos, T.tanh = (_unary(f) for f in (ops.exp, ops.log, ops.sin, ops.cos, ops.tanh))
    T.sqrt, T.abs, T.relu, T.sigmoid = (_unary(f) for f in (ops.sqrt, ops.abs_, ops.relu, ops.sigmoid))
    T.norm = ops_array.norm
    T.clone = lambda self: ops.mul(self, 1.0)
    # Augmented assignment is in place with version counting, as PyTorch (so ``a += b`` on a leaf
    # that requires grad is refused, and a tensor saved for backward and then changed is caught).
    T.__iadd__, T.__isub__ = Tensor.add_, Tensor.sub_
    T.__imul__, T.__itruediv__ = Tensor.mul_, Tensor.div_


