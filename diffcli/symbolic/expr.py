"""Symbolic expressions, always in canonical form: the values of the formula interpretation.

Every constructor returns the canonical node (SymPy's automatic simplification, in small):
sums and products are flattened, numeric coefficients folded, like terms collected and powers
of one base merged; ``x*1``, ``x + 0`` and ``x^1`` never exist. Numbers stay exact
(``Fraction``) unless a float came in. Nodes are interned, so equal expressions are the same
object: comparison and hashing are by identity, and a derivative computed once is reused
wherever the subexpression recurs.
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

Number = Fraction | float


class Sym:
    """One node. ``op`` picks the meaning of ``args``:

    num (value,), const (name,), var (name,), add (terms...), mul (factors...: a number first
    when it is not 1), pow (base, exponent), fn (arguments...; ``prim``, ``name``), cmp (op,
    left, right), where (cond, a, b), detach (inner,).
    """

    __slots__ = ("op", "args", "prim", "name", "key", "free", "rule")

    def __repr__(self) -> str:  # structural (printer.to_text gives the formula; it imports this module)
        return f"Sym({self.op}, {self.args!r})"

    @property
    def value(self) -> Number:
        return self.args[0]

    def is_num(self, v: Any = None) -> bool:
        return self.op == "num" and (v is None or self.args[0] == v)


_TABLE: dict = {}
_new = object.__new__
_RANK = {"num": 0, "const": 1, "var": 2, "pow": 3, "mul": 4, "fn": 5, "cmp": 6, "where": 7,
         "detach": 8, "add": 9}


def _make(op: str, args: tuple, prim: Any = None, name: str | None = None, rule: Any = None) -> Sym:
    k = (op, args, prim, name) if op != "num" else (op, type(args[0]), args[0])
    s = _TABLE.get(k)
    if s is not None:
        return s
    s = _new(Sym)
    s.op, s.args, s.prim, s.name, s.rule = op, args, prim, name, rule
    if op == "num":
        s.key, s.free = (0, float(args[0])), frozenset()
    elif op in ("const", "var"):
        s.key, s.free = (_RANK[op], args[0]), (frozenset(args) if op == "var" else frozenset())
    else:
        subs = [a for a in args if type(a) is Sym]
        s.free = frozenset().union(*[a.free for a in subs]) if op != "detach" else frozenset()
        if op == "pow":
            s.key = (3, args[0].key, args[1].key)
        elif op == "mul":
            s.key = (4, term_key(s))
        else:
            s.key = (_RANK[op], name or (args[0] if op == "cmp" else ""), tuple(a.key for a in subs))
    _TABLE[k] = s
    return s


_KEEP = [0]  # how many nodes (the first made) clear() keeps: the modules' own constants


def keep_existing() -> None:
    """The nodes made so far (ZERO, ONE, the rules' constants) outlive clear(): modules hold
    them and compare by identity."""
    _KEEP[0] = len(_TABLE)


def clear() -> None:
    """Forget the nodes of earlier formulas (a batch's or a session's memory)."""
    kept = list(_TABLE.items())[:_KEEP[0]]
    _TABLE.clear()
    _TABLE.update(kept)
    _PRIMITIVE.clear()


# ----------------------------------------------------------------------------
# Numbers
def exact(v: float) -> Number:
    """A float as the exact rational it spells when its denominator is small (0.5 -> 1/2,
    1/3.0 -> 1/3); other floats stay floats."""
    if type(v) is Fraction:
        return v
    if not math.isfinite(v) or abs(v) > 1e15:
        return float(v)
    if v == int(v):
        return Fraction(int(v))
    f = Fraction(v).limit_denominator(10000)
    return f if float(f) == v else float(v)


def num(v: Any) -> Sym:
    if type(v) is not Fraction:
        v = exact(float(v))
    return _make("num", (v,))


ZERO, ONE, HALF, MINUS_ONE = num(0), num(1), num(Fraction(1, 2)), num(-1)


def var(name: str) -> Sym:
    return _make("var", (name,))


def const(name: str) -> Sym:
    """A named constant (pi, e): exact in formulas, its float in numbers."""
    return _make("const", (name,))


CONSTANT_VALUES = {"pi": math.pi, "e": math.e}


def numeric(s: Sym) -> float | None:
    """The float value of a number or named constant, else None."""
    if s.op == "num":
        return float(s.args[0])
    if s.op == "const":
        return CONSTANT_VALUES[s.args[0]]
    return None


# ----------------------------------------------------------------------------
# Ordering: factors by base then exponent, terms by their factors (x before x^2 before sin(x))
def _factor_key(f: Sym) -> tuple:
    if f.op == "pow":
        return (f.args[0].key, f.args[1].key)
    return (f.key, (0, 1.0))


def term_key(t: Sym) -> tuple:
    if t.op == "mul":
        return tuple(_factor_key(f) for f in t.args if f.op != "num")
    return (_factor_key(t),)


def sum_key(t: Sym) -> tuple:
    """Terms of a sum: monomials first, highest degree first (x^2 + 4*x), then the others by
    their factors (3*x^2*sin(x) + x^3*cos(x)); the number goes last."""
    factors = t.args if t.op == "mul" else (t,)
    degree = 0
    for f in factors:
        if f.op == "var":
            degree += 1
        elif f.op == "pow" and f.args[0].op == "var" and f.args[1].op == "num":
            degree += f.args[1].args[0]
        elif f.op != "num":
            return (1, term_key(t))
    return (0, -degree, term_key(t))


def split_coefficient(t: Sym) -> tuple[Number, Sym]:
    """``3*x^2`` -> (3, x^2); a term without a number -> (1, itself)."""
    if t.op == "mul" and t.args[0].op == "num":
        rest = t.args[1:]
        return t.args[0].args[0], rest[0] if len(rest) == 1 else _make("mul", rest)
    return Fraction(1), t


# ----------------------------------------------------------------------------
# Sums
def add(*xs: Sym) -> Sym:
    total: Number = Fraction(0)
    coeffs: dict[Sym, Number] = {}
    for x in xs:
        for t in (x.args if x.op == "add" else (x,)):
            if t.op == "num":
                total += t.args[0]
                continue
            c, rest = split_coefficient(t)
            coeffs[rest] = coeffs.get(rest, 0) + c
    terms = [scale(c, t) for t, c in coeffs.items() if c != 0]
    if sum(1 for t in terms if t.op == "where") > 1:
        terms = _merge_wheres(terms)
    if not terms:
        return num(total)
    terms.sort(key=sum_key)
    if total != 0:
        terms.append(num(total))
    return terms[0] if len(terms) == 1 else _make("add", tuple(terms))


def _merge_wheres(terms: list[Sym]) -> list[Sym]:
    """where(c, a, b) + where(c, p, q) = where(c, a + p, b + q): the branches of one condition
    in one where (the derivative of where(c, f, g) arrives as two such terms)."""
    by_cond: dict[Sym, Sym] = {}
    out = []
    for t in terms:
        if t.op != "where":
            out.append(t)
            continue
        c, a, b = t.args
        prev = by_cond.get(c)
        by_cond[c] = t if prev is None else where(c, add(prev.args[1], a), add(prev.args[2], b))
    return out + [w for w in by_cond.values() if not w.is_num(0)]


_PRIMITIVE: dict[Sym, tuple] = {}


def primitive(s: Sym) -> tuple[Number, Sym]:
    """A sum as content * primitive part: the rational gcd of its coefficients taken out, and
    its sign chosen so that most terms are positive (on a tie, the first: x - 1, x^2 - 1),
    so one base has one form and its powers merge."""
    hit = _PRIMITIVE.get(s)
    if hit is not None:
        return hit
    coeffs = [t.args[0] if t.op == "num" else split_coefficient(t)[0] for t in s.args]
    out: tuple = (1, s)
    if all(type(c) is Fraction for c in coeffs):
        num_gcd, den_lcm = 0, 1
        for c in coeffs:
            num_gcd = math.gcd(num_gcd, c.numerator)
            den_lcm = den_lcm * c.denominator // math.gcd(den_lcm, c.denominator)
        g = Fraction(num_gcd, den_lcm)
        negative = sum(1 for c in coeffs if c < 0)
        if 2 * negative > len(coeffs) or 2 * negative == len(coeffs) and coeffs[0] < 0:
            g = -g
        if g != 1:
            out = (g, add(*[scale(1 / g, t) for t in s.args]))
    _PRIMITIVE[s] = out
    return out


def scale(c: Number, t: Sym) -> Sym:
    return t if c == 1 else mul(num(c), t)


# ----------------------------------------------------------------------------
# Products and powers
def mul(*xs: Sym) -> Sym:
    coef: Number = Fraction(1)
    powers: dict[Sym, Sym] = {}
    for x in xs:
        for f in (x.args if x.op == "mul" else (x,)):
            if f.op == "num":
                coef *= f.args[0]
                continue
            base, e = (f.args[0], f.args[1]) if f.op == "pow" else (f, ONE)
            if base.op == "add" and e.op == "num" and type(e.args[0]) is Fraction and e.args[0].denominator == 1:
                content, base = primitive(base)  # (2x + 2)(3x + 3) = 6(x + 1)^2
                if content != 1:
                    coef *= content ** int(e.args[0])
            prev = powers.get(base)
            powers[base] = e if prev is None else add(prev, e)
    if coef == 0:
        return num(coef)
    factors: list[Sym] = []
    for base, e in powers.items():
        p = power(base, e)
        if p.op == "num":
            coef *= p.args[0]
        elif p.op == "mul" and p.args[0].op == "num":  # (2*x)^2 -> 4*x^2
            coef *= p.args[0].args[0]
            factors.extend(p.args[1:])
        else:
            factors.append(p)
    if coef == 0 or not factors:
        return num(coef)
    if len(factors) == 1:
        f = factors[0]
        if coef == 1:
            return f
        if f.op == "add":  # 2*(x + 1) -> 2*x + 2, as SymPy
            return add(*[scale(coef, t) for t in f.args])
    wheres = [f for f in factors if f.op == "where" and (f.args[1].is_num(0) or f.args[2].is_num(0))]
    if wheres and len(factors) > 1 or wheres and coef != 1:
        # a factor that is zero on one branch goes inside it: zero there whatever the rest
        # is (as the engine's gmul), and the branches of one condition can then be merged
        w = wheres[0]
        rest = [f for f in factors if f is not w]
        other = mul(num(coef), *rest)
        return where(w.args[0], mul(other, w.args[1]), mul(other, w.args[2]))
    factors.sort(key=_factor_key)
    if coef != 1:
        factors.insert(0, num(coef))
    return _make("mul", tuple(factors))


def _rational_power(b: Fraction, e: Fraction) -> Fraction | None:
    """b^e when it is rational (4^(1/2) = 2, 8^(-2/3) = 1/4), else None."""
    if e.denominator == 1:
        if b == 0 and e < 0 or abs(e) > 1000:
            return None
        return b ** int(e)
    if b <= 0 or e.denominator > 16:
        return None
    root = []
    for part in (b.numerator, b.denominator):
        r = round(part ** (1.0 / e.denominator))
        if r ** e.denominator != part:
            return None
        root.append(r)
    return _rational_power(Fraction(root[0], root[1]), Fraction(e.numerator))


def power(b: Sym, e: Sym) -> Sym:
    if e.op == "num":
        ev = e.args[0]
        if ev == 0:
            return ONE
        if ev == 1:
            return b
        if b.op == "num":
            bv = b.args[0]
            if type(bv) is Fraction and type(ev) is Fraction:
                r = _rational_power(bv, ev)
                if r is not None:
                    return num(r)
            elif bv > 0 or (type(ev) is Fraction and ev.denominator == 1):
                try:
                    return num(float(bv) ** float(ev))
                except (OverflowError, ZeroDivisionError):
                    pass
        integer = type(ev) is Fraction and ev.denominator == 1
        if integer and b.op == "pow":  # (x^a)^2 = x^(2a)
            return power(b.args[0], mul(b.args[1], e))
        if integer and b.op == "mul":  # (2*x*y)^2 = 4*x^2*y^2
            return mul(*[power(f, e) for f in b.args])
        if integer and b.op == "add":  # (y - x)^2 = (x - y)^2, (2*x + 2)^2 = 4*(x + 1)^2: one form
            content, p = primitive(b)
            if content != 1:
                return mul(num(content ** int(ev)), _make("pow", (p, e)))
    if b.op == "num" and b.args[0] == 1:
        return ONE
    if b.op == "num" and b.args[0] == 0 and e.op == "num" and e.args[0] > 0:
        return ZERO
    return _make("pow", (b, e))


def power_as_written(b: Sym, e: Sym) -> Sym:
    """b^e without canonicalisation: for printing only, (1 - x^2)^-1 where the canonical form
    is -(x^2 - 1)^-1."""
    return _make("pow", (b, e))


def neg(x: Sym) -> Sym:
    return mul(MINUS_ONE, x)


def sub(a: Sym, b: Sym) -> Sym:
    return add(a, neg(b))


def div(a: Sym, b: Sym) -> Sym:
    return mul(a, power(b, MINUS_ONE))


# ----------------------------------------------------------------------------
# Functions, comparisons, where
def fn(prim: Any, name: str, args: tuple, fold: Any = None) -> Sym:
    """``name(args)``, the value of primitive ``prim``; ``fold`` gives the exact value at
    numbers where there is one (cos(0) = 1), else None."""
    if len(args) == 1 and args[0].op == "fn" and _INVERSES.get(name) == args[0].name:
        return args[0].args[0]  # exp(log(u)) = u wherever the engine computes it
    if fold is not None and all(a.op == "num" for a in args):
        v = fold(*[a.args[0] for a in args])
        if v is not None:
            return num(v)
    return _make("fn", args, prim, name)


_INVERSES = {"exp": "log", "log": "exp", "tan": "atan", "sin": "asin", "cos": "acos", "sinh": "asinh",
             "tanh": "atanh", "cosh": "acosh"}
_FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_CMP = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b, "==": lambda a, b: a == b, "!=": lambda a, b: a != b}


def cmp(op: str, a: Sym, b: Sym) -> Sym:
    """A 0/1 comparison (folded when both sides are numbers)."""
    x, y = numeric(a), numeric(b)
    if x is not None and y is not None:
        return ONE if _CMP[op](x, y) else ZERO
    symmetric_swap = y is None and (x is not None or a.key > b.key)
    if symmetric_swap if op in ("==", "!=") else x is not None:  # one form: x == y, x < 2, x == 2
        a, b, op = b, a, _FLIPPED[op]
    return _make("cmp", (op, a, b))


def where(c: Sym, a: Sym, b: Sym) -> Sym:
    x = numeric(c)
    if x is not None:
        return a if x != 0 else b
    if a is b:
        return a
    return _make("where", (c, a, b))


def detach(x: Sym) -> Sym:
    """A constant with ``x``'s value: no derivative flows through it."""
    if not x.free:
        return x
    return _make("detach", (x,))


def custom(name: str, body: Sym, args: tuple, rule: Any) -> Sym:
    """A user function with its own derivative rule (``with grad(g) = ...``): its value is
    ``body``; ``rule(g, args)`` gives one gradient per argument."""
    return _make("fn", (body,) + args, None, "custom:" + name, rule)
