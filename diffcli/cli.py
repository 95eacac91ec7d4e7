"""The command line: a click group of thin commands over diffcli.commands."""
from __future__ import annotations

import sys
from typing import Any, Callable

import click

from . import __version__
from .errors import DiffcliError
from .language.limits import Limits
from .terminal import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, quiet_pipe, stand_in_closed_streams, stream_error


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


class Sectioned(click.Option):
    """An option listed under a heading of its own in --help (``section``)."""

    def __init__(self, *args: Any, section: str = "Options", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.section = section


class SectionedCommand(click.Command):
    """--help lists the options by section, the command's own first, then the limits."""

    def format_options(self, ctx: click.Context, formatter: Any) -> None:
        sections: dict[str, list] = {"Options": []}
        for p in self.get_params(ctx):
            rec = p.get_help_record(ctx) if isinstance(p, click.Option) else None  # PROGRAM is in Usage
            if rec is not None:
                sections.setdefault(getattr(p, "section", "Options"), []).append(rec)
        for title, rows in sections.items():
            with formatter.section(title):
                formatter.write_dl(rows)


class Count(click.IntRange):
    name = "integer"  # click says "'abc' is not a valid integer range"


class Number(click.FloatRange):
    name = "number"


def _opt(*decls: str, section: str = "Options", **kw: Any) -> Callable:
    return click.option(*decls, cls=Sectioned, section=section, **kw)


def _limit(decl: str, default: Any, help: str, kind: Any = None) -> Callable:
    return _opt(decl, type=kind or Count(1), default=default, show_default=True, help=help, section="Limits")


# Every option a program command may take, by name; each command lists the ones it uses
# (``_command(..., uses=...)``), so its --help shows only those. A new command picks from here
# and adds its own with ``extra``.
OPTIONS: dict[str, Callable] = {
    "at": _opt("--at", "at", multiple=True, type=Binding(), help="Bind a variable (repeatable)."),
    "wrt": _opt("--wrt", type=NameList(), help="Variables to differentiate, comma-separated "
                "(default: every free variable, in order of appearance)."),
    "json": _opt("--json", "as_json", is_flag=True, help="One JSON object per program (JSON Lines), "
                 "at full precision."),
    "precision": _opt("--precision", type=Count(1, 17), help="Significant digits in text output "
                      "(default: the shortest that round-trips)."),
    "detect_anomaly": _opt("--detect-anomaly", is_flag=True, help="Point at the operation whose "
                           "backward pass first made a NaN."),
    "jobs": _opt("--jobs", type=Count(0), default=0, show_default=True,
                 help="Processes for a batch (PROGRAM -): 0 uses every CPU (up to 4) once a read "
                 "brings enough lines; 1 answers every line in this process."),
}
LIMITS = [
    _limit("--max-elements", Limits.max_elements, "Elements in one tensor."),
    _limit("--max-length", Limits.max_length, "Characters in one program."),
    _limit("--max-depth", Limits.max_depth, "Nesting depth of an expression."),
    _limit("--max-nodes", Limits.max_nodes, "Graph nodes per program."),
    _limit("--max-order", Limits.max_order, "Nested derivative order in the language (grad/diff inside "
           "a program)."),
    _limit("--timeout", Limits.timeout, "Seconds per program.", Number(0, min_open=True)),
]
UNUSED = {"at": (), "wrt": None, "as_json": False, "precision": None, "detect_anomaly": False, "jobs": 0}
DERIVATIVE = ("at", "wrt", "json", "precision", "detect_anomaly", "jobs")  # what most commands use


def _dash_epilog(name: str) -> str:
    return (f"A program that starts with '-' needs '--' before it: diffcli {name} -- \"-x^2 at x=1\". "
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


def _command(name: str, summary: str, examples: list[str], uses: tuple = DERIVATIVE,
             extra: list | None = None) -> None:
    """A program command: PROGRAM, the options in ``uses`` (names in OPTIONS), its own
    ``extra`` options, then the limits; the runner gets every option's value (None, or the
    default, for one the command does not take)."""
    def body(**kw: Any) -> int:
        from .runner import run_cli
        for key, value in UNUSED.items():
            kw.setdefault(key, value)
        _refuse_inapplicable(kw)
        return run_cli(name, kw)

    body.__doc__ = summary + "\n\n\b\nExamples:\n" + "\n".join("  " + e for e in examples)
    decorators = [click.argument("program"), *(OPTIONS[u] for u in uses), *(extra or []), *LIMITS,
                  click.option("--debug", is_flag=True, hidden=True, help="Show tracebacks of internal errors.")]
    for d in reversed(decorators):
        body = d(body)
    cli.command(name, cls=SectionedCommand, epilog=_dash_epilog(name))(body)


def _refuse_inapplicable(kw: dict) -> None:
    """Options that cannot apply together are refused or warned about, not silently dropped."""
    if kw.get("as_json") and kw.get("fmt") == "dot":
        raise click.UsageError("--json and --format dot are two output formats: give one")
    if kw.get("as_json") and kw.get("precision") is not None:  # harmless: said, then ignored
        sys.stderr.write("warning: --precision applies to text output; --json always has full precision\n")


# --grid and its table format, for the commands that answer over a grid (diffcli/grid.py)
GRID = ("grid", "table")
OPTIONS["grid"] = _opt("--grid", multiple=True, type=Binding(), metavar="NAME=START:STOP:N",
                       help="Answer at N evenly spaced points from START to STOP, or at a list "
                       "(NAME=[0, 0.5, 1]); repeat for a product grid.", section="Grid")
OPTIONS["table"] = _opt("--format", "fmt", type=click.Choice(["text", "csv", "tsv"]), default="text",
                        show_default=True, help="A grid's table: aligned text, CSV or TSV with a header row.",
                        section="Grid")
UNUSED.update({"grid": (), "fmt": "text"})


_command("eval", "The value of PROGRAM.", [
    'diffcli eval "x^2 + 1 at x = 3"', "diffcli eval \"sum(v) * 2\" --at 'v=[1,2,3]'",
    'diffcli eval -- "-x^2 at x=2"', 'diffcli eval "sin(x)" --grid x=0:pi:5'],
    uses=("at", "json", "precision", "jobs") + GRID)
# formulas (diffcli/symbolic): --symbolic, and latex among --format's choices
OPTIONS["symbolic"] = _opt("--symbolic", is_flag=True, help="Answer with formulas even when values are "
                           "bound (a program with free variables and no bindings always gets formulas).",
                           section="Formulas")
OPTIONS["formats"] = _opt("--format", "fmt", type=click.Choice(["text", "csv", "tsv", "latex"]), default="text",
                          show_default=True, help="text; csv or tsv: a grid's table with a header row; "
                          "latex: formulas written as LaTeX.")
OPTIONS["latex"] = _opt("--format", "fmt", type=click.Choice(["text", "latex"]), default="text",
                        show_default=True, help="How formulas are written: diffcli's own language, or LaTeX.",
                        section="Formulas")
UNUSED["symbolic"] = False
FORMULA_GRID = DERIVATIVE + ("grid", "formats", "symbolic")
_command("grad", "The gradient of a scalar PROGRAM (or, with --seed, a vector-Jacobian product); "
         "with free variables and no bindings, as formulas.", [
    'diffcli grad "x^2*sin(y) at x=1.5, y=-0.5"', 'diffcli grad "x*y + z at x=1, y=2, z=3" --wrt x,y',
    "diffcli grad \"v^2\" --at 'v=[1,2,3]' --seed '[1,0,0]'", 'diffcli grad "x^2*y" --grid x=0:1:3 --grid y=[1,2]',
    'diffcli grad "x^2*sin(y)"'],
    uses=FORMULA_GRID,
    extra=[_opt("--seed", metavar="VALUE", help="The vector v of v^T J, shaped like the value "
                "(a number is broadcast).")])
_command("jacobian", "The Jacobian of PROGRAM: every row from one batched reverse pass.", [
    "diffcli jacobian \"[x*y, x+y, sin(x)]\" --at x=1 --at y=2", "diffcli jacobian \"tanh(v)\" --at 'v=[0, 1]'"],
    uses=DERIVATIVE + ("symbolic", "latex"))
_command("hessian", "Second derivatives of a scalar PROGRAM.", [
    'diffcli hessian "x^2*y + y^3 at x=1, y=2"', "diffcli hessian \"sum(v^3)\" --at 'v=[1,2]'",
    'diffcli hessian "x^2*y" --format latex'],
    uses=FORMULA_GRID)
_command("diff", "The n-th derivative, or a mixed partial taken in the order given; with free "
         "variables and no bindings, as a formula.", [
    'diffcli diff "exp(sin(x)) at x=0.7" --order 10', 'diffcli diff "x^2*y^3 at x=1, y=2" --wrt x,y,y',
    'diffcli diff "sin(x) at x=0" --order 4 --all', 'diffcli diff "exp(sin(x))*x^2" --grid x=-3:3:101 --format csv',
    'diffcli diff "x^3*sin(x)"'],
    uses=FORMULA_GRID,
    extra=[_opt("--order", type=int, default=1, show_default=True, help="Order, with one variable."),
           _opt("--all", "all_orders", is_flag=True, help="Report every order from 1 to N.")])
_command("check", "The reverse-mode gradient against finite differences (exit 1 if they disagree).", [
    'diffcli check "x^2*sin(y) at x=1.5, y=-0.5"', 'diffcli check "atan2(y, x) at x=1, y=2" --tol 1e-8'],
    uses=DERIVATIVE + GRID,
    extra=[_opt("--tol", type=Number(0, min_open=True), default=1e-6, show_default=True,
                help="Allowed |reverse - numeric| / max(1, |numeric|).")])
_command("taylor", "The Taylor polynomial of PROGRAM about the bound point, to total order N.", [
    'diffcli taylor "exp(x)" --at x=0 --order 4', 'diffcli taylor "sin(x)*exp(y)" --at x=0 --at y=0 --order 3 --json',
    'diffcli taylor "log(x)" --at x=1 --order 3', 'diffcli taylor "sin(x)" --grid x=0:1:3 --order 3 --format csv'],
    uses=("at", "wrt", "json", "precision", "jobs") + GRID,
    extra=[_opt("--order", type=int, default=5, show_default=True, help="Highest (total) order.")])
_command("graph", "The computation graph: one node per operation, mapped to the source.", [
    'diffcli graph "x^2*sin(y) at x=1.5, y=-0.5"', 'diffcli graph "exp(x)/x at x=2" --format dot | dot -Tsvg'],
    extra=[_opt("--format", "fmt", type=click.Choice(["text", "dot"]), default="text", show_default=True,
                help="text: an indented tree; dot: Graphviz input (render with dot -Tsvg).")])

_command("minimize", "Minimise a scalar PROGRAM from the starting point given by --at, with exact "
         "gradients (and exact Hessians for --method newton); exit 1 if it did not converge.", [
    'diffcli minimize "100*(y - x^2)^2 + (1 - x)^2" --at x=-1.2 --at y=1',
    "diffcli minimize \"sum((v - [1,2,3])^2)\" --at 'v=[0,0,0]' --method newton --json",
    'diffcli minimize "x^4 - 3*x^2 + x" --at x=2 --trace'],
    uses=("at", "wrt", "json", "precision", "jobs"),
    extra=[_opt("--method", type=click.Choice(["bfgs", "lbfgs", "newton", "gd"]), default="bfgs",
                show_default=True, help="BFGS, limited-memory BFGS, Newton (exact Hessian, modified "
                "where indefinite) or gradient descent; every step by a strong-Wolfe line search."),
           _opt("--tol", type=Number(0, min_open=True), default=1e-8, show_default=True,
                help="Converged when every |gradient component| <= tol * max(1, |f|)."),
           _opt("--max-iter", type=Count(0), default=1000, show_default=True,
                help="Iterations before stopping with the best point reached."),
           _opt("--trace", is_flag=True, help="One line (or JSON object) per iteration.")])
_command("solve", "A root of a scalar equation or of a square system written as a vector PROGRAM "
         "(f(x) - c, not f(x) == c), by Newton's method with the exact Jacobian; exit 1 if it did "
         "not converge.", [
    'diffcli solve "cos(x) - x" --at x=1',
    'diffcli solve "[x^2 + y^2 - 4, x*y - 1]" --at x=2 --at y=0.3 --json'],
    uses=("at", "wrt", "json", "precision", "jobs"),
    extra=[_opt("--tol", type=Number(0, min_open=True), default=1e-10, show_default=True,
                help="Converged when every |residual component| <= tol."),
           _opt("--max-iter", type=Count(0), default=100, show_default=True,
                help="Newton iterations before stopping with the last point."),
           _opt("--trace", is_flag=True, help="One line (or JSON object) per iteration.")])


@cli.command("plot", epilog=_dash_epilog("plot"))
@click.argument("program")
@click.option("--grid", required=True, type=Binding(), metavar="NAME=START:STOP:N",
              help="The variable on the horizontal axis and its points.")
@click.option("--at", "at", multiple=True, type=Binding(), help="Bind another variable (repeatable).")
@click.option("--order", "orders", default="0,1", show_default=True,
              help="Which curves: 0 the function, 1 its derivative, 2 the second... (comma-separated).")
@click.option("--taylor", metavar="A:N", help="Overlay the Taylor polynomial of order N about A.")
@click.option("--output", type=click.Path(dir_okay=False), help="Write an image instead: FILE.svg, or "
              "FILE.png (needs matplotlib: pip install 'diffcli[plot]').")
@click.option("--width", type=click.IntRange(20), help="Columns (default: the terminal's, or $COLUMNS).")
@click.option("--height", type=click.IntRange(5), help="Rows (default: about a third of the width).")
def plot_command(**kw: Any) -> int:
    """Plot PROGRAM and its derivatives over a grid, in the terminal.

    \b
    Examples:
      diffcli plot "sin(x)*x" --grid x=-5:5:200 --order 0,1,2
      diffcli plot "exp(x)" --grid x=-2:2:200 --taylor 0:3
      diffcli plot "log(x)" --grid x=0.1:5:100 --output log.svg
    """
    from .plot import run_plot
    return run_plot(kw)


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
    stand_in_closed_streams()
    try:
        code = cli.main(args=args, prog_name="diffcli", standalone_mode=False)
    except click.exceptions.Exit as e:
        code = e.exit_code
    except click.UsageError as e:
        _usage_error(e, "--json" in args, args)
        code = EXIT_USAGE
    except (KeyboardInterrupt, click.exceptions.Abort):
        sys.stderr.write("\ninterrupted\n")
        code = EXIT_INTERRUPTED
    except BrokenPipeError:
        quiet_pipe()
        code = EXIT_OK
    except DiffcliError as e:  # an error outside any program (e.g. reading a file)
        sys.stderr.write(f"error: {e.kind}: {e.message}\n")
        code = EXIT_FAILED
    except OSError as e:  # a closed or full standard stream
        code = stream_error(e)
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        quiet_pipe()
    except OSError as e:
        code = stream_error(e)
    sys.exit(code if isinstance(code, int) else EXIT_OK)


def _usage_error(e: click.UsageError, as_json: bool, args: list[str]) -> None:
    hint = None
    if e.ctx is not None and e.ctx.command is cli and "No such command" in e.format_message():
        program = next((a for a in args if not a.startswith("-")), "")
        if not program.isidentifier():  # a program, not a misspelt command
            hint = f"a program needs a command first, as in diffcli eval {_quote(program)}"
    if as_json:
        import json
        body = {"kind": "usage", "message": e.format_message(), "line": None, "column": None}
        sys.stdout.write(json.dumps({"error": body | ({"hint": hint} if hint else {})}) + "\n")
    else:
        if e.ctx is not None:
            sys.stderr.write(e.ctx.get_usage() + "\n")
        sys.stderr.write(f"error: usage: {e.format_message()}\n" + (f"  hint: {hint}\n" if hint else ""))


def _quote(arg: str) -> str:
    import shlex
    return shlex.quote(arg)

