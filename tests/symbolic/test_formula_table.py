"""Textbook derivatives with the formulas diffcli prints for them, the conventions of
non-smooth built-ins, and LaTeX; each formula is also read back and checked against the
engine's number."""
from __future__ import annotations

import pytest

from diffcli.errors import DiffcliError

from formula_support import agree, answer, derivative, evaluate, numeric

TEXTBOOK = {
    "x^3*sin(x)": "3*x^2*sin(x) + x^3*cos(x)",
    "x^2": "2*x",
    "x^7 - 3*x^4 + 2*x": "7*x^6 - 12*x^3 + 2",
    "5*x^3 + 4*x^2 - 7": "15*x^2 + 8*x",
    "1/x": "-1/x^2",
    "1/x^2": "-2/x^3",
    "sqrt(x)": "1/(2*sqrt(x))",
    "x^(1/3)": "x^(-2/3)/3",
    "x^(3/2)": "3*sqrt(x)/2",
    "1/sqrt(x)": "-1/(2*x^(3/2))",
    "(x^2 + 1)^5": "10*x*(x^2 + 1)^4",
    "(3*x - 2)^4": "12*(3*x - 2)^3",
    "(x^3 - x)^(1/2)": "(3*x^2 - 1)/(2*sqrt(x^3 - x))",
    "(2*x + 1)/(x - 3)": "2/(x - 3) - (2*x + 1)/(x - 3)^2",
    "1/(1 + x)^2": "-2/(x + 1)^3",
    "sqrt(x^2 + 4*x + 1)": "(x + 2)/sqrt(x^2 + 4*x + 1)",
    "(x + 1/x)^2": "2*(x + 1/x)*(1 - 1/x^2)",
    "cbrt(x)": "1/(3*cbrt(x)^2)",
    "sin(x)": "cos(x)",
    "cos(x)": "-sin(x)",
    "tan(x)": "tan(x)^2 + 1",
    "sin(2*x)": "2*cos(2*x)",
    "cos(x^2)": "-2*x*sin(x^2)",
    "sin(x)^2": "2*cos(x)*sin(x)",
    "sin(x)*cos(x)": "cos(x)^2 - sin(x)^2",
    "sin(x)/x": "cos(x)/x - sin(x)/x^2",
    "sin(x)^2 + cos(x)^2": "0",
    "1/cos(x)": "sin(x)/cos(x)^2",
    "asin(x)": "1/sqrt(1 - x^2)",
    "acos(x)": "-1/sqrt(1 - x^2)",
    "atan(x)": "1/(x^2 + 1)",
    "atan(x^2)": "2*x/(x^4 + 1)",
    "tanh(x)": "1 - tanh(x)^2",
    "tanh(x^2)": "2*x*(1 - tanh(x^2)^2)",
    "asinh(x)": "1/sqrt(x^2 + 1)",
    "atanh(x)": "1/(1 - x^2)",
    "exp(x)": "exp(x)",
    "exp(-x^2)": "-2*x*exp(-x^2)",
    "x*exp(x)": "x*exp(x) + exp(x)",
    "exp(sin(x))": "cos(x)*exp(sin(x))",
    "2^x": "2^x*log(2)",
    "e^x": "e^x",
    "log(x)": "1/x",
    "x*log(x)": "log(x) + 1",
    "log(log(x))": "1/(x*log(x))",
    "log(sqrt(x))": "1/(2*x)",
    "log2(x)": "1/(x*log(2))",
    "log10(x)": "1/(x*log(10))",
    "exp(log(x^2 + 1))": "2*x",
    "erf(x)": "2*exp(-x^2)/sqrt(pi)",
    "sigmoid(x)": "sigmoid(x)*(1 - sigmoid(x))",
    "x^2.5": "5*x^(3/2)/2",
    "0.1*x^2": "x/5",
    "pi*x^2": "2*pi*x",
}

# Built-ins without a derivative everywhere: the engine's conventions, written as formulas.
CONVENTIONS = {
    "abs(x)": "sign(x)",
    "relu(x)": "(x > 0)",
    "where(x > 0, x^2, sin(x))": "where(x > 0, 2*x, cos(x))",
    "minimum(x, 2)": "(x < 2) + (x == 2)/2",
    "clip(x, 0, 1)": "(x <= 1)*(x >= 0)",
    "floor(x)": "0",
    "round(x^2)": "0",
    "sign(x)": "0",
    "x*floor(x)": "floor(x)",
    "x*detach(x^2)": "detach(x^2)",
    "const(x)*x": "detach(x)",
    "f(t) = t^2 + sin(t); f(x^2)": "4*x^3 + 2*x*cos(x^2)",
    "g(t) = t^3 with grad(u) = u*3*t^2 + 1; g(x)": "3*x^2 + 1",
    "diff(x^3, x) + x": "6*x + 1",
}


@pytest.mark.parametrize("program, expected", list(TEXTBOOK.items()))
def test_textbook_derivative_prints_as_expected(program, expected):
    assert derivative(program) == expected


@pytest.mark.parametrize("program, expected", list(CONVENTIONS.items()))
def test_conventions_as_formulas(program, expected):
    assert derivative(program) == expected


