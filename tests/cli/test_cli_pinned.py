"""The behaviours the issue pins down, one test (or a few) each, through the click group."""
from __future__ import annotations

import math

import pytest

from cli_testlib import COMMANDS, invoke, validate, validate_error

DERIVATIVE_COMMANDS = ("grad", "jacobian", "hessian", "diff", "check", "graph")


def one(args: list[str], stdin: str | None = None) -> dict:
    res = invoke(args[:1] + ["--json"] + args[1:], stdin=stdin)  # before any '--'

    assert res.exception is None, res.exception
    (obj,) = res.json_lines()
    return obj


def kind(obj: dict) -> str | None:
    return obj["error"]["kind"] if "error" in obj else None


# ----------------------------------------------------------------------------- '-' and '--'
def test_program_starting_with_dash_needs_double_dash():
    assert invoke(["eval", "-x^2 at x=2"], standalone=True).code == 2
    assert one(["eval", "--", "-x^2 at x=2"]) == {"value": -4.0}
    assert one(["grad", "--at", "x=3", "--", "-x^2"]) == {"value": -9.0, "grad": {"x": -6.0}}


# ----------------------------------------------------------------------------- bindings
def test_at_option_binds_and_program_clause_wins():
    assert one(["grad", "x*y", "--at", "x=2", "--at", "y=3"]) == {"value": 6.0, "grad": {"x": 3.0, "y": 2.0}}
    assert one(["grad", "x*y at x=5", "--at", "x=2", "--at", "y=3"]) == {"value": 15.0,
                                                                       "grad": {"x": 3.0, "y": 5.0}}
    obj = one(["eval", "sum(v) + w", "--at", "v=[1, 2, 3]", "--at", "w=pi/4"])
    assert obj["value"] == 6 + math.pi / 4


@pytest.mark.parametrize("args", [
    ["eval", "x at x = 1, x = 2"],
    ["grad", "x*y at y = 1, x = 2, y = 3"],
    ["eval", "x", "--at", "x=1", "--at", "x=2"],
    ["grad", "x", "--at", "x=1", "--at", "x=1"],
    ["grad", "x at x = 4", "--at", "x=1", "--at", "x=2"],
])
def test_a_name_bound_twice_is_a_type_error(args):
    obj = one(args)
    assert kind(obj) == "type", obj
    assert "twice" in obj["error"]["message"]


@pytest.mark.parametrize("name", ["pi", "e", "inf", "nan", "sin", "exp", "sum", "grad", "zeros"])
def test_constants_and_builtins_cannot_be_rebound(name):
    obj = one(["eval", f"1 + 1 at {name} = 2"])
    assert kind(obj) == "type", obj
    assert name in obj["error"]["message"]
    obj = one(["eval", "1 + 1", "--at", f"{name}=2"])
    assert kind(obj) == "type", obj


def test_wrt_a_bound_but_unused_variable_gives_zeros():
    assert one(["grad", "x^2 at x = 1, y = 2", "--wrt", "x,y"])["grad"] == {"x": 2.0, "y": 0.0}
    assert one(["grad", "x^2 at x = 1", "--at", "v=[1, 2, 3]", "--wrt", "v"])["grad"] == {"v": [0.0, 0.0, 0.0]}
    assert one(["jacobian", "[x^2, 1] at x = 1, y = 2", "--wrt", "x,y"])["jacobian"] == {"x": [2.0, 0.0],
                                                                                       "y": [0.0, 0.0]}
    assert one(["hessian", "x^2 at x = 1, y = 2", "--wrt", "x,y"])["hessian"] == {
        "x": {"x": 2.0, "y": 0.0}, "y": {"x": 0.0, "y": 0.0}}
    d = one(["diff", "x^2 at x = 1, y = 2", "--wrt", "y"])
    assert d["derivative"] == 0.0 and d["wrt"] == ["y"]
    d = one(["diff", "x^2 at x = 1, y = 2", "--wrt", "y", "--order", "3"])
    assert d["derivative"] == 0.0 and d["wrt"] == ["y", "y", "y"]
    c = one(["check", "x^2 at x = 1, y = 2", "--wrt", "x,y"])
    assert c["ok"] is True and c["variables"]["y"]["grad"] == 0.0


