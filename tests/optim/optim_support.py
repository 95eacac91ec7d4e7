"""Running minimize/solve in process through click's CliRunner, answers as JSON."""
from __future__ import annotations

import json
from typing import Sequence

from click.testing import CliRunner

from diffcli.cli import cli


def answer(args: Sequence[str]) -> tuple[int, list[dict], str]:
    """(exit code, JSON objects on standard output, standard error) of one command."""
    res = CliRunner().invoke(cli, list(args) + ["--json"], standalone_mode=False,
                             env={"NO_COLOR": None, "TERM": None})
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    return res.return_value, [json.loads(line) for line in res.stdout.splitlines() if line], res.stderr


def starts(values: dict[str, str]) -> list[str]:
    out = []
    for k, v in values.items():
        out += ["--at", f"{k}={v}"]
    return out
