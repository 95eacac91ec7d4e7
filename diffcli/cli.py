"""The command line: a click group of thin commands over diffcli.commands."""
from __future__ import annotations

import os
import sys
from typing import Any, Callable

import click

from . import __version__
from .errors import DiffcliError
from .language.limits import Limits

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class Binding(click.ParamType):
    """--at NAME=VALUE, VALUE any constant expression (checked when the program runs)."""
    name = "NAME=VALUE"

    def convert(self, value: Any, param: Any, ctx: Any) -> tuple[str, str]:
        if isinstance(value, tuple):
            return value
        name, sep, text = str(value).partition("=")
        name = name.strip()
        if not sep or not name.isidentifier() or not name.isascii() or not text.strip():
            self.fail(f"{value!r} is not NAME=VALUE (for example --at x=1.5 or --at 'v=[1,2]')", param, ctx)
        return name, text


class NameList(click.ParamType):
    name = "NAMES"

    def convert(self, value: Any, param: Any, ctx: Any) -> list[str]:
        if isinstance(value, list):
            return value
        names = [n.strip() for n in str(value).split(",")]
        bad = [n for n in names if not (n.isidentifier() and n.isascii())]
        if bad or not names:
            self.fail(f"{value!r} is not a comma-separated list of variable names", param, ctx)
        return names


def color_enabled(stream: Any) -> bool:
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def common(f: Callable) -> Callable:
    """The options every program command takes."""
    opts = [
        click.argument("program"),
        click.option("--at", "at", multiple=True, type=Binding(), help="Bind a variable (repeatable)."),
        click.option("--wrt", type=NameList(), help="Variables to differentiate, comma-separated "
                     "(default: every free variable, in order of appearance)."),
        click.option("--json", "as_json", is_flag=True, help="One JSON object per program (JSON Lines)."),
        click.option("--precision", type=click.IntRange(1, 17), help="Significant digits in text output "
                     "(default: the shortest that round-trips)."),
        click.option("--detect-anomaly", is_flag=True, help="Point at the operation whose backward "
                     "pass first made a NaN."),
        click.option("--max-elements", type=click.IntRange(1), default=Limits.max_elements, show_default=True,
                     help="Elements in one tensor."),
        click.option("--max-length", type=click.IntRange(1), default=Limits.max_length, show_default=True,
                     help="Characters in one program."),
        click.option("--max-depth", type=click.IntRange(1), default=Limits.max_depth, show_default=True,
                     help="Nesting depth of an expression."),
        click.option("--max-nodes", type=click.IntRange(1), default=Limits.max_nodes, show_default=True,
                     help="Graph nodes per program."),
        click.option("--max-order", type=click.IntRange(1), default=Limits.max_order, show_default=True,
                     help="Nested derivative order in the language (grad/diff inside a program)."),
        click.option("--timeout", type=click.FloatRange(0, min_open=True), default=Limits.timeout,
                     show_default=True, help="Seconds per program."),
        click.option("--jobs", type=click.IntRange(0), default=0, show_default=True,
                     help="Processes for a batch (PROGRAM -): 0 uses every CPU (up to 4) once a "
                     "read brings enough lines; 1 answers every line in this process."),
        click.option("--debug", is_flag=True, hidden=True, help="Show tracebacks of internal errors."),
    ]
    for o in reversed(opts):
        f = o(f)
    return f


EPILOG_DASH = ("A program that starts with '-' needs '--' before it: diffcli eval -- \"-x^2 at x=1\". "
               "PROGRAM '-' reads one program per line from standard input.")


def _builtins_epilog() -> str:
    from .language.builtins import BUILTINS, CONSTANTS
    names = " ".join(BUILTINS) + " | constants: " + " ".join(CONSTANTS)
    return ("Run 'diffcli COMMAND --help' for examples. With no command: the REPL.\n\n"
            "\b\nBuilt-in functions (the README has the reference):\n" + _wrap(names))


def _wrap(text: str, width: int = 76) -> str:
    lines, cur = [], ""
    for word in text.split():
        if len(cur) + len(word) + 1 > width:
            lines.append(cur)
            cur = ""
        cur = (cur + " " + word).strip()
    return "\n".join(lines + [cur])


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]},
             epilog=_builtins_epilog())
@click.version_option(__version__, prog_name="diffcli")
@click.pass_context
def cli(ctx: click.Context) -> int:
    """diffcli: derivatives of math programs, exact to float64 rounding.

    \b
      diffcli grad "x^2*sin(y) at x=1.5, y=-0.5"
      diffcli hessian "sum(v^3)" --at "v=[1,2]"
      diffcli diff "exp(sin(x)) at x=0.7" --order 10
      printf 'x^2 at x=3\\nsin(x) at x=0\\n' | diffcli grad - --json
    """
    if ctx.invoked_subcommand is None:
        from .repl.app import run_repl
        return run_repl()
    return EXIT_OK


def _command(name: str, summary: str, examples: list[str], extra: list | None = None) -> None:
    def body(**kw: Any) -> int:
        from .runner import run_cli
        return run_cli(name, kw)

    body.__doc__ = summary + "\n\n\b\nExamples:\n" + "\n".join("  " + e for e in examples)
    for opt in reversed(extra or []):
        body = opt(body)
    cli.command(name, epilog=EPILOG_DASH)(common(body))


