"""Numeric derivatives for ``check``: central differences with Richardson extrapolation
(Ridders' method) and a convergence test, so a point where the numbers cannot decide
(a singular point, a branch cut, a probe that always leaves the domain) is reported as
undetermined instead of as a confident wrong value."""
from __future__ import annotations

import math
from typing import Callable

SHRINK = 1.4  # Ridders' step ratio: small enough that successive extrapolations stay comparable
LEVELS = 10  # extrapolation levels per starting step: at most 2 * LEVELS evaluations
START = 0.1  # the first step, as a fraction of the scale: extrapolation removes its truncation error
ESCAPES = 14  # tenfold shrinks while a probe leaves the domain (0.1 -> 1e-15 of the scale)
CONVERGED = 1e-6  # the estimate's error bound, relative to max(1, |estimate|), that counts as settled
GOOD_ENOUGH = 1e-12  # no need to try a second scale below this


def derivative(f: Callable[[float], float], x: float) -> float:
    """df/dx at x, or nan when it is undetermined. Two scales are tried: max(1, |x|) first,
    then |x| itself (a relative step) when |x| < 1, which is what a point near a pole or a
    domain edge at 0 (1/x, sqrt, log at 1e-8) needs; the estimate with the smaller error
    bound wins, and it counts only if that bound is small."""
    best, err = _ridders(f, x, max(1.0, abs(x)))
    if err > GOOD_ENOUGH * max(1.0, abs(best)) and 0.0 < abs(x) < 1.0:
        rel, rel_err = _ridders(f, x, abs(x))
        if rel_err < err:
            best, err = rel, rel_err
    return best if err <= CONVERGED * max(1.0, abs(best)) else math.nan


def _ridders(f: Callable[[float], float], x: float, scale: float) -> tuple[float, float]:
    """(estimate, error bound) from a Neville tableau of central differences whose step
    shrinks by SHRINK; the step first shrinks tenfold while a probe is not finite."""
    h = START * scale
    d = _central(f, x, h)
    for _ in range(ESCAPES):
        if math.isfinite(d):
            break
        h /= 10.0
        d = _central(f, x, h)
    if not math.isfinite(d):
        return math.nan, math.inf
    prev, best, err = [d], d, math.inf
    for _ in range(1, LEVELS):
        h /= SHRINK
        d = _central(f, x, h)
        if not math.isfinite(d):
            break
        row, fac = [d], SHRINK * SHRINK
        for j in range(1, len(prev) + 1):
            row.append((row[j - 1] * fac - prev[j - 1]) / (fac - 1.0))
            fac *= SHRINK * SHRINK
            e = max(abs(row[j] - row[j - 1]), abs(row[j] - prev[j - 1]))
            if e <= err:
                best, err = row[j], e
        if abs(row[-1] - prev[-1]) >= 2.0 * err:  # higher orders now only add rounding error
            break
        prev = row
        if err <= 1e-15 * max(1.0, abs(best)):
            break
    return best, err


def _central(f: Callable[[float], float], x: float, h: float) -> float:
    hi, lo = x + h, x - h
    if hi == lo:
        return math.nan
    try:
        return (f(hi) - f(lo)) / (hi - lo)  # the steps actually taken, after rounding x +- h
    except (OverflowError, ZeroDivisionError):
        return math.nan
