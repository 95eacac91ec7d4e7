"""A hostile or broken environment: no TERM, TERM=dumb, NO_COLOR, the C locale, a HOME that
is missing, read-only or a file, a cache directory that is unusable or damaged, stdin that is
not a terminal. The parser-table cache (and the REPL history) must fall back silently: the
same answers, nothing extra on stderr, exit 0.
"""
from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from abuse_testlib import assert_clean, base_env, run

PROGRAM = "x^2*sin(y) at x = 1.5, y = -0.5"
EXPECTED = {"value": -1.0787074618594568, "grad": {"x": -1.438276615812609, "y": 1.9745607642533387}}
ESC = "\x1b"


def _grad(env: dict, cwd: Path, json_mode: bool = True) -> object:
    return run(["grad", PROGRAM] + (["--json"] if json_mode else []), env=env, cwd=cwd, timeout=60)


def _ok(r) -> None:
    assert_clean(r, codes=(0,))
    assert r.err == "", r
    assert r.only_json() == EXPECTED, r


@pytest.mark.parametrize("env", [
    {"TERM": None}, {"TERM": "dumb"}, {"TERM": "xterm-256color", "COLUMNS": "-5"}, {"NO_COLOR": "1"},
    {"LANG": "C", "LC_ALL": "C"}, {"LANG": None, "LC_ALL": None, "LC_CTYPE": None},
    {"LC_ALL": "C", "PYTHONIOENCODING": "ascii"}, {"PYTHONUTF8": "0", "LC_ALL": "POSIX"},
], ids=lambda e: ",".join(f"{k}={v}" for k, v in e.items()))
def test_terminal_and_locale_variables(env: dict, tmp_path: Path) -> None:
    _ok(_grad(base_env(**env), tmp_path))


ASCII_STDOUT = pytest.mark.fixed_defect  # fixed: falls back to d/dx


@pytest.mark.parametrize("env", [{"TERM": "dumb"}, {"LC_ALL": "C", "LANG": "C"}, {"NO_COLOR": "1"},
                                 pytest.param({"LC_ALL": "C", "PYTHONIOENCODING": "ascii"}, marks=ASCII_STDOUT)],
                         ids=["dumb", "C", "NO_COLOR", "ascii"])
def test_text_output_in_plain_environments(env: dict, tmp_path: Path) -> None:
    """Text mode with ∂ labels in a C/ASCII locale: still an answer (or a clean error), no
    traceback (UnicodeEncodeError), no colour codes on a pipe."""
    r = _grad(base_env(**env), tmp_path, json_mode=False)
    assert_clean(r, codes=(0,))
    assert "-1.438276615812609" in r.out and ESC not in r.out + r.err, r


def test_error_text_in_c_locale_with_unicode_program(tmp_path: Path) -> None:
    r = run(["eval", "x\u00b2 + \u03c0 at x = 1"], env=base_env(LC_ALL="C", LANG="C", PYTHONIOENCODING="ascii"),
            cwd=tmp_path)
    assert_clean(r, codes=(1,))
    assert "error: parse:" in r.err, r


# --------------------------------------------------------------------------- HOME and the caches
def _home_env(home: Path | None, **extra: str | None) -> dict:
    return base_env(HOME=None if home is None else str(home), XDG_CACHE_HOME=None, XDG_DATA_HOME=None, **extra)


def test_home_unset(tmp_path: Path) -> None:
    _ok(_grad(_home_env(None), tmp_path))


def test_home_missing(tmp_path: Path) -> None:
    _ok(_grad(_home_env(tmp_path / "does" / "not" / "exist"), tmp_path))


