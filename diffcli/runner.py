"""Runs one command on one program or on a batch from standard input, and prints the answers."""
from __future__ import annotations

import sys
import time
import traceback
from typing import Any, Callable, Iterator

from .commands import run
from .errors import DiffcliError, internal
from .language.limits import Limits
from .render import Style, error_json, error_text, graph_dot, result_json, result_text, visible
from .session import Options, Session
from .terminal import EXIT_FAILED, EXIT_OK, color_enabled, quiet_pipe, unicode_ok


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
    if order > 1 and kw.get("wrt") and len(kw["wrt"]) > 1 and "all_orders" in kw:  # diff (taylor takes both)
        import click
        raise click.BadParameter("give --order with one variable, or list the variables (--wrt x,y,x)",
                                 param_hint="--order")
    return Options(at=list(kw["at"]), wrt=kw["wrt"], seed=kw.get("seed"), order=order,
                   all_orders=kw.get("all_orders", False), tol=kw.get("tol", 1e-6),
                   detect_anomaly=kw["detect_anomaly"], limits=limits, method=kw.get("method", "bfgs"),
                   max_iter=kw.get("max_iter", 1000), trace=kw.get("trace", False),
                   symbolic=kw.get("symbolic", False), latex=kw.get("fmt") == "latex")


def run_cli(command: str, kw: dict) -> int:
    try:
        return _run_cli(command, kw)
    except BrokenPipeError:  # the reader went away (| head): stop quietly, nothing failed
        quiet_pipe()
        return EXIT_OK


def _run_cli(command: str, kw: dict) -> int:
    options = options_from(kw)
    session = Session(options.limits)
    out, err = sys.stdout, sys.stderr
    style_out, style_err = Style(color_enabled(out), unicode_ok(out)), Style(color_enabled(err), unicode_ok(err))
    as_json, precision, debug = kw["as_json"], kw["precision"], kw["debug"]
    fmt = kw.get("fmt", "text")
    batch = kw["program"] == "-"
    grid = _grid(kw, session, as_json, style_err) if kw.get("grid") else None
    if type(grid) is int:
        return grid  # the grid itself is refused (a limit error, already reported)
    if fmt in ("csv", "tsv") and grid is None:
        import click
        raise click.BadParameter(f"{fmt} writes a grid's table: give --grid too", param_hint="--format")

    def answer(lineno: int | None, text: str, bad: Any = None) -> tuple[str, str, bool]:
        """(text for standard output, text for standard error, failed) of one program."""
        try:
            if bad is not None:
                if bad[2] is None:
                    raise DiffcliError(*bad[:2])
                raise DiffcliError(*bad[:2], line=1, column=bad[2], span=(bad[2] - 1, bad[2]), source=bad[3])
            result = _one(session, command, text, options, grid)
            if grid is not None:
                return _grid_answer(command, result, as_json, fmt, style_out, style_err, precision, lineno, text)
            if as_json:
                shown = _numbered(result_json(command, result), lineno) + "\n"
            elif command == "graph" and fmt == "dot":
                shown = graph_dot(result) + "\n"
            else:
                shown = result_text(command, result, style_out, precision) + "\n"
                if batch:
                    head = visible(text.strip())
                    head = head if len(head) <= 72 else head[:69] + "..."
                    shown = style_out.dim(f"[{lineno}] {head}") + "\n" + shown
        except DiffcliError as e:
            if e.kind == "internal":  # a bug, which Session.guarded turned into this error
                e.hint += "; --debug shows the traceback"
                if debug:
                    traceback.print_exc()
            elif lineno is None and e.kind in ("name", "parse", "type") and _looks_like_a_file(text):
                e.hint = f"to read one program per line from a file: diffcli {command} - < {text.strip()}"
            return _report(e, lineno, as_json, style_err) + (True,)
        except KeyboardInterrupt:
            raise
        except MemoryError:  # computing or writing the answer: this line's error, the batch goes on
            e = DiffcliError("limit", "the answer needs more memory than this machine has "
                             "(--max-elements, --max-nodes)")
            return _report(e, lineno, as_json, style_err) + (True,)
        except Exception as exc:  # noqa: BLE001 - writing the answer: never a traceback for the user
            e = internal(exc)
            e.hint += "; --debug shows the traceback"
            if debug:
                traceback.print_exc()
            return _report(e, lineno, as_json, style_err) + (True,)
        return shown, "", not result.get("ok", True)  # check disagreed, minimize/solve did not converge

    held = _Held(out)
    failed = False
    workers = None
    jobs = 1
    if batch and not debug:  # a one-shot command never imports the workers' modules
        from .workers import MIN_PART, Workers, can_fork, usable_jobs
        jobs = usable_jobs(kw.get("jobs") or 0)
    try:
        one = kw["program"][1:] if kw["program"].startswith("\ufeff") else kw["program"]  # a byte order mark
        chunks = _stdin_chunks(held.emit, options.limits.max_length) if batch else [[(None, one, None)]]
        for chunk in chunks:
            if jobs > 1 and workers is None and len(chunk) >= 2 * MIN_PART and can_fork():
                held.emit()
                # a worker silent for twice the time limit (and some) is stopped or stuck
                workers = Workers(jobs - 1, answer, patience=2 * options.limits.timeout + 10
                                  if options.limits.timeout < 1e6 else None)
            answers = workers.map(chunk) if workers is not None else (answer(*item) for item in chunk)
            for shown, shown_err, bad in answers:
                failed = failed or bad
                if shown:
                    held.write(shown)
                if shown_err:
                    held.emit()  # the answers before this error reach a shared terminal first
                    err.write(shown_err)
                    err.flush()
        if workers is not None:
            workers.close()
            workers = None
    finally:
        if workers is not None:  # interrupted, or the reader went away
            workers.close(kill=True)
        held.emit()
    return EXIT_FAILED if failed else EXIT_OK


