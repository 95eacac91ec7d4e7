"""The session logic: statements, variables, autograd, errors; replays of the tutorial."""
from __future__ import annotations

import pytest

import diffcli.engine as E
from repl_testlib import err, out, replay


def test_accumulation_tutorial(state):
    replay(state, "x = [2, 3, 4]", "y = x^2")
    assert out(state, "x.grad") == "None"
    out(state, "backward(y, [1, 1, 1], retain_graph=true)")
    assert out(state, "x.grad") == "[4.0, 6.0, 8.0]"
    out(state, "backward(y, [1, 1, 1], retain_graph=true)")
    assert out(state, "x.grad") == "[8.0, 12.0, 16.0]"  # gradients add up
    assert "cleared x.grad" in out(state, "zero_grad()")
    assert out(state, "x.grad") == "None"
    out(state, "backward(y, [1, 1, 1])")
    assert out(state, "x.grad") == "[4.0, 6.0, 8.0]"


def test_second_backward_without_retain_graph(state):
    replay(state, "x = 3", "y = x^2", "backward(y)")
    text = err(state, "backward(y)")
    assert "error: autograd:" in text and "second time" in text
    assert "backward(y, retain_graph=true)" in text          # the REPL's spelling, as a hint
    assert "backward(y)\n" in text and "^" in text           # source line and caret
    assert out(state, "x.grad") == "6.0"                     # the first backward still counts


def test_non_scalar_backward_needs_a_seed(state):
    replay(state, "x = [1, 2, 3]", "y = x * 2")
    text = err(state, "backward(y)")
    assert "error: shape:" in text and "seed" in text and "jacobian" in text
    assert "backward(y, ones(3))" in text
    assert out(state, "x.grad") == "None"
    out(state, "backward(y, gradient=[1, 0, 1])")
    assert out(state, "x.grad") == "[2.0, 0.0, 2.0]"
    assert "shape" in err(state, "backward(y, [1, 1])")


def test_leaves_constants_and_graphs(state):
    assert out(state, "x = [2, 3, 4]") == "x = [2.0, 3.0, 4.0]  # requires grad"
    assert out(state, "c = const(2)") == "c = 2.0"
    assert out(state, "y = x^2 * c") == "y = [8.0, 18.0, 32.0]  # grad_fn=<MulBackward0>"
    x, c, y = (state.variables[n] for n in "xcy")
    assert x.is_leaf and x.requires_grad
    assert c.is_leaf and not c.requires_grad
    assert not y.is_leaf and y.grad_fn.name() == "MulBackward0"
    assert out(state, "y.grad_fn") == "<MulBackward0>"
    assert out(state, "y.grad_fn.next_functions") == "((<PowBackward0>, 0), (None, 0))"
    assert out(state, "x.is_leaf") == "True"
    assert out(state, "y.is_leaf") == "False"
    assert out(state, "c.requires_grad") == "False"
    assert out(state, "y.shape") == "(3,)"
    assert out(state, "c.grad_fn") == "None"
    assert out(state, "x.grad_fn") == "None"
    # one rule: a value computed from variables that require no grad is a constant ...
    out(state, "k = c * 3")
    assert not state.variables["k"].requires_grad
    out(state, "k2 = c")
    assert not state.variables["k2"].requires_grad
    # ... and one computed from numbers alone is a fresh leaf that requires grad
    out(state, "n = 2 * 3")
    assert state.variables["n"].is_leaf and state.variables["n"].requires_grad
    assert out(state, "y.next_functions") == out(state, "y.grad_fn.next_functions")  # the README lists it
    assert out(state, "x.next_functions") == "()"


def test_a_value_without_grad_from_a_variable_with_grad_is_a_constant(state):
    replay(state, "w = [1, 2]", "backward(sum(w^2))", "s = w.data - 0.05*w.grad")
    assert not state.variables["s"].requires_grad


@pytest.mark.parametrize("flag", ["True", "true", "1"])
def test_retain_graph_accepts_python_and_language_spellings(state, flag):
    replay(state, "x = 2", "y = x^3", f"backward(y, retain_graph={flag})", "backward(y)")
    assert state.variables["x"].grad.item() == 24.0


