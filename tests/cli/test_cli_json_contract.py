"""--json: one strict RFC 8259 object per program per line, with each command's keys.

Every command runs three ways: click's CliRunner in process, the installed console script,
and python -m diffcli; the three must print the same bytes.
"""
from __future__ import annotations

import json
import math

import pytest

from cli_testlib import (COMMANDS, ERROR_KINDS, flat, invoke, parse_json_lines, run_many, shape_of,
                         validate, validate_error)

# (command, program, expected): expected is a dict of exact key -> value checks, or an error kind.
# Extra options per command, so every program of a command can share one batch.
EXTRA = {"eval": ["--max-elements", "8"], "diff": ["--wrt", "x"]}

CASES = {
    "eval": [
        ("x^2 + 1 at x = 3", {"value": 10.0}),
        ("zeros(2, 3)", {"value": [[0.0] * 3] * 2}),
        ("[[1, 2], [3, 4]] @ [1, 1]", {"value": [3.0, 7.0]}),
        ("sum(v) * 2 at v = [1, 2, 3]", {"value": 12.0}),
        ("[1, nan, inf, -inf]", {"value": [1.0, "nan", "inf", "-inf"]}),
        ("log(0)", {"value": "-inf"}),
        ("1/0", {"value": "inf"}),
        ("2^-1", {"value": 0.5}),
        ("-x^2 at x = 3", {"value": -9.0}),
        ("sqrt(-1)", "domain"),
        ("foo + 1", "name"),
        ("1 +* 2", "parse"),
        ("[1, 2] + [1, 2, 3]", "shape"),
        ("sin(1, 2)", "type"),
        ("zeros(10)", None),  # a limit error under --max-elements (see test_limit_errors)
    ],
    "grad": [
        ("x^2*sin(y) at x=1.5, y=-0.5", {"value": 2.25 * math.sin(-0.5),
                                         "grad": {"x": 3.0 * math.sin(-0.5), "y": 2.25 * math.cos(-0.5)}}),
        ("sum(v^2) at v = [1, 2, 3]", {"value": 14.0, "grad": {"v": [2.0, 4.0, 6.0]}}),
        ("x*y at x = 2, y = 3", {"value": 6.0, "grad": {"x": 3.0, "y": 2.0}}),
        ("log(x) at x = 0", {"value": "-inf", "grad": {"x": "inf"}}),
        ("v^2 at v = [1, 2]", "shape"),
        ("x^ at x = 1", "parse"),
        ("log(x) at x = -1", "domain"),
        ("y at x = 1", "name"),
    ],
    "jacobian": [
        ("[x*y, x+y, sin(x)] at x=1, y=2", {"value": [2.0, 3.0, math.sin(1.0)],
                                            "jacobian": {"x": [2.0, 1.0, math.cos(1.0)], "y": [1.0, 1.0, 0.0]}}),
        ("tanh(v) at v = [0, 1]", {"jacobian": {"v": [[1.0, 0.0], [0.0, 1.0 - math.tanh(1.0) ** 2]]}}),
        ("x^2 at x = 3", {"value": 9.0, "jacobian": {"x": 6.0}}),
        ("outer(v, v) at v = [1, 2]", {"jacobian": {"v": [[[2.0, 0.0], [2.0, 1.0]], [[2.0, 1.0], [0.0, 4.0]]]}}),
        ("[x, y] at x = 1", "name"),
    ],
    "hessian": [
        ("x^2*y + y^3 at x=1, y=2", {"value": 10.0, "hessian": {"x": {"x": 4.0, "y": 2.0},
                                                                 "y": {"x": 2.0, "y": 12.0}}}),
        ("sum(v^3) at v = [1, 2]", {"value": 9.0, "hessian": {"v": {"v": [[6.0, 0.0], [0.0, 12.0]]}}}),
        ("exp(x) at x = 0", {"value": 1.0, "hessian": {"x": {"x": 1.0}}}),
        ("v at v = [1, 2]", "shape"),
    ],
    "diff": [
        ("sin(x) at x = 0", {"value": 0.0, "wrt": ["x"], "derivative": 1.0}),
        ("x^3 + y at x = 2, y = 1", {"value": 9.0, "wrt": ["x"], "derivative": 12.0}),
        ("y^2 at y = 3", "name"),  # --wrt x, and x is not bound
        ("v at x = 1, v = [1, 2]", "shape"),
    ],
    "check": [
        ("x^2*sin(y) at x=1.5, y=-0.5", {"ok": True}),
        ("sum(v^2) at v = [1, 2]", {"ok": True}),
        ("sqrt(x) at x = -1", "domain"),
    ],
    "graph": [
        ("x^2*sin(y) at x=1.5, y=-0.5", {}),
        ("exp(x)/x at x = 2", {}),
        ("x +", "parse"),
    ],
}


