"""Text -> Program: a cached LALR parser that builds the tree during the parse."""
from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

from ..errors import DiffcliError, line_col
from .ast import Assign, Binding, Definition, Expr, Program, binary, leaf, unary
from .lalr import ParseFailure
from .tables import load_tables

_TABLES: Any = None
_BUILDER: Any = None

_WORDS = {
    "NUMBER": "a number", "NAME": "a name", "LPAR": "'('", "RPAR": "')'", "LBRACK": "'['",
    "RBRACK": "']'", "COMPARE": "a comparison", "POW": "'^'", "AT": "'at'", "COLON": "':'",
    "$END": "the end of the input",
}
_LOOKALIKES = {
    "\u2212": "use the ASCII minus '-'", "\u00d7": "use '*' for a product", "\u00f7": "use '/'",
    "\u00b2": "write x^2", "\u00b3": "write x^3", "\u22c5": "use '*' for a product",
    "\u2013": "use the ASCII minus '-'", "\u03c0": "write pi", "\u221a": "write sqrt(x)",
    "\u03b8": "write theta (names are ASCII letters)",
}


def _builder():
    # Spans are read straight off the children: a token has start_pos/end_pos, a node its span.
    # Which child is which is fixed by the grammar; only a slice mixes the two freely.

    class Builder:
        """Each method builds one kind of node; names match the grammar's aliases."""

        def number(self, tok):
            e = leaf("num", float(tok.value), (tok.start_pos, tok.end_pos))
            if e.value == math.inf:  # the only way a literal is inf: too large for float64
                self.overflows.append(e)
            return e

        leaves: list = []  # the name leaves made, in source order (see parse)
        overflows: list = []  # number literals past float64's range, for a warning
        ordered = True  # ... which is the order analysis.walk visits them

        def name(self, tok):
            e = leaf("name", tok.value, (tok.start_pos, tok.end_pos))
            self.leaves.append(e)
            return e

        def _bin(op):  # noqa: N805
            def f(self, a, b):
                return binary("binary", op, a, b, (a.span[0], b.span[1]))
            return f

        def _bin_tok(op):  # noqa: N805  (the operator is a named terminal: the rule keeps it)
            def f(self, a, tok, b):
                return binary("binary", op, a, b, (a.span[0], b.span[1]))
            return f

        mul, div, mod = _bin("*"), _bin("/"), _bin("%")
        add, sub, pow, matmul = _bin_tok("+"), _bin_tok("-"), _bin_tok("^"), _bin_tok("@")

        def compare(self, a, tok, b):
            return binary("binary", tok.value, a, b, (a.span[0], b.span[1]))

        def neg(self, op, a):
            return unary("unary", "-", a, (op.start_pos, a.span[1]))

        def pos(self, op, a):
            return unary("unary", "+", a, (op.start_pos, a.span[1]))

        def group(self, lp, e, rp):
            return unary("group", None, e, (lp.start_pos, rp.end_pos))

        def tensor(self, lb, *items):
            rb = items[-1]
            elems = tuple(i for i in items[:-1] if i is not None)
            return Expr("tensor", None, elems, (lb.start_pos, rb.end_pos))

        def call(self, name, lp, *rest):
            rp = rest[-1]
            args, kwargs = [], []
            for a in rest[:-1]:
                if a is None:
                    continue
                if isinstance(a, tuple):
                    kwargs.append(a)
                else:
                    args.append(a)
            return Expr("call", name.value, tuple(args), (name.start_pos, rp.end_pos), tuple(kwargs))

        def kwarg(self, name, e):
            self.ordered = False  # keywords may come before positional arguments: not walk order
            return (name.value, e, (name.start_pos, e.span[1]))

        def index(self, target, lb, items, rb):
            return Expr("index", None, (target,) + items, (target.span[0], rb.end_pos))

        def indices(self, *items):
            return items

        def slice(self, *parts):
            vals, cur, colons = [None, None, None], 0, []
            for p in parts:
                if p is None:
                    continue
                if getattr(p, "type", None) == "COLON":
                    cur += 1
                    colons.append(p)
                else:
                    vals[cur] = p
            first = next((p for p in parts if p is not None), None)
            last = next((p for p in reversed(parts) if p is not None), None)
            return Expr("slice", None, tuple(vals), (_start(first), _end(last)))

        def attr(self, target, name):
            return Expr("attr", name.value, (target,), (target.span[0], name.end_pos))

        def rule(self, word, lp, gname, rp, *exprs):
            if word.value != "grad":
                raise _grammar_error(f"expected 'grad' after 'with', found '{word}'", word)
            return (gname.value, list(exprs))

        def definition(self, call, body, rule=None):
            params = []
            for a in call.args:
                if a.kind != "name":
                    raise _grammar_error("a definition's parameters must be plain names, "
                                         "as in f(x, y) = x*y", a)
                params.append(a.value)
            if call.kwargs:
                raise _grammar_error("a definition's parameters must be plain names", call.kwargs[0][1])
            gname, rules = rule if rule else (None, [])
            last = rules[-1] if rules else body
            return Definition(call.value, params, body, (call.span[0], last.span[1]), gname, rules)

        def items(self, *items):
            return list(items)

        def binding(self, name, e):
            return Binding(name.value, e, (name.start_pos, e.span[1]))

        def bindings(self, at, *bs):
            return list(bs)

        def program(self, items, bindings=None):
            return (items, bindings or [])

        def local(self, name, e):
            return Binding(name.value, e, (name.start_pos, e.span[1]))

        def repl_line(self, program):
            return program

    return Builder()


