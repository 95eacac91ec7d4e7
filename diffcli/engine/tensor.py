"""Tensor and graph node (``apply``, which records operations, is in apply.py).

A graph edge points from a node to the node of each input (or to the input
tensor itself when it is a leaf that requires grad). Nodes never reference
their own output, so graphs hold no reference cycles and are freed by
reference counting alone.

A node keeps, for its first two inputs, the edge and the value in slots of its own (``e0``,
``v0``, ``e1``, ``v1``), not the input tensors in a tuple: a scalar graph then costs one object
per node that the cyclic garbage collector tracks instead of three (node, inputs tuple, and the
intermediate tensor the tuple kept alive), and the collector's scans of a growing graph
are a large part of building it. Edges are taken when the node is recorded, so later changes to an input (in-place
operations, ``detach_``, ``requires_grad``) do not move them. A node keeps its input tensors
too (``tensors``) only when one holds an array, whose in-place changes the backward pass must
detect; a float saved in a slot cannot change.
"""
from __future__ import annotations

import itertools
from typing import Any

from ..errors import DiffcliError
from .backend import as_array, np, shape_of, size_of, to_raw
from .prim import Prim
from .state import state

_next_seq = itertools.count().__next__


class Node:
    """The ``grad_fn`` of a non-leaf tensor: how to send its gradient to its inputs."""

    __slots__ = ("prim", "nin", "e0", "v0", "e1", "v1", "p", "ans", "origin", "seq", "released",
                 "x", "__weakref__")

    # Made by ``new_node``: a plain function call costs much less than calling a class.
    # ``x``: None, or the fields few nodes need (``_Extra``). The collector visits every slot
    # of every node on each pass, so a scalar node keeps as few as it can.

    ex = property(lambda self: None if self.x is None else self.x.ex, lambda self, v: _set_extra(self, "ex", v),
                  doc="None, or (edges, values) of the inputs after the second.")
    tensors = property(lambda self: None if self.x is None else self.x.tensors,
                       lambda self, v: _set_extra(self, "tensors", v),
                       doc="The input tensors, kept only when one holds an array (in-place checks).")
    versions = property(lambda self: None if self.x is None else self.x.versions,
                        lambda self, v: _set_extra(self, "versions", v),
                        doc="Versions of ``tensors`` when recorded, with in-place checks on.")
    retained = property(lambda self: None if self.x is None else self.x.retained,
                        lambda self, v: _set_extra(self, "retained", v),
                        doc="A weak reference to the output tensor after retain_grad().")
    ctx = property(lambda self: None if self.x is None else self.x.ctx,
                   lambda self, v: _set_extra(self, "ctx", v), doc="A custom Function's context.")

    def _origin_from_stack(self) -> None:
        if self.origin is None:
            import traceback
            self.origin = traceback.extract_stack()  # _origin_text skips the engine's frames

    def name(self) -> str:
        return self.prim.name + ("Backward" if self.ctx is not None else "Backward0")

    @property
    def edges(self) -> tuple:
        """Per input, the node (or leaf tensor) its gradient goes to, or None."""
        if self.nin == 2:
            return (self.e0, self.e1)
        return _per_input(self.nin, self.e0, self.e1, self.ex and self.ex[0])

    @property
    def values(self) -> tuple | None:
        """Per input, its value when the node was recorded (None once released)."""
        if self.released:
            return None
        return _per_input(self.nin, self.v0, self.v1, self.ex and self.ex[1])

    @property
    def inputs(self) -> tuple | None:
        """The inputs as tensors (a number operand as its float; None once released): the
        tensors themselves where the node kept them, else equivalent ones made from the saved
        edges and values, which record into the same graph (create_graph, recomputing)."""
        if self.released:
            return None
        if self.tensors is not None:
            return self.tensors
        return tuple([_input_tensor(e, v) for e, v in zip(self.edges, self.values)])

    @property
    def next_functions(self) -> tuple:
        return tuple((_AccumulateGrad(e) if type(e) is Tensor else e, 0) for e in self.edges)

    def __repr__(self) -> str:
        return f"<{self.name()}>"


class _Extra:
    """A node's rarely needed fields, in one object so that most nodes have none."""

    __slots__ = ("ex", "tensors", "versions", "retained", "ctx")

    def __init__(self) -> None:
        self.ex = self.tensors = self.versions = self.retained = self.ctx = None


