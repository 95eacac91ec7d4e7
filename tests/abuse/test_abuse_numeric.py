"""Numeric edge cases: the value or error the README documents, and strict JSON always.

README: a NaN made from finite inputs that reaches the result is a `domain` error
(log(-1), sqrt(-1), 0/0, inv of a singular matrix); infinite results (1/0, exp(1000)) are
values with a warning; nan/inf/-inf are the strings "nan", "inf", "-inf" in JSON; at kinks
one convention (abs'(0) = relu'(0) = 0, sqrt'(0) = inf and x^0.5 likewise, ties split,
norm/hypot'(0) = 0, d/dx x^y = 0 when y = 0, d/dy x^y = 0 when x^y = 0), with a warning.
"""
from __future__ import annotations

import math

import pytest

from abuse_testlib import COMMANDS, assert_clean, assert_error_doc, invoke, json_error, json_value

INF, NINF, NAN = "inf", "-inf", "nan"

# program -> (value, warning fragment or None)
EVAL = {
    "log(x) at x = 0": (NINF, "infinite"),
    "1/x at x = 0": (INF, "infinite"),
    "-1/x at x = 0": (NINF, "infinite"),
    "exp(x) at x = 1000": (INF, "infinite"),
    "1e308 * 10": (INF, "infinite"),
    "1e400": (INF, "1:1: the number 1e400 is too large for float64"),  # an overflowing literal
    "x at x = -1e999": (NINF, "1:11: the number 1e999 is too large"),
    "[1, 2e308]": ([1.0, INF], "1:5: the number 2e308 is too large"),
    "x^0.5 at x = 0": (0.0, None),
    "sqrt(x) at x = 0": (0.0, None),
    "abs(x) at x = 0": (0.0, None),
    "relu(x) at x = 0": (0.0, None),
    "nan": (NAN, "nan"),
    "inf": (INF, None),
    "-inf": (NINF, None),
    "x at x = nan": (NAN, "nan"),
    "x at x = -inf": (NINF, None),
    "sigmoid(-1000)": (0.0, None),
    "softplus(1000)": (1000.0, None),
    "logsumexp([1000, 1000])": (1000.6931471805599, None),
    "x^2 at x = 1e-320": (0.0, None),
    "0^0": (1.0, None),
    "atanh(1)": (INF, "infinite"),
    "where(x > 0, sqrt(x), 0) at x = -1": (0.0, "where"),
    "[1/0, -1/0, 0]": ([INF, NINF, 0.0], "infinite"),
    "nan == nan": (0.0, None),
    "max([nan, 1])": (NAN, "nan"),
}

DOMAIN = [
    "log(x) at x = -1", "sqrt(-1)", "0/0", "x/x at x = 0", "acos(2)", "asin(-2)", "acosh(0)",
    "log(-1e-300)", "(-8)^(1/3)", "sum(log(v)) at v = [1, 0, -1]", "inv([[1, 2], [2, 4]])", "sum(sqrt(v)) at v = [1, -1]",
]

# program -> (value, gradient of x (or v), warning fragment or None)
GRAD = {
    "log(x) at x = 0": (NINF, INF, "infinite"),
    "1/x at x = 0": (INF, NINF, "infinite"),
    "x^0.5 at x = 0": (0.0, INF, "non-differentiable"),
    # infinite slopes at a finite value are reported as sqrt's is
    "acos(x) at x = 1": (0.0, NINF, "acos'(±1) is infinite"),
    "acos(x) at x = -1": (math.pi, NINF, "acos'(±1) is infinite"),
    "asin(x) at x = -1": (-math.pi / 2, INF, "asin'(±1) is infinite"),
    "acosh(x) at x = 1": (0.0, INF, "acosh'(1) is infinite"),
    "cbrt(x) at x = 0": (0.0, INF, "cbrt'(0) is infinite"),
    "x^(1/3) at x = 0": (0.0, INF, "d/dx is infinite"),
    "x^x at x = 0": (1.0, 0.0, "0^0"),
    "sqrt(x) at x = 0": (0.0, INF, "non-differentiable"),
    "abs(x) at x = 0": (0.0, 0.0, "non-differentiable"),
    "relu(x) at x = 0": (0.0, 0.0, "non-differentiable"),
    "exp(x) at x = 1000": (INF, INF, "infinite"),
    "x at x = nan": (NAN, 1.0, "nan"),
    "maximum(x, 0) at x = 0": (0.0, 0.5, "non-differentiable"),
    "minimum(x, 0) at x = 0": (0.0, 0.5, "non-differentiable"),
    "norm(v) at v = [0, 0]": (0.0, [0.0, 0.0], None),
    "hypot(x, 0) at x = 0": (0.0, 0.0, None),
    "x^0 at x = 0": (1.0, 0.0, None),
    "0^x at x = 1": (0.0, 0.0, None),
    "clip(x, 0, 1) at x = 1": (1.0, 1.0, None),
    "clip(x, 0, 1) at x = 0": (0.0, 1.0, None),
    "where(x > 0, sqrt(x), 0) at x = -1": (0.0, 0.0, "where"),
    "where(x > 0, log(x), 0) at x = 0": (0.0, 0.0, None),
    "sign(x) at x = 0": (0.0, 0.0, None),
    "floor(x) at x = 1": (1.0, 0.0, None),
    "max(v) at v = [1, 1]": (1.0, [0.5, 0.5], None),
}


