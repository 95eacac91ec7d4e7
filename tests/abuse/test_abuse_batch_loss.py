"""Nothing lost in a batch: whatever goes wrong while one line is answered (its computation,
or writing its answer, MemoryError included) is that line's error, and every other line is
answered, with or without worker processes; workers never outlive the batch or stall it."""
from __future__ import annotations

from abuse_support import assert_clean, invoke, run

_EMPTY_GIANT = "zeros(1e15, 0)"  # no elements, so no element limit: but 10^15 empty lists to print


def test_an_answer_too_big_to_print_is_that_lines_limit_error():
    r = run(["eval", "-", "--json"], stdin=f"1\n{_EMPTY_GIANT}\n2\n", timeout=60)
    assert_clean(r, codes=(1,))
    docs = r.json_lines()
    assert docs[0] == {"value": 1.0} and docs[2] == {"value": 2.0}, docs
    assert docs[1]["error"]["kind"] == "limit" and docs[1]["error"]["line"] == 2, docs


def test_text_output_of_an_empty_giant_is_bounded_too():
    r = run(["eval", _EMPTY_GIANT], timeout=60)
    assert_clean(r, codes=(0,))
    assert len(r.out) < 100, r


def test_a_memory_error_while_writing_an_answer_is_that_lines_error(monkeypatch):
    from diffcli import runner

    real = runner.result_json

    def result_json(command, result):
        if result["value"].size > 1:
            raise MemoryError
        return real(command, result)

    monkeypatch.setattr(runner, "result_json", result_json)
    r = invoke(["eval", "-", "--json", "--jobs", "1"], stdin="1\nones(3)\n2\n")
    assert r.code == 1, r
    docs = r.json_lines()
    assert docs[0] == {"value": 1.0} and docs[2] == {"value": 2.0}, docs
    assert docs[1]["error"]["kind"] == "limit" and "memory" in docs[1]["error"]["message"], docs


def test_with_two_jobs_every_line_is_answered():
    lines = [_EMPTY_GIANT if i % 8 == 3 else f"{i} + 0" for i in range(64)]
    r = run(["eval", "-", "--json", "--jobs", "2"], stdin="\n".join(lines) + "\n", timeout=90)
    assert_clean(r, codes=(1,))
    docs = r.json_lines()
    assert len(docs) == 64, r
    for i, doc in enumerate(docs):
        assert doc == ({"error": doc.get("error")} if i % 8 == 3 else {"value": float(i)}), (i, doc)
