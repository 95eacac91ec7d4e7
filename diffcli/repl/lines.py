"""Where a statement ends: open brackets continue it on the next line; comments and blanks are skipped."""
from __future__ import annotations

from typing import Iterable, Iterator

_OPEN, _CLOSE = "([", ")]"


def depth(text: str) -> int:
    """Brackets still open at the end of ``text`` (negative: more closed than opened)."""
    d = 0
    for line in text.split("\n"):
        for ch in line:
            if ch == "#":
                break
            if ch in _OPEN:
                d += 1
            elif ch in _CLOSE:
                d -= 1
    return d


def is_command(text: str) -> bool:
    return text.lstrip().startswith(":")


def is_complete(text: str) -> bool:
    """Whether Enter should run ``text``: a ':' command, or no bracket left open."""
    return is_command(text) or depth(text) <= 0


def is_blank(text: str) -> bool:
    """Nothing but whitespace and comments."""
    return all(not line.split("#", 1)[0].strip() for line in text.split("\n"))


def statements(lines: Iterable[str]) -> Iterator[tuple[int, str]]:
    """(first line number, statement) for each statement of a script; a statement whose
    brackets never close ends at the end of the input (and fails to parse there). Each line
    is looked at once: a statement of many lines costs no more than the same on one line."""
    buf: list[str] = []
    start = open_ = 0
    command = False
    for lineno, line in enumerate(lines, start=1):
        line = line.rstrip("\r\n")
        if not buf:
            if is_blank(line):
                continue
            start, open_, command = lineno, 0, is_command(line)
        buf.append(line)
        open_ += depth(line)
        if command or open_ <= 0:
            yield start, "\n".join(buf)
            buf = []
    if buf:
        yield start, "\n".join(buf)
