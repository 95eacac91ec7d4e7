"""minimize's contract: answer keys, exit codes, tensors, --trace, --max-iter, --timeout, and
every bad input the issue names."""
from __future__ import annotations

import math

import numpy as np
import pytest

from optim_support import answer


def test_json_keys_and_exit_code() -> None:
    code, [out], _ = answer(["minimize", "(x - 2)^2 + (y + 1)^2 + 3", "--at", "x=0", "--at", "y=0"])
    assert code == 0
    assert set(out) >= {"value", "at", "grad_norm", "iterations", "evaluations", "converged", "method"}
    assert out["value"] == pytest.approx(3.0, abs=1e-14)
    assert out["at"] == {"x": pytest.approx(2.0, abs=1e-9), "y": pytest.approx(-1.0, abs=1e-9)}
    assert out["method"] == "bfgs" and out["converged"] is True


def test_tensor_variables_keep_their_shape() -> None:
    code, [out], _ = answer(["minimize", "sum((m - [[1, 2], [3, 4]])^2)", "--at", "m=zeros(2, 2)",
                             "--method", "newton"])
    assert code == 0
    assert np.allclose(out["at"]["m"], [[1, 2], [3, 4]], atol=1e-12)
    assert out["iterations"] == 1  # a quadratic: one exact Newton step


def test_wrt_keeps_other_variables_fixed() -> None:
    code, [out], _ = answer(["minimize", "(x - y)^2", "--at", "x=0", "--at", "y=5", "--wrt", "x"])
    assert code == 0 and out["at"] == {"x": pytest.approx(5.0, abs=1e-8)}


def test_newton_survives_an_indefinite_hessian() -> None:
    # at x=0 the Hessian of x^4 - 3x^2 + x is -6: the plain Newton step climbs to the maximum
    code, [out], _ = answer(["minimize", "x^4 - 3*x^2 + x", "--at", "x=0", "--method", "newton"])
    assert code == 0 and out["converged"]
    x = out["at"]["x"]
    assert 4 * x**3 - 6 * x + 1 == pytest.approx(0, abs=1e-8) and 12 * x**2 - 6 > 0


def test_max_iter_ends_with_the_best_point_and_exit_1() -> None:
    code, [out], _ = answer(["minimize", "100*(y - x^2)^2 + (1 - x)^2", "--at", "x=-1.2", "--at", "y=1",
                             "--max-iter", "3"])
    assert code == 1 and out["converged"] is False and out["iterations"] == 3
    assert out["value"] < 24.2  # below f at the start
    assert any("did not converge" in w for w in out["warnings"])


def test_trace_prints_one_object_per_iteration() -> None:
    code, lines, _ = answer(["minimize", "(x - 1)^2 + x^4", "--at", "x=3", "--trace"])
    *trace, final = lines
    assert code == 0 and len(trace) == final["iterations"] >= 2
    assert [t["iteration"] for t in trace] == list(range(1, len(trace) + 1))
    assert all(b["value"] <= a["value"] for a, b in zip(trace, trace[1:]))  # descent, every step


def test_nan_during_the_search_is_never_a_converged_answer() -> None:
    # the infimum is at the edge of sqrt's domain: steps past it give nan, and the search backs off
    code, [out], _ = answer(["minimize", "0.5*x^2 + sqrt(x)", "--at", "x=1"])
    assert code == 1 and out["converged"] is False
    assert math.isfinite(out["value"]) and out["at"]["x"] >= 0


@pytest.mark.parametrize("args, kind, text", [
    (["[x, x^2]", "--at", "x=1"], "shape", "scalar program"),
    (["x^2 + y", "--at", "x=1"], "name", "'y'"),
    (["log(x)", "--at", "x=-1"], "domain", "not finite at the starting point"),
    (["1/x", "--at", "x=0"], "domain", "not finite at the starting point"),
    (["3"], "name", "at least one variable"),
])
def test_bad_input_is_a_clear_error(args: list, kind: str, text: str) -> None:
    code, [out], _ = answer(["minimize"] + args)
    assert code == 1 and out["error"]["kind"] == kind and text in out["error"]["message"]


def test_time_limit_ends_the_run_with_the_best_point() -> None:
    # gradient descent on Rosenbrock needs thousands of iterations; 0.3 s ends it early
    code, [out], _ = answer(["minimize", "100*(y - x^2)^2 + (1 - x)^2", "--at", "x=-1.2", "--at", "y=1",
                             "--method", "gd", "--max-iter", "10000000", "--tol", "1e-15", "--timeout", "0.3"])
    assert code == 1 and out["converged"] is False and "time limit" in out["message"]
    assert out["value"] < 24.2 and out["iterations"] > 0
