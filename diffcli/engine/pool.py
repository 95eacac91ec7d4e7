"""Large result arrays, kept for reuse.

A fresh multi-megabyte numpy array is paid for in page faults: the C allocator returns freed
blocks that large to the operating system, and every new one is faulted in page by page
(benchmarks/README.md, "Engine design figures", has what that cost). The engine's own
outputs therefore come from this pool: an array whose only reference is the pool's is free, and
is handed out again for the next result of its size. Reference counts make that exact: a
tensor, a view, a user's ``.numpy()`` or a gradient buffer that still holds an array keeps it
out of reach.

Arrays from 32 KiB up are pooled (see MIN_ELEMENTS), and every ufunc of the engine
(Prim.forward) takes its result from here: glibc serves blocks that size by mmap too until a
large free raises its threshold, so whether a backward pass in cache-sized chunks (Jacobian
rows) faulted its temporaries in on every chunk would depend on what the process had freed
before.

At most ``LIMIT_BYTES`` are kept (arrays above that are never pooled); ``clear()`` lets go of all.
Two threads may take arrays at once (grad_rows runs row chunks on both cores): a lock makes the
check that an array is free and the handing out of it one step.
"""
from __future__ import annotations

import os
import sys
import threading
from typing import Any

from .backend import np

# 32 KiB. Below glibc's mmap threshold (128 KiB) malloc serves arrays from its heap, but it gives
# the heap's free top back to the system (trim) and faults it in again, so smaller arrays than
# mmap's are pooled too (a Hessian at d=100 has batched gradients of 100 x 99).
MIN_ELEMENTS = 1 << 12
LIMIT_BYTES = 256 << 20
PER_SIZE = 64  # arrays kept of one size at most: a search for a free one stays short
_kept: dict = {}  # size -> the pooled arrays of that many elements, 1-D float64
_bytes = 0
_lock = threading.Lock()


def _new_lock() -> None:
    global _lock
    _lock = threading.Lock()  # a forked child: another thread may have held the parent's


os.register_at_fork(after_in_child=_new_lock)


def empty(shape: tuple) -> Any:
    """An uninitialised float64 array of ``shape``: a free pooled one if there is one."""
    global _bytes
    size = 1
    for n in shape:
        size *= n
    if size < MIN_ELEMENTS:
        return np.empty(shape)
    getrefcount = sys.getrefcount
    with _lock:
        same = _kept.get(size)
        if same is None:
            same = _kept[size] = []
        # Newest first, and the one taken moves to the end: the most recently used free array
        # is the likeliest to be in cache still.
        for i in range(len(same) - 1, -1, -1):
            a = same[i]
            # the pool's list, this variable and getrefcount's argument: nobody else
            if getrefcount(a) == 3:
                if i != len(same) - 1:
                    same.append(same.pop(i))
                return a.reshape(shape)
        a = np.empty(size)
        if _bytes + a.nbytes <= LIMIT_BYTES and len(same) < PER_SIZE:
            same.append(a)
            _bytes += a.nbytes
        return a.reshape(shape)


def zeros(shape: tuple) -> Any:
    out = empty(shape)
    out.fill(0.0)
    return out


def result_shape(vals: tuple) -> tuple | None:
    """The broadcast shape of a ufunc's float64 operands (floats or arrays), or None when an
    operand is not a float64 array (numpy then picks the result type itself)."""
    shape = None
    for v in vals:
        if type(v) is float:
            continue
        if type(v) is not np.ndarray or v.dtype != np.float64:
            return None
        shape = v.shape if shape is None or v.shape == shape else _broadcast(shape, v.shape)
    return shape


def _broadcast(a: tuple, b: tuple) -> tuple:
    """np.broadcast_shapes of two shapes, without its cost (a few microseconds a call)."""
    if len(a) < len(b):
        a, b = b, a
    out = list(a)
    off = len(a) - len(b)
    for i, n in enumerate(b):
        m = a[off + i]
        if m != n:
            if m == 1:
                out[off + i] = n
            elif n != 1:
                return np.broadcast_shapes(a, b)  # raises numpy's error
    return tuple(out)


def call(f: Any, vals: tuple, shape: tuple | None = None) -> Any:
    """``f(*vals)`` for a numpy ufunc, its result in a pooled array when it is large.
    ``shape``: ``result_shape(vals)`` when the caller has it already."""
    if shape is None:
        for v in vals:
            if type(v) is not float and v.size >= MIN_ELEMENTS:
                break
        else:
            return f(*vals)  # small: not worth the bookkeeping
        shape = result_shape(vals)
    if shape is None:
        return f(*vals)
    return f(*vals, out=empty(shape))


def clear() -> None:
    """Let go of every pooled array (those still in use stay alive with their users)."""
    global _bytes
    with _lock:
        _kept.clear()
        _bytes = 0
