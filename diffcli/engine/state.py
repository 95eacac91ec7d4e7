"""Global switches of the engine: grad mode, anomaly mode, and the origin of new nodes."""
from __future__ import annotations

import contextlib
from typing import Any, Iterator


class _State:
    __slots__ = ("grad_enabled", "anomaly", "origin", "budget", "inplace", "raw", "batch")

    def __init__(self) -> None:
        self.grad_enabled = True
        self.anomaly = False
        self.origin: Any = None  # stamped on each new node: a source span, or a traceback in anomaly mode
        self.budget: Any = None  # when set, its tick() runs for every new node (resource limits)
        self.inplace = 0  # in-place operations so far: until the first, nodes skip version records
        # True while a backward pass without create_graph runs the rules: operations then take
        # and return raw values (floats, arrays), allocating no tensors
        self.raw = False
        # 1 while such a pass carries many seeds at once (Jacobian rows): every gradient then has
        # a leading batch axis, which the shape-sensitive rules keep (see Prim.batch)
        self.batch = 0


state = _State()


@contextlib.contextmanager
def _grad_mode(flag: bool) -> Iterator[None]:
    prev = state.grad_enabled
    state.grad_enabled = flag
    try:
        yield
    finally:
        state.grad_enabled = prev


def no_grad() -> contextlib.AbstractContextManager:
    """Context manager: operations inside record no graph."""
    return _grad_mode(False)


def enable_grad() -> contextlib.AbstractContextManager:
    """Context manager: re-enable recording inside a no_grad block."""
    return _grad_mode(True)


class set_grad_enabled:
    """Set grad mode: at once when called, and restored on leaving a ``with`` block."""

    def __init__(self, flag: bool) -> None:
        self.prev = state.grad_enabled
        state.grad_enabled = bool(flag)

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        state.grad_enabled = self.prev


def is_grad_enabled() -> bool:
    return state.grad_enabled


@contextlib.contextmanager
def origin(value: Any) -> Iterator[None]:
    """Nodes created inside carry ``value`` as their origin (the language passes spans)."""
    prev = state.origin
    state.origin = value
    try:
        yield
    finally:
        state.origin = prev
