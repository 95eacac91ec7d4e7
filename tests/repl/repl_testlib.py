"""Helpers for the REPL tests: replay lines through a session state and read what they printed."""
from __future__ import annotations

from diffcli.repl.statements import Reply, ReplState


def replay(state: ReplState, *lines: str) -> list[Reply]:
    """Run each line; every one but the last must succeed."""
    replies = [state.execute(line) for line in lines]
    for line, r in zip(lines[:-1], replies):
        assert not r.error, f"{line!r} failed: {r.text}"
    return replies


def out(state: ReplState, line: str) -> str:
    """The output of a line that must succeed."""
    r = state.execute(line)
    assert not r.error, f"{line!r} failed: {r.text}"
    return r.text


def err(state: ReplState, line: str) -> str:
    """The error text of a line that must fail."""
    r = state.execute(line)
    assert r.error, f"{line!r} should have failed but printed {r.text!r}"
    return r.err
