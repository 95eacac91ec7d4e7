"""Other users' files (issue #18, items 1-2): the parser-table cache and the REPL history live in
directories that ``$XDG_CACHE_HOME`` / ``$XDG_DATA_HOME`` may point into a place other users
can write. What another user plants there (tables that answer wrongly, symlinks to the victim's
files, FIFOs, devices, files of their own) must change no answer, write nothing through a link,
hang nothing and leave nothing behind.

Cross-user cases chown a file or directory to another uid, so they need root (skipped otherwise).
"""
from __future__ import annotations

import json
import marshal
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from abuse_testlib import assert_clean, base_env, repl_in_terminal, run

ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="a file owned by another user needs root to make")
OTHER_UID = 65534  # nobody


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict]:
    """The cache file a first run writes: its name, and its tables."""
    cache = tmp_path_factory.mktemp("pristine") / "cache"
    r = run(["eval", "1"], env=base_env(XDG_CACHE_HOME=str(cache)), cwd=cache.parent)
    assert_clean(r, codes=(0,))
    (path,) = [p for p in (cache / "diffcli").iterdir() if p.name.endswith(".marshal")]
    return path.name, marshal.loads(path.read_bytes())


def _swapped(tables: dict) -> bytes:
    """Tables where '+' builds a subtraction and '-' an addition: 1+2 would answer -1."""
    data = json.loads(json.dumps(tables))
    add = next(r for r in data["rules"] if r[2] == "add")
    sub = next(r for r in data["rules"] if r[2] == "sub")
    add[2], sub[2] = "sub", "add"
    return marshal.dumps(data)


def _eval(cache: Path, program: str = "1+2", timeout: float = 60) -> object:
    return run(["eval", program, "--json"], env=base_env(XDG_CACHE_HOME=str(cache)), cwd=cache.parent,
               timeout=timeout)


def _answers(r: object, value: float = 3.0) -> None:
    assert_clean(r, codes=(0,))
    assert r.only_json() == {"value": value}, r
    assert r.err == "", r


def _plant(tmp_path: Path, pristine: tuple[str, dict], dir_mode: int = 0o755) -> Path:
    """A cache folder holding tables that answer wrongly; returns the file."""
    name, tables = pristine
    folder = tmp_path / "cache" / "diffcli"
    folder.mkdir(parents=True)
    (folder / name).write_bytes(_swapped(tables))
    folder.chmod(dir_mode)
    return folder / name


# --------------------------------------------------------------------------- the tables cache
def test_world_writable_cache_dir_is_not_trusted(tmp_path: Path, pristine: tuple[str, dict]) -> None:
    planted = _plant(tmp_path, pristine, dir_mode=0o777)
    before = planted.read_bytes()
    _answers(_eval(tmp_path / "cache"))
    assert planted.read_bytes() == before and os.listdir(planted.parent) == [planted.name]  # nothing written


def test_cache_dir_that_is_a_symlink_is_not_trusted(tmp_path: Path, pristine: tuple[str, dict]) -> None:
    """$XDG_CACHE_HOME/diffcli planted as a symlink to a folder someone else controls."""
    planted = _plant(tmp_path / "elsewhere", pristine)
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "diffcli").symlink_to(planted.parent)
    _answers(_eval(tmp_path / "cache"))
    assert os.listdir(planted.parent) == [planted.name]


@ROOT_ONLY
def test_cache_dir_of_another_user_is_not_trusted(tmp_path: Path, pristine: tuple[str, dict]) -> None:
    planted = _plant(tmp_path, pristine)
    os.chown(planted.parent, OTHER_UID, OTHER_UID)
    _answers(_eval(tmp_path / "cache"))
    assert os.listdir(planted.parent) == [planted.name]


@ROOT_ONLY
def test_cache_file_of_another_user_is_not_trusted(tmp_path: Path, pristine: tuple[str, dict]) -> None:
    planted = _plant(tmp_path, pristine)
    planted.parent.chmod(0o700)
    os.chown(planted, OTHER_UID, OTHER_UID)
    _answers(_eval(tmp_path / "cache"))


def test_world_writable_cache_file_is_not_trusted(tmp_path: Path, pristine: tuple[str, dict]) -> None:
    planted = _plant(tmp_path, pristine)
    planted.chmod(0o666)
    _answers(_eval(tmp_path / "cache"))


def test_cache_regexps_come_from_the_grammar(tmp_path: Path, pristine: tuple[str, dict]) -> None:
    """The user's own cache, damaged: a terminal's pattern the grammar does not give it is refused."""
    name, tables = pristine
    data = json.loads(json.dumps(tables))
    next(t for t in data["terminals"] if t[0] == "NAME")[1] = "[A-Ya-y_][A-Za-z_0-9]*"  # no 'z' starts a name
    folder = tmp_path / "cache" / "diffcli"
    folder.mkdir(parents=True, mode=0o700)
    (folder / name).write_bytes(marshal.dumps(data))
    _answers(_eval(tmp_path / "cache", "z + 2 at z = 1"))


@pytest.mark.parametrize("shared", [True, False], ids=["shared_dir", "own_dir"])
def test_symlinks_at_temporary_names_write_nothing(tmp_path: Path, pristine: tuple[str, dict], shared: bool) -> None:
    """The old temporary name was the cache file's + '.<pid>.tmp': a symlink there led the write
    to the victim's file. The shell's pid is the one diffcli runs with (exec)."""
    name, _ = pristine
    folder = tmp_path / "cache" / "diffcli"
    folder.mkdir(parents=True, mode=0o700)
    if shared:
        folder.chmod(0o777)
    victim = tmp_path / "victim"
    victim.write_text("the victim's data\n")
    script = (f'ln -s "{victim}" "{folder}/{name}.$$.tmp" && '
              f'exec "{sys.executable}" -m diffcli eval "1+2" --json')
    p = subprocess.run(["sh", "-c", script], capture_output=True, timeout=60, cwd=tmp_path,
                       env=base_env(XDG_CACHE_HOME=str(tmp_path / "cache")))
    assert victim.read_bytes() == b"the victim's data\n"
    assert p.returncode == 0 and json.loads(p.stdout) == {"value": 3.0}, p


