"""Roots of square systems F(x) = 0 by Newton's method with the exact Jacobian and a
backtracking (Armijo) line search on the merit function ||F||^2 / 2.

``fj(x)`` returns (F, J) for a float64 vector x. A singular Jacobian gives the least-squares
step (the minimum-norm solution), so the method keeps moving where the plain step is undefined.
"""
from __future__ import annotations

import math
import time
from typing import Callable

import numpy as np

from ..record import Record

ARMIJO = 1e-4


class RootResult(Record):
    FIELDS = ("x", "residual", "iterations", "evaluations", "converged", "message")
    x: np.ndarray
    residual: np.ndarray
    iterations: int
    evaluations: int
    converged: bool
    message: str


def solve(fj: Callable, x0: np.ndarray, tol: float = 1e-12, max_iter: int = 100,
          timeout: float = math.inf, callback: Callable | None = None) -> RootResult:
    """Newton's method from x0; converged when max |F_i| <= tol."""
    deadline = time.monotonic() + timeout
    x = np.array(x0, dtype=float).ravel()
    F, J = fj(x)
    count = 1
    if not (np.all(np.isfinite(F)) and np.all(np.isfinite(J))):
        raise ValueError("the equations or their Jacobian are not finite at the starting point")
    k, message = 0, ""
    try:
        while True:
            if np.max(np.abs(F), initial=0.0) <= tol:
                return RootResult(x, F, k, count, True, "the residual is zero to the tolerance")
            if k >= max_iter:
                message = f"stopped after {max_iter} iterations (--max-iter)"
                break
            if time.monotonic() > deadline:
                raise TimeoutError
            step, tried = _newton_step(fj, x, F, J)
            count += tried
            if step is None:
                message = "no step reduces the residual (a local minimum of |F| that is not a root?)"
                break
            x, F, J = step
            k += 1
            if callback is not None:
                callback(k, x, F)
    except TimeoutError:
        message = "stopped at the time limit (--timeout)"
    return RootResult(x, F, k, count, False, message)


def _newton_step(fj: Callable, x: np.ndarray, F: np.ndarray, J: np.ndarray) -> tuple[tuple | None, int]:
    """The Newton step, halved until ||F||^2 decreases enough (Armijo); and evaluations spent."""
    p = np.linalg.lstsq(J, -F, rcond=None)[0]
    merit = 0.5 * (F @ F)
    slope = -2.0 * merit  # d/da merit(x + a p) at a = 0 for the exact Newton step
    a, tried = 1.0, 0
    while a > 1e-12:
        xa = x + a * p
        Fa, Ja = fj(xa)
        tried += 1
        if np.all(np.isfinite(Fa)) and np.all(np.isfinite(Ja)) and 0.5 * (Fa @ Fa) <= merit + ARMIJO * a * slope:
            return (xa, Fa, Ja), tried
        a *= 0.5
    return None, tried
