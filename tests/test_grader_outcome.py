"""Whatever a child sends back, the parent ends in a verdict: never a traceback.

A correct tensor-3x3 run's findings are spoiled one line at a time (cut short, a wrong type in
each field, huge numbers, nan, deep nesting) and every spoiled run must give a failed verdict
of kind crashed or internal with a one-line message. Then the same lines come from a real child.
"""

from __future__ import annotations

import json
import random
import textwrap
from pathlib import Path

import pytest

from quiz.bank import load_bank
from quiz.grader import Checker
from quiz.grader.checker import judge_run
from quiz.grader.outcome import read_run
from quiz.grader.question_checks import checks_for
from quiz.grader.verdict import CRASHED, INTERNAL

REPO_ROOT = Path(__file__).resolve().parent.parent
TENSOR_3X3 = checks_for(load_bank(REPO_ROOT / "questions.yaml").get("tensor-3x3"))
RIGHT = "def double_odds(nums):\n    return [2 * n for n in nums if n % 2 == 1]\n"
WRONG = "def double_odds(nums):\n    return [n for n in nums if n % 2 == 1]\n"


def _tensor(values, shape, dtype="int64") -> dict:
    return {"$tensor": {"dtype": dtype, "shape": shape, "values": values}}


def _events() -> list[dict]:
    """A passing tensor-3x3 run, plus observations that touch every tag the encoder writes."""
    t = list(range(1, 10))
    return [
        {"event": "calling", "call": "t"},
        {"event": "observe", "key": "t", "call": "t", "kind": "fact", "value": _tensor(t, [3, 3])},
        {
            "event": "observe",
            "key": "doubled",
            "call": "doubled",
            "kind": "fact",
            "value": _tensor([2 * x for x in t], [3, 3]),
        },
        {
            "event": "observe",
            "key": "bottom_right",
            "call": "bottom_right",
            "kind": "fact",
            "value": _tensor([10, 12, 16, 18], [2, 2]),
        },
        {
            "event": "observe",
            "key": "extra",
            "call": "extra()",
            "kind": "call",
            "value": {
                "$tuple": [
                    1,
                    "text",
                    None,
                    {"$dict": [["a", 2.5]]},
                    {"$object": "zip", "note": "lazy"},
                    {
                        "$ndarray": {
                            "dtype": "float32",
                            "shape": [2],
                            "values": [0.5, 1.0],
                            "subclass": "Mine",
                        }
                    },
                ]
            },
            "mistakes": {"abs": [1, 2]},
        },
        {
            "event": "observe",
            "key": "boom",
            "call": "boom()",
            "kind": "call",
            "error": {"kind": "exception", "message": "E: no", "line": 3, "detail": "d"},
            "ops": ["clamp"],
        },
        {"event": "done"},
    ]


NAN = float("nan")
WRONG_VALUES = [None, True, 7, 2.5, NAN, "text", [], [1], {}, {"a": 1}, 10**30]
# What each named field may hold; a field not named here holds a value the learner returned.
FIELDS = {
    "event": (str,),
    "key": (str,),
    "call": (str,),
    "kind": (str,),
    "message": (str,),
    "dtype": (str,),
    "$object": (str,),
    "error": (dict,),
    "$tensor": (dict,),
    "$ndarray": (dict,),
    "line": (int, type(None)),
    "detail": (str, type(None)),
    "note": (str, type(None)),
    "subclass": (str, type(None)),
    "mistakes": (dict, type(None)),
    "values": (list, type(None)),
    "shape": (list,),
    "$tuple": (list,),
    "$dict": (list,),
    "ops": (list,),
}
FREE_VALUE_WRONGS = [{}, {"a": 1}, {"$tensor": 5}, {"$tuple": 5}, {"$dict": [[1]]}, 10**30]


def _slots(node, path=()):
    """(path, wrong values) for every field and element of one event."""
    if isinstance(node, dict):
        for name, child in node.items():
            allowed = FIELDS.get(name)
            if allowed is not None and not (name in ("kind", "event") and path == ()):
                wrongs = [v for v in WRONG_VALUES if type(v) not in allowed]
                if name == "line":
                    wrongs = [v for v in wrongs if v != 10**30]
            elif name in ("event", "kind"):
                wrongs = [v for v in WRONG_VALUES if type(v) is not str] + ["bogus"]
            else:
                wrongs = FREE_VALUE_WRONGS
            if name == "error" and path == () and node.get("event") == "observe":
                wrongs = [v for v in wrongs if v is not None]
            yield (*path, name), wrongs
            if name not in ("values", "shape"):
                yield from _slots(child, (*path, name))
            else:
                for i in range(len(child or [])):
                    yield (
                        (*path, name, i),
                        ["text", None, [1], {}, 10**30, NAN][: 6 if name == "shape" else 5],
                    )
    elif isinstance(node, list):
        for i, child in enumerate(node):
            if isinstance(child, list | dict) and path[-1:] == ("$dict",):
                yield (*path, i), [[1], [1, 2, 3], "pair", {}]
            else:
                yield (*path, i), FREE_VALUE_WRONGS
            yield from _slots(child, (*path, i))


def _replace(node, path, value):
    node = json.loads(json.dumps(node))
    target = node
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return node


