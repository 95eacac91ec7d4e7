"""``apply``: the one place where operations run and are recorded.

A Python number operand becomes a tensor only when a node must save it; in a backward pass
without create_graph (``state.raw``) operations take and return raw values. An operand of
another interpretation (a formula: a type with ``__engine_apply__``) takes the operation over,
so the derivative rules, written in these operations, run on it unchanged.

``apply1`` and ``apply2`` are ``apply`` written out for one and two inputs: every operation of
a scalar program and of its backward pass goes through one of them, and the general form's
loops, tuple and list cost about as much as the arithmetic itself. They must stay equivalent
to ``apply`` (the reference-pass tests compare the results bit for bit).
"""
from __future__ import annotations

from typing import Any, Iterable

from .state import state
from .prim import SCALAR_ERRORS as _SCALAR_ERRORS, Prim
from .tensor import Tensor, const, new_node, scalar_node


# A Tensor without running __init__ (which converts and checks its data): the outputs made
# here have their fields set directly, and a bound local call is cheaper than Tensor.__new__.
_new_object = object.__new__


def apply(prim: Prim, args: Iterable[Any], p: Any = None) -> Any:
    """Run ``prim`` forward on ``args``; record a node when an input requires grad. The result
    is a Tensor, except inside a pass on raw values (``state.raw``), where it is a raw value."""
    if state.raw:
        return prim.forward(tuple([a._v if type(a) is Tensor else a for a in args]), p)
    tensors = []
    vals = []
    record = False
    for a in args:
        if type(a) is not Tensor:
            if hasattr(a, "__engine_apply__"):
                return a.__engine_apply__(prim, tuple(args), p)
            a = const(a)
        elif a._rg:
            record = True
        tensors.append(a)
        vals.append(a._v)
    v = prim.forward(vals, p)
    out = Tensor.__new__(Tensor)
    out._v, out._grad, out._version = v, None, 0
    if record and state.grad_enabled and prim.rules:
        out.grad_fn = new_node(prim, tuple(tensors), p, v if prim.uses_ans else None)
        out._rg = True
    else:
        out.grad_fn, out._rg = None, False
    return out


def apply2(prim: Prim, a: Any, b: Any) -> Any:
    """``apply`` for the common binary case, unrolled: the scalar hot path.
    A Python number operand becomes a tensor only if a node must save it."""
    ta, tb = type(a), type(b)
    if state.raw:
        if ta is float and tb is float:  # a backward pass on scalars: the hottest path of all
            try:
                return prim.scalar(a, b)
            except _SCALAR_ERRORS:
                pass
        return _raw2(prim, a._v if ta is Tensor else a, b._v if tb is Tensor else b)
    if ta is Tensor:
        av, ra = a._v, a._rg
    elif ta is float or ta is int:
        av, ra = a if ta is float else float(a), False
    else:
        if hasattr(a, "__engine_apply__"):
            return a.__engine_apply__(prim, (a, b))
        a = const(a)
        av, ra, ta = a._v, False, Tensor
    if tb is Tensor:
        bv, rb = b._v, b._rg
    elif tb is float or tb is int:
        bv, rb = b if tb is float else float(b), False
    else:
        if hasattr(b, "__engine_apply__"):
            return b.__engine_apply__(prim, (a, b))
        b = const(b)
        bv, rb, tb = b._v, False, Tensor
    scalars = type(av) is float and type(bv) is float
    if scalars:
        try:
            v = prim.scalar(av, bv)
        except _SCALAR_ERRORS:
            v = prim.forward((av, bv))
    else:
        v = prim.forward((av, bv))
    out = _new_object(Tensor)
    out._v = v
    out._grad = None
    out._version = 0
    if (ra or rb) and state.grad_enabled and prim.rules:
        # A number operand is saved as the float itself (no tensor to allocate): see Node.
        a = a if ta is Tensor else av
        b = b if tb is Tensor else bv
        ans = v if prim.uses_ans else None
        out.grad_fn = scalar_node(prim, a, b, ans) if scalars else new_node(prim, (a, b), None, ans)
        out._rg = True
    else:
        out.grad_fn = None
        out._rg = False
    return out


def apply1(prim: Prim, a: Any) -> Any:
    """``apply`` for the unary case (the scalar hot path)."""
    if type(a) is not Tensor:
        if state.raw:
            if type(a) is float and prim.scalar is not None:
                try:
                    return prim.scalar(a)
                except _SCALAR_ERRORS:
                    pass
            return prim.forward((a,))
        if hasattr(a, "__engine_apply__"):
            return a.__engine_apply__(prim, (a,))
        a = const(a)
    elif state.raw:
        return apply1(prim, a._v)
    av = a._v
    v = None
    if type(av) is float and prim.scalar is not None:
        try:
            v = prim.scalar(av)
        except _SCALAR_ERRORS:
            v = None
    if v is None:
        v = prim.forward((av,))
    out = _new_object(Tensor)
    out._v, out._grad, out._version = v, None, 0
    if a._rg and state.grad_enabled and prim.rules:
        ans = v if prim.uses_ans else None
        out.grad_fn = scalar_node(prim, a, None, ans) if type(av) is float else new_node(prim, (a,), None, ans)
        out._rg = True
    else:
        out.grad_fn, out._rg = None, False
    return out


def _raw2(prim: Prim, av: Any, bv: Any) -> Any:
    """A binary primitive on raw values, in a backward pass without create_graph."""
    if type(av) is int:
        av = float(av)
    if type(bv) is int:
        bv = float(bv)
    if type(av) is float and type(bv) is float:
        try:
            return prim.scalar(av, bv)
        except _SCALAR_ERRORS:
            pass
    return prim.forward((av, bv))