def _set_extra(n: Node, field: str, value: Any) -> None:
    if n.x is None:
        if value is None:
            return
        n.x = _Extra()
    setattr(n.x, field, value)


def _per_input(k: int, first: Any, second: Any, rest: tuple | None) -> tuple:
    """One item per input from a node's two slots and the tuple of the others."""
    if k == 2:
        return (first, second)
    if k == 1:
        return (first,)
    return (first, second)[:k] + (rest or ())


def _input_tensor(e: Any, v: Any) -> Any:
    """An input of a node rebuilt from its edge and saved value."""
    if type(e) is Tensor:  # a leaf that requires grad: itself
        return e
    if e is None:
        return v if type(v) is float else const(v)
    t = Tensor.__new__(Tensor)
    t._v, t._rg, t._grad, t.grad_fn, t._version = v, True, None, e, 0
    return t


def release(n: Node) -> None:
    """Free what ``n`` saved for its backward pass (its edges stay, for next_functions).

    A node whose rules read no value (add, sum, reshape, ...) saved nothing, as in PyTorch, and
    may run again: it keeps its inputs' values, which give the shapes its rules need (and Taylor
    mode the values). A custom Function's node frees its saved tensors; its backward raises
    only if it reads them."""
    x = n.x
    ctx = None if x is None else x.ctx
    if ctx is not None or not n.prim.saves:
        if x is not None:
            x.tensors = None
            if ctx is not None:
                ctx.saved = None
        return
    n.released = True
    n.v0 = n.v1 = n.ans = None
    if x is not None:
        x.tensors = None
        if x.ex is not None:
            x.ex = (x.ex[0], None)


_new_object = object.__new__  # (see apply.py)


def scalar_node(prim: Prim, a: Any, b: Any, ans: Any) -> Node:
    """A node for ``prim`` applied to ``a`` and ``b`` (None: to ``a`` alone), each a tensor or
    a Python float (a number operand, saved as itself); ``ans``, the output's value, when its
    rules use it. The scalar hot path: ``new_node`` adds what array inputs need."""
    n = _new_object(Node)
    # Inputs exist before the operations that use them, so every node's seq is larger than
    # those of the nodes it points to: descending seq is a topological order of any graph.
    n.seq = _next_seq()
    n.prim = prim
    n.x = n.p = None
    # An input's edge: its node, itself as a leaf that requires grad, or None (a number).
    if type(a) is float:
        n.e0 = None
        n.v0 = a
    else:
        n.e0 = a.grad_fn or (a if a._rg else None)
        n.v0 = a._v
    n.nin = 1 if b is None else 2
    if b is None or type(b) is float:
        n.e1 = None
        n.v1 = b
    else:
        n.e1 = b.grad_fn or (b if b._rg else None)
        n.v1 = b._v
    n.released = False
    n.ans = ans
    n.origin = state.origin
    budget = state.budget
    if budget is not None:  # a size and time limit (the CLI's): counts nodes
        budget.tick()
    if state.anomaly:
        n._origin_from_stack()
    return n


def new_node(prim: Prim, inputs: tuple, p: Any, ans: Any) -> Node:
    """A node for ``prim`` applied to ``inputs`` (tensors, or Python floats for number
    operands), with parameter ``p``; ``ans`` as in ``scalar_node``."""
    k = len(inputs)
    n = scalar_node(prim, inputs[0] if k else 0.0, inputs[1] if k > 1 else None, ans)
    n.nin = k
    n.p = p
    if not k:
        n.v0 = None
    if k > 2:
        rest = inputs[2:]
        n.x = _Extra()
        n.x.ex = (tuple([None if type(t) is float else t.grad_fn or (t if t._rg else None) for t in rest]),
                  tuple([value_of(t) for t in rest]))
    if prim.saves and any(type(t) is not float and type(t._v) is not float for t in inputs):
        # an array input that backward reads: keep the tensors, for in-place checks (as
        # PyTorch's saved versions); a node that reads none lets its inputs go (as PyTorch)
        x = n.x = n.x or _Extra()
        x.tensors = inputs
        if state.inplace:
            x.versions = tuple([0 if type(t) is float else t._version for t in inputs])
    return n


class _AccumulateGrad:
    """The view of a leaf edge in ``next_functions`` (as in PyTorch)."""

    __slots__ = ("variable",)

    def __init__(self, variable: "Tensor") -> None:
        self.variable = variable

    def name(self) -> str:
        return "AccumulateGrad"

    next_functions = ()

    def __repr__(self) -> str:
        return "<AccumulateGrad>"