def _one(session: Session, command: str, text: str, options: Options, grid: Any) -> dict:
    if grid is not None:
        from .grid_commands import run_grid
        return run_grid(session, command, text, options, grid)
    if command == "taylor":
        from .taylor_command import cmd_taylor
        with session.guarded(options.detect_anomaly):
            return cmd_taylor(session, text, options)
    return run(session, command, text, options)


def _grid(kw: dict, session: Session, as_json: bool, style: Style) -> Any:
    """The --grid options' points; a bad one is a usage error (exit 2), a grid past
    --max-elements a limit error (reported here; its exit code returned)."""
    from .grid import parse_grid
    try:
        with session.guarded():
            return parse_grid(list(kw["grid"]), session)
    except DiffcliError as e:
        if e.kind == "limit":
            out, err = _report(e, None, as_json, style)
            sys.stdout.write(out)
            sys.stderr.write(err)
            return EXIT_FAILED
        import click
        raise click.UsageError(e.message) from None


def _grid_answer(command: str, result: dict, as_json: bool, fmt: str, style_out: Style, style_err: Style,
                 precision: int | None, lineno: int | None, text: str) -> tuple[str, str, bool]:
    from .grid_render import grid_json, grid_table
    warnings = result.get("warnings", [])
    err = "".join(style_err.warn("warning: " + w) + "\n" for w in warnings)
    if as_json:
        shown = "\n".join(grid_json(command, result)) + "\n"
    elif fmt in ("csv", "tsv"):
        shown = grid_table(command, result, style_out, precision, fmt) + "\n"
    else:
        shown, err = grid_table(command, result, style_out, precision, "text") + "\n", ""
        if lineno is not None:
            head = visible(text.strip())
            shown = style_out.dim(f"[{lineno}] {head[:69] + '...' if len(head) > 72 else head}") + "\n" + shown
    failed = command == "check" and not bool(result["ok"].v.all())
    return shown, err, failed


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


def _report(e: DiffcliError, lineno: int | None, as_json: bool, style: Style) -> tuple[str, str]:
    """(standard output, standard error) text of an error: JSON Lines on standard output, or
    text on standard error."""
    if lineno is not None and e.line is not None and e.line != 1:
        e.message += f" (line {e.line} of the program)"
    if as_json:
        return _numbered(error_json(e, lineno), lineno) + "\n", ""
    return "", (f"line {lineno}: " if lineno is not None else "") + error_text(e, style, lineno) + "\n"


