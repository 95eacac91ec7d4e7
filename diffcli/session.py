"""One evaluation API for the CLI and the REPL: program text in, result or DiffcliError out."""
from __future__ import annotations

from typing import Any

from . import engine as E
from .engine.backend import has_nan
from .errors import DiffcliError, internal, line_col
from .language.analysis import check_definitions, free_names
from .language.ast import Definition, Program
from .language.builtins import BUILTINS, CONSTANTS, KEYWORDS
from .language.evaluator import Evaluator, Event
from .language.limits import Limits
from .language.parser import parse
from .record import Factory, Record


class Options(Record):
    """What a command asks for, besides the program."""
    FIELDS = ("at", "wrt", "seed", "order", "all_orders", "tol", "detect_anomaly", "limits",
              "method", "max_iter", "trace", "symbolic", "latex")
    DEFAULTS = {"at": Factory(list), "wrt": None, "seed": None, "order": 1, "all_orders": False,
                "tol": 1e-6, "detect_anomaly": False, "limits": Factory(Limits),
                "method": "bfgs", "max_iter": 1000, "trace": False, "symbolic": False, "latex": False}
    at: list[tuple[str, str]]  # --at NAME=VALUE, in order
    wrt: list[str] | None
    seed: str | None
    order: int
    all_orders: bool
    tol: float
    detect_anomaly: bool
    limits: Limits
    method: str      # minimize: bfgs, lbfgs, newton or gd
    max_iter: int    # minimize, solve
    trace: bool      # minimize, solve: one line per iteration
    symbolic: bool                   # answer with formulas even when values are bound
    latex: bool                      # formulas as LaTeX


class Prepared(Record):
    """A parsed program with its variables bound, ready for a command."""
    FIELDS = ("program", "evaluator", "values", "order")
    program: Program
    evaluator: Evaluator
    values: dict[str, E.Tensor]      # every bound name -> its value
    order: list[str]                 # free variables, in order of first appearance

    @property
    def source(self) -> str:
        return self.program.source

    def env(self, wrt: list[str] = ()) -> tuple[dict, list]:
        """Bindings with a fresh leaf that requires grad for each name in ``wrt``."""
        env = dict(self.values)
        leaves = []
        for n in wrt:
            leaf = E.tensor(self.values[n]._v, requires_grad=True)
            env[n] = leaf
            leaves.append(leaf)
        return env, leaves

    def evaluate(self, env: dict) -> E.Tensor:
        ev, src = self.evaluator, self.source
        if self.program.locals:  # each local sees the bindings and the locals before it
            env = dict(env)
            for b in self.program.locals:
                env[b.name] = ev.evaluate(b.expr, env, src)
        return ev.evaluate(self.program.expr, env, src)


