"""A bug inside a command is one 'internal' error line, not a traceback (in-process, so the
bug can be planted)."""
from __future__ import annotations

import pytest

from diffcli import commands
from diffcli.cli import main


def _bug(*args, **kwargs):
    raise KeyError("planted")


def _run(args: list[str], capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as info:
        main(args)
    return info.value.code, capsys.readouterr().err


def test_a_bug_is_reported_in_one_line(monkeypatch, capsys):
    monkeypatch.setitem(commands.COMMANDS, "eval", _bug)
    code, err = _run(["eval", "1 + 1"], capsys)
    assert code == 1
    assert err.startswith("error: internal: KeyError: 'planted'")
    assert "please report this; --debug shows the traceback" in err and "Traceback" not in err


def test_debug_shows_the_planted_bug(monkeypatch, capsys):
    monkeypatch.setitem(commands.COMMANDS, "eval", _bug)
    code, err = _run(["eval", "1 + 1", "--debug"], capsys)
    assert code == 1 and "Traceback" in err and "_bug" in err and "error: internal: KeyError" in err
