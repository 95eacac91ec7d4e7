"""`:help` and `:help NAME`, drawn from the built-in table, the REPL's statements and the user's own names."""
from __future__ import annotations

import difflib
import textwrap
from typing import Any

from ..errors import DiffcliError
from ..language.builtins import BUILTINS, CONSTANT_DOCS, CONSTANTS
from ..render import visible
from . import values as V
from .autograd import FLAGS, STATEMENTS

WIDTH = 78
KEYWORD_DOCS = {
    "at": "binds variables for one program: sin(x)^2 at x = 1.5, y = 2",
    "with": "gives a function its own gradient: f(x) = abs(x) with grad(g) = g * sign(x)",
}
STATEMENT_LINES = [
    ("x = [1, 2, 3]", "a variable: a leaf that requires grad (c = const(2): one that does not)"),
    ("y = x^2 * c", "computed from variables that require grad: keeps its graph (y.grad_fn)"),
    ("f(x) = x^2 + 1", "a function, kept for later lines"),
    ("sum(y) at c = 3", "an expression prints its value; 'at' binds names for this line only"),
    ("backward(y, seed)", "gradients into x.grad (they add up); retain_graph=true keeps the graph"),
    ("zero_grad()", "x.grad back to None, for every variable (or zero_grad(x))"),
]


def overview(commands: dict) -> str:
    out = ["Statements"]
    out += [f"  {code:<19} {doc}" for code, doc in STATEMENT_LINES]
    out.append("Attributes")
    out += _wrap("  ", " ".join("x." + a for a in V.TENSOR_ATTRS) + " y.grad_fn.next_functions")
    out.append("Built-in functions (:help NAME for one)")
    groups: dict[str, list[str]] = {}
    for b in BUILTINS.values():
        groups.setdefault(b.group, []).append(b.name)
    for group, names in groups.items():
        out += _wrap(f"  {group:<16}", " ".join(names))
    out += _wrap(f"  {'constants':<16}", " ".join(CONSTANTS))
    out.append("Commands")
    out += [f"  {(name + ' ' + args).strip():<19} {doc}" for name, (args, doc) in commands.items()]
    out += _wrap("Keys: ", "Tab completes, Enter runs (inside open brackets it starts a new line), "
                 "Ctrl-C cancels, Ctrl-D leaves")
    return "\n".join(out)


def _wrap(head: str, words: str) -> list[str]:
    return textwrap.wrap(words, WIDTH, initial_indent=head, subsequent_indent=" " * len(head))


def about(state: Any, name: str, commands: dict) -> str:
    """The documentation of one name, or a DiffcliError naming the closest ones."""
    key = name.lstrip(".")
    if name.startswith(":") and name in commands:
        args, doc = commands[name]
        return f"{name} {args}".rstrip() + f"\n  {doc}"
    if name in state.variables:
        t = state.variables[name]
        kind = V.note(t) or "does not require grad"
        return (f"{name}: a variable, shape {V.show(t.shape)}, {kind}\n"
                + state.shown(t, "  value  ") + "\n" + state.shown(t.grad, "  grad   "))
    if name in state.definitions:
        d = state.definitions[name]
        end = max([d.span[1]] + [r.span[1] for r in d.grad_rules])
        return f"{name}: your function\n  " + "\n  ".join(map(visible, d.source[d.span[0]:end].split("\n")))
    if name in BUILTINS:
        return _builtin(BUILTINS[name])
    if name in CONSTANTS:
        return f"{name}: the constant {CONSTANT_DOCS[name]} ({CONSTANTS[name]!r})"
    if name in STATEMENTS:
        usage, doc = STATEMENTS[name]
        return f"{name}: a REPL statement\n  {usage}\n" + "\n".join(_wrap("  ", doc))
    if name in FLAGS:
        return f"{name}: a flag for backward, as in backward(y, retain_graph=true)"
    if name in KEYWORD_DOCS:
        return f"{name}: a keyword; it {KEYWORD_DOCS[name]}"
    if key in V.ATTRS:
        return f".{key}: an attribute; {V.ATTRS[key]}"
    if ":" + name in commands:
        return about(state, ":" + name, commands)
    pool = (list(state.variables) + list(state.definitions) + list(BUILTINS) + list(CONSTANTS)
            + list(STATEMENTS) + list(commands) + ["." + a for a in V.ATTRS])
    close = difflib.get_close_matches(name, pool, n=3)
    raise DiffcliError("name", f"no help for '{name}'" + (f": did you mean {', '.join(close)}?" if close else ""),
                       hint=":help lists every name")


def _builtin(b: Any) -> str:
    lo, hi = b.arity
    n = f"{lo}" if lo == hi else (f"{lo} to {hi}" if hi is not None else f"{lo} or more")
    lines = [f"{b.name}: {b.doc}", f"  group      {b.group}", f"  arguments  {n}"
             + (f"; keywords {', '.join(b.kwargs)}" if b.kwargs else ""), f"  example    {b.example}"]
    value = _example_value(b.example)
    if value is not None:
        lines.append(" " * 13 + "= " + value.replace("\n", "\n" + " " * 15))
    return "\n".join(lines)


def _example_value(example: str) -> str | None:
    from ..commands import run
    from ..render import fmt
    from ..session import Options, Session
    try:
        return fmt(run(Session(), "eval", example, Options())["value"])
    except Exception:  # noqa: BLE001 - an example that does not evaluate is shown without its value
        return None
