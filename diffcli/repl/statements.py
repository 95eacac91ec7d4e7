"""The REPL's session logic: one statement in, a Reply out. The state survives every error.

Variables hold engine tensors and persist as the same objects, so a graph built on one
line connects to the next: the ``x`` in ``y = x^2`` is the very tensor whose ``.grad``
``backward(y)`` fills. Nothing here touches the terminal.
"""
from __future__ import annotations

import contextlib
import re
import weakref
from ..record import Factory, Record
from typing import Any, Iterator

from .. import engine as E
from ..errors import DiffcliError
from ..language.analysis import check_definitions, free_names
from ..language.ast import Assign, Definition, Expr, Program
from ..language.builtins import BUILTINS, CONSTANTS, KEYWORDS
from ..language.evaluator import Evaluator
from ..language.limits import Limits
from ..language.parser import parse
from ..render import Style, error_text, visible
from ..session import Options, Prepared, Session
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
        self.session = Session(limits)
        self.variables: dict[str, E.Tensor] = {}
        self.precision: int | None = None
        self.anomaly = False
        self.nodes: Any = weakref.WeakKeyDictionary()  # backward node -> its forward value (:graph)
        self.loading = 0  # nested :load depth
        self.loads = 0  # files run by the current top-level :load

    @property
    def definitions(self) -> dict[str, Definition]:
        return self.session.definitions

    def reset(self) -> None:
        self.variables.clear()
        self.session.definitions.clear()
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
        except Exception as exc:  # noqa: BLE001 - a bug must not end the session
            err = DiffcliError("internal", f"{type(exc).__name__}: {exc}".splitlines()[0][:300],
                               hint="please report this")
            reply.fail(self.error_text(err, text, lineno, where))
        return reply

    def error_text(self, err: DiffcliError, text: str, lineno: int | None = None,
                   where: str | None = None) -> str:
        own = err.source is None or err.source == text
        line = lineno + ((err.line or 1) - 1) if lineno is not None and own else None
        body = error_text(err, self.style, line)
        if where is not None:
            return f"{where}:{line or lineno}: {body}"
        return (f"line {line or lineno}: " if lineno is not None else "") + body

    @contextlib.contextmanager
    def guard(self) -> Iterator[None]:
        """Limits, anomaly mode, and errors from the backward pass placed at their source."""
        with self.session.guarded(self.anomaly):
            yield

    # ------------------------------------------------------------------
    def _statement(self, text: str, reply: Reply) -> None:
        tree = _parse_line(text)
        if isinstance(tree, Assign):
            return self._assign(tree.name, tree.span, Program([], tree.expr, [], text), reply)
        if isinstance(tree, tuple):  # name = expr at bindings
            return self._assign(*tree, reply)
        self._check_definitions(tree)
        if tree.expr is None:
            check_definitions(tree.definitions, self.definitions)
            self._commit(tree)
            reply.say(self.style.dim("# defined " + ", ".join(f"{d.name}({', '.join(d.params)})"
                                                               for d in tree.definitions)))
            return
        call = tree.expr
        if call.kind == "call" and call.value in STATEMENTS:
            if tree.bindings:
                raise DiffcliError("type", f"{call.value} takes no 'at' clause").at(tree.bindings[0].span, text)
            run_statement(self, call, self._evaluator(tree), text, reply)
            self._commit(tree)
            return
        value, _, warnings = self.evaluate(tree)
        self._commit(tree)
        reply.say(self.shown(value, note=bool(self._tracked(tree))))
        for w in warnings:
            reply.say(self.style.warn("warning: " + visible(w)))

    def evaluate(self, program: Program) -> tuple[Any, Prepared, list[str]]:
        """A program's value with the variables in scope (graph recording on)."""
        try:
            p = self.session.prepare(program.source, Options(), extra=self.variables, track_kinks=True,
                                     attribute=V.attribute, program=program)
        except DiffcliError as err:
            if err.kind == "name" and err.hint is None and program.expr is not None:
                known = set(self.variables) | {b.name for b in program.bindings}
                unbound = [e.value for e in free_names(program.expr) if e.value not in known]
                if unbound:
                    err.hint = f"or assign it first: {unbound[0]} = 1"
            raise
        p.evaluator.trace = []
        value = p.evaluate(dict(p.values))
        self.register(p.evaluator.trace)
        warnings = self.session.warnings(p, [value]) if isinstance(value, E.Tensor) else []
        return value, p, warnings

    def shown(self, value: Any, prefix: str = "", note: bool = True) -> str:
        """The value as printed, with a comment on its autograd side when ``note``."""
        body = V.show(value, self.precision).replace("\n", "\n" + " " * len(prefix))
        comment = V.note(value) if note else ""
        return prefix + body + (self.style.dim("  # " + comment) if comment else "")

    def _tracked(self, program: Program) -> list[str]:
        """The variables that require grad which the program reads (not rebound by 'at')."""
        bound = {b.name for b in program.bindings}
        return [e.value for e in free_names(program.expr) if e.value not in bound
                and e.value in self.variables and self.variables[e.value].requires_grad]

    def _assign(self, name: str, span: tuple, program: Program, reply: Reply) -> None:
        self._check_name(name, span, program.source)
        value, _, warnings = self.evaluate(program)
        if not isinstance(value, E.Tensor):
            raise DiffcliError("type", f"only a number or a tensor can be assigned, not "
                               f"{V.describe(value)}").at(program.expr.span, program.source)
        if not self._tracked(program) and not _marks_constant(program.expr):
            value = E.tensor(value.numpy().copy() if value.shape else value.item(), requires_grad=True)
        self.variables[name] = value
        reply.say(self.shown(value, f"{name} = "))
        for w in warnings:
            reply.say(self.style.warn("warning: " + visible(w)))

    def _check_name(self, name: str, span: tuple, source: str) -> None:
        why = None
        if name in CONSTANTS or name in BUILTINS or name in KEYWORDS:
            why = f"'{name}' is a {'constant' if name in CONSTANTS else 'built-in name'} and cannot be assigned"
        elif name in RESERVED:
            why = f"'{name}' is reserved for backward(...) in the REPL and cannot be assigned"
        elif name in self.definitions:
            why = f"'{name}' is a function you defined; choose another name for the variable"
        if why:
            raise DiffcliError("type", why).at(span, source)

    def _check_definitions(self, program: Program) -> None:
        for d in program.definitions:
            if d.name in RESERVED:
                raise DiffcliError("type", f"'{d.name}' is a REPL statement and cannot be redefined"
                                   ).at(d.span, program.source)
            if d.name in self.variables:
                raise DiffcliError("type", f"'{d.name}' is a variable; choose another name for the function"
                                   ).at(d.span, program.source)

    def _evaluator(self, program: Program) -> Evaluator:
        ev = Evaluator(check_definitions(program.definitions, self.definitions), self.session.limits, attribute=V.attribute, track_kinks=True)
        ev.trace = []
        return ev

    def _commit(self, program: Program) -> None:
        for d in program.definitions:
            self.session.definitions[d.name] = d

    def register(self, trace: list | None) -> None:
        for _, _, t in trace or ():
            if isinstance(t, E.Tensor) and t.grad_fn is not None and t.grad_fn not in self.nodes:
                self.nodes[t.grad_fn] = t._v


def _parse_line(text: str) -> Any:
    """A REPL line's tree; ``name = expr at bindings`` (which the grammar's assignment lacks)
    as (name, span, program), its program parsed with the name blanked out so spans still fit."""
    try:
        return parse(text, start="repl_line")
    except DiffcliError as first:
        m = _ASSIGN_AT.match(text)
        if m is None:
            raise
        head = m.end()
        try:
            program = parse("".join(c if c == "\n" else " " for c in text[:head]) + text[head:])
        except DiffcliError:
            raise first from None
        if program.definitions or program.expr is None or not program.bindings:
            raise
        program.source = text
        return m.group(1), (m.start(1), program.expr.span[1]), program


_ASSIGN_AT = re.compile(r"\s*([A-Za-z_]\w*)\s*=(?!=)")


def _marks_constant(expr: Expr) -> bool:
    """``c = const(...)`` (or detach): the variable does not require grad."""
    while expr.kind == "group":
        expr = expr.args[0]
    return expr.kind == "call" and expr.value in ("const", "detach")
