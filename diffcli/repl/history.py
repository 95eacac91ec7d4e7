"""Where the REPL keeps its history: a file in the user's data directory, or memory when it cannot.

The file is read and written only through userfiles: in a folder no other user can write, never
through a symlink, never a FIFO or device, and only the last ``MAX_BYTES`` of it are read.
Its format is prompt_toolkit's FileHistory's (a ``# time`` line, then ``+``-prefixed lines).
"""
from __future__ import annotations

import os
import time
from typing import Any, Iterable

from ..userfiles import append_private, private_dir, read_private

MAX_BYTES = 1 << 20  # the newest megabyte of history is read back: thousands of entries


def history_path() -> str | None:
    """$XDG_DATA_HOME/diffcli/history, else ~/.local/share/diffcli/history; None without a home."""
    base = os.environ.get("XDG_DATA_HOME", "")
    if not os.path.isabs(base):  # unset, empty or relative: the spec says to ignore it
        home = os.path.expanduser("~")
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".local", "share")
    return os.path.join(base, "diffcli", "history")


def parse_history(data: bytes, cut: bool = False) -> list[str]:
    """The entries of a history file's text, newest first; with ``cut`` (the text is the file's
    tail) the first entry, which may have lost its start, is dropped."""
    entries: list[str] = []
    lines: list[str] = []
    started = not cut
    for line in data.decode("utf-8", errors="replace").splitlines(keepends=True):
        if line.startswith("+"):
            lines.append(line[1:])
            continue
        if lines and started:
            entries.append("".join(lines)[:-1])  # the last line's newline is the separator
        lines, started = [], True
    if lines and started:
        entries.append("".join(lines)[:-1])
    return entries[::-1]


def make_history(path: str | None = None) -> Any:
    """The history file as a prompt_toolkit History, or an InMemoryHistory when it cannot be kept."""
    from prompt_toolkit.history import History, InMemoryHistory

    class PrivateFileHistory(History):
        """A FileHistory that keeps to the rules above and never raises."""

        def __init__(self, folder: int, name: str) -> None:
            super().__init__()
            self.folder, self.name = folder, name

        def load_history_strings(self) -> Iterable[str]:
            data = read_private(self.folder, self.name, MAX_BYTES + 1, tail=True)
            return parse_history(data, cut=len(data) > MAX_BYTES) if data else []

        def store_string(self, string: str) -> None:
            lines = "".join(f"+{line}\n" for line in string.split("\n"))
            stamp = time.strftime("%Y-%m-%d %H:%M:%S")
            append_private(self.folder, self.name, f"\n# {stamp}\n{lines}".encode("utf-8", "replace"))

    path = path or history_path()
    folder = None if path is None else private_dir(os.path.dirname(path))
    if folder is None:
        return InMemoryHistory()
    name = os.path.basename(path)
    if not append_private(folder, name, b""):  # a directory, FIFO, device or someone else's file there
        os.close(folder)
        return InMemoryHistory()
    return PrivateFileHistory(folder, name)
