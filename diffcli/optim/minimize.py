"""Unconstrained minimisation with exact gradients: BFGS, L-BFGS, Newton (exact Hessians,
modified when indefinite) and gradient descent, each step taken by a strong-Wolfe line search.

``fg(x)`` returns (f, gradient) for a float64 vector x; ``hess(x)`` the Hessian matrix.
Convergence: the gradient's largest component at most ``tol * max(1, |f|)``, a test that means
the same thing whatever the scale of f.
"""
from __future__ import annotations

import math
import time
from typing import Callable

import numpy as np

from ..record import Record
from .linesearch import wolfe

METHODS = ("bfgs", "lbfgs", "newton", "gd")
LBFGS_MEMORY = 10


class MinimizeResult(Record):
    FIELDS = ("x", "f", "g", "iterations", "evaluations", "converged", "method", "message")
    x: np.ndarray
    f: float
    g: np.ndarray
    iterations: int
    evaluations: int
    converged: bool
    method: str
    message: str


class _Objective:
    """Counts evaluations and keeps the best finite point seen (what a stopped run reports)."""

    def __init__(self, fg: Callable, deadline: float) -> None:
        self.fg, self.deadline, self.count = fg, deadline, 0
        self.best: tuple | None = None

    def __call__(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        if time.monotonic() > self.deadline:
            raise TimeoutError
        self.count += 1
        f, g = self.fg(x)
        f = float(f)
        if math.isfinite(f) and np.all(np.isfinite(g)) and (self.best is None or f < self.best[1]):
            self.best = (x.copy(), f, g.copy())
        return f, g


def _newton_direction(h: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Solve (H + tau I) p = -g with the smallest tau (from 0, then doubling) that makes the
    matrix positive definite (Nocedal & Wright, Algorithm 3.3): Newton's step where H is
    positive definite, a step downhill where it is not."""
    n = len(g)
    d = np.diag(h)
    scale = max(1e-3 * np.max(np.abs(d)) if n else 0.0, 1e-8)
    tau = 0.0 if np.min(d) > 0 else -np.min(d) + scale
    for _ in range(80):
        try:
            c = np.linalg.cholesky(h + tau * np.eye(n))
        except np.linalg.LinAlgError:
            tau = max(2.0 * tau, scale)
            continue
        return -np.linalg.solve(c.T, np.linalg.solve(c, g))
    return -g


class _Direction:
    """The search direction of each method, and its update after a step."""

    def __init__(self, method: str, n: int, hess: Callable | None) -> None:
        self.method, self.hess = method, hess
        self.h: np.ndarray | None = None           # BFGS: inverse Hessian approximation
        self.pairs: list[tuple[np.ndarray, np.ndarray, float]] = []  # L-BFGS: (s, y, 1/y.s)

    def __call__(self, x: np.ndarray, g: np.ndarray) -> np.ndarray:
        if self.method == "newton":
            return _newton_direction(np.asarray(self.hess(x), dtype=float), g)
        if self.method == "bfgs" and self.h is not None:
            return -self.h @ g
        if self.method == "lbfgs" and self.pairs:
            return -self._two_loop(g)
        return -g

    def _two_loop(self, g: np.ndarray) -> np.ndarray:
        q = g.copy()
        alphas = []
        for s, y, rho in reversed(self.pairs):
            a = rho * (s @ q)
            alphas.append(a)
            q -= a * y
        s, y, rho = self.pairs[-1]
        q *= (s @ y) / (y @ y)  # the usual initial scaling, gamma = s.y / y.y
        for (s, y, rho), a in zip(self.pairs, reversed(alphas)):
            q += s * (a - rho * (y @ q))
        return q

    def update(self, s: np.ndarray, y: np.ndarray) -> None:
        sy = s @ y
        if not sy > 1e-12 * math.sqrt((s @ s) * (y @ y)):  # curvature too small: keep the model
            return
        if self.method == "bfgs":
            rho = 1.0 / sy
            if self.h is None:  # scale the first model to the curvature just seen (N&W 6.20)
                self.h = np.eye(len(s)) * (sy / (y @ y))
            hy = self.h @ y
            self.h += (rho * rho * (y @ hy) + rho) * np.outer(s, s) - rho * (np.outer(hy, s) + np.outer(s, hy))
        elif self.method == "lbfgs":
            self.pairs.append((s, y, 1.0 / sy))
            del self.pairs[:-LBFGS_MEMORY]


def minimize(fg: Callable, x0: np.ndarray, method: str = "bfgs", tol: float = 1e-8, max_iter: int = 1000,
             hess: Callable | None = None, timeout: float = math.inf,
             callback: Callable | None = None) -> MinimizeResult:
    """Minimise f from x0. ``callback(k, x, f, g)`` runs after each iteration (``--trace``)."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}")
    obj = _Objective(fg, time.monotonic() + timeout)
    x = np.array(x0, dtype=float).ravel()
    f, g = obj(x)
    if not (math.isfinite(f) and np.all(np.isfinite(g))):
        raise ValueError("the objective or its gradient is not finite at the starting point")
    direction = _Direction(method, len(x), hess)
    k, message, prev_step = 0, "", None
    c2 = 0.9 if method != "gd" else 0.1
    try:
        while True:
            if np.max(np.abs(g), initial=0.0) <= tol * max(1.0, abs(f)):
                return _result(x, f, g, k, obj, True, method, "the gradient is zero to the tolerance")
            if k >= max_iter:
                message = f"stopped after {max_iter} iterations (--max-iter)"
                break
            p = direction(x, g)
            slope = g @ p
            if not slope < 0.0:  # a model gone bad (rounding): fall back to steepest descent
                p, slope = -g, -(g @ g)
            if method != "newton" and (k == 0 or method == "gd"):
                # first step: unit length along p; gradient descent: the last step's decrease again
                alpha1 = min(1.0, 1.0 / math.sqrt(p @ p)) if prev_step is None else min(1.0, prev_step / slope)
            else:
                alpha1 = 1.0
            seen: dict[float, tuple] = {}

            def phi(a: float) -> tuple[float, float]:
                xa = x + a * p
                fa, ga = obj(xa)
                seen[a] = (xa, fa, ga)
                return fa, float(ga @ p)

            found = wolfe(phi, f, slope, alpha1, c2)
            if found is None:
                message = "no step decreases the function further (float64 precision reached)"
                break
            xa, fa, ga = seen[found[0]]
            direction.update(xa - x, ga - g)
            prev_step = 2.0 * (fa - f) if method == "gd" else None
            x, f, g = xa, fa, ga
            k += 1
            if callback is not None:
                callback(k, x, f, g)
    except TimeoutError:
        message = "stopped at the time limit (--timeout)"
    if obj.best is not None and obj.best[1] < f:
        x, f, g = obj.best
    return _result(x, f, g, k, obj, False, method, message)


def _result(x, f, g, k, obj, converged, method, message) -> MinimizeResult:
    return MinimizeResult(x, f, g, k, obj.count, converged, method, message)