class Session:
    """Definitions and variables persist across programs (the REPL assigns variables; the CLI
    has none); each program is otherwise independent. ``reserved``: names a shell keeps for
    itself (the REPL's statements), each with what it is, for the error that refuses them.
    ``attribute``: the shell's handler for ``x.grad`` and friends (None: no attributes)."""

    def __init__(self, limits: Limits | None = None, reserved: dict[str, str] | None = None,
                 attribute: Any = None) -> None:
        self.limits = limits or Limits()
        self.definitions: dict[str, Definition] = {}
        self.variables: dict[str, E.Tensor] = {}
        self.reserved = reserved or {}
        self.attribute = attribute

    def reset(self) -> None:
        self.variables.clear()
        self.definitions.clear()

    # ------------------------------------------------------------------
    def prepare(self, text: str, options: Options, track_kinks: bool = False,
                program: Program | None = None) -> Prepared:
        """Parse, check, and bind: everything up to evaluation (``program``: already parsed from ``text``)."""
        lim = self.limits
        if len(text) > lim.max_length:
            raise DiffcliError("limit", f"the program has {len(text):,} characters, over the limit of "
                               f"{lim.max_length:,} (--max-length)")
        if "\x00" in text:
            raise DiffcliError("parse", "the program contains a NUL byte").at(
                (text.index("\x00"), text.index("\x00") + 1), text)
        tick = lim.budget.check_time if lim.budget is not None else None
        program = program if program is not None else parse(text, tick=tick)
        if program.expr is None:
            what = "definitions" if program.definitions else "local names"
            raise DiffcliError("parse", f"the program has {what} but no expression to evaluate",
                               hint="end it with the expression, as in z = x*y; z^2 + z").at(
                (len(text), len(text)), text)
        deep = max([program.expr.depth] + [b.expr.depth for b in program.bindings + list(program.locals)]
                   + [e.depth for d in program.definitions for e in [d.body] + d.grad_rules])
        if deep > lim.max_depth:
            raise DiffcliError("limit", f"the expression is nested {deep:,} deep, over the limit of "
                               f"{lim.max_depth:,} (--max-depth)")
        ev = self.evaluator(program, track_kinks)
        _note_overflows(program, ev, "")
        defs = ev.defs
        for name, _ in options.at:
            if name in defs:
                raise DiffcliError("type", f"--at binds '{name}', but {name} is a function the program defines: "
                                   "choose another name for the variable")
        values = dict(self.variables)
        values.update(self._bindings(options.at, program, ev))
        names = _free_names(program, values, defs, self.check_name)
        unbound = [e for e in names if e.value not in values and e.value not in defs and e.value not in BUILTINS]
        if unbound:
            first = unbound[0]
            if len(unbound) == 1:
                raise ev.unknown(first.value, values).at(first.span, text)
            listed = ", ".join(e.value for e in unbound)
            raise DiffcliError("name", f"unbound variables: {listed} (bind them with 'at', e.g. "
                               f"... at {unbound[0].value} = 1, or --at)").at(first.span, text)
        return Prepared(program, ev, values, [e.value for e in names if e.value in values])

    def guarded(self, anomaly: bool = False) -> "_Guarded":
        """Run one program or statement: a fresh budget of limits, anomaly mode if asked, and
        errors from the backward pass placed at the source of their forward operation."""
        return _Guarded(self.limits, anomaly)

    def commit(self, program: Program | Prepared) -> None:
        """Keep a program's definitions for later programs (the REPL, after success)."""
        for d in (program.program if isinstance(program, Prepared) else program).definitions:
            self.definitions[d.name] = d

    def evaluator(self, program: Program, track_kinks: bool = False) -> Evaluator:
        """An evaluator for ``program``: the session's definitions and the program's own, each
        checked (the one place a definition is checked)."""
        for d in program.definitions:
            if d.name in self.reserved:
                raise DiffcliError("type", f"'{d.name}' is {self.reserved[d.name]} and cannot be redefined"
                                   ).at(d.span, program.source)
            if d.name in self.variables:
                raise DiffcliError("type", f"'{d.name}' is a variable; choose another name for the function"
                                   ).at(d.span, program.source)
        defs = check_definitions(program.definitions, self.definitions)
        return Evaluator(defs, self.limits, attribute=self.attribute, track_kinks=track_kinks)

    def define(self, program: Program) -> list[Definition]:
        """Check and keep the definitions of a program that has nothing else."""
        self.evaluator(program)
        self.commit(program)
        return program.definitions

    def evaluate(self, program: Program) -> tuple[Any, Prepared, list[str]]:
        """A program's value with the session's variables in scope, recording the graph; the
        operations it ran are in ``prepared.evaluator.trace``."""
        try:
            p = self.prepare(program.source, Options(), track_kinks=True, program=program)
        except DiffcliError as err:
            if err.kind == "name" and err.hint is None and program.expr is not None:
                known = set(self.variables) | {b.name for b in program.bindings}
                unbound = [e.value for e in free_names(program.expr) if e.value not in known]
                if unbound:
                    err.hint = f"or assign it first: {unbound[0]} = 1"
            raise
        p.evaluator.trace = []
        value = p.evaluate(dict(p.values))
        warnings = self.warnings(p, [value]) if isinstance(value, E.Tensor) else []
        return value, p, warnings

    def assign(self, name: str, span: tuple[int, int], program: Program) -> tuple[E.Tensor, Prepared, list[str]]:
        """``name = program``. One rule: a value made from variables keeps their autograd (one
        that requires no grad is a constant); a value made from numbers alone is a new leaf that
        requires grad, unless const()/detach() marks it constant."""
        self.check_name(name, span, program.source, "assigned")
        value, p, warnings = self.evaluate(program)
        if not isinstance(value, E.Tensor):
            raise DiffcliError("type", f"only a number or a tensor can be assigned, not "
                               f"{describe(value)}").at(program.expr.span, program.source)
        if not self.reads(program) and not _marks_constant(program.expr):
            value = E.tensor(value.numpy().copy() if value.shape else value.item(), requires_grad=True)
        self.variables[name] = value
        return value, p, warnings

    def reads(self, program: Program) -> list[str]:
        """The variables the program reads (not rebound by 'at')."""
        bound = {b.name for b in program.bindings}
        return [e.value for e in free_names(program.expr) if e.value not in bound and e.value in self.variables]

    def tracked(self, program: Program) -> list[str]:
        """The variables that require grad which the program reads."""
        return [n for n in self.reads(program) if self.variables[n].requires_grad]

    def check_name(self, name: str, span: Any, source: str | None, verb: str = "rebound") -> None:
        """A name a program may bind ('at', --at) or the REPL may assign (``verb``)."""
        why = None
        if name in CONSTANTS or name in BUILTINS or name in KEYWORDS:
            why = f"'{name}' is a {'constant' if name in CONSTANTS else 'built-in name'} and cannot be {verb}"
        elif name in self.reserved:
            why = f"'{name}' is {self.reserved[name]} and cannot be {verb}"
        elif verb == "assigned" and name in self.definitions:
            why = f"'{name}' is a function you defined; choose another name for the variable"
        if why:
            err = DiffcliError("type", why)
            raise err.at(span, source) if span else err

    def _bindings(self, at: list[tuple[str, str]], program: Program, ev: Evaluator) -> dict:
        out: dict[str, E.Tensor] = {}
        for name, text in at:
            self.check_name(name, None, text)
            if name in out:
                raise DiffcliError("type", f"'{name}' is bound twice by --at")
            mark = len(ev.events)
            out[name] = self.constant(text, ev, f"--at {name}")
            for e in ev.events[mark:]:  # its events belong to the option, not to the program's text
                e.message, e.source = f"--at {name}: {e.message}", None
        own: dict[str, E.Tensor] = {}
        for b in program.bindings:
            self.check_name(b.name, b.span, program.source)
            if b.name in own:
                raise DiffcliError("type", f"'{b.name}' is bound twice in the 'at' clause").at(b.span, program.source)
            own[b.name] = self._const_expr(b.expr, ev, program.source)
        out.update(own)  # the program's own clause wins over --at
        return out

    def constant(self, text: str, ev: Evaluator | None = None, what: str = "the value") -> E.Tensor:
        """A constant expression (an --at value, a seed): no free variables."""
        ev = ev or Evaluator(dict(self.definitions), self.limits)
        lim = self.limits
        try:
            if len(text) > lim.max_length:
                raise DiffcliError("limit", f"{len(text):,} characters, over the limit of {lim.max_length:,} "
                                   "(--max-length)")
            program = parse(text)
            if program.bindings or program.definitions or program.expr is None:
                raise DiffcliError("parse", f"must be a single constant expression, got {text[:60]!r}")
            if program.expr.depth > lim.max_depth:
                raise DiffcliError("limit", f"nested {program.expr.depth:,} deep, over the limit of "
                                   f"{lim.max_depth:,} (--max-depth)")
            _note_overflows(program, ev, f"{what}: ")
            return self._const_expr(program.expr, ev, text)
        except DiffcliError as err:  # every error names the option it came from
            err.message = f"{what}: {err.message}"
            raise

    def _const_expr(self, expr: Any, ev: Evaluator, source: str) -> E.Tensor:
        if expr.kind == "num":  # the common case, x = 1.5 or x = -0.5, without the evaluator
            return E.const(expr.value)
        if expr.kind == "unary" and expr.args[0].kind == "num":
            v = expr.args[0].value
            return E.const(-v if expr.value == "-" else v)
        for e in free_names(expr):
            if e.value not in CONSTANTS:
                raise DiffcliError("name", f"a bound value must be constant, but it uses the variable "
                                   f"'{e.value}'").at(e.span, source)
        with E.no_grad():
            v = ev.evaluate(expr, {}, source)
        if not isinstance(v, E.Tensor):
            raise DiffcliError("type", "a bound value must be a number or a tensor").at(expr.span, source)
        return v.detach()

    def warnings(self, prepared: Prepared, results: list[E.Tensor]) -> list[str]:
        """Turn the evaluator's events into warnings, or into a domain error when a NaN
        created from finite inputs reached a result."""
        ev = prepared.evaluator
        reached = any(has_nan(r._v) for r in results)
        if not ev.events:  # the common case
            return ["the result contains nan (from a nan input or constant)"] if reached else []
        out = []
        nan_events = [e for e in ev.events if e.kind == "nan"]
        if nan_events and reached:
            first = nan_events[0]
            raise DiffcliError("domain", first.message + ": the result is not a real number",
                               hint="check the function's domain at this point").at(first.span, first.source)
        seen = set()
        for e in ev.events:
            if e.source is None:  # from an --at value: no place in the program
                msg = e.message + (", but the result does not depend on it" if e.kind == "nan" else "")
            elif e.kind == "nan":
                line, col = line_col(e.source, e.span[0])
                msg = f"{line}:{col}: {e.message}, but the result does not depend on it (where() masked it)"
            else:
                line, col = line_col(e.source, e.span[0])
                msg = f"{line}:{col}: {e.message}"
            if msg not in seen:
                seen.add(msg)
                out.append(msg)
        if reached and not nan_events:
            out.append("the result contains nan (from a nan input or constant)")
        return out