@pytest.mark.parametrize("program", list(TEXTBOOK) + list(CONVENTIONS))
def test_formula_reads_back_as_the_engine_number(program):
    checked = 0
    for x in (0.3, 0.7, 1.9):
        try:
            want = numeric("diff", program, {"x": x})["derivative"].item()
        except DiffcliError as err:  # outside the function's domain
            assert err.kind == "domain"
            continue
        got = evaluate(derivative(program), {"x": x})
        assert agree(got, want), (program, x, got, want)
        checked += 1
    assert checked


LATEX = {
    "x^3*sin(x)": r"3 x^{2} \sin\left(x\right) + x^{3} \cos\left(x\right)",
    "x^(1/3)": r"\frac{x^{-\frac{2}{3}}}{3}",
    "sqrt(x)": r"\frac{1}{2 \sqrt{x}}",
    "atan(x)": r"\frac{1}{x^{2} + 1}",
    "exp(sin(x))": r"\cos\left(x\right) e^{\sin\left(x\right)}",
    "relu(x)": r"\left[x > 0\right]",
    "abs(x)": r"\operatorname{sign}\left(x\right)",
    "where(x > 0, x^2, x)": r"\begin{cases} 2 x & \text{if } x > 0 \\ 1 & \text{otherwise} \end{cases}",
    "asin(x)": r"\frac{1}{\sqrt{1 - x^{2}}}",
    "pi*x^2": r"2 \pi x",
    "(x^2 + 1)^5": r"10 x \left(x^{2} + 1\right)^{4}",
    "1/(1 + x)^2": r"-\frac{2}{\left(x + 1\right)^{3}}",
    "atan(x)/x": r"\frac{1}{x \left(x^{2} + 1\right)} - \frac{\arctan\left(x\right)}{x^{2}}",
}


@pytest.mark.parametrize("program, expected", list(LATEX.items()))
def test_latex(program, expected):
    assert derivative(program, latex=True) == expected


def test_rational_exponents_stay_exact():
    assert "0.333" not in derivative("x^(1/3)")
    assert derivative("x^(1/3)", order=2) == "-2*x^(-5/3)/9"


def test_grad_hessian_jacobian_mixed_partials():
    g = answer("grad", "x^2*sin(y)")
    assert g["grad"] == {"x": "2*x*sin(y)", "y": "x^2*cos(y)"} and g["symbolic"] is True
    h = answer("hessian", "x^2*y + y^3")["hessian"]
    assert h == {"x": {"x": "2*y", "y": "2*x"}, "y": {"x": "2*x", "y": "6*y"}}
    j = answer("jacobian", "[x*y, x + y, sin(x)]")["jacobian"]
    assert j == {"x": ["y", "1", "cos(x)"], "y": ["x", "1", "0"]}
    d = answer("diff", "x^2*y^3", wrt=["x", "y", "y"])
    assert d["wrt"] == ["x", "y", "y"] and d["derivative"] == "12*x*y"
    every = answer("diff", "sin(x)", order=4, all_orders=True)["derivatives"]
    assert every == ["cos(x)", "-sin(x)", "-cos(x)", "sin(x)"]


def test_vector_variables_of_elementwise_programs():
    assert answer("grad", "sum(v^2)")["grad"] == {"v": "2*v"}
    assert answer("grad", "sum(u*v) + sin(sum(v))")["grad"] == {"u": "v", "v": "u + cos(sum(v))"}


def test_symbolic_ignores_bindings():
    out = answer("grad", "x^2*y at x = 1, y = 2", symbolic=True)
    assert out["grad"] == {"x": "2*x*y", "y": "x^2"}


@pytest.mark.parametrize("program, operation", [
    ("det([[x, 1], [1, x]])", "det"), ("mean(v^2)", "mean"), ("x[0]", "indexing"),
    ("norm(v)", "norm"), ("[x, 1] @ [1, x]", "matrix product")])
def test_no_formula_is_a_clear_error_naming_the_operation(program, operation):
    from diffcli.errors import DiffcliError
    with pytest.raises(DiffcliError) as info:
        answer("grad", program)
    assert info.value.kind == "type" and operation in info.value.message
    assert info.value.line == 1 and info.value.column is not None


def test_second_derivative_through_sum_is_refused():
    from diffcli.errors import DiffcliError
    with pytest.raises(DiffcliError, match="second derivative through sum"):
        answer("hessian", "sum(v^3)")


def test_every_elementwise_primitive_declares_a_formula():
    from diffcli.engine import ops
    from diffcli.symbolic import kernels
    missing = [p.name for p in ops.PRIMS if p.elementwise and p.interpretation(kernels.KEY) is None]
    assert not missing
    assert ops.SUM.interpretation(kernels.KEY) is not None
    assert ops.DET.interpretation(kernels.KEY) is None  # a clear error instead (test above)


def test_a_power_of_a_sum_has_one_form():
    # (y - x)^2 and (x - y)^2 were two nodes: their sum did not collect, and a shared factor
    # 5^((y - x)^2) never divided out of a Hessian's terms when printing (endless recursion)
    assert answer("grad", "(y - x)^2 + (x - y)^2")["value"] == "2*(x - y)^2"
    h = answer("hessian", "x*(y^2 + 5^(y - x)^2)")["hessian"]
    assert h["x"]["x"] == "5^(x - y)^2*(log(5)*(6*x - 4*y + 4*x*log(5)*(x - y)^2))"
