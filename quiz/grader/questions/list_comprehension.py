"""list-comprehension: `double_odds(nums)` doubles the odd numbers, in one list comprehension."""

from __future__ import annotations

import ast
import re

from quiz.grader.judging import definition, parse, same_as_reference
from quiz.grader.values import Opaque
from quiz.grader.verdict import CheckResult

INPUTS = (
    [1, 2, 3, 4, 5],  # the question's own example
    [-3, -2, -1, 0, 7],
    [],
    [0, 0, 0],
    [2, 4, 6],
    [11],
    list(range(-50, 1000)),
)


def probe(p) -> None:
    double_odds = p.function("double_odds")
    p.call_each("double_odds", double_odds, [(list(nums),) for nums in INPUTS])


def judge(run, reference) -> list[CheckResult]:
    return [comprehension_check(run.source), *same_as_reference(run, reference, hint=_hint)]


def comprehension_check(source: str) -> CheckResult:
    name = "written as a list comprehension"
    function = definition(parse(source), "double_odds")
    if function is None:
        return CheckResult(name, False, "could not find `def double_odds` at the top level")
    if _returns_comprehension(function):
        return CheckResult(name, True, "returns a list comprehension")
    return CheckResult(
        name,
        False,
        "double_odds should return a list comprehension, "
        "[2 * n for n in nums if n % 2 == 1], instead of building the list another way",
    )


def _returns_comprehension(function: ast.AST) -> bool:
    if isinstance(function, ast.Lambda):
        return isinstance(function.body, ast.ListComp)
    built = {
        target.id
        for node in ast.walk(function)
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.ListComp)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    for node in ast.walk(function):
        if isinstance(node, ast.Return) and node.value is not None:
            if isinstance(node.value, ast.ListComp):
                return True
            if isinstance(node.value, ast.Name) and node.value.id in built:
                return True
    return False


def _hint(expected, got) -> str | None:
    if isinstance(got.value, Opaque) and got.value.type_name in ("filter", "map", "generator"):
        return f"a {got.value.type_name} object is lazy; the function must return a list"
    if isinstance(got.value, list) and isinstance(expected.value, list):
        without_negatives = [x for x in expected.value if x >= 0]
        if got.value == without_negatives and got.value != expected.value:
            return "Negative odd numbers count too: -3 is odd, and in Python -3 % 2 == 1."
        if sorted(got.value) == sorted(x // 2 for x in expected.value) and got.value:
            return "The odd numbers are right, but each should be doubled."
    return None


def explain(error, source: str) -> str | None:
    if error.kind == "syntax" and re.search(r"\bfor\s+\w+\s+if\b", error.detail or source):
        return "A comprehension needs `for n in nums`: the `in nums` part is missing."
    return None
