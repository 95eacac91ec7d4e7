"""Closed or full standard streams, in every mode: one clean line on standard error where it
exists, exit 1, never a traceback (they all gave one)."""
from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from abuse_testlib import base_env

_FULL = Path("/dev/full")
CASES = [
    ("eval 1+1", ">&-", "standard output is closed"),
    ("eval - --json", "<<<'1' >&-", "standard output is closed"),
    ("grad - --json --jobs 2", ">&- < <(seq 1 100)", "standard output is closed"),
    ("eval -", "<&-", "standard input is closed"),
    ("grad - --json", "<&-", "standard input is closed"),
    ("repl", "<&-", "standard input is closed"),
    ("repl", "<<<'1' >&-", "standard output is closed"),
    ("", "<&-", "standard input is closed"),
    ("eval 1+1", ">/dev/full", "No space left on device"),
    ("eval - --json", "<<<'1' >/dev/full", "No space left on device"),
    ("grad - --json --jobs 2", ">/dev/full < <(seq 1 100)", "No space left on device"),
    ("repl", "<<<'1' >/dev/full", "No space left on device"),
    ("eval 1/0", "2>&-", None),
    ("eval 1+1", ">/dev/full 2>&-", None),
    ("eval 1+1 --help", ">&-", "standard output is closed"),
]


@pytest.mark.skipif(not _FULL.exists(), reason="needs /dev/full")
@pytest.mark.parametrize("args, redirect, message", CASES)
def test_a_closed_or_full_stream_is_one_clean_error(args, redirect, message):
    line = f"{shlex.quote(sys.executable)} -m diffcli {args} {redirect}"
    p = subprocess.run(["bash", "-c", line], capture_output=True, text=True, env=base_env(), timeout=60)
    assert p.returncode == 1, (line, p.returncode, p.stderr)
    assert "Traceback" not in p.stderr and "Exception ignored" not in p.stderr, p.stderr
    if message is not None:
        assert p.stderr == f"error: input/output: {message}\n", p.stderr
