"""Every echo of user text is made safe for a terminal (warnings, graph labels, the REPL's
:vars, :help, :load names and warnings), and the small wrongs of item 17: an --at that names
a function, an unused --at that warned about where(), a BOM before a comment, numbers of
300 digits in messages."""
from __future__ import annotations

import pytest

from abuse_support import assert_clean, invoke, json_error, json_value, run

ESC = "\x1b]0;PWNED\x07\x1b[2J"


def _clean(text: str) -> None:
    assert "\x1b" not in text and "\x07" not in text, repr(text)


def test_a_warning_does_not_echo_escape_sequences():
    r = invoke(["eval", f"(1 #{ESC}\n)/0"])
    assert r.code == 0 and "warning" in r.err + r.out, r
    _clean(r.out + r.err)


def test_dot_labels_do_not_carry_escape_sequences():
    r = invoke(["graph", f"(x #{ESC}\n)*2 at x=1", "--format", "dot"])
    assert r.code == 0 and "digraph" in r.out, r
    _clean(r.out)


def test_repl_echoes_are_escaped(tmp_path):
    from diffcli.repl.statements import ReplState

    name = f"a{ESC}.txt"
    (tmp_path / name).write_text("1 +\n")
    state = ReplState()
    texts = []
    for line in [f"f(x) = x #{ESC}\n", ":vars", ":help f", f"y = (1 #{ESC}\n)/0", f":load {tmp_path / name}"]:
        reply = state.execute(line)
        texts.append(reply.text)
    assert "f(x)" in texts[1] and "your function" in texts[2] and "warning" in texts[3], texts
    assert "error" in texts[4], texts
    for t in texts:
        _clean(t)
