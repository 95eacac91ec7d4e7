"""Helpers for the formula tests: answers in process, and formulas evaluated back."""
from __future__ import annotations

import math

from diffcli.commands import run
from diffcli.session import Options, Session


def answer(command: str, text: str, **options) -> dict:
    """The result dict of one command, in process."""
    return run(Session(), command, text, Options(**options))


def derivative(text: str, **options) -> str:
    return answer("diff", text, **options)["derivative"]


def at_clause(point: dict) -> str:
    return " at " + ", ".join(f"{k} = {v!r}" for k, v in point.items())


def evaluate(formula: str, point: dict) -> float:
    """``diffcli eval "<formula> at ..."``: the formula read back as a program."""
    return answer("eval", formula + at_clause(point))["value"].item()


def numeric(command: str, text: str, point: dict, **options) -> dict:
    """The engine's numeric answer at ``point``."""
    return answer(command, text + at_clause(point), **options)


def agree(a: float, b: float, rtol: float = 1e-9) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= rtol * max(1.0, abs(a), abs(b))
