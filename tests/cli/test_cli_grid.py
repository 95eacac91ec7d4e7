"""--grid: every command over a grid answers at each point what the program answers alone
there (property test on generated programs, elementwise or not), the table/CSV/TSV/JSON
shapes, undefined points, and bad grids."""
from __future__ import annotations

import csv
import io
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli_testlib import call_main, invoke, validate

SETTINGS = settings(max_examples=30, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])
XS = [-1.5, -0.5, 0.0, 0.25, 1.0, 2.0]
YS = [0.5, -1.25]


# ---------------------------------------------------------------- generated programs
def _program(draw: st.DrawFn, depth: int) -> str:
    if depth == 0 or draw(st.integers(0, 5)) == 0:
        return draw(st.sampled_from(["x", "y", "x", "0.5", "2", "3"]))
    kind = draw(st.sampled_from(["unary", "binary", "binary", "call2", "wrap"]))
    a = _program(draw, depth - 1)
    if kind == "unary":
        f = draw(st.sampled_from(["sin", "cos", "exp", "log", "sqrt", "abs", "tanh", "atan", "-", "f"]))
        return f"-({a})" if f == "-" else f"{f}({a})"
    b = _program(draw, depth - 1)
    if kind == "binary":
        op = draw(st.sampled_from(["+", "-", "*", "/", "^"]))
        return f"({a}) {op} ({b})" if op != "^" else f"({a})^2"
    if kind == "call2":
        f = draw(st.sampled_from(["maximum", "hypot", "where"]))
        return f"where({a} > {b}, {a}, {b})" if f == "where" else f"{f}({a}, {b})"
    # not elementwise: answered point by point, and must still agree
    return draw(st.sampled_from([f"sum([{a}, {b}])", f"[{a}, {b}][1]", f"max([{a}, {b}])",
                                 f"dot([{a}, {b}], [1, 2])"]))


@st.composite
def programs(draw: st.DrawFn) -> str:
    return "f(t) = t^2 + sin(t); " + _program(draw, draw(st.integers(1, 4)))


def _same(a, b) -> bool:
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, str) and isinstance(b, str):
        # past a pole (y/x at x=0) a higher derivative is undefined: the vectorised Taylor pass
        # and the single point's may say inf or nan; both say "not a number" there
        return a == b or ({a, b} <= {"nan", "inf", "-inf"} and "nan" in {a, b})
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    # numpy's kernels and the math module's may round the last bit differently
    return a == b or abs(a - b) <= 1e-12 * max(abs(a), abs(b), 1e-300)


def _single(command: str, program: str, point: dict, extra: list) -> dict:
    args = [command, program, "--json"] + extra
    for n, v in point.items():
        args += ["--at", f"{n}={v!r}"]
    (obj,) = invoke(args).json_lines()
    return obj


@SETTINGS
@given(program=programs(), command=st.sampled_from(["eval", "grad", "diff2", "hessian", "diffxy"]))
def test_grid_rows_equal_single_point_answers(program, command):
    extra = {"diff2": ["--order", "2", "--all", "--wrt", "x"], "diffxy": ["--wrt", "x,y"]}.get(command, [])
    cmd = "diff" if command.startswith("diff") else command
    res = invoke([cmd, program, "--json", "--grid", f"x={XS}", "--grid", f"y={YS}"] + extra)
    rows = res.json_lines()
    assert len(rows) == len(XS) * len(YS), res.stdout
    for row in rows:
        point = row.pop("at")
        alone = _single(cmd, program, point, extra)
        if "error" in alone:  # undefined here: the grid's row says nan instead
            assert alone["error"]["kind"] == "domain", alone
            assert row["value"] == "nan", (program, point, row)
            continue
        alone.pop("warnings", None)
        assert _same(row, alone), (program, point, row, alone)


def test_elementwise_programs_take_one_pass_and_others_say_point_by_point():
    one = invoke(["eval", "sin(x)*x", "--grid", "x=0:1:3"])
    assert "point by point" not in one.stdout
    loop = invoke(["eval", "sum([x, x^2])", "--grid", "x=0:1:3"])
    assert "warning: computed point by point (sum is not elementwise)" in loop.stdout
    assert [line.split()[1] for line in loop.stdout.splitlines()[1:4]] == ["0.0", "0.75", "2.0"]


def test_grid_check_agrees_with_single_point_check():
    res = invoke(["check", "atan2(y, x)", "--grid", "x=[1, 2]", "--at", "y=2", "--json"])
    for row in res.json_lines():
        alone = _single("check", "atan2(y, x)", {"y": 2.0, **row.pop("at")}, [])
        assert _same(row, alone)


# ---------------------------------------------------------------- shapes
def test_text_table_has_a_column_per_variable_and_derivative():
    res = invoke(["grad", "x^2*y", "--grid", "x=0:1:3", "--grid", "y=[1,2]"])
    lines = res.stdout.splitlines()
    assert lines[0].split() == ["x", "y", "value", "∂/∂x", "∂/∂y"]
    assert lines[1].split() == ["0.0", "1.0", "0.0", "0.0", "0.0"]   # the first name varies slowest
    assert lines[2].split() == ["0.0", "2.0", "0.0", "0.0", "0.0"]
    assert lines[6].split() == ["1.0", "2.0", "2.0", "4.0", "1.0"]
    assert len(lines) == 7 and res.code == 0


