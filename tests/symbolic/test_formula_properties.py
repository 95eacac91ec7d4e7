"""Formulas against the engine, on generated programs: a formula read back as a program and
evaluated at a point gives the engine's derivative at that point (first derivatives,
gradients, Hessian entries, mixed partials and orders up to 4)."""
from __future__ import annotations

import math
import re

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from diffcli.errors import DiffcliError
from formula_support import agree, answer, evaluate, numeric

UNARY = ("sin", "cos", "tan", "exp", "log", "sqrt", "atan", "tanh", "sinh", "cosh", "asinh", "erf",
         "sigmoid", "softplus", "cbrt", "abs", "relu", "log1p", "expm1")
BINARY = ("+", "-", "*", "/", "^2", "^3", "^(1/3)", "^x", "maximum", "hypot", "atan2", "where")

leaves = st.sampled_from(["x", "y", "x", "y", "2", "0.5", "3", "pi"])


def _extend(children):
    unary = st.tuples(st.sampled_from(UNARY), children).map(lambda t: f"{t[0]}({t[1]})")
    binary = st.tuples(st.sampled_from(BINARY), children, children).map(_binary)
    return unary | binary


def _binary(t):
    op, a, b = t
    if op in ("+", "-", "*", "/"):
        return f"({a} {op} {b})"
    if op == "^x":
        return f"(1 + {a}^2)^({b})"
    if op.startswith("^"):
        return f"({a}){op}"
    if op == "where":
        return f"where({a} > {b}, {a}, {b}*{a})"
    return f"{op}({a}, {b})"


def _names(text: str) -> list[str]:
    return [n for n in ("x", "y") if re.search(rf"\b{n}\b", text)]


programs = st.recursive(leaves, _extend, max_leaves=6).filter(lambda s: "x" in _names(s))
# programs of both variables: two programs joined through y
both = st.tuples(programs, programs, st.sampled_from(["+", "*", "/"])).map(
    lambda t: f"({t[0]}) {t[2]} (y^2 + {t[1]}^2)")
# Generic points: away from 0 and from x = y, where rules meet singular points (atan2 at the
# origin) or kinks, and the engine's zero-gradient convention (0 * inf = 0) is not a formula's.
coordinate = st.floats(-2.0, 2.0).map(lambda v: round(v, 3)).filter(lambda v: abs(v) > 0.05)
points = st.fixed_dictionaries({"x": coordinate, "y": coordinate}).filter(lambda p: abs(p["x"] - p["y"]) > 0.05)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                             HealthCheck.filter_too_much])


def _engine(command: str, text: str, point: dict, **options) -> dict:
    try:
        out = numeric(command, text, point, **options)
    except DiffcliError as err:
        assume(err.kind != "domain")
        raise
    return out


def _check(formula: str, want: float, point: dict, rtol: float) -> None:
    assume(math.isfinite(want))
    got = evaluate(formula, point)
    assert agree(got, want, rtol), (formula, point, got, want)


@SETTINGS
@given(programs, points)
def test_gradient_formula_equals_the_engine_gradient(text, point):
    names = _names(text)
    formulas = answer("grad", text, wrt=names)["grad"]
    numbers = _engine("grad", text, point, wrt=names)
    assume(not numbers["warnings"])  # away from kinks and masked NaNs
    for name in names:
        _check(formulas[name], numbers["grad"][name].item(), point, 1e-9)


@SETTINGS
@given(programs, points, st.integers(2, 4))
def test_higher_order_formula_equals_the_engine(text, point, order):
    formula = answer("diff", text, wrt=["x"], order=order, symbolic=True)["derivative"]
    numbers = _engine("diff", text, point, wrt=["x"], order=order)
    assume(not numbers["warnings"])
    _check(formula, numbers["derivative"].item(), point, 1e-7)


@SETTINGS
@given(both, points, st.lists(st.sampled_from("xy"), min_size=2, max_size=3))
def test_mixed_partial_formula_equals_the_engine(text, point, wrt):
    formula = answer("diff", text, wrt=wrt)["derivative"]
    numbers = _engine("diff", text, point, wrt=wrt)
    assume(not numbers["warnings"])
    _check(formula, numbers["derivative"].item(), point, 1e-8)


@settings(SETTINGS, max_examples=60)
@given(both, points)
def test_hessian_formulas_equal_the_engine(text, point):
    formulas = answer("hessian", text)["hessian"]
    numbers = _engine("hessian", text, point)
    assume(not numbers["warnings"])
    for u, row in formulas.items():
        for v, f in row.items():
            _check(f, numbers["hessian"][u][v].item(), point, 1e-8)


@pytest.mark.parametrize("text", ["x^2*exp(sin(x))", "tanh(x)", "x^(1/3)*sin(x)"])
def test_every_order_to_eight_reads_back(text):
    every = answer("diff", text, order=8, all_orders=True)["derivatives"]
    taylor = numeric("diff", text, {"x": 0.7}, order=8, all_orders=True)["derivatives"]
    assert len(every) == len(taylor) == 8
    for formula, want in zip(every, taylor):
        got = evaluate(formula, {"x": 0.7})
        assert agree(got, want.item(), 1e-8), (formula, got, want)
