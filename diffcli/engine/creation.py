"""Tensors made from data or from a shape."""
from __future__ import annotations

from typing import Any

from .backend import np, to_raw
from .tensor import Tensor


def _shape(shape: tuple) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


def tensor(data: Any, requires_grad: bool = False) -> Tensor:
    """A float64 tensor from a number, a nested list, an array or a tensor's value."""
    if isinstance(data, Tensor):
        data = data._v
    raw = to_raw(data)
    if type(raw) is not float and type(data).__module__ == "numpy":
        raw = np.array(raw)  # like torch.tensor: the tensor owns a copy of an array it is given
    return Tensor(raw, requires_grad=requires_grad)


def zeros(*shape: Any, requires_grad: bool = False) -> Tensor:
    return Tensor(to_raw(np.zeros(_shape(shape))), requires_grad)


def ones(*shape: Any, requires_grad: bool = False) -> Tensor:
    return Tensor(to_raw(np.ones(_shape(shape))), requires_grad)


def full(shape: Any, value: float, requires_grad: bool = False) -> Tensor:
    shape = (shape,) if isinstance(shape, (int, float)) else tuple(shape)
    return Tensor(to_raw(np.full(_shape(shape), float(value))), requires_grad)


def eye(n: int, m: int | None = None, requires_grad: bool = False) -> Tensor:
    return Tensor(np.eye(int(n), None if m is None else int(m)), requires_grad)


def linspace(start: float, stop: float, num: int = 50, requires_grad: bool = False) -> Tensor:
    return Tensor(np.linspace(float(start), float(stop), int(num)), requires_grad)


def arange(start: float, stop: float | None = None, step: float = 1.0,
           requires_grad: bool = False) -> Tensor:
    if stop is None:
        start, stop = 0.0, start
    return Tensor(np.arange(float(start), float(stop), float(step), dtype=np.float64), requires_grad)


def zeros_like(t: Tensor) -> Tensor:
    return zeros(t.shape)


def ones_like(t: Tensor) -> Tensor:
    return ones(t.shape)
