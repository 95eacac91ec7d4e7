"""The prompt_toolkit side, driven through a pipe: completion, history, multi-line input, the loop."""
from __future__ import annotations

import asyncio
import io
import time

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document
from prompt_toolkit.history import FileHistory, InMemoryHistory
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from repl_testlib import replay
from diffcli.repl import app
from diffcli.repl.completer import ReplCompleter
from diffcli.repl.history import history_path, make_history
from diffcli.repl.lexer import ReplLexer
from diffcli.repl.toolbar import toolbar_text


def prompt_once(state, keys: str, history=None) -> str:
    with create_pipe_input() as inp:
        inp.send_text(keys)
        session = app.make_session(state, input=inp, output=DummyOutput(),
                                   history=history if history is not None else InMemoryHistory())
        return session.prompt()


def prompt_in_steps(state, steps: list) -> str:
    """Send each (keys, condition on the buffer) in turn, waiting for the condition before the
    next keys (completions arrive asynchronously, after the keys that asked for them)."""
    async def drive(session, inp):
        task = asyncio.ensure_future(session.prompt_async())
        for keys, ready in steps:
            inp.send_text(keys)
            deadline = time.monotonic() + 5
            while not ready(session.default_buffer) and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            assert ready(session.default_buffer), f"after {keys!r}: {session.default_buffer.text!r}"
        return await task

    with create_pipe_input() as inp:
        session = app.make_session(state, input=inp, output=DummyOutput(), history=InMemoryHistory())
        return asyncio.run(drive(session, inp))


def words(state, text: str) -> list[str]:
    doc = Document(text, len(text))
    return [c.text for c in ReplCompleter(state).get_completions(doc, CompleteEvent(completion_requested=True))]


def test_tab_completes_a_builtin(state):
    done = [("\r", lambda b: True)]
    assert prompt_in_steps(state, [("zero_g\t", lambda b: b.text == "zero_grad")] + done) == "zero_grad"
    # "si" has several completions: the first Tab opens the menu, the next picks its first entry,
    # Enter closes the menu and a second Enter runs the line
    menu = lambda b: b.complete_state is not None and len(b.complete_state.completions) >= 4  # noqa: E731
    steps = [("si\t", menu), ("\t", lambda b: b.text == "sin"), ("\r", lambda b: b.complete_state is None)]
    assert prompt_in_steps(state, steps + done) == "sin"


def test_completer_candidates(state):
    replay(state, "xval = [1, 2]", "cube(t) = t^3")
    assert words(state, "si")[:4] == ["sin", "sinh", "sign", "sigmoid"]
    assert words(state, "1 + xv") == ["xval"]
    assert words(state, "cub") == ["cube"]
    assert words(state, "xval.gr") == ["grad", "grad_fn"]
    assert words(state, "backward(y, retain_graph=tr") == ["transpose", "trace", "tril", "triu", "true"]
    assert words(state, ":he") == [":help"]
    assert ":vars" in words(state, ":")
    assert words(state, ":help hess") == ["hessian"]
    assert words(state, ":graph x") == ["xval"]
    assert words(state, ":anomaly o") == ["on", "off"]
    assert words(state, "") == []


def test_completer_paths_for_load(state, tmp_path):
    (tmp_path / "session.txt").write_text("x = 1\n")
    assert words(state, f":load {tmp_path}/ses") == ["sion.txt"]


def test_multi_line_while_brackets_are_open(state):
    assert prompt_once(state, "m = [[1, 2],\r[3, 4]]\r") == "m = [[1, 2],\n[3, 4]]"
    assert prompt_once(state, "f(1 +\r\r2)\r") == "f(1 +\n\n2)"
    assert prompt_once(state, ":help (\r") == ":help ("


def test_file_history(state, tmp_path):
    path = tmp_path / "history"
    assert prompt_once(state, "x = 41\r", make_history(str(path))) == "x = 41"
    assert "+x = 41" in path.read_text()
    # a new session reads it back: Up recalls the line
    assert prompt_once(state, "\x1b[A\r", make_history(str(path))) == "x = 41"
    # the file is prompt_toolkit's FileHistory format, both ways
    assert prompt_once(state, "(1 +\r2)\r", FileHistory(str(path))) == "(1 +\n2)"
    h = make_history(str(path))
    assert list(h.load_history_strings()) == ["(1 +\n2)", "x = 41"]
    assert list(FileHistory(str(path)).load_history_strings()) == ["(1 +\n2)", "x = 41"]


