"""Raw values: a Python float for 0-d tensors, a numpy array otherwise.

numpy is imported on first use, so a scalar program never pays its import.
"""
from __future__ import annotations

import importlib
from typing import Any


class _LazyNumpy:
    """Stands in for the numpy module until an attribute is first read."""

    def __getattr__(self, name: str) -> Any:
        mod = importlib.import_module("numpy")
        mod.seterr(all="ignore")  # non-finite results are values; the language reports them
        value = getattr(mod, name)
        self.__dict__[name] = value  # later reads skip __getattr__
        return value


np: Any = _LazyNumpy()
FLOAT = float  # the type of a scalar raw value


def to_raw(data: Any) -> Any:
    """Python numbers and bools become floats; everything else a float64 array."""
    t = type(data)
    if t is float:
        return data
    if t is int or t is bool:
        return float(data)
    arr = np.asarray(data, dtype=np.float64)
    return float(arr) if arr.ndim == 0 and not isinstance(data, np.ndarray) else arr


def as_array(v: Any) -> Any:
    return np.asarray(v, dtype=np.float64)


def shape_of(v: Any) -> tuple:
    return () if type(v) is float else v.shape


def size_of(v: Any) -> int:
    return 1 if type(v) is float else int(v.size)


def demote(v: Any) -> Any:
    """Numpy 0-d results back to Python floats, keeping the fast scalar path."""
    if type(v) is float:
        return v
    if getattr(v, "ndim", 1) == 0:
        return float(v)
    return v


def has_nan(v: Any) -> bool:
    if type(v) is float:
        return v != v
    return bool(np.isnan(v).any())


def all_finite(v: Any) -> bool:
    if type(v) is float:
        return v - v == 0.0
    s = v.sum()  # one cheap pass; a non-finite sum triggers the exact check
    return (s - s == 0.0) or bool(np.isfinite(v).all())


def sum_to_shape(v: Any, shape: tuple, keep: int = 0) -> Any:
    """Sum a broadcast value back down to ``shape`` (numpy broadcasting reversed). The first
    ``keep`` axes of both are a batch axis, aligned on the left and never summed."""
    vs = shape_of(v)
    if vs == shape:
        return v
    lead = len(vs) - len(shape)
    axes = tuple(range(keep, keep + lead)) + tuple(
        i + lead for i, n in enumerate(shape) if i >= keep and n == 1 and vs[i + lead] != 1)
    out = np.sum(v, axis=axes, keepdims=False) if axes else v
    if lead < len(vs):
        out = np.reshape(out, shape)
    return demote(out)
