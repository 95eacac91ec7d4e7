"""The README's console examples print exactly what the README shows, and every example in
every command's --help runs cleanly. Each runs in a real shell, as a reader would type it."""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from cli_testlib import COMMANDS, clean_env, invoke

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"


def shell(script: str) -> subprocess.CompletedProcess:
    env = clean_env(PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    return subprocess.run(["bash", "-c", script + " 2>&1"], capture_output=True, env=env, timeout=120,
                          cwd=ROOT)


def readme_examples() -> list[tuple[str, str]]:
    """(command, expected output) for each '$ ' line of the README's console blocks; an
    'echo $?' joins the command before it."""
    if not README.exists():
        return []
    out: list[tuple[str, str]] = []
    for block in re.findall(r"```console\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S):
        cur = None
        for line in block.splitlines():
            if line.startswith("$ "):
                cmd = line[2:]
                if cmd.strip() == "echo $?" and out:
                    prev_cmd, prev_out = out.pop()
                    cur = [f"{prev_cmd}\necho $?", prev_out.splitlines()]
                else:
                    cur = [cmd, []]
                out.append((cur[0], ""))
            elif cur is not None:
                cur[1].append(line)
                out[-1] = (cur[0], "\n".join(cur[1]).rstrip("\n"))
    return out


EXAMPLES = readme_examples()


@pytest.fixture(scope="module")
def readme_runs():
    def one(example):
        cmd, _ = example
        if "| dot " in cmd:  # Graphviz may be missing: check diffcli's half of the pipe
            cmd = cmd.split("| dot ")[0]
        return shell(cmd)
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(one, EXAMPLES))


def test_readme_has_console_examples():
    if not README.exists():
        pytest.skip("no README.md")
    assert len(EXAMPLES) >= 8
    commands = {re.search(r"diffcli (\w+)", c).group(1) for c, _ in EXAMPLES if re.search(r"diffcli (\w+)", c)}
    assert {"grad", "jacobian", "hessian", "diff", "check", "graph", "eval"} <= commands


@pytest.mark.parametrize("k", range(len(EXAMPLES)), ids=[c.splitlines()[0][:60] for c, _ in EXAMPLES])
def test_readme_console_example_output(readme_runs, k):
    cmd, expected = EXAMPLES[k]
    p = readme_runs[k]
    got = p.stdout.decode("utf-8").rstrip("\n")
    assert "Traceback" not in got
    if "| dot " in cmd:
        assert got.startswith("digraph diffcli {") and got.endswith("}"), got
        return
    assert got == expected, f"\n$ {cmd}\n--- README\n{expected}\n--- diffcli\n{got}"


# ----------------------------------------------------------------------------- --help examples
def help_examples() -> list[tuple[str, str]]:
    out = []
    top = invoke(["--help"], standalone=True).stdout
    for line in top.splitlines():
        if line.strip().startswith(("diffcli ", "printf ")):
            out.append(("(top)", line.strip()))
    for command in COMMANDS:
        text = invoke([command, "--help"], standalone=True).stdout
        for line in text.split("Examples:")[1].split("Options:")[0].splitlines():
            if line.strip():
                out.append((command, line.strip()))
    return out


HELP_EXAMPLES = help_examples()


def run_help_example(cmd: str):
    """A help example in process: 'diffcli ARGS', 'printf TEXT | diffcli ARGS', or '... | dot ...'."""
    stdin = None
    if "| dot " in cmd:  # Graphviz may be missing: diffcli's half of the pipe
        cmd = cmd.split("| dot ")[0]
    if cmd.startswith("printf "):
        left, cmd = cmd.split(" | ", 1)
        stdin = shlex.split(left)[1].encode().decode("unicode_escape")
    argv = shlex.split(cmd)
    assert argv[0] == "diffcli", cmd
    return invoke(argv[1:], stdin=stdin)


def test_every_command_has_help_examples():
    assert {c for c, _ in HELP_EXAMPLES} >= set(COMMANDS) | {"(top)"}


@pytest.mark.parametrize("k", range(len(HELP_EXAMPLES)), ids=[e[1][:60] for e in HELP_EXAMPLES])
def test_help_example_runs_cleanly(k):
    command, cmd = HELP_EXAMPLES[k]
    res = run_help_example(cmd)
    assert res.exception is None, (cmd, res.exception)
    assert res.code == 0, (cmd, res)
    assert res.stdout.strip() and res.stderr == "", (cmd, res)


def test_benchmarks_readme_commands_run_from_a_fresh_clone():
    """Its set-up is the main README's (.venv at the root) plus the bench extra: no path that
    exists only on the machine the README was written on."""
    text = (Path(__file__).resolve().parents[2] / "benchmarks" / "README.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)```", text, re.S)
    commands = [ln for b in blocks for ln in b.splitlines()]
    assert commands[0].startswith(". .venv/bin/activate")
    assert any(".[bench]" in c for c in commands)
    assert not re.search(r"(^|\s)/(work|home|Users|root)/", text, re.M), "an absolute path"