def test_statement_names_are_not_suggested_as_assignments(state):
    text = err(state, "backward")
    assert "'backward' is a statement" in text and "backward = 1" not in text, text
    assert "call it: backward(y)" in text


def test_a_typed_line_reports_its_column_only(state):
    text = err(state, "1 + nope")
    assert "(column 5)" in text and "line 1" not in text, text
    assert "(line 2, column 1)" in err(state, "(1 +\nnope)")  # a statement of several lines keeps the line


def test_load_of_a_missing_file_says_so(state, tmp_path):
    assert "no such file" in err(state, f":load {tmp_path / 'missing.txt'}")
    assert "not a regular file" in err(state, f":load {tmp_path}")


def test_graphs_connect_across_lines(state):
    replay(state, "x = 2", "y = x^3", "z = sin(y) + y", "backward(z)")
    x = state.variables["x"]
    assert state.variables["y"].grad_fn is not None
    import math
    assert x.grad.item() == pytest.approx((math.cos(8) + 1) * 12)


def test_grad_fn_names(state):
    replay(state, "x = [1, 2]")
    for expr, name in [("x + 1", "AddBackward0"), ("x * x", "MulBackward0"), ("sin(x)", "SinBackward0"),
                       ("sum(x)", "SumBackward0"), ("exp(x)", "ExpBackward0")]:
        assert out(state, f"t = {expr}").endswith(f"# grad_fn=<{name}>")
        assert out(state, "t.grad_fn") == f"<{name}>"


def test_language_programs(state):
    assert out(state, "sin(x)^2 at x = 0") == "0.0"
    assert out(state, "grad(x^3, x) at x = 2") == "12.0"
    assert out(state, "diff(sin(t), t, 3) at t = 0") == "-1.0"
    assert out(state, "hessian(sum(v^3), v) at v = [1, 2]") == "[[ 6.0,  0.0],\n [ 0.0, 12.0]]"
    assert out(state, "jacobian([x^2, x*y], x) at x = 1, y = 2") == "[2.0, 2.0]"
    # grad() of a REPL variable keeps the graph to it: differentiate it again with backward
    assert out(state, "w = 3") == "w = 3.0  # requires grad"
    assert out(state, "g = grad(w^3, w)").startswith("g = 27.0  # grad_fn=<")
    out(state, "backward(g)")
    assert out(state, "w.grad") == "18.0"


def test_definitions_persist(state):
    assert "defined f(t)" in out(state, "f(t) = t^2 + 1")
    assert out(state, "f(3)") == "10.0"
    out(state, "g(u) = 2 * u; g(f(1))")
    assert out(state, "g(5)") == "10.0"
    replay(state, "x = 2", "y = f(x)", "backward(y)")
    assert out(state, "x.grad") == "4.0"
    assert "recursive" in err(state, "h(t) = h(t)")
    assert "h" not in state.definitions


def test_state_survives_errors(state):
    replay(state, "x = [1, 2]", "f(t) = 2 * t")
    for bad in ["x +", "nope * 2", "x @ [1, 2, 3]", "backward(nope)", "y = undefined_fn(x)",
                "sin = 3", "x.nope", "f(1, 2)", "(", "1 / [", "zero_grad(q)"]:
        text = err(state, bad)
        assert text.startswith("error: ") and "Traceback" not in text
    assert "y" not in state.variables
    assert out(state, "f(x)") == "[2.0, 4.0]  # grad_fn=<MulBackward0>"


def test_unknown_variable_suggests_assignment(state):
    text = err(state, "q + 1")
    assert "unknown variable 'q'" in text and "q = 1" in text


def test_names_that_cannot_be_assigned(state):
    assert "built-in" in err(state, "sin = 1")
    assert "constant" in err(state, "pi = 3")
    assert "reserved" in err(state, "true = 1")
    assert "REPL statement" in err(state, "backward(t) = t")
    out(state, "f(t) = t")
    assert "function you defined" in err(state, "f = 2")
    out(state, "v = 1")
    assert "is a variable" in err(state, "v(t) = t")
    assert "None" in err(state, "n = v.grad")


