"""Anomaly mode: nodes remember where they were created; backward stops at the first NaN it makes."""
from __future__ import annotations

import contextlib
from typing import Iterator

from .state import state


@contextlib.contextmanager
def detect_anomaly(check_nan: bool = True) -> Iterator[None]:
    """Inside, a backward function that turns a NaN-free gradient into NaN raises an error
    naming it and the place its forward operation was created."""
    prev = state.anomaly
    state.anomaly = bool(check_nan)
    try:
        yield
    finally:
        state.anomaly = prev


def is_anomaly_enabled() -> bool:
    return state.anomaly
