"""diffcli taylor: coefficients against SymPy's series, the polynomial text parses back to the
same numbers, fractions where exact, the multivariate polynomial, and its errors."""
from __future__ import annotations

import math

import pytest
import sympy as sp

from cli_testlib import call_main, invoke

X, Y = sp.symbols("x y")
CASES = [  # diffcli program, SymPy expression, point, order
    ("exp(x)", sp.exp(X), 0.0, 8),
    ("sin(x)", sp.sin(X), 0.5, 9),
    ("log(1 + x)", sp.log(1 + X), 0.3, 7),
    ("x^3*cos(x)", X ** 3 * sp.cos(X), 1.2, 6),
    ("sqrt(x)", sp.sqrt(X), 2.0, 6),
    ("atan(x)", sp.atan(X), -0.7, 8),
    ("1/(1 + x^2)", 1 / (1 + X ** 2), 0.25, 10),
    ("exp(sin(x))*tanh(x)", sp.exp(sp.sin(X)) * sp.tanh(X), 0.4, 7),
]


def _close(a: float, b: float, rtol: float = 1e-12) -> bool:
    return abs(a - b) <= rtol * max(1.0, abs(b))


@pytest.mark.parametrize("program,expr,a,order", CASES, ids=[c[0] for c in CASES])
def test_coefficients_match_sympy_series(program, expr, a, order):
    (obj,) = invoke(["taylor", program, "--at", f"x={a!r}", "--order", str(order), "--json"]).json_lines()
    assert list(obj) == ["value", "at", "coefficients", "polynomial"]
    assert obj["at"] == {"x": a}
    series = sp.series(expr, X, sp.Rational(a), order + 1).removeO()
    shifted = sp.Poly(sp.expand(series.subs(X, X + sp.Rational(a))), X)
    want = [float(shifted.coeff_monomial(X ** k)) for k in range(order + 1)]
    assert len(obj["coefficients"]) == order + 1
    for k, (got, exp) in enumerate(zip(obj["coefficients"], want)):
        assert _close(got, exp), (k, got, exp)
    assert obj["value"] == obj["coefficients"][0]


@pytest.mark.parametrize("program,expr,a,order", CASES[:5], ids=[c[0] for c in CASES[:5]])
def test_the_polynomial_parses_back_to_the_same_numbers(program, expr, a, order):
    (obj,) = invoke(["taylor", program, "--at", f"x={a!r}", "--order", str(order), "--json"]).json_lines()
    for x in (a, a + 0.1, a - 0.05):
        (ev,) = invoke(["eval", f"{obj['polynomial']} at x = {x!r}", "--json"]).json_lines()
        by_hand = sum(c * (x - a) ** k for k, c in enumerate(obj["coefficients"]))
        assert _close(ev["value"], by_hand, 1e-14), (obj["polynomial"], x)


def test_recognisable_rationals_print_as_fractions():
    res = invoke(["taylor", "sin(x)", "--at", "x=0", "--order", "7"])
    lines = dict(line.split(None, 1) for line in res.stdout.splitlines())
    assert lines["c3"] == "-1/6" and lines["c5"] == "1/120" and lines["c7"] == "-1/5040"
    assert lines["polynomial"] == "x - 1/6*x^3 + 1/120*x^5 - 1/5040*x^7"
    (obj,) = invoke(["taylor", "sqrt(1 + x)", "--at", "x=0", "--order", "2", "--json"]).json_lines()
    assert obj["polynomial"] == "1 + 1/2*x - 1/8*x^2"
    assert obj["coefficients"] == [1.0, 0.5, -0.125]


def test_about_a_point_the_powers_are_of_x_minus_a():
    (obj,) = invoke(["taylor", "log(x)", "--at", "x=1", "--order", "3", "--json"]).json_lines()
    assert obj["polynomial"] == "(x - 1) - 1/2*(x - 1)^2 + 1/3*(x - 1)^3"
    (obj,) = invoke(["taylor", "x^2", "--at", "x=-2", "--order", "2", "--json"]).json_lines()
    assert obj["polynomial"] == "4 - 4*(x + 2) + (x + 2)^2"


def test_multivariate_to_total_order_matches_sympy():
    program, expr, at = "sin(x)*exp(y) + x*y^2", sp.sin(X) * sp.exp(Y) + X * Y ** 2, {"x": 0.3, "y": -0.2}
    (obj,) = invoke(["taylor", program, "--at", "x=0.3", "--at", "y=-0.2", "--wrt", "x,y", "--order", "3",
                     "--json"]).json_lines()
    coeffs = obj["coefficients"]
    assert list(coeffs) == ["1", "x", "y", "x^2", "x*y", "y^2", "x^3", "x^2*y", "x*y^2", "y^3"]
    subs = {X: sp.Rational(at["x"]), Y: sp.Rational(at["y"])}
    for key, got in coeffs.items():
        px = 0 if "x" not in key else (int(key.split("x^")[1][0]) if "x^" in key else 1)
        py = 0 if "y" not in key else (int(key.split("y^")[1][0]) if "y^" in key else 1)
        want = float(sp.diff(expr, X, px, Y, py).subs(subs) / (math.factorial(px) * math.factorial(py))) \
            if px + py else float(expr.subs(subs))
        assert _close(got, want), (key, got, want)
    (ev,) = invoke(["eval", f"{obj['polynomial']} at x = 0.35, y = -0.15", "--json"]).json_lines()
    exact = float(expr.subs({X: sp.Rational(0.35), Y: sp.Rational(-0.15)}))
    assert abs(ev["value"] - exact) < 1e-4  # the series itself, to third order


def test_errors_are_one_line():
    res = call_main(["taylor", "x*y", "--at", "x=1", "--at", "y=[1,2]", "--wrt", "y"])
    assert res.code == 1 and "taylor expands in scalar variables; 'y' has shape (2,)" in res.stderr
    res = call_main(["taylor", "2", "--order", "3"])
    assert res.code == 1 and "taylor needs a variable" in res.stderr
    res = call_main(["taylor", "x at x=1", "--order", "171"])
    assert res.code == 1 and "error: limit" in res.stderr
