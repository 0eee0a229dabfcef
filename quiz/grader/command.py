"""`quiz check QUESTION_ID FILE`: grade an answer file and print the verdict.

Exit status 0 when it passes and 1 when it does not; problems a person can fix (an unknown
question, a recall question, an unreadable file) raise QuizError, which the CLI turns into
one line and status 2; 3 when this machine cannot check at all (the MNIST files missing, a
worker that cannot start), said in one line that is not mistaken for a wrong answer.
`--watch` re-checks on every save, like rustlings, until Ctrl-C.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from quiz.bank import load_bank
from quiz.errors import QuizError
from quiz.grader.checker import Checker, GraderFailure
from quiz.grader.verdict import INTERNAL, Verdict

POLL_S = 0.3
MISSING_DATA = "quiz_mnist_trainer.DataError"
PASSED, NOT_YET, CANNOT_CHECK = 0, 1, 3
"""Exit statuses; a usage error (QuizError) is 2, set by the CLI."""


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
    started = time.monotonic()
    console = console or Console(highlight=False)
    checker = Checker(load_bank(bank_path))
    try:
        checker.question(question_id)
        if not watch:
            source = read_answer(file)
            try:
                verdict = checker.check(question_id, source)
            except (GraderFailure, OSError) as exc:
                return cannot_check(question_id, str(exc))
            if exit_status(verdict) == CANNOT_CHECK and not as_json:
                return cannot_check(question_id, verdict.error.message)
            show(verdict, console, as_json, whole_s=time.monotonic() - started)
            return exit_status(verdict)
        return _watch(checker, question_id, file, console, as_json)
    finally:
        checker.close()


def exit_status(verdict: Verdict) -> int:
    if verdict.passed:
        return PASSED
    error = verdict.error
    # Missing MNIST files stop the checks before the learner's code is judged, in any role.
    if error is not None and (error.kind == INTERNAL or MISSING_DATA in error.message):
        return CANNOT_CHECK
    return NOT_YET


def cannot_check(question_id: str, reason: str) -> int:
    """Say in one line why nothing could be checked, and return its exit status."""
    print(f"quiz: cannot check {question_id}: {plain_reason(reason)}", file=sys.stderr)
    return CANNOT_CHECK


def plain_reason(message: str) -> str:
    """The innermost cause of a grader failure, without the layers it passed through."""
    missing = re.search(re.escape(MISSING_DATA) + r": (.*)", message)
    if missing:
        return f"{missing.group(1)} (`quiz train` downloads them)"
    return message.replace("checking your code failed: ", "")


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
    seen = None
    try:
        while True:
            try:
                stamp = file.stat().st_mtime_ns
            except OSError:
                stamp = None  # an editor may replace the file while saving
            if stamp is not None and stamp != seen:
                seen = stamp
                try:
                    show(checker.check(question_id, read_answer(file)), console, as_json)
                except QuizError as exc:
                    console.print(f"[red]{escape(str(exc))}[/]")
                if not as_json:
                    console.print(f"[dim]watching {escape(str(file))}; Ctrl-C to stop[/]")
            time.sleep(POLL_S)
    except KeyboardInterrupt:
        if not as_json:
            console.print("[dim]stopped watching[/]")
        return 0


def show(
    verdict: Verdict, console: Console, as_json: bool = False, whole_s: float | None = None
) -> None:
    """Print the verdict; `whole_s`, the whole command's time, is told apart from the checks'."""
    if as_json:
        console.out(json.dumps(verdict.to_dict(), indent=2), highlight=False)
        return
    passed = sum(check.passed for check in verdict.checks)
    if verdict.passed:
        console.print(
            f"[bold green]✓ {verdict.question_id}: passed[/] "
            f"[dim]({passed} checks in {verdict.duration_s:.2f} s{_whole(whole_s)})[/]"
        )
    else:
        total = len(verdict.checks)
        summary = f"{passed} of {total} checks passed" if total else "no result"
        console.print(
            f"[bold red]✗ {verdict.question_id}: not yet[/] [dim]({summary}{_whole(whole_s)})[/]"
        )
    if verdict.error:
        error = verdict.error
        console.print(f"  [red]{escape(error.kind)}:[/] {escape(error.message)}")
        if error.detail:
            style = None if error.kind == "syntax" else "dim"
            console.print(escape(_indent(error.detail, 4)), style=style)
    for check in verdict.checks:
        mark = "[green]✓[/]" if check.passed else "[red]✗[/]"
        console.print(f"  {mark} {escape(check.name)}: {escape(check.message)}")
        if not check.passed and check.expected is not None:
            console.print(f"      expected: {escape(check.expected)}")
            console.print(f"      got:      {escape(check.got or '')}")
    if verdict.output.strip():
        console.print("  [dim]── your code printed ──[/]")
        console.print(escape(_indent(verdict.output.rstrip(), 4)), style="dim")


def _whole(whole_s: float | None) -> str:
    return "" if whole_s is None else f"; the whole command {whole_s:.1f} s, with start-up"


def _indent(text: str, spaces: int) -> str:
    pad = " " * spaces
    return "\n".join(pad + line for line in text.splitlines())
