"""Numerical optimisation on top of exact derivatives: minimisation and root finding.

These modules see only numpy vectors and callables that return values and derivatives;
they know nothing of programs, the parser or the CLI (``diffcli.optimize_commands`` joins
them to a session).
"""
from .minimize import METHODS, MinimizeResult, minimize
from .roots import RootResult, solve

__all__ = ["METHODS", "MinimizeResult", "RootResult", "minimize", "solve"]
