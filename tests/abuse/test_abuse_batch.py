"""Batch integrity (`diffcli CMD - [--json]`): one program per line of standard input; every
good line answered correctly and in order, every bad line reported with its line number, exit
1 if any failed; blank and comment lines skipped (still counted); empty input: no output, exit
0; output into a closed pipe (`| head -1`) ends quietly.
"""
from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from abuse_testlib import assert_clean, assert_error_doc, base_env, invoke, run, strict_json

BAD_LINES = [
    ("1 +", "parse"),
    ("sinn(x) at x = 1", "name"),
    ("sin(1, 2)", "type"),
    ("[1, 2] + [1, 2, 3]", "shape"),
    ("log(x) at x = -1", "domain"),
    ("zeros(1e12)", "limit"),
    (b"1\x00+2", "parse"),
    (b"1+\xff", "parse"),
    ("__import__('os').system('true')", "parse"),
    ("x at pi = 3", "type"),
]


def _corpus(n: int = 1000) -> tuple[bytes, dict[int, tuple[int, int]], dict[int, str]]:
    """n lines; every 10th bad. good: line -> (a, k) for the program x^2*k + a at x = a."""
    raw: list[bytes] = []
    good: dict[int, tuple[int, int]] = {}
    bad: dict[int, str] = {}
    for lineno in range(1, n + 1):
        if lineno % 10 == 0:
            text, kind = BAD_LINES[(lineno // 10) % len(BAD_LINES)]
            raw.append(text if isinstance(text, bytes) else text.encode())
            bad[lineno] = kind
        elif lineno % 97 == 0:
            raw.append(b"   # a comment line" if lineno % 2 else b"")
        else:
            a, k = lineno % 13 + 1, lineno % 7 + 2
            raw.append(f"x^2*{k} + {a} at x = {a}".encode() + (b"\r" if lineno % 5 == 0 else b""))
            good[lineno] = (a, k)
    return b"\n".join(raw) + b"\n", good, bad


def test_thousand_lines_json() -> None:
    stdin, good, bad = _corpus()
    r = run(["grad", "-", "--json"], stdin=stdin, timeout=120)
    assert_clean(r, codes=(1,))
    docs = r.json_lines()
    expected_lines = sorted(list(good) + list(bad))
    assert len(docs) == len(expected_lines), (len(docs), len(expected_lines))
    for lineno, doc in zip(expected_lines, docs):
        if lineno in good:
            a, k = good[lineno]
            assert doc == {"value": float(a * a * k + a), "grad": {"x": float(2 * a * k)}}, (lineno, doc)
        else:
            body = assert_error_doc(doc, bad[lineno])
            assert body["line"] == lineno, (lineno, body)


def test_thousand_lines_text() -> None:
    stdin, good, bad = _corpus()
    r = run(["eval", "-"], stdin=stdin, timeout=120)
    assert_clean(r, codes=(1,))
    headers = [int(ln[1:ln.index("]")]) for ln in r.out.splitlines() if ln.startswith("[")]
    assert headers == sorted(good), "good lines answered out of order or missing"
    values = [float(ln.split()[1]) for ln in r.out.splitlines() if ln.startswith("value")]
    assert values == [float(a * a * k + a) for a, k in (good[n] for n in sorted(good))]
    reported = [int(ln.split(":")[0].split()[1]) for ln in r.err.splitlines() if ln.startswith("line ")]
    assert reported == sorted(bad), reported


def test_empty_stdin() -> None:
    r = run(["grad", "-", "--json"], stdin=b"", timeout=20)
    assert_clean(r, codes=(0,))
    assert r.out == "" and r.err == "", r
    for stdin in (b"", b"\n\n\n", b"# nothing\n   \n\t\n", b"\r\n"):
        for args in (["eval", "-"], ["grad", "-", "--json"], ["check", "-"]):
            r = invoke(args, stdin=stdin)
            assert_clean(r, codes=(0,))
            assert r.out == "" and r.err == "", (stdin, args, r)


def test_stdin_from_dev_null() -> None:
    p = subprocess.run([sys.executable, "-m", "diffcli", "eval", "-", "--json"], stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=20, env=base_env())
    assert (p.returncode, p.stdout, p.stderr) == (0, b"", b"")


def test_a_slow_line_does_not_stop_the_batch() -> None:
    fan = "f0(x) = x*x; " + "".join(f"f{i}(x) = f{i - 1}(f{i - 1}(x)); " for i in range(1, 41)) + "f40(1)"
    r = run(["eval", "-", "--json", "--timeout", "1"], stdin=f"1+1\n{fan}\n2+2\n", timeout=30)
    assert_clean(r, codes=(1,))
    docs = r.json_lines()
    assert docs[0] == {"value": 2.0} and docs[2] == {"value": 4.0}, docs
    assert assert_error_doc(docs[1], "limit")["line"] == 2


def test_at_applies_to_every_line_and_own_at_wins() -> None:
    r = run(["eval", "-", "--json", "--at", "x=2"], stdin="x\nx at x = 5\ny\nx^2\n", timeout=20)
    assert_clean(r, codes=(1,))
    docs = r.json_lines()
    assert docs[0] == {"value": 2.0} and docs[1] == {"value": 5.0} and docs[3] == {"value": 4.0}, docs
    assert assert_error_doc(docs[2], "name")["line"] == 3


def test_multiline_errors_report_the_stdin_line() -> None:
    """Each line is its own program: an error's line is the line of standard input."""
    r = run(["eval", "-", "--json"], stdin="1\n\n\n(1 +\n2)\n", timeout=20)
    docs = r.json_lines()
    assert docs[0] == {"value": 1.0}
    assert [assert_error_doc(d, "parse")["line"] for d in docs[1:]] == [4, 5], docs


# --------------------------------------------------------------------------- closed pipes
def _many_lines(n: int = 20000) -> bytes:
    return b"".join(b"%d+1\n" % i for i in range(n))


def _reader_goes_away(args: list[str], tmp_path: Path, stderr: int = subprocess.PIPE) -> subprocess.Popen:
    """Start diffcli with a big input file, read one line of its output, close the pipe."""
    data = tmp_path / "in.txt"
    data.write_bytes(_many_lines())
    with open(data, "rb") as stdin:
        p = subprocess.Popen([sys.executable, "-m", "diffcli", *args], stdin=stdin, stdout=subprocess.PIPE,
                             stderr=stderr, env=base_env())
    p.first = p.stdout.readline()  # type: ignore[attr-defined]
    p.stdout.close()
    return p


@pytest.mark.parametrize("args", [["eval", "-", "--json"], ["eval", "-"], ["grad", "-"]])
def test_reader_goes_away_quietly(args: list[str], tmp_path: Path) -> None:
    """Like `| head -1`: the reader closes the pipe after one line; diffcli ends without a
    traceback (on stderr) in time."""
    p = _reader_goes_away(args, tmp_path)
    first = p.first
    try:
        err = p.communicate(timeout=30)[1].decode(errors="replace")
    finally:
        if p.poll() is None:
            p.kill()
    assert first, "no first line"
    assert "Traceback" not in err and "BrokenPipeError" not in err and "Exception ignored" not in err, err
    assert p.returncode in (0, 1, -signal.SIGPIPE), p.returncode


@pytest.mark.skipif(shutil.which("head") is None or shutil.which("sh") is None, reason="needs sh and head")
def test_shell_pipe_into_head(tmp_path: Path) -> None:
    """The real thing: a shell pipeline into head -1; no traceback on the terminal."""
    data = tmp_path / "in.txt"
    data.write_bytes(_many_lines())
    script = f'"{sys.executable}" -m diffcli eval - --json < "$IN" | head -1'
    p = subprocess.run(["sh", "-c", script], capture_output=True, timeout=30, env=base_env(IN=str(data)))
    out = p.stdout.decode()
    assert out.splitlines()[0] == '{"line": 1, "value": 1.0}', out
    assert "Traceback" not in p.stderr.decode(), p.stderr


def test_reader_goes_away_exit_status_is_zero(tmp_path: Path) -> None:
    """cli.main means 0 for a reader that went away (click's own EPIPE handler exits 1)."""
    p = _reader_goes_away(["eval", "-", "--json"], tmp_path, stderr=subprocess.DEVNULL)
    try:
        assert p.wait(timeout=30) == 0
    finally:
        if p.poll() is None:
            p.kill()


def test_every_command_in_batch_mode() -> None:
    lines = ["x^2*y at x = 1, y = 2", "1 +", "sum(v^2) at v = [1, 2]", ""]
    for command in ("eval", "grad", "jacobian", "hessian", "check", "graph"):
        r = invoke([command, "-", "--json"], stdin="\n".join(lines) + "\n")
        assert_clean(r, codes=(1,))
        docs = r.json_lines()  # each answer's "line" is checked there
        assert len(docs) == 3 and "error" not in docs[0] and "error" not in docs[2], (command, docs)
        assert assert_error_doc(docs[1], "parse")["line"] == 2
