"""The review screen's blocking work: saving a grade, a practice or a draft, undoing, checking.

Each runs in a thread worker that never touches a widget and reports back by message; the
screen's handlers own every change of state.
"""

from __future__ import annotations

from datetime import datetime

from textual import work
from textual.message import Message

from quiz.bank import Question
from quiz.grader.verdict import Verdict
from quiz.session import Answer, record_cram
from quiz.store import Draft, Review
from quiz.tui.checker import CheckerFactory


class ReviewWork:
    """Mixed into ReviewScreen: the workers and the messages they post."""

    class Graded(Message):
        def __init__(self, review: Review):
            super().__init__()
            self.review = review

    class Undone(Message):
        def __init__(self, question: Question | None):
            super().__init__()
            self.question = question

    class Checked(Message):
        def __init__(self, verdict: Verdict, source: str):
            super().__init__()
            self.verdict = verdict
            self.source = source

    class WorkFailed(Message):
        def __init__(self, what: str, error: Exception):
            super().__init__()
            self.what = what
            self.reason = f"{type(error).__name__}: {error}"

    @work(thread=True, exclusive=True, group="checks")
    def check_code(self, checker: CheckerFactory, question_id: str, source: str) -> None:
        try:
            verdict = checker().check(question_id, source)
        except Exception as exc:
            self.post_message(self.WorkFailed("check", exc))
        else:
            self.post_message(self.Checked(verdict, source))

    @work(thread=True, exclusive=True, group="store")
    def record_grade(self, session, grade: int, answer: Answer, now: datetime, today) -> None:
        try:
            review = session.grade(grade, answer, now, today)
        except Exception as exc:
            self.post_message(self.WorkFailed("save the grade", exc))
        else:
            self.post_message(self.Graded(review))

    @work(thread=True, exclusive=True, group="store")
    def record_practice(
        self, session, question: Question, grade: int, answer: Answer, now: datetime, today
    ) -> None:
        """Log practice of `question` under the session's scheduler; its schedule stays."""
        store, bank, scheduler = session.store, session.bank, session.scheduler
        try:
            review = record_cram(store, bank, question, grade, answer, now, today, scheduler)
        except Exception as exc:
            self.post_message(self.WorkFailed("save the practice", exc))
        else:
            self.post_message(self.Graded(review))

    @work(thread=True, exclusive=True, group="store")
    def undo_last(self, session) -> None:
        try:
            question = session.undo()
        except Exception as exc:
            self.post_message(self.WorkFailed("undo", exc))
        else:
            self.post_message(self.Undone(question))

    @work(thread=True, group="drafts")
    def save_draft(self, store, bank: str, question_id: str, draft: Draft | None, at: str) -> None:
        try:
            store.save_draft(bank, question_id, draft, at)
        except Exception as exc:
            self.post_message(self.WorkFailed("save your draft", exc))
