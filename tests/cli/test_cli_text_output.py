"""Text output for people: aligned `label  value` rows, errors on stderr with the source line
and a caret under the column, and colour only on a terminal without NO_COLOR."""
from __future__ import annotations

import os
import pty
import select
import subprocess
import time

import pytest

from cli_testlib import ENTRYPOINTS, clean_env, invoke, run

ESC = "\x1b"


def value_column(lines: list[str]) -> int:
    """Where values start: two spaces after the widest label (read off the 'value' row)."""
    first = lines[0]
    label = first.split("  ")[0]
    col = len(first) - len(first[len(label):].lstrip(" "))
    return col


def assert_aligned(text: str) -> None:
    lines = [ln for ln in text.splitlines() if not ln.startswith("warning:")]
    col = value_column(lines)
    for ln in lines:
        label = ln[:col].rstrip()
        assert ln[col - 2:col] == "  ", (ln, col, text)
        if label:  # a row: its value starts exactly at the value column
            assert len(ln) > col and ln[col] != " ", (ln, col, text)
            assert "  " not in label, (ln, text)
        else:  # a continuation row of a matrix: indented past the column, like numpy's
            assert ln[col:col + 1] == " " and ln[col:].lstrip().startswith("["), (ln, col, text)


# ----------------------------------------------------------------------------- alignment
@pytest.mark.parametrize("args, labels", [
    (["eval", "x^2 + 1 at x = 3"], ["value"]),
    (["grad", "alpha^2*sin(b) at alpha=1.5, b=-0.5"], ["value", "∂/∂alpha", "∂/∂b"]),
    (["grad", "x*y at x=1, y=2"], ["value", "∂/∂x", "∂/∂y"]),
    (["jacobian", "[a*w[0], w[1]] at w = [1, 2], a = 3"], ["value", "J ∂/∂a", "J ∂/∂w"]),
    (["hessian", "x^2*y + y^3 at x=1, y=2"], ["value", "∂²/∂x²", "∂²/∂x∂y", "∂²/∂y∂x", "∂²/∂y²"]),
    (["hessian", "sum(v^3) at v = [1, 2]"], ["value", "∂²/∂v²"]),
    (["diff", "exp(sin(x)) at x=0.7", "--order", "10"], ["value", "∂¹⁰/∂x¹⁰"]),
    (["diff", "sin(x) at x = 0", "--order", "3", "--all"], ["value", "∂/∂x", "∂²/∂x²", "∂³/∂x³"]),
    (["diff", "x^2*y^3 at x=1, y=2", "--wrt", "x,y,y"], ["value", "∂³/∂x∂y∂y"]),
    (["check", "x^2 at x = 1"], ["ok", "max abs error", "max rel error", "∂/∂x reverse", "∂/∂x numeric"]),
])
def test_labels_and_values_are_aligned(args, labels):
    res = invoke(args)
    assert res.code == 0 and res.stderr == "", res
    assert_aligned(res.stdout)
    col = value_column(res.stdout.splitlines())
    got = [ln[:col].rstrip() for ln in res.stdout.splitlines() if ln[:col].strip()]
    assert got == labels
    assert col == max(len(lb) for lb in labels) + 2


def test_matrix_rows_align_under_the_first_row():
    res = invoke(["jacobian", "tanh(v) at v = [0, 1]"])
    lines = res.stdout.splitlines()
    assert lines[0] == "value   [0.0, 0.7615941559557649]"
    assert lines[1].startswith("J ∂/∂v  [[") and lines[2].startswith("         [")
    # the columns of the matrix line up: each ',' of row 2 sits under row 1's, and so do the ']'
    row1, row2 = lines[1], lines[2]
    assert [i for i, ch in enumerate(row1) if ch == ","][:-1] == [i for i, ch in enumerate(row2) if ch == ","]
    assert row1.index("]") == row2.index("]")
    res = invoke(["eval", "[[1, -2.5], [100, 3]]"])
    assert res.stdout.splitlines() == ["value  [[  1.0,  -2.5],", "        [100.0,   3.0]]"]


