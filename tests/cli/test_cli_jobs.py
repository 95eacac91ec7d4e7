"""Batches answered by forked worker processes (--jobs): the same bytes, in the same order,
with the same exit code as one process; a worker that dies loses no answer."""
import os
import threading

import pytest
from hypothesis import given, strategies as st

from cli_testlib import default_sigint, run
from diffcli import workers
from diffcli.workers import MIN_PART, Workers, _split

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")


def _batch(n: int) -> str:
    lines = []
    for i in range(n):
        k = i % 7
        if k == 3:
            lines.append(f"1/ + x at x={i}")          # a parse error
        elif k == 5:
            lines.append("# a comment")
        elif k == 6:
            lines.append(f"log(x) at x=-{i + 1}")     # nan, with a warning
        else:
            lines.append(f"x^2*sin(y) + {i}*y at x={i / 10}, y=-0.5")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("fmt", [["--json"], []])
def test_two_jobs_answer_exactly_as_one(fmt):
    stdin = _batch(700)
    one = run(["grad", "-", "--jobs", "1", *fmt], stdin=stdin)
    two = run(["grad", "-", "--jobs", "2", *fmt], stdin=stdin)
    assert one.returncode == two.returncode == 1
    assert one.stdout == two.stdout
    assert one.stderr == two.stderr
    if fmt:
        assert len(one.stdout.splitlines()) == 600  # every line but the comments


def test_a_small_batch_is_answered_in_process():
    r = run(["eval", "-", "--jobs", "4", "--json"], stdin="1+1\n2+2\n")
    assert r.returncode == 0 and r.stdout.splitlines() == ['{"line": 1, "value": 2.0}', '{"line": 2, "value": 4.0}']


def _answer(i, die_at):
    if i == die_at:
        os._exit(3)  # the worker dies in the middle of its part
    return i * i


@pytest.mark.parametrize("die_at", [None, 50, 99])
def test_a_worker_that_dies_loses_no_answer(die_at):
    w = Workers(1, _answer)
    try:
        items = [(i, die_at if i < 100 else None) for i in range(100)]
        first = [r for r in _answers(w, items, die_at)]
        assert first == [i * i for i in range(100)]
        again = list(w.map([(i, None) for i in range(40)]))
        assert again == [i * i for i in range(40)]
        assert len(w.procs) == (1 if die_at is None else 0)
    finally:
        w.close()


def _answers(w, items, die_at):
    # in this process (answering a dead worker's part), the line that killed it runs again:
    # here it must not end the test process
    original = w.answer
    w.answer = lambda i, d: i * i
    try:
        yield from w.map(items)
    finally:
        w.answer = original


def test_no_fork_while_another_thread_runs():
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        assert not workers.can_fork()
    finally:
        stop.set()
        t.join()


@given(st.integers(0, 2000), st.integers(1, 5))
def test_parts_cover_the_items_in_order(n, jobs):
    items = list(range(n))
    parts = _split(items, jobs)
    assert [i for p in parts for i in p] == items
    assert 1 <= len(parts) <= jobs
    if len(parts) > 1:
        assert all(len(p) >= MIN_PART * 0.9 - 1 for p in parts)


def test_ctrl_c_ends_the_batch_and_its_workers(tmp_path):
    import signal
    import subprocess
    import sys
    import time
    src = tmp_path / "batch.txt"
    src.write_text(_batch(700) * 40)
    with open(src, "rb") as stdin:
        p = subprocess.Popen([sys.executable, "-m", "diffcli", "grad", "-", "--json", "--jobs", "2"],
                             stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             start_new_session=True, preexec_fn=default_sigint)
        assert p.stdout.readline()  # answers are coming: the workers are at work
        os.killpg(p.pid, signal.SIGINT)
        _, err = p.communicate(timeout=30)
    assert p.returncode == 130 and b"interrupted" in err and b"Traceback" not in err
    deadline = time.monotonic() + 10
    while True:  # nothing of the batch's process group is left
        try:
            os.killpg(p.pid, 0)
        except ProcessLookupError:
            break
        assert time.monotonic() < deadline, "a worker outlived the interrupted batch"
        time.sleep(0.05)
