"""The review screen's side panel: our answer once revealed, the hints taken, the checks' verdicts.

It only shows: the attempt it shows is kept by the screen (`quiz.attempt.Attempt`).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from quiz.attempt import Attempt
from quiz.bank import Question
from quiz.grader.verdict import Verdict
from quiz.tui.widgets.reveal import RevealView
from quiz.tui.widgets.verdict import VerdictView


class ReviewPanel(VerticalScroll):
    """Shown beside (or under) the answer once there is something to show."""

    def compose(self) -> ComposeResult:
        yield Vertical(id="reveal-box")
        yield Vertical(id="hints")
        yield Vertical(id="verdict-box")

    def clear(self) -> None:
        """Empty the panel, for a new question."""
        for box in ("#hints", "#verdict-box", "#reveal-box"):
            self.query_one(box).remove_children()

    def restore(self, attempt: Attempt) -> None:
        """Show an attempt taken up again: the hints it had shown, and its last verdict (from
        the app) or the outcome of its last run (from `quiz check`)."""
        for number in range(1, attempt.hints_used + 1):
            self.show_hint(attempt.question, number)
        if not attempt.runs:
            return
        box = self.query_one("#verdict-box")
        if attempt.last_verdict is not None:
            verdict = Verdict.from_dict(attempt.last_verdict)
            box.mount(VerdictView(verdict, attempt.last_source, len(attempt.runs)))
        else:
            passed = "passed" if attempt.runs[-1] else "did not pass"
            line = f"Run {len(attempt.runs)}, through quiz check: {passed}."
            box.mount(Static(line, classes="running"))

    def show_reveal(self, reveal: RevealView) -> None:
        self.query_one("#reveal-box").mount(reveal)

    def show_hint(self, question: Question, number: int) -> None:
        """Show the question's hint `number` (from 1), under those before it."""
        label = f"Hint {number} of {len(question.hints)}"
        hint = question.hints[number - 1]
        self.query_one("#hints").mount(
            Static(Content.from_markup("[b $warning]$label:[/] $hint", label=label, hint=hint))
        )

    def show_running(self, run: int) -> None:
        self.query_one("#verdict-box").mount(Static(f"Running check {run}…", classes="running"))

    def show_verdict(self, verdict: Verdict, source: str, run: int) -> None:
        """Show run `run`'s verdict in place of the last."""
        box = self.query_one("#verdict-box")
        box.remove_children()
        box.mount(VerdictView(verdict, source, run))
        if verdict.passed:
            box.mount(Static("Press ctrl+s to see our answer and grade.", classes="next"))

    def show_check_failure(self, reason: str) -> None:
        box = self.query_one("#verdict-box")
        box.remove_children()
        box.mount(
            Static(
                Content.from_markup(
                    "[b $error]The checks could not run:[/] $reason\n"
                    "Press ctrl+s to compare with our answer and grade yourself.",
                    reason=reason,
                )
            )
        )
