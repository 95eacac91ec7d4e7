"""solve: Newton's method with the engine's Jacobian on equations with known roots."""
from __future__ import annotations

import math

import pytest

from optim_support import answer


@pytest.mark.parametrize("program, x0, root", [
    ("cos(x) - x", {"x": "1"}, {"x": 0.7390851332151607}),
    ("x^3 - 2", {"x": "1"}, {"x": 2 ** (1 / 3)}),
    ("[x^2 + y^2 - 4, x*y - 1]", {"x": "2", "y": "0.3"},
     {"x": math.sqrt(2 + math.sqrt(3)), "y": math.sqrt(2 - math.sqrt(3))}),
    ("[x + y + z - 6, x*y*z - 6, x^2 + y^2 + z^2 - 14]", {"x": "0.5", "y": "1.8", "z": "3.5"},
     {"x": 1.0, "y": 2.0, "z": 3.0}),
    ("exp(v) - [1, 2, 3]", {"v": "[0, 0, 0]"}, {"v": [0.0, math.log(2), math.log(3)]}),
])
def test_known_roots(program: str, x0: dict, root: dict) -> None:
    args = ["solve", program]
    for k, v in x0.items():
        args += ["--at", f"{k}={v}"]
    code, [out], _ = answer(args)
    assert code == 0 and out["converged"] is True, out
    assert out["residual_norm"] <= 1e-10
    for k, v in root.items():
        assert out["at"][k] == pytest.approx(v, rel=1e-12, abs=1e-14)


def test_keys() -> None:
    _, [out], _ = answer(["solve", "x^2 - 2", "--at", "x=1"])
    assert set(out) >= {"at", "residual_norm", "iterations", "converged"}


def test_a_singular_jacobian_takes_the_least_squares_step() -> None:
    # rank 1 everywhere, roots on the line x + y = 2: the minimum-norm step lands on (1, 1)
    code, [out], _ = answer(["solve", "[x + y - 2, 2*x + 2*y - 4]", "--at", "x=0", "--at", "y=0"])
    assert code == 0 and out["at"] == {"x": pytest.approx(1.0), "y": pytest.approx(1.0)}


def test_no_real_root_is_not_converged() -> None:
    code, [out], _ = answer(["solve", "x^2 + 1", "--at", "x=0.5"])
    assert code == 1 and out["converged"] is False


def test_not_square_is_an_error_that_names_the_counts() -> None:
    code, [out], _ = answer(["solve", "[x + y, x - y, x]", "--at", "x=1", "--at", "y=1"])
    assert code == 1 and out["error"]["kind"] == "shape"
    assert "3 value(s) and 2 unknown(s)" in out["error"]["message"]


def test_trace() -> None:
    code, lines, _ = answer(["solve", "cos(x) - x", "--at", "x=1", "--trace"])
    *trace, final = lines
    assert code == 0 and len(trace) == final["iterations"]
    assert trace[-1]["residual_norm"] <= 1e-10