def _same(a, b) -> bool:
    if isinstance(b, list):
        return isinstance(a, list) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(b, float) and isinstance(a, float):
        return a == b or math.isclose(a, b, rel_tol=1e-15)
    return a == b


def _warned(doc: dict, fragment: str | None) -> None:
    if fragment is not None:
        assert any(fragment in w for w in doc.get("warnings", [])), doc


@pytest.mark.parametrize("program", list(EVAL))
def test_eval_edge_values(program: str) -> None:
    value, warn = EVAL[program]
    doc = json_value(invoke(["eval", "--json", "--", program]))
    assert _same(doc["value"], value), doc
    _warned(doc, warn)


def test_an_overflowing_at_value_warns() -> None:
    doc = json_value(invoke(["grad", "x*y at y = 2", "--at", "x=1e400", "--json"]))
    assert doc["value"] == INF and any("--at x: the number 1e400 is too large" in w for w in doc["warnings"]), doc


@pytest.mark.parametrize("program", DOMAIN)
@pytest.mark.parametrize("command", ["eval", "grad"])
def test_domain_errors(program: str, command: str) -> None:
    if command == "grad" and "at" not in program:
        program += " + 0*x at x = 1"
    body = json_error(invoke([command, program, "--json"]), "domain")
    assert body["line"] == 1 and body["column"] is not None, body


@pytest.mark.parametrize("program", list(GRAD))
def test_grad_edge_values(program: str) -> None:
    value, grad, warn = GRAD[program]
    doc = json_value(invoke(["grad", program, "--json"]))
    assert _same(doc["value"], value), doc
    (g,) = doc["grad"].values()
    assert _same(g, grad), doc
    _warned(doc, warn)


def test_inf_minus_inf_is_reported() -> None:
    """A NaN made from infinite inputs: a domain error or a nan value with a warning, never a
    silent number."""
    r = invoke(["eval", "x - x at x = inf", "--json"])
    assert_clean(r, codes=(0, 1))
    doc = r.only_json()
    if "error" in doc:
        assert_error_doc(doc, "domain")
    else:
        assert doc["value"] == NAN and doc.get("warnings"), doc


NUMERIC_BATCH = list(EVAL) + DOMAIN + list(GRAD) + [
    "x*y at x = inf, y = nan", "exp(x*y) at x = 1000, y = 1", "x^3 at x = 1e200", "[x, 1/x] at x = 0",
    "sum(v / v) at v = [0, 1]", "hessian(x^0.5, x) at x = 0", "diff(log(x), x, 3) at x = 0",
]


@pytest.mark.parametrize("command", COMMANDS)
def test_json_is_strict_for_every_command(command: str) -> None:
    """Every line, value or error, is RFC 8259 JSON (no NaN/Infinity tokens), one per program."""
    stdin = "\n".join(NUMERIC_BATCH) + "\n"
    args = [command, "-", "--json"] + (["--wrt", "x"] if command == "diff" else [])
    r = invoke(args, stdin=stdin)
    assert_clean(r, codes=(0, 1))
    docs = r.json_lines()  # strict_json raises on NaN / Infinity
    assert len(docs) == len(NUMERIC_BATCH), r
    for lineno, doc in enumerate(docs, start=1):
        if "error" in doc:
            body = assert_error_doc(doc)
            assert body["kind"] != "internal", (NUMERIC_BATCH[lineno - 1], body)
            assert body["line"] == lineno, body


@pytest.mark.parametrize("precision", [None, "1", "17"])
def test_text_output_of_non_finite_values(precision: str | None) -> None:
    args = ["grad", "[1/x, -1/x, x*nan] at x = 0", "--seed", "[1, 1, 1]"]
    r = invoke(args + (["--precision", precision] if precision else []))
    assert_clean(r, codes=(0,))
    first = r.out.splitlines()[0]
    assert first.split(None, 1)[1] == "[inf, -inf, nan]", r
    assert "warning:" in r.out, r


@pytest.mark.parametrize("program", ["log(x) at x = 0", "x^0.5 at x = 0", "x at x = nan"])
def test_check_where_numbers_cannot_decide_is_undetermined(program: str) -> None:
    """A numeric derivative that does not converge is undetermined, not a confident value,
    and does not fail the check; the summary covers the elements that were compared."""
    r = invoke(["check", program, "--json"])
    assert_clean(r, codes=(0,))
    doc = r.only_json()
    assert doc["undetermined"] == 1 and doc["variables"]["x"]["numeric"] == NAN, doc
    assert doc["max_abs_error"] == 0.0, doc


@pytest.mark.parametrize("program", ["log(x) at x = 0", "x^0.5 at x = 0", "sqrt(x) at x = 0"])
def test_check_warnings_are_about_the_program(program: str) -> None:
    """Finite-difference probes outside the domain must not surface as warnings about where()."""
    doc = invoke(["check", program, "--json"]).only_json()
    assert not any("where()" in w for w in doc.get("warnings", [])), doc


def test_check_at_a_kink_is_reported_not_crashing() -> None:
    r = invoke(["check", "relu(x) at x = 0", "--json"])
    assert_clean(r, codes=(1,))
    doc = r.only_json()
    assert doc["ok"] is False and doc["variables"]["x"]["numeric"] == 0.5, doc
    assert any("non-differentiable" in w for w in doc["warnings"]), doc
