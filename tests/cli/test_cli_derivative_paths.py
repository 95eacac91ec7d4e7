"""The same derivative by different routes must agree: `diff --order N` (Taylor mode), the
language's own `diff(e, x, N)` (nested reverse mode), `hessian`, and mixed partials; plus
hand-checked values for tensor programs where a scalar broadcasts."""
from __future__ import annotations

import math

import pytest

from cli_testlib import close, invoke, validate

PROGRAMS = [
    "abs(x) at x = -1", "relu(x^3) at x = 0.5", "maximum(x, x^2) at x = 0.5", "minimum(x, 2 - x^2) at x = 0.3",
    "where(x > 0, x^3, -x) at x = 0.5", "clip(x^3, -1, 1) at x = 0.5", "x^3 at x = 0", "pow(x, 3) at x = 0",
    "x^2.5 at x = 0.5", "cbrt(x) at x = -8", "cbrt(x) at x = 8", "sqrt(x) at x = 4", "x^-2 at x = 2",
    "2^x at x = 1", "x^x at x = 1.5", "exp(-x^2) at x = 0.3", "1/x at x = -2", "atan2(x, 2) at x = 1",
    "atan2(2, x) at x = 1", "hypot(x, 2) at x = 1", "erf(x) at x = 0.5", "log(x) at x = 3",
    "sum([x, x^2, x^3]) at x = 2", "prod([x, x^2]) at x = 2", "logsumexp([x, 2*x]) at x = 0.5",
    "softmax([x, 2*x])[0] at x = 0.5", "max([x, x^2]) at x = 2", "trace([[x, 1], [2, x^2]]) at x = 2",
    "dot([x, 1], [2, x^2]) at x = 2", "mean([x, x^3]) at x = 2", "softplus(x) at x = 0.3",
    "sigmoid(x) at x = 0.3", "tan(x) at x = 0.3", "asin(x) at x = 0.3", "acosh(x) at x = 2",
    "log2(x) at x = 2", "log10(x) at x = 2", "log1p(x) at x = 0.5", "expm1(x) at x = 0.5", "x^0 at x = 2",
    "sin(x)*cos(x) at x = 1", "(x+1)^2/(x-1) at x = 3", "floor(x)*x at x = 2.5", "sign(x)*x^2 at x = -2",
    "f(t) = t^3 - t; f(f(x)) at x = 0.7", "x * sum([1, 2]) at x = 2", "inv([[x, 1], [2, x^2]])[0, 0] at x = 2",
]
BROADCAST_PROGRAMS = ["norm([x, 2*x]) at x = 1", "det([[x, 1], [2, x^2]]) at x = 2",
                      "sum(x * [1, 2, 3]) at x = 2"]


def _nested(program: str, n: int) -> str:
    body, clause = program.rsplit(" at ", 1)
    if ";" in body:
        defs, body = body.rsplit(";", 1)
        return f"{defs}; diff({body.strip()}, x, {n}) at {clause}"
    return f"diff({body}, x, {n}) at {clause}"


@pytest.fixture(scope="module")
def routes():
    out = {}
    for n in (1, 2, 3, 5):
        taylor = invoke(["diff", "-", "--json", "--order", str(n)], stdin="\n".join(PROGRAMS) + "\n")
        nested = invoke(["eval", "-", "--json"], stdin="\n".join(_nested(p, n) for p in PROGRAMS) + "\n")
        out[n] = (taylor.json_lines(), nested.json_lines())
    return out


@pytest.mark.parametrize("n", [1, 2, 3, 5])
@pytest.mark.parametrize("i", range(len(PROGRAMS)), ids=lambda i: PROGRAMS[i])
def test_taylor_mode_agrees_with_nested_reverse_mode(routes, n, i):
    taylor, nested = routes[n]
    t, r = taylor[i], nested[i]
    validate(t, "diff")
    assert "error" not in t and "error" not in r, (PROGRAMS[i], t, r)
    assert t["wrt"] == ["x"] * n
    assert close(t["derivative"], float(r["value"]), rtol=1e-10, atol=1e-10), (PROGRAMS[i], n, t, r)


