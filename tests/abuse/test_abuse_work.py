"""Limits that count work: --timeout holds on heavy array operations (it was looked at every
4096 steps or 1024 nodes, whatever each step cost), check refuses what would take it a time
quadratic in the size, internal arrays honour --max-elements, a pure user function applied
twice to the same value is evaluated once."""
from __future__ import annotations

from abuse_testlib import json_error, json_value, run

_DEEP_SIN = "sum(" + "sin(" * 150 + "ones(3e6)" + ")" * 150 + ")"  # seconds of numpy in 150 steps


def test_the_time_limit_counts_elements_not_steps_in_eval():
    err = json_error(run(["eval", _DEEP_SIN, "--json", "--timeout", "1"], timeout=120), "limit")
    assert "--timeout" in err["message"], err


def test_the_time_limit_counts_elements_not_steps_in_grad():
    err = json_error(run(["grad", _DEEP_SIN.replace("ones(3e6)", "x*ones(3e6)") + " at x = 1", "--json",
                          "--timeout", "1"], timeout=120), "limit")
    assert "--timeout" in err["message"], err


def test_the_time_limit_holds_in_a_hessian():
    err = json_error(run(["hessian", "sum(outer(v,v))", "--at", "v=linspace(0.5,1,2500)", "--json",
                          "--timeout", "1"], timeout=120), "limit")
    assert "--timeout" in err["message"], err


def test_check_refuses_a_size_whose_cost_is_quadratic():
    err = json_error(run(["check", "sum(v^2)", "--at", "v=linspace(0,1,30000)", "--json"], timeout=120), "limit")
    assert "square of the size" in err["message"] and "30,000" in err["message"], err


def test_check_still_checks_a_moderate_vector():
    assert json_value(run(["check", "sum(v^3)", "--at", "v=linspace(0,1,300)", "--json"], timeout=120))["ok"]


def test_a_jacobian_inside_eval_needs_no_square_of_its_output():
    """Its rows were taken one by one with create_graph under eval too, keeping a one-hot seed
    of 16,900 elements per row: 16900 x 16900 (2.4 GB) under --max-elements 3000000."""
    prog = "sum(jacobian(outer(v,v), v)) at v = linspace(0,1,130)"
    assert json_value(run(["eval", prog, "--json", "--max-elements", "3000000"], timeout=120))["value"] == 16900.0


def test_a_jacobian_to_be_differentiated_again_counts_its_rows_against_max_elements():
    prog = "sum(jacobian(outer(v,v), v)) at v = linspace(0,1,130)"
    err = json_error(run(["grad", prog, "--json", "--max-elements", "3000000"], timeout=120), "limit")
    assert "--max-elements" in err["message"], err


def test_at_and_seed_values_go_through_the_length_and_depth_limits():
    from abuse_testlib import invoke

    long, deep = "1+" * 100 + "1", "(" * 100 + "1" + ")" * 100
    for args in (["eval", "x", "--at", f"x={long}", "--max-length", "50"],
                 ["eval", "x", "--at", f"x={deep}", "--max-depth", "50"],
                 ["grad", "v^2", "--at", "v=[1,2]", "--seed", "(" * 60 + "[1,1]" + ")" * 60, "--max-depth", "50"],
                 ["grad", "v^2", "--at", "v=[1,2]", "--seed", f"[{long}, 1]", "--max-length", "50"]):
        err = json_error(invoke(args + ["--json"]), "limit")
        assert "--max-length" in err["message"] or "--max-depth" in err["message"], (args, err)


_DOUBLING = "f1(t) = t + t; " + "".join(f"f{i}(t) = f{i - 1}(t) + f{i - 1}(t); " for i in range(2, 41))


def test_a_pure_function_applied_to_the_same_value_is_evaluated_once():
    """Each f_i called f_(i-1) twice on the same argument: 2^40 calls, the whole time limit."""
    assert json_value(run(["eval", _DOUBLING + "f40(x) at x = 1", "--json", "--timeout", "5"],
                          timeout=60))["value"] == 2.0 ** 40
    doc = json_value(run(["grad", _DOUBLING + "f40(x) at x = 1", "--json", "--timeout", "5"], timeout=60))
    assert doc["grad"]["x"] == 2.0 ** 40


def test_memoised_calls_keep_their_derivatives_right():
    from abuse_testlib import invoke

    prog = "g(t) = t^2; g(x) * g(x) + g(y) + grad(g(x) * y, x) at x = 3, y = 2"
    doc = json_value(invoke(["grad", prog, "--json"]))
    assert doc["value"] == 81 + 4 + 12 and doc["grad"] == {"x": 4 * 27 + 4, "y": 4 + 6}, doc
