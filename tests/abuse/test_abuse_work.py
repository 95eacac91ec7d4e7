"""Limits that count work: --timeout holds on heavy array operations (it was looked at every
4096 steps or 1024 nodes, whatever each step cost), check refuses what would take it a time
quadratic in the size, internal arrays honour --max-elements, a pure user function applied
twice to the same value is evaluated once."""
from __future__ import annotations

from abuse_support import json_error, json_value, run

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