class Tensor:
    """An n-dimensional float64 value that can record how it was computed."""

    __slots__ = ("_v", "_rg", "_grad", "grad_fn", "_version", "__weakref__")
    __array_priority__ = 1000  # numpy defers to our operators

    def __init__(self, data: Any, requires_grad: bool = False) -> None:
        self._v = data if type(data) is float else to_raw(data)
        self._rg = bool(requires_grad)
        self._grad: Tensor | None = None
        self.grad_fn: Node | None = None
        self._version = 0

    # ----- properties -------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        return self._rg

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        flag = bool(flag)
        self._rg = flag

    @property
    def data(self) -> Any:
        """The value as a numpy array (0-d for scalars)."""
        if type(self._v) is float:
            self._v = as_array(self._v)  # later ops share this array
        return self._v

    @data.setter
    def data(self, value: Any) -> None:
        self._v = to_raw(value)
        self._version += 1
        state.inplace += 1

    @property
    def shape(self) -> tuple:
        return shape_of(self._v)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return size_of(self._v)

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def dtype(self) -> Any:
        return np.float64

    def item(self) -> float:
        v = self._v
        if type(v) is float:
            return v
        if v.size != 1:
            raise DiffcliError("shape", f"item() needs a tensor with one element, not shape {v.shape}")
        return float(v.reshape(()))

    def numpy(self) -> Any:
        return as_array(self._v)

    def tolist(self) -> Any:
        v = self._v
        return v if type(v) is float else v.tolist()

    def __float__(self) -> float:
        return self.item()

    def __len__(self) -> int:
        s = self.shape
        if not s:
            raise TypeError("len() of a 0-d tensor")
        return s[0]

    def __bool__(self) -> bool:
        return bool(self.item())

    def __iter__(self) -> Any:
        """The slices along the first axis, as PyTorch (a 0-d tensor cannot be iterated)."""
        for i in range(len(self)):
            yield self[i]

    def _set_grad(self, g: "Tensor | None") -> None:
        self._grad = g

    def _del_grad(self) -> None:
        self._grad = None  # ``del x.grad`` clears it, as in PyTorch

    # A property, not a __delattr__ method: a Python-level __delattr__ makes every attribute
    # store of every tensor go through a slower path.
    grad = property(lambda self: self._grad, _set_grad, _del_grad, doc="The accumulated gradient, or None.")

    def __repr__(self) -> str:
        v = self._v
        body = repr(v) if type(v) is float else np.array2string(v, separator=", ", prefix="tensor(")
        extra = f", grad_fn=<{self.grad_fn.name()}>" if self.grad_fn else (
            ", requires_grad=True" if self.requires_grad else "")
        return f"tensor({body}{extra})"

    # ----- autograd (backward() comes from operators.py: graph.py imports this module) -----

    def detach(self) -> "Tensor":
        """The same value, cut from the graph."""
        t = Tensor.__new__(Tensor)
        t._v, t._rg, t._grad, t.grad_fn, t._version = self._v, False, None, None, 0
        return t

    def detach_(self) -> "Tensor":
        self.grad_fn = None
        self._rg = False
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this non-leaf tensor after backward."""
        if self.grad_fn is None:
            if not self.requires_grad:
                raise DiffcliError("autograd", "retain_grad() on a tensor that does not require grad")
            return
        import weakref
        self.grad_fn.retained = weakref.ref(self)

    def requires_grad_(self, flag: bool = True) -> "Tensor":
        if self.grad_fn is not None and not flag:
            raise DiffcliError("autograd", "requires_grad can only be changed on leaf tensors; use detach()")
        self.requires_grad = bool(flag)
        return self

    def register_hook(self, hook: Any) -> None:
        raise DiffcliError("autograd", "hooks are not supported; use retain_grad() or diffcli.grad")


def value_of(t: Any) -> Any:
    """The raw value of a node's input: a tensor's, or the float saved in its place."""
    return t if type(t) is float else t._v


def const(value: Any) -> Tensor:
    """A tensor that does not require grad (Python numbers mixed into operations)."""
    t = Tensor.__new__(Tensor)
    t._v = value if type(value) is float else to_raw(value)
    t._rg, t._grad, t.grad_fn, t._version = False, None, None, 0
    return t
