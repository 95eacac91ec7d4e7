"""diffcli's reverse-mode autodiff engine (PyTorch's autograd model on numpy).

It knows nothing of the language, the CLI or the REPL.
"""
from . import operators as _operators
from . import pool  # noqa: F401  (pool.clear() gives back the memory kept for large results)
from .anomaly import detect_anomaly, is_anomaly_enabled
from .creation import arange, eye, full, linspace, ones, ones_like, tensor, zeros, zeros_like
from .function import Function, FunctionCtx
from .graph import backward, grad
from .ops import (UNARY, abs_ as abs, acos, alias, acosh, add, asin, asinh, atan, atan2, atanh, cbrt,
                  ceil, clip, cos, cosh, div, eq, erf, exp, expm1, floor, ge, gt, hypot, le, log,
                  log1p, log2, log10, lt, maximum, minimum, mul, ne, neg, pow, relu, round_ as round,
                  sigmoid, sign, sin, sinh, softplus, sqrt, sub, tan, tanh, where)
from .ops import (broadcast_to, concat, det, diag, dot, getitem, inv, logsumexp, matmul, max,
                        mean, min, norm, outer, prod, reshape, softmax, stack, sum, sum_to, trace,
                        transpose)
from .ops_numpy import (cumprod, cumsum, deg2rad, diag, diagonal, exp2, expand_dims, flip, hstack, logaddexp,
                        rad2deg, reciprocal, repeat, roll, sort, split, square, squeeze, std, take, tile, tril,
                        triu, var, vstack)
from .ops_products import cross, dot, einsum, inner, kron, tensordot
from .ops_special import digamma, erfc, gamma, lgamma, mod, polygamma, sinc
from . import linalg
from .state import state as engine_state
from .state import enable_grad, is_grad_enabled, no_grad, origin, set_grad_enabled
from .apply import apply
from .prim import Prim, each_input
from .tensor import Node, Tensor, const

_operators.install()

__all__ = [n for n in dir() if not n.startswith("_")]
