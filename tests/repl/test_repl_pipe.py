"""The REPL without a terminal: statements piped through `python -m diffcli [repl]`."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

SESSION = """\
x = [2, 3, 4]
y = x^2
backward(y, [1, 1, 1], retain_graph=true)
backward(y, [1, 1, 1])
x.grad
# a comment, then a statement over two lines
m = [[1, 2],
     [3, 4]]
nope + 1
y.grad_fn
"""


def run(args: list[str], text: str, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    environ.update(env)
    return subprocess.run([sys.executable, "-m", "diffcli", *args], input=text.encode(), capture_output=True,
                          env=environ, timeout=60)


@pytest.mark.parametrize("args", [["repl"], []])
def test_piped_session(args):
    p = run(args, SESSION)
    out, err = p.stdout.decode(), p.stderr.decode()
    assert p.returncode == 1  # one line failed
    assert out.split("\n") == [
        "x = [2.0, 3.0, 4.0]  # requires grad",
        "y = [4.0, 9.0, 16.0]  # grad_fn=<PowBackward0>",
        "# accumulated into x.grad",
        "# accumulated into x.grad",
        "[8.0, 12.0, 16.0]",
        "m = [[1.0, 2.0],",
        "     [3.0, 4.0]]  # requires grad",
        "<PowBackward0>",
        "",
    ]
    assert err.startswith("line 9: error: name: unknown variable 'nope'")
    assert "\x1b[" not in out + err and ">>>" not in out


def test_exit_code_zero_when_every_line_succeeds():
    p = run(["repl"], "x = 2\nbackward(x^2)\nx.grad\n")
    assert p.returncode == 0 and p.stdout.decode().endswith("4.0\n") and p.stderr == b""


def test_quit_stops_reading():
    p = run(["repl"], "1 + 1\n:quit\nnope\n")
    assert p.returncode == 0 and p.stdout.decode() == "2.0\n"


def test_empty_input_and_bad_bytes():
    assert run(["repl"], "").returncode == 0
    p = subprocess.run([sys.executable, "-m", "diffcli", "repl"], input=b"1 + \xff\n2\n", capture_output=True,
                       timeout=60)
    assert p.returncode == 1 and b"line 1: error: parse" in p.stderr and p.stdout == b"2.0\n"


def test_one_shot_commands_never_import_prompt_toolkit():
    code = ("import sys\nfrom diffcli.cli import main\ntry:\n    main(['eval', '1 + 1'])\nexcept SystemExit:\n"
            "    pass\nassert 'prompt_toolkit' not in sys.modules, 'imported'\n")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr.decode()
    assert p.stdout.decode().strip().endswith("2.0")
