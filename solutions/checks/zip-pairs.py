"""zip-pairs: `pair_up(a, b)` returns a list of (a[i], b[i]) tuples."""

from __future__ import annotations

from quiz.checks import CheckResult, Opaque, same_as_reference

INPUTS = (
    ([1, 2, 3, 4], "abcd"),  # the question's own example
    (["x", "y", "z"], [10, 20, 30]),
    ([], ""),
    ((7, 8), ["seven", "eight"]),
    (list(range(20)), "abcdefghijklmnopqrst"),
)


def probe(p) -> None:
    pair_up = p.function("pair_up")
    p.call_each("pair_up", pair_up, [(list(a) if isinstance(a, list) else a, b) for a, b in INPUTS])


def judge(run, reference) -> list[CheckResult]:
    return same_as_reference(run, reference, hint=_hint, error_hint=_error_hint)


def _hint(expected, got) -> str | None:
    value = got.value
    if isinstance(value, Opaque) and value.type_name == "zip":
        return "zip() gives a lazy zip object, not a list: wrap it, list(zip(a, b))."
    if isinstance(value, list) and value and all(isinstance(v, list) for v in value):
        return "Each pair should be a tuple, (a[i], b[i]), not a list [a[i], b[i]]."
    if isinstance(value, tuple):
        return "Return a list of tuples, not a tuple: list(zip(a, b))."
    return None


def _error_hint(error) -> str | None:
    if "has no attribute 'push'" in error.message:
        return "Python lists have append, not push, and it takes one item: append((a[i], b[i]))."
    if "append() takes exactly one argument" in error.message:
        return "append takes one item: append the pair as a tuple, append((a[i], b[i]))."
    return None
