"""check's numeric derivatives: Ridders' extrapolation, a bounded number of probes, and
'undetermined' (nan) where the estimates cannot converge."""
import math

import pytest

from diffcli import finitediff
from diffcli.finitediff import ESCAPES, LEVELS


def sqrt(t: float) -> float:  # as the evaluator: nan outside the domain, no exception
    return math.sqrt(t) if t >= 0 else math.nan


def log(t: float) -> float:
    return math.log(t) if t > 0 else math.nan


def counted(f):
    calls = []

    def g(x):
        calls.append(x)
        return f(x)
    return g, calls


@pytest.mark.parametrize("f, x, want", [
    (math.sin, 1.0, math.cos(1.0)), (log, 1e-7, 1e7), (sqrt, 1e-12, 0.5e6),
    (lambda t: 1 / t, 1e-8, -1e16), (math.exp, 30.0, math.exp(30.0)), (lambda t: t ** 3, 0.0, 0.0),
])
def test_accurate_far_beyond_plain_central_differences(f, x, want):
    assert finitediff.derivative(f, x) == pytest.approx(want, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("f, x", [
    (lambda t: 0.0 if t < 0 else 1.0, 0.0),            # a jump
    (sqrt, 0.0),                                        # every probe below leaves the domain
    (lambda t: math.atan2(t, -1.0), 0.0),               # a branch cut
])
def test_undetermined_where_the_estimates_do_not_converge(f, x):
    assert math.isnan(finitediff.derivative(f, x))


@pytest.mark.parametrize("f, x", [(math.sin, 0.3), (sqrt, 0.0), (lambda t: 1 / t, 1e-8)])
def test_probes_per_element_are_bounded(f, x):
    g, calls = counted(f)
    finitediff.derivative(g, x)
    assert len(calls) <= 2 * 2 * (ESCAPES + LEVELS)  # two scales at most: the cost stays linear
