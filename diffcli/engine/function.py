"""Custom operations with their own derivative, PyTorch's ``autograd.Function`` model."""
from __future__ import annotations

from typing import Any

from ..errors import DiffcliError
from .state import no_grad, state
from .tensor import Prim, Tensor, const, new_node


class FunctionCtx:
    """What ``forward`` leaves for ``backward``."""

    def __init__(self, fn: type, needs: tuple) -> None:
        self._fn = fn
        self.needs_input_grad = needs
        self.saved: tuple | None = ()
        self.shapes: tuple = ()

    def save_for_backward(self, *tensors: Any) -> None:
        self.saved = tensors

    @property
    def saved_tensors(self) -> tuple:
        if self.saved is None:
            raise DiffcliError("autograd", "the saved tensors were freed after backward; "
                               "pass retain_graph=True to keep them")
        return tuple(t.get() if type(t) is _SavedOutput else t for t in self.saved)

    def _backward(self, g: Tensor) -> list:
        grads = self._fn.backward(self, g)
        if not isinstance(grads, tuple):
            grads = (grads,)
        n = len(self.needs_input_grad)
        if len(grads) > n and all(gr is None for gr in grads[n:]):
            grads = grads[:n]  # PyTorch accepts None for positions past the inputs
        if len(grads) != n:
            raise DiffcliError("type", f"{self._fn.__name__}.backward returned {len(grads)} "
                               f"gradient(s) for {n} input(s)")
        out = [None if gr is None else (gr if isinstance(gr, Tensor) else const(gr)) for gr in grads]
        for i, (gr, shape) in enumerate(zip(out, self.shapes)):
            if gr is not None and gr.shape != shape:
                raise DiffcliError("shape", f"{self._fn.__name__}.backward returned a gradient of shape "
                                   f"{gr.shape} for input {i}, which has shape {shape}")
        return out


class _SavedOutput:
    """A Function's own output, saved by forward: weakly held, its value kept as a fallback."""

    __slots__ = ("ref", "value")

    def __init__(self, out: Tensor) -> None:
        import weakref
        self.ref, self.value = weakref.ref(out), out._v

    def get(self) -> Tensor:
        out = self.ref()
        return out if out is not None else const(self.value)


class Function:
    """Subclass with static ``forward(ctx, *args)`` and ``backward(ctx, *grads)``; call ``apply``.

    ``forward`` runs without recording; ``backward`` is written in diffcli
    operations, so with create_graph it is differentiated in turn.
    """

    @staticmethod
    def forward(ctx: FunctionCtx, *args: Any) -> Any:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: FunctionCtx, *grads: Any) -> Any:
        raise NotImplementedError

    @classmethod
    def apply(cls, *args: Any) -> Tensor:
        needs = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        ctx = FunctionCtx(cls, needs)
        ctx.shapes = tuple(a.shape if isinstance(a, Tensor) else () for a in args)
        with no_grad():
            returned = cls.forward(ctx, *args)
        out = (returned if isinstance(returned, Tensor) else const(returned)).detach()
        if any(needs) and state.grad_enabled:
            prim = _prim_for(cls)
            ins = tuple(a if isinstance(a, Tensor) else const(a) for a in args)
            node = new_node(prim, ins, None, None)
            node.ctx = ctx
            out.grad_fn, out.requires_grad = node, True
            if ctx.saved and any(t is returned for t in ctx.saved):
                # forward saved its own output: backward must see the recorded output, so that
                # differentiating the backward pass goes through this node again. A weak
                # reference (as PyTorch's saved outputs): a strong one would be a cycle.
                ctx.saved = tuple(_SavedOutput(out) if t is returned else t for t in ctx.saved)
        return out


_PRIMS: dict = {}


def _prim_for(cls: type) -> Prim:
    """A named stand-in so the node reads ``<ClassName>Backward``."""
    p = _PRIMS.get(cls)
    if p is None:
        p = _PRIMS[cls] = Prim(cls.__name__, None, None, (lambda *a: None,))
    return p
