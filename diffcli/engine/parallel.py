"""Large elementwise kernels on both cores: numpy's ufuncs release the GIL, so a big array is
split in two along its first axis and the halves run at once, writing into one output."""
from __future__ import annotations

from typing import Any

from .backend import np

MIN_ELEMENTS = 1 << 17  # below this, a thread hand-off costs more than it saves
_POOL: Any = None


def _pool() -> Any:
    global _POOL
    if _POOL is None:
        from concurrent.futures import ThreadPoolExecutor
        _POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="diffcli")
    return _POOL


def worth_it(vals: tuple) -> bool:
    for v in vals:
        if type(v) is not float and v.size >= MIN_ELEMENTS:
            return True
    return False


def ufunc(f: Any, vals: tuple) -> Any:
    """``f(*vals)`` for a numpy ufunc, computed in two halves on two threads."""
    shape = np.broadcast_shapes(*[() if type(v) is float else v.shape for v in vals])
    if not shape or shape[0] < 2:
        return f(*vals)
    n = shape[0]
    mid = n // 2
    out = np.empty(shape, dtype=np.result_type(*[np.float64 if type(v) is float else v.dtype for v in vals]))

    def half(lo: int, hi: int) -> None:
        args = [v[lo:hi] if type(v) is not float and v.ndim == len(shape) and v.shape[0] == n else v
                for v in vals]
        f(*args, out=out[lo:hi])

    pending = _pool().submit(half, 0, mid)
    half(mid, n)
    pending.result()
    return out
