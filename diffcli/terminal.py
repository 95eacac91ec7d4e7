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


_STREAMS = {"stdin": "standard input", "stdout": "standard output", "stderr": "standard error"}


class _Closed:
    """Stands for a standard stream whose descriptor was closed: any use is an OSError."""

    def __init__(self, what: str) -> None:
        self.what = what

    def __getattr__(self, name: str) -> Any:
        import errno
        raise OSError(errno.EBADF, f"{self.what} is closed")

    def isatty(self) -> bool:
        return False

    def flush(self) -> None:  # nothing was written: the write itself failed
        return None


def stream_error(e: OSError) -> int:
    """One line on standard error (if it can be written), and nothing more from standard
    output: its unwritten buffer goes nowhere at exit, rather than into a second error."""
    quiet_pipe()
    try:
        sys.stderr.write(f"error: input/output: {e.strerror or e}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    return EXIT_FAILED


def stand_in_closed_streams() -> None:
    """A standard stream whose descriptor was closed when diffcli started is None in sys: a
    stand-in makes any use of it an OSError, reported as such, rather than an AttributeError."""
    for name, what in _STREAMS.items():
        if getattr(sys, name) is None:
            setattr(sys, name, _Closed(what))