class _Guarded:
    """Session.guarded's context (a class, not a generator: it wraps every program)."""

    __slots__ = ("limits", "anomaly")

    def __init__(self, limits: Limits, anomaly: bool) -> None:
        self.limits = limits
        self.anomaly = E.detect_anomaly() if anomaly else None

    def __enter__(self) -> None:
        E.engine_state.budget = self.limits.start()
        if self.anomaly is not None:
            self.anomaly.__enter__()

    def __exit__(self, kind: Any, err: Any, tb: Any) -> None:
        try:
            if self.anomaly is not None:
                self.anomaly.__exit__(kind, err, tb)
        finally:
            self._end()
        if isinstance(err, DiffcliError):
            origin = getattr(err, "origin", None)
            if isinstance(origin, tuple) and len(origin) == 2:  # (source, expr) of the forward op
                src, expr = origin
                err.message += f", in the backward pass of '{src[expr.span[0]:expr.span[1]][:40]}'"
                err.at(expr.span, src)
        elif isinstance(err, RecursionError):
            raise DiffcliError("limit", "the program is nested too deeply to evaluate (--max-depth)") from None
        elif isinstance(err, MemoryError):
            raise DiffcliError("limit", "the program needs more memory than this machine has "
                               "(--max-elements, --max-nodes)") from None
        elif isinstance(err, Exception):  # a bug: reported, and the shell goes on (the cause is kept)
            raise internal(err) from err

    def _end(self) -> None:
        E.engine_state.budget = None
        self.limits.budget = None



