"""Answers numpy gets wrong at the ends of float64's range: a sum of squares or of values
that overflows while the result does not, inf * 0 inside a product or an inverse."""
from __future__ import annotations

import math

import pytest

from abuse_testlib import invoke, json_value

CASES = [
    ("norm([1e200, 1e200])", math.sqrt(2) * 1e200),
    ("norm([3e-200, 4e-200])", 5e-200),
    ("norm([[1e300, 0], [0, 1e300]])", math.sqrt(2) * 1e300),
    ("mean([1e308, 1e308])", 1e308),
    ("mean([[1e308, 1e308], [1, 2]], 1)", [1e308, 1.5]),
    ("prod([1e200, 1e200, 0])", 0.0),
    ("prod([[1e200, 1e200, 0], [1, 2, 3]], 1)", [0.0, 6.0]),
    ("inv([[1e-320, 0], [0, 1]])", [["inf", 0.0], [0.0, 1.0]]),
    ("inv([[1e-200, 0], [0, 1e-200]])[0]", [1e200, 0.0]),
]


@pytest.mark.parametrize("program, expected", CASES)
def test_no_overflow_where_the_answer_is_a_number(program, expected):
    value = json_value(invoke(["eval", program, "--json"]))["value"]
    assert value == pytest.approx(expected, rel=1e-15, abs=0) if "inf" not in str(expected) else value == expected


def test_a_product_with_a_real_infinity_and_a_zero_is_still_undefined():
    r = invoke(["eval", "prod([inf, 0])", "--json"])
    assert r.code == 1 or "nan" in r.out, r


def test_the_gradient_of_a_large_norm_is_finite():
    doc = json_value(invoke(["grad", "norm(v)", "--at", "v=[1e200, 1e200]", "--json"]))
    assert doc["grad"]["v"] == pytest.approx([math.sqrt(0.5)] * 2, rel=1e-15)
