"""A node takes its edges when it is recorded and keeps its inputs' values in its own slots.
These tests change an input's grad_fn or requires_grad after it was used and check that every
node still sends its gradient where the input pointed when the node was recorded (as PyTorch's
stored edges do), and that a scalar node keeps no input tensor alive."""
import math
import weakref

import pytest

import diffcli as d


def leaf(v=1.5):
    return d.tensor(v, requires_grad=True)


def test_inplace_after_use_keeps_the_old_edge():
    x = leaf()
    a = x * 2.0
    b = a + 1.0          # recorded while a's grad_fn is Mul
    a.mul_(3.0)          # a now comes from a new node
    c = a + 1.0          # recorded after: goes through the in-place node
    (gb,) = d.grad(b, [x], retain_graph=True)  # the Mul node is shared
    (gc_,) = d.grad(c, [x])
    assert gb.item() == 2.0
    assert gc_.item() == 6.0


def test_many_inplace_changes_between_consumers():
    x = leaf()
    a = x * 1.0
    consumers = []
    for _ in range(6):
        consumers.append(a + 0.0)
        a.mul_(2.0)
    for k, c in enumerate(consumers):
        assert d.grad(c, [x], retain_graph=True)[0].item() == 2.0 ** k


def test_detach_in_place_after_use():
    x = leaf()
    a = x * 2.0
    b = a * 3.0
    a.detach_()
    b.backward()  # goes through the Mul node a had when b was recorded
    assert x.grad.item() == 6.0
    assert a.grad_fn is None and not a.requires_grad
    e = a * 5.0          # after detach_, a is a constant
    assert not e.requires_grad


def test_requires_grad_set_after_use_does_not_reach_earlier_nodes():
    x, w = leaf(), d.tensor(4.0)
    y = x * w            # w did not require grad when y was recorded
    w.requires_grad_()
    z = x * w            # now it does
    y.backward()
    assert x.grad.item() == 4.0 and w.grad is None
    z.backward()  # x's own node is a leaf: nothing shared with y's freed graph
    assert w.grad.item() == 1.5


def test_requires_grad_cleared_after_use_still_reaches_earlier_nodes():
    x, w = leaf(), leaf(4.0)
    y = x * w
    w.requires_grad = False  # the attribute, not the method: same record
    y.backward()
    assert w.grad.item() == 1.5


def test_next_functions_after_backward():
    x = leaf()
    y = d.sin(x * 2.0)
    fn = y.grad_fn
    y.backward()
    assert fn.released
    (mul, _), = fn.next_functions
    assert mul.name() == "MulBackward0"
    assert mul.next_functions[0][0].variable is x
    assert mul.next_functions[1][0] is None


def test_a_scalar_node_keeps_no_input_tensor_alive():
    x = leaf()
    a = x * 2.0
    ref = weakref.ref(a)
    b = d.sin(a)
    del a
    assert ref() is None  # b's node saved a's value and edge, not a itself
    b.backward()
    assert x.grad.item() == math.cos(3.0) * 2.0


def test_an_array_node_keeps_its_input_tensors():
    import numpy as np
    x = d.tensor(np.array([1.0, 2.0]), requires_grad=True)
    a = x * 2.0
    b = d.sin(a)
    assert b.grad_fn.inputs[0] is a  # kept, so an in-place change of a is detected


def test_inputs_rebuilt_from_a_scalar_node_record_into_the_same_graph():
    x = leaf()
    b = d.sin(x * 2.0)
    (a,) = b.grad_fn.inputs  # made from the saved edge and value
    assert a.item() == 3.0 and a.grad_fn is b.grad_fn.next_functions[0][0]
    (g,) = d.grad(a * 1.0, [x])
    assert g.item() == 2.0


def test_second_backward_still_refused():
    x = leaf()
    y = d.exp(x * x)
    y.backward()
    with pytest.raises(d.DiffcliError, match="second time"):
        y.backward()


def test_node_no_gradient_reaches_is_left_alone():
    x = leaf()
    f = d.floor(x * 3.0)      # floor's rule gives no gradient: Mul below never runs
    y = f + x
    mul = f.grad_fn.next_functions[0][0]
    y.backward()
    assert x.grad.item() == 1.0
    assert not mul.released


def test_next_functions_after_a_blockwise_backward():
    import numpy as np
    x = d.tensor(np.linspace(-1.0, 1.0, 300_000), requires_grad=True)
    y = d.sin(x) * 2.0
    fn = y.grad_fn
    y.backward(d.ones(300_000))
    assert fn.released
    assert fn.next_functions[0][0].name() == "SinBackward0"
    assert fn.next_functions[0][0].next_functions[0][0].variable is x
