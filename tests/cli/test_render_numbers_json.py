"""The direct JSON of an all-number answer is byte for byte what the general encoder writes."""
from hypothesis import given, strategies as st

from diffcli import engine as E
from diffcli.render import _encode, plain, result_json

names = st.from_regex(r"[A-Za-z_][A-Za-z_0-9]{0,6}", fullmatch=True)
numbers = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([0.0, -0.0, 1e16, 1e-7, 5e-324])


def _general(command, result):
    keys = {"grad": ("value", "grad"), "eval": ("value",)}[command]
    return _encode({k: plain(result[k]) for k in keys if k in result})


@given(numbers, st.dictionaries(names, numbers, max_size=4))
def test_grad_answer_matches_the_encoder(value, grads):
    result = {"value": E.const(value), "grad": {n: E.const(g) for n, g in grads.items()}, "warnings": []}
    assert result_json("grad", result) == _general("grad", result)


@given(numbers)
def test_eval_answer_matches_the_encoder(value):
    result = {"value": E.const(value), "warnings": []}
    assert result_json("eval", result) == _general("eval", result)


def test_other_answers_take_the_general_path():
    vec = {"value": E.tensor([1.0, 2.0]), "warnings": []}
    assert result_json("eval", vec) == "{\"value\": [1.0, 2.0]}"
    odd = {"value": E.const(1.0), "grad": {"\u00e9": E.const(2.0)}, "warnings": []}
    assert result_json("grad", odd) == _general("grad", odd)
    warned = {"value": E.const(1.0), "grad": {}, "warnings": ["w"]}
    assert result_json("grad", warned) == '{"value": 1.0, "grad": {}, "warnings": ["w"]}'