@pytest.mark.parametrize("program", [p for p in PROGRAMS if "[" not in p and ";" not in p][:20])
def test_hessian_equals_second_derivative(program):
    h = invoke(["hessian", program, "--json"]).json_lines()[0]
    d = invoke(["diff", program, "--json", "--order", "2"]).json_lines()[0]
    w = invoke(["diff", program, "--json", "--wrt", "x,x"]).json_lines()[0]
    assert close(h["hessian"]["x"]["x"], d["derivative"], rtol=1e-10, atol=1e-10), (program, h, d)
    assert w == d


def test_mixed_partials_in_either_order_agree_with_the_hessian():
    program = "exp(x*y) * sin(x + 2*y) + x^3*y at x = 0.3, y = -0.7"
    h = invoke(["hessian", program, "--json"]).json_lines()[0]["hessian"]
    xy = invoke(["diff", program, "--json", "--wrt", "x,y"]).json_lines()[0]
    yx = invoke(["diff", program, "--json", "--wrt", "y,x"]).json_lines()[0]
    assert close(xy["derivative"], yx["derivative"], rtol=1e-13, atol=1e-15)
    assert close(h["x"]["y"], xy["derivative"], rtol=1e-13, atol=1e-15)
    assert close(h["y"]["x"], yx["derivative"], rtol=1e-13, atol=1e-15)


def test_vector_hessian_and_jacobian_of_the_gradient_agree():
    program = "sum(v^3) * v[0] + prod(v) at v = [0.5, -1.5, 2]"
    h = invoke(["hessian", program, "--json"]).json_lines()[0]["hessian"]["v"]["v"]
    v = [0.5, -1.5, 2.0]
    # f = (v0^3 + v1^3 + v2^3) v0 + v0 v1 v2
    s = sum(t ** 3 for t in v)
    want = [[6 * v[0] ** 2 + 6 * v[0] ** 2, 3 * v[1] ** 2 + v[2], 3 * v[2] ** 2 + v[1]],
            [3 * v[1] ** 2 + v[2], 6 * v[1] * v[0], v[0]],
            [3 * v[2] ** 2 + v[1], v[0], 6 * v[2] * v[0]]]
    assert s  # the program is not degenerate
    for i in range(3):
        for j in range(3):
            assert math.isclose(h[i][j], want[i][j], rel_tol=1e-13, abs_tol=1e-13), (i, j, h, want)


# ----------------------------------------------------------------------------- broadcasting, reverse-over-reverse
@pytest.mark.parametrize("program, want", [
    ("sum(x*[1,2]) at x = 1", 0.0),
    ("sum(x*[1,2])^2 at x = 1", 18.0),
    ("sum(exp(x*[1,2])) at x = 0.5", math.exp(0.5) + 4 * math.exp(1.0)),
])
def test_hessian_of_a_scalar_broadcast_against_a_tensor(program, want):
    (obj,) = invoke(["hessian", program, "--json"]).json_lines()
    assert "error" not in obj, obj
    assert math.isclose(obj["hessian"]["x"]["x"], want, rel_tol=1e-13)


def test_mixed_partial_of_a_scalar_broadcast_against_a_tensor():
    (obj,) = invoke(["diff", "sum(x*y*[1,2])^2 at x = 1, y = 2", "--wrt", "x,y", "--json"]).json_lines()
    assert "error" not in obj, obj
    assert obj["derivative"] == 72.0  # (3xy)^2 = 9 x^2 y^2, d/dy d/dx = 36 x y


@pytest.mark.parametrize("program", BROADCAST_PROGRAMS)
def test_language_second_derivative_through_stacked_scalars(program):
    (taylor,) = invoke(["diff", program, "--json", "--order", "2"]).json_lines()
    (nested,) = invoke(["eval", _nested(program, 2), "--json"]).json_lines()
    assert "error" not in nested, nested
    assert close(taylor["derivative"], float(nested["value"]), rtol=1e-10, atol=1e-10)
