"""The REPL without a terminal: statements from standard input, no prompts, no colour."""
from __future__ import annotations

import sys
from typing import IO, Any, Iterable, Iterator

from ..terminal import EXIT_FAILED, EXIT_OK
from .lines import statements
from .statements import ReplState


def _decoded(stream: Iterable[Any]) -> Iterator[str]:
    first = True
    for raw in stream:
        text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
        if first and text.startswith("\ufeff"):  # a byte order mark starts the script
            text = text[1:]
        first = False
        yield text


def run_batch(stdin: Iterable[Any] | None = None, stdout: IO[str] | None = None,
              stderr: IO[str] | None = None, state: ReplState | None = None) -> int:
    """Outputs to ``stdout``, errors (with their line numbers) to ``stderr``, every line run
    whatever failed before it; 0 when every statement succeeded, else 1."""
    stdin = stdin if stdin is not None else sys.stdin.buffer
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    state = state or ReplState(color=False)
    failed = False
    for lineno, text in statements(_decoded(stdin)):
        reply = state.execute(text, lineno=lineno)
        for chunk, bad in reply.chunks:
            (stderr if bad else stdout).write(chunk + "\n")
        stdout.flush()
        stderr.flush()
        failed = failed or reply.error
        if reply.quit:
            break
    return EXIT_FAILED if failed else EXIT_OK
