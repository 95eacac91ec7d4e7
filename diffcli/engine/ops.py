"""Every primitive and its user-facing function, from the modules that declare them:

- ops_arith: arithmetic, comparisons, where, clip
- ops_math: elementwise functions (powers, exp/log, trigonometric, max/min of two, ...)
- ops_shape: reshape, broadcast, sum to a shape, transpose, sum
- ops_index: stack, concat, indexing and its adjoints
- ops_linalg: matmul, outer, trace, inv, det, diag; prod's rule
- ops_reduce: mean, prod, max, min, logsumexp, softmax, norm
- ops_special: mod, erfc, lgamma, gamma, polygamma (digamma), sinc (and their derivatives)
- ops_numpy: numpy's functions in engine operations, and cumsum (ops_products: products, linalg)
"""
from __future__ import annotations

from .ops_arith import (ADD, ALIAS, CLIP, DIV, EQ, GE, GMUL, GT, LE, LT, MUL, NE, NEG, SUB, WHERE,  # noqa: F401
                        add, alias, binary_function, clip, div, eq, ge, gmul, gt, le, lt, mul, ne, neg, sub,
                        unary_function, where)
from .ops_index import (CONCAT, GETITEM, SCATTER, SETITEM, STACK, concat, getitem,  # noqa: F401
                        normalize_index, scatter, stack)
from .ops_linalg import (COFACTOR, DET, DIAG, INV, MATMUL, OUTER, PROD_OTHERS, TRACE, det, diag,  # noqa: F401
                         dot, inv, matmul, outer, trace)
from .ops_math import (ABS, ACOS, ACOSH, ASIN, ASINH, ATAN, ATAN2, ATANH, CBRT, CEIL, COS, COSH,  # noqa: F401
                       ERF, EXP, EXPM1, FLOOR, HYPOT, LN2, LN10, LOG, LOG1P, LOG2, LOG10, MAXIMUM, MINIMUM,
                       POW, RELU, ROUND, SIGMOID, SIGN, SIN, SINH, SOFTPLUS, SQRT, TAN, TANH,
                       TWO_OVER_SQRT_PI, UNARY, abs_, acos, acosh, asin, asinh, atan, atan2, atanh, cbrt,
                       ceil, cos, cosh, erf, exp, expm1, floor, hypot, log, log1p, log2, log10, maximum,
                       minimum, pow, relu, round_, sigmoid, sign, sin, sinh, softplus, sqrt, tan, tanh)
from .ops_reduce import (LOGSUMEXP, MAX, MEAN, MIN, NORM, PROD, SOFTMAX, logsumexp, max, mean, min,  # noqa: F401
                         norm, prod, softmax)
from .ops_shape import (BROADCAST, RESHAPE, SUM, SUM_TO, TRANSPOSE, broadcast_to, reshape, sum,  # noqa: F401
                        sum_to, transpose)
from .ops_decomp import CHOLESKY, EIGVALSH, EIGVECS, SVDVALS  # noqa: F401
from .ops_numpy import CUMSUM  # noqa: F401
from .ops_special import ERFC, GAMMA, LGAMMA, MOD, POLYGAMMA, SINC_D  # noqa: F401
from .prim import Prim

# Every primitive above, for tests and tools that walk all of them.
PRIMS = tuple(v for v in list(globals().values()) if isinstance(v, Prim))
