"""Shared helpers for the hostile-input ("abuse") suite.

Test modules import them with ``from abuse_testlib import ...`` (pytest puts this folder on
sys.path because it has no ``__init__.py``); the name is unique across ``tests/`` so it
cannot be shadowed by another folder's helpers.

Two ways to run diffcli:

* ``run(args, ...)``: the real program in a subprocess (``python -m diffcli``), under a
  2 GiB address-space cap and a wall-clock timeout, in a given working directory and
  environment. Used wherever memory, time, the process exit or the environment matter.
* ``invoke(args, ...)``: ``diffcli.cli.main`` in-process through click's CliRunner
  isolation: the same argument parsing, exit codes and stream handling as the console
  script, without the interpreter start-up (hundreds of cases per second).
"""
from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from diffcli.errors import KINDS as ERROR_KINDS


ROOT = Path(__file__).resolve().parents[2]
MEM_CAP = 2 << 30  # 2 GiB of address space per child
KINDS = frozenset(ERROR_KINDS)  # the documented kinds, defined once (diffcli.errors)
COMMANDS = ("eval", "grad", "jacobian", "hessian", "diff", "check", "graph")

# Environment variables that change diffcli's behaviour or Python's; every child starts
# without them unless a test sets them on purpose.
_SCRUB = ("NO_COLOR", "PYTHONWARNINGS", "PYTHONDEVMODE", "PYTHONSTARTUP", "PYTHONINSPECT",
          "FORCE_COLOR", "CLICOLOR_FORCE")


def _cap_memory(limit: int) -> Any:
    def preexec() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    return preexec


def base_env(**overrides: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUB}
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    for k, v in overrides.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return env


@dataclass
class Result:
    code: int | None
    out: str
    err: str
    elapsed: float = 0.0
    timed_out: bool = False

    def lines(self) -> list[str]:
        return [ln for ln in self.out.split("\n") if ln]

    def json_lines(self) -> list[dict]:
        docs = [strict_json(ln) for ln in self.lines()]
        last = 0
        for doc in docs:  # a batch answer's line of standard input: checked, then set aside
            n = doc.pop("line", None)
            if n is not None:
                assert type(n) is int and n > last and doc.get("error", {}).get("line", n) == n, (doc, n, last)
                last = n
        return docs

    def only_json(self) -> dict:
        docs = self.json_lines()
        assert len(docs) == 1, f"expected one JSON line, got {len(docs)}: {self.out[:500]!r}"
        return docs[0]

    def __repr__(self) -> str:  # short, for assertion messages
        return (f"Result(code={self.code}, timed_out={self.timed_out}, elapsed={self.elapsed:.1f}s, "
                f"out={self.out[:400]!r}, err={self.err[:400]!r})")


def run(args: Sequence[str], *, stdin: bytes | str = b"", timeout: float = 30, env: Mapping | None = None,
        cwd: str | os.PathLike | None = None, mem: int | None = MEM_CAP, module: str = "diffcli") -> Result:
    """diffcli in a child process: capped memory, killed at ``timeout`` seconds."""
    if isinstance(stdin, str):
        stdin = stdin.encode()
    cmd = [sys.executable, "-m", module, *args]
    start = time.monotonic()
    try:
        p = subprocess.run(cmd, input=stdin, capture_output=True, timeout=timeout,
                           env=dict(env) if env is not None else base_env(), cwd=cwd,
                           preexec_fn=_cap_memory(mem) if mem else None)
    except subprocess.TimeoutExpired as exc:
        return Result(None, _text(exc.stdout), _text(exc.stderr), time.monotonic() - start, True)
    return Result(p.returncode, _text(p.stdout), _text(p.stderr), time.monotonic() - start)


def _text(b: bytes | str | None) -> str:
    if b is None:
        return ""
    return b if isinstance(b, str) else b.decode("utf-8", errors="replace")


