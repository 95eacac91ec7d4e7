"""Fixtures for the command-line tests (helpers live in cli_testlib.py)."""
from __future__ import annotations

import os

import pytest

from cli_testlib import DIFFCLI


@pytest.fixture(scope="session", autouse=True)
def _console_script_installed():
    """The end-to-end tests run the installed console script; say so plainly if it is missing."""
    if not os.path.exists(DIFFCLI):
        pytest.fail(f"the diffcli console script is not installed next to the interpreter ({DIFFCLI}); "
                    "run pip install -e . in the virtualenv")