def _start(x: Any) -> int:
    return x.start_pos if hasattr(x, "start_pos") else x.span[0]


def _end(x: Any) -> int:
    return x.end_pos if hasattr(x, "end_pos") else x.span[1]


class _GrammarError(Exception):
    def __init__(self, message: str, where: Any) -> None:
        super().__init__(message)
        self.message, self.where = message, where


def _grammar_error(message: str, where: Any) -> _GrammarError:
    return _GrammarError(message, where)


def tables() -> Any:
    """The parse tables, loaded once per process (compiled by lark only when not cached)."""
    global _TABLES, _BUILDER
    if _TABLES is None:
        _TABLES, _BUILDER = load_tables(), _builder()
    return _TABLES


def parse(text: str, start: str = "program", tick: Any = None) -> Any:
    """Parse a program (or, with start='repl_line', a REPL line) into its tree; ``tick`` is
    called now and then (the session passes its time limit's check)."""
    t = _TABLES or tables()
    _BUILDER.leaves, _BUILDER.ordered, _BUILDER.overflows = [], True, []
    try:
        result = t.parse(text, start, _BUILDER, tick)
    except ParseFailure as exc:
        raise _parse_error(text, exc) from None
    except _GrammarError as exc:
        raise DiffcliError("parse", exc.message).at((_start(exc.where), _end(exc.where)), text) from None
    items, bindings = result
    program = _program(items, bindings, text)
    program.overflows = _BUILDER.overflows
    if start == "repl_line" and len(program.locals) == 1 and program.expr is None and not program.definitions:
        (b,) = program.locals  # a REPL assignment
        assign = Assign(b.name, b.expr, b.span, text, bindings)
        assign.overflows = program.overflows
        return assign
    if _BUILDER.ordered:
        program.leaves = _BUILDER.leaves
    return program


def _program(items: list, bindings: list, text: str) -> Program:
    if len(items) == 1 and type(items[0]) is Expr:  # the common case: one expression
        return Program([], items[0], bindings, text)
    defs, locals_ = [], []
    expr = None
    for i, it in enumerate(items):
        if isinstance(it, Binding):
            if expr is not None:
                raise DiffcliError("parse", "a local name must be set before the program's expression, "
                                   "which comes last").at(it.span, text)
            locals_.append(it)
        elif isinstance(it, Definition):
            if expr is not None:
                raise DiffcliError("parse", "a definition cannot follow the program's expression").at(it.span, text)
            it.source = text
            defs.append(it)
        else:
            if expr is not None:
                raise DiffcliError(
                    "parse", "only definitions and local names may come before ';': a program has one expression",
                    hint="join the expressions with an operator, or name one: z = x*y; z^2 + z").at(expr.span, text)
            expr = it
    program = Program(defs, expr, bindings, text)
    program.locals = locals_
    return program


def _describe(term: str) -> str:
    if term in _WORDS:
        return _WORDS[term]
    for name, pattern in tables().data["terminals"]:
        if name == term:
            return "'" + re.sub(r"\\(.)", r"\1", pattern) + "'"
    for word, name in tables().keywords.items():
        if name == term:
            return f"'{word}'"
    return term.lower()


_OPERATORS = {"PLUS", "MINUS", "STAR", "SLASH", "POW", "COMPARE", "DOT", "LBRACK", "MATMUL", "AT", "PERCENT"}


