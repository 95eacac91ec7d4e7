"""Property-based fuzzing with hypothesis.

* Programs from a grammar of valid syntax, through ``diffcli.commands.run`` for every
  command: an answer (which renders as strict JSON) or a DiffcliError; never any other
  exception.
* Arbitrary text, and random bytes decoded leniently, into ``diffcli.language.parser.parse``
  and into ``commands.run`` for every command: only DiffcliError may escape, and an error's
  position lies inside the text.
* The CLI's ``main`` through click's CliRunner on generated command lines: exit 0, 1 or 2,
  no traceback, strict JSON Lines with --json.

Derandomized (the same examples every run) so CI is reproducible; set ABUSE_FUZZ_SCALE=10 to
fuzz harder locally.
"""
from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from abuse_testlib import COMMANDS, KINDS, assert_error_doc, invoke, strict_json
from diffcli import commands
from diffcli.errors import DiffcliError
from diffcli.language.limits import Limits
from diffcli.language.parser import parse
from diffcli.render import result_json
from diffcli.session import Options, Session

SCALE = max(1, int(os.environ.get("ABUSE_FUZZ_SCALE", "1")))


def _settings(n: int) -> settings:
    return settings(max_examples=n * SCALE, deadline=None, derandomize=SCALE == 1, database=None,
                    suppress_health_check=list(HealthCheck))


def _limits() -> Limits:
    return Limits(max_elements=10**5, max_nodes=2 * 10**5, max_length=20_000, timeout=3.0)


def _check_position(err: DiffcliError, text: str) -> None:
    assert err.kind in KINDS, err.kind
    assert err.kind != "internal", err
    assert isinstance(err.message, str) and err.message, err
    if err.line is not None and err.source == text:
        lines = text.split("\n")
        assert 1 <= err.line <= len(lines), (err, err.line, len(lines))
        assert err.column is not None and 1 <= err.column <= len(lines[err.line - 1]) + 1, (err, err.column)


def _run(command: str, text: str, **opts) -> dict | None:
    options = Options(limits=_limits(), **opts)
    try:
        result = commands.run(Session(options.limits), command, text, options)
    except DiffcliError as err:
        _check_position(err, text)
        return None
    strict_json(result_json(command, result))  # an answer always renders as strict JSON
    return result


# --------------------------------------------------------------------------- a grammar of valid programs
UNARY = ["sin", "cos", "tan", "exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu", "softplus", "erf", "atan",
         "asinh", "cbrt", "floor", "sign", "expm1", "log1p", "sum", "mean", "prod", "max", "min", "norm",
         "logsumexp", "softmax", "detach", "asin", "acos", "acosh", "atanh", "cosh", "sinh", "log2", "log10",
         "round", "ceil", "transpose", "trace", "det", "inv", "diag", "const"]
BINARY_FN = ["atan2", "maximum", "minimum", "hypot", "pow", "dot", "outer", "matmul"]
OPS = ["+", "-", "*", "/", "^", "**", "@", "<", ">", "<=", ">=", "==", "!="]
LEAVES = ["x", "y", "v", "m", "1", "2", "0", "0.5", ".5", "1e-3", "3e2", "pi", "e", "inf", "nan", "-1",
          "[1, 2]", "[[1, 2], [3, 4]]", "1e308", "zeros(2)", "ones(2, 2)", "eye(2)", "linspace(0, 1, 3)",
          "arange(3)", "full(2, 7)"]
BINDINGS = [
    " at x = 0.5, y = -2, v = [1, 2], m = [[1, 2], [3, 4]]",
    " at x = 0, y = 1, v = [0, 0], m = [[1, 2], [2, 4]]",
    " at x = 1, y = 1, v = [1, 2, 3], m = [[1]]",
    " at x = -1, y = 0, v = [1], m = [[0, 1], [1, 0]]",
]
DEFS = ["", "f(t) = t^2 + 1; ", "f(t) = sin(t) with grad(g) = g*cos(t); ", "f(t) = round(t) with grad(g) = g; ",
        "h(a, b) = a*b; f(t) = h(t, t); "]