def test_precision_sets_significant_digits_in_text():
    res = invoke(["grad", "x^2*sin(y) at x=1.5, y=-0.5", "--precision", "3"])
    assert res.stdout.splitlines() == ["value  -1.08", "∂/∂x   -1.44", "∂/∂y   1.97"]
    assert invoke(["eval", "1/3", "--precision", "5"]).stdout == "value  0.33333\n"
    assert invoke(["eval", "1/3"]).stdout == "value  0.3333333333333333\n"  # shortest round-trip


def test_nonfinite_in_text():
    res = invoke(["eval", "[1, nan, inf, -inf]"])
    assert res.stdout.splitlines()[0] == "value  [1.0, nan, inf, -inf]"
    assert res.code == 0


def test_warnings_follow_the_rows():
    res = invoke(["grad", "abs(x) at x = 0"])
    lines = res.stdout.splitlines()
    assert lines[:2] == ["value  0.0", "∂/∂x   0.0"]
    assert lines[2].startswith("warning: ") and "abs" in lines[2]


# ----------------------------------------------------------------------------- errors
ERRORS = [
    ("x^2 +* 1 at x = 2", "parse", 6),
    ("sin(x at x = 1", "parse", 7),
    ("x + zz at x = 1", "name", 5),
    ("x at x = 1, x = 2", "type", 13),
    ("pi at pi = 3", "type", 7),
    ("2 * ([1, 2] + [1, 2, 3])", "shape", 6),
    ("1 + log(x) at x = -1", "domain", 5),
    ("sin(1, 2)", "type", 1),
]


@pytest.mark.parametrize("program, kind, column", ERRORS)
def test_error_text_message_source_and_caret(program, kind, column):
    res = invoke(["eval", program])
    assert res.code == 1
    assert res.stdout == ""
    lines = res.stderr.splitlines()
    assert lines[0].startswith(f"error: {kind}: "), lines
    assert lines[0].endswith(f"(line 1, column {column})"), lines
    assert lines[1] == "  " + program
    assert lines[2] == "  " + " " * (column - 1) + "^"
    assert all(ln.startswith("  hint: ") for ln in lines[3:]), lines
    # the same position in JSON
    (obj,) = invoke(["eval", program, "--json"]).json_lines()
    assert (obj["error"]["kind"], obj["error"]["line"], obj["error"]["column"]) == (kind, 1, column)


def test_error_caret_with_tabs_and_on_a_very_long_line():
    res = invoke(["eval", "x\t+\tzz at x = 1"])
    lines = res.stderr.splitlines()
    assert lines[1] == "  x + zz at x = 1" and lines[2] == "      ^"
    program = "1+" * 80 + "zz"
    lines = invoke(["eval", program]).stderr.splitlines()
    assert "(line 1, column 161)" in lines[0]
    caret = lines[2].index("^")
    assert lines[1][caret:caret + 2] == "zz", lines  # the caret stays under the error in the shown window
    assert len(lines[1]) < 120


def test_error_in_a_program_over_several_lines_shows_that_line():
    lines = invoke(["eval", "x +\n  zz at x = 1"]).stderr.splitlines()
    assert lines[0].endswith("(line 2, column 3)")
    assert lines[1] == "    zz at x = 1" and lines[2] == "    ^"


def test_errors_without_a_position_have_no_caret():
    res = invoke(["grad", "x^2 at x = 1", "--wrt", "x,z"])
    assert res.code == 1 and res.stdout == ""
    lines = res.stderr.splitlines()
    assert lines[0].startswith("error: name: ") and "'z'" in lines[0]
    assert not any(ln.strip() == "^" for ln in lines)


# ----------------------------------------------------------------------------- colour
def _run_in_pty(args: list[str], env: dict) -> tuple[int, bytes]:
    master, slave = pty.openpty()
    p = subprocess.Popen(ENTRYPOINTS["script"] + args, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave,
                         env=env)
    os.close(slave)
    out = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            out += chunk
        elif p.poll() is not None:
            break
    p.wait(timeout=30)
    os.close(master)
    return p.returncode, out


