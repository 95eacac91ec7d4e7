"""Derivatives to write as formulas, shared by benchmarks/formulas.py and the size tests.

TEXTBOOK: 100 first derivatives from a calculus course's exercise lists (functions of x).
random_cases(): seeded random compositions over x and y with a derivative order 1-8, mixed
partials and Hessian entries: (program, variables to differentiate along, in turn).
to_sympy(): a program of these cases as a SymPy expression.
"""
from __future__ import annotations

import random
import re

TEXTBOOK = [
    # powers and polynomials
    "x^2", "x^3", "x^7 - 3*x^4 + 2*x", "5*x^3 + 4*x^2 - 7", "1/x", "1/x^2", "sqrt(x)", "x^(1/3)",
    "x^(3/2)", "1/sqrt(x)", "(x^2 + 1)^5", "(3*x - 2)^4", "(x^3 - x)^(1/2)", "x^2*(x - 1)^3",
    "(2*x + 1)/(x - 3)", "x/(x^2 + 1)", "(x^2 - 1)/(x^2 + 1)", "1/(1 + x)^2", "sqrt(1 - x^2)",
    "sqrt(x^2 + 4*x + 1)", "x*sqrt(x + 1)", "(x + 1/x)^2", "x^4/(x^2 + 1)^2", "cbrt(x)",
    # trigonometric
    "sin(x)", "cos(x)", "tan(x)", "sin(2*x)", "cos(x^2)", "sin(x)^2", "cos(x)^3", "sin(x)*cos(x)",
    "x*sin(x)", "x^2*cos(x)", "x^3*sin(x)", "sin(x)/x", "tan(x)/x", "sin(x)/(1 + cos(x))",
    "sin(cos(x))", "cos(sin(x))", "tan(x^2)", "sin(x)^2 + cos(x)^2", "sin(3*x)*cos(2*x)",
    "1/cos(x)", "1/sin(x)", "x*tan(x)", "sqrt(sin(x))", "sin(sqrt(x))",
    # inverse trigonometric and hyperbolic
    "asin(x)", "acos(x)", "atan(x)", "atan(x^2)", "asin(2*x)", "x*atan(x)", "atan(1/x)",
    "sinh(x)", "cosh(x)", "tanh(x)", "x*sinh(x)", "tanh(x^2)", "asinh(x)", "atanh(x)", "acosh(x)",
    "log(cosh(x))",
    # exponentials and logarithms
    "exp(x)", "exp(2*x)", "exp(-x^2)", "x*exp(x)", "x^2*exp(x)", "exp(x)*sin(x)", "exp(x)/x",
    "exp(sin(x))", "exp(x^2 + x)", "2^x", "x*2^x", "e^x", "log(x)", "log(x^2 + 1)", "x*log(x)",
    "log(x)/x", "log(sin(x))", "log(log(x))", "x^2*log(x)", "log(x)^2", "log(sqrt(x))",
    "log2(x)", "log10(x)", "log(exp(x) + 1)", "exp(x)/(1 + exp(x))", "x^x", "x^sin(x)",
    "exp(-x)*cos(x)", "sqrt(x)*log(x)", "log((1 + x)/(1 - x))", "exp(atan(x))",
    "atan(exp(x))", "x^2*exp(sin(x))", "exp(x)*log(x)", "sin(log(x))", "1/(1 + exp(-x))",
]


_UNARY = ("sin", "cos", "exp", "log", "sqrt", "tan", "atan", "tanh", "sinh", "cosh")
_BINARY = ("+", "-", "*", "/", "^2", "^3")


def _random_expr(rng: random.Random, depth: int, names: tuple) -> str:
    r = rng.random()
    if depth <= 0 or r < 0.2:
        return rng.choice(names) if rng.random() < 0.8 else rng.choice(("2", "3", "1/2"))
    if r < 0.55:
        f = rng.choice(_UNARY)
        inner = _random_expr(rng, depth - 1, names)
        if f in ("log", "sqrt"):  # keep the argument positive near the test points
            inner = f"{inner}^2 + 1"
        return f"{f}({inner})"
    op = rng.choice(_BINARY)
    a = _random_expr(rng, depth - 1, names)
    if op.startswith("^"):
        return f"({a}){op}"
    b = _random_expr(rng, depth - 1, names)
    if op == "/":
        b = f"({b})^2 + 1"
    return f"({a} {op} {b})"


def random_cases(seed: int = 20, n: int = 200) -> list[tuple[str, list[str]]]:
    """(program, wrt) pairs: first derivatives, orders 2-8 of smaller programs, mixed
    partials and Hessian entries of two-variable ones."""
    rng = random.Random(seed)
    out: list[tuple[str, list[str]]] = []
    while len(out) < n:
        kind = rng.random()
        if kind < 0.4:
            text = _random_expr(rng, 3, ("x",))
            wrt = ["x"]
        elif kind < 0.7:
            text = _random_expr(rng, 2, ("x",))
            wrt = ["x"] * rng.randint(2, 8)
        else:
            text = _random_expr(rng, 3, ("x", "y"))
            wrt = [rng.choice("xy") for _ in range(2)]
        present = {n for n in ("x", "y") if re.search(rf"\b{n}\b", text)}
        if set(wrt) <= present:
            out.append((text, wrt))
    return out


def to_sympy(text: str):
    """A program of these cases as a SymPy expression (exact numbers)."""
    import sympy as sp
    names = {"x": sp.Symbol("x"), "y": sp.Symbol("y"), "e": sp.E, "pi": sp.pi,
             "log2": lambda a: sp.log(a, 2), "log10": lambda a: sp.log(a, 10), "cbrt": sp.cbrt}
    return sp.sympify(text.replace("^", "**"), locals=names, rational=True)
