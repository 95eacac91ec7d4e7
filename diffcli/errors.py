"""The one structured error type every layer raises."""
from __future__ import annotations

import re

KINDS = ("parse", "name", "type", "shape", "domain", "limit", "autograd", "usage", "internal")


class DiffcliError(Exception):
    """An error a user can act on: kind, message, and where it happened.

    ``line``/``column`` are 1-based and None where no position applies;
    ``span`` is the (start, end) character offsets into the source text.
    """

    def __init__(self, kind: str, message: str, *, line: int | None = None,
                 column: int | None = None, hint: str | None = None,
                 span: tuple[int, int] | None = None, source: str | None = None) -> None:
        if _LONG_NUMBER.search(message):  # an integer of hundreds of digits (an index of 1e300)
            message = _LONG_NUMBER.sub(_short_number, message)
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.line = line
        self.column = column
        self.hint = hint
        self.span = span
        self.source = source

    def __str__(self) -> str:
        where = f" (line {self.line}, column {self.column})" if self.line else ""
        return f"{self.kind} error: {self.message}{where}"

    def at(self, span: tuple[int, int] | None, source: str | None) -> "DiffcliError":
        """Attach a source position unless one is already known."""
        if self.span is None and span is not None and source is not None:
            self.span, self.source = span, source
            self.line, self.column = line_col(source, span[0])
        return self


_LONG_NUMBER = re.compile(r"\d[\d,]{19,}")


def _short_number(m: re.Match) -> str:
    return f"{float(m.group().replace(',', '')):.6g}"
def internal(exc: BaseException) -> DiffcliError:
    """A bug, as the one-line error a user can report instead of a traceback."""
    return DiffcliError("internal", f"{type(exc).__name__}: {exc}".splitlines()[0][:300],
                        hint="please report this")


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col