@pytest.mark.parametrize("command", DERIVATIVE_COMMANDS)
def test_wrt_an_unbound_variable_is_a_name_error(command):
    obj = one([command, "x^2 at x = 1", "--wrt", "x,zz"])
    assert kind(obj) == "name", obj
    assert "zz" in obj["error"]["message"]


def test_detached_or_unused_variables_get_zeros():
    assert one(["grad", "x*detach(y) at x = 2, y = 3"])["grad"] == {"x": 3.0, "y": 0.0}
    assert one(["grad", "detach(x)^2 at x = 3"])["grad"] == {"x": 0.0}
    assert one(["grad", "sum(v*detach(w))", "--at", "v=[1,2]", "--at", "w=[3,4]"])["grad"] == {
        "v": [3.0, 4.0], "w": [0.0, 0.0]}
    assert one(["jacobian", "[x^2, detach(y)] at x = 1, y = 2"])["jacobian"] == {"x": [2.0, 0.0],
                                                                                "y": [0.0, 0.0]}
    assert one(["hessian", "x^2 + detach(y)^3 at x = 1, y = 2"])["hessian"] == {
        "x": {"x": 2.0, "y": 0.0}, "y": {"x": 0.0, "y": 0.0}}
    assert one(["diff", "x + detach(y)^2 at x = 1, y = 2", "--wrt", "y"])["derivative"] == 0.0
    assert one(["diff", "x + detach(y)^2 at x = 1, y = 2", "--wrt", "y", "--order", "2"])["derivative"] == 0.0
    assert one(["diff", "x * detach(y)^2 at x = 1, y = 2", "--wrt", "x,y"])["derivative"] == 0.0
    assert one(["grad", "5 at x = 3", "--wrt", "x"])["grad"] == {"x": 0.0}


# ----------------------------------------------------------------------------- diff
def test_diff_order_repeats_the_variable_in_wrt():
    obj = one(["diff", "x^4 at x = 2", "--wrt", "x", "--order", "3"])
    assert obj["wrt"] == ["x", "x", "x"] and obj["derivative"] == 48.0
    obj = one(["diff", "x^4 at x = 2", "--order", "3"])  # one variable: --wrt may be left out
    assert obj["wrt"] == ["x", "x", "x"] and obj["derivative"] == 48.0
    obj = one(["diff", "x^2*y at x = 1, y = 2", "--wrt", "x,y,x"])
    assert obj["wrt"] == ["x", "y", "x"] and obj["derivative"] == 2.0


@pytest.mark.parametrize("order", ["0", "-1", "-10"])
def test_order_below_one_is_a_usage_error(order):
    res = invoke(["diff", "x^2 at x = 1", "--order", order], standalone=True)
    assert res.code == 2, res
    assert "order" in res.stderr.lower()


def test_diff_of_several_variables_without_wrt_fails_cleanly():
    obj = one(["diff", "x*y at x = 1, y = 2"])
    validate_error(obj)
    assert "--wrt" in obj["error"]["message"]


# ----------------------------------------------------------------------------- --seed
def test_seed_on_a_scalar_program_scales_the_gradient():
    assert one(["grad", "x^2*y at x = 3, y = 2", "--seed", "2"])["grad"] == {"x": 24.0, "y": 18.0}
    assert one(["grad", "x^2 at x = 3", "--seed", "-0.5"])["grad"] == {"x": -3.0}
    assert one(["grad", "x^2 at x = 3", "--seed", "1"])["grad"] == one(["grad", "x^2 at x = 3"])["grad"]


