"""``diffcli.functional``: derivatives of Python functions of tensors (the engine's
``functional`` module, which the README documents under this name)."""
from .engine.functional import (derivative, gradcheck, gradgradcheck, hessian, hessian_rows, hvp,  # noqa: F401
                                jacobian, jacobian_rows, jvp, numerical_jacobian, taylor_derivative, vjp)
