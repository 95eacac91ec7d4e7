"""The engine tests' fixture (helpers are in engine_testlib)."""
from __future__ import annotations

import gc

import pytest


@pytest.fixture
def no_gc():
    """The cycle collector off: reference counting alone must free what a test drops."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