def _not_a_file(folder: Path, name: str, kind: str, tmp_path: Path) -> None:
    path = folder / name
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    elif kind == "symlink_to_dev_zero":
        path.symlink_to("/dev/zero")
    elif kind == "dev_zero_node":
        os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(1, 5))
    elif kind == "dangling_symlink":
        path.symlink_to(tmp_path / "nowhere")


KINDS = ["fifo", "directory", "symlink_to_dev_zero", "dangling_symlink",
         pytest.param("dev_zero_node", marks=ROOT_ONLY)]


@pytest.mark.parametrize("kind", KINDS)
def test_cache_path_that_is_not_a_file(tmp_path: Path, pristine: tuple[str, dict], kind: str) -> None:
    """Not a hang (a FIFO), not a crash (/dev/zero), and no temporary file left behind by any
    run (a directory at the path made every run leak one)."""
    name, _ = pristine
    folder = tmp_path / "cache" / "diffcli"
    folder.mkdir(parents=True, mode=0o700)
    _not_a_file(folder, name, kind, tmp_path)
    for _ in range(2):
        _answers(_eval(tmp_path / "cache", timeout=30))
    assert not [p for p in os.listdir(folder) if p.endswith(".tmp")], os.listdir(folder)


# --------------------------------------------------------------------------- the REPL history
def _history(data: Path, timeout: float = 30, stores: tuple = ("x = 1",)) -> tuple[str, list]:
    """make_history in a child (a hang must not hang the suite): its class and the entries it read."""
    code = ("import json, sys\nfrom diffcli.repl.history import make_history, history_path\n"
            "h = make_history()\nseen = list(h.load_history_strings())[:3]\n"
            f"for s in {list(stores)!r}:\n    h.store_string(s)\n"
            "print(json.dumps([type(h).__name__, seen]))\n")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=timeout, cwd=data.parent,
                       env=base_env(XDG_DATA_HOME=str(data)))
    assert p.returncode == 0 and b"Traceback" not in p.stderr, p
    kind, seen = json.loads(p.stdout)
    return kind, seen


def _history_dir(tmp_path: Path, mode: int = 0o700) -> Path:
    folder = tmp_path / "data" / "diffcli"
    folder.mkdir(parents=True)
    folder.chmod(mode)
    return folder


def test_history_through_a_symlink_is_not_written(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("the victim's data\n")
    (_history_dir(tmp_path) / "history").symlink_to(victim)
    kind, _ = _history(tmp_path / "data", stores=("typed at the prompt",))
    assert kind == "InMemoryHistory" and victim.read_text() == "the victim's data\n"


def test_world_writable_history_is_not_used(tmp_path: Path) -> None:
    path = _history_dir(tmp_path) / "history"
    path.write_text("\n# planted\n+evil = 1\n")
    path.chmod(0o666)
    kind, seen = _history(tmp_path / "data", stores=("secret = 42",))
    assert kind == "InMemoryHistory" and seen == []
    assert "secret" not in path.read_text()


@ROOT_ONLY
def test_history_of_another_user_is_not_used(tmp_path: Path) -> None:
    path = _history_dir(tmp_path) / "history"
    path.write_text("\n# planted\n+evil = 1\n")
    path.chmod(0o644)
    os.chown(path, OTHER_UID, OTHER_UID)
    kind, seen = _history(tmp_path / "data", stores=("secret = 42",))
    assert kind == "InMemoryHistory" and seen == [] and "secret" not in path.read_text()


def test_world_writable_data_dir_is_not_used(tmp_path: Path) -> None:
    folder = _history_dir(tmp_path, 0o777)
    kind, _ = _history(tmp_path / "data")
    assert kind == "InMemoryHistory" and os.listdir(folder) == []


def test_history_hard_link_is_not_used(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("the victim's data\n")
    os.link(victim, _history_dir(tmp_path) / "history")
    kind, _ = _history(tmp_path / "data")
    assert kind == "InMemoryHistory" and victim.read_text() == "the victim's data\n"


@pytest.mark.parametrize("kind", KINDS)
def test_history_path_that_is_not_a_file(tmp_path: Path, kind: str) -> None:
    _not_a_file(_history_dir(tmp_path), "history", kind, tmp_path)
    got, seen = _history(tmp_path / "data")
    assert got == "InMemoryHistory" and seen == []


def test_huge_history_reads_only_its_end(tmp_path: Path) -> None:
    path = _history_dir(tmp_path) / "history"
    with open(path, "w") as f:
        for i in range(200_000):
            f.write(f"\n# 2026-01-01\n+x = {i}\n")
    kind, seen = _history(tmp_path / "data", stores=())
    assert kind != "InMemoryHistory" and seen == ["x = 199999", "x = 199998", "x = 199997"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pexpect terminal test on Linux only")
def test_interactive_repl_with_a_fifo_history(tmp_path: Path) -> None:
    """A FIFO at the history path hung the REPL before its banner."""
    os.mkfifo(_history_dir(tmp_path) / "history")
    env = base_env(TERM="dumb", XDG_DATA_HOME=str(tmp_path / "data"), XDG_CACHE_HOME=str(tmp_path / "cache"),
                   NO_COLOR="1")
    repl_in_terminal(env, tmp_path, [("2^10", "1024")])
