"""The REPL tests' fixture: a fresh session state (helpers are in repl_testlib)."""
from __future__ import annotations

import pytest

from diffcli.repl.statements import ReplState


@pytest.fixture
def state() -> ReplState:
    return ReplState(color=False)
