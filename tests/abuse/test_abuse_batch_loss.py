"""Nothing lost in a batch: whatever goes wrong while one line is answered (its computation,
or writing its answer, MemoryError included) is that line's error, and every other line is
answered, with or without worker processes; workers never outlive the batch or stall it."""
from __future__ import annotations

from abuse_testlib import assert_clean, invoke, run

_EMPTY_GIANT = "zeros(1e15, 0)"  # no elements, so no element limit: but 10^15 empty lists to print


def test_an_answer_too_big_to_print_is_that_lines_limit_error():
    r = run(["eval", "-", "--json"], stdin=f"1\n{_EMPTY_GIANT}\n2\n", timeout=60)
    assert_clean(r, codes=(1,))
    docs = r.json_lines()
    assert docs[0] == {"value": 1.0} and docs[2] == {"value": 2.0}, docs
    assert docs[1]["error"]["kind"] == "limit" and docs[1]["error"]["line"] == 2, docs


def test_text_output_of_an_empty_giant_is_bounded_too():
    r = run(["eval", _EMPTY_GIANT], timeout=60)
    assert_clean(r, codes=(0,))
    assert len(r.out) < 100, r


def test_a_memory_error_while_writing_an_answer_is_that_lines_error(monkeypatch):
    from diffcli import runner

    real = runner.result_json

    def result_json(command, result):
        if result["value"].size > 1:
            raise MemoryError
        return real(command, result)

    monkeypatch.setattr(runner, "result_json", result_json)
    r = invoke(["eval", "-", "--json", "--jobs", "1"], stdin="1\nones(3)\n2\n")
    assert r.code == 1, r
    docs = r.json_lines()
    assert docs[0] == {"value": 1.0} and docs[2] == {"value": 2.0}, docs
    assert docs[1]["error"]["kind"] == "limit" and "memory" in docs[1]["error"]["message"], docs


def test_with_two_jobs_every_line_is_answered():
    lines = [_EMPTY_GIANT if i % 8 == 3 else f"{i} + 0" for i in range(64)]
    r = run(["eval", "-", "--json", "--jobs", "2"], stdin="\n".join(lines) + "\n", timeout=90)
    assert_clean(r, codes=(1,))
    docs = r.json_lines()
    assert len(docs) == 64, r
    for i, doc in enumerate(docs):
        assert doc == ({"error": doc.get("error")} if i % 8 == 3 else {"value": float(i)}), (i, doc)


def test_jobs_is_capped_and_failed_forks_leave_the_work_to_this_process(monkeypatch):
    """--jobs 1000000000 tried to fork that many workers, and a failed fork (a process limit)
    ended the batch in a BlockingIOError traceback with nothing answered."""
    import os

    from diffcli import workers

    forks = []

    def fork():
        forks.append(1)
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", fork)
    monkeypatch.setattr(workers, "can_fork", lambda: True)
    r = invoke(["eval", "-", "--json", "--jobs", "1000000000"], stdin="".join(f"{i}\n" for i in range(64)))
    assert r.code == 0, r
    assert [d["value"] for d in r.json_lines()] == [float(i) for i in range(64)]
    assert 1 <= len(forks) and workers.usable_jobs(10**9) <= max(os.cpu_count() or 1, workers.MAX_JOBS)


def _batch(*args: str):
    import subprocess
    import sys

    from abuse_testlib import base_env

    return subprocess.Popen([sys.executable, "-m", "diffcli", "eval", "-", "--json", "--jobs", "2", *args],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=base_env())


def _children(pid: int) -> list[int]:
    from pathlib import Path

    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_stopped_worker_is_treated_as_dead_and_its_part_answered_here():
    import os
    import signal

    import pytest

    p = _batch("--timeout", "1")  # a worker silent for 2 x 1 s + 10 s counts as dead
    stopped = []
    try:
        p.stdin.write(b"".join(b"%d\n" % i for i in range(40)))
        p.stdin.flush()
        first = [p.stdout.readline() for _ in range(40)]  # the workers exist once these come
        assert first[-1] == b'{"line": 40, "value": 39.0}\n', first
        stopped = _children(p.pid)
        if not stopped:
            pytest.skip("no /proc children list, or no worker was forked")
        for pid in stopped:
            os.kill(pid, signal.SIGSTOP)
        out, err = p.communicate(b"".join(b"%d\n" % i for i in range(40, 80)), timeout=90)
    finally:
        for pid in stopped:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        p.kill()
    assert p.returncode == 0, err
    assert [line for line in out.split(b"\n") if line] == [b'{"line": %d, "value": %d.0}' % (i + 1, i) for i in range(40, 80)]


def test_workers_end_with_the_batch_on_sigterm():
    import os
    import signal
    import time

    import pytest

    slow = b"sum(sin(sin(sin(ones(1e7)))))\n"  # a second or so each: a worker's part runs for tens
    p = _batch()
    workers = []
    try:
        p.stdin.write(slow * 64)
        p.stdin.flush()
        for _ in range(100):  # until the workers are forked
            workers = _children(p.pid)
            if workers:
                break
            time.sleep(0.1)
        else:
            pytest.skip("no /proc children list, or no worker was forked")
        os.kill(p.pid, signal.SIGTERM)
        p.wait(timeout=30)
        for _ in range(100):
            if not any(_alive(w) for w in workers):
                break
            time.sleep(0.1)
        assert not any(_alive(w) for w in workers), "a worker kept computing after the batch ended"
    finally:
        p.kill()
        for w in workers:
            if _alive(w):
                os.kill(w, signal.SIGKILL)