_command("eval", "The value of PROGRAM.", [
    'diffcli eval "x^2 + 1 at x = 3"', "diffcli eval \"sum(v) * 2\" --at 'v=[1,2,3]'",
    'diffcli eval -- "-x^2 at x=2"'])
_command("grad", "The gradient of a scalar PROGRAM (or, with --seed, a vector-Jacobian product).", [
    'diffcli grad "x^2*sin(y) at x=1.5, y=-0.5"', 'diffcli grad "x*y + z at x=1, y=2, z=3" --wrt x,y',
    "diffcli grad \"v^2\" --at 'v=[1,2,3]' --seed '[1,0,0]'"],
    [click.option("--seed", metavar="VALUE", help="The vector v of v^T J, shaped like the value.")])
_command("jacobian", "The Jacobian of PROGRAM: one reverse pass per output element.", [
    "diffcli jacobian \"[x*y, x+y, sin(x)]\" --at x=1 --at y=2", "diffcli jacobian \"tanh(v)\" --at 'v=[0, 1]'"])
_command("hessian", "Second derivatives of a scalar PROGRAM.", [
    'diffcli hessian "x^2*y + y^3 at x=1, y=2"', "diffcli hessian \"sum(v^3)\" --at 'v=[1,2]'"])
_command("diff", "The n-th derivative, or a mixed partial taken in the order given.", [
    'diffcli diff "exp(sin(x)) at x=0.7" --order 10', 'diffcli diff "x^2*y^3 at x=1, y=2" --wrt x,y,y',
    'diffcli diff "sin(x) at x=0" --order 4 --all'],
    [click.option("--order", type=int, default=1, show_default=True, help="Order, with one variable."),
     click.option("--all", "all_orders", is_flag=True, help="Report every order from 1 to N.")])
_command("check", "The reverse-mode gradient against central finite differences (exit 1 if they disagree).", [
    'diffcli check "x^2*sin(y) at x=1.5, y=-0.5"', 'diffcli check "atan2(y, x) at x=1, y=2" --tol 1e-8'],
    [click.option("--tol", type=click.FloatRange(0, min_open=True), default=1e-6, show_default=True,
                  help="Allowed |reverse - numeric| / max(1, |numeric|).")])
_command("graph", "The computation graph: one node per operation, mapped to the source.", [
    'diffcli graph "x^2*sin(y) at x=1.5, y=-0.5"', 'diffcli graph "exp(x)/x at x=2" --format dot | dot -Tsvg'],
    [click.option("--format", "fmt", type=click.Choice(["text", "dot"]), default="text", show_default=True)])


@cli.command("repl")
def repl_command() -> int:
    """The interactive session: define variables, call backward, inspect .grad and grad_fn.

    \b
    Examples:
      diffcli repl
      printf 'x = 3\\ny = x^2\\nbackward(y)\\nx.grad\\n' | diffcli repl
    """
    from .repl.app import run_repl
    return run_repl()


def main(argv: list[str] | None = None) -> None:
    """The console script: exit codes 0 ok, 1 a program failed, 2 usage, 130 interrupted."""
    args = sys.argv[1:] if argv is None else argv
    for name, what in _STREAMS.items():
        if getattr(sys, name) is None:  # its descriptor was closed when diffcli started
            setattr(sys, name, _Closed(what))
    try:
        code = cli.main(args=args, prog_name="diffcli", standalone_mode=False)
    except click.exceptions.Exit as e:
        code = e.exit_code
    except click.UsageError as e:
        _usage_error(e, "--json" in args)
        code = EXIT_USAGE
    except (KeyboardInterrupt, click.exceptions.Abort):
        sys.stderr.write("\ninterrupted\n")
        code = EXIT_INTERRUPTED
    except BrokenPipeError:
        _quiet_pipe()
        code = EXIT_OK
    except DiffcliError as e:  # an error outside any program (e.g. reading a file)
        sys.stderr.write(f"error: {e.kind}: {e.message}\n")
        code = EXIT_FAILED
    except OSError as e:  # a closed or full standard stream
        code = _stream_error(e)
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_pipe()
    except OSError as e:
        code = _stream_error(e)
    sys.exit(code if isinstance(code, int) else EXIT_OK)


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


def _stream_error(e: OSError) -> int:
    """One line on standard error (if it can be written), and nothing more from standard
    output: its unwritten buffer goes nowhere at exit, rather than into a second error."""
    _quiet_pipe()
    try:
        sys.stderr.write(f"error: input/output: {e.strerror or e}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    return EXIT_FAILED


def _usage_error(e: click.UsageError, as_json: bool) -> None:
    if as_json:
        import json
        sys.stdout.write(json.dumps({"error": {"kind": "usage", "message": e.format_message(),
                                               "line": None, "column": None}}) + "\n")
    else:
        if e.ctx is not None:
            sys.stderr.write(e.ctx.get_usage() + "\n")
        sys.stderr.write(f"error: usage: {e.format_message()}\n")


def _quiet_pipe() -> None:
    """The reader went away (diffcli ... | head): stop without a traceback."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
