"""Syntax colours for the input line: numbers, names by kind, operators, comments, ':' commands."""
from __future__ import annotations

import re
from typing import Any, Callable

from prompt_toolkit.document import Document
from prompt_toolkit.lexers import Lexer

from ..language.builtins import BUILTINS, CONSTANTS, KEYWORDS
from .autograd import FLAGS, STATEMENTS

_TOKEN = re.compile(r"""
    (?P<comment>\#.*)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_]\w*)
  | (?P<operator>\*\*|<=|>=|==|!=|[-+*/^@%<>=])
  | (?P<punct>[()\[\],;:.])
  | (?P<space>\s+)
  | (?P<other>.)
""", re.VERBOSE)

STYLE = {
    "number": "#2aa198", "builtin": "#268bd2", "function": "#6c71c4 bold", "variable": "#b58900",
    "constant": "#d33682", "keyword": "#859900 bold", "operator": "#cb4b16", "comment": "#93a1a1 italic",
    "command": "#859900 bold", "attribute": "#2aa198 italic", "other": "#dc322f",
}


class ReplLexer(Lexer):
    def __init__(self, state: Any) -> None:
        self.state = state

    def name_class(self, word: str, after_dot: bool) -> str:
        if after_dot:
            return "class:attribute"
        if word in self.state.variables:
            return "class:variable"
        if word in self.state.definitions:
            return "class:function"
        if word in BUILTINS or word in STATEMENTS:
            return "class:builtin"
        if word in CONSTANTS or word in FLAGS:
            return "class:constant"
        if word in KEYWORDS:
            return "class:keyword"
        return ""

    def tokens(self, line: str, first: bool) -> list[tuple[str, str]]:
        if first and line.lstrip().startswith(":"):
            lead = len(line) - len(line.lstrip())
            cmd, space, rest = line[lead:].partition(" ")
            return [("", line[:lead]), ("class:command", cmd), ("", space + rest)]
        out: list[tuple[str, str]] = []
        prev = ""
        for m in _TOKEN.finditer(line):
            kind, text = m.lastgroup, m.group()
            if kind == "name":
                style = self.name_class(text, prev == ".")
            elif kind in ("space", "punct"):
                style = ""
            else:
                style = "class:" + kind
            out.append((style, text))
            if kind != "space":
                prev = text
        return out

    def lex_document(self, document: Document) -> Callable[[int], list[tuple[str, str]]]:
        lines = document.lines

        def get_line(i: int) -> list[tuple[str, str]]:
            return self.tokens(lines[i], i == 0) if i < len(lines) else []
        return get_line
