"""Bad option values and command lines: a `usage` error and exit code 2, never a traceback
and never a run. In text mode: the usage line and 'error: usage: ...' on stderr, nothing on
stdout; with --json: one JSON error object of kind usage on stdout.
"""
from __future__ import annotations

import pytest

from abuse_testlib import assert_clean, assert_error_doc, invoke, json_error, json_value

BAD = [
    ["eval", "1", "--precision", "0"],
    ["eval", "1", "--precision", "18"],
    ["eval", "1", "--precision", "-1"],
    ["eval", "1", "--precision", "1.5"],
    ["eval", "1", "--precision", "abc"],
    ["eval", "1", "--precision", "99999999999999999999999"],
    ["eval", "1", "--precision", ""],
    ["diff", "x^2 at x = 1", "--order", "0"],
    ["diff", "x^2 at x = 1", "--order", "-1"],
    ["diff", "x^2 at x = 1", "--order", "1.5"],
    ["diff", "x^2 at x = 1", "--order", "two"],
    ["diff", "x*y at x = 1, y = 1", "--order", "2", "--wrt", "x,y"],
    ["eval", "x", "--at", "x"],
    ["eval", "x", "--at", "x="],
    ["eval", "x", "--at", "=1"],
    ["eval", "x", "--at", "1x=1"],
    ["eval", "x", "--at", "x.y=1"],
    ["eval", "x", "--at", "\uff58=1"],
    ["grad", "x^2 at x = 1", "--wrt", "1x"],
    ["grad", "x^2 at x = 1", "--wrt", ""],
    ["grad", "x^2 at x = 1", "--wrt", "x,"],
    ["grad", "x^2 at x = 1", "--wrt", ",x"],
    ["grad", "x^2 at x = 1", "--wrt", "x;y"],
    ["eval", "1", "--timeout", "-1"],
    ["eval", "1", "--timeout", "0"],
    ["eval", "1", "--timeout", "abc"],
    ["eval", "1", "--timeout", "-inf"],
    ["eval", "1", "--max-elements", "0"],
    ["eval", "1", "--max-elements", "-5"],
    ["eval", "1", "--max-elements", "1e9"],
    ["eval", "1", "--max-length", "0"],
    ["eval", "1", "--max-depth", "-5"],
    ["eval", "1", "--max-nodes", "0"],
    ["eval", "1", "--max-order", "0"],
    ["check", "x at x = 1", "--tol", "0"],
    ["check", "x at x = 1", "--tol", "-1"],
    ["graph", "x at x = 1", "--format", "svg"],
    ["graph", "x at x = 1", "--format", ""],
    ["eval", "1", "--bogus"],
    ["eval", "1", "-z"],
    ["eval", "1", "--order", "2"],           # an option of another command
    ["eval", "1", "--seed", "1"],
    ["bogus", "1"],
    ["eval"],
    ["eval", "1", "2"],
    ["eval", "-x^2 at x = 1"],               # a program starting with '-' needs '--'
    ["eval", "1", "--at"],
    ["eval", "1", "--precision"],
]


def _id(args: list[str]) -> str:
    return " ".join(args[:1] + args[2:])[:40] or "empty"


@pytest.mark.parametrize("args", BAD, ids=[_id(a) for a in BAD])
def test_bad_command_line_text(args: list[str]) -> None:
    r = invoke(args)
    assert_clean(r, codes=(2,))
    assert r.out == "", r
    lines = [ln for ln in r.err.splitlines() if ln.strip()]
    assert any(ln.startswith("error: usage: ") and len(ln) > len("error: usage: ") for ln in lines), r


@pytest.mark.parametrize("args", BAD, ids=[_id(a) for a in BAD])
def test_bad_command_line_json(args: list[str]) -> None:
    r = invoke(args + ["--json"] if args != ["eval", "1", "--at"] and args != ["eval", "1", "--precision"]
               else args[:2] + ["--json"] + args[2:])
    assert_clean(r, codes=(2,))
    body = assert_error_doc(r.only_json(), "usage")
    assert body["line"] is None and body["column"] is None, body


@pytest.mark.parametrize("args", [["eval", "1", "--timeout", "nan"], ["check", "x at x = 1", "--tol", "nan"]])
def test_nan_is_not_a_valid_bound(args: list[str]) -> None:
    r = invoke(args + ["--json"])
    assert_clean(r, codes=(2,))
    assert_error_doc(r.only_json(), "usage")


