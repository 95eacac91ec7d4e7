"""Local names in one-shot programs: ``z = x*y; z^2 + z at x = 2, y = 3``. A local is set
before the expression, sees the bindings and the locals before it, carries gradients
through, and exists only inside its program."""
import math

import pytest

from language_testlib import as_array, assert_value, error, run_cmd
from diffcli.session import Session, Options
from diffcli.commands import run


def test_a_local_names_an_intermediate():
    assert_value("z = x*y; z^2 + z at x = 2, y = 3", 42.0)


def test_gradient_flows_through_locals_with_respect_to_the_free_variables():
    res = run_cmd("z = x*y; w = z + x; w^2 at x = 2, y = 3", "grad")
    assert list(res["grad"]) == ["x", "y"]  # first appearance, inside the locals
    # w = xy + x = 8: dw/dx = y + 1 = 4, dw/dy = x = 2
    assert as_array(res["grad"]["x"]) == 2 * 8 * 4 and as_array(res["grad"]["y"]) == 2 * 8 * 2


def test_the_issue_example_with_tensors():
    res = run_cmd("z = dot(w, xx) + b; softplus(z) - t*z at w = [1, 2], xx = [3, 4], b = 0.5, t = 1",
                  "grad", wrt=["b"])
    # d/db (softplus(z) - z) = sigmoid(z) - 1 at z = 11.5
    assert as_array(res["grad"]["b"]) == pytest.approx(1 / (1 + math.exp(-11.5)) - 1, rel=1e-9)


def test_higher_orders_and_hessians_see_through_locals():
    assert as_array(run_cmd("z = x*x; z^3 at x = 2", "diff", order=3)["derivative"]) == 960.0
    h = run_cmd("z = x*y; z^2 at x = 2, y = 3", "hessian")["hessian"]
    assert as_array(h["x"]["y"]) == 24.0 and as_array(h["y"]["y"]) == 8.0


def test_a_local_is_scoped_to_its_program():
    s = Session()
    run(s, "eval", "z = 2; z + 1", Options())
    with pytest.raises(Exception) as exc:
        run(s, "eval", "z + 1", Options())
    assert "z" in str(exc.value)


@pytest.mark.parametrize("text, fragment", [
    ("z = x; z = 2; z at x = 1", "the local name 'z' is set twice"),
    ("z = x; z at z = 1, x = 1", "is bound by 'at' too"),
    ("f(t) = t; f = 2; f", "is a function"),
    ("sin = 2; sin", "built-in name"),
    ("pi = 3; pi", "constant"),
    ("z^2; z = 2", "must be set before the program's expression"),
    ("z = 3", "local names but no expression"),
    ("z = z + 1; z", "unknown variable 'z'"),  # a local does not see itself
])
def test_local_name_errors(text, fragment):
    assert fragment in error(text).message
