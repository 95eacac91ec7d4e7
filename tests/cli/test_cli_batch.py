"""PROGRAM '-': one program per line of standard input, each answered in order."""
from __future__ import annotations

import json
import math
import random
import subprocess

import pytest

from cli_testlib import DIFFCLI, clean_env, invoke, run, run_many, validate, validate_error

# ----------------------------------------------------------------------------- 1,000 lines
GOOD = [  # template, value(a, x), d/dx(a, x), by Python's math
    ("sin(x)*{a} at x = {x}", lambda a, x: a * math.sin(x), lambda a, x: a * math.cos(x)),
    ("exp(x/{a}) at x = {x}", lambda a, x: math.exp(x / a), lambda a, x: math.exp(x / a) / a),
    ("x^3 - {a}*x at x = {x}", lambda a, x: x ** 3 - a * x, lambda a, x: 3 * x * x - a),
    ("log(x^2 + {a}) at x = {x}", lambda a, x: math.log(x * x + a), lambda a, x: 2 * x / (x * x + a)),
    ("sqrt(x^2 + {a}) at x = {x}", lambda a, x: math.sqrt(x * x + a), lambda a, x: x / math.sqrt(x * x + a)),
    ("atan(x) + {a} at x = {x}", lambda a, x: math.atan(x) + a, lambda a, x: 1 / (1 + x * x)),
    ("{a}/x at x = {x}", lambda a, x: a / x, lambda a, x: -a / (x * x)),
    ("tanh({a}*x) at x = {x}", lambda a, x: math.tanh(a * x), lambda a, x: a * (1 - math.tanh(a * x) ** 2)),
]
BAD = [  # template, kind, column
    ("sin(x at x = {x}", "parse", 7),
    ("sin(q) * x at x = {x}", "name", 5),
    ("sum([x, 1] + [1, 2, 3]) at x = {x}", "shape", 5),
    ("log(x - {b}) at x = {x}", "domain", 1),
]


