"""Derivatives of Python functions of tensors: vjp, jvp, jacobian, hessian, hvp, derivative, gradcheck."""
from __future__ import annotations

from typing import Any, Callable, Sequence

from ..errors import DiffcliError
from .backend import np
from .creation import tensor
from .graph import grad
from .ops import alias, concat, reshape, stack
from .rows import grad_rows
from .taylor import derivatives
from .tensor import Tensor, const


def _as_inputs(inputs: Any, create_graph: bool = False) -> tuple[tuple, bool]:
    """Fresh leaves for the inputs; with create_graph, an input that requires grad is aliased
    instead, so the result stays differentiable with respect to the caller's tensor (PyTorch)."""
    single = isinstance(inputs, (Tensor, int, float))
    items = (inputs,) if single else tuple(inputs)
    return tuple(alias(t) if create_graph and isinstance(t, Tensor) and t.requires_grad else
                 (t.detach() if isinstance(t, Tensor) else tensor(t)).requires_grad_() for t in items), single


def _out(f: Callable, xs: tuple) -> Tensor:
    y = f(*xs)
    if isinstance(y, (tuple, list)):
        raise DiffcliError("type", f"the function returned a {type(y).__name__} of {len(y)} outputs; these "
                           "functions take one tensor output: stack or concat the outputs, or call once per output")
    return y if isinstance(y, Tensor) else const(y)


def _result(y: Tensor, create_graph: bool) -> Tensor:
    """The function's output as returned: detached unless create_graph (as PyTorch)."""
    return y if create_graph else y.detach()


def _directions(v: Any, xs: tuple, single: bool, what: str) -> tuple:
    """``v`` per input; it may be omitted when the only input has one element (PyTorch)."""
    if v is None:
        if single and xs[0].size == 1:
            return (tensor(1.0).reshape(xs[0].shape),)
        raise DiffcliError("type", f"{what} needs the direction v (the input has "
                           f"{sum(x.size for x in xs)} elements; v may be left out for one element only)")
    return (v,) if single else tuple(v)


def _unpack(res: Sequence, single: bool) -> Any:
    return res[0] if single else tuple(res)


def vjp(f: Callable, inputs: Any, v: Any = None, create_graph: bool = False) -> tuple:
    """(f(inputs), v^T J): one reverse pass seeded with ``v``."""
    xs, single = _as_inputs(inputs, create_graph)
    y = _out(f, xs)
    gs = grad(y, xs, v, create_graph=create_graph)
    return _result(y, create_graph), _unpack(gs, single)


def jvp(f: Callable, inputs: Any, v: Any = None, create_graph: bool = False) -> tuple:
    """(f(inputs), J v) by reverse mode twice: J v is the gradient of u -> (J^T u)·v."""
    xs, single = _as_inputs(inputs, create_graph)
    vs = _directions(v, xs, single, "jvp")
    y = _out(f, xs)
    u = tensor(np.zeros(y.shape) if y.shape else 0.0, requires_grad=True)
    gs = grad(y, xs, u, create_graph=True)
    inner = sum((g * (vi if isinstance(vi, Tensor) else tensor(vi))).sum() for g, vi in zip(gs, vs))
    (jv,) = grad(inner, (u,), create_graph=create_graph)
    return _result(y, create_graph), jv


def jacobian_rows(y: Tensor, xs: tuple, create_graph: bool) -> list:
    """The rows of the Jacobian, seeded with one-hot vectors: many in one reverse pass on a
    batch axis when every rule on the way takes one, else one pass per element of y.
    Shape y.shape + x.shape for each x."""
    if not y.shape:  # one row, the gradient itself (and a scalar program needs no numpy)
        return list(grad(y, xs, retain_graph=True, create_graph=create_graph))
    n = y.size
    if not create_graph and n > 1:
        batched = grad_rows(y, xs)
        if batched is not None:
            # arrays made for this result alone: no copy (tensor() would copy a whole Hessian)
            return [const(g.reshape(y.shape + x.shape)) for x, g in zip(xs, batched)]
    rows: list[list] = [[] for _ in xs]
    plan: dict = {}  # one topological sort for every row
    for k in range(n):
        seed = np.zeros(n)
        seed[k] = 1.0
        gs = grad(y, xs, seed.reshape(y.shape) if y.shape else 1.0,
                  retain_graph=True, create_graph=create_graph, plan=plan)
        for i, g in enumerate(gs):
            rows[i].append(g)
    out = []
    for x, r in zip(xs, rows):
        if create_graph:
            out.append(reshape(stack(r), y.shape + x.shape))
        else:
            out.append(tensor(np.stack([np.asarray(g._v) for g in r]).reshape(y.shape + x.shape)))
    return out


def jacobian(f: Callable, inputs: Any, create_graph: bool = False) -> Any:
    """d f / d inputs, shape f.shape + input.shape for each input."""
    xs, single = _as_inputs(inputs, create_graph)
    y = _out(f, xs)
    return _unpack(jacobian_rows(y, xs, create_graph), single)