def _check_expected(obj: dict, expected, command: str) -> None:
    if isinstance(expected, str):
        err = validate_error(obj)
        assert err["kind"] == expected, obj
        return
    validate(obj, command)
    assert "error" not in obj, obj
    for key, want in (expected or {}).items():
        _same(obj[key], want, key)


def _same(got, want, where: str) -> None:
    if isinstance(want, dict):
        assert isinstance(got, dict) and list(got) == list(want), (where, got, want)
        for k in want:
            _same(got[k], want[k], f"{where}.{k}")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), (where, got, want)
        for i, (g, w) in enumerate(zip(got, want)):
            _same(g, w, f"{where}[{i}]")
    elif isinstance(want, str) or isinstance(got, str):
        assert got == want, (where, got, want)
    elif isinstance(want, bool):
        assert got is want, (where, got, want)
    else:
        assert type(got) in (int, float) and math.isclose(got, want, rel_tol=1e-15, abs_tol=1e-15), \
            (where, got, want)


def _args(command: str) -> list[str]:
    return [command, "-", "--json"] + EXTRA.get(command, [])


def _stdin(command: str) -> str:
    return "".join(p + "\n" for p, _ in CASES[command])


# ----------------------------------------------------------------------------- in process
@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_in_process_single_program(command):
    for program, expected in CASES[command]:
        res = invoke([command, "--json"] + EXTRA.get(command, []) + ["--", program])
        assert res.exception is None, (program, res.exception)
        assert res.stderr == "", (program, res.stderr)
        lines = res.json_lines()
        assert len(lines) == 1, (program, res.stdout)
        if expected is None:
            assert validate_error(lines[0])["kind"] == "limit"
            assert res.code == 1
            continue
        _check_expected(lines[0], expected, command)
        assert res.code == (1 if isinstance(expected, str) else 0), (program, res.code)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_in_process_batch(command):
    res = invoke(_args(command), stdin=_stdin(command))
    assert res.exception is None
    lines = res.json_lines()
    assert len(lines) == len(CASES[command])
    for lineno, (obj, (program, expected)) in enumerate(zip(lines, CASES[command]), start=1):
        if expected is None:
            expected = "limit"
        _check_expected(obj, expected, command)
        if "error" in obj:
            assert obj["error"]["line"] == lineno, (program, obj)
    assert res.code == 1  # every command's list has a failing program


