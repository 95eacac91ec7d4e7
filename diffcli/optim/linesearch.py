"""A line search that satisfies the strong Wolfe conditions (Nocedal & Wright, Algorithms 3.5
and 3.6): sufficient decrease, and a directional derivative reduced in magnitude by c2.

``phi(a)`` returns (f(x + a p), g(x + a p) . p); a value that is not finite (the step left the
function's domain, or overflowed) counts as "too far", so the search backs off instead of
returning a NaN point.
"""
from __future__ import annotations

import math
from typing import Callable

C1 = 1e-4
MAX_STEPS = 30  # evaluations one search may spend; bisection alone shrinks an interval 1e9-fold


def _finite(*xs: float) -> bool:
    return all(x - x == 0.0 for x in xs)


def _cubic_min(a: float, fa: float, da: float, b: float, fb: float, db: float) -> float | None:
    """The minimiser of the cubic through (a, fa, da) and (b, fb, db), or None."""
    d1 = da + db - 3.0 * (fa - fb) / (a - b)
    rad = d1 * d1 - da * db
    if rad < 0.0:
        return None
    d2 = math.copysign(math.sqrt(rad), b - a)
    den = db - da + 2.0 * d2
    if den == 0.0:
        return None
    t = b - (b - a) * (db + d2 - d1) / den
    return t if math.isfinite(t) else None


def wolfe(phi: Callable[[float], tuple[float, float]], f0: float, d0: float, alpha1: float,
          c2: float = 0.9, alpha_max: float = 1e10) -> tuple[float, float] | None:
    """A step length a and f(x + a p) (the caller keeps what ``phi`` computed at each a); None
    when no step decreases f (at float64's precision, or within MAX_STEPS evaluations)."""
    a_prev, f_prev, d_prev = 0.0, f0, d0
    a = alpha1
    for i in range(MAX_STEPS):
        f, d = phi(a)
        if not _finite(f, d) or f > f0 + C1 * a * d0 or (i > 0 and f >= f_prev):
            return _zoom(phi, f0, d0, c2, a_prev, f_prev, d_prev, a, f, d, MAX_STEPS - i - 1)
        if abs(d) <= -c2 * d0:
            return a, f
        if d >= 0.0:
            return _zoom(phi, f0, d0, c2, a, f, d, a_prev, f_prev, d_prev, MAX_STEPS - i - 1)
        if a >= alpha_max:
            return a, f
        a_prev, f_prev, d_prev = a, f, d
        a = min(2.0 * a, alpha_max)
    return None


def _zoom(phi: Callable, f0: float, d0: float, c2: float, lo: float, flo: float, dlo: float,
          hi: float, fhi: float, dhi: float, budget: int) -> tuple[float, float] | None:
    """Algorithm 3.6: shrink [lo, hi], which brackets a Wolfe point, keeping lo the best so far."""
    for _ in range(budget):
        width = hi - lo
        t = _cubic_min(lo, flo, dlo, hi, fhi, dhi) if _finite(fhi, dhi) else None
        # interpolate only well inside the interval; otherwise bisect (safe against a NaN side)
        if t is None or not (min(lo, hi) + 0.1 * abs(width) <= t <= max(lo, hi) - 0.1 * abs(width)):
            t = lo + 0.5 * width
        if t == lo or t == hi:
            break
        f, d = phi(t)
        if not _finite(f, d) or f > f0 + C1 * t * d0 or f >= flo:
            hi, fhi, dhi = t, f, d
        else:
            if abs(d) <= -c2 * d0:
                return t, f
            if d * (hi - lo) >= 0.0:
                hi, fhi, dhi = lo, flo, dlo
            lo, flo, dlo = t, f, d
    if lo > 0.0 and flo < f0:  # not a Wolfe point, but a decrease: better than stopping
        return lo, flo
    return None
