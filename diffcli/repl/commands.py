"""The ':' commands: help, variables, graphs, settings, files."""
from __future__ import annotations

import difflib
import os
from typing import Any, Callable

from .. import engine as E
from ..errors import DiffcliError
from ..language.ast import Program
from ..language.parser import parse
from ..render import error_text, fmt, graph_text, visible
from . import helptext
from . import values as V
from .lines import statements

COMMANDS = {
    ":help": ("[NAME]", "built-ins by group, or the documentation of one name"),
    ":vars": ("", "your variables (shape, value, gradient) and functions"),
    ":graph": ("NAME", "the computation graph behind a variable (or an expression)"),
    ":diff": ("EXPR, VAR[, N]", "the derivative as a formula, as in :diff x^3*sin(x), x"),
    ":anomaly": ("on|off", "backward stops at the first operation whose gradient turns NaN"),
    ":precision": ("N|off", "significant digits shown (off: the shortest that round-trips)"),
    ":plot": ("EXPR, x=A:B[:N]", "plot an expression and its derivative in the terminal (needs plotext)"),
    ":load": ("FILE", "run a file's statements, one after another"),
    ":reset": ("", "forget every variable and function"),
    ":quit": ("", "leave the REPL (Ctrl-D also does)"),
}
ALIASES = {":q": ":quit", ":exit": ":quit", ":h": ":help", ":?": ":help"}
MAX_LOAD_DEPTH = 8
MAX_LOADS = 100  # files one :load may run in all, nested loads included (10 self-loads per file: 10^8)


def run_command(state: Any, text: str, reply: Any) -> Any:
    name, _, arg = text.strip().partition(" ")
    name = ALIASES.get(name, name)
    handler = HANDLERS.get(name)
    try:
        if handler is None:
            close = difflib.get_close_matches(name, list(COMMANDS), n=1)
            raise DiffcliError("usage", f"unknown command '{name}'" + (f" (did you mean {close[0]}?)" if close
                               else "") + "; the commands are " + ", ".join(COMMANDS))
        handler(state, arg.strip(), reply)
    except DiffcliError as err:
        reply.fail(error_text(err, state.style))
    except MemoryError:  # (a huge :graph): the session goes on
        reply.fail(error_text(DiffcliError("limit", f"{name} needs more memory than this machine has"), state.style))
    return reply


def _help(state: Any, arg: str, reply: Any) -> None:
    reply.say(helptext.about(state, arg, COMMANDS) if arg else helptext.overview(COMMANDS))


def _vars(state: Any, arg: str, reply: Any) -> None:
    if not state.variables and not state.definitions:
        reply.say("no variables yet: assign one, as in x = [1, 2, 3]")
        return
    if state.variables:
        rows = [("name", "shape", "autograd", "value", "grad")]
        for name, t in state.variables.items():
            rows.append((name, V.show(t.shape), V.note(t) or "constant", _short(t, state.precision),
                         _short(t.grad, state.precision)))
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        for k, r in enumerate(rows):
            line = "  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[4]
            reply.say(state.style.dim(line) if k == 0 else line)
    for name, d in state.definitions.items():
        body = visible(" ".join(d.source[d.body.span[0]:d.body.span[1]].split()))
        reply.say(f"{name}({', '.join(d.params)}) = {body}"
                  + ("  # with its own gradient" if d.grad_rules else ""))


def _short(v: Any, precision: int | None, width: int = 40) -> str:
    s = " ".join(V.show(v, precision).split()) if v is not None else "None"
    return s if len(s) <= width else s[:width - 3] + "..."


def _graph(state: Any, arg: str, reply: Any) -> None:
    from ..graphview import build_live
    if not arg:
        raise DiffcliError("usage", "which graph? :graph NAME, as in :graph y")
    value = state.variables.get(arg)
    if value is None:
        with state.guard():
            tree = parse(arg)
            if tree.expr is None or tree.definitions:
                raise DiffcliError("usage", ":graph takes a variable or an expression")
            value = state.evaluate(Program([], tree.expr, tree.bindings, arg))[0]
    if not isinstance(value, E.Tensor):
        raise DiffcliError("type", f":graph needs a tensor, not {V.describe(value)}")
    if not value.requires_grad:
        reply.say(f"{arg} does not require grad, so it has no graph (value {fmt(value, state.precision)})")
        return
    reply.say(graph_text(build_live(value, state.variables, state.nodes), state.style, state.precision))


