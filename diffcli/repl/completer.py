"""Tab completion: built-ins, constants, the user's variables and functions, attributes, ':' commands."""
from __future__ import annotations

import re
from typing import Any, Iterable

from prompt_toolkit.completion import Completer, Completion, PathCompleter
from prompt_toolkit.document import Document

from ..language.builtins import BUILTINS, CONSTANT_DOCS, CONSTANTS
from . import values as V
from .autograd import FLAGS, STATEMENTS
from .commands import ALIASES, COMMANDS

_WORD = re.compile(r"(\.?)([A-Za-z_]\w*)?$")


class ReplCompleter(Completer):
    def __init__(self, state: Any) -> None:
        self.state = state
        self.paths = PathCompleter(expanduser=True)

    def candidates(self) -> list[tuple[str, str]]:
        """(word, meta) for every name a statement can use, the user's own first."""
        st = self.state
        out = [(n, f"variable {V.show(t.shape)}") for n, t in st.variables.items()]
        out += [(n, f"function({', '.join(d.params)})") for n, d in st.definitions.items()]
        out += [(n, usage.split(",")[0]) for n, (usage, _) in STATEMENTS.items()]
        out += [(b.name, b.doc) for b in BUILTINS.values()]
        out += [(n, CONSTANT_DOCS[n]) for n in CONSTANTS]
        out += [(n, "flag for backward") for n in FLAGS]
        return out

    def get_completions(self, document: Document, complete_event: Any) -> Iterable[Completion]:
        line = document.current_line_before_cursor
        if document.text_before_cursor.lstrip().startswith(":"):
            yield from self._command(document.text_before_cursor.lstrip(), complete_event)
            return
        m = _WORD.search(line)
        dot, prefix = m.group(1), m.group(2) or ""
        if dot:
            pool: list[tuple[str, str]] = list(V.ATTRS.items())
        elif not prefix:
            return
        else:
            pool = self.candidates()
        seen = set()
        for word, meta in pool:
            if word.startswith(prefix) and word not in seen:
                seen.add(word)
                yield Completion(word, start_position=-len(prefix), display_meta=meta)

    def _command(self, text: str, event: Any) -> Iterable[Completion]:
        name, space, arg = text.partition(" ")
        if not space:
            for cmd, (args, doc) in COMMANDS.items():
                if cmd.startswith(name):
                    yield Completion(cmd, start_position=-len(name), display_meta=doc)
            return
        name = ALIASES.get(name, name)
        arg = arg.lstrip()
        if name == ":load":
            yield from self.paths.get_completions(Document(arg, len(arg)), event)
            return
        if name == ":help":
            pool = [w for w, _ in self.candidates()] + list(COMMANDS) + ["." + a for a in V.ATTRS]
        elif name == ":graph":
            pool = [n for n, t in self.state.variables.items() if t.requires_grad]
        elif name == ":anomaly":
            pool = ["on", "off"]
        elif name == ":precision":
            pool = ["off"]
        else:
            return
        for word in dict.fromkeys(pool):
            if word.startswith(arg):
                yield Completion(word, start_position=-len(arg))
