"""Source spans: the evaluator's trace, the graph command's nodes and every engine node's
origin point at the text of the operation that made them."""
from __future__ import annotations

import pytest

from diffcli import engine as E
from diffcli.errors import DiffcliError, line_col
from diffcli.language.limits import Limits
from diffcli.session import Options, Session
from language_testlib import run_cmd


def trace(text: str, grad: bool = True) -> list[tuple[str, str]]:
    """(operation kind, source text) of each operation, in evaluation order."""
    p = Session(Limits()).prepare(text, Options())
    env, _ = p.env(p.order if grad else [])
    p.evaluator.trace = []
    y = p.evaluate(env)
    out = []
    for src, expr, t in p.evaluator.trace:
        assert isinstance(t, E.Tensor)
        out.append((expr.kind, src[expr.span[0]:expr.span[1]]))
    assert p.evaluator.trace[-1][2] is y
    return out


@pytest.mark.parametrize("text, expected", [
    ("sin(x) * (x + 2)\n  + exp(y) at x = 1, y = 2",
     [("call", "sin(x)"), ("binary", "x + 2"), ("binary", "sin(x) * (x + 2)"), ("call", "exp(y)"),
      ("binary", "sin(x) * (x + 2)\n  + exp(y)")]),
    ("[x^2, 1] @ [1, x] at x = 3",
     [("binary", "x^2"), ("tensor", "[x^2, 1]"), ("tensor", "[1, x]"), ("binary", "[x^2, 1] @ [1, x]")]),
    ("v[1] < v[0]^-1 at v = [1, 2]",
     [("index", "v[1]"), ("index", "v[0]"), ("binary", "v[0]^-1"),  # -1: a signed number, no operation
      ("binary", "v[1] < v[0]^-1")]),
    ("sum(v[0:2], 0) / 2 at v = [1, 2, 3]",
     [("index", "v[0:2]"), ("call", "sum(v[0:2], 0)"), ("binary", "sum(v[0:2], 0) / 2")]),
    ("stack(x, x, axis = 0) at x = 1", [("call", "stack(x, x, axis = 0)")]),
    ("-x at x = 1", [("unary", "-x")]),
    ("[1, -2.5, 3] @ [x, -x, 1] at x = 2",  # a literal of numbers: one array, no stack of constants
     [("tensor", "[1, -2.5, 3]"), ("unary", "-x"), ("tensor", "[x, -x, 1]"),
      ("binary", "[1, -2.5, 3] @ [x, -x, 1]")]),
    ("-(x * 2) at x = 1", [("binary", "x * 2"), ("unary", "-(x * 2)")]),
])
def test_trace_points_at_each_operation(text, expected):
    assert trace(text) == expected


@pytest.mark.parametrize("text, op", [("- x at x = 1", "- x"), ("-  # minus\n  x at x = 1", "-  # minus\n  x"),
                                      ("2 * - x at x = 1", "- x")])
def test_unary_span_starts_at_the_operator(text, op):
    assert ("unary", op) in trace(text)


def test_user_function_operations_point_into_the_definition():
    text = "sq(t) = t^2 + 1;\nsq(x) * 3 at x = 2"
    assert trace(text) == [("binary", "t^2"), ("binary", "t^2 + 1"), ("binary", "sq(x) * 3")]


def test_custom_gradient_call_is_one_operation():
    text = "sround(x) = round(x) with grad(g) = g; 2 * sround(x) at x = 1.3"
    kinds = trace(text)
    assert ("call", "sround(x)") in kinds and kinds[-1] == ("binary", "2 * sround(x)")


def test_graph_command_nodes_carry_text_and_position():
    text = "f(t) = sin(t);\nf(x) * (x + 2)\n  + exp(y) at x = 1, y = 2"
    r = run_cmd(text, "graph")
    nodes = {n["text"]: n for n in r["nodes"]}
    assert [n["op"] for n in r["nodes"][:2]] == ["leaf", "leaf"]
    expect = {"sin(t)": ("SinBackward0", 1, 8), "x + 2": ("AddBackward0", 2, 9),
              "f(x) * (x + 2)": ("MulBackward0", 2, 1), "exp(y)": ("ExpBackward0", 3, 5),
              "f(x) * (x + 2)\n  + exp(y)": ("AddBackward0", 2, 1)}
    for snippet, (op, line, col) in expect.items():
        n = nodes[snippet]
        assert (n["op"], n["line"], n["column"]) == (op, line, col), n
        start = text.index(snippet, text.index(";") if snippet != "sin(t)" else 0)
        assert line_col(text, start) == (line, col)
    ids = {n["text"]: n["id"] for n in r["nodes"]}
    assert [ids["x"], ids["x + 2"]] in r["edges"]
    assert [ids["sin(t)"], ids["f(x) * (x + 2)"]] in r["edges"]
    assert float(nodes["exp(y)"]["grad"].item()) == 1.0


def _graph_nodes(y: E.Tensor) -> list:
    out, stack, seen = [], [y.grad_fn], set()
    while stack:
        n = stack.pop()
        if n is None or isinstance(n, E.Tensor) or id(n) in seen:
            continue
        seen.add(id(n))
        out.append(n)
        stack.extend(n.edges)
    return out


def test_every_engine_node_has_its_origin():
    text = "sq(t) = t^2;\nsum(sq(v) * [1, 2]) + v[0] / -v[1] at v = [3, 4]"
    r = run_cmd(text, "grad")
    nodes = _graph_nodes(r["value"])
    assert len(nodes) >= 6
    texts = set()
    for n in nodes:
        assert isinstance(n.origin, tuple) and len(n.origin) == 2, n.name()
        src, expr = n.origin
        assert src == text
        texts.add(src[expr.span[0]:expr.span[1]])
    assert {"t^2", "sq(v) * [1, 2]", "sum(sq(v) * [1, 2])", "v[0]", "v[1]", "-v[1]", "v[0] / -v[1]"} <= texts


def test_origin_names_the_operation_of_its_node():
    text = "exp(x) * log(x) at x = 2"
    y = run_cmd(text, "grad")["value"]
    names = {n.name(): n.origin[0][n.origin[1].span[0]:n.origin[1].span[1]] for n in _graph_nodes(y)}
    assert names == {"MulBackward0": "exp(x) * log(x)", "ExpBackward0": "exp(x)", "LogBackward0": "log(x)"}


def test_nodes_of_an_in_language_derivative_have_origins():
    text = "y * grad(x^3, x) at x = 2, y = 1"
    y = run_cmd(text, "grad")["value"]
    for n in _graph_nodes(y):
        assert isinstance(n.origin, tuple), n.name()


def test_backward_pass_errors_point_at_the_gradient_rule():
    text = "f(x) = x with grad(g) = g + [1, 2, 3];\nsum(f(v)) at v = [1, 2]"
    with pytest.raises(DiffcliError) as info:
        run_cmd(text, "grad")
    err = info.value
    assert err.kind == "shape" and "(2,)" in err.message and "(3,)" in err.message
    assert (err.line, err.column) == (1, 25)
    assert text[err.span[0]:err.span[1]] == "g + [1, 2, 3]"


def test_warnings_carry_positions():
    r = run_cmd("1 +\n  abs(x) at x = 0", "grad")
    assert any(w.startswith("2:3:") and "abs(x)" in w and "non-differentiable" in w for w in r["warnings"])
