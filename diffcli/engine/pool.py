"""Large result arrays, kept for reuse.

A fresh multi-megabyte numpy array is paid for in page faults: the C allocator returns freed
blocks that large to the operating system, and every new one is faulted in page by page (on the
2-core VM of the benchmarks that was about 40% of a 1000 x 1000 Hessian and half of plain numpy's
time at a million points). The engine's own outputs therefore come from this pool: an array
whose only reference is the pool's is free, and is handed out again for the next result of its
size. Reference counts make that exact: a tensor, a view, a user's ``.numpy()`` or a gradient
buffer that still holds an array keeps it out of reach.

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

MIN_ELEMENTS = 1 << 17  # 1 MiB: below this, malloc reuses memory well enough by itself
LIMIT_BYTES = 256 << 20
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
        for a in same:
            # the pool's list, this loop's variable and getrefcount's argument: nobody else
            if getrefcount(a) == 3:
                return a.reshape(shape)
        a = np.empty(size)
        if _bytes + a.nbytes <= LIMIT_BYTES:
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
    shapes = []
    for v in vals:
        if type(v) is float:
            continue
        if type(v) is not np.ndarray or v.dtype != np.float64:
            return None
        shapes.append(v.shape)
    return np.broadcast_shapes(*shapes) if shapes else None


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
