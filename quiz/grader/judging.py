"""Helpers the questions judge with (parent side): compare with the reference, read the code."""

from __future__ import annotations

import ast
from collections.abc import Callable

from quiz.grader.outcome import Observation, Run
from quiz.grader.values import ATOL, RTOL, difference, show
from quiz.grader.verdict import CheckResult, GraderError

Hint = Callable[[Observation, Observation], str | None]


def same_as_reference(
    run: Run,
    reference: Run,
    *,
    mistakes: dict[str, str] | None = None,
    hint: Hint | None = None,
    error_hint=None,
    keys=None,
    dtype: bool = False,
    rtol: float = RTOL,
    atol: float = ATOL,
) -> list[CheckResult]:
    """One check per observation of the reference run, whatever the learner's run reached, so
    the number of checks never depends on the answer: the learner's must match it.

    `mistakes` maps a mistake the probe computed (see Probe.call) to the hint shown when the
    learner's value equals it; `hint(expected, got)` can add one by other means, and
    `error_hint(error)` explains an exception."""
    results = []
    for key, expected in reference.observations.items():
        if keys is not None and key not in keys:
            continue
        got = run.observations.get(key)
        if got is None:
            results.append(not_reached(expected.call))
        elif expected.kind == "ran":
            if got.error is not None:
                advice = error_hint and _quietly(error_hint, got.error)
                results.append(raised(expected.call, got.error, advice))
            else:
                results.append(CheckResult(expected.call, True, "ran without an error"))
        else:
            results.append(
                compare(
                    expected,
                    got,
                    mistakes=mistakes,
                    hint=hint,
                    error_hint=error_hint,
                    dtype=dtype,
                    rtol=rtol,
                    atol=atol,
                )
            )
    return results


def compare(
    expected: Observation,
    got: Observation,
    *,
    mistakes=None,
    hint=None,
    error_hint=None,
    dtype=False,
    rtol=RTOL,
    atol=ATOL,
) -> CheckResult:
    name = expected.call
    if got.error is not None:
        return raised(name, got.error, _quietly(error_hint, got.error) if error_hint else None)
    found = difference(expected.value, got.value, dtype=dtype, rtol=rtol, atol=atol)
    if found is None:
        shown = show(got.value)
        return CheckResult(name, True, f"returned {shown}" if got.kind == "call" else shown)
    advice = mistake_hint(got, mistakes) or (_quietly(hint, expected, got) if hint else None)
    return CheckResult(
        name,
        False,
        sentence(f"got {found}", advice),
        expected=show(expected.value),
        got=show(got.value),
    )


def _quietly(hint, *args) -> str | None:
    """A hint for the learner's odd value, or None: a hint must never break the judging."""
    try:
        return hint(*args)
    except Exception:  # noqa: BLE001 - the value may be anything the learner's code returned
        return None


def raised(name: str, error: GraderError, advice: str | None = None) -> CheckResult:
    where = f" (line {error.line})" if error.line else ""
    return CheckResult(name, False, sentence(f"raised {error.message}{where}", advice))


def mistake_hint(got: Observation, mistakes: dict[str, str] | None) -> str | None:
    for name, text in (mistakes or {}).items():
        if name in got.mistakes and difference(got.mistakes[name], got.value) is None:
            return text
    return None


def not_reached(name: str) -> CheckResult:
    """The check called name, which an earlier failure kept from running."""
    return CheckResult(name, False, "did not run: an earlier call failed")


def sentence(message: str, advice: str | None) -> str:
    message = message.rstrip(".") + "."
    return f"{message} {advice}" if advice else message


def percent(fraction: float) -> str:
    return f"{100 * fraction:.1f}%"


# ----------------------------------------------------------------------------- syntax tree


def parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def definition(tree: ast.Module | None, name: str) -> ast.AST | None:
    """The last top-level `def name` or `name = lambda …` in the module."""
    found = None
    for node in tree.body if tree else ():
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name:
            found = node
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Lambda):
            if any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                found = node.value
    return found


def loops(node: ast.AST | None) -> list[ast.AST]:
    """Every for/while loop and comprehension inside node."""
    kinds = (
        ast.For,
        ast.AsyncFor,
        ast.While,
        ast.ListComp,
        ast.SetComp,
        ast.DictComp,
        ast.GeneratorExp,
    )
    return [n for n in ast.walk(node) if isinstance(n, kinds)] if node else []


def uses_of(tree: ast.Module | None, names: set[str]) -> list[tuple[int, str]]:
    """Where the code uses an attribute or imports a name from `names` (line, text)."""
    found = []
    for node in ast.walk(tree) if tree else ():
        if isinstance(node, ast.Attribute) and node.attr in names:
            found.append((node.lineno, ast.unparse(node)))
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name in names:
                    found.append((node.lineno, f"from {node.module} import {alias.name}"))
    return sorted(found)


def forbidden_check(run: Run, names: set[str], instead: str) -> CheckResult:
    """Passes unless the code uses a built-in the question asks the learner to write: by name
    in the source, or by the torch operators the probe watched for, however they were reached."""
    uses = uses_of(parse(run.source), names)
    if uses:
        line, text = uses[0]
        return CheckResult(
            "written by hand",
            False,
            f"line {line} uses {text}: the point is to write it yourself. {instead}",
        )
    for observation in run.observations.values():
        if observation.ops:
            return CheckResult(
                "written by hand",
                False,
                f"{observation.call} ran torch's own {observation.ops[0]}, however your code "
                f"reached it: the point is to write it yourself. {instead}",
            )
    return CheckResult("written by hand", True, "uses no built-in shortcut")
