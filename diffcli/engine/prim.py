"""``Prim``: everything the engine knows about one primitive operation, declared in one call.

A primitive module declares each primitive once, with its kernels and every interpretation
of it next to them (JAX's rule tables, HIPS autograd's ``defvjp``)::

    SIN = Prim("Sin", math.sin, "sin",
               vjp=(lambda g, ans, x: mul(g, cos(x)),),
               taylor=lambda w0, node, u: ts.sincos(u, w0, ts.k(COS, u[0]))[0],
               elementwise=True)

The engine reads these fields from the primitive object, never by its name, so two
primitives with one name stay two primitives:

- ``scalar``: the kernel on Python floats (the math module); ``edge``: numpy's answer (inf,
  nan) where ``scalar`` raises, in plain Python, so a scalar program never imports numpy.
- ``array``: the numpy kernel (a function, or the name of a numpy ufunc, looked up on first use).
- ``vjp``: per input, ``rule(g, ans, *inputs)`` (``*inputs, param`` for a primitive with a
  parameter), the vector-Jacobian product written in engine operations (so higher orders come
  free), or None for a zero gradient. ``each_input(rule)`` makes one for every input of a
  variadic primitive. An empty ``vjp`` records no node (comparisons).
- ``kink``: ``(predicate on the raw inputs, the convention)`` where the rule applies a
  convention instead of a derivative (abs at 0); the language warns there.
- ``batch``: the rules also take a gradient with a leading batch axis (Jacobian rows in one
  pass); ``elementwise``: every rule is elementwise, so it batches and runs block by block on
  large arrays; ``symmetric``: the rule for y at (x, y) is the rule for x at (y, x).
- ``taylor``: ``rule(w0, node, *input_series)``, the output's truncated Taylor series
  (``taylor_series``), for n-th derivatives in one forward sweep.
- ``add_at``: an in-place form of the rule for the batched pass (indexing).
- ``interpretations``: a dict for any further interpretation, keyed by a name the
  interpreting module chooses (``define``/``interpretation``): a module adds one to a
  primitive without editing the engine, as a formula printer or a new transformation does.
"""
from __future__ import annotations

from typing import Any, Callable

from ..errors import DiffcliError
from . import parallel
from .backend import demote, np, shape_of
from .state import state

# What a math-module kernel raises where numpy gives inf or nan instead.
SCALAR_ERRORS = (ValueError, OverflowError, ZeroDivisionError)


class Prim:
    """A primitive operation: its kernels and its interpretations (see the module's doc)."""

    __slots__ = ("name", "scalar", "array", "rules", "uses_ans", "has_param", "reads", "batch", "edge",
                 "kink", "elementwise", "symmetric", "taylor", "add_at", "interpretations", "saves")

    def __init__(self, name: str, scalar: Any, array: Any, vjp: tuple = (), *,
                 uses_ans: bool = False, has_param: bool = False, reads: bool = True,
                 batch: bool = False, edge: Callable | None = None, kink: tuple | None = None,
                 elementwise: bool = False, symmetric: bool = False, taylor: Callable | None = None,
                 add_at: Callable | None = None) -> None:
        self.name = name
        self.scalar = scalar
        self.array = array
        self.rules = tuple(vjp) if type(vjp) is not _EachInput else vjp
        # The rules read ``ans``, the output's value (exp' is exp itself).
        self.uses_ans = uses_ans
        self.has_param = has_param
        # Whether the rules read the inputs' values (not just their shapes): only then does an
        # in-place change of an input after the forward pass invalidate the backward pass.
        self.reads = reads
        # Whether backward needs saved values (inputs or output), not just shapes: only such a
        # node refuses a second backward once its graph is freed (PyTorch's AddBackward does not).
        self.saves = bool(reads) or uses_ans
        self.elementwise = elementwise
        self.batch = batch or elementwise  # an elementwise rule broadcasts over a batch axis
        self.symmetric = symmetric
        self.edge = edge
        self.kink = kink
        self.taylor = taylor
        self.add_at = add_at
        self.interpretations: dict = {}

    def define(self, key: str, rule: Any) -> "Prim":
        """Add (or replace) the interpretation ``key`` of this primitive; returns the primitive."""
        self.interpretations[key] = rule
        return self

    def interpretation(self, key: str) -> Any:
        """The interpretation ``key`` of this primitive, or None."""
        return self.interpretations.get(key)

    def forward(self, vals: Any, p: Any = None) -> Any:
        """The primitive on raw values: ``scalar`` (or ``edge``) on floats, else ``array``."""
        if self.scalar is not None:
            for v in vals:
                if type(v) is not float:
                    break
            else:
                try:
                    return self.scalar(*vals, p) if self.has_param else self.scalar(*vals)
                except SCALAR_ERRORS:
                    if self.edge is not None:
                        return self.edge(*vals)
        f = self.array
        if type(f) is str:
            f = self.array = getattr(np, f)
        try:
            if self.has_param:
                out = f(*vals, p)
            elif type(f) is np.ufunc and f.signature is None:  # elementwise (matmul is a gufunc:
                # its result does not have the operands' broadcast shape)
                out = parallel.ufunc(f, vals)
            else:
                out = f(*vals)
        except ValueError as exc:
            raise DiffcliError("shape", f"{self.name.lower()}: {_shape_message(vals, exc)}") from None
        budget = state.budget
        if budget is not None:  # a time limit that counts work: the elements each array operation touches
            budget.work(vals, out)
        return demote(out)

    def __repr__(self) -> str:
        return f"<prim {self.name}>"


class _EachInput:
    """The rules of a variadic primitive: ``rules[i]`` is ``rule`` with the input's index first."""

    __slots__ = ("rule",)

    def __init__(self, rule: Callable) -> None:
        self.rule = rule

    def __getitem__(self, i: int) -> Callable:
        rule = self.rule
        return lambda *args: rule(i, *args)

    def __bool__(self) -> bool:
        return True


def each_input(rule: Callable) -> _EachInput:
    """``vjp`` for a primitive of any number of inputs: ``rule(i, g, ans, *inputs, param)``."""
    return _EachInput(rule)


def _shape_message(vals: Any, exc: Exception) -> str:
    shapes = " and ".join(str(shape_of(v)) for v in vals)
    text = str(exc)
    if "broadcast" in text:
        return f"shapes {shapes} do not broadcast"
    return f"shapes {shapes}: {text}"
