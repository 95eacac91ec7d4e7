"""minimize on the Moré-Garbow-Hillstrom problems from their standard starting points: every
method reaches a minimum the paper lists, to 1e-6 in f, and says it converged."""
from __future__ import annotations

import pytest

from mgh_problems import PROBLEMS
from optim_support import answer, starts


def _near_known(f: float, known: list[float]) -> bool:
    return any(abs(f - k) <= 1e-6 * max(1.0, abs(k)) for k in known)


@pytest.mark.parametrize("method", ["bfgs", "lbfgs", "newton"])
@pytest.mark.parametrize("name", sorted(PROBLEMS))
def test_reaches_a_known_minimum(name: str, method: str) -> None:
    program, x0, known = PROBLEMS[name]
    code, [out], _ = answer(["minimize", program, "--method", method, "--wrt", ",".join(x0)] + starts(x0))
    assert code == 0 and out["converged"] is True, out
    assert _near_known(out["value"], known), (out["value"], known)
    assert out["method"] == method and set(out["at"]) == set(x0)
    assert out["grad_norm"] <= 1e-6 * max(1.0, abs(out["value"])) * 10
    assert out["evaluations"] >= out["iterations"] >= 1


@pytest.mark.parametrize("name", ["rosenbrock", "beale", "helical_valley", "box_3d"])
def test_gradient_descent_gets_there_slowly(name: str) -> None:
    program, x0, known = PROBLEMS[name]
    code, [out], _ = answer(["minimize", program, "--method", "gd", "--max-iter", "200000",
                             "--tol", "1e-6", "--wrt", ",".join(x0)] + starts(x0))
    assert code == 0 and out["converged"], out
    assert _near_known(out["value"], known)


def test_the_known_point_of_rosenbrock() -> None:
    program, x0, _ = PROBLEMS["rosenbrock"]
    _, [out], _ = answer(["minimize", program] + starts(x0))
    assert abs(out["at"]["a"] - 1) < 1e-6 and abs(out["at"]["b"] - 1) < 1e-6
