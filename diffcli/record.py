"""Plain data classes, declared by a field list.

``dataclasses`` compiles generated methods with exec at import time, which costs a
one-shot command measurable start-up; this tiny base class does the same job with
ordinary methods.
"""
from __future__ import annotations

from typing import Any, Callable


class Record:
    """Subclasses set ``FIELDS`` (names in order) and ``DEFAULTS`` (name -> value, or a
    ``Factory`` for a fresh mutable value per instance)."""

    FIELDS: tuple[str, ...] = ()
    DEFAULTS: dict[str, Any] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        fields = self.FIELDS
        if not kwargs and len(args) == len(fields):  # every field in order: the hot path (parsing)
            self.__dict__.update(zip(fields, args))
            return
        if len(args) > len(fields):
            raise TypeError(f"{type(self).__name__} takes at most {len(fields)} arguments")
        for name, value in zip(fields, args):
            setattr(self, name, value)
        for name in fields[len(args):]:
            if name in kwargs:
                setattr(self, name, kwargs.pop(name))
            elif name in self.DEFAULTS:
                d = self.DEFAULTS[name]
                setattr(self, name, d.make() if isinstance(d, Factory) else d)
            else:
                raise TypeError(f"{type(self).__name__} needs '{name}'")
        if kwargs:
            raise TypeError(f"{type(self).__name__} has no field {next(iter(kwargs))!r}")

    def __repr__(self) -> str:
        body = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.FIELDS)
        return f"{type(self).__name__}({body})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and all(getattr(self, n) == getattr(other, n) for n in self.FIELDS)

    __hash__ = None  # mutable, like a dataclass with eq


class Factory:
    """A default made fresh for each instance (like dataclasses.field(default_factory=...))."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make