def test_home_is_a_file(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.write_text("not a directory")
    _ok(_grad(_home_env(home), tmp_path))


def test_home_read_only(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    home.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        _ok(_grad(_home_env(home), tmp_path))
        _ok(_grad(_home_env(home), tmp_path))  # and again (nothing half-written to trip over)
    finally:
        home.chmod(0o755)


def test_home_is_empty_string(tmp_path: Path) -> None:
    _ok(_grad(base_env(HOME="", XDG_CACHE_HOME=None, XDG_DATA_HOME=None), tmp_path))


def test_cache_dir_is_dev_null_or_a_file(tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("")
    for cache in ("/dev/null", str(afile), str(afile / "sub"), "/proc/self/nonexistent"):
        _ok(_grad(base_env(XDG_CACHE_HOME=cache), tmp_path))


def test_cache_dir_read_only(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    (cache / "diffcli").mkdir(parents=True)
    (cache / "diffcli").chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        _ok(_grad(base_env(XDG_CACHE_HOME=str(cache)), tmp_path))
    finally:
        (cache / "diffcli").chmod(0o755)


@pytest.fixture(scope="module")
def pristine_tables(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, bytes]:
    """The parser-table cache file a first run writes: (file name, contents)."""
    cache = tmp_path_factory.mktemp("pristine") / "cache"
    _ok(_grad(base_env(XDG_CACHE_HOME=str(cache)), cache.parent))
    files = [p for p in (cache / "diffcli").iterdir() if p.is_file() and not p.name.startswith(".")]
    assert files, "no parser cache was written"
    best = max(files, key=lambda p: p.stat().st_size)
    return best.name, best.read_bytes()


@pytest.fixture
def cache_file(tmp_path: Path, pristine_tables: tuple[str, bytes]) -> Path:
    """A private cache dir (tmp_path/cache) holding a copy of the real parser tables."""
    name, data = pristine_tables
    folder = tmp_path / "cache" / "diffcli"
    folder.mkdir(parents=True)
    (folder / name).write_bytes(data)
    return folder / name


@pytest.mark.parametrize("content", [b"", b"garbage", b"{}", b"{\"format\": 1}", b"\x00" * 100, b"[1, 2",
                                     "\u00ff".encode("latin-1")])
def test_damaged_parser_cache_is_rebuilt(content: bytes, tmp_path: Path, cache_file: Path) -> None:
    cache_file.write_bytes(content)
    _ok(_grad(base_env(XDG_CACHE_HOME=str(tmp_path / "cache")), tmp_path))


def test_pristine_cache_copy_is_used(tmp_path: Path, cache_file: Path) -> None:
    before = cache_file.read_bytes()
    _ok(_grad(base_env(XDG_CACHE_HOME=str(tmp_path / "cache")), tmp_path))
    assert cache_file.read_bytes() == before


def test_truncated_parser_cache_is_rebuilt(tmp_path: Path, cache_file: Path) -> None:
    cache_file.write_bytes(cache_file.read_bytes()[: cache_file.stat().st_size // 2])
    _ok(_grad(base_env(XDG_CACHE_HOME=str(tmp_path / "cache")), tmp_path))


@pytest.mark.parametrize("content", [b"[]", b"null", b"{\"states\": 5}", b"1",
                                     b'{"format":1,"states":[],"rules":[],"start":{},"end":{},"keywords":{},'
                                     b'"ignore":[],"terminals":[]}'])
def test_wrong_shape_parser_cache_is_rebuilt(content: bytes, tmp_path: Path, cache_file: Path) -> None:
    cache_file.write_bytes(content)
    _ok(_grad(base_env(XDG_CACHE_HOME=str(tmp_path / "cache")), tmp_path))


def test_parser_cache_is_a_directory(tmp_path: Path, cache_file: Path) -> None:
    cache_file.unlink()
    cache_file.mkdir()
    _ok(_grad(base_env(XDG_CACHE_HOME=str(tmp_path / "cache")), tmp_path))


def test_parser_cache_is_a_symlink_to_elsewhere(tmp_path: Path, cache_file: Path) -> None:
    """A symlink at the cache file's path is never followed: its target is neither read nor written."""
    cache_file.unlink()
    target = tmp_path / "elsewhere.json"
    target.write_text(json.dumps({"not": "tables"}))
    cache_file.symlink_to(target)
    _ok(_grad(base_env(XDG_CACHE_HOME=str(tmp_path / "cache")), tmp_path))
    assert target.read_text() == json.dumps({"not": "tables"})


def test_relative_xdg_cache_home_is_ignored(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    _ok(_grad(base_env(XDG_CACHE_HOME="relative-cache"), work))
    assert list(work.iterdir()) == [], list(work.iterdir())


def test_cwd_is_not_writable(tmp_path: Path) -> None:
    cwd = tmp_path / "ro"
    cwd.mkdir()
    cwd.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        _ok(_grad(base_env(), cwd))
    finally:
        cwd.chmod(0o755)


def test_cwd_was_deleted(tmp_path: Path) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    import subprocess
    import sys
    script = f'cd "{gone}" && rmdir "{gone}" && exec "{sys.executable}" -m diffcli grad "{PROGRAM}" --json'
    p = subprocess.run(["sh", "-c", script], capture_output=True, timeout=60, env=base_env())
    assert p.returncode == 0 and json.loads(p.stdout) == EXPECTED, p


# --------------------------------------------------------------------------- stdin that is not a terminal
def test_stdin_closed_for_a_program_argument(tmp_path: Path) -> None:
    """A one-shot command never reads standard input, whatever it is."""
    import subprocess
    import sys
    p = subprocess.run([sys.executable, "-m", "diffcli", "grad", PROGRAM, "--json"], stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=60, env=base_env(), cwd=tmp_path)
    assert p.returncode == 0 and json.loads(p.stdout) == EXPECTED


def test_stdin_is_a_directory(tmp_path: Path) -> None:
    import subprocess
    import sys
    fd = os.open(str(tmp_path), os.O_RDONLY)
    try:
        p = subprocess.run([sys.executable, "-m", "diffcli", "eval", "-", "--json"], stdin=fd,
                           capture_output=True, timeout=60, env=base_env(), cwd=tmp_path)
    finally:
        os.close(fd)
    err = p.stderr.decode()
    assert "Traceback" not in err, err
    assert p.returncode in (0, 1), p


def test_batch_mode_with_warnings_as_errors(tmp_path: Path) -> None:
    r = run(["eval", "-", "--json"], stdin="1+1\n", env=base_env(PYTHONWARNINGS="error"), cwd=tmp_path)
    assert_clean(r, codes=(0,))
    assert r.only_json() == {"value": 2.0}


def test_one_shot_with_warnings_as_errors(tmp_path: Path) -> None:
    r = run(["grad", PROGRAM, "--json"], env=base_env(PYTHONWARNINGS="error"), cwd=tmp_path)
    _ok(r)


# --------------------------------------------------------------------------- terminal escapes
@pytest.mark.parametrize("program", ["\x1b[2J\x1b[31m1", "1+\x1b]0;pwned\x07", "\x9b31m1"])
def test_error_text_does_not_emit_control_characters(program: str, tmp_path: Path) -> None:
    r = run(["eval", program], env=base_env(NO_COLOR="1"), cwd=tmp_path)
    assert_clean(r, codes=(1,))
    assert not any(ch in r.err for ch in ("\x1b", "\x07", "\x9b")), repr(r.err)


def test_batch_echo_does_not_emit_control_characters(tmp_path: Path) -> None:
    r = run(["eval", "-"], stdin="1 # \x1b]0;pwned\x07\x1b[2J\n", env=base_env(NO_COLOR="1"), cwd=tmp_path)
    assert_clean(r, codes=(0,))
    assert "\x1b" not in r.out and "\x07" not in r.out, repr(r.out)