@pytest.mark.parametrize("fmt,sep", [("csv", ","), ("tsv", "\t")])
def test_csv_and_tsv_have_a_header_then_a_row_per_point(fmt, sep):
    res = invoke(["diff", "exp(sin(x))*x^2", "--grid", "x=-pi:pi:201", "--order", "2", "--all",
                  "--format", fmt])
    rows = list(csv.reader(io.StringIO(res.stdout), delimiter=sep))
    assert rows[0] == ["x", "value", "d/dx", "d^2/dx^2"]
    assert len(rows) == 202 and all(len(r) == 4 for r in rows)
    assert float(rows[1][0]) == -math.pi and float(rows[-1][0]) == math.pi
    x = 0.5
    res1 = invoke(["diff", f"exp(sin(x))*x^2 at x={x}", "--order", "2", "--all", "--json"]).json_lines()[0]
    grid = invoke(["diff", "exp(sin(x))*x^2", "--grid", "x=[0.5]", "--order", "2", "--all",
                   "--format", fmt]).stdout.splitlines()[1].split(sep)
    assert [float(v) for v in grid[1:]] == [res1["value"]] + res1["derivatives"]


def test_json_has_the_usual_keys_and_at():
    rows = invoke(["diff", "sin(x)", "--grid", "x=[0, 1]", "--order", "3", "--json"]).json_lines()
    for row in rows:
        validate({k: v for k, v in row.items() if k != "at"}, "diff")
        assert list(row) == ["value", "wrt", "derivative", "at"]
        assert row["wrt"] == ["x", "x", "x"]
    assert rows[1]["at"] == {"x": 1.0} and rows[1]["derivative"] == -math.cos(1.0)


def test_stop_below_start_runs_downwards():
    res = invoke(["eval", "x", "--grid", "x=1:0:3", "--format", "csv"])
    assert res.stdout.split() == ["x,value", "1.0,1.0", "0.5,0.5", "0.0,0.0"]


def test_an_undefined_point_is_a_nan_row_with_a_warning_naming_it():
    res = invoke(["diff", "log(x)", "--grid", "x=-1:2:4"])
    lines = res.stdout.splitlines()
    assert lines[1].split() == ["-1.0", "nan", "nan"]
    assert lines[3].split()[1:] == ["0.0", "1.0"]
    assert "warning: nan at 1 of 4 points (x=-1.0): 'log(x)' made nan from finite inputs" in res.stdout
    assert res.code == 0
    csv_run = call_main(["diff", "log(x)", "--grid", "x=-1:2:4", "--format", "csv"])
    assert csv_run.stdout.splitlines()[1] == "-1.0,nan,nan" and "nan at 1 of 4 points" in csv_run.stderr


def test_taylor_over_a_grid_equals_taylor_at_each_point():
    rows = invoke(["taylor", "exp(x)*cos(x)", "--grid", "x=[0, 0.5]", "--order", "4", "--json"]).json_lines()
    for row in rows:
        at = row.pop("at")
        alone = _single("taylor", "exp(x)*cos(x)", at, ["--order", "4"])
        alone.pop("at")
        assert _same(row, alone)


# ---------------------------------------------------------------- bad grids
@pytest.mark.parametrize("spec,message", [
    ("x=0:1:0", "N must be a positive integer, got 0"),
    ("x=0:1:-3", "N must be a positive integer, got -3"),
    ("x=0:1:2.5", "N must be a positive integer, got 2.5"),
    ("x=0:1:many", "N must be a positive integer, got 'many'"),
    ("x=a:1:3", "START: a bound value must be constant, but it uses the variable 'a'"),
    ("x=0:1", "expected START:STOP:N"),
    ("x=0:1:1", "one point cannot span"),
    ("x=[[1, 2], [3, 4]]", "must be one-dimensional"),
    ("x=0:inf:3", "STOP must be finite"),
])
def test_bad_grids_are_one_line_usage_errors(spec, message):
    res = call_main(["diff", "x^3", "--grid", spec])
    assert res.code == 2, res
    assert f"error: usage: --grid x" in res.stderr and message in res.stderr, res.stderr
    assert "Traceback" not in res.stderr


def test_a_grid_past_max_elements_is_a_limit_error():
    res = call_main(["diff", "x^3", "--grid", "x=0:1:1e12"])
    assert res.code == 1
    assert res.stderr.startswith("error: limit: --grid x: N = 1e12 would make 1,000,000,000,000 elements")
    res = call_main(["eval", "x*y", "--grid", "x=0:1:1000", "--grid", "y=0:1:1000", "--max-elements", "10000"])
    assert res.code == 1 and "the grid has 1,000,000 elements" in res.stderr


def test_a_name_bound_twice_is_refused():
    res = call_main(["eval", "x^2", "--grid", "x=0:1:3", "--at", "x=1"])
    assert res.code == 1 and "'x' is bound by --grid and also by --at" in res.stderr
    res = call_main(["eval", "x", "--grid", "x=0:1:3", "--grid", "x=[1]"])
    assert res.code == 2 and "'x' has two grids" in res.stderr


def test_csv_without_a_grid_and_seed_with_a_grid_are_usage_errors():
    assert call_main(["eval", "x at x=1", "--format", "csv"]).code == 2
    res = call_main(["grad", "x", "--grid", "x=[1]", "--seed", "1"])
    assert res.code == 1 and "--seed does not combine with --grid" in res.stderr


def test_hessian_grid_with_two_variables_through_shared_nodes():
    # each Hessian row walks the same graph again (found by the property test above)
    program = "sin(x + sin(y))"
    res = invoke(["hessian", program, "--grid", "x=[-1.5, 0.5]", "--grid", "y=[0.5, -1.25]", "--json"])
    rows = res.json_lines()
    assert len(rows) == 4, res.stdout
    for row in rows:
        alone = _single("hessian", program, row.pop("at"), [])
        assert _same(row, alone)