def _looks_like_a_file(text: str) -> bool:
    import os
    import re
    t = text.strip()
    ext = re.fullmatch(r"[\w./~-]+\.(txt|text|jsonl|json|csv|tsv|dat|in|lst|expr|exprs|math)", t)
    return bool(ext) or (t != "-" and os.path.isfile(t))


def _numbered(answer: str, lineno: int | None) -> str:
    """A batch answer's JSON object with the line of standard input first, so that answers pair
    with their lines although blank and comment lines get none."""
    return answer if lineno is None else f'{{"line": {lineno}, {answer[1:]}'


def _stdin_chunks(before_wait: Callable[[], None], max_length: int) -> Iterator[list[tuple[int, str, tuple | None]]]:
    """For each read of standard input, (line number, program, error) of its non-blank,
    non-comment lines; ``before_wait`` runs before each read that may wait for input. An error
    is (kind, message, column, source line): plain values, which a worker process can be sent."""
    lineno = 0
    for raws in _stdin_lines(before_wait, max_length):
        chunk = []
        for raw in raws:
            lineno += 1
            if raw == TOO_LONG:
                chunk.append((lineno, "", ("limit", f"the line has more than {max_length:,} characters, "
                                           "over the limit (--max-length); it was not read to its end",
                                           None, "")))
                continue
            item = _program(lineno, raw.rstrip(b"\r"))
            if item is not None:
                chunk.append(item)
        if chunk:
            yield chunk


def _program(lineno: int, raw: bytes) -> tuple[int, str, tuple | None] | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        shown = raw.decode("utf-8", errors="replace")
        col = len(raw[:exc.start].decode("utf-8", errors="replace"))
        return lineno, shown, ("parse", f"the line is not valid UTF-8 (byte {exc.start + 1})", col + 1, shown)
    if lineno == 1 and text.startswith("\ufeff"):  # a byte order mark starts the input
        text = text[1:]
    stripped = text.strip()
    if not stripped or stripped.startswith("#"):
        return None
    if "\x00" in text:
        col = text.index("\x00")
        shown = text.replace("\x00", "\u2400")  # the visible symbol for NUL, for the caret line
        return lineno, text, ("parse", "the line contains a NUL byte", col + 1, shown)
    return lineno, text, None


TOO_LONG = b"\n"  # stands for a line too long to read to its end (no line read contains a newline)


def _stdin_lines(before_wait: Callable[[], None], max_length: int) -> Iterator[list[bytes]]:
    """Standard input's lines as bytes, without their newlines, a list per read: whole chunks
    of what has arrived (read1) rather than line by line. A line longer than ``max_length``
    characters can hold is read no further than that, and comes as TOO_LONG."""
    stream = getattr(sys.stdin, "buffer", None) or sys.stdin
    read1 = getattr(stream, "read1", None)
    if read1 is None:  # a stream with no chunked reads (a test's StringIO): line by line
        lines = iter(stream)
        while True:
            before_wait()
            raw = next(lines, None)
            if raw is None:
                return
            yield [(raw.encode("utf-8", errors="surrogateescape") if isinstance(raw, str) else raw).rstrip(b"\n")]
    partial: list[bytes] = []  # a line split across reads, joined once it ends (linear, however long)
    size, over = 0, False  # partial's bytes; whether the line passed ``cap`` (its rest is skipped)
    cap = 4 * max_length  # bytes: past it, no line decodes to max_length characters or fewer
    while True:
        before_wait()
        chunk = read1(1 << 16)
        if not chunk:
            break
        lines = chunk.split(b"\n")
        last = lines.pop()  # the start of a line this read does not end
        if lines and (partial or over):
            lines[0] = TOO_LONG if over or size + len(lines[0]) > cap else b"".join(partial + [lines[0]])
            partial, size, over = [], 0, False
        if last and not over:
            partial.append(last)
            size += len(last)
            if size > cap:
                partial, size, over = [], 0, True
        yield lines
    if over:
        yield [TOO_LONG]
    elif partial:
        yield [b"".join(partial)]