def _marks_constant(expr: Any) -> bool:
    """``c = const(...)`` (or detach): the variable does not require grad."""
    while expr.kind == "group":
        expr = expr.args[0]
    return expr.kind == "call" and expr.value in ("const", "detach")


def describe(v: Any) -> str:
    """What kind of value ``v`` is, for an error message."""
    if isinstance(v, E.Tensor):
        return "a tensor"
    if v is None:
        return "None"
    if hasattr(v, "next_functions"):  # a backward node (the REPL's y.grad_fn)
        return f"the node {v!r}"
    return f"a {type(v).__name__} value"


def _note_overflows(program: Program, ev: Evaluator, what: str) -> None:
    """A number literal too large for float64 is inf: a value, with the warning exp(1000) gets."""
    for e in program.overflows:
        lo, hi = e.span
        ev.events.append(Event("inf", f"{what}the number {program.source[lo:hi]} is too large for "
                               "float64: it is inf", program.source, e.span))


def _free_names(program: Program, values: dict, defs: dict, check: Any) -> list:
    """The program's free variables, first appearance first: its locals' expressions, in
    order, then its expression, less the names its locals set."""
    if not program.locals:
        return free_names(program.expr, program.leaves)
    own = {b.name for b in program.bindings}
    seen: dict[str, Any] = {}
    local: set[str] = set()
    for b in program.locals:
        check(b.name, b.span, program.source)
        why = ("is set twice" if b.name in local else "is bound by 'at' too" if b.name in own
               else "is a function" if b.name in defs else None)
        if why:
            raise DiffcliError("type", f"the local name '{b.name}' {why}").at(b.span, program.source)
        for e in free_names(b.expr, program.leaves):
            if e.value not in local:
                seen.setdefault(e.value, e)
        local.add(b.name)
    for e in free_names(program.expr, program.leaves):
        if e.value not in local:
            seen.setdefault(e.value, e)
    return list(seen.values())


def wrt_names(p: Prepared, options: Options, repeat: bool = False) -> list[str]:
    """The variables to differentiate; a repeated name counts once unless ``repeat``
    (diff's mixed partials are taken in the order given)."""
    names = options.wrt if options.wrt is not None else p.order
    if not repeat:
        names = list(dict.fromkeys(names))
    for n in names:
        if n not in p.values:
            raise DiffcliError("name", f"--wrt names '{n}', which is not bound (bind it with 'at' or --at)")
    return list(names)
