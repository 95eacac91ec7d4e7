"""Start-up promises: a scalar program never imports numpy, and no one-shot command imports
prompt_toolkit or lark (with a warm parser cache). Checked in a fresh interpreter each time,
since an import anywhere in this test process would hide one in the code under test."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROBE = """
import io, json, sys
from diffcli import cli
sys.stdin = io.TextIOWrapper(io.BytesIO({stdin!r}.encode()))
try:
    cli.main({argv!r})
except SystemExit:
    pass
print(json.dumps({{m: m in sys.modules for m in ("numpy", "prompt_toolkit", "lark")}}), file=sys.stderr)
"""

SCALAR = "x^2*sin(y) + exp(x*y)/(1+y^2) at x=1.5, y=-0.5"


def _modules(argv: list[str], stdin: str = "") -> dict:
    subprocess.run([sys.executable, "-m", "diffcli", "eval", "1"], capture_output=True)  # warm the cache
    proc = subprocess.run([sys.executable, "-c", PROBE.format(argv=argv, stdin=stdin)],
                          capture_output=True, text=True, timeout=60)
    return json.loads(proc.stderr.strip().splitlines()[-1])


@pytest.mark.parametrize("argv", [
    ["grad", SCALAR, "--json"],
    ["eval", SCALAR],
    ["hessian", SCALAR],
    ["diff", "exp(sin(x)) at x=0.7", "--order", "5"],
    ["eval", "diff(exp(sin(x)), x, 5) at x=0.7"],  # the language's diff: Taylor mode, still no numpy
    ["check", SCALAR],
    ["eval", "exp(1000) - log(0) + 1/x at x=0"],  # math raises here; the answers are inf, still no numpy
    ["grad", "sqrt(x) + x^-1 at x=0"],
])
def test_scalar_commands_import_neither_numpy_nor_the_repl(argv):
    assert _modules(argv) == {"numpy": False, "prompt_toolkit": False, "lark": False}


def test_scalar_batch_imports_neither_numpy_nor_the_repl():
    lines = "\n".join([SCALAR, "sin(x)/x at x=2", "bad (", "tanh(u)*v at u=0.1, v=3"]) + "\n"
    assert _modules(["grad", "-", "--json"], lines) == {"numpy": False, "prompt_toolkit": False, "lark": False}


def test_a_vector_program_does_import_numpy():
    # the probe itself works: it sees numpy when a program needs arrays
    assert _modules(["grad", "sum([x, 2*x]^2) at x=1", "--json"])["numpy"] is True