# ----------------------------------------------------------------------------- subprocesses
@pytest.fixture(scope="module")
def subprocess_runs():
    """Each command as a batch through the console script and through python -m diffcli, and one
    single program of each command through the console script: all started at once."""
    jobs, keys = [], []
    for command in COMMANDS:
        for entry in ("script", "module"):
            jobs.append((_args(command), _stdin(command), entry))
            keys.append((command, entry, "batch"))
        program = CASES[command][0][0]
        jobs.append(([command, program, "--json"] + EXTRA.get(command, []), None, "script"))
        keys.append((command, "script", "single"))
    return dict(zip(keys, run_many(jobs)))


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("entry", ["script", "module"])
def test_every_command_as_a_subprocess_batch(subprocess_runs, command, entry):
    r = subprocess_runs[(command, entry, "batch")]
    assert r.returncode == 1, r
    assert r.stderr == "", r
    lines = r.json_lines()
    assert len(lines) == len(CASES[command]), r
    for lineno, (obj, (program, expected)) in enumerate(zip(lines, CASES[command]), start=1):
        _check_expected(obj, "limit" if expected is None else expected, command)
        if "error" in obj:
            assert obj["error"]["line"] == lineno
    # the same bytes as the click group in process
    res = invoke(_args(command), stdin=_stdin(command))
    assert r.stdout == res.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_as_a_subprocess_single_program(subprocess_runs, command):
    r = subprocess_runs[(command, "script", "single")]
    assert r.returncode == 0, r
    assert r.stderr == "", r
    lines = r.json_lines()
    assert len(lines) == 1
    _check_expected(lines[0], CASES[command][0][1], command)


# ----------------------------------------------------------------------------- format details
def test_json_is_strict_rfc8259_with_nonfinite_as_strings():
    res = invoke(["eval", "[[1, nan], [inf, -inf]] * x at x = 1", "--json"])
    text = res.stdout
    for token in ("NaN", "Infinity"):
        assert token not in text
    obj = parse_json_lines(text)[0]
    assert obj["value"] == [[1.0, "nan"], ["inf", "-inf"]]
    assert shape_of(obj["value"]) == (2, 2)


def test_json_scalars_are_numbers_and_tensors_nested_lists():
    obj = invoke(["grad", "sum(m) * x at x = 2, m = [[1, 2], [3, 4]]", "--json"]).json_lines()[0]
    assert type(obj["value"]) is float and obj["value"] == 20.0
    assert obj["grad"]["x"] == 10.0
    assert obj["grad"]["m"] == [[2.0, 2.0], [2.0, 2.0]]
    obj = invoke(["eval", "sum(v)", "--json", "--at", "v=[1,2]"]).json_lines()[0]
    assert obj == {"value": 3.0}  # a 0-d result is a number, not a one-element list


def test_json_numbers_round_trip_at_full_precision():
    obj = invoke(["eval", "0.1 + 0.2", "--json"]).json_lines()[0]
    assert obj["value"] == 0.1 + 0.2
    obj = invoke(["eval", "1/3", "--json", "--precision", "3"]).json_lines()[0]
    assert obj["value"] == 1 / 3  # --precision is for text only


def test_json_warnings_is_a_list_only_when_there_are_warnings():
    quiet = invoke(["grad", "abs(x) at x = 1", "--json"]).json_lines()[0]
    assert "warnings" not in quiet
    loud = invoke(["grad", "abs(x) at x = 0", "--json"]).json_lines()[0]
    validate(loud, "grad")
    assert isinstance(loud["warnings"], list) and len(loud["warnings"]) >= 1


def test_json_error_object_shape_for_every_program_error_kind():
    cases = {"parse": "sin(x at x = 1", "name": "zz + 1", "type": "x at x = 1, x = 2",
             "shape": "[1, 2] @ [1, 2, 3]", "domain": "acos(2)", "limit": "ones(100)"}
    for kind, program in cases.items():
        res = invoke(["eval", program, "--json", "--max-elements", "10"])
        (obj,) = res.json_lines()
        err = validate_error(obj)
        assert err["kind"] == kind, obj
        assert res.code == 1
    assert set(cases) <= ERROR_KINDS


def test_json_error_positions_are_one_based():
    (obj,) = invoke(["eval", "1 +* 2", "--json"]).json_lines()
    assert (obj["error"]["line"], obj["error"]["column"]) == (1, 4)
    (obj,) = invoke(["eval", "x + zz at x = 1", "--json"]).json_lines()
    assert (obj["error"]["line"], obj["error"]["column"]) == (1, 5)
    (obj,) = invoke(["eval", "x +\n  zz at x = 1", "--json"]).json_lines()  # a program over two lines
    assert (obj["error"]["line"], obj["error"]["column"]) == (2, 3)


