"""The exercise-tool way in: print a question, write its starter file, give its next hint.

Plain text for `quiz show`, `quiz start`, `quiz hint` and `quiz next`, and the day's work
recorded from `quiz check` and `quiz grade`; the CLI only prints it.
"""

from __future__ import annotations

import textwrap
from datetime import date, datetime
from pathlib import Path

from quiz.attempt import Attempt
from quiz.bank import Question
from quiz.code_attempt import suggest_code_grade
from quiz.counts import counted
from quiz.errors import QuizError
from quiz.grader.display import NOT_YET, PASSED
from quiz.schedulers import rating_for_key, rating_for_quality, rating_of
from quiz.session import StudySession, record_cram
from quiz.store import Store


def question_text(question: Question, hints_taken: int = 0, quiz: str = "quiz") -> str:
    """A question as a terminal shows it: number, id and kind, the prompt, what to run next.

    `quiz` is the command as it must be typed for the question's bank (`quiz --bank ...`)."""
    tags = f" · {', '.join(question.tags)}" if question.tags else ""
    lines = [f"#{question.number} {question.id} · {question.kind}{tags}", ""]
    lines += [textwrap.fill(part, 88) for part in question.prompt.strip().split("\n\n")]
    lines.append("")
    if question.is_code:
        left = len(question.hints) - hints_taken
        lines.append(f"start:  {quiz} start {question.id}")
        lines.append(f"check:  {quiz} check {question.id} {question.id}.py")
        if question.hints:
            lines.append(
                f"hint:   {quiz} hint {question.id}  ({left} of {len(question.hints)} left)"
            )
    else:
        lines.append("answer it in the app: run `quiz`, or practise it from Browse (b)")
    return "\n".join(lines) + "\n"


def starter_file(question: Question, quiz: str = "quiz") -> str:
    """The starter code under the prompt as a comment, as exercism's stub files carry theirs."""
    if not question.is_code:
        raise QuizError(f"'{question.id}' is a recall question: there is no code to start")
    prompt = textwrap.fill(" ".join(question.prompt.split()), 86)
    header = "\n".join(f"# {line}" for line in prompt.splitlines())
    check = f"# Check it with: {quiz} check {question.id} {question.id}.py"
    return f"# #{question.number} {question.id}\n{header}\n{check}\n\n{question.starter}"


def write_starter(
    question: Question, folder: Path, force: bool = False, quiz: str = "quiz"
) -> Path:
    """Write `<id>.py` into `folder`; an existing file is kept unless `force`."""
    text = starter_file(question, quiz)
    if not folder.is_dir():
        raise QuizError(f"{folder}: no such folder")
    path = folder / f"{question.id}.py"
    if path.exists() and not force:
        raise QuizError(f"{path}: already exists; pass --force to overwrite it")
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise QuizError(f"{path}: cannot write it ({exc.strerror})") from None
    return path


def next_hint(store: Store, bank: str, question: Question, today: date, at: datetime) -> str:
    """The next hint not yet given for `question`, remembered in the store (and counted in the
    day's attempt at it); the last repeats."""
    if not question.is_code:
        raise QuizError(f"'{question.id}' is a recall question: it has no hints")
    total = len(question.hints)
    if not total:
        raise QuizError(f"'{question.id}' has no hints")
    before = store.hints_taken(bank, question.id)
    taken = store.take_hint(bank, question.id, total)
    if taken > before:  # the last hint again is no further help
        store.record_attempt_hint(bank, question.id, today, at)
    last = " (the last one)" if taken == total else ""
    return f"hint {taken} of {total}{last} for {question.id}: {question.hints[taken - 1]}"


def answer_text(question: Question) -> str:
    """Our answer and its key points, as `quiz show --answer` prints them after the question."""
    lines = ["our answer:", ""]
    lines += [textwrap.indent(question.answer.strip(), "  "), "", "key points:"]
    lines += [f"  - {point}" for point in question.key_points]
    return "\n".join(lines) + "\n"


def record_check(
    store: Store, bank: str, question: Question, day: date, at: datetime, status: int, file: Path
) -> bool:
    """Count a `quiz check` run of `file` in the day's attempt at `question`, as the app counts
    its own: passed (0) or not yet (1); a check this machine could not make is no try."""
    if status not in (PASSED, NOT_YET):
        return False
    source = file.read_text(encoding="utf-8", errors="replace")
    Attempt(question, store, bank, lambda _at: day).count_run(status == PASSED, source, at)
    return True


def grade_question(
    session: StudySession, question: Question, key: str, at: datetime, explanation: str = ""
) -> str:
    """Grade `question` on the session's day as the app does, and say what it did.

    A question of today's queue is reviewed (or drilled); any other is practice, which leaves
    its schedule be. A code question's open attempt (`quiz check`'s runs, `quiz hint`'s hints)
    is logged with it, and the grade it suggests is shown beside the learner's own."""
    scheduler = session.scheduler
    rating = rating_for_key(scheduler, key)
    if rating is None:
        keys = ", ".join(sorted(r.key for r in scheduler.ratings))
        raise QuizError(f"{key!r} is not a grade under {scheduler.label}: give one of {keys}")
    store, bank, today = session.store, session.bank, session.today
    # The day's attempt as `quiz check` and `quiz hint` left it; nobody saw the question shown.
    attempt = Attempt.resume(question, store, bank.name, lambda _at: today, at, shown=False)
    attempt.explanation = explanation
    answer = attempt.answer(at)
    if session.take_up(question.id):
        review = session.grade(rating.value, answer, at, today)
    else:
        review = record_cram(store, bank, question, rating.value, answer, at, today, scheduler)
    said = [f"{question.id}: graded {rating.label}"]
    if review.kind == "cram":
        said.append("practice, not due today: its schedule is unchanged")
    elif review.kind == "drill" or rating.drill:
        said.append("asked again today" if rating.drill else "drill logged")
    else:
        said.append(f"back in {counted(review.state_after.interval, 'day')}")
    if question.is_code:
        tried = attempt.code_attempt()
        suggested = rating_for_quality(scheduler.ratings, suggest_code_grade(tried)).value
        said.append(f"the checks suggested {rating_of(scheduler, suggested).key} ({tried.summary})")
    return "; ".join(said)
