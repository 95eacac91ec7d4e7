"""What the shells need to know about the terminal and the process: exit codes, colour,
Unicode, a reader that went away. The ground floor under cli, runner and repl (imports
nothing of diffcli), so none of them imports another for these."""
from __future__ import annotations

import os
import sys
from typing import Any

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no such method, or a closed stream
        return False


def color_enabled(stream: Any) -> bool:
    """Colour on a terminal, unless NO_COLOR is set or TERM is dumb."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return isatty(stream)


def unicode_ok(stream: Any) -> bool:
    """Whether the stream's encoding can write the derivative symbols (∂²)."""
    try:
        "∂²".encode(getattr(stream, "encoding", None) or "utf-8")
        return True
    except (UnicodeEncodeError, LookupError):
        return False


def quiet_pipe() -> None:
    """The reader went away (diffcli ... | head): send further output to /dev/null, so that
    stopping raises no second BrokenPipeError and prints no traceback."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
