"""The review screen's top line: where the learner is in today's queue, and what is on show."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label

from quiz.bank import Question
from quiz.session import StudySession
from quiz.tui.widgets.progress_line import ProgressLine


class ReviewStatus(Horizontal):
    """ "3 of 12", a bar of the day's progress, then the question's kind and id."""

    def compose(self) -> ComposeResult:
        yield Label(id="position")
        yield ProgressLine(id="progress")
        yield Label(id="tag")

    def show(self, question: Question, session: StudySession, cram: bool) -> None:
        progress = self.query_one(ProgressLine)
        if cram:
            position, tag = f"Practice #{question.number}", "schedule unchanged"
            progress.done, progress.total = 0, 1
        else:
            done, total = session.progress()
            position = f"{done + 1} of {total}"
            progress.done, progress.total = done, total
            if session.is_drill(question):
                tag = "drill"
            else:
                tag = "new" if session.state_of(question.id).is_new else "review"
        self.query_one("#position", Label).update(position)
        kind = "code" if question.is_code else "recall"
        self.query_one("#tag", Label).update(f"{tag} · {kind} · {question.id}")
