"""Code injection: Python and shell payloads in every place diffcli takes text.

Every payload that would leave a trace creates CANARY (an absolute path in a fresh tmp dir
that is also the working directory). The canary must never appear, and the answer must be
a parse, name or type error: never exit 0 with a value computed from the payload.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from abuse_testlib import (COMMANDS, PAYLOADS, assert_clean, assert_error_doc, canary_absent, invoke, json_error,
                           run, text_error)

REJECTED = {"parse", "name", "type"}


@pytest.fixture
def canary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "CANARY"
    yield path
    canary_absent(path)


def _fill(template: str, canary: Path) -> str:
    return template.format(c=str(canary))


def _ids(payloads: list[str]) -> list[str]:
    return [f"{i:02d}-" + "".join(ch if ch.isalnum() else "_" for ch in p)[:24] for i, p in enumerate(payloads)]


# --------------------------------------------------------------------------- the program
FORMULA_COMMANDS = ("grad", "jacobian", "hessian", "diff")


def _formula_of_a_name(r, command: str, program: str) -> bool:
    """A bare name is a free variable: the derivative commands answer it with a formula of
    that name (issue #20), which evaluates nothing; anything else must still be rejected."""
    if command not in FORMULA_COMMANDS or not program.isidentifier():
        return False
    doc = r.only_json()
    if "error" in doc:
        return False
    assert doc["symbolic"] is True and doc["value"] == program, doc
    return True


@pytest.mark.parametrize("payload", PAYLOADS, ids=_ids(PAYLOADS))
def test_program_payload_is_rejected_by_every_command(payload: str, canary: Path) -> None:
    program = _fill(payload, canary)
    for command in COMMANDS:
        r = invoke([command, "--", program, "--json"] if program.startswith("-") else [command, program, "--json"])
        if _formula_of_a_name(r, command, program):
            continue
        body = json_error(r, REJECTED)
        assert body["line"] == 1 or body["line"] is None, body
        canary_absent(canary)


@pytest.mark.parametrize("payload", PAYLOADS[::3], ids=_ids(PAYLOADS[::3]))
def test_program_payload_text_mode(payload: str, canary: Path) -> None:
    r = invoke(["eval", _fill(payload, canary)])
    info = text_error(r, REJECTED)
    assert r.out == "", r  # nothing on stdout: no value derived from the payload
    if info["column"] is not None and info["source"] is not None:
        assert info["caret"].index("^") == info["column"] + 1, info  # "  " + column - 1 spaces


# --------------------------------------------------------------------------- --at, --wrt, --seed
@pytest.mark.parametrize("payload", PAYLOADS, ids=_ids(PAYLOADS))
def test_at_value_payload(payload: str, canary: Path) -> None:
    r = invoke(["eval", "x", "--at", "x=" + _fill(payload, canary), "--json"])
    if r.code == 2:  # rejected as an option value
        assert_error_doc(r.only_json(), "usage")
    else:
        json_error(r, REJECTED)


@pytest.mark.parametrize("payload", PAYLOADS[::2], ids=_ids(PAYLOADS[::2]))
def test_at_name_payload(payload: str, canary: Path) -> None:
    r = invoke(["eval", "x^2 at x = 3", "--at", _fill(payload, canary) + "=1", "--json"])
    name = _fill(payload, canary)
    if name.isidentifier() and name.isascii():  # a plain (if odd) variable name: harmless
        assert r.code == 0 and r.only_json() == {"value": 9.0}, r
    else:
        assert_clean(r, codes=(2,))
        assert_error_doc(r.only_json(), "usage")


def test_dunder_names_are_only_variables(canary: Path) -> None:
    """A dunder is an ordinary variable name: it binds a number, nothing more."""
    r = invoke(["grad", "__import__ * __class__", "--at", "__import__=2", "--at", "__class__=5", "--json"])
    assert r.code == 0, r
    assert r.only_json() == {"value": 10.0, "grad": {"__import__": 5.0, "__class__": 2.0}}


@pytest.mark.parametrize("payload", PAYLOADS, ids=_ids(PAYLOADS))
def test_wrt_payload(payload: str, canary: Path) -> None:
    r = invoke(["grad", "x^2 at x = 3", "--wrt", _fill(payload, canary), "--json"])
    assert_clean(r, codes=(1, 2))
    body = assert_error_doc(r.only_json(), "usage" if r.code == 2 else {"name"})
    assert body["message"]


@pytest.mark.parametrize("payload", PAYLOADS, ids=_ids(PAYLOADS))
def test_seed_payload(payload: str, canary: Path) -> None:
    r = invoke(["grad", "x^2 at x = 3", "--seed", _fill(payload, canary), "--json"])
    json_error(r, REJECTED)


@pytest.mark.parametrize("option", ["--precision", "--order", "--timeout", "--max-elements", "--tol", "--format"])
def test_payload_as_numeric_or_choice_option(option: str, canary: Path) -> None:
    command = {"--order": "diff", "--tol": "check", "--format": "graph"}.get(option, "eval")
    for payload in PAYLOADS[::4]:
        r = invoke([command, "x^2 at x = 3", option, _fill(payload, canary), "--json"])
        assert_clean(r, codes=(2,))
        assert_error_doc(r.only_json(), "usage")


# --------------------------------------------------------------------------- standard input
def test_stdin_lines_in_a_real_process(tmp_path: Path) -> None:
    """Every payload as one line of a batch, through the real console entry point: each is
    answered with a rejection carrying its own line number, in order."""
    canary = tmp_path / "CANARY"
    lines = [_fill(p, canary) for p in PAYLOADS]
    stdin = ("\n".join(lines) + "\n").encode()
    for command in ("eval", "grad"):
        r = run([command, "-", "--json"], stdin=stdin, cwd=tmp_path, timeout=60)
        assert_clean(r, codes=(1,))
        docs = r.json_lines()
        assert len(docs) == len(lines), r
        for lineno, doc in enumerate(docs, start=1):
            if command == "grad" and lines[lineno - 1].isidentifier() and "error" not in doc:
                assert doc["symbolic"] is True and doc["value"] == lines[lineno - 1], doc  # a formula
                continue
            body = assert_error_doc(doc, REJECTED)
            assert body["line"] == lineno, (lineno, lines[lineno - 1], body)
        canary_absent(canary)


def test_stdin_payloads_text_mode_keep_stdout_clean(tmp_path: Path) -> None:
    canary = tmp_path / "CANARY"
    stdin = "\n".join(_fill(p, canary) for p in PAYLOADS) + "\n"
    r = run(["eval", "-"], stdin=stdin, cwd=tmp_path, timeout=60)
    assert_clean(r, codes=(1,))
    assert r.out == "", r
    assert r.err.count("error: ") >= len(PAYLOADS), r
    canary_absent(canary)


def test_console_script_argv_payloads(tmp_path: Path) -> None:
    """The payload reaches the program as argv (no shell in between): nothing runs."""
    canary = tmp_path / "CANARY"
    for payload in ("$(touch {c})", "`touch {c}`", "1; touch {c}", "__import__('os').system('touch {c}')"):
        r = run(["eval", _fill(payload, canary), "--at", "x=" + _fill(payload, canary)], cwd=tmp_path)
        text_error(r, REJECTED)
    canary_absent(canary)