def test_history_location(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert history_path() == str(tmp_path / "data" / "diffcli" / "history")
    h = make_history()
    assert type(h).__name__ == "PrivateFileHistory"
    h.store_string("x = 1")
    assert (tmp_path / "data" / "diffcli" / "history").exists()
    monkeypatch.setenv("XDG_DATA_HOME", "relative/dir")  # ignored, as the spec says
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert history_path() == str(tmp_path / "home" / ".local" / "share" / "diffcli" / "history")


@pytest.mark.parametrize("case", ["home_is_a_file", "data_dir_is_a_file", "history_is_a_dir"])
def test_history_falls_back_to_memory(monkeypatch, tmp_path, case):
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    if case == "home_is_a_file":
        monkeypatch.setenv("HOME", str(blocker))
    elif case == "data_dir_is_a_file":
        monkeypatch.setenv("XDG_DATA_HOME", str(blocker))
    else:
        (tmp_path / "data" / "diffcli" / "history").mkdir(parents=True)
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert isinstance(make_history(), InMemoryHistory)


def test_history_write_failure_is_silent(tmp_path):
    h = make_history(str(tmp_path / "h" / "history"))
    (tmp_path / "h" / "history").unlink()
    (tmp_path / "h").rmdir()
    h.store_string("x = 1")  # the directory is gone: no error


def test_lexer_classes(state):
    replay(state, "x = 1", "f(t) = t")
    line = ReplLexer(state).lex_document(Document("y = sin(x) + f(2.5e3) * pi  # note"))(0)
    styles = {text: style for style, text in line if text.strip()}
    assert styles["sin"] == "class:builtin" and styles["x"] == "class:variable"
    assert styles["f"] == "class:function" and styles["2.5e3"] == "class:number"
    assert styles["pi"] == "class:constant" and styles["+"] == "class:operator"
    assert styles["# note"] == "class:comment"
    cmd = ReplLexer(state).lex_document(Document(":help sin"))(0)
    assert ("class:command", ":help") in cmd
    attr = ReplLexer(state).lex_document(Document("x.grad"))(0)
    assert ("class:attribute", "grad") in attr


def test_toolbar(state):
    assert "vars: -" in toolbar_text(state) and "anomaly: off" in toolbar_text(state)
    replay(state, "x = [1, 2]", "c = const(1)", "f(t) = t", ":anomaly on", ":precision 4")
    text = toolbar_text(state)
    assert "x[2]* c f()" in text and "anomaly: on" in text and "precision: 4" in text
    session = app.make_session(state, output=DummyOutput(), history=InMemoryHistory())
    assert session.bottom_toolbar() == text


def test_loop_runs_cancels_and_exits(state):
    out, err = io.StringIO(), io.StringIO()
    with create_pipe_input() as inp:
        session = app.make_session(state, input=inp, output=DummyOutput(), history=InMemoryHistory())
        # a statement, a line cancelled with Ctrl-C, a bad statement, then Ctrl-D
        inp.send_text("x = 3\rx^2\rhalf typed\x03nope\r\x04")
        assert app.interactive(state, session, out, err) == 0
    assert "x = 3.0" in out.getvalue() and "9.0" in out.getvalue()
    assert "half typed" not in out.getvalue() + err.getvalue()
    assert "unknown variable 'nope'" in err.getvalue()


def test_pasted_lines_run_one_by_one(state):
    out, err = io.StringIO(), io.StringIO()
    with create_pipe_input() as inp:
        session = app.make_session(state, input=inp, output=DummyOutput(), history=InMemoryHistory())
        # a bracketed paste of three lines (one of them spans two), then Enter, then Ctrl-D
        inp.send_text("\x1b[200~a = 1\nb = [a,\n  2]\nb * 2\x1b[201~\r\x04")
        assert app.interactive(state, session, out, err) == 0
    assert out.getvalue().split("\n")[1:] == ["a = 1.0  # requires grad", "b = [1.0, 2.0]  # grad_fn=<StackBackward0>",
                                              "[2.0, 4.0]  # grad_fn=<MulBackward0>", ""]
    assert err.getvalue() == ""


def test_loop_survives_an_interrupted_statement(state, monkeypatch):
    out, err = io.StringIO(), io.StringIO()
    real = state.execute

    def execute(text, *a, **k):
        if text == "slow":
            raise KeyboardInterrupt
        return real(text, *a, **k)
    monkeypatch.setattr(state, "execute", execute)
    with create_pipe_input() as inp:
        session = app.make_session(state, input=inp, output=DummyOutput(), history=InMemoryHistory())
        inp.send_text("x = 2\rslow\rx + 1\r:quit\r")
        assert app.interactive(state, session, out, err) == 0
    assert "interrupted" in err.getvalue() and "3.0" in out.getvalue()
    assert err.getvalue().startswith("\ninterrupted\n")  # not glued to the terminal's ^C
