"""Resource limits: every one has a default, a CLI option, and a `limit` error past it."""
from __future__ import annotations

import time
from typing import Any

from ..errors import DiffcliError
from ..record import Record


class Limits(Record):
    """Each limit's default; the CLI option that changes it is named beside it."""
    FIELDS = ("max_elements", "max_length", "max_depth", "max_nodes", "max_order", "timeout")
    max_elements = 10**8        # elements in one tensor           --max-elements
    max_length = 5_000_000      # characters in one program        --max-length
    max_depth = 200_000         # nesting depth of an expression    --max-depth
    max_nodes = 5_000_000       # graph nodes per program           --max-nodes
    max_order = 64              # nested derivative order (reverse) --max-order
    timeout = 60.0              # seconds per program               --timeout
    DEFAULTS = {"max_elements": max_elements, "max_length": max_length, "max_depth": max_depth,
                "max_nodes": max_nodes, "max_order": max_order, "timeout": timeout}
    budget: "Budget | None" = None

    def check_elements(self, count: int, what: str) -> None:
        """A limit error when ``what`` (a phrase ending in a verb: "x made") has too many elements."""
        if count > self.max_elements:
            raise DiffcliError("limit", f"{what} {count:,} elements, over the limit of "
                               f"{self.max_elements:,} (--max-elements)")

    def check_seeds(self, create: bool, rows: int, what: str) -> None:
        """Jacobian rows taken one by one with create_graph each keep a one-hot seed of
        ``rows`` elements in the graph: rows^2 in all, bound like any tensor."""
        if create and rows > 1:
            self.check_elements(rows * rows, f"the {what}'s rows, kept to be differentiated again, would hold")

    def start(self) -> "Budget":
        """A fresh budget for one program."""
        self.budget = Budget(self.max_nodes, self.timeout)
        return self.budget


class Budget:
    """Counts graph nodes and watches the clock while one program runs."""

    __slots__ = ("left", "max_nodes", "deadline", "timeout", "work_left")
    QUANTUM = 1 << 20  # elements touched between looks at the clock: about a millisecond of numpy

    def __init__(self, max_nodes: int, timeout: float) -> None:
        self.left = max_nodes
        self.work_left = self.QUANTUM
        self.max_nodes = max_nodes
        self.timeout = timeout
        self.deadline = time.monotonic() + timeout

    def tick(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise DiffcliError("limit", f"the computation graph grew past {self.max_nodes:,} nodes "
                               "(--max-nodes); a high derivative order grows it fast: "
                               "diff --order uses Taylor mode, which does not")
        if not self.left & 1023:  # the clock every 1024 nodes: cheap enough for the hot path
            self.check_time()

    def work(self, inputs: Any, out: Any) -> None:
        """Count the elements an array operation read and wrote; past a quantum, the clock."""
        n = getattr(out, "size", 1)
        for v in inputs:
            n += getattr(v, "size", 1)
        self.work_left -= n
        if self.work_left < 0:
            self.work_left = self.QUANTUM
            self.check_time()

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise DiffcliError("limit", f"the program ran past the time limit of {self.timeout:g} s (--timeout)")
