"""Exit codes through the real console script (main() maps them) and through the click group
in process: 0 all answered, 1 a program failed or check disagreed, 2 usage, 130 interrupted;
never a Python traceback."""
from __future__ import annotations

import json
import signal
import subprocess
import time

import pytest

from diffcli import __version__

from cli_testlib import (COMMANDS, ENTRYPOINTS, call_main, clean_env, default_sigint, invoke, run_many,
                         validate_error)

OK_PROGRAM = {"eval": "x + 1 at x = 1", "grad": "x^2 at x = 1", "jacobian": "[x, x^2] at x = 2",
              "hessian": "x^3 at x = 1", "diff": "x^3 at x = 1", "check": "x^2 at x = 1",
              "graph": "x^2 at x = 1"}
BAD_PROGRAM = "x + nope at x = 1"

USAGE_ARGS = [
    ["nosuchcommand", "1"],
    ["eval"],                                       # PROGRAM missing
    ["eval", "1", "--bogus"],
    ["eval", "1", "extra-argument"],
    ["eval", "x", "--at", "x"],                     # not NAME=VALUE
    ["eval", "x", "--at", "1x=2"],
    ["grad", "x at x=1", "--wrt", "x,,y"],
    ["eval", "1", "--precision", "0"],
    ["eval", "1", "--precision", "18"],
    ["eval", "1", "--timeout", "0"],
    ["eval", "1", "--max-elements", "0"],
    ["check", "x at x=1", "--tol", "0"],
    ["graph", "x at x=1", "--format", "svg"],
    ["diff", "x^2 at x=1", "--order", "0"],
    ["diff", "x^2 at x=1", "--order", "-1"],
    ["diff", "x^2 at x=1", "--order", "two"],
    ["diff", "x*y at x=1, y=2", "--wrt", "x,y", "--order", "2"],
    ["eval", "1", "--seed", "1"],                   # --seed belongs to grad
    ["eval", "-x^2 at x=2"],                        # a program starting with '-' needs '--'
]
# the ones also run as real processes (all of them run through main() in process)
USAGE_SUBPROCESS = [USAGE_ARGS[i] for i in (0, 1, 4, 11, 13, 18)]


def no_traceback(text: str) -> bool:
    return "Traceback (most recent call last)" not in text and 'File "' not in text


# A gradient off by one part in 10^9: within check's default tolerance, above 1e-15 (the numeric
# estimate itself is good to about 1e-16 here).
NEARLY = "f(t) = t^3 with grad(g) = g*3*t^2*(1 + 1e-9); f(x) at x = 1.1"


# ----------------------------------------------------------------------------- real processes
@pytest.fixture(scope="module")
def runs():
    jobs = []
    for c in COMMANDS:
        jobs.append(([c, OK_PROGRAM[c]], None, "script"))
        jobs.append(([c, BAD_PROGRAM], None, "script"))
    for args in USAGE_SUBPROCESS:
        jobs.append((args, None, "script"))
        jobs.append((args + ["--json"], None, "module"))
    jobs.append((["grad", "-", "--json"], "x^2 at x = 1\nnope(1)\nx at x = 2\n", "script"))
    jobs.append((["grad", "-", "--json"], "x^2 at x = 1\n\n# only good lines\nx at x = 2\n", "module"))
    jobs.append((["check", NEARLY, "--tol", "1e-15"], None, "script"))
    jobs.append((["check", "-", "--json", "--tol", "1e-15"], "x at x = 0\n" + NEARLY + "\n", "module"))
    jobs.append((["--version"], None, "script"))
    jobs.append((["eval", "--", "-x^2 at x=2", ], None, "module"))
    results = run_many(jobs)
    return {(tuple(j[0]), j[1], j[2]): r for j, r in zip(jobs, results)}


@pytest.mark.parametrize("command", COMMANDS)
def test_exit_0_when_the_program_is_answered(runs, command):
    r = runs[((command, OK_PROGRAM[command]), None, "script")]
    assert r.returncode == 0, r
    assert r.stdout.strip() and r.stderr == "", r


@pytest.mark.parametrize("command", COMMANDS)
def test_exit_1_when_the_program_fails(runs, command):
    r = runs[((command, BAD_PROGRAM), None, "script")]
    assert r.returncode == 1, r
    assert r.stdout == "", r
    assert "error: name:" in r.stderr and no_traceback(r.stderr), r


@pytest.mark.parametrize("args", USAGE_SUBPROCESS, ids=[" ".join(a) for a in USAGE_SUBPROCESS])
def test_exit_2_on_usage_errors(runs, args):
    r = runs[(tuple(args), None, "script")]
    assert r.returncode == 2, r
    assert r.stdout == "", r
    assert "usage" in r.stderr.lower() and no_traceback(r.stderr), r
    # with --json: also one JSON object of kind "usage" on standard output
    rj = runs[(tuple(args + ["--json"]), None, "module")]
    assert rj.returncode == 2, rj
    (obj,) = rj.json_lines()
    err = validate_error(obj, kinds={"usage"})
    assert err["message"], obj
    assert no_traceback(rj.stderr), rj