def _diff(state: Any, arg: str, reply: Any) -> None:
    from ..symbolic.command import repl_formula
    if not arg:
        raise DiffcliError("usage", "which derivative? :diff EXPR, VAR[, ORDER], as in :diff x^3*sin(x), x")
    with state.guard():
        reply.say(repl_formula(arg, state.definitions))


def _switch(arg: str, what: str) -> bool:
    if arg.lower() in ("on", "true", "1", "yes"):
        return True
    if arg.lower() in ("off", "false", "0", "no"):
        return False
    raise DiffcliError("usage", f"{what} takes on or off, not '{arg}'")


def _anomaly(state: Any, arg: str, reply: Any) -> None:
    if arg:
        state.anomaly = _switch(arg, ":anomaly")
    reply.say("anomaly detection is " + ("on: backward stops at the first NaN it makes" if state.anomaly
                                          else "off"))


def _precision(state: Any, arg: str, reply: Any) -> None:
    if arg:
        if arg.lower() in ("off", "none", "auto", "shortest"):
            state.precision = None
        elif arg.isdigit() and 1 <= int(arg) <= 17:
            state.precision = int(arg)
        else:
            raise DiffcliError("usage", f":precision takes a number of digits from 1 to 17, or off; not '{arg}'")
    reply.say(f"precision: {state.precision} significant digits" if state.precision
              else "precision: the shortest digits that round-trip")


def _load(state: Any, arg: str, reply: Any) -> None:
    if not arg:
        raise DiffcliError("usage", "which file? :load FILE")
    path = os.path.expanduser(arg)
    arg = visible(arg)  # the name as every message shows it
    if state.loading >= MAX_LOAD_DEPTH:
        raise DiffcliError("usage", f":load nested more than {MAX_LOAD_DEPTH} deep (does a file load itself?)")
    if not state.loading:
        state.loads = 0
    state.loads += 1
    if state.loads > MAX_LOADS:
        raise DiffcliError("usage", f":load ran more than {MAX_LOADS} files from one :load "
                           "(does a file load itself?)")
    limit = state.session.limits.max_length
    try:
        if not os.path.exists(path):
            raise DiffcliError("usage", f"cannot read {arg}: no such file")
        if not os.path.isfile(path):
            raise DiffcliError("usage", f"cannot read {arg}: not a regular file")
        with open(path, encoding="utf-8-sig") as f:  # (-sig: a byte order mark is dropped)
            text = f.read(limit + 1)  # never more than one program's worth (/dev/zero, huge files)
        if len(text) > limit:
            raise DiffcliError("limit", f"{arg} is longer than {limit:,} characters (--max-length)")
        lines = text.split("\n")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise DiffcliError("usage", f"cannot read {arg}: {reason}") from None
    ran = failed = 0
    state.loading += 1
    try:
        for lineno, text in statements(lines):
            sub = state.execute(text, lineno=lineno, where=arg)
            reply.extend(sub)
            ran += 1
            failed += sub.error
            if sub.quit:
                break
    finally:
        state.loading -= 1
    summary = f"# loaded {arg}: {ran} statement{'s' * (ran != 1)}" + (f", {failed} failed" if failed else "")
    reply.say(state.style.dim(summary))


def _plot(state: Any, arg: str, reply: Any) -> None:
    import re
    from ..plot import draw
    m = re.match(r"^(.*),\s*([A-Za-z_]\w*)\s*=\s*([^=]+)$", arg, re.S)
    if m is None:
        raise DiffcliError("usage", ":plot takes an expression and a range, as in :plot sin(x)*x, x=-5:5")
    program, name, spec = m.groups()
    at = [(n, repr(t.item())) for n, t in state.variables.items()
          if isinstance(t, E.Tensor) and t.size == 1 and n != name]
    with state.session.guarded():
        text, warnings = draw(program, (name, spec), at, [0, 1], None, None, None, None, state.style.color,
                              state.session)
    reply.say(text)
    for w in warnings:
        reply.say(state.style.warn("warning: " + w))


def _reset(state: Any, arg: str, reply: Any) -> None:
    nv, nf = len(state.variables), len(state.definitions)
    state.reset()
    reply.say(state.style.dim(f"# forgot {nv} variable{'s' * (nv != 1)} and {nf} function{'s' * (nf != 1)}"))


def _quit(state: Any, arg: str, reply: Any) -> None:
    reply.quit = True


HANDLERS: dict[str, Callable[[Any, str, Any], None]] = {
    ":help": _help, ":vars": _vars, ":graph": _graph, ":diff": _diff, ":anomaly": _anomaly, ":precision": _precision,
    ":load": _load, ":reset": _reset, ":quit": _quit, ":plot": _plot,
}