def test_json_check_has_its_extra_keys():
    (obj,) = invoke(["check", "x^3 at x = 1.1", "--json"]).json_lines()
    validate(obj, "check")
    assert obj["ok"] is True and obj["max_abs_error"] < 1e-8 and obj["max_rel_error"] < 1e-8
    assert obj["tolerance"] == 1e-6
    assert set(obj["variables"]) == {"x"}


def test_json_diff_derivatives_only_with_all():
    (plain,) = invoke(["diff", "sin(x) at x = 0", "--order", "4", "--json"]).json_lines()
    validate(plain, "diff")
    assert "derivatives" not in plain
    (full,) = invoke(["diff", "sin(x) at x = 0", "--order", "4", "--all", "--json"]).json_lines()
    validate(full, "diff", all_orders=True)
    assert full["derivatives"] == [1.0, 0.0, -1.0, 0.0]
    assert full["wrt"] == ["x"] * 4 and full["derivative"] == 0.0


def test_json_grad_keys_follow_first_appearance_or_wrt():
    (obj,) = invoke(["grad", "y*x + z at x = 1, y = 2, z = 3", "--json"]).json_lines()
    assert list(obj["grad"]) == ["y", "x", "z"]
    (obj,) = invoke(["grad", "y*x + z at x = 1, y = 2, z = 3", "--json", "--wrt", "z,x"]).json_lines()
    assert list(obj["grad"]) == ["z", "x"] and obj["grad"] == {"z": 1.0, "x": 2.0}


def test_validator_rejects_what_the_contract_forbids():
    with pytest.raises(ValueError):
        parse_json_lines('{"value": NaN}\n')
    with pytest.raises(ValueError):
        parse_json_lines('{"value": Infinity}\n')
    with pytest.raises(AssertionError):
        parse_json_lines('{"value": 1}')  # no final newline
    with pytest.raises(AssertionError):
        parse_json_lines("[1]\n")  # not an object
    with pytest.raises(AssertionError):
        validate({"value": 1.0, "extra": 2}, "eval")
    with pytest.raises(AssertionError):
        validate({"value": 1.0, "grad": {"x": [1.0, [2.0]]}}, "grad")  # ragged
    with pytest.raises(AssertionError):
        validate({"error": {"kind": "oops", "message": "m", "line": 1, "column": 1}}, "eval")
    with pytest.raises(AssertionError):
        validate({"error": {"kind": "parse", "message": "m", "line": 0, "column": 1}}, "eval")
    with pytest.raises(AssertionError):
        validate({"value": 1.0, "wrt": ["x"], "derivative": 1.0, "derivatives": [1.0]}, "diff")
    assert flat([[1, "nan"], ["inf", 2]])[0] == 1.0
    assert json.dumps(validate({"value": 1.0, "warnings": ["w"]}, "eval"))


def test_json_shapes_follow_value_and_variable_shapes():
    (h,) = invoke(["hessian", "x*sum(v^2) at x = 2, v = [1, 3]", "--json"]).json_lines()
    validate(h, "hessian")
    assert h["hessian"] == {"x": {"x": 0.0, "v": [2.0, 6.0]}, "v": {"x": [2.0, 6.0], "v": [[4.0, 0.0], [0.0, 4.0]]}}
    (j,) = invoke(["jacobian", "outer(v, w) at v = [1, 2], w = [3, 4, 5]", "--json"]).json_lines()
    validate(j, "jacobian")
    assert shape_of(j["value"]) == (2, 3)
    assert shape_of(j["jacobian"]["v"]) == (2, 3, 2) and shape_of(j["jacobian"]["w"]) == (2, 3, 3)
    assert j["jacobian"]["v"][1][2] == [0.0, 5.0]  # d(v_1 w_2)/dv = [0, w_2]
    (g,) = invoke(["grad", "sum(m @ v) at m = [[1, 2], [3, 4]], v = [1, -1]", "--json"]).json_lines()
    assert g["grad"] == {"m": [[1.0, -1.0], [1.0, -1.0]], "v": [4.0, 6.0]}