def test_true_false_only_inside_backward(state):
    replay(state, "x = 2", "y = x^2", "backward(y, retain_graph=false)")
    assert "second time" in err(state, "backward(y, retain_graph=true)")
    assert "unknown variable 'true'" in err(state, "true + 1")
    assert "true or false" in err(state, "backward(y, retain_graph=maybe)")
    assert "no argument 'keep'" in err(state, "backward(y, keep=true)")


def test_zero_grad_of_one_variable(state):
    replay(state, "a = 1", "b = 2", "backward(a * b)")
    assert out(state, "a.grad") == "2.0" and out(state, "b.grad") == "1.0"
    assert "cleared a.grad" in out(state, "zero_grad(a)")
    assert out(state, "a.grad") == "None" and out(state, "b.grad") == "1.0"
    assert "no gradients" in out(state, "zero_grad(a)")


def test_backward_of_expression_and_create_graph(state):
    replay(state, "x = 3", "backward(x^3, create_graph=true)")
    assert state.variables["x"].grad.item() == 27.0
    assert state.variables["x"].grad.requires_grad


def test_anomaly_mode_points_at_the_operation(state):
    replay(state, ":anomaly on", "w = [0, 1]", "s = sum(sqrt(w^2))")
    text = err(state, "backward(s)")
    assert "PowBackward0 returned nan" in text and "backward pass of 'w^2'" in text
    assert "  s = sum(sqrt(w^2))\n" + " " * 15 + "^" in text  # the caret under the line that made it
    replay(state, ":anomaly off", "zero_grad()", "s = sum(sqrt(w^2))", "backward(s)")
    assert "nan" in out(state, "w.grad")


def test_multi_line_statement_and_comments(state):
    assert out(state, "m = [[1, 2],\n     [3, 4]]  # a matrix") == \
        "m = [[1.0, 2.0],\n     [3.0, 4.0]]  # requires grad"
    assert out(state, "# only a comment") == ""
    assert out(state, "   ") == ""


def test_error_line_numbers_in_scripts(state):
    r = state.execute("1 +\n  nope", lineno=10)
    assert r.err.startswith("line 11: error: name:") and "(line 11, column 3)" in r.err
    r = state.execute("nope", lineno=3, where="a.txt")
    assert r.err.startswith("a.txt:3: error:")


def test_interrupt_leaves_the_engine_usable(state, monkeypatch):
    replay(state, "x = 2")
    calls = []

    def boom(*a, **k):
        calls.append(1)
        raise KeyboardInterrupt
    monkeypatch.setattr(state.session, "prepare", boom)
    with pytest.raises(KeyboardInterrupt):
        state.execute("x^2")
    monkeypatch.undo()
    assert E.engine_state.budget is None and E.is_grad_enabled()
    assert out(state, "x^2").startswith("4.0")


def test_assignment_with_an_at_clause(state):
    assert out(state, "h = hessian(sum(v^3), v) at v = [1, 2]") == \
        "h = [[ 6.0,  0.0],\n     [ 0.0, 12.0]]  # requires grad"
    replay(state, "x = 10")
    assert out(state, "y = x^2 at x = 3") == "y = 9.0  # requires grad"  # 'at' wins over the variable
    assert state.variables["y"].is_leaf
    text = err(state, "z = q + at q = 1")
    assert text.startswith("error: parse:") and "z = q + at q = 1\n" in text
    assert "constant" in err(state, "k = x at x = y")


def test_messages_speak_the_users_language_not_pythons(state):
    replay(state, "x = 2", "c = const(3)")
    text = err(state, "y = x.grad * 2")
    assert "'x.grad' is None: x has no gradient yet" in text and "NoneType" not in text, text
    assert "not True or False" in err(state, "x.is_leaf + 1")
    text = err(state, "backward(c)")
    assert "'c' does not require grad" in text and "requires_grad=True" not in text, text


def test_an_overflowing_number_in_an_assignment_warns(state):
    text = out(state, "x = 1e400")
    assert "x = inf" in text and "the number 1e400 is too large for float64" in text, text
