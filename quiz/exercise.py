"""The exercise-tool way in: print a question, write its starter file, give its next hint.

Plain text for `quiz show`, `quiz start`, `quiz hint` and `quiz next`; the CLI only prints it.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from quiz.bank import Question
from quiz.errors import QuizError
from quiz.store import Store


def question_text(question: Question, hints_taken: int = 0) -> str:
    """A question as a terminal shows it: number, id and kind, the prompt, what to run next."""
    tags = f" · {', '.join(question.tags)}" if question.tags else ""
    lines = [f"#{question.number} {question.id} · {question.kind}{tags}", ""]
    lines += [textwrap.fill(part, 88) for part in question.prompt.strip().split("\n\n")]
    lines.append("")
    if question.is_code:
        left = len(question.hints) - hints_taken
        lines.append(f"start:  quiz start {question.id}")
        lines.append(f"check:  quiz check {question.id} {question.id}.py")
        if question.hints:
            lines.append(f"hint:   quiz hint {question.id}  ({left} of {len(question.hints)} left)")
    else:
        lines.append("answer it in the app: run `quiz`, or practise it from Browse (b)")
    return "\n".join(lines) + "\n"


def starter_file(question: Question) -> str:
    """The starter code under the prompt as a comment, as exercism's stub files carry theirs."""
    if not question.is_code:
        raise QuizError(f"'{question.id}' is a recall question: there is no code to start")
    prompt = textwrap.fill(" ".join(question.prompt.split()), 86)
    header = "\n".join(f"# {line}" for line in prompt.splitlines())
    check = f"# Check it with: quiz check {question.id} {question.id}.py"
    return f"# #{question.number} {question.id}\n{header}\n{check}\n\n{question.starter}"


def write_starter(question: Question, folder: Path, force: bool = False) -> Path:
    """Write `<id>.py` into `folder`; an existing file is kept unless `force`."""
    text = starter_file(question)
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


def next_hint(store: Store, bank: str, question: Question) -> str:
    """The next hint not yet given for `question`, remembered in the store; the last repeats."""
    if not question.is_code:
        raise QuizError(f"'{question.id}' is a recall question: it has no hints")
    total = len(question.hints)
    if not total:
        raise QuizError(f"'{question.id}' has no hints")
    taken = store.take_hint(bank, question.id, total)
    last = " (the last one)" if taken == total else ""
    return f"hint {taken} of {total}{last} for {question.id}: {question.hints[taken - 1]}"
