"""Every echo of user text is made safe for a terminal (warnings, graph labels, the REPL's
:vars, :help, :load names and warnings), and the small wrongs of item 17: an --at that names
a function, an unused --at that warned about where(), a BOM before a comment, numbers of
300 digits in messages."""
from __future__ import annotations

import pytest

from abuse_testlib import assert_clean, invoke, json_error, json_value, run

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


def test_at_naming_a_defined_function_is_an_error():
    err = json_error(invoke(["eval", "f(x) = x^2; f(2)", "--at", "f=3", "--json"]), "type")
    assert "--at binds 'f'" in err["message"], err


def test_an_unused_at_value_does_not_blame_where():
    doc = json_value(invoke(["eval", "x + 1 at x = 1", "--at", "u=log(-1)", "--json"]))
    assert doc["value"] == 2.0 and len(doc["warnings"]) == 1, doc
    assert doc["warnings"][0].startswith("--at u: ") and "where()" not in doc["warnings"][0], doc


def test_a_used_nan_at_value_is_still_a_domain_error():
    err = json_error(invoke(["eval", "u + 1", "--at", "u=log(-1)", "--json"]), "domain")
    assert err["message"].startswith("--at u: "), err


@pytest.mark.parametrize("program", ["\ufeff# a comment\n1 + 1", "\ufeff1 + 1"])
def test_a_byte_order_mark_at_the_start_is_ignored(program):
    assert json_value(invoke(["eval", program, "--json"]))["value"] == 2.0


def test_a_byte_order_mark_in_a_batch_and_a_loaded_file(tmp_path):
    r = run(["eval", "-", "--json"], stdin="\ufeff# comment\n1 + 1\n".encode(), timeout=60)
    assert [d["value"] for d in r.json_lines()] == [2.0], r
    (tmp_path / "bom.txt").write_bytes("\ufeff# comment\ny = 3\n".encode())
    from diffcli.repl.statements import ReplState

    state = ReplState()
    assert not state.execute(f":load {tmp_path / 'bom.txt'}").error
    assert float(state.variables["y"]._v) == 3.0
    r = run(["repl"], stdin="\ufeff# comment\n1 + 1\n".encode(), timeout=60)
    assert r.code == 0 and r.out.strip() == "2.0", r


@pytest.mark.parametrize("program", ["[1, 2, 3][1e300]", "zeros(1e300)", "ones(1e300, 2)"])
def test_messages_do_not_print_numbers_of_hundreds_of_digits(program):
    r = invoke(["eval", program, "--json"])
    assert_clean(r, codes=(1,))
    message = r.only_json()["error"]["message"]
    assert len(message) < 400 and "e+300" in message, message
