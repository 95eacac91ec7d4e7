"""Forked worker processes that answer parts of a batch on the other cores.

A batch's lines are independent programs (definitions do not carry from line to line), so
the lines of one read of standard input can be split into contiguous parts: the workers
answer all parts but the first while this process answers the first, and the answers are
written in input order. Each worker is a fork of this process made before any line it
answers, so it runs the same code with the same options; it only ever sees line numbers and
raw bytes, and sends back the finished text of each answer. A worker that dies takes no
answer with it: its part is answered here instead, and no more parts go to it.
"""
from __future__ import annotations

import marshal
import os
import signal
import struct
import sys
import threading
from typing import Any, Callable, Iterator

_HEADER = struct.Struct("<Q")
MIN_PART = 16  # lines: below this a part is not worth a round trip to a worker
MAX_JOBS = 4


def usable_jobs(requested: int) -> int:
    """The number of processes to use for a batch: ``requested``, or with 0 every CPU this
    process may run on (at most MAX_JOBS); 1 where fork is missing."""
    if not hasattr(os, "fork"):
        return 1
    if requested > 0:
        return requested
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_JOBS))


def can_fork() -> bool:
    """Forking is safe only while this process runs a single thread: a lock another thread
    holds would stay locked forever in the child."""
    return hasattr(os, "fork") and threading.active_count() == 1


class Workers:
    """``count`` forked processes, each answering the items it is sent with ``answer``."""

    def __init__(self, count: int, answer: Callable[..., Any]) -> None:
        self.answer = answer
        self.procs: list[tuple[int, int, int]] = []  # (pid, fd to it, fd from it)
        for _ in range(count):
            r_in, w_in = os.pipe()
            r_out, w_out = os.pipe()
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:  # the worker
                os.close(w_in)
                os.close(r_out)
                for _, to, back in self.procs:  # the pipes of workers forked before this one
                    os.close(to)
                    os.close(back)
                _serve(r_in, w_out, answer)
            os.close(r_in)
            os.close(w_out)
            self.procs.append((pid, w_in, r_out))

    def map(self, items: list) -> Iterator[Any]:
        """``answer(*item)`` for every item, in order: the first part here, the others in the
        workers meanwhile."""
        parts = _split(items, len(self.procs) + 1)
        sent = []
        for proc, part in zip(list(self.procs), parts[1:]):
            sent.append((proc, part, self._send(proc, part)))
        for item in parts[0]:
            yield self.answer(*item)
        for proc, part, ok in sent:
            results = self._receive(proc) if ok else None
            if results is None:  # the worker is gone: answer its part here
                yield from (self.answer(*item) for item in part)
            else:
                yield from results

    def _send(self, proc: tuple, part: list) -> bool:
        try:
            _write_message(proc[1], marshal.dumps(part))
            return True
        except OSError:
            self._drop(proc)
            return False

    def _receive(self, proc: tuple) -> list | None:
        data = _read_message(proc[2])
        if data is None:
            self._drop(proc)
            return None
        return marshal.loads(data)

    def _drop(self, proc: tuple) -> None:
        if proc in self.procs:
            self.procs.remove(proc)
            _end(proc, signal.SIGKILL)

    def close(self, kill: bool = False) -> None:
        """End every worker: closing its input ends it once its part is done; ``kill`` does
        not wait for that (an interrupted batch)."""
        for proc in self.procs:
            _end(proc, signal.SIGKILL if kill else None)
        self.procs = []


def _split(items: list, n: int) -> list[list]:
    """``items`` in ``n`` contiguous parts; the first, answered by the process that also
    writes every answer, a little smaller."""
    n = max(1, min(n, len(items) // MIN_PART))
    if n == 1:
        return [items]
    first = len(items) * 9 // (10 * n)
    rest = len(items) - first
    cuts = [0, first] + [first + rest * k // (n - 1) for k in range(1, n)]
    return [items[a:b] for a, b in zip(cuts, cuts[1:])]


def _end(proc: tuple, sig: Any) -> None:
    pid, to, back = proc
    for fd in (to, back):
        try:
            os.close(fd)
        except OSError:
            pass
    if sig is not None:
        try:
            os.kill(pid, sig)
        except OSError:
            pass
    try:
        os.waitpid(pid, 0)  # reaped, so that its CPU time counts as this process's
    except ChildProcessError:
        pass


def _serve(r: int, w: int, answer: Callable[..., Any]) -> None:
    """A worker's life: answer each part it reads until its input ends; never returns."""
    code = 0
    try:
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C ends the worker, quietly
        while True:
            data = _read_message(r)
            if data is None:
                break
            _write_message(w, marshal.dumps([answer(*item) for item in marshal.loads(data)]))
    except BaseException:  # noqa: BLE001 - the parent answers the part itself
        code = 1
    finally:
        os._exit(code)  # no atexit handlers, no flush of buffers inherited from the parent


def _write_message(fd: int, data: bytes) -> None:
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def _read_message(fd: int) -> bytes | None:
    head = _read_exactly(fd, _HEADER.size)
    if head is None:
        return None
    return _read_exactly(fd, _HEADER.unpack(head)[0])


def _read_exactly(fd: int, n: int) -> bytes | None:
    chunks = []
    while n:
        try:
            chunk = os.read(fd, min(n, 1 << 20))
        except OSError:
            return None
        if not chunk:
            return None
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)
