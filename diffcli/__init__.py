"""diffcli: a differentiation calculator on its own reverse-mode autodiff engine.

As a library it follows PyTorch's autograd model::

    import diffcli
    x = diffcli.tensor([2.0, 3.0], requires_grad=True)
    (x ** 2).sum().backward()
    x.grad  # tensor([4., 6.])
"""
from . import functional
from .engine import *  # noqa: F403  (the public engine API)
from .engine import __all__ as _engine_all
from .errors import DiffcliError
from .functional import gradcheck, gradgradcheck

__version__ = "0.1.0"
__all__ = list(_engine_all) + ["functional", "gradcheck", "gradgradcheck", "DiffcliError", "__version__"]
