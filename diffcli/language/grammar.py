"""Finds the grammar file: inside the installed package, or in the source tree's grammar/ folder."""
from __future__ import annotations

import os

_HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_CANDIDATES = (
    os.path.join(_HERE, "grammar", "diffcli.lark"),                  # installed wheel
    os.path.join(os.path.dirname(_HERE), "grammar", "diffcli.lark"),  # source checkout
)


def grammar_path() -> str:
    for path in _CANDIDATES:
        if os.path.exists(path):
            return path
    raise FileNotFoundError("diffcli.lark not found in " + " or ".join(_CANDIDATES))


def grammar_text() -> str:
    with open(grammar_path(), encoding="utf-8") as f:
        return f.read()
