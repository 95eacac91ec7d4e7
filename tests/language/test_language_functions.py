"""User functions (arity, scope, custom gradients, order of definitions) and derivatives
taken inside the language (grad, diff, jacobian, hessian)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from diffcli.session import Options, Session
from language_testlib import as_array, assert_value, error, located, run_cmd


def grads(text: str, **kw) -> dict:
    r = run_cmd(text, "grad", **kw)
    return {k: as_array(v) for k, v in r["grad"].items()}


# --------------------------------------------------------------------------
# definitions
def test_definitions_are_called_with_their_arguments():
    assert_value("f(x, y) = x^2 + y; f(3, 1)", 10.0)
    assert_value("f(x, y) = x - y; f(1, 3) + f(3, 1)", 0.0)
    assert_value("k() = 42; k() / 2", 21.0)
    assert_value("f(v) = sum(v * v); f([1, 2, 3])", 14.0)


def test_definitions_may_come_in_any_order():
    forward = "h(x) = g(x) + 1; g(x) = 2 * x; h(3)"
    backward = "g(x) = 2 * x; h(x) = g(x) + 1; h(3)"
    assert_value(forward, 7.0)
    assert_value(backward, 7.0)


def test_parameters_shadow_outer_variables():
    # the body's x is the parameter, not the x of the 'at' clause
    assert_value("f(x) = x * 10; f(2) + x at x = 1", 21.0)
    assert_value("f(x, y) = x - y; f(y, x) at x = 1, y = 5", 4.0)


def test_body_sees_only_its_parameters():
    text = "f(t) = t * x; f(1) at x = 2"
    err = error(text)
    assert err.kind == "name" and "'x'" in err.message and "parameters (t)" in err.message
    located(err, text, 1, 12, "x")
    err = error("k() = z; k()")
    assert err.kind == "name" and "parameters (none)" in err.message


def test_body_may_use_constants_and_builtins():
    assert_value("f(t) = sin(pi * t) + e - e; f(0.5)", 1.0)


@pytest.mark.parametrize("text, words", [
    ("f(x, y) = x; f(1)", "f takes 2 argument(s) (x, y), got 1"),
    ("f(x) = x; f()", "f takes 1 argument(s) (x), got 0"),
    ("f(x) = x; f(1, 2, 3)", "f takes 1 argument(s) (x), got 3"),
    ("k() = 1; k(1)", "k takes 0 argument(s) (), got 1"),
    ("g(x) = x; f(x) = g(x, x); f(1)", "g takes 1 argument(s) (x), got 2"),
])
def test_arity_is_checked(text, words):
    err = error(text)
    assert err.kind == "type" and words in err.message, err.message
    call = text.split("; ")[-1] if "g(x, x)" not in text else "g(x, x)"
    located(err, text, 1, text.index(call) + 1, call)


def test_session_keeps_definitions_after_commit():
    s = Session()
    p = s.prepare("sq(t) = t^2; sq(3)", Options())
    s.commit(p)
    from diffcli.commands import run
    assert run(s, "eval", "sq(4) + 1", Options())["value"].item() == 17.0


def test_nested_user_functions_differentiate():
    g = grads("sq(t) = t * t; quad(t) = sq(sq(t)); quad(x) at x = 2")
    assert g["x"] == pytest.approx(4 * 2 ** 3)


# --------------------------------------------------------------------------
# custom gradients
def test_custom_gradient_replaces_the_derivative():
    text = "sround(x) = round(x) with grad(g) = g; sround(x) at x = 1.3"
    r = run_cmd(text, "grad")
    assert r["value"].item() == 1.0  # the value is round's
    assert r["grad"]["x"].item() == 1.0  # the gradient is the rule's: straight through
    assert grads("round(x) at x = 1.3")["x"] == 0.0  # without the rule: round's derivative, 0


def test_custom_gradient_chains_with_the_rest():
    g = grads("sround(x) = round(x) with grad(g) = g; sround(x) * x at x = 1.3")
    assert g["x"] == pytest.approx(1.3 + 1.0)  # d/dx [s(x) x] = s'(x) x + s(x)
    g = grads("sround(x) = round(x) with grad(g) = g; sround(x^2) at x = 3")
    assert g["x"] == pytest.approx(6.0)  # the rule times the inner derivative


def test_custom_gradient_with_two_parameters():
    text = "f(x, y) = x * y with grad(g) = g * 2, g * x; f(x, y) at x = 2, y = 5"
    g = grads(text)
    assert g == {"x": 2.0, "y": 2.0}
    text = "f(a, b) = a + b with grad(g) = g * b, g * a; f(x, 3) + f(1, x) at x = 2"
    assert grads(text)["x"] == pytest.approx(3.0 + 1.0)


def test_custom_gradient_on_vectors():
    text = "clipgrad(v) = v with grad(g) = clip(g, -1, 1); sum(clipgrad(v) * [5, -5, 0.5]) at v = [1, 2, 3]"
    np.testing.assert_allclose(grads(text)["v"], [1.0, -1.0, 0.5])


def test_custom_gradient_inside_an_in_language_derivative():
    assert_value("sround(x) = round(x) with grad(g) = g; grad(sround(x), x) at x = 1.3", 1.0)
    assert_value("sround(x) = round(x) with grad(g) = g; grad(grad(sround(x)^2, x), x) at x = 1.3", 2.0)


def test_custom_gradient_rules_see_only_params_and_the_gradient():
    text = "f(x) = x with grad(g) = g * y; f(1) at y = 2"
    err = error(text)
    assert err.kind == "name" and "the gradient of f uses 'y'" in err.message
    located(err, text, 1, 29, "y")


# --------------------------------------------------------------------------
# derivatives inside the language
@pytest.mark.parametrize("text, expected", [
    ("grad(grad(x^3, x), x) at x = 2", 12.0),
    ("grad(grad(grad(x^3, x), x), x) at x = 2", 6.0),
    ("diff(sin(x), x, 4) at x = 0.7", math.sin(0.7)),
    ("diff(sin(x), x, 3) at x = 0.7", -math.cos(0.7)),
    ("diff(exp(2 * x), x, 6) at x = 0", 64.0),
    ("diff(x^3, x, 0) at x = 2", 8.0),
    ("diff(x^3, x) at x = 2", 12.0),
    ("grad(x * grad(x * y, y), x) at x = 2, y = 3", 4.0),  # d/dx x*x
    ("grad(x * grad(x + y, y), x) at x = 1, y = 1", 1.0),  # no perturbation confusion
    ("grad(x^2, x) + x at x = 3", 9.0),
    ("f(x) = x^3; diff(f(x), x, 2) at x = 2", 12.0),
    ("d(x) = grad(x^3, x); d(2) + grad(d(x), x) at x = 1", 12.0 + 6.0),
    ("grad(sum(v^2), v) at v = [1, -2]", [2.0, -4.0]),
    ("jacobian([x^2, x * y], x) at x = 1, y = 2", [2.0, 2.0]),
    ("jacobian(v^2, v) at v = [1, 2]", [[2.0, 0.0], [0.0, 4.0]]),
    ("jacobian([v[0] * v[1], v[0]], v) at v = [2, 3]", [[3.0, 2.0], [1.0, 0.0]]),
    ("hessian(sum(v^3), v) at v = [1, 2]", [[6.0, 0.0], [0.0, 12.0]]),
    ("hessian(v[0] * v[1]^2, v) at v = [2, 3]", [[0.0, 6.0], [6.0, 4.0]]),
    ("hessian(x^3, x) at x = 2", 12.0),
])
def test_in_language_derivatives(text, expected):
    assert_value(text, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("text", [
    "diff(2 * x + 1, x, 2) at x = 3",
    "grad(grad(2 * x + 1, x), x) at x = 3",
    "hessian(3 * x - 1, x) at x = 3",
    "diff(5 * x, x, 4) at x = 3",
    "hessian(sum([1, 2] * v), v) at v = [1, 2]",
    "grad(3, x) at x = 1",
    "grad(y, x) at x = 1, y = 2",
])
def test_derivatives_of_linear_and_constant_functions_are_zero(text):
    got = as_array(run_cmd(text)["value"])
    assert np.all(got == 0.0), (text, got)


def test_in_language_derivative_agrees_with_the_grad_command():
    expr = "sin(x) * exp(-x^2) + x / (1 + x^2)"
    inner = as_array(run_cmd(f"grad({expr}, x) at x = 0.3")["value"])
    outer = grads(f"{expr} at x = 0.3")["x"]
    assert inner == pytest.approx(float(outer), rel=1e-14)


def test_grad_of_a_non_scalar_is_a_shape_error_suggesting_jacobian():
    text = "grad(v^2, v) at v = [1, 2]"
    err = error(text)
    assert err.kind == "shape"
    assert "(2,)" in err.message and "jacobian(v^2, v)" in err.message and "sum(...)" in err.message
    located(err, text, 1, 6, "v^2")


def test_higher_diff_of_a_vector_variable_suggests_hessian():
    err = error("diff(sum(v^3), v, 2) at v = [1, 2]")
    assert err.kind == "shape" and "hessian" in err.message


def test_derivative_variable_must_be_bound():
    text = "grad(t^2, t) at x = 1"
    err = error(text)
    assert err.kind == "name" and "'t'" in err.message
    located(err, text, 1, 6, "t")


def test_derivatives_inside_definitions():
    assert_value("slope(f0) = f0; d(x) = grad(x^3 + 2 * x, x); d(1) + slope(2)", 5.0 + 2.0)
    g = grads("d(x) = grad(x^3, x); d(x) at x = 2")  # d/dx 3x^2 = 6x
    assert g["x"] == pytest.approx(12.0)


@pytest.mark.parametrize("text", ["diff(x^3, x, k) at x = 1, k = 2",
                                  "f(x, n) = diff(x^3, x, n); f(x, 2) at x = 1"])
def test_diff_order_may_be_a_bound_variable(text):
    assert_value(text, 6.0)
