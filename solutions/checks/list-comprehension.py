"""list-comprehension: `double_odds(nums)` doubles the odd numbers, in one list comprehension."""

from __future__ import annotations

import ast
import re

from quiz.checks import CheckResult, Opaque, definition, parse, same_as_reference

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
    return [
        comprehension_check(run.source),
        *same_as_reference(run, reference, hint=_hint, dtype=True),
    ]


def comprehension_check(source: str) -> CheckResult:
    name = "written as a list comprehension"
    function = definition(parse(source), "double_odds")
    if function is None:
        return CheckResult(name, False, "could not find `def double_odds` at the top level")
    problem = _not_from_comprehension(function)
    if problem is None:
        return CheckResult(name, True, "returns a list comprehension")
    return CheckResult(
        name,
        False,
        f"{problem}: double_odds should return a list comprehension, "
        "[2 * n for n in nums if n % 2 == 1], instead of building the list another way",
    )


MUTATORS = {"append", "extend", "insert", "__iadd__", "__setitem__", "__init__"}


def _not_from_comprehension(function: ast.AST) -> str | None:
    """None if every list double_odds returns is made by a comprehension, else what is not.

    A helper variable is fine when it only ever holds a comprehension and nothing changes it
    afterwards; `return []` for an early way out is fine too."""
    if isinstance(function, ast.Lambda):
        return None if isinstance(function.body, ast.ListComp) else "the lambda's body"
    nodes = _own_scope(function)
    for node in nodes:
        if isinstance(node, ast.For | ast.AsyncFor | ast.While):
            return (
                f"line {node.lineno} has a {'while' if isinstance(node, ast.While) else 'for'} loop"
            )
    bound: dict[str, bool] = {}  # name -> every binding of it is a list comprehension
    for node in nodes:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        only = isinstance(target, ast.Name) and isinstance(node.value, ast.ListComp)
                        bound[name.id] = bound.get(name.id, True) and only
        elif isinstance(node, ast.AugAssign | ast.NamedExpr) and isinstance(node.target, ast.Name):
            bound[node.target.id] = False
    changed = {
        node.value.id
        for node in nodes
        if isinstance(node, ast.Attribute)
        and node.attr in MUTATORS
        and isinstance(node.value, ast.Name)
    } | {
        node.value.id
        for node in nodes
        if isinstance(node, ast.Subscript)
        and isinstance(node.ctx, ast.Store | ast.Del)
        and isinstance(node.value, ast.Name)
    }
    returns = [node for node in nodes if isinstance(node, ast.Return)]
    found = False
    for node in returns:
        value = node.value
        if isinstance(value, ast.ListComp):
            found = True
        elif isinstance(value, ast.Name) and bound.get(value.id) and value.id not in changed:
            found = True
        elif not (isinstance(value, ast.List) and not value.elts):
            return f"line {node.lineno} returns something other than a comprehension"
    return None if found else "no return of a list comprehension"


def _own_scope(function: ast.AST) -> list[ast.AST]:
    """The nodes of function's body, leaving out the bodies of functions defined inside it."""
    found, todo = [], list(ast.iter_child_nodes(function))
    while todo:
        node = todo.pop()
        found.append(node)
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            todo.extend(ast.iter_child_nodes(node))
    return sorted(found, key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0)))


def _hint(expected, got) -> str | None:
    if isinstance(got.value, list) and any(isinstance(x, float) for x in got.value):
        return "Doubling an int gives an int: 2 * n, not 2.0 * n."
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