def invoke(args: Sequence[str], *, stdin: bytes | str | None = None, env: Mapping | None = None) -> Result:
    """``diffcli.cli.main(args)`` in-process, with click's test isolation of the streams."""
    from click.testing import CliRunner

    from diffcli.cli import main

    runner = CliRunner()
    start = time.monotonic()
    with runner.isolation(input=stdin, env=dict(env) if env else None) as streams:
        out, err = streams[0], streams[1] if len(streams) > 1 and streams[1] is not None else streams[0]
        try:
            main(list(args))
            code: int | None = 0
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
        res = Result(code, _text(out.getvalue()), _text(err.getvalue()) if err is not out else "",
                     time.monotonic() - start)
    return res


# --------------------------------------------------------------------------- JSON
def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-standard JSON constant {name}")


def strict_json(line: str) -> Any:
    """RFC 8259 only: NaN, Infinity and -Infinity are refused."""
    return json.loads(line, parse_constant=_reject_constant)


# --------------------------------------------------------------------------- checks
_LEAKS = ("Traceback (most recent call last)", "MemoryError", "RecursionError", "Segmentation fault",
          "core dumped", "Fatal Python error")


def assert_clean(r: Result, *, codes: Iterable[int] = (0, 1, 2)) -> None:
    """Ended in time, with a documented exit code and no Python internals on either stream."""
    assert not r.timed_out, f"did not end within its timeout: {r!r}"
    assert r.code in set(codes), f"exit code {r.code}: {r!r}"
    for s in _LEAKS:
        assert s not in r.out and s not in r.err, f"{s!r} leaked: {r!r}"


def assert_error_doc(doc: dict, kinds: Iterable[str] | str | None = None) -> dict:
    """A well-formed JSON error object; returns its body."""
    assert set(doc) == {"error"}, doc
    body = doc["error"]
    assert {"kind", "message", "line", "column"} <= set(body), body
    assert set(body) <= {"kind", "message", "line", "column", "hint"}, body
    assert body["kind"] in KINDS, body
    if kinds is not None:
        kinds = {kinds} if isinstance(kinds, str) else set(kinds)
        assert body["kind"] in kinds, f"kind {body['kind']!r} not in {sorted(kinds)}: {body}"
    assert isinstance(body["message"], str) and body["message"].strip(), body
    for k in ("line", "column"):
        assert body[k] is None or (type(body[k]) is int and body[k] >= 1), body
    return body


def json_error(r: Result, kinds: Iterable[str] | str | None = None, code: int = 1) -> dict:
    """The one JSON error a failed single-program run printed."""
    assert_clean(r, codes=(code,))
    return assert_error_doc(r.only_json(), kinds)


def json_value(r: Result) -> dict:
    assert_clean(r, codes=(0,))
    doc = r.only_json()
    assert "error" not in doc, doc
    return doc


_TEXT_ERR = re.compile(r"^(?:line (\d+): )?error: ([a-z]+): (.+?)(?: \(line (\d+), column (\d+)\)| \(line (\d+)\))?$")


def text_error(r: Result, kind: str | Iterable[str] | None = None) -> dict:
    """Parse the text-mode error on stderr: message line, then source line and caret when
    there is a position. Returns kind/message/line/column/source/caret."""
    assert_clean(r, codes=(1,))
    lines = r.err.rstrip("\n").split("\n")
    lines = [ln for ln in lines if not ln.startswith("Usage:")]
    m = _TEXT_ERR.match(lines[0])
    assert m, f"first stderr line is not 'error: KIND: message': {lines[0]!r}"
    info = {"kind": m.group(2), "message": m.group(3),
            "line": int(m.group(4) or m.group(6)) if (m.group(4) or m.group(6)) else None,
            "column": int(m.group(5)) if m.group(5) else None, "source": None, "caret": None}
    if kind is not None:
        kinds = {kind} if isinstance(kind, str) else set(kind)
        assert info["kind"] in kinds, info
    if info["column"] is not None and len(lines) >= 3 and lines[2].strip() == "^":
        info["source"], info["caret"] = lines[1], lines[2]
    return info


