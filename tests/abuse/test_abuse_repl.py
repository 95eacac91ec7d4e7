"""The REPL fed from a pipe (`python -m diffcli repl < script`): injection, resources, files.

Without a terminal the REPL reads statements from standard input, writes results to stdout
and errors (``line N: error: KIND: ...``) to stderr, runs every statement whatever failed
before it, and exits 1 when any failed.
"""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

from abuse_testlib import PAYLOADS, assert_clean, base_env, canary_absent, repl_in_terminal, run


# Lines that are fine in the REPL: .grad is one of its fixed attributes.
REPL_FEATURES = {"x.grad at x = 1"}
_ERR = re.compile(r"^line (\d+): error: ([a-z]+): ", re.M)


def _balanced(s: str) -> bool:
    return s.count("(") == s.count(")") and s.count("[") == s.count("]") and "\n" not in s


def _last(out: str) -> str:
    """The value on the REPL's last output line (results may carry a '# ...' note)."""
    lines = out.strip().splitlines()
    return lines[-1].split("#")[0].strip() if lines else ""


def _repl(script: str, tmp_path: Path, timeout: float = 60, **kw) -> object:
    return run(["repl"], stdin=script, cwd=tmp_path, timeout=timeout, **kw)


def test_repl_payload_lines(tmp_path: Path) -> None:
    """Each payload is one statement: rejected with its own line number, nothing runs, and
    the session goes on (the last line still answers)."""
    canary = tmp_path / "CANARY"
    # Unbalanced brackets would continue a statement onto the next line; keep one per line.
    payloads = [p.format(c=canary) for p in PAYLOADS]
    payloads = [p for p in payloads if _balanced(p) and not p.startswith(":")]
    setup = ["x = 3", "y = x^2"]
    script = "\n".join(setup + payloads + ["backward(y)", "x.grad"]) + "\n"
    r = _repl(script, tmp_path)
    assert_clean(r, codes=(1,))
    errors = {int(n): kind for n, kind in _ERR.findall(r.err)}
    for i, p in enumerate(payloads, start=len(setup) + 1):
        if p.startswith("x = ") or p.startswith("f(x) =") or p in REPL_FEATURES:
            continue  # an assignment or definition may fail later, at its use
        assert errors.get(i) in {"parse", "name", "type"}, (i, p, errors.get(i), r.err[-2000:])
    assert _last(r.out) == "6.0", r  # backward(y) then x.grad: d(x^2)/dx at 3
    canary_absent(canary)


def test_repl_attribute_access_is_a_fixed_set(tmp_path: Path) -> None:
    script = "x = 2\n" + "\n".join(f"x.{a}" for a in (
        "__class__", "__dict__", "__init__", "_v", "backward", "numpy", "item", "grad_fn.__class__",
        "__class__.__subclasses__")) + "\n"
    r = _repl(script, tmp_path)
    assert_clean(r, codes=(1,))
    found = _ERR.findall(r.err)
    assert [int(n) for n, _ in found] == list(range(2, 11)), r.err
    assert {k for _, k in found} <= {"type", "name"}, found


def test_repl_load_payload_paths(tmp_path: Path) -> None:
    canary = tmp_path / "CANARY"
    script = "\n".join([
        f":load $(touch {canary})", f":load `touch {canary}`", f":load x; touch {canary}",
        f":load | touch {canary}", ":load", "1+1"]) + "\n"
    r = _repl(script, tmp_path)
    assert_clean(r, codes=(1,))
    assert r.err.count("error:") >= 5, r
    assert _last(r.out) == "2.0", r
    canary_absent(canary)


def test_repl_resource_payloads(tmp_path: Path) -> None:
    script = "\n".join([
        "zeros(1e12)", "ones(100000, 100000)", "linspace(0, 1, 1e10)", "f(x) = f(x)",
        "g(x) = h(x)", "h(x) = g(x)", "diff(x^2, x, 1000) at x = 1", "1+1"]) + "\n"
    r = _repl(script, tmp_path)
    assert_clean(r, codes=(1,))
    kinds = dict((int(n), k) for n, k in _ERR.findall(r.err))
    assert kinds.get(1) == kinds.get(2) == kinds.get(3) == "limit", r.err
    assert kinds.get(4) == "type", r.err  # recursion
    assert 7 in kinds and kinds[7] == "limit", r.err
    assert _last(r.out) == "2.0", r


def test_repl_deep_nesting_and_long_line(tmp_path: Path) -> None:
    deep = "(" * 20000 + "1" + ")" * 20000
    script = f"a = {deep}\nb = {'1+' * 20000}1\na + b\n"
    r = _repl(script, tmp_path)
    assert_clean(r, codes=(0,))
    assert _last(r.out) == "20002.0", r


def test_repl_bytes_that_are_not_utf8(tmp_path: Path) -> None:
    r = run(["repl"], stdin=b"1+\xff\n\x00\n2*3\n", cwd=tmp_path)
    assert_clean(r, codes=(1,))
    assert _last(r.out) == "6.0", r
    assert len(_ERR.findall(r.err)) == 2, r


def test_repl_load_of_an_endless_file_is_bounded(tmp_path: Path) -> None:
    """`:load /dev/zero` must end with an error (the file is endless), not eat memory until
    a MemoryError kills the session."""
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    r = _repl(":load /dev/zero\n1+1\n", tmp_path, timeout=30)
    assert_clean(r, codes=(1,))
    assert _last(r.out) == "2.0", r


def test_repl_load_reads_only_regular_files(tmp_path: Path) -> None:
    """:load is the user's own command (it runs a file of statements); it refuses devices and
    directories, and nothing longer than a program may be."""
    r = _repl(f":load {tmp_path}\n1+1\n", tmp_path)
    assert_clean(r, codes=(1,))
    assert "not a regular file" in r.err and _last(r.out) == "2.0", r


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pexpect terminal test on Linux only")
@pytest.mark.parametrize("home", ["missing", "file", "readonly"])
def test_interactive_repl_history_falls_back(home: str, tmp_path: Path) -> None:
    """A terminal session where the history file cannot be kept: it starts, answers, quits."""
    if home == "missing":
        h = tmp_path / "no" / "such" / "home"
    elif home == "file":
        h = tmp_path / "home-is-a-file"
        h.write_text("")
    else:
        h = tmp_path / "ro-home"
        h.mkdir()
        h.chmod(0o555)
    env = base_env(HOME=str(h), TERM="dumb", XDG_DATA_HOME=None, XDG_CACHE_HOME=None, NO_COLOR="1")
    try:
        child = repl_in_terminal(env, tmp_path, [("x = 2", None), ("x^10", "1024")])
    finally:
        if home == "readonly":
            h.chmod(0o755)
    assert child.exitstatus == 0, (child.exitstatus, child.before)
    assert "Traceback" not in (child.before or "")
