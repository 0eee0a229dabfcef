"""`quiz check QUESTION_ID FILE`: grade an answer file and print the verdict.

Exit status 0 when it passes and 1 when it does not; problems a person can fix (an unknown
question, a recall question, an unreadable file) raise QuizError, which the CLI turns into
one line and status 2; 3 when this machine cannot check at all (the MNIST files missing, a
worker that cannot start), said in one line that is not mistaken for a wrong answer.
`--watch` re-checks on every save, like rustlings, until Ctrl-C.
"""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from quiz.bank import load_bank
from quiz.errors import QuizError
from quiz.grader.checker import Checker, GraderFailure
from quiz.grader.display import CANNOT_CHECK, cannot_check, exit_status, show, since_start
from quiz.grader.saves import saves

MAX_ANSWER_BYTES = 4 * 2**20  # room for the Checker's 1,000,000 characters in UTF-8


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
    notice = Checker.sandbox_notice()
    if notice:
        Console(stderr=True, highlight=False).print(f"[yellow]note:[/] {escape(notice)}")
    checker = Checker(load_bank(bank_path))
    try:
        question_id = checker.question(question_id).id  # a number names its question
        if not watch:
            source = read_answer(file)
            try:
                verdict = checker.check(question_id, source)
            except (GraderFailure, OSError) as exc:
                return cannot_check(question_id, str(exc))
            if exit_status(verdict) == CANNOT_CHECK and not as_json:
                return cannot_check(question_id, verdict.error.message)
            show(verdict, console, as_json, whole_s=since_start(started))
            return exit_status(verdict)
        return _watch(checker, question_id, file, console, as_json)
    finally:
        checker.close()


def read_answer(file: Path) -> str:
    """The answer file's text, read only if it is a regular file of at most MAX_ANSWER_BYTES.

    A FIFO, a device or a folder is refused before anything is read from it, so neither
    `/dev/zero` nor a pipe with no writer can fill memory or hang the check."""
    try:
        _regular(file, os.stat(file))
        # O_NONBLOCK: should a FIFO take the file's place since the stat, opening it won't wait.
        fd = os.open(file, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise QuizError(f"{file}: no such file") from None
    except OSError as exc:
        raise QuizError(f"{file}: cannot read it ({exc.strerror})") from None
    try:
        _regular(file, os.fstat(fd))
        data = bytearray()
        while len(data) <= MAX_ANSWER_BYTES:
            chunk = os.read(fd, MAX_ANSWER_BYTES + 1 - len(data))
            if not chunk:
                break
            data += chunk
    except OSError as exc:
        raise QuizError(f"{file}: cannot read it ({exc.strerror})") from None
    finally:
        os.close(fd)
    if len(data) > MAX_ANSWER_BYTES:
        raise QuizError(f"{file}: over {MAX_ANSWER_BYTES // 2**20} MB, too large for an answer")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise QuizError(f"{file}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def _regular(file: Path, info: os.stat_result) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise QuizError(f"{file}: is a directory, not an answer file")
    if not stat.S_ISREG(info.st_mode):
        kind = "a FIFO" if stat.S_ISFIFO(info.st_mode) else "a device or socket"
        raise QuizError(f"{file}: is {kind}, not an answer file")
    if info.st_size > MAX_ANSWER_BYTES:
        raise QuizError(f"{file}: over {MAX_ANSWER_BYTES // 2**20} MB, too large for an answer")


def _watch(checker: Checker, question_id: str, file: Path, console: Console, as_json: bool) -> int:
    checker.start()
    checked = None  # the answer last judged: one save can arrive as several batches of events
    try:
        for _ in saves(file):
            try:
                source = read_answer(file)
                if source == checked:
                    continue  # the same text again (its timestamps, say): the verdict stands
                checked = source
                show(checker.check(question_id, source), console, as_json)
            except QuizError as exc:
                checked = None
                console.print(f"[red]{escape(str(exc))}[/]")
            if not as_json:
                console.print(f"[dim]watching {escape(str(file))}; Ctrl-C to stop[/]")
    except KeyboardInterrupt:
        if not as_json:
            console.print("[dim]stopped watching[/]")
        return 0