def canary_absent(path: Path) -> None:
    assert not path.exists(), f"the payload ran: {path} was created"
    siblings = [p.name for p in path.parent.iterdir()] if path.parent.exists() else []
    assert not [s for s in siblings if "CANARY" in s.upper()], siblings


# --------------------------------------------------------------------------- payloads
# {c}: the canary's absolute path. Each template is one line.
PYTHON_PAYLOADS = [
    "__import__('os').system('touch {c}')",
    '__import__("os").system("touch {c}")',
    "__import__(os).system(touch)",
    "__import__('subprocess').run(['touch', '{c}'])",
    "().__class__",
    "().__class__.__bases__[0].__subclasses__()",
    "x.__class__",
    "x.__class__ at x = 1",
    "x.__class__.__mro__[1].__subclasses__() at x = 1",
    "x.__dict__ at x = 1",
    "x.grad at x = 1",
    "pi.__class__",
    "sin.__globals__",
    "sin.__call__(1)",
    "__builtins__",
    "__import__",
    "__class__(1)",
    "__import__(x) at x = 1",
    "exec('open(\"{c}\", \"w\")')",
    "exec(x) at x = 1",
    "eval('1')",
    "eval(1)",
    "eval(x) at x = 1",
    "compile(1, 2, 3)",
    "globals()",
    "locals()",
    "vars(x) at x = 1",
    "getattr(x, 'grad') at x = 1",
    "getattr(x, x) at x = 1",
    "setattr(x, x, x) at x = 1",
    "breakpoint()",
    "open('{c}', 'w')",
    "open(x) at x = 1",
    "open({c})",
    "lambda: 1",
    "lambda x: x",
    "(lambda: 1)()",
    "f'{{1}}'",
    "f\"{{__import__('os').system('touch {c}')}}\"",
    "[x for x in [1]]",
    "{{1: 2}}",
    "import os",
    "os.system('touch {c}')",
    "1 if 1 else 0",
    "__import__('os').system('touch {c}') at x = 1",
    "x = __import__('os')",
    "f(x) = __import__(x); f(1)",
    "f(x) = x.__class__; f(1)",
    "f(x) = exec(x); f(1)",
    "print(1)",
    "input()",
    "exit()",
]
SHELL_PAYLOADS = [
    "$(touch {c})",
    "`touch {c}`",
    "1; touch {c}",
    "1 && touch {c}",
    "1 || touch {c}",
    "1 | touch {c}",
    "1 > {c}",
    "1 >> {c}",
    "$((1+1))",
    "${{HOME}}",
    "x at x = $(touch {c})",
    "x at x = `touch {c}`",
    "1; $(touch {c})",
    "sin(x); touch {c}",
    "'; touch {c}; '",
    "\"; touch {c}; \"",
    "1 & touch {c} &",
    "<(touch {c})",
    "$(touch CANARY_RELATIVE)",                       # relative to the working directory
    "__import__('os').system('touch CANARY_RELATIVE')",
]
PAYLOADS = PYTHON_PAYLOADS + SHELL_PAYLOADS


# --------------------------------------------------------------------------- the REPL



def repl_in_terminal(env: Mapping, cwd: Path, exchanges: Sequence[tuple[str, str | None]]) -> Any:
    """``diffcli repl`` in a pseudo-terminal: each (line, expected text or None) is typed at the
    prompt; then :quit, which must end the process. The closed pexpect child (exitstatus, before)."""
    import pytest
    pexpect = pytest.importorskip("pexpect")
    child = pexpect.spawn(sys.executable, ["-m", "diffcli", "repl"], env=dict(env), cwd=str(cwd),
                          encoding="utf-8", timeout=30, dimensions=(24, 100))
    try:
        child.expect(">>> ")
        for line, expected in exchanges:
            child.sendline(line)
            if expected is not None:
                child.expect(expected)
            child.expect(">>> ")
        child.sendline(":quit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    return child
