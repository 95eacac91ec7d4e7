"""One declaration per primitive: everything the engine reads about a primitive is a field of
the primitive object, never looked up by its name."""
from __future__ import annotations

import math

import pytest

import diffcli as d
from diffcli.engine import ops
from diffcli.engine.apply import apply1
from diffcli.engine.prim import Prim, each_input
from diffcli.engine.taylor import derivatives


def test_a_namesake_does_not_share_a_taylor_rule():
    # A primitive named like sin but without a Taylor rule: Taylor mode must say so (the caller
    # falls back to nested reverse mode), not use sin's series.
    fake = Prim("Sin", lambda x: 2.0 * x, lambda x: 2.0 * x, (lambda g, a, x: ops.mul(g, 2.0),))
    x = d.tensor(0.3, requires_grad=True)
    with pytest.raises(NotImplementedError):
        derivatives(apply1(fake, x), x, 3)
    assert derivatives(d.sin(x), x, 1)[1] == pytest.approx(math.cos(0.3))


def test_interpretations_slot():
    p = Prim("Twice", lambda x: 2.0 * x, None, (lambda g, a, x: ops.mul(g, 2.0),))
    assert p.interpretation("example") is None
    assert p.define("example", "2*{0}") is p
    assert p.interpretation("example") == "2*{0}"
    assert ops.SIN.interpretation("example") is None  # one primitive's table is its own


def test_each_input_rules_get_the_index():
    seen = []
    rules = each_input(lambda i, g, a, *xs: seen.append((i, xs)) or g)
    assert rules[1]("g", None, "x", "y", "p") == "g"
    assert seen == [(1, ("x", "y", "p"))]


@pytest.mark.parametrize("prim", [p for p in ops.PRIMS if p.elementwise], ids=lambda p: p.name)
def test_elementwise_primitives_batch(prim):
    assert prim.batch


def test_kinks_are_declared_on_the_primitive():
    assert ops.ABS.kink[0](0.0) and not ops.ABS.kink[0](1.0)
    assert ops.MAX.kink[0](__import__("numpy").array([1.0, 1.0]))
    assert ops.SIN.kink is None
