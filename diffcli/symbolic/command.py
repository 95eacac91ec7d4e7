"""grad, diff, hessian and jacobian answered with formulas: the command path for programs
with free variables and no bindings (or with --symbolic).

A result has the numeric answer's keys, with formula strings where numbers would be, and
``symbolic: True``.
"""
from __future__ import annotations

from typing import Any, Callable

from .. import engine as E
from ..errors import DiffcliError
from ..language.analysis import check_definition, free_names
from ..language.parser import parse
from .build import Builder
from .derive import derivative, has_sum, nth
from .expr import Sym, clear
from .printer import to_latex, to_text

COMMANDS = ("grad", "diff", "hessian", "jacobian")


def formula_program(session: Any, text: str, options: Any) -> tuple | None:
    """(program, definitions, variables) when ``text`` asks for formulas: --symbolic, or
    free variables and no bindings at all; else None (the numeric path's answer stands)."""
    lim = session.limits
    if len(text) > lim.max_length or "\x00" in text:
        return None
    program = parse(text)
    if program.expr is None:
        return None
    if not options.symbolic and (program.bindings or options.at):
        return None
    defs = dict(session.definitions)
    for d in program.definitions:
        check_definition(d, defs)
        defs[d.name] = d
    names = [e.value for e in free_names(program.expr, program.leaves) if e.value not in defs]
    if not names and not options.symbolic:
        return None
    return program, defs, names


def run(session: Any, command: str, text: str, options: Any, found: tuple | None = None) -> dict:
    """The formula answer of ``command`` (``found``: formula_program's answer, if known)."""
    try:
        return _run(session, command, text, options, found)
    except RecursionError:
        raise DiffcliError("limit", "the formula is nested too deeply to write out") from None


def _run(session: Any, command: str, text: str, options: Any, found: tuple | None) -> dict:
    clear()  # each program's formulas are its own: a batch does not accumulate them
    found = found or formula_program(session, text, options)
    if found is None:
        raise DiffcliError("usage", "--symbolic needs a program with an expression")
    program, defs, names = found
    y = Builder(defs, text).build(program.expr, {})
    if type(y) is list and any(type(v) is not Sym for v in y):
        raise DiffcliError("type", "no formula can be written for a matrix: bind the variables "
                           "(at x = ...) for a numeric answer").at(program.expr.span, text)
    show: Callable[[Sym], str] = to_latex if options.latex else to_text
    wrt = options.wrt if options.wrt is not None else names
    for n in wrt:
        if n not in names:
            raise DiffcliError("name", f"--wrt names '{n}', which is not a variable of the program "
                               f"({', '.join(names) or 'it has none'})")
    budget = E.engine_state.budget
    value = [show(v) for v in y] if type(y) is list else show(y)
    out: dict = {"value": value, "symbolic": True}
    if command == "jacobian":
        ys = y if type(y) is list else [y]
        jac = {n: [show(derivative(v, n, budget)) for v in ys] for n in dict.fromkeys(wrt)}
        out["jacobian"] = jac if type(y) is list else {n: j[0] for n, j in jac.items()}
        return out
    if type(y) is list:
        raise DiffcliError("shape", f"{command} needs a scalar program, but its value is a vector of "
                           f"{len(y)}; use jacobian").at(program.expr.span, text)
    if (command == "hessian" or command == "diff" and len(wrt) * options.order > 1) and has_sum(y):
        raise DiffcliError("type", "no formula can be written for a second derivative through sum "
                           "(a vector's Hessian is a matrix): bind the variables (--at 'v=[...]') "
                           "for a numeric answer")
    if command == "grad":
        out["grad"] = {n: show(derivative(y, n, budget)) for n in dict.fromkeys(wrt)}
    elif command == "hessian":
        unique = list(dict.fromkeys(wrt))
        first = {u: derivative(y, u, budget) for u in unique}
        out["hessian"] = {u: {v: show(derivative(first[u], v, budget)) for v in unique} for u in unique}
    else:
        _diff(out, y, wrt, options, names, show, budget)
    return out


def _diff(out: dict, y: Sym, wrt: list[str], options: Any, names: list[str], show: Callable,
          budget: Any) -> None:
    if options.wrt is None and len(names) != 1:
        raise DiffcliError("type", f"diff needs --wrt: the program has {len(names)} variables "
                           f"({', '.join(names) or 'none'})")
    if len(wrt) > 1 and options.order != 1:
        raise DiffcliError("usage", "give either --order with one variable or a list of variables, not both")
    seq = wrt * options.order if len(wrt) == 1 else list(wrt)
    derivs = nth(y, seq, budget)
    out["wrt"] = seq
    out["derivative"] = show(derivs[-1])
    if options.all_orders:
        out["derivatives"] = [show(d) for d in derivs]


def repl_formula(text: str, definitions: dict) -> str:
    """The REPL's ``:diff EXPR, VAR[, ORDER]``: the derivative as a formula (every name in EXPR
    is a variable, whatever the session has bound to it)."""
    source = f"diff({text})"
    program = parse(source)
    call = program.expr
    if program.definitions or program.bindings or call is None or call.kind != "call" or not 2 <= len(call.args) <= 3:
        raise DiffcliError("usage", ":diff takes an expression, a variable and an optional order: "
                           ":diff x^3*sin(x), x")
    try:
        return to_text(Builder(definitions, source).build(call, {}))
    except DiffcliError as err:
        if err.span is not None and err.source == source and err.span[0] >= 5:  # a place in EXPR
            start, end = err.span
            err.span = err.line = err.column = None
            err.at((start - 5, min(end - 5, len(text))), text)
        raise