def test_seed_on_a_non_scalar_program_gives_the_vjp():
    obj = one(["grad", "v^2", "--at", "v=[1,2,3]", "--seed", "[1,0,0]"])
    assert obj == {"value": [1.0, 4.0, 9.0], "grad": {"v": [2.0, 0.0, 0.0]}}
    obj = one(["grad", "[x*y, x+y, sin(x)] at x = 1, y = 2", "--seed", "[1, 2, 3]"])
    assert obj["grad"]["x"] == pytest.approx(2 + 2 + 3 * math.cos(1.0), rel=1e-15)
    assert obj["grad"]["y"] == 1 + 2
    obj = one(["grad", "m*x at x = 2", "--at", "m=[[1,2],[3,4]]", "--seed", "[[1,0],[0,1]]"])
    assert obj["grad"] == {"m": [[2.0, 0.0], [0.0, 2.0]], "x": 5.0}


def test_seed_of_the_wrong_shape_is_an_error():
    obj = one(["grad", "v^2", "--at", "v=[1,2,3]", "--seed", "[1,0]"])
    assert kind(obj) == "shape", obj


def test_non_scalar_grad_without_seed_suggests_jacobian():
    res = invoke(["grad", "v^2", "--at", "v=[1,2,3]"])
    assert res.code == 1
    assert "jacobian" in res.stderr
    obj = one(["grad", "v^2", "--at", "v=[1,2,3]"])
    validate_error(obj)
    assert "jacobian" in obj["error"]["message"]


# ----------------------------------------------------------------------------- shapes
@pytest.mark.parametrize("program", ["zeros(2, 3)", "zeros([2, 3])", "ones(2, 3) * 0", "ones([2, 3]) - 1",
                                     "full(2, 3, 0)", "full([2, 3], 0)"])
def test_shape_arguments_as_separate_integers_or_a_list(program):
    assert one(["eval", program]) == {"value": [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]}


# ----------------------------------------------------------------------------- kinks
KINKS = [  # program, a word the warning must name, a word of its convention
    ("abs(x) at x = 0", "abs", "0"),
    ("relu(x) at x = 0", "relu", "0"),
    ("maximum(x, y) at x = 1, y = 1", "maximum", "split"),
    ("minimum(x, 2 - x) at x = 1", "minimum", "split"),
    ("where(x > 0, x^2, -x) at x = 0", "where", "branch"),
    ("where(x >= 1, x, 2 - x) at x = 1", "where", "branch"),
]


@pytest.mark.parametrize("program, name, convention", KINKS)
def test_a_point_on_a_kink_warns_naming_the_convention(program, name, convention):
    for command in ("grad", "jacobian", "hessian", "check", "graph"):
        obj = one([command, program])
        validate(obj, command)
        assert "error" not in obj, (command, obj)
        warnings = obj.get("warnings", [])
        assert any(name in w and convention in w for w in warnings), (command, program, warnings)
    text = invoke(["grad", program])
    assert any(ln.startswith("warning: ") and name in ln for ln in text.stdout.splitlines()), text.stdout


def test_kink_conventions_values():
    assert one(["grad", "abs(x) at x = 0"])["grad"] == {"x": 0.0}
    assert one(["grad", "relu(x) at x = 0"])["grad"] == {"x": 0.0}
    assert one(["grad", "maximum(x, y) at x = 1, y = 1"])["grad"] == {"x": 0.5, "y": 0.5}
    assert one(["diff", "abs(x) at x = 0"])["warnings"]


def test_no_kink_warning_off_the_kink():
    for program in ("abs(x) at x = 0.5", "relu(x) at x = -1", "maximum(x, y) at x = 1, y = 2",
                    "where(x > 0, x, -x) at x = 1"):
        assert "warnings" not in one(["grad", program]), program


@pytest.mark.parametrize("program, name", [
    ("clip(x, 0, 1) at x = 1", "clip"),
    ("max([x, y]) at x = 1, y = 1", "max"),
    ("norm(v) at v = [0, 0]", "norm"),
])
def test_readme_kinks_clip_max_norm_are_reported(program, name):
    obj = one(["grad", program])
    assert any(name in w for w in obj.get("warnings", [])), obj