def _extend(inner: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(
        st.tuples(inner, st.sampled_from(OPS), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(st.sampled_from(UNARY), inner).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(st.sampled_from(BINARY_FN), inner, inner).map(lambda t: f"{t[0]}({t[1]}, {t[2]})"),
        inner.map(lambda a: f"-{a}"),
        st.tuples(inner, inner).map(lambda t: f"[{t[0]}, {t[1]}]"),
        st.tuples(inner, st.sampled_from(["0", "1", "-1", "0:1", ":", "::-1", "0, 0", ":, 0"])).map(
            lambda t: f"{t[0]}[{t[1]}]"),
        st.tuples(st.sampled_from(["grad", "diff", "jacobian", "hessian"]), inner,
                  st.sampled_from(["x", "y", "v"])).map(lambda t: f"{t[0]}({t[1]}, {t[2]})"),
        st.tuples(inner, st.sampled_from(["2", "3"])).map(lambda t: f"diff({t[0]}, x, {t[1]})"),
        st.tuples(inner, inner, inner).map(lambda t: f"where({t[0]}, {t[1]}, {t[2]})"),
        st.tuples(inner, inner, inner).map(lambda t: f"clip({t[0]}, {t[1]}, {t[2]})"),
        st.tuples(inner, st.sampled_from(["0", "1", "-1", "2, 2", "[4]"])).map(lambda t: f"reshape({t[0]}, {t[1]})"),
        st.tuples(inner, inner).map(lambda t: f"stack({t[0]}, {t[1]}, axis=0)"),
        st.tuples(inner, inner).map(lambda t: f"concat({t[0]}, {t[1]})"),
        st.tuples(inner, st.sampled_from(["0", "1", "-1"])).map(lambda t: f"sum({t[0]}, {t[1]})"),
        inner.map(lambda a: f"f({a})"),
    )


EXPR = st.recursive(st.sampled_from(LEAVES), _extend, max_leaves=10)
PROGRAM = st.tuples(st.sampled_from(DEFS), EXPR, st.sampled_from(BINDINGS)).map(lambda t: t[0] + t[1] + t[2])


@_settings(150)
@given(PROGRAM, st.sampled_from(COMMANDS), st.sampled_from([None, ["x"], ["x", "y"], ["v"], ["m"], ["y", "x"]]),
       st.sampled_from([1, 2, 3]), st.booleans())
def test_valid_programs_answer_or_raise_diffcli_errors(program: str, command: str, wrt, order: int,
                                                       detect: bool) -> None:
    if command == "diff" and (wrt is None or len(wrt) != 1):
        order = 1
    _run(command, program, wrt=wrt, order=order if command == "diff" else 1, detect_anomaly=detect,
         all_orders=order > 1)


@_settings(60)
@given(PROGRAM, st.sampled_from(["[1, 0]", "1", "[[1, 0], [0, 1]]", "nan", "(", "y"]))
def test_valid_programs_with_a_seed(program: str, seed: str) -> None:
    _run("grad", program, seed=seed)


@_settings(60)
@given(EXPR, st.sampled_from(["0.5", "[1, 2]", "pi/4", "-inf", "nan", "[[1]]", "1e308", "(", "y", "log(-1)"]))
def test_valid_programs_with_at_values(expr: str, value: str) -> None:
    _run("grad", expr + " at y = 1, v = [1, 2], m = [[1, 2], [3, 4]]", at=[("x", value)])


# --------------------------------------------------------------------------- arbitrary text and bytes
PIECES = st.sampled_from(list("xyv0123456789.+-*/^@()[],;:=<>!#_ \t\n\r'\"$`\\{}|&~?") + [
    "sin", "at", " at x = 1", "x = 1", "f(x)", "**", "inf", "nan", "pi", "e", "zeros", "grad(", "diff(",
    "with grad(g) = ", "axis=", "__import__", ".__class__", "\u2212", "\u00b2", "\uff11", "\u200b", "\u202e",
    "\x00", "\ufeff", "1e", "1e-", "..", "[[", "]]", "((", "))"])
TEXT = st.one_of(st.text(max_size=60), st.lists(PIECES, max_size=30).map("".join))


@_settings(400)
@given(TEXT)
def test_parse_arbitrary_text(text: str) -> None:
    for start in ("program", "repl_line"):
        try:
            parse(text, start=start)
        except DiffcliError as err:
            _check_position(err, text)


@_settings(200)
@given(st.binary(max_size=80))
def test_parse_random_bytes_decoded_leniently(raw: bytes) -> None:
    for errors in ("replace", "surrogateescape", "ignore"):
        text = raw.decode("utf-8", errors=errors)
        try:
            parse(text)
        except DiffcliError as err:
            _check_position(err, text)
    text = raw.decode("latin-1")
    try:
        parse(text)
    except DiffcliError as err:
        _check_position(err, text)


@_settings(80)
@given(TEXT)
def test_every_command_on_arbitrary_text(text: str) -> None:
    for command in COMMANDS:
        _run(command, text)


@_settings(60)
@given(st.binary(max_size=60))
def test_every_command_on_random_bytes(raw: bytes) -> None:
    text = raw.decode("utf-8", errors="replace")
    for command in COMMANDS:
        _run(command, text)


# --------------------------------------------------------------------------- the CLI
OPTION = st.sampled_from([
    [], ["--json"], ["--at", "x=1"], ["--at", "x=[1, 2]"], ["--at", "y=nan"], ["--at", "x"], ["--wrt", "x"],
    ["--wrt", "x,y"], ["--wrt", "1x"], ["--precision", "3"], ["--precision", "0"], ["--order", "2"],
    ["--order", "0"], ["--seed", "1"], ["--tol", "1e-3"], ["--timeout", "2"], ["--timeout", "-1"],
    ["--max-elements", "10"], ["--max-depth", "3"], ["--max-nodes", "5"], ["--max-order", "1"],
    ["--detect-anomaly"], ["--all"], ["--format", "dot"], ["--bogus"], ["--"],
])
CLI_PROGRAM = st.one_of(PROGRAM, TEXT, st.sampled_from(["-", "", "x", "-x", "--help"]))


@_settings(80)
@given(st.sampled_from(list(COMMANDS) + ["bogus"]), CLI_PROGRAM, st.lists(OPTION, max_size=3),
       st.lists(TEXT, max_size=3))
def test_cli_main_on_generated_command_lines(command: str, program: str, options: list, stdin_lines: list) -> None:
    args = [command, program] + [a for o in options for a in o]
    stdin = "\n".join(line.replace("\n", " ") for line in stdin_lines) + "\n"
    r = invoke(args, stdin=stdin)
    assert r.code in (0, 1, 2), r
    for leak in ("Traceback", "MemoryError", "RecursionError"):
        assert leak not in r.out + r.err, r
    if "--json" in args and "--" not in args[:args.index("--json")] and "--help" not in args:
        for line in r.lines():
            doc = strict_json(line)
            if "error" in doc:
                body = assert_error_doc(doc)
                assert body["kind"] != "internal", (args, body)
                assert (body["kind"] == "usage") == (r.code == 2), (args, r)
    elif r.code == 1 and "--json" not in args:
        assert "error: internal" not in r.err, (args, r)


@pytest.mark.parametrize("args", [
    ["grad", "x^2 at x = 3", "--json"],
    ["diff", "exp(sin(x)) at x = 0.7", "--order", "10", "--all", "--json"],
    ["hessian", "sum(v^3)", "--at", "v=[1, 2]", "--json"],
    ["jacobian", "[x*y, x+y, sin(x)]", "--at", "x=1", "--at", "y=2", "--json"],
    ["check", "atan2(y, x) at x = 1, y = 2", "--json"],
    ["graph", "x^2*sin(y) at x = 1.5, y = -0.5", "--json"],
])
def test_cli_examples_still_answer(args: list[str]) -> None:
    """Sanity for the harness: well-formed command lines give answers."""
    r = invoke(args)
    assert r.code == 0, r
    assert "error" not in strict_json(r.out)


# --------------------------------------------------------------------------- found by fuzzing
@pytest.mark.parametrize("program,grad", [("sum(outer(x, [1, 2])) at x = 0.5", 3.0),
                                          ("sum(outer([1, 2], x)) at x = 0.5", 3.0)])
def test_outer_with_a_scalar_has_a_gradient(program: str, grad: float) -> None:
    r = invoke(["grad", program, "--json"])
    assert r.code in (0, 1), r
    doc = strict_json(r.out)
    if "error" in doc:
        assert_error_doc(doc, "shape")  # outer may insist on vectors, but then say so
    else:
        assert doc["grad"]["x"] == grad, doc
