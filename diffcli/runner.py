"""Runs one command on one program or on a batch from standard input, and prints the answers."""
from __future__ import annotations

import sys
import time
import traceback
from typing import Any, Callable, Iterator

from .commands import run
from .errors import DiffcliError
from .language.limits import Limits
from .render import Style, error_json, error_text, graph_dot, result_json, result_text, visible
from .session import Options, Session

EXIT_OK, EXIT_FAILED = 0, 1


def options_from(kw: dict) -> Options:
    limits = Limits(max_elements=kw["max_elements"], max_length=kw["max_length"], max_depth=kw["max_depth"],
                    max_nodes=kw["max_nodes"], max_order=kw["max_order"], timeout=kw["timeout"])
    import math
    for opt in ("timeout", "tol"):
        v = kw.get(opt)
        if v is not None and math.isnan(v):  # inf is fine: no limit, or any error tolerated
            import click
            raise click.BadParameter("nan is not a number", param_hint=f"--{opt}")
    order = kw.get("order", 1)
    if order is not None and order < 1:
        import click
        raise click.BadParameter("the order must be at least 1", param_hint="--order")
    if order > 1 and kw.get("wrt") and len(kw["wrt"]) > 1:
        import click
        raise click.BadParameter("give --order with one variable, or list the variables (--wrt x,y,x)",
                                 param_hint="--order")
    return Options(at=list(kw["at"]), wrt=kw["wrt"], seed=kw.get("seed"), order=order,
                   all_orders=kw.get("all_orders", False), tol=kw.get("tol", 1e-6),
                   detect_anomaly=kw["detect_anomaly"], limits=limits)


def run_cli(command: str, kw: dict) -> int:
    try:
        return _run_cli(command, kw)
    except BrokenPipeError:  # the reader went away (| head): stop quietly, nothing failed
        from .cli import _quiet_pipe
        _quiet_pipe()
        return EXIT_OK


def _run_cli(command: str, kw: dict) -> int:
    from .cli import color_enabled
    options = options_from(kw)
    session = Session(options.limits)
    out, err = sys.stdout, sys.stderr
    style_out, style_err = Style(color_enabled(out), _unicode(out)), Style(color_enabled(err), _unicode(err))
    as_json, precision, debug = kw["as_json"], kw["precision"], kw["debug"]
    fmt = kw.get("fmt", "text")
    failed = False
    batch = kw["program"] == "-"
    held = _Held(out)
    programs = _stdin_programs(held.emit) if batch else [(None, kw["program"], None)]
    try:
        for lineno, text, bad in programs:
            try:
                if bad is not None:
                    raise bad
                result = run(session, command, text, options)
            except DiffcliError as e:
                failed = True
                _report(e, lineno, as_json, style_err, held, err)
                continue
            except KeyboardInterrupt:
                raise
            except Exception as exc:  # noqa: BLE001 - never a traceback for the user
                failed = True
                e = DiffcliError("internal", f"{type(exc).__name__}: {exc}".splitlines()[0][:300],
                                 hint="please report this; --debug shows the traceback")
                if debug:
                    traceback.print_exc()
                _report(e, lineno, as_json, style_err, held, err)
                continue
            if as_json:
                held.write(result_json(command, result) + "\n")
            elif command == "graph" and fmt == "dot":
                held.write(graph_dot(result) + "\n")
            else:
                if batch:
                    shown = visible(text.strip())
                    shown = shown if len(shown) <= 72 else shown[:69] + "..."
                    held.write(style_out.dim(f"[{lineno}] {shown}") + "\n")
                held.write(result_text(command, result, style_out, precision) + "\n")
            if command == "check" and not result["ok"]:
                failed = True
    finally:
        held.emit()
    return EXIT_FAILED if failed else EXIT_OK


class _Held:
    """Standard output's answers, held and written together: in a batch, just before reading
    input that may not have arrived yet (a pipeline still sees every answer before diffcli
    waits), or after a tenth of a second; not one write per line, a system call each when
    the output is unbuffered (PYTHONUNBUFFERED)."""

    LATENCY = 0.1  # seconds an answer may wait while later lines of the same read are computed

    def __init__(self, stream: Any) -> None:
        self.stream, self.parts, self.since = stream, [], time.monotonic()

    def write(self, text: str) -> None:
        self.parts.append(text)
        if time.monotonic() - self.since > self.LATENCY:
            self.emit()

    def emit(self) -> None:
        self.since = time.monotonic()
        if self.parts:
            text = "".join(self.parts)
            self.parts.clear()
            self.stream.write(text)
        self.stream.flush()


def _unicode(stream: Any) -> bool:
    try:
        "∂²".encode(getattr(stream, "encoding", None) or "utf-8")
        return True
    except (UnicodeEncodeError, LookupError):
        return False


def _report(e: DiffcliError, lineno: int | None, as_json: bool, style: Style, out: _Held, err: Any) -> None:
    if lineno is not None and e.line is not None and e.line != 1:
        e.message += f" (line {e.line} of the program)"
    if as_json:
        out.write(error_json(e, lineno) + "\n")
    else:
        out.emit()  # the answers before this error reach a shared terminal first
        err.write((f"line {lineno}: " if lineno is not None else "") + error_text(e, style, lineno) + "\n")
        err.flush()


def _stdin_programs(before_wait: Callable[[], None]) -> Iterator[tuple[int, str, DiffcliError | None]]:
    """(line number, program, error) for each non-blank, non-comment line of standard input;
    ``before_wait`` runs before each read that may wait for input."""
    for lineno, raw in enumerate(_stdin_lines(before_wait), start=1):
        raw = raw.rstrip(b"\r")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            shown = raw.decode("utf-8", errors="replace")
            col = len(raw[:exc.start].decode("utf-8", errors="replace"))
            yield lineno, shown, DiffcliError("parse", f"the line is not valid UTF-8 (byte {exc.start + 1})",
                                              line=1, column=col + 1, span=(col, col + 1), source=shown)
            continue
        stripped = text.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if "\x00" in text:
            col = text.index("\x00")
            shown = text.replace("\x00", "\u2400")  # the visible symbol for NUL, for the caret line
            yield lineno, text, DiffcliError("parse", "the line contains a NUL byte", line=1, column=col + 1,
                                             span=(col, col + 1), source=shown)
            continue
        yield lineno, text, None


def _stdin_lines(before_wait: Callable[[], None]) -> Iterator[bytes]:
    """Standard input's lines as bytes, without their newlines, read as whole chunks of
    what has arrived (read1) rather than line by line."""
    stream = getattr(sys.stdin, "buffer", None) or sys.stdin
    read1 = getattr(stream, "read1", None)
    if read1 is None:  # a stream with no chunked reads (a test's StringIO): line by line
        lines = iter(stream)
        while True:
            before_wait()
            raw = next(lines, None)
            if raw is None:
                return
            yield (raw.encode("utf-8", errors="surrogateescape") if isinstance(raw, str) else raw).rstrip(b"\n")
    partial: list[bytes] = []  # a line split across reads, joined once it ends (linear, however long)
    while True:
        before_wait()
        chunk = read1(1 << 16)
        if not chunk:
            break
        lines = chunk.split(b"\n")
        if partial:
            partial.append(lines[0])
            lines[0] = b"".join(partial)
            partial = []
        last = lines.pop()
        if last:
            partial.append(last)
        yield from lines
    if partial:
        yield b"".join(partial)
