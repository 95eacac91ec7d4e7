"""One evaluation API for the CLI and the REPL: program text in, result or DiffcliError out."""
from __future__ import annotations

from typing import Any

from . import engine as E
from .engine.backend import has_nan
from .errors import DiffcliError, line_col
from .language.analysis import check_definitions, free_names
from .language.ast import Definition, Program
from .language.builtins import BUILTINS, CONSTANTS, KEYWORDS
from .language.evaluator import Evaluator
from .language.limits import Limits
from .language.parser import parse
from .record import Factory, Record


class Options(Record):
    """What a command asks for, besides the program."""
    FIELDS = ("at", "wrt", "seed", "order", "all_orders", "tol", "detect_anomaly", "limits")
    DEFAULTS = {"at": Factory(list), "wrt": None, "seed": None, "order": 1, "all_orders": False,
                "tol": 1e-6, "detect_anomaly": False, "limits": Factory(Limits)}
    at: list[tuple[str, str]]  # --at NAME=VALUE, in order
    wrt: list[str] | None
    seed: str | None
    order: int
    all_orders: bool
    tol: float
    detect_anomaly: bool
    limits: Limits


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
        return self.evaluator.evaluate(self.program.expr, env, self.source)


class Session:
    """Definitions persist across programs (the REPL); each program is otherwise independent."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self.definitions: dict[str, Definition] = {}

    # ------------------------------------------------------------------
    def prepare(self, text: str, options: Options, extra: dict | None = None,
                track_kinks: bool = False, attribute: Any = None,
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
            raise DiffcliError("parse", "the program has definitions but no expression to evaluate").at(
                (len(text), len(text)), text)
        deep = max([program.expr.depth] + [b.expr.depth for b in program.bindings]
                   + [e.depth for d in program.definitions for e in [d.body] + d.grad_rules])
        if deep > lim.max_depth:
            raise DiffcliError("limit", f"the expression is nested {deep:,} deep, over the limit of "
                               f"{lim.max_depth:,} (--max-depth)")
        defs = check_definitions(program.definitions, self.definitions)
        for name, _ in options.at:
            if name in defs:
                raise DiffcliError("type", f"--at binds '{name}', but {name} is a function the program defines: "
                                   "choose another name for the variable")
        ev = Evaluator(defs, lim, attribute=attribute, track_kinks=track_kinks)
        values = dict(extra or {})
        values.update(self._bindings(options.at, program, ev))
        names = free_names(program.expr, program.leaves)
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

    def commit(self, prepared: Prepared) -> None:
        """Keep a program's definitions for later programs (the REPL, after success)."""
        for d in prepared.program.definitions:
            self.definitions[d.name] = d

    def _bindings(self, at: list[tuple[str, str]], program: Program, ev: Evaluator) -> dict:
        out: dict[str, E.Tensor] = {}
        for name, text in at:
            _bindable(name, None, text)
            if name in out:
                raise DiffcliError("type", f"'{name}' is bound twice by --at")
            mark = len(ev.events)
            out[name] = self.constant(text, ev, f"--at {name}")
            for e in ev.events[mark:]:  # its events belong to the option, not to the program's text
                e.message, e.source = f"--at {name}: {e.message}", None
        own: dict[str, E.Tensor] = {}
        for b in program.bindings:
            _bindable(b.name, b.span, program.source)
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

    def _end(self) -> None:
        E.engine_state.budget = None
        self.limits.budget = None


def _bindable(name: str, span: Any, source: str | None) -> None:
    if name in CONSTANTS or name in BUILTINS or name in KEYWORDS:
        what = "constant" if name in CONSTANTS else "built-in name"
        err = DiffcliError("type", f"'{name}' is a {what} and cannot be rebound")
        raise err.at(span, source) if span else err
