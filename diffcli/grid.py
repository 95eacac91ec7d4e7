"""Grids of points (--grid NAME=START:STOP:N or NAME=[v1, ...]), product grids, and which
programs can be answered at every point of a grid in one vectorised pass."""
from __future__ import annotations

import math
from typing import Any

from . import engine as E
from .engine.backend import np
from .errors import DiffcliError
from .language.analysis import walk
from .language.builtins import BUILTINS
from .record import Record
from .session import Prepared, Session

# Operators and built-ins whose value at each element depends only on that element of each
# operand: a program made of them alone, of scalar variables, gives at each point of an array
# the answer it gives at that point alone.
ELEMENTWISE_OPERATORS = frozenset(("+", "-", "*", "/", "^", "<", "<=", ">", ">=", "==", "!="))
ELEMENTWISE_CALLS = frozenset([b.name for b in BUILTINS.values() if b.group == "elementwise"]
                              + ["detach", "const"])


class Grid(Record):
    """The points of a grid, one column per name (every column as long as the grid)."""
    FIELDS = ("names", "columns", "shape")
    names: list[str]
    columns: dict[str, Any]   # name -> 1-d float64 array of the grid's size
    shape: tuple              # the number of values of each name, in order

    @property
    def size(self) -> int:
        return int(math.prod(self.shape))

    def point(self, i: int) -> dict[str, float]:
        return {n: float(self.columns[n][i]) for n in self.names}


def parse_grid(specs: list[tuple[str, str]], session: Session) -> Grid:
    """The product grid of ``--grid`` options (the first name varies slowest), within
    --max-elements; every bad spec a one-line usage error naming it."""
    axes: dict[str, Any] = {}
    for name, text in specs:
        if name in axes:
            raise DiffcliError("usage", f"--grid {name}: '{name}' has two grids")
        axes[name] = _axis(name, text.strip(), session)
    shape = tuple(len(a) for a in axes.values())
    session.limits.check_elements(math.prod(shape), "the grid has")
    mesh = np.meshgrid(*axes.values(), indexing="ij") if axes else []
    return Grid(list(axes), {n: np.ascontiguousarray(m.reshape(-1)) for n, m in zip(axes, mesh)}, shape)


def _axis(name: str, text: str, session: Session) -> Any:
    what = f"--grid {name}"
    if text.startswith("["):
        v = session.constant(text, what=what)
        if v.ndim > 1:
            raise DiffcliError("usage", f"{what}: a list of points must be one-dimensional, got shape {v.shape}")
        return np.asarray(v.numpy(), dtype=np.float64).reshape(-1)
    parts = text.rsplit(":", 2)
    if len(parts) != 3 or not all(p.strip() for p in parts):
        raise DiffcliError("usage", f"{what}={text}: expected START:STOP:N (for example x=-pi:pi:201) "
                           "or a list of points (x=[0, 0.5, 1])")
    start, stop = (_number(session, t, f"{what}: {role}") for t, role in zip(parts, ("START", "STOP")))
    n = _count(parts[2].strip(), what, session)
    if n == 1 and start != stop:
        raise DiffcliError("usage", f"{what}: one point cannot span {start:g} to {stop:g}; give N of at "
                           "least 2, or START equal to STOP")
    return np.linspace(start, stop, n)


def _number(session: Session, text: str, what: str) -> float:
    v = session.constant(text, what=what)
    if v.size != 1:
        raise DiffcliError("usage", f"{what} must be a number, got shape {v.shape}")
    x = v.item()
    if not math.isfinite(x):
        raise DiffcliError("usage", f"{what} must be finite, got {x}")
    return x


def _count(text: str, what: str, session: Session) -> int:
    try:
        n = float(text)
    except ValueError:
        raise DiffcliError("usage", f"{what}: N must be a positive integer, got {text!r}") from None
    if n != n or n < 1 or n != math.floor(n):
        raise DiffcliError("usage", f"{what}: N must be a positive integer, got {text}")
    session.limits.check_elements(int(n), f"{what}: N = {text} would make")
    return int(n)


def not_pointwise(p: Prepared) -> str | None:
    """Why the program may not be answered at every point at once (None: it can).

    Proved on the program tree: every operation elementwise, every variable a scalar, user
    functions followed into their bodies. A program that is not (a reduction, a tensor
    literal, indexing, a derivative inside the language, a custom gradient) is answered
    point by point instead."""
    for n in p.order:
        if p.values[n].shape:
            return f"'{n}' is not a scalar"
    defs = p.evaluator.defs
    todo, seen = [p.program.expr], set()
    while todo:
        for e in walk(todo.pop()):
            kind = e.kind
            if kind in ("num", "name", "group", "unary"):
                continue
            if kind == "binary" and e.value in ELEMENTWISE_OPERATORS:
                continue
            if kind == "call" and not e.kwargs:
                d = defs.get(e.value)
                if d is not None:
                    if d.grad_rules:
                        return f"{d.name} has its own gradient rule"
                    if d.name not in seen:
                        seen.add(d.name)
                        todo.append(d.body)
                    continue
                if e.value in ELEMENTWISE_CALLS:
                    continue
                return f"{e.value} is not elementwise"
            return f"{_kind_name(e)} is not elementwise"
    return None


def _kind_name(e: Any) -> str:
    return {"binary": f"'{e.value}'", "tensor": "a tensor literal", "index": "indexing",
            "slice": "a slice", "attr": "an attribute"}.get(e.kind, e.kind)


def columns_env(p: Prepared, grid: Grid) -> dict[str, E.Tensor]:
    """The program's bindings with every scalar variable a column as long as the grid: the
    grid's own values, or its bound value repeated (so that its derivative is per point too)."""
    env = dict(p.values)
    for n in p.order:
        col = grid.columns.get(n)
        env[n] = E.const(col if col is not None else np.full(grid.size, p.values[n].item()))
    return env


class Col:
    """One column of a grid's answer: a value per point, along the first axis of ``v``."""

    __slots__ = ("v",)

    def __init__(self, v: Any) -> None:
        self.v = v


def _col(t: Any, n: int) -> Col:
    v = t._v if isinstance(t, E.Tensor) else t
    return Col(np.array(np.broadcast_to(v, (n,)), dtype=np.float64))
