"""What `quiz validate` asks of a bank beyond its schema: that its code questions hold together.

Solutions and starters define what the contract promises, solutions parse, checks files load,
every reference passes its own checks, and each example answer gets the verdict it declares.
Every listed mistake holds a word that a right answer does not use.
Each problem is one line that names the file and line to fix.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from quiz.bank import Bank, Question
from quiz.errors import QuizError


def static_problems(bank: Bank) -> list[str]:
    """Problems found by reading the bank's code, without running any of it."""
    problems = []
    for where, question in _code_questions(bank):
        problems += _defines_contract(where, "the starter", question.starter, question.contract)
        solution = question.solution
        try:
            text = solution.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{where}: cannot read its solution {solution}: {exc}")
            continue
        try:
            ast.parse(text, filename=str(solution))
        except SyntaxError as exc:
            problems.append(f"{solution}:{exc.lineno}: the solution is not valid Python: {exc.msg}")
            continue
        problems += _defines_contract(
            where, f"its solution {solution.name}", text, question.contract
        )
        problems += _checks_problems(where, question)
    return problems + _mistake_problems(bank)


def _mistake_problems(bank: Bank) -> list[str]:
    """Each listed mistake that the marker could never tell from a right answer, since every
    word of it is one a right answer may use: it would go unheard."""
    from quiz.recall import unheard_mistakes

    lines = _question_lines(bank.path)
    return [
        f"{bank.path}:{lines.get(question.id, 1)}: question '{question.id}': the mistake"
        f" '{text}' uses only words that a right answer uses (the prompt's, the key points' or"
        " our answer's): say what is wrong in words of its own"
        for question in bank
        for text in unheard_mistakes(question, bank.words)
    ]


def run_problems(
    bank: Bank, check: Callable[[Question, str], object], progress=lambda text: None
) -> list[str]:
    """Problems found by running each reference and example answer through its checks.

    `check(question, source)` returns a verdict (see quiz.grader.Verdict), or None where the
    answer cannot be checked on this machine (a data file missing, say)."""
    problems = []
    for where, question in _code_questions(bank):
        progress(question.id)
        for path, passes in [(question.solution, True), *_examples(question)]:
            try:
                source = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                problems.append(f"{path}:1: cannot read it: {exc}")
                continue
            try:
                verdict = check(question, source)
            except QuizError as exc:
                problems.append(f"{where}: cannot be checked: {exc}")
                break
            if verdict is None or verdict.passed == passes:  # None: cannot be checked here
                continue
            what = "the reference solution" if path == question.solution else "this example"
            if passes:
                problems.append(
                    f"{path}:1: {what} should pass but fails: {_first_failure(verdict)}"
                )
            else:
                problems.append(f"{path}:1: {what} is declared wrong but passes every check")
    return problems


def _code_questions(bank: Bank) -> Iterator[tuple[str, Question]]:
    """Each code question, with the place a problem with it is reported at (file:line)."""
    lines = _question_lines(bank.path)
    for question in bank:
        if question.is_code:
            yield f"{bank.path}:{lines.get(question.id, 1)}: question '{question.id}'", question


def _examples(question: Question) -> Iterator[tuple[Path, bool]]:
    for example in question.examples:
        yield example.path, example.passes


def _first_failure(verdict) -> str:
    if verdict.error is not None:
        return verdict.error.message
    failed = next((c for c in verdict.checks if not c.passed), None)
    return f"{failed.name}: {failed.message}" if failed else "no check ran"


def _defines_contract(where: str, what: str, source: str, contract) -> list[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []  # the schema already reports a starter that does not parse
    defined = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            defined.add(node.name)
        elif isinstance(node, ast.Assign):
            defined.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.ImportFrom | ast.Import):
            defined.update((a.asname or a.name).split(".")[0] for a in node.names)
    missing = [name for name in contract if name not in defined]
    return [f"{where}: {what} does not define {', '.join(missing)}"] if missing else []


def _checks_problems(where: str, question: Question) -> list[str]:
    """A checks file that does not load, or cases that call nothing the contract names."""
    from quiz.bank import CaseChecks
    from quiz.grader.question_checks import checks_for

    checks = question.checks
    if isinstance(checks, CaseChecks):
        problems = []
        for case in checks.cases:
            called = {
                n.id for n in ast.walk(ast.parse(case, mode="eval")) if isinstance(n, ast.Name)
            }
            if not called & set(question.contract):
                problems.append(
                    f"{where}: case '{case}' uses none of {', '.join(question.contract)}"
                )
        return problems
    try:
        checks_for(question)
    except QuizError as exc:
        return [str(exc)]
    return []


def name_line(path: Path) -> int:
    """The line of the bank file where its `bank:` name is written (1 if none is found)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return 1
    return next((n for n, line in enumerate(lines, 1) if line.startswith("bank:")), 1)


def _question_lines(path: Path) -> dict[str, int]:
    """The line where each question's id is written in the bank file."""
    pattern = re.compile(r"^\s*(?:-\s+)?id:\s*['\"]?([a-z0-9-]+)['\"]?\s*$")
    found: dict[str, int] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return found
    for number, line in enumerate(text.splitlines(), 1):
        match = pattern.match(line)
        if match:
            found.setdefault(match.group(1), number)
    return found
