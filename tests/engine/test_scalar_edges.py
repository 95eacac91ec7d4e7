"""Scalar kernels where math raises (poles, domain errors, overflow): numpy's answer, bit for
bit (sign of zero and of infinity, nan), without calling numpy. A scalar program therefore never
imports numpy, whatever its values."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from diffcli.engine.ops import ADD, ATAN2, DIV, HYPOT, MAXIMUM, MINIMUM, MUL, POW, SUB, UNARY

SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 3.0, -3.0, 1.5, -1.5, 1e-300, -1e-300, 1e300,
           -1e300, 710.0, -710.0, 1000.0, -1000.0, math.inf, -math.inf, math.nan, 1.0 + 1e-16, 1.0000001]


def _same(a: float, b: float) -> bool:
    """Equal, with the same sign of zero and infinity; finite nonzero values within 2 ulp (math
    and numpy's libm may round differently, e.g. acos(0.5))."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.copysign(1.0, a) != math.copysign(1.0, b):
        return False
    if a == 0 or b == 0 or math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= 2 * math.ulp(max(abs(a), abs(b)))


def _scalar_only(prim, vals):
    """prim.forward on floats with the numpy kernel unreachable."""
    saved = prim.array
    prim.array = lambda *a: pytest.fail(f"{prim.name}{vals}: fell back to numpy")
    try:
        return prim.forward(tuple(vals))
    finally:
        prim.array = saved


def _numpy(prim, vals):
    f = prim.array if not isinstance(prim.array, str) else getattr(np, prim.array)
    with np.errstate(all="ignore"):
        return float(np.asarray(f(*[np.array([v]) for v in vals]))[0])


@pytest.mark.parametrize("name", [k for k in UNARY if k not in ("erf",)])
def test_unary_scalar_kernels_match_numpy_everywhere(name):
    prim = UNARY[name]
    for x in SPECIAL:
        got, want = _scalar_only(prim, [x]), _numpy(prim, [x])
        assert _same(got, want), (name, x, got, want)


@pytest.mark.parametrize("prim", [ADD, SUB, MUL, DIV, POW, MAXIMUM, MINIMUM, ATAN2, HYPOT], ids=lambda p: p.name)
def test_binary_scalar_kernels_match_numpy_everywhere(prim):
    for x, y in itertools.product(SPECIAL, repeat=2):
        if prim in (MAXIMUM, MINIMUM) and x == y == 0:
            continue  # which zero numpy returns for a tie of 0.0 and -0.0 depends on its SIMD path
        got, want = _scalar_only(prim, [x, y]), _numpy(prim, [x, y])
        assert _same(got, want), (prim.name, x, y, got, want)
