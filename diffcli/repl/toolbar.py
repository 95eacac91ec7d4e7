"""The bottom toolbar: the names in scope and the session's settings."""
from __future__ import annotations

from typing import Any, Callable

MAX_NAMES = 8


def toolbar_text(state: Any) -> str:
    names = []
    for n, t in state.variables.items():
        shape = "x".join(map(str, t.shape))
        names.append(n + (f"[{shape}]" if shape else "") + ("*" if t.requires_grad else ""))
    names += [f"{n}()" for n in state.definitions]
    shown = " ".join(names[:MAX_NAMES]) + (f" +{len(names) - MAX_NAMES}" if len(names) > MAX_NAMES else "")
    parts = [f"vars: {shown or '-'}", f"anomaly: {'on' if state.anomaly else 'off'}"]
    if state.precision:
        parts.append(f"precision: {state.precision}")
    parts.append(":help  Ctrl-D quits")
    return " " + "  |  ".join(parts)


def toolbar(state: Any) -> Callable[[], str]:
    """For PromptSession(bottom_toolbar=...): * marks a variable that requires grad."""
    return lambda: toolbar_text(state)