@pytest.fixture(scope="module")
def tty_runs():
    args_ok, args_err = ["grad", "abs(x) at x = 0"], ["eval", "x + zz at x = 1"]
    out = {}
    for name, env in (("tty", clean_env(TERM="xterm")), ("no_color", clean_env(TERM="xterm", NO_COLOR="1")),
                      ("dumb", clean_env(TERM="dumb"))):
        out[name] = (_run_in_pty(args_ok, env), _run_in_pty(args_err, env))
    return out


def test_terminal_gets_colour(tty_runs):
    (rc, ok), (rc2, err) = tty_runs["tty"]
    assert rc == 0 and rc2 == 1
    assert ESC.encode() in ok and ESC.encode() in err  # the check below is not vacuous


@pytest.mark.parametrize("which", ["no_color", "dumb"])
def test_no_color_or_dumb_terminal_gets_no_escape_codes(tty_runs, which):
    (rc, ok), (rc2, err) = tty_runs[which]
    assert rc == 0 and rc2 == 1
    assert ESC.encode() not in ok and ESC.encode() not in err
    assert ok.decode().replace("\r\n", "\n").startswith("value  0.0\n∂/∂x   0.0\nwarning: ")


def test_pipes_get_no_escape_codes():
    r_ok = run(["grad", "abs(x) at x = 0"], env=clean_env(TERM="xterm"))
    r_err = run(["eval", "x + zz at x = 1"], env=clean_env(TERM="xterm"))
    r_batch = run(["grad", "-"], "x at x = 1\nzz\n", env=clean_env(TERM="xterm"))
    for r in (r_ok, r_err, r_batch):
        assert ESC not in r.stdout and ESC not in r.stderr, r
    assert r_batch.stdout.startswith("[1] x at x = 1\n")


def test_cli_runner_output_has_no_escape_codes():
    res = invoke(["grad", "-"], stdin="abs(x) at x = 0\nzz\n")
    assert ESC not in res.stdout and ESC not in res.stderr


def test_nul_byte_error_in_text_mode_shows_the_line_and_a_caret():
    res = invoke(["eval", "-"], stdin=b"x\x00 + 1 at x = 1\n")
    lines = res.stderr.splitlines()
    assert lines[0].startswith("line 1: error: parse:") and "column 2" in lines[0]
    assert len(lines) >= 3 and lines[2] == "   ^", lines


# ----------------------------------------------------------------------------- one display policy
def test_long_vectors_wrap_instead_of_one_20_kb_line():
    res = invoke(["eval", "linspace(0, 1, 1000)"])
    lines = res.stdout.splitlines()
    assert len(lines) > 100 and max(map(len, lines)) <= 7 + 76 + 1, max(map(len, lines))
    assert res.stdout.count(", ") + res.stdout.count(",\n") == 999  # every element, none elided


def test_very_large_tensors_are_summarised_in_the_same_digits():
    text = invoke(["eval", "linspace(0, 1, 2001)"]).stdout
    assert "..." in text and "0.0005, 0.001, ..., 0.999, 0.9995, 1.0" in " ".join(text.split())
    assert "e-04" not in text  # not numpy's 8-digit scientific summary
    text = invoke(["eval", "linspace(0, 1, 2001)", "--precision", "3"]).stdout
    assert "[0, 0.0005, 0.001, ..., 0.999, 1, 1]" in " ".join(text.split())


def test_negative_zero_is_shown_as_zero():
    text = invoke(["grad", "sum(-x*0)", "--at", "x=[1, 2]"]).stdout
    assert "-0.0" not in text and "[0.0, 0.0]" in text


def test_a_jacobian_over_scalar_variables_is_one_matrix():
    lines = invoke(["jacobian", "[x*y, x+y]", "--at", "x=1", "--at", "y=2"]).stdout.splitlines()
    assert lines[1].startswith("J [∂/∂x, ∂/∂y]  [[2.0, 1.0],") and lines[2].strip() == "[1.0, 1.0]]", lines
