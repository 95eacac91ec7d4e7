"""The README's language reference, --help and the built-in table never drift apart."""
from pathlib import Path

from click.testing import CliRunner

from diffcli.cli import cli
from diffcli.language.builtins import BUILTINS
from diffcli.language.reference import embed

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_reference_is_generated_from_the_table():
    text = README.read_text(encoding="utf-8")
    assert embed(text) == text, "run: python -m diffcli.language.reference README.md"
    for name in BUILTINS:
        assert f"| `{name}` |" in text


def test_every_builtin_example_evaluates():
    from diffcli.commands import run
    from diffcli.session import Options, Session
    for b in BUILTINS.values():
        result = run(Session(), "eval", b.example, Options())
        assert "value" in result, b.name


def test_help_lists_examples_for_every_command():
    runner = CliRunner()
    for name in ("eval", "grad", "jacobian", "hessian", "diff", "check", "graph", "repl"):
        out = runner.invoke(cli, [name, "--help"]).output
        assert "Examples:" in out and "diffcli " in out, name
    top = runner.invoke(cli, ["--help"]).output
    for name in BUILTINS:
        assert name in top