def _generated(n: int = 1000, seed: int = 1000):
    rng = random.Random(seed)
    lines, expect = [], []
    for i in range(n):
        x = round(rng.uniform(0.5, 3.0), 4)
        if i % 10 == 9:
            template, kind, col = BAD[(i // 10) % len(BAD)]
            lines.append(template.format(x=x, b=x + 1))
            expect.append(("error", kind, col))
        else:
            template, f, df = GOOD[rng.randrange(len(GOOD))]
            a = rng.choice([0.5, 1.5, 2.0, 3.0])
            lines.append(template.format(a=a, x=x))
            expect.append(("ok", f(a, x), df(a, x)))
    return lines, expect


def test_thousand_line_batch_every_tenth_bad():
    lines, expect = _generated()
    r = run(["grad", "-", "--json"], "\n".join(lines) + "\n")
    assert r.returncode == 1, r
    assert r.stderr == "", r
    out = r.json_lines()
    assert len(out) == 1000
    answered = errors = 0
    kinds = set()
    for lineno, (obj, exp) in enumerate(zip(out, expect), start=1):
        validate(obj, "grad")
        if exp[0] == "ok":
            assert "error" not in obj, (lineno, lines[lineno - 1], obj)
            assert math.isclose(obj["value"], exp[1], rel_tol=1e-13, abs_tol=1e-15), (lineno, obj, exp)
            assert list(obj["grad"]) == ["x"]
            assert math.isclose(obj["grad"]["x"], exp[2], rel_tol=1e-13, abs_tol=1e-15), (lineno, obj, exp)
            answered += 1
        else:
            err = validate_error(obj)
            assert (err["kind"], err["line"], err["column"]) == (exp[1], lineno, exp[2]), (lines[lineno - 1], obj)
            assert lineno % 10 == 0
            kinds.add(err["kind"])
            errors += 1
    assert (answered, errors) == (900, 100)
    assert kinds == {"parse", "name", "shape", "domain"}


def test_thousand_line_batch_in_process_matches_the_subprocess_shape():
    lines, expect = _generated(200, seed=7)
    res = invoke(["eval", "-", "--json"], stdin="\n".join(lines) + "\n")
    out = res.json_lines()
    assert res.code == 1 and len(out) == 200
    for lineno, (obj, exp) in enumerate(zip(out, expect), start=1):
        if exp[0] == "ok":
            assert set(obj) == {"value"} and math.isclose(obj["value"], exp[1], rel_tol=1e-13, abs_tol=1e-15)
        else:
            assert obj["error"]["line"] == lineno and obj["error"]["kind"] == exp[1]


# ----------------------------------------------------------------------------- line handling
def test_blank_whitespace_and_comment_lines_are_skipped_but_counted():
    stdin = "\n".join(["x at x = 1", "", "   ", "\t \t", "# a comment", "#", "nope", "x + 1 at x = 1"]) + "\n"
    res = invoke(["eval", "-", "--json"], stdin=stdin)
    out = res.json_lines()
    assert len(out) == 3
    assert out[0] == {"value": 1.0}
    assert out[1]["error"]["kind"] == "name" and out[1]["error"]["line"] == 7
    assert out[2] == {"value": 2.0}
    assert res.code == 1


def test_crlf_line_endings_are_accepted():
    stdin = b"x^2 at x = 3\r\n\r\n# comment\r\nsin(x) at x = 0\r\nnope(2)\r\n"
    out = invoke(["grad", "-", "--json"], stdin=stdin).json_lines()
    assert out[0] == {"value": 9.0, "grad": {"x": 6.0}}
    assert out[1] == {"value": 0.0, "grad": {"x": 1.0}}
    assert out[2]["error"]["line"] == 5 and out[2]["error"]["column"] == 1


def test_last_line_without_newline_and_empty_input():
    assert invoke(["eval", "-", "--json"], stdin="1\n2").json_lines() == [{"value": 1.0}, {"value": 2.0}]
    res = invoke(["eval", "-", "--json"], stdin="")
    assert res.stdout == "" and res.code == 0
    res = invoke(["eval", "-", "--json"], stdin="\n\n# nothing\n")
    assert res.stdout == "" and res.code == 0


def test_invalid_utf8_and_nul_byte_fail_only_their_own_line():
    stdin = b"1 + 1\n\xff\xfe x\n2 + 2\nx\x00 + 1 at x = 1\ncaf\xc3\xa9 at caf\xc3\xa9 = 1\n3 + 3\n"
    res = invoke(["eval", "-", "--json"], stdin=stdin)
    out = res.json_lines()
    assert len(out) == 6
    assert out[0] == {"value": 2.0} and out[2] == {"value": 4.0} and out[5] == {"value": 6.0}
    for lineno in (2, 4, 5):  # line 5 is valid UTF-8 but not an ASCII name: a parse error
        err = validate_error(out[lineno - 1])
        assert err["line"] == lineno, out[lineno - 1]
    assert out[3]["error"]["column"] == 2  # the NUL is the second character
    assert res.code == 1


def test_invalid_utf8_and_nul_messages_do_not_claim_a_program_line():
    out = invoke(["eval", "-", "--json"], stdin=b"1\n\xff\n\x00\n").json_lines()
    for obj in out[1:]:
        assert "of the program" not in obj["error"]["message"], obj


def test_columns_count_from_the_start_of_the_stdin_line():
    out = invoke(["eval", "-", "--json"], stdin="   zz\n\tzz\r\n").json_lines()
    assert [(o["error"]["line"], o["error"]["column"]) for o in out] == [(1, 4), (2, 2)]


def test_every_line_answered_in_order_as_if_alone():
    programs = [f"x^{k} at x = 2" for k in range(1, 30)]
    out = invoke(["grad", "-", "--json"], stdin="\n".join(programs) + "\n").json_lines()
    assert [o["value"] for o in out] == [2.0 ** k for k in range(1, 30)]
    assert [o["grad"]["x"] for o in out] == [k * 2.0 ** (k - 1) for k in range(1, 30)]


def test_at_bindings_apply_to_every_batch_program_and_own_at_wins():
    stdin = "x*y\nx*y at x = 10\nx + y at y = -1, x = 0\nz at z = 4\n"
    out = invoke(["grad", "-", "--json", "--at", "x=2", "--at", "y=3"], stdin=stdin).json_lines()
    assert out[0] == {"value": 6.0, "grad": {"x": 3.0, "y": 2.0}}
    assert out[1] == {"value": 30.0, "grad": {"x": 3.0, "y": 10.0}}
    assert out[2]["value"] == -1.0 and out[2]["grad"] == {"x": 1.0, "y": 1.0}
    assert out[3] == {"value": 4.0, "grad": {"z": 1.0}}  # unused --at names are not variables of it


def test_batch_definitions_do_not_leak_between_lines():
    out = invoke(["eval", "-", "--json"], stdin="f(t) = t^2; f(3)\nf(3)\n").json_lines()
    assert out[0] == {"value": 9.0}
    assert out[1]["error"]["kind"] == "name" and out[1]["error"]["line"] == 2


# ----------------------------------------------------------------------------- text mode
def test_text_batch_headers_and_errors_on_stderr_with_stdin_line_numbers():
    res = invoke(["grad", "-"], stdin="x^2 at x = 3\n\nx + nope at x = 1\nsin(x) at x = 0\n")
    assert res.code == 1
    assert res.stdout.splitlines() == ["[1] x^2 at x = 3", "value  9.0", "∂/∂x   6.0",
                                       "[4] sin(x) at x = 0", "value  0.0", "∂/∂x   1.0"]
    err = res.stderr.splitlines()
    assert err[0].startswith("line 3: error: name:"), err
    assert "(line 3, column 5)" in err[0]
    assert err[1] == "  x + nope at x = 1"
    assert err[2] == "      ^"


# ----------------------------------------------------------------------------- pipes
def test_piping_into_head_ends_without_a_traceback():
    program = "".join(f"x^2 at x = {i}\n" for i in range(20000))
    for args in (["eval", "-", "--json"], ["grad", "-"]):
        cmd = f"'{DIFFCLI}' {' '.join(args)} | head -1"
        p = subprocess.run(["bash", "-c", cmd], input=program.encode(), capture_output=True,
                           env=clean_env(), timeout=120)
        assert p.returncode == 0, p  # the pipeline's status is head's
        lines = p.stdout.decode().splitlines()
        assert len(lines) == 1 and lines[0].startswith(("{\"line\": 1, \"value\": 0.0", "[1] x^2 at x = 0")), lines
        assert p.stderr == b"", p.stderr.decode()


def _pipefail_into_head() -> subprocess.CompletedProcess:
    program = "".join(f"x^2 at x = {i}\n" for i in range(20000))  # far more than a pipe buffer
    cmd = f"set -o pipefail; '{DIFFCLI}' eval - --json | head -c 10"
    return subprocess.run(["bash", "-c", cmd], input=program.encode(), capture_output=True, env=clean_env(),
                          timeout=120)


def test_piping_into_head_is_quiet_and_never_a_crash():
    p = _pipefail_into_head()
    assert p.stderr == b""
    assert p.returncode in (0, 1, 141), p.returncode  # pipefail: diffcli's own status


def test_piping_into_head_exits_0():
    assert _pipefail_into_head().returncode == 0


def test_batch_through_both_entrypoints_is_identical():
    stdin = "x^2 at x = 3\nnope\n[1, nan]\n"
    a, b = run_many([(["eval", "-", "--json"], stdin, "script"), (["eval", "-", "--json"], stdin, "module")])
    assert a.stdout == b.stdout and a.returncode == b.returncode == 1
    assert len(a.json_lines()) == 3


def test_every_batch_answer_carries_its_line_of_standard_input():
    """Blank and comment lines get no answer, so each answer says which line it is for."""
    text = "x^2 at x = 1\n\n# a comment\n1 +\n   \nexp(x) at x = 0\nlog(x) at x = 0\n"
    res = invoke(["grad", "-", "--json"], stdin=text)
    raw = [json.loads(ln) for ln in res.stdout.splitlines()]
    assert [o["line"] for o in raw] == [1, 4, 6, 7]
    assert list(raw[0]) == ["line", "value", "grad"] and raw[1]["error"]["line"] == 4
    assert "warnings" in raw[3]  # the general encoder's answers carry it too
    one = invoke(["grad", "x^2 at x = 1", "--json"]).stdout
    assert '"line"' not in one  # a one-shot answer has no input line
