"""Formulas through the command line and the REPL: layout, JSON keys, LaTeX, batch mode, errors."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

DIFFCLI = shutil.which("diffcli", path=os.path.dirname(sys.executable)) or "diffcli"


def cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM")}
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run([DIFFCLI, *args], input=stdin, capture_output=True, text=True, env=env, timeout=60)


def test_text_layout_of_a_formula():
    r = cli("diff", "x^3*sin(x)")
    assert r.returncode == 0 and r.stderr == ""
    assert r.stdout == "value  x^3*sin(x)\n∂/∂x   3*x^2*sin(x) + x^3*cos(x)\n"


def test_json_keys_of_formulas():
    one = json.loads(cli("diff", "x^3*sin(x)", "--json").stdout)
    assert one == {"value": "x^3*sin(x)", "wrt": ["x"], "derivative": "3*x^2*sin(x) + x^3*cos(x)",
                   "symbolic": True}
    grad = json.loads(cli("grad", "x*y^2", "--json").stdout)
    assert grad == {"value": "x*y^2", "grad": {"x": "y^2", "y": "2*x*y"}, "symbolic": True}
    hess = json.loads(cli("hessian", "x*y^2", "--json").stdout)
    assert hess["hessian"] == {"x": {"x": "0", "y": "2*y"}, "y": {"x": "2*y", "y": "2*x"}}
    every = json.loads(cli("diff", "exp(2*x)", "--order", "3", "--all", "--json").stdout)
    assert every["derivatives"] == ["2*exp(2*x)", "4*exp(2*x)", "8*exp(2*x)"] and every["wrt"] == ["x"] * 3


def test_latex_and_symbolic_options():
    r = cli("diff", "sqrt(x)", "--format", "latex")
    assert r.stdout.splitlines()[1].split(None, 1)[1] == r"\frac{1}{2 \sqrt{x}}"
    r = cli("grad", "x^2*y at x = 1, y = 2", "--symbolic", "--json")
    assert json.loads(r.stdout)["grad"] == {"x": "2*x*y", "y": "x^2"}
    r = cli("grad", "x^2*y at x = 1, y = 2", "--json")  # bound: numbers, as before
    assert json.loads(r.stdout)["grad"] == {"x": 4.0, "y": 1.0}


def test_batch_lines_without_bindings_get_formulas():
    r = cli("grad", "-", "--json", stdin="x^2\nsin(x) at x = 0\n")
    lines = [json.loads(s) for s in r.stdout.splitlines()]
    assert lines[0]["grad"] == {"x": "2*x"} and lines[0]["symbolic"] is True
    assert lines[1]["grad"] == {"x": 1.0} and "symbolic" not in lines[1]


def test_formula_errors_are_one_line_with_a_position():
    r = cli("grad", "det([[x, 1], [1, x]])")
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.startswith("error: type: no formula can be written through det") and "line 1" in r.stderr
    assert "Traceback" not in r.stderr
    r = cli("diff", "x*y")
    assert r.returncode == 1 and "diff needs --wrt" in r.stderr
    r = cli("diff", "x^2", "--wrt", "z")
    assert r.returncode == 1 and "'z'" in r.stderr


def test_formula_parses_back_through_eval():
    formula = json.loads(cli("diff", "x^2*exp(sin(x))", "--order", "3", "--json").stdout)["derivative"]
    got = json.loads(cli("eval", f"{formula} at x = 0.3", "--json").stdout)["value"]
    want = json.loads(cli("diff", "x^2*exp(sin(x)) at x = 0.3", "--order", "3", "--json").stdout)["derivative"]
    assert abs(got - want) <= 1e-12 * max(1.0, abs(want))


def test_repl_diff_command():
    r = cli("repl", stdin="f(t) = t^2\n:diff x^3*sin(x), x\n:diff f(sin(x)), x, 2\n")
    out = r.stdout.splitlines()
    assert "3*x^2*sin(x) + x^3*cos(x)" in out and "2*cos(x)^2 - 2*sin(x)^2" in out
