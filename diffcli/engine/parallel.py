"""Large elementwise work on both cores, in cache-sized blocks.

numpy's ufuncs release the GIL, so the calling thread and one helper thread take blocks of an
array in turn. A block fits in a core's L2 cache, so a chain of operations on one block (a
derivative rule) reads memory once; and when the helper is slow to wake (a busy machine), the
caller simply takes every block itself instead of waiting for it.
"""
from __future__ import annotations

import os
import threading
from typing import Any, Callable

from . import pool
from .backend import np

MIN_ELEMENTS = 1 << 17  # below this, a thread hand-off costs more than it saves
BLOCK = 1 << 15  # elements per block: a few float64 operands of one block stay in L2
# Ufuncs that cost several times a pass over memory (numpy has no SIMD float64 sin or cos) run
# on blocks of BLOCK elements; the others (+, *, exp, sqrt...), bound by memory bandwidth, on
# larger blocks: fewer hand-offs, and a second core still adds some bandwidth.
LIGHT_BLOCK = 1 << 17
HEAVY = frozenset(["sin", "cos", "tan", "arccos", "sinh", "tanh", "arctan", "arctan2", "arcsinh",
                   "arccosh", "arctanh", "log1p", "hypot", "power"])


class _Job:
    __slots__ = ("fn", "blocks", "lock", "started", "skipped", "done", "error")

    def __init__(self, fn: Callable[[int], None], blocks: Any) -> None:
        self.fn = fn
        self.blocks = blocks
        self.lock = threading.Lock()
        self.started = self.skipped = False
        self.done = threading.Event()
        self.error: BaseException | None = None


_QUEUE: Any = None  # jobs for the helper thread, which starts with the first


def _forget_helper() -> None:
    global _QUEUE
    _QUEUE = None  # a forked child has no helper thread: the next job starts its own


os.register_at_fork(after_in_child=_forget_helper)


def _helper(jobs: Any) -> None:
    np.seterr(all="ignore")  # numpy's error state is per thread; the engine's choice holds here too
    while True:
        job = jobs.get()
        with job.lock:
            if job.skipped:  # the caller already took every block
                continue
            job.started = True
        try:
            for i in job.blocks:
                job.fn(i)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller
            job.error = exc
        job.done.set()


def run_blocks(fn: Callable[[int], None], n: int) -> None:
    """``fn(i)`` for every i in range(n), on this thread and the helper; returns when all are done."""
    global _QUEUE
    if n <= 1:  # nothing to share: waking the helper would only cost a hand-off
        for i in range(n):
            fn(i)
        return
    if _QUEUE is None:
        import queue
        _QUEUE = queue.SimpleQueue()
        threading.Thread(target=_helper, args=(_QUEUE,), name="diffcli-helper", daemon=True).start()
    blocks = iter(range(n))  # shared: next() on it is atomic under the GIL, so each i runs once
    job = _Job(fn, blocks)
    _QUEUE.put(job)
    try:
        for i in blocks:
            fn(i)
    finally:
        for _ in blocks:  # after an error here, leave the helper nothing more to start
            pass
        with job.lock:
            started = job.started
            job.skipped = True
        if started:
            job.done.wait()
        job.fn = None  # the helper or the queue may hold the job a while, not what fn refers to
    if job.error is not None:
        raise job.error


def _cheaper(f: Any, vals: tuple) -> tuple:
    """(ufunc, operands) giving ``f(*vals)`` bit for bit with less work: x*x and x**2 as
    ``square``, which reads one operand stream instead of two (twice as fast in cache)."""
    if len(vals) == 2:
        a, b = vals
        if type(a) is np.ndarray and (f is np.multiply and a is b or f is np.power and type(b) is float
                                      and b == 2.0 and a.dtype == np.float64):
            return np.square, (a,)  # numpy's own power takes this path for an exponent of 2
    return f, vals


def ufunc(f: Any, vals: tuple) -> Any:
    """``f(*vals)`` for a numpy ufunc; on big arrays, block by block on two threads."""
    big = 0
    for v in vals:
        if type(v) is not float and v.size > big:
            big = v.size
    if big < pool.MIN_ELEMENTS:  # small: straight to numpy (the common case, kept cheap)
        return f(*vals)
    f, vals = _cheaper(f, vals)
    if big < MIN_ELEMENTS:
        return pool.call(f, vals)
    shape = pool.result_shape(vals)
    if shape is None:
        return f(*vals)  # not float64: numpy picks the result type
    out = pool.empty(shape)
    step = BLOCK if f.__name__ in HEAVY else LIGHT_BLOCK
    if all(type(v) is float or v.shape == shape for v in vals):
        dest = out.reshape(-1)
        ops = [(v, False) if type(v) is float else (v.reshape(-1), True) for v in vals]
    elif len(shape) > 1 and shape[0] > 1 and out.size:
        # An operand broadcasts: blocks of whole rows, and only the operands that have those
        # rows are cut (the others broadcast over each block as over the whole).
        dest = out
        ops = [(v, type(v) is not float and v.ndim == len(shape) and v.shape[0] == shape[0]) for v in vals]
        step = max(1, step // (out.size // shape[0]))
    else:
        return f(*vals, out=out)

    def block(i: int) -> None:
        lo = i * step
        hi = lo + step
        f(*[v[lo:hi] if cut else v for v, cut in ops], out=dest[lo:hi])

    run_blocks(block, -(-len(dest) // step))
    return out
