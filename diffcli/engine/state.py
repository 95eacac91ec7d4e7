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


class _GradMode:
    """A grad mode as a context manager and as a decorator. A decorated generator function
    runs in the mode each time it resumes, and the caller's mode is back at each yield, as in
    PyTorch (a plain context-manager decorator would set it only while the generator is made)."""

    def __init__(self, flag: bool) -> None:
        self.flag = flag
        self.prev: list[bool] = []  # a stack: the same object may be entered again while inside

    def __enter__(self) -> None:
        self.prev.append(state.grad_enabled)
        state.grad_enabled = self.flag

    def __exit__(self, *exc: Any) -> None:
        state.grad_enabled = self.prev.pop()

    def __call__(self, fn: Any) -> Any:
        import functools
        import inspect
        flag = self.flag
        if inspect.isgeneratorfunction(fn):
            @functools.wraps(fn)
            def generator(*args: Any, **kwargs: Any) -> Any:
                with _GradMode(flag):
                    gen = fn(*args, **kwargs)
                throw, arg = False, None
                while True:
                    try:
                        with _GradMode(flag):
                            item = gen.throw(arg) if throw else gen.send(arg)
                    except StopIteration as stop:
                        return stop.value
                    try:
                        throw, arg = False, (yield item)
                    except GeneratorExit:
                        with _GradMode(flag):
                            gen.close()
                        raise
                    except BaseException as exc:  # noqa: BLE001 - handed to the generator (PEP 342)
                        throw, arg = True, exc
            return generator

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with _GradMode(flag):
                return fn(*args, **kwargs)
        return wrapper


def no_grad(fn: Any = None) -> Any:
    """Context manager (or decorator, with or without parentheses): operations inside record no graph."""
    return _GradMode(False) if fn is None else _GradMode(False)(fn)


def enable_grad(fn: Any = None) -> Any:
    """Context manager (or decorator): re-enable recording inside a no_grad block."""
    return _GradMode(True) if fn is None else _GradMode(True)(fn)


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