# ----------------------------------------------------------------------------- help and version
@pytest.mark.parametrize("command", COMMANDS + ("repl",))
def test_help_on_every_command_shows_examples(command):
    for flag in ("--help", "-h"):
        res = invoke([command, flag], standalone=True)
        assert res.code == 0, res
        assert "Examples:" in res.stdout
        examples = [ln.strip() for ln in res.stdout.split("Examples:")[1].splitlines() if ln.strip()]
        assert any(e.startswith(f"diffcli {command}") or f"| diffcli {command}" in e for e in examples), \
            res.stdout
    if command != "repl":
        assert "'--'" in res.stdout  # the hint for programs that start with '-'


@pytest.mark.parametrize("command", COMMANDS)
def test_help_groups_the_limits_and_shows_only_the_commands_options(command):
    text = invoke([command, "--help"], standalone=True).stdout
    options, limits = text.split("Examples:")[1].split("Options:")[1].split("Limits:")
    assert "--max-elements" in limits and "--timeout" in limits and "--max-" not in options
    assert ("--wrt" in options) == (command != "eval") and ("--detect-anomaly" in options) == (command != "eval")
    assert ("--seed" in options) == (command == "grad") and ("--tol" in options) == (command == "check")
    assert f"diffcli {command} -- " in text.replace("\n", " ")  # the '-' hint names this command
    if command == "graph":
        assert "Graphviz" in options  # --format has a description
    if command == "jacobian":
        assert "one batched reverse pass" in text.replace("\n  ", " ")  # as the README says


def test_top_level_help_lists_commands_and_examples():
    res = invoke(["--help"], standalone=True)
    assert res.code == 0
    for command in COMMANDS + ("repl",):
        assert f"  {command} " in res.stdout
    assert 'diffcli grad "' in res.stdout


def test_version_matches_the_package():
    from diffcli import __version__
    res = invoke(["--version"], standalone=True)
    assert res.stdout.strip() == f"diffcli, version {__version__}"


# ----------------------------------------------------------------------------- other options
@pytest.mark.parametrize("args", [
    ["eval", "1 + 1 + 1", "--max-length", "3"],
    ["eval", "zeros(10)", "--max-elements", "5"],
    ["eval", "ones(3) * ones(3)", "--max-elements", "2"],
    ["eval", "((((1))))", "--max-depth", "2"],
    ["eval", "grad(grad(x^3, x), x) at x = 2", "--max-order", "1"],
    ["grad", "+".join(["x"] * 3000) + " at x = 1", "--max-nodes", "1000"],
])
def test_limit_options_give_limit_errors(args):
    res = invoke(args[:1] + ["--json"] + args[1:])
    (obj,) = res.json_lines()
    assert kind(obj) == "limit", obj
    assert res.code == 1
    flag = next(a for a in args if a.startswith("--max"))
    assert flag in obj["error"]["message"]


def test_limits_are_per_program_and_generous_by_default():
    assert one(["eval", "sum(zeros(1000, 1000))"]) == {"value": 0.0}
    assert one(["eval", "grad(grad(x^3, x), x) at x = 2"]) == {"value": 12.0}
    deep = "(" * 2000 + "x" + ")" * 2000 + " at x = 1"
    assert one(["grad", deep]) == {"value": 1.0, "grad": {"x": 1.0}}


def test_detect_anomaly_points_at_the_operation_that_made_nan():
    program = "x + atan2(x, y) at x = 0, y = 0"  # the backward of atan2 at the origin is 0/0
    plain = one(["grad", program])
    assert plain["grad"] == {"x": "nan", "y": "nan"}
    assert any("--detect-anomaly" in w for w in plain.get("warnings", [])), plain
    obj = one(["grad", program, "--detect-anomaly"])
    err = validate_error(obj)
    assert err["kind"] == "domain" and err["column"] == 5 and "atan2" in err["message"], obj
    assert one(["grad", "x^2 at x = 3", "--detect-anomaly"]) == {"value": 9.0, "grad": {"x": 6.0}}
