"""The graph command (text tree, Graphviz dot, JSON nodes/edges) and the check command
(reverse mode against central finite differences)."""
from __future__ import annotations

import math
import re

import pytest

from cli_testlib import invoke, run_many, validate, validate_error

NODE_KEYS = {"id", "op", "text", "line", "column", "shape", "value", "is_leaf", "requires_grad", "grad"}
PROGRAM = "x^2*sin(y) at x=1.5, y=-0.5"


def graph_json(program: str, *opts: str) -> dict:
    res = invoke(["graph", "--json", *opts, "--", program])
    assert res.code == 0, res
    (obj,) = res.json_lines()
    return validate(obj, "graph")


# ----------------------------------------------------------------------------- graph JSON
@pytest.mark.parametrize("program", [PROGRAM, "exp(x)/x at x = 2", "sum(v^2) * w at v = [1, 2], w = 3",
                                     "f(t) = t^2; f(x) + 1 at x = 2", "x*x + log(x) at x = 3",
                                     "tanh(m @ v) @ v at m = [[1, 2], [3, 4]], v = [0.5, -0.5]"])
def test_graph_json_nodes_and_edges(program):
    obj = graph_json(program)
    nodes, edges = obj["nodes"], obj["edges"]
    source = program
    for n in nodes:
        assert set(n) == NODE_KEYS, n
        assert isinstance(n["shape"], list) and isinstance(n["is_leaf"], bool)
        if n["op"] == "leaf":
            assert n["is_leaf"] and n["requires_grad"] and n["line"] is None
        else:  # mapped to the source: the text is what stands at line:column (or in a definition)
            assert n["line"] == 1 and n["column"] >= 1
            assert source[n["column"] - 1:].startswith(n["text"]), (n, source)
    ids = {n["id"] for n in nodes}
    assert all(a in ids and b in ids and a != b for a, b in edges)
    # one edge per input: a repeated edge only where one value feeds both inputs (x*x)
    repeated = len(edges) - len({tuple(e) for e in edges})
    assert repeated == program.count("x*x"), edges
    # a DAG whose only sink is the result, the last node; its gradient is 1
    root = nodes[-1]
    assert not any(a == root["id"] for a, _ in edges)
    assert all(any(a == n["id"] for a, _ in edges) for n in nodes[:-1] if n["requires_grad"])
    assert root["grad"] == 1.0
    # the leaves carry the gradient the grad command reports
    grads = invoke(["grad", "--json", program]).json_lines()[0]["grad"]
    leaves = {n["text"]: n["grad"] for n in nodes if n["op"] == "leaf"}
    assert leaves == grads


def test_graph_json_example_exactly():
    obj = graph_json(PROGRAM)
    ops = [(n["op"], n["text"], n["line"], n["column"]) for n in obj["nodes"]]
    assert ops == [("leaf", "x", None, None), ("leaf", "y", None, None), ("PowBackward0", "x^2", 1, 1),
                   ("SinBackward0", "sin(y)", 1, 5), ("MulBackward0", "x^2*sin(y)", 1, 1)]
    assert obj["edges"] == [[0, 2], [1, 3], [2, 4], [3, 4]]
    assert obj["nodes"][2]["value"] == 2.25 and obj["nodes"][3]["grad"] == 2.25
    assert obj["nodes"][0]["grad"] == 3.0 * math.sin(-0.5)


def test_graph_of_a_non_scalar_program_has_no_gradients():
    obj = graph_json("[x, x^2] at x = 3")
    assert obj["nodes"][-1]["shape"] == [2] and obj["nodes"][-1]["value"] == [3.0, 9.0]
    assert all(n["grad"] is None for n in obj["nodes"])


def test_graph_wrt_limits_the_leaves():
    obj = graph_json("x*y + x at x = 1, y = 2", "--wrt", "x")
    assert [n["text"] for n in obj["nodes"] if n["op"] == "leaf"] == ["x"]
    assert obj["nodes"][0]["grad"] == 3.0


def test_graph_of_a_constant_program():
    obj = graph_json("1 + 2")
    assert obj["edges"] == [] and obj["nodes"][-1]["value"] == 3.0 and obj["nodes"][-1]["grad"] is None


def test_graph_errors_are_error_objects():
    res = invoke(["graph", "x + zz at x = 1", "--json"])
    assert res.code == 1
    assert validate_error(res.json_lines()[0])["kind"] == "name"