@pytest.mark.parametrize("args,expect", [
    (["eval", "1+1", "--max-elements", "99999999999999999999999"], {"value": 2.0}),
    (["eval", "1+1", "--timeout", "1e309"], {"value": 2.0}),
    (["eval", "1+1", "--timeout", "1e-300"], None),   # an answer or a limit error, in no time
    (["eval", "1+1", "--max-order", "99999999999999999999"], {"value": 2.0}),  # (--precision: text only)
    (["eval", "-", "--json"], None),                   # empty stdin: no output at all
])
def test_extreme_but_valid_option_values(args: list[str], expect: dict | None) -> None:
    r = invoke(args + (["--json"] if "--json" not in args else []), stdin=b"")
    assert_clean(r, codes=(0, 1))
    if expect is not None:
        assert json_value(r) == expect
    elif r.code == 1:
        json_error(r, "limit")


def test_repeated_options_last_one_wins_or_usage() -> None:
    r = invoke(["eval", "1", "--precision", "3", "--precision", "0"])
    assert_clean(r, codes=(2,))


def test_option_values_are_never_evaluated() -> None:
    """--precision and friends are numbers only: an expression there is a usage error."""
    for value in ("1+1", "2*3", "(4)", "__import__('os')", "$(echo 3)"):
        r = invoke(["eval", "pi", "--precision", value, "--json"])
        assert_clean(r, codes=(2,))
        assert_error_doc(r.only_json(), "usage")


@pytest.mark.parametrize("program, at, seed, grad", [
    ("x^2", "x=[1, 2]", "5", [10.0, 20.0]),       # a scalar seed is broadcast to the value's shape
    ("x^2", "x=3", "5", 30.0),
    ("x^2", "x=[1, 2]", "[1, -1]", [2.0, -4.0]),
])
def test_a_scalar_seed_broadcasts(program: str, at: str, seed: str, grad) -> None:
    doc = json_value(invoke(["grad", program, "--at", at, "--seed", seed, "--json"]))
    assert doc["grad"]["x"] == grad, doc


@pytest.mark.parametrize("at, seed", [("x=3", "[[5]]"), ("x=3", "[5]"), ("x=[1, 2]", "[1, 2, 3]"),
                                      ("x=[1, 2]", "[[1, 2]]")])
def test_a_seed_of_another_shape_is_an_error(at: str, seed: str) -> None:
    body = json_error(invoke(["grad", "x^2", "--at", at, "--seed", seed, "--json"]), "shape")
    assert "--seed has shape" in body["message"], body


@pytest.mark.parametrize("args, fragment", [
    (["graph", "x*x at x = 3", "--format", "dot", "--json"], "two output formats"),
    (["eval", "x at x = 1", "--wrt", "x"], "No such option '--wrt'"),   # eval differentiates nothing
    (["eval", "1", "--detect-anomaly"], "No such option"),
    (["grad", "x at x = 1", "--precision", "abc"], "'abc' is not a valid integer."),  # not "integer range"
    (["grad", "x at x = 1", "--timeout", "abc"], "'abc' is not a valid number."),
])
def test_inapplicable_options_are_refused(args: list[str], fragment: str) -> None:
    r = invoke(args)
    assert_clean(r, codes=(2,))
    assert fragment in (r.out if "--json" in args else r.err), r


def test_precision_with_json_is_warned_about() -> None:
    r = invoke(["eval", "1/3", "--precision", "3", "--json"])
    assert_clean(r, codes=(0,))
    assert "warning: --precision applies to text output" in r.err and json_value(r)["value"] == 1 / 3, r


def test_a_file_name_as_program_points_at_standard_input(tmp_path) -> None:
    r = invoke(["grad", "exprs.txt"])
    assert_clean(r, codes=(1,))
    assert "hint: to read one program per line from a file: diffcli grad - < exprs.txt" in r.err, r
    r = invoke(["grad", "x.grad"])  # a name with a dot is not taken for a file
    assert "- <" not in r.err, r


def test_a_program_without_a_command_points_at_eval() -> None:
    r = invoke(["x^2 at x=3"])
    assert_clean(r, codes=(2,))
    assert "hint: a program needs a command first, as in diffcli eval 'x^2 at x=3'" in r.err, r
    r = invoke(["x^2 at x=3", "--json"])
    assert_clean(r, codes=(2,))
    assert "diffcli eval" in r.only_json()["error"]["hint"], r
