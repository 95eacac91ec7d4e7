"""A real terminal: `python -m diffcli` in a pseudo-terminal, driven with pexpect.

The terminal does not answer cursor-position requests (PROMPT_TOOLKIT_NO_CPR), so
prompt_toolkit does not know the screen's height and leaves the bottom toolbar out;
test_repl_prompt checks the toolbar instead.
"""
from __future__ import annotations

import os
import re
import signal
import sys
import time

import pytest

from diffcli.repl.lines import is_complete

pexpect = pytest.importorskip("pexpect")

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|[\r\x07]")


def spawn(tmp_path, **env):
    environ = dict(os.environ, HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data"), TERM="xterm",
                   PROMPT_TOOLKIT_NO_CPR="1")
    environ.pop("NO_COLOR", None)
    environ.update(env)
    # Ctrl-C as on a terminal, even when the suite runs with SIGINT ignored (which children inherit)
    child = pexpect.spawn(sys.executable, ["-m", "diffcli"], env=environ, encoding="utf-8", timeout=20,
                          dimensions=(30, 120), preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    child.expect("Ctrl-D to quit")
    child.expect(">>>")  # typed before the prompt is up, keys could reach a terminal not yet in raw mode
    return child


def converse(child, steps) -> str:
    """Type each line, wait for a pattern its output must show; everything seen, without escapes."""
    seen = ""
    for line, pattern in steps:
        child.send(line + "\r")
        child.expect(pattern)
        seen += child.before + child.after
        if is_complete(line):  # the next prompt: keys sent before it would meet a terminal in cooked mode
            child.expect(">>>")
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    return seen


def test_session_in_a_terminal(tmp_path):
    child = spawn(tmp_path)
    raw = converse(child, [
        ("x = [2, 3, 4]", "requires grad"),
        ("y = sum(x^2)", "SumBackward0"),
        ("backward(y)", "accumulated into x.grad"),
        ("x.grad", re.escape("[4.0, 6.0, 8.0]")),
        ("nope + 1", "unknown variable 'nope'"),
        ("y.grad_fn", "<SumBackward0>"),
        ("(1 +", re.escape("...")),            # an open bracket continues the statement
        ("2) * x[0]", re.escape("6.0")),      # (a continuation line is typed at the '...' prompt)
    ])
    seen = ANSI.sub("", raw)
    assert ">>> (1 +\n... 2) * x[0]" in seen
    assert "\x1b[1;31merror: name: \x1b[0munknown variable 'nope'" in raw  # colour on a terminal
    history = (tmp_path / "data" / "diffcli" / "history").read_text()
    assert "+nope + 1" in history and "+(1 +\n+2) * x[0]" in history


def test_no_color(tmp_path):
    child = spawn(tmp_path, NO_COLOR="1")
    raw = converse(child, [("nope", "unknown variable 'nope'"), (":help sin", "example")])
    assert "error: name: unknown variable" in raw and "\x1b[1;31m" not in raw


def test_ctrl_c_stops_a_long_computation(tmp_path):
    child = spawn(tmp_path)
    # f26 calls f0 2^26 times: many minutes of evaluation, however fast the engine gets
    chain = "; ".join(["f0(x) = x + 1"] + [f"f{k}(x) = f{k - 1}(f{k - 1}(x))" for k in range(1, 27)])
    child.send(chain + "; f26(0)\r")
    child.expect(re.escape("\x1b[?2004l"))  # the prompt has ended: the terminal is back in cooked mode
    time.sleep(0.3)
    child.sendintr()
    child.expect("interrupted")
    child.expect(">>>")
    converse(child, [("1 + 1", re.escape("2.0"))])
