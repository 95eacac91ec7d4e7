"""The ':' commands."""
from __future__ import annotations

from repl_testlib import err, out, replay


def test_vars(state):
    assert "no variables yet" in out(state, ":vars")
    replay(state, "x = [2, 3, 4]", "c = const(2)", "y = x^2 * c", "backward(y, [1, 1, 1])", "f(t) = t + 1")
    lines = out(state, ":vars").split("\n")
    assert lines[0].split() == ["name", "shape", "autograd", "value", "grad"]
    assert lines[1].split() == ["x", "(3,)", "requires", "grad", "[2.0,", "3.0,", "4.0]", "[8.0,", "12.0,", "16.0]"]
    assert lines[2].split() == ["c", "()", "constant", "2.0", "None"]
    assert "grad_fn=<MulBackward0>" in lines[3] and lines[3].startswith("y ")
    assert lines[4] == "f(t) = t + 1"


def test_help(state):
    text = out(state, ":help")
    for word in ("Statements", "backward(y, seed)", "elementwise", "sin", "hessian", "linear algebra",
                 ":load FILE", ":graph NAME", "x.grad_fn", "pi"):
        assert word in text
    assert max(len(line) for line in text.split("\n")) <= 100


def test_help_name(state):
    text = out(state, ":help sin")
    assert text.startswith("sin: sine") and "example    sin(pi/6)" in text and "= 0.49999999999999994" in text
    assert "grad(x^3, x) at x = 2" in out(state, ":help grad") and "= 12.0" in out(state, ":help grad")
    replay(state, "f(x) = x^2 + 1", "v = [1, 2]")
    assert out(state, ":help f") == "f: your function\n  f(x) = x^2 + 1"
    assert out(state, ":help v").startswith("v: a variable, shape (2,), requires grad")
    assert "retain_graph=true" in out(state, ":help backward")
    assert "AccumulateGrad" in out(state, ":help .next_functions") or "node" in out(state, ":help .next_functions")
    assert out(state, ":help :load").startswith(":load FILE")
    assert out(state, ":help load").startswith(":load FILE")
    assert "3.14159" in out(state, ":help pi")
    assert "did you mean" in err(state, ":help sinn") and "sin" in err(state, ":help sinn")


def test_precision(state):
    replay(state, "x = 2")
    assert out(state, "x / 3").startswith("0.6666666666666666")
    assert "3 significant" in out(state, ":precision 3")
    assert out(state, "x / 3").startswith("0.667")
    assert "round-trip" in out(state, ":precision off")
    assert out(state, "x / 3").startswith("0.6666666666666666")
    assert "1 to 17" in err(state, ":precision 40")


def test_load(state, tmp_path):
    script = tmp_path / "tutorial.txt"
    script.write_text("# a tutorial\nx = [1, 2]\n\ny = sum(x^2)\nnope + 1\nm = [1,\n  2] * x\n"
                      "backward(y)\n", encoding="utf-8")
    r = state.execute(f":load {script}")
    assert r.error
    assert f"{script}:5: error: name: unknown variable 'nope'" in r.err
    assert "(line 5, column 1)" in r.err
    assert "loaded" in r.out and "5 statements, 1 failed" in r.out
    assert out(state, "x.grad") == "[2.0, 4.0]"                   # the lines after the error ran
    assert out(state, "m") == "[1.0, 4.0]  # grad_fn=<MulBackward0>"  # a statement over two lines
    assert "cannot read" in err(state, f":load {tmp_path / 'missing.txt'}")
    assert "which file" in err(state, ":load")


def test_load_nested_and_self(state, tmp_path):
    inner = tmp_path / "inner.txt"
    inner.write_text("a = 5\n", encoding="utf-8")
    outer = tmp_path / "outer.txt"
    outer.write_text(f":load {inner}\nb = a * 2\n", encoding="utf-8")
    out(state, f":load {outer}")
    assert out(state, "b").startswith("10.0")
    loop = tmp_path / "loop.txt"
    loop.write_text(f":load {loop}\n", encoding="utf-8")
    assert "nested" in err(state, f":load {loop}")


def test_reset(state):
    from diffcli.engine import pool
    replay(state, "x = 1", "f(t) = t", "big = sum(ones(300000) * 2)")
    assert pool._kept  # the large temporaries' arrays are kept for reuse
    assert "forgot 2 variables and 1 function" in out(state, ":reset")
    assert not state.variables and not state.definitions
    assert not pool._kept  # :reset gives their memory back
    assert "unknown variable 'x'" in err(state, "x + 1")


def test_quit_and_unknown(state):
    assert state.execute(":quit").quit and state.execute(":q").quit and state.execute(":exit").quit
    text = err(state, ":frobnicate")
    assert "unknown command ':frobnicate'" in text
    for cmd in (":help", ":vars", ":graph", ":anomaly", ":precision", ":load", ":reset", ":quit"):
        assert cmd in text
    assert "did you mean :vars" in err(state, ":var")


def test_anomaly_switch(state):
    assert "off" in out(state, ":anomaly")
    assert "on" in out(state, ":anomaly on") and state.anomaly
    assert "on or off" in err(state, ":anomaly maybe")
    out(state, ":anomaly off")
    assert not state.anomaly


def test_graph(state):
    replay(state, "x = [2, 3]", "c = const(2)", "y = x^2 * c", "z = sum(y)", "backward(z)")
    text = out(state, ":graph z")
    lines = text.split("\n")
    assert lines[0].startswith("SumBackward0 'z = sum(y)'")
    assert lines[1].startswith("  MulBackward0 'y = x^2 * c'")
    assert lines[2].startswith("    PowBackward0 'x^2'")
    assert lines[3].startswith("      leaf 'x'") and "grad [8.0, 12.0]" in lines[3]
    assert "leaf 'x'" in out(state, ":graph x")
    assert "no graph" in out(state, ":graph c")
    assert out(state, ":graph sin(x[0])").startswith("SinBackward0 'sin(x[0])'")
    assert "which graph" in err(state, ":graph")
    assert "unknown variable" in err(state, ":graph nope")


def test_graph_of_a_square_and_of_a_matrix(state):
    replay(state, "x = 3", "y = x*x", "m = [[1, 2], [3, 4]]", "z = sum(m^2)", "backward(z)")
    lines = out(state, ":graph y").splitlines()
    assert [ln.split()[0] for ln in lines] == ["MulBackward0", "leaf", "leaf"]
    lines = out(state, ":graph z").splitlines()
    assert [ln.split()[0] for ln in lines] == ["SumBackward0", "PowBackward0", "leaf"], lines
