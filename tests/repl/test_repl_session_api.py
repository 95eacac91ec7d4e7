"""The REPL runs on the session's API: define, assign, evaluate, and one place that checks
names and definitions and turns a bug into an 'internal' error."""
from __future__ import annotations

import pytest

import diffcli.engine as E
from diffcli.errors import DiffcliError
from diffcli.language.parser import parse
from diffcli.repl.autograd import RESERVED
from diffcli.session import Options, Session
from repl_testlib import err, out, replay


def program(text: str):
    return parse(text)


def test_assign_define_evaluate_without_the_repl():
    s = Session(reserved=RESERVED)
    assert [d.name for d in s.define(program("sq(t) = t^2"))] == ["sq"]
    x, _, _ = s.assign("x", (0, 1), program("3"))
    assert x.is_leaf and x.requires_grad and x.item() == 3.0
    y, _, _ = s.assign("y", (0, 1), program("sq(x) + 1"))
    assert y.grad_fn is not None and s.tracked(program("y * x")) == ["y", "x"]
    c, _, _ = s.assign("c", (0, 1), program("const(x)"))
    assert not c.requires_grad
    value, prepared, warnings = s.evaluate(program("y * 2"))
    assert value.item() == 20.0 and warnings == [] and prepared.evaluator.trace


def test_one_check_for_names_and_definitions():
    s = Session(reserved=RESERVED)
    s.assign("x", (0, 1), program("1"))
    s.define(program("f(t) = t"))
    cases = [
        (lambda: s.assign("sin", (0, 3), program("1")), "'sin' is a built-in name and cannot be assigned"),
        (lambda: s.assign("f", (0, 1), program("1")), "'f' is a function you defined"),
        (lambda: s.assign("backward", (0, 8), program("1")), "'backward' is a REPL statement"),
        (lambda: s.define(program("x(t) = t")), "'x' is a variable"),
        (lambda: s.define(program("zero_grad(t) = t")), "'zero_grad' is a REPL statement and cannot be redefined"),
        (lambda: s.evaluate(program("x at pi = 1")), "'pi' is a constant and cannot be rebound"),
        (lambda: s.prepare("x(t) = t; x(1)", Options()), "'x' is a variable"),  # same check inside a program
    ]
    for call, message in cases:
        with pytest.raises(DiffcliError) as info:
            call()
        assert message in info.value.message, (message, info.value.message)
    assert set(s.variables) == {"x"} and set(s.definitions) == {"f"}  # nothing kept from a failure


def test_a_cli_session_reserves_nothing_but_the_language():
    s = Session()
    assert s.prepare("backward + 1 at backward = 2", Options()).values["backward"].item() == 2.0


def test_a_bug_is_one_internal_error_and_the_session_goes_on(state, monkeypatch):
    replay(state, "x = 2")

    def bug(*args, **kwargs):
        raise ZeroDivisionError("float division by zero\nsecond line")
    monkeypatch.setattr(state.session, "evaluate", bug)
    text = err(state, "x + 1")
    assert text.startswith("error: internal: ZeroDivisionError: float division by zero")
    assert "second line" not in text and "please report this" in text and "Traceback" not in text
    assert "internal: ZeroDivisionError" in err(state, ":graph x + 1")  # a guarded command, too
    monkeypatch.undo()
    assert E.engine_state.budget is None
    assert out(state, "x + 1").startswith("3.0")