def hessian(f: Callable, inputs: Any, create_graph: bool = False) -> Any:
    """Second derivatives of a scalar function: H[i][j] of shape x_i.shape + x_j.shape."""
    xs, single = _as_inputs(inputs, create_graph)
    y = _out(f, xs)
    _need_scalar(y, "hessian")
    rows = hessian_rows(y, xs, create_graph)
    return rows[0][0] if single else tuple(tuple(r) for r in rows)


def hessian_rows(y: Tensor, xs: tuple, create_graph: bool) -> list[list]:
    """H[i][j] = d2 y / dx_i dx_j for a scalar y already computed from ``xs``: the Jacobian of
    the gradient (recorded, so its rows can be taken), one block of rows per input. The one
    Hessian path: functional.hessian, the hessian command and hessian() in the language."""
    return [jacobian_rows(g, xs, create_graph) for g in grad(y, xs, create_graph=True)]


def hvp(f: Callable, inputs: Any, v: Any = None, create_graph: bool = False) -> tuple:
    """(f(inputs), H v): the gradient of (grad f)·v."""
    xs, single = _as_inputs(inputs, create_graph)
    vs = _directions(v, xs, single, "hvp")
    y = _out(f, xs)
    _need_scalar(y, "hvp")
    gs = grad(y, xs, create_graph=True)
    inner = sum((g * (vi if isinstance(vi, Tensor) else tensor(vi))).sum() for g, vi in zip(gs, vs))
    return _result(y, create_graph), _unpack(grad(inner, xs, create_graph=create_graph), single)


def derivative(f: Callable, x: Any, order: int = 1) -> Tensor:
    """The n-th derivative of a function of one variable (of the sum of its outputs).

    For a one-element x, orders above 1 use Taylor mode (``engine.taylor``), polynomial in the
    order; otherwise, or where a primitive has no series rule, repeated reverse passes."""
    if order < 0:
        raise DiffcliError("type", "the order of a derivative must be at least 0")
    (xv,), _ = _as_inputs(x)
    y = _out(f, (xv,))
    if order > 1 and xv.size == 1 and y.requires_grad:  # Taylor mode: polynomial in the order
        d = taylor_derivative(y, xv, order)
        if d is not None:
            return d
    for _ in range(order):
        if y.size != 1:
            y = y.sum()
        (y,) = grad(y, (xv,), create_graph=True)
    return y


def taylor_derivative(y: Tensor, x: Tensor, order: int) -> Tensor | None:
    """The order-th derivative of the sum of y's elements in one-element x, by Taylor mode
    (every order in one forward sweep, where nested reverse passes grow exponentially), as a
    constant shaped like x: for a result nothing differentiates further. None when a primitive
    on the way has no series rule."""
    try:
        v = derivatives(reshape(y.sum(), ()) if y.shape else y, x, order)[-1]
    except NotImplementedError:
        return None
    return reshape(const(v), x.shape) if x.shape else const(v)


def _need_scalar(y: Tensor, what: str) -> None:
    if y.size != 1:
        raise DiffcliError("shape", f"{what} needs a scalar-valued function; the output has shape "
                           f"{y.shape} (use jacobian, or sum the output)")


def numerical_jacobian(f: Callable, xs: tuple, eps: float = 1e-6) -> list:
    """Central differences, one input element at a time."""
    out = []
    y0 = _out(f, xs)
    for i, x in enumerate(xs):
        base = np.array(x._v, dtype=np.float64).reshape(-1)
        cols = []
        for k in range(base.size):
            vals = []
            for sgn in (1.0, -1.0):
                b = base.copy()
                b[k] += sgn * eps
                args = list(xs)
                args[i] = tensor(b.reshape(x.shape), requires_grad=True)
                vals.append(np.asarray(_out(f, tuple(args))._v, dtype=np.float64))
            cols.append((vals[0] - vals[1]) / (2 * eps))
        jac = np.stack(cols, axis=-1) if cols else np.zeros(y0.shape + (0,))
        out.append(jac.reshape(y0.shape + x.shape))
    return out


def gradcheck(f: Callable, inputs: Any, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True) -> bool:
    """Compare the reverse-mode Jacobian with central finite differences."""
    xs, single = _as_inputs(inputs)
    analytic = jacobian_rows(_out(f, xs), xs, False)
    numeric = numerical_jacobian(f, xs, eps)
    for i, (a, n) in enumerate(zip(analytic, numeric)):
        a = np.asarray(a._v, dtype=np.float64)
        if not np.allclose(a, n, atol=atol, rtol=rtol):
            if raise_exception:
                raise DiffcliError("domain", f"gradcheck failed for input {i}: max abs error "
                                   f"{np.max(np.abs(a - n)):.3g}\nanalytic {a}\nnumerical {n}")
            return False
    return True


def gradgradcheck(f: Callable, inputs: Any, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, raise_exception: bool = True) -> bool:
    """gradcheck of the gradient: second derivatives against finite differences of the first."""
    xs, _ = _as_inputs(inputs)

    def first(*args: Tensor) -> Tensor:
        y = _out(f, args)
        y = y.sum() if y.size != 1 else y
        gs = grad(y, args, create_graph=True)
        return concat([reshape(g, (-1,)) for g in gs])

    return gradcheck(first, xs, eps, atol, rtol, raise_exception)