# ----------------------------------------------------------------------------- graph text and dot
def test_graph_text_tree():
    res = invoke(["graph", PROGRAM])
    assert res.code == 0
    assert res.stdout.splitlines() == [
        "MulBackward0 'x^2*sin(y)' @1:1  [scalar] value -1.0787074618594568  grad 1.0  (requires grad)",
        "  PowBackward0 'x^2' @1:1  [scalar] value 2.25  grad -0.479425538604203  (requires grad)",
        "    leaf 'x'  [scalar] value 1.5  grad -1.438276615812609  (leaf, requires grad)",
        "  SinBackward0 'sin(y)' @1:5  [scalar] value -0.479425538604203  grad 2.25  (requires grad)",
        "    leaf 'y'  [scalar] value -0.5  grad 1.9745607642533387  (leaf, requires grad)",
    ]


def test_graph_text_indentation_follows_the_edges():
    program = "sum(v^2) * w at v = [1, 2], w = 3"
    obj = graph_json(program)
    lines = invoke(["graph", program]).stdout.splitlines()
    depth = [(len(ln) - len(ln.lstrip(" "))) // 2 for ln in lines]
    assert depth[0] == 0 and all(b <= a + 1 for a, b in zip(depth, depth[1:]))
    assert sum(1 for ln in lines if ln.lstrip().startswith("leaf ")) >= 2
    assert lines[0].startswith(obj["nodes"][-1]["op"])
    assert "[2]" in invoke(["graph", "v^2 at v = [1, 2]"]).stdout


def test_graph_dot_matches_the_json():
    program = "exp(x)/x at x = 2"
    res = invoke(["graph", program, "--format", "dot"])
    assert res.code == 0
    dot = res.stdout
    lines = dot.strip().splitlines()
    assert lines[0] == "digraph diffcli {" and lines[-1] == "}"
    obj = graph_json(program)
    node_ids = re.findall(r"^\s*n(\d+) \[label=\"([^\"]*(?:\\\"[^\"]*)*)\"\];$", dot, flags=re.M)
    assert [int(i) for i, _ in node_ids] == [n["id"] for n in obj["nodes"]]
    for (_, label), n in zip(node_ids, obj["nodes"]):
        assert label.startswith(n["op"] + "\\n")
    edges = [[int(a), int(b)] for a, b in re.findall(r"^\s*n(\d+) -> n(\d+);$", dot, flags=re.M)]
    assert edges == obj["edges"]


def test_graph_dot_escapes_quotes_and_backslashes_safely():
    res = invoke(["graph", "x^2 at x = 1", "--format", "dot"])
    assert res.stdout.count("{") == res.stdout.count("}") == 1
    # two output formats at once are refused, not one silently dropped
    res = invoke(["graph", "x^2 at x = 1", "--format", "dot", "--json"], standalone=True)
    assert res.code == 2 and "two output formats" in res.stderr, res


def test_graph_dot_through_a_real_process():
    (r,) = run_many([(["graph", "exp(x)/x at x=2", "--format", "dot"], None, "script")])
    assert r.returncode == 0 and r.stderr == ""
    assert r.stdout.startswith("digraph diffcli {\n") and r.stdout.endswith("}\n")
    assert "n0 -> n1;" in r.stdout


# ----------------------------------------------------------------------------- check
def check_json(program: str, *opts: str) -> tuple[int, dict]:
    res = invoke(["check", program, "--json", *opts])
    (obj,) = res.json_lines()
    return res.code, validate(obj, "check")


@pytest.mark.parametrize("program", [PROGRAM, "atan2(y, x) at x = 1, y = 2", "sum(exp(v)) at v = [0.5, -1]",
                                     "det(m) at m = [[2, 1], [1, 3]]", "log(x) + x^3 at x = 0.7",
                                     "hypot(x, y) at x = 3, y = 4"])
def test_check_ok_for_correct_gradients(program):
    code, obj = check_json(program)
    assert code == 0 and obj["ok"] is True, obj
    assert obj["max_abs_error"] <= 1e-6
    for name, info in obj["variables"].items():
        assert info["ok"] is True


def test_check_tiny_tolerance_fails_with_exit_1():
    code, obj = check_json(PROGRAM, "--tol", "1e-15")
    assert code == 1 and obj["ok"] is False and obj["tolerance"] == 1e-15
    assert 0 < obj["max_abs_error"] < 1e-6
    res = invoke(["check", PROGRAM, "--tol", "1e-15"])
    assert res.code == 1 and res.stdout.splitlines()[0] == "ok             NO" and res.stderr == ""


def test_check_catches_a_deliberately_wrong_custom_gradient():
    program = "f(t) = t^2 with grad(g) = g*3*t; f(x) at x = 2"  # the true derivative is 2t
    code, obj = check_json(program)
    assert code == 1 and obj["ok"] is False
    assert obj["variables"]["x"]["grad"] == 6.0
    assert obj["variables"]["x"]["numeric"] == pytest.approx(4.0, rel=1e-8)
    assert obj["max_abs_error"] == pytest.approx(2.0, rel=1e-8)
    ok_code, ok_obj = check_json("f(t) = t^2 with grad(g) = g*2*t; f(x) at x = 2")
    assert ok_code == 0 and ok_obj["ok"] is True


def test_check_text_labels():
    res = invoke(["check", "atan2(y, x) at x=1, y=2"])
    labels = [ln[:15].rstrip() for ln in res.stdout.splitlines()]
    assert labels == ["ok", "max abs error", "max rel error", "∂/∂y reverse", "∂/∂y numeric",
                      "∂/∂x reverse", "∂/∂x numeric"]
    assert res.stdout.splitlines()[0] == "ok             yes"


def test_check_in_a_batch_fails_only_the_disagreeing_line():
    res = invoke(["check", "-", "--json"],
                 stdin="x at x = 0\nf(t) = t^2 with grad(g) = g*3*t; f(x) at x = 1.1\nzz\n")
    out = res.json_lines()
    assert res.code == 1 and len(out) == 3
    assert out[0]["ok"] is True and out[1]["ok"] is False and out[2]["error"]["line"] == 3


def test_check_summary_errors_do_not_hide_nan():
    code, obj = check_json("f(t) = t^2 with grad(g) = g*nan; f(x) at x = 2")  # a nan gradient is wrong
    assert obj["variables"]["x"]["max_abs_error"] == "nan"
    assert obj["max_abs_error"] == "nan", obj
    assert obj["ok"] is False and code == 1


@pytest.mark.parametrize("program", ["sqrt(x) at x = 0",  # every probe x - h leaves the domain
                                     "atan2(y, x) at x = 0, y = 0",  # a singular point
                                     "atan2(y, x) at x = -1, y = 0"])  # a branch cut (in y)
def test_check_says_undetermined_where_finite_differences_cannot_decide(program):
    code, obj = check_json(program)
    assert code == 0 and obj["ok"] is True, obj
    assert obj["undetermined"] >= 1 and any("undetermined" in w for w in obj["warnings"])
    res = invoke(["check", program])
    assert "numeric   undetermined" in res.stdout and res.code == 0, res.stdout


@pytest.mark.parametrize("program, at", [
    ("sum(log(v))", "v=linspace(1e-3, 1, 65)"),  # over 64 elements the step adapts too
    ("sum(sqrt(v))", "v=linspace(1e-7, 1, 100)"),
    ("sqrt(x)", "x=1e-8"), ("sqrt(x)", "x=1e-12"), ("1/x", "x=1e-8"),  # near a domain edge or a pole
    ("log(x - 1)", "x=1.001"), ("sin(x + 1)", "x=1e-10"),
])
def test_check_passes_correct_gradients_near_edges_and_poles(program, at):
    code, obj = check_json(program, "--at", at)
    assert code == 0 and obj["ok"] is True and obj["undetermined"] == 0, obj
    assert obj["max_rel_error"] < 1e-8


def test_check_step_adapts_near_a_domain_edge():
    code, obj = check_json("log(x) at x = 1e-7")  # the first steps probe below 0; smaller ones settle
    assert obj["ok"] is True and code == 0, obj
    assert obj["max_rel_error"] < 1e-6


def test_check_warnings_are_the_programs_own():
    _, obj = check_json("log(x) at x = 1e-7")
    assert not any("where()" in w for w in obj.get("warnings", [])), obj


def test_check_with_a_repeated_wrt_name_agrees_with_grad():
    code, obj = check_json("x^2 at x = 3", "--wrt", "x,x")
    assert obj["ok"] == all(v["ok"] for v in obj["variables"].values())
    assert code == 0 and obj["ok"] is True


def test_graph_text_keeps_one_node_per_line_for_matrices():
    res = invoke(["graph", "sum(m^2)", "--at", "m=[[1,2],[3,4]]"])
    lines = res.stdout.splitlines()
    assert [ln.split()[0] for ln in lines] == ["SumBackward0", "PowBackward0", "leaf"], res.stdout
    assert "grad [[2.0, 4.0], [6.0, 8.0]]" in lines[2]


def test_graph_shows_both_inputs_of_a_binary_operation_on_one_value():
    text = invoke(["graph", "x*x at x=3"]).stdout.splitlines()
    assert text[0].startswith("MulBackward0") and [ln.split()[0] for ln in text[1:]] == ["leaf", "leaf"]
    (obj,) = invoke(["graph", "x*x at x=3", "--json"]).json_lines()
    assert obj["edges"] == [[0, 1], [0, 1]]
    dot = invoke(["graph", "x*x at x=3", "--format", "dot"]).stdout
    assert dot.count("n0 -> n1;") == 2
