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
import select
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
    process may run on (at most MAX_JOBS); 1 where fork is missing. A request is capped at
    the larger of the CPU count and MAX_JOBS: more processes than cores only add forks."""
    if not hasattr(os, "fork"):
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    if requested > 0:
        return min(requested, max(cpus, MAX_JOBS))
    return max(1, min(cpus, MAX_JOBS))


def can_fork() -> bool:
    """Forking is safe only while this process runs a single thread: a lock another thread
    holds would stay locked forever in the child."""
    return hasattr(os, "fork") and threading.active_count() == 1


class Workers:
    """Up to ``count`` forked processes (fewer when fork fails), each answering the items it
    is sent with ``answer``."""

    def __init__(self, count: int, answer: Callable[..., Any], patience: float | None = None) -> None:
        self.answer = answer
        self.patience = patience  # seconds without a word from a worker before it counts as dead
        self.procs: list[tuple[int, int, int]] = []  # (pid, fd to it, fd from it)
        # SIGTERM ends the batch through close(kill=True), so that no worker outlives it
        self.term = signal.signal(signal.SIGTERM, _terminated) \
            if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL else None
        for _ in range(count):
            sys.stdout.flush()
            sys.stderr.flush()
            fds: list[int] = []
            try:
                fds += os.pipe()
                fds += os.pipe()
                pid = os.fork()
            except OSError:  # out of processes or descriptors: the workers so far will do
                for fd in fds:
                    os.close(fd)
                break
            r_in, w_in, r_out, w_out = fds
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
            done = 0
            for result in self._receive(proc, len(part)) if ok else ():
                done += 1
                yield result
            # the worker is gone, or stalled (stopped, or stuck past the time limit): the
            # rest of its part is answered here
            yield from (self.answer(*item) for item in part[done:])

    def _send(self, proc: tuple, part: list) -> bool:
        if _write_message(proc[1], marshal.dumps(part), self.patience):
            return True
        self._drop(proc)
        return False

    def _receive(self, proc: tuple, count: int) -> Iterator[Any]:
        """The worker's answers as they come, one message each, until ``count`` or until it
        ends or says nothing for ``patience`` seconds (then it is dropped)."""
        for _ in range(count):
            data = _read_message(proc[2], self.patience)
            if data is None:
                self._drop(proc)
                return
            yield marshal.loads(data)

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
        if self.term is not None:
            signal.signal(signal.SIGTERM, self.term)
            self.term = None


def _terminated(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)  # the batch's finally ends the workers


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
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        while True:
            data = _read_message(r)
            if data is None:
                break
            for item in marshal.loads(data):  # an answer at a time: the parent sees progress
                if not _write_message(w, marshal.dumps(answer(*item))):
                    return
    except BaseException:  # noqa: BLE001 - the parent answers the part itself
        code = 1
    finally:
        os._exit(code)  # no atexit handlers, no flush of buffers inherited from the parent


def _ready(fd: int, write: bool, patience: float | None) -> bool:
    """Whether ``fd`` can be read (or written) within ``patience`` seconds (None: wait)."""
    if patience is None:
        return True
    r, w, _ = select.select([] if write else [fd], [fd] if write else [], [], patience)
    return bool(r or w)


def _write_message(fd: int, data: bytes, patience: float | None = None) -> bool:
    """Whether all of ``data`` went: False when the reader is gone or stalled. With a
    ``patience``, writes a page at a time, so that a full pipe never blocks."""
    view = memoryview(_HEADER.pack(len(data)) + data)
    step = len(view) if patience is None else select.PIPE_BUF
    try:
        while view:
            if not _ready(fd, True, patience):
                return False
            view = view[os.write(fd, view[:step]):]
    except OSError:
        return False
    return True


def _read_message(fd: int, patience: float | None = None) -> bytes | None:
    head = _read_exactly(fd, _HEADER.size, patience)
    if head is None:
        return None
    return _read_exactly(fd, _HEADER.unpack(head)[0], patience)


def _read_exactly(fd: int, n: int, patience: float | None) -> bytes | None:
    chunks = []
    while n:
        try:
            if not _ready(fd, False, patience):
                return None
            chunk = os.read(fd, min(n, 1 << 20))
        except OSError:
            return None
        if not chunk:
            return None
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)