def test_a_program_starting_with_dash_needs_double_dash(runs):
    r = runs[(("eval", "-x^2 at x=2"), None, "script")]
    assert r.returncode == 2
    r = runs[(("eval", "--", "-x^2 at x=2"), None, "module")]
    assert r.returncode == 0, r
    assert r.stdout.split() == ["value", "-4.0"]


def test_batch_exit_1_when_any_line_fails_and_every_line_is_answered(runs):
    r = runs[(("grad", "-", "--json"), "x^2 at x = 1\nnope(1)\nx at x = 2\n", "script")]
    assert r.returncode == 1, r
    out = r.json_lines()
    assert [("error" in o) for o in out] == [False, True, False]
    assert out[2]["grad"] == {"x": 1.0}
    r = runs[(("grad", "-", "--json"), "x^2 at x = 1\n\n# only good lines\nx at x = 2\n", "module")]
    assert r.returncode == 0 and len(r.json_lines()) == 2, r


def test_check_above_tolerance_exits_1(runs):
    r = runs[(("check", NEARLY, "--tol", "1e-15"), None, "script")]
    assert r.returncode == 1, r
    assert r.stdout.startswith("ok ") and "NO" in r.stdout.splitlines()[0], r
    assert r.stderr == ""
    r = runs[(("check", "-", "--json", "--tol", "1e-15"), "x at x = 0\n" + NEARLY + "\n", "module")]
    assert r.returncode == 1, r
    first, second = r.json_lines()
    assert first["ok"] is True and second["ok"] is False  # at 0, (h - (-h)) / 2h is exactly 1


def test_version(runs):
    r = runs[(("--version",), None, "script")]
    assert r.returncode == 0
    assert r.stdout.strip() == f"diffcli, version {__version__}"


# ----------------------------------------------------------------------------- in process
@pytest.mark.parametrize("args", USAGE_ARGS, ids=[" ".join(a) for a in USAGE_ARGS])
def test_main_in_process_usage_errors(args):
    """diffcli.cli.main itself (what the console script calls): exit 2, usage on stderr, and with
    --json exactly one JSON object of kind usage on stdout."""
    res = call_main(args)
    assert res.code == 2, res
    assert res.stdout == ""
    assert "error: usage: " in res.stderr and no_traceback(res.stderr), res
    res = call_main(args + ["--json"])
    assert res.code == 2, res
    (obj,) = res.json_lines()
    validate_error(obj, kinds={"usage"})
    assert obj["error"]["line"] is None and obj["error"]["column"] is None


@pytest.mark.parametrize("command", COMMANDS)
def test_main_in_process_exit_codes(command):
    assert call_main([command, OK_PROGRAM[command]]).code == 0
    res = call_main([command, BAD_PROGRAM, "--json"])
    assert res.code == 1 and validate_error(res.json_lines()[0])["kind"] == "name"
    res = call_main([command, "-", "--json"], stdin=f"{OK_PROGRAM[command]}\n\n{BAD_PROGRAM}\n")
    assert res.code == 1 and len(res.json_lines()) == 2


@pytest.mark.parametrize("command", COMMANDS)
def test_in_process_return_codes(command):
    assert invoke([command, OK_PROGRAM[command]]).code == 0
    assert invoke([command, BAD_PROGRAM]).code == 1
    batch = invoke([command, "-", "--json"], stdin=f"{OK_PROGRAM[command]}\n{BAD_PROGRAM}\n")
    assert batch.code == 1 and len(batch.json_lines()) == 2


@pytest.mark.parametrize("args", USAGE_ARGS[:6] + USAGE_ARGS[13:15], ids=" ".join)
def test_in_process_usage_errors_exit_2_in_standalone_mode(args):
    res = invoke(args, standalone=True)
    assert res.code == 2, (args, res)
    assert "Traceback" not in res.stderr


def test_in_process_version_and_help():
    res = invoke(["--version"], standalone=True)
    assert res.code == 0 and __version__ in res.stdout
    res = invoke(["--help"], standalone=True)
    assert res.code == 0 and "Usage:" in res.stdout


# ----------------------------------------------------------------------------- interruption
def test_interrupt_exits_130_without_a_traceback():
    """Ctrl-C while a batch waits for input: 'interrupted', exit 130."""
    p = subprocess.Popen(ENTRYPOINTS["script"] + ["eval", "-", "--json"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean_env(),
                         preexec_fn=default_sigint)
    try:
        p.stdin.write(b"1 + 1\n")
        p.stdin.flush()
        first = p.stdout.readline()  # answered and flushed: the process is in its read loop
        assert json.loads(first) == {"line": 1, "value": 2.0}
        time.sleep(0.05)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 130, (p.returncode, out, err)
    assert b"interrupted" in err and b"Traceback" not in err, err


def test_no_command_starts_the_repl_and_never_a_traceback():
    r = run_many([([], "", "script")])[0]
    assert r.returncode in (0, 1), r
    assert no_traceback(r.stderr), r