def _expected_words(expected: Any) -> str:
    exp = set(expected)
    words = []
    if {"NUMBER", "NAME", "LPAR"} <= exp:
        words.append("a number, a name or '('")
        exp -= {"NUMBER", "NAME", "LPAR", "LBRACK", "MINUS", "PLUS"}
    if {"PLUS", "STAR"} <= exp:
        words.append("an operator")
        exp -= {t for t in exp if t in _OPERATORS}
    words += sorted(_describe(t) for t in exp)
    if not words:
        return "something else"
    return ", ".join(words[:-1]) + (" or " if len(words) > 1 else "") + words[-1]


_BINDING_WORDS = ("where", "for", "when", "with", "if")  # what people write instead of 'at'


def _token_hint(text: str, tok: Any, prev: list) -> str | None:
    """The fix for a token that cannot follow the one before: a product only between a number
    and a name or a bracket written against it (2x, 2(x+1)) or between brackets ((a)(b)),
    a comma between bindings, 'at' for the words people use instead, parentheses for a call."""
    last = prev[-1] if prev else None
    if last is None:
        return None
    touching = last.end_pos == tok.start_pos
    rest = text[tok.end_pos:]
    if tok.type == "NAME" and tok.value in _BINDING_WORDS and re.match(r"\s*[A-Za-z_]\w*\s*=(?!=)", rest):
        return f"bind values with 'at': ... at{rest.split(';')[0].rstrip()}"
    if any(t.type == "AT" for t in prev) and tok.type == "NAME" and re.match(r"\s*=(?!=)", rest):
        return f"separate the bindings with commas: ... {last.value}, {tok.value} ="
    if last.type == "NUMBER" and touching and tok.type == "NAME":
        if tok.value in ("i", "j"):
            return "complex numbers are not supported: diffcli computes with real numbers"
        if tok.value[0] in "eE":
            return "an exponent needs digits, as in 1e3; for a product write 2*e"
        return f"write {last.value}*{tok.value} for a product"
    if tok.type == "LPAR" and (last.type == "RPAR" or (last.type == "NUMBER" and touching)):
        return f"write {last.value}*( for a product"
    from .builtins import BUILTINS
    if tok.type in ("NAME", "NUMBER") and last.type == "NAME" and last.value in BUILTINS:
        return f"call a function with parentheses: {last.value}({tok.value})"
    return None


def _parse_error(text: str, exc: Any) -> DiffcliError:
    pos = exc.pos
    hint = None
    if exc.char is not None:  # the lexer met a character no terminal starts with
        ch = exc.char
        name = unicodedata.name(ch, "")
        visible = ch.isprintable() and not unicodedata.category(ch).startswith("Z")
        desc = f"'{ch}' (U+{ord(ch):04X}{' ' + name if name else ''})" if visible else \
            f"character U+{ord(ch):04X}{' ' + name if name else ''}"
        msg = f"unexpected {desc}"
        hint = _LOOKALIKES.get(ch)
        if hint is None and ord(ch) > 127:
            hint = "diffcli reads ASCII operators, digits and names"
        elif ch in "&|!" or text[pos:pos + 2] in ("&&", "||"):
            hint = "comparisons are < <= > >= == !=; combine masks with * (and) or maximum (or)"
    else:
        tok = exc.token
        expected = exc.expected()
        prev = [t for t in exc.tables.tokens(text) if t.end_pos <= tok.start_pos]
        after = f" after '{prev[-1].value[-12:]}'" if prev else ""
        if tok.type == "$END":
            if not prev:
                msg, pos = "empty program: expected an expression", 0
            else:
                msg = f"unexpected end of input{after}: expected {_expected_words(expected)}"
                pos = prev[-1].end_pos
        else:
            msg = f"unexpected '{tok}'{after}: expected {_expected_words(expected)}"
            hint = _token_hint(text, tok, prev)
            if hint is None and tok.type in ("AT", "WITH") and not expected:
                hint = f"'{tok}' is a keyword"
            elif hint is None and str(tok) == "=":
                hint = ("'=' binds a value in an 'at' clause (x^2 at x = 2) or defines a function "
                        "(f(x) = x^2); compare with '=='")
            elif hint is None and tok.type in ("AT", "WITH"):
                hint = f"'{tok}' is a keyword and cannot name a variable"
    err = DiffcliError("parse", msg, hint=hint)
    err.span = (pos, pos + 1)
    err.source = text
    err.line, err.column = line_col(text, pos)
    return err
