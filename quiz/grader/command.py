"""`quiz check QUESTION_ID FILE`: grade an answer file and print the verdict.

Exit status 0 when it passes and 1 when it does not; problems a person can fix (an unknown
question, a recall question, an unreadable file) raise QuizError, which the CLI turns into
one line and status 2. `--watch` re-checks on every save, like rustlings, until Ctrl-C.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape

from quiz.bank import load_bank
from quiz.errors import QuizError
from quiz.grader.checker import Checker
from quiz.grader.display import show
from quiz.grader.saves import saves


def run_check(
    bank_path: Path | None,
    question_id: str,
    file: Path,
    *,
    as_json: bool = False,
    watch: bool = False,
    console: Console | None = None,
) -> int:
    """Check file once (or on every save with watch) and return the exit status."""
    console = console or Console(highlight=False)
    checker = Checker(load_bank(bank_path))
    try:
        checker.question(question_id)
        if not watch:
            verdict = checker.check(question_id, read_answer(file))
            show(verdict, console, as_json)
            return 0 if verdict.passed else 1
        return _watch(checker, question_id, file, console, as_json)
    finally:
        checker.close()


def read_answer(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise QuizError(f"{file}: no such file") from None
    except IsADirectoryError:
        raise QuizError(f"{file}: is a directory, not an answer file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise QuizError(f"{file}: cannot read it ({exc})") from None


def _watch(checker: Checker, question_id: str, file: Path, console: Console, as_json: bool) -> int:
    checker.start()
    try:
        for _ in saves(file):
            try:
                show(checker.check(question_id, read_answer(file)), console, as_json)
            except QuizError as exc:
                console.print(f"[red]{escape(str(exc))}[/]")
            if not as_json:
                console.print(f"[dim]watching {escape(str(file))}; Ctrl-C to stop[/]")
    except KeyboardInterrupt:
        if not as_json:
            console.print("[dim]stopped watching[/]")
        return 0