def _spoiled_lines(rng: random.Random):
    """(line number, bad line) pairs: every field wrong, random cuts, numbers, nesting."""
    events = _events()
    for number, event in enumerate(events):
        for path, wrongs in _slots(event):
            for wrong in wrongs:
                yield number, json.dumps(_replace(event, path, wrong))
        text = json.dumps(event)
        for _ in range(40):
            yield number, text[: rng.randrange(1, len(text))]
    observe = '{"event": "observe", "key": "t", "call": "t", "kind": "fact", "value": %s}'
    deep = "[" * 100_000 + "]" * 100_000
    tuple_deep = '{"$tuple": [' * 200 + "1" + "]}" * 200
    for value in (deep, tuple_deep, "1" + "0" * 5000, '"\u2028"[', "[" * 900):
        yield 1, observe % value
    tensor = '{"$tensor": {"dtype": "int64", "shape": %s, "values": [1]}}'
    for shape in ("[1e999999]", "[NaN]", "[-1]", "[1.0]", "[2, 1e400]", "[true]"):
        yield 1, observe % (tensor % shape)
    for junk in ("", "null", "[]", '"done"', '{"event": "done"', "\x00", "{" * 100_000):
        yield 1, junk


def _run(lines: list[str], reply=None):
    return read_run(
        reply or {"exit_code": 0, "wall_s": 0.01, "output": "", "output_bytes": 0},
        "\n".join(lines) + "\n",
        source="",
        time_limit=5,
        memory_budget=2**30,
        output_keep=1024,
    )


def _verdict(lines: list[str]):
    reference = _run([json.dumps(e) for e in _events()])
    return judge_run("tensor-3x3", TENSOR_3X3.module, _run(lines), reference)


def test_the_unspoiled_run_passes():
    verdict = _verdict([json.dumps(e) for e in _events()])
    assert verdict.passed, verdict


def test_every_spoiled_line_ends_in_a_crashed_or_internal_verdict():
    rng = random.Random(10)
    good = [json.dumps(e) for e in _events()]
    tried = 0
    for number, bad in _spoiled_lines(rng):
        lines = [*good[:number], bad, *good[number + 1 :]]
        verdict = _verdict(lines)
        tried += 1
        context = f"{bad[:200]!r} gave {verdict}"
        assert not verdict.passed, context
        assert verdict.error is not None and verdict.error.kind in (CRASHED, INTERNAL), context
        assert "\n" not in verdict.error.message and len(verdict.error.message) < 300, context
    assert tried > 1000


def test_an_unfinished_last_line_is_garbled_unless_the_child_was_cut_off():
    good = [json.dumps(e) for e in _events()]
    stream = "\n".join(good[:3]) + "\n" + good[3][:20]
    exited = {"exit_code": 0, "wall_s": 0.01, "output": "", "output_bytes": 0}
    run = read_run(exited, stream, source="", time_limit=5, memory_budget=1, output_keep=1)
    assert run.error.kind == CRASHED and "line 4" in run.error.message
    killed = {**exited, "exit_code": None, "signal": "SIGKILL", "cpu_s": 0.1}
    run = read_run(killed, stream, source="", time_limit=5, memory_budget=1, output_keep=1)
    assert run.error.kind == "memory", run.error


def test_text_with_unicode_line_separators_is_one_line():
    value = "a\u2028b\x1cc\x85d"
    event = {"event": "observe", "key": "s", "call": "s", "kind": "fact", "value": value}
    run = _run([json.dumps(event, ensure_ascii=False), '{"event": "done"}'])
    assert run.error is None and run.value("s") == value


@pytest.fixture(scope="module")
def checker():
    with Checker(load_bank(REPO_ROOT / "questions.yaml")) as checker:
        yield checker


TYPE_CONFUSED = '{"event":"observe","key":"x","call":"x","kind":"fact","value":{"$tensor":{"dtype":"int64","shape":[1],"values":5}}}'


@pytest.mark.parametrize(
    "line",
    [
        TYPE_CONFUSED,
        "[" * 100_000 + "]" * 100_000,
        '{"event":"observe","key":[],"call":"x","kind":"fact","value":1}',
    ],
    ids=["tensor-values-int", "deep-nesting", "key-not-text"],
)
def test_a_real_child_that_sends_garbage_gets_a_verdict(checker, line):
    source = textwrap.dedent(
        f"""
        import os
        os.write(3, {line.encode()!r} + b"\\n")

        def double_odds(nums):
            return [2 * n for n in nums if n % 2 == 1]
        """
    )
    verdict = checker.check("list-comprehension", source)
    assert not verdict.passed
    assert verdict.error.kind == CRASHED and "garbled" in verdict.error.message, verdict.error
    assert "\n" not in verdict.error.message
    assert checker.check("list-comprehension", RIGHT).passed
    assert not checker.check("list-comprehension", WRONG).passed


def test_nan_and_infinity_from_a_real_child_are_values_not_garbage(checker):
    source = "import math\n\ndef double_odds(nums):\n    return [math.nan, math.inf]\n"
    verdict = checker.check("list-comprehension", source)
    assert verdict.error is None and not verdict.passed
    assert any("nan" in (c.got or "") for c in verdict.checks), verdict
