"""Where the REPL keeps its history: a file in the user's data directory, or memory when it cannot."""
from __future__ import annotations

import os
from typing import Any


def history_path() -> str | None:
    """$XDG_DATA_HOME/diffcli/history, else ~/.local/share/diffcli/history; None without a home."""
    base = os.environ.get("XDG_DATA_HOME", "")
    if not os.path.isabs(base):  # unset, empty or relative: the spec says to ignore it
        home = os.path.expanduser("~")
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".local", "share")
    return os.path.join(base, "diffcli", "history")


def make_history(path: str | None = None) -> Any:
    """A FileHistory that never raises, or an InMemoryHistory when the file cannot be written."""
    from prompt_toolkit.history import FileHistory, InMemoryHistory

    class SafeFileHistory(FileHistory):
        def load_history_strings(self) -> Any:
            try:
                yield from super().load_history_strings()
            except (OSError, ValueError):
                return

        def store_string(self, string: str) -> None:
            try:
                super().store_string(string)
            except OSError:
                pass  # the disk filled up or the file went away: keep going without it

    path = path or history_path()
    try:
        if path is None:
            raise OSError("no home directory")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "ab"):
            pass
        return SafeFileHistory(path)
    except (OSError, ValueError):
        return InMemoryHistory()
