"""The REPL's session logic: one statement in, a Reply out. The state survives every error.

Variables hold engine tensors and persist as the same objects, so a graph built on one
line connects to the next: the ``x`` in ``y = x^2`` is the very tensor whose ``.grad``
``backward(y)`` fills. Nothing here touches the terminal.
"""
from __future__ import annotations

import weakref
from typing import Any

from .. import engine as E
from ..errors import DiffcliError
from ..language.analysis import free_names
from ..language.ast import Assign, Definition, Program
from ..language.limits import Limits
from ..language.parser import parse
from ..record import Factory, Record
from ..render import Style, error_text, visible
from ..session import Prepared, Session
from . import values as V
from .autograd import RESERVED, STATEMENTS, run_statement
from .lines import is_blank, is_command


class Reply(Record):
    """What a statement printed: (text, is_error) chunks in order, and whether to leave."""
    FIELDS = ("chunks", "quit")
    DEFAULTS = {"chunks": Factory(list), "quit": False}
    chunks: list[tuple[str, bool]]
    quit: bool

    def say(self, text: str) -> None:
        if text:
            self.chunks.append((text, False))

    def fail(self, text: str) -> None:
        self.chunks.append((text, True))

    def extend(self, other: "Reply") -> None:
        self.chunks += other.chunks

    @property
    def error(self) -> bool:
        return any(bad for _, bad in self.chunks)

    @property
    def text(self) -> str:
        return "\n".join(t for t, _ in self.chunks)

    @property
    def out(self) -> str:
        return "\n".join(t for t, bad in self.chunks if not bad)

    @property
    def err(self) -> str:
        return "\n".join(t for t, bad in self.chunks if bad)


class ReplState:
    """Variables, definitions and settings of one REPL session."""

    def __init__(self, color: bool = False, limits: Limits | None = None) -> None:
        self.style = Style(color)
        self.session = Session(limits, reserved=RESERVED, attribute=V.attribute)
        self.precision: int | None = None
        self.anomaly = False
        self.nodes: Any = weakref.WeakKeyDictionary()  # backward node -> its forward value (:graph)
        self.loading = 0  # nested :load depth
        self.loads = 0  # files run by the current top-level :load

    @property
    def variables(self) -> dict[str, E.Tensor]:
        return self.session.variables

    @property
    def definitions(self) -> dict[str, Definition]:
        return self.session.definitions

    def reset(self) -> None:
        self.session.reset()
        self.nodes = weakref.WeakKeyDictionary()
        E.pool.clear()  # and the memory kept for reuse by large results

    # ------------------------------------------------------------------
    def execute(self, text: str, lineno: int | None = None, where: str | None = None) -> Reply:
        """Run one statement or ':' command. ``lineno``/``where``: its place in a script."""
        reply = Reply()
        if is_blank(text):
            return reply
        if is_command(text):
            from .commands import run_command
            return run_command(self, text.strip(), reply)
        try:
            with self.guard():
                self._statement(text, reply)
        except DiffcliError as err:
            reply.fail(self.error_text(err, text, lineno, where))
        return reply

    def error_text(self, err: DiffcliError, text: str, lineno: int | None = None,
                   where: str | None = None) -> str:
        own = err.source is None or err.source == text
        line = lineno + ((err.line or 1) - 1) if lineno is not None and own else None
        one_line = lineno is None and own and "\n" not in (err.source or "\n")
        body = error_text(err, self.style, line, column_only=one_line)  # a typed line: no "line 1"
        if where is not None:
            return f"{where}:{line or lineno}: {body}"
        return (f"line {line or lineno}: " if lineno is not None else "") + body

    def guard(self) -> Any:
        """Limits, anomaly mode, errors from the backward pass placed at their source, and a
        bug turned into an 'internal' error (Session.guarded)."""
        return self.session.guarded(self.anomaly)

    # ------------------------------------------------------------------
    def _statement(self, text: str, reply: Reply) -> None:
        tree = _parse_line(text)
        if isinstance(tree, Assign):
            program = Program([], tree.expr, list(tree.bindings), text)
            program.overflows = tree.overflows
            return self._assign(tree.name, tree.span, program, reply)
        if tree.expr is None:
            defined = self.session.define(tree)
            reply.say(self.style.dim("# defined " + ", ".join(f"{d.name}({', '.join(d.params)})"
                                                               for d in defined)))
            return
        call = tree.expr
        if call.kind == "call" and call.value in STATEMENTS:
            if tree.bindings:
                raise DiffcliError("type", f"{call.value} takes no 'at' clause").at(tree.bindings[0].span, text)
            ev = self.session.evaluator(tree, track_kinks=True)
            ev.trace = []
            run_statement(self, call, ev, text, reply)
            self.session.commit(tree)
            return
        value, _, warnings = self.evaluate(tree)
        self.session.commit(tree)
        reply.say(self.shown(value, note=bool(self.session.tracked(tree))))
        for w in warnings:
            reply.say(self.style.warn("warning: " + visible(w)))

    def evaluate(self, program: Program) -> tuple[Any, Prepared, list[str]]:
        """A program's value with the variables in scope; its graph's nodes noted for :graph."""
        try:
            value, p, warnings = self.session.evaluate(program)
        except DiffcliError as err:
            if err.kind == "name" and program.expr is not None:  # a statement's name used as a value
                unbound = [e.value for e in free_names(program.expr) if e.value not in self.variables]
                if unbound and unbound[0] in STATEMENTS:
                    err.message = f"'{unbound[0]}' is a statement, not a value"
                    err.hint = f"call it: {STATEMENTS[unbound[0]][0]}"
                elif unbound and unbound[0] in RESERVED:
                    err.hint = None
            raise
        self.register(p.evaluator.trace)
        return value, p, warnings

    def shown(self, value: Any, prefix: str = "", note: bool = True) -> str:
        """The value as printed, with a comment on its autograd side when ``note``."""
        body = V.show(value, self.precision).replace("\n", "\n" + " " * len(prefix))
        comment = V.note(value) if note else ""
        return prefix + body + (self.style.dim("  # " + comment) if comment else "")

    def _assign(self, name: str, span: tuple, program: Program, reply: Reply) -> None:
        value, p, warnings = self.session.assign(name, span, program)
        self.register(p.evaluator.trace)
        reply.say(self.shown(value, f"{name} = "))
        for w in warnings:
            reply.say(self.style.warn("warning: " + visible(w)))

    def register(self, trace: list | None) -> None:
        for _, _, t in trace or ():
            if isinstance(t, E.Tensor) and t.grad_fn is not None and t.grad_fn not in self.nodes:
                self.nodes[t.grad_fn] = t._v


def _parse_line(text: str) -> Any:
    """A REPL line's tree: an Assign (``name = expr``, with 'at' bindings or not) or a Program."""
    return parse(text, start="repl_line")

