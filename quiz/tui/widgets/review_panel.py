"""The review screen's side panel: our answer once revealed, the hints taken, the checks' verdicts.

It also keeps the record of a coding attempt that its suggested grade is worked out from.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from quiz.bank import Question
from quiz.code_attempt import CodeAttempt
from quiz.tui.widgets.reveal import RevealView
from quiz.tui.widgets.verdict import VerdictView


class ReviewPanel(VerticalScroll):
    """Shown beside (or under) the answer once there is something to show."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.runs: list[bool] = []
        """Whether each run of the checks passed; a run the checker itself broke is not one."""
        self.best_checks_passed = 0
        self.hints_used = 0

    def compose(self) -> ComposeResult:
        yield Vertical(id="reveal-box")
        yield Vertical(id="hints")
        yield Vertical(id="verdict-box")

    def clear(self) -> None:
        """Empty the panel and forget the attempt, for a new question."""
        self.runs, self.best_checks_passed, self.hints_used = [], 0, 0
        for box in ("#hints", "#verdict-box", "#reveal-box"):
            self.query_one(box).remove_children()

    def restore(self, question: Question, attempt: CodeAttempt) -> None:
        """Take up an attempt again where it was left: its runs, and the hints it had shown."""
        self.runs, self.best_checks_passed = list(attempt.runs), attempt.best_checks_passed
        for _ in range(attempt.hints_used):
            self.add_hint(question)

    def attempt(self, edited: bool) -> CodeAttempt:
        return CodeAttempt(
            runs=tuple(self.runs),
            best_checks_passed=self.best_checks_passed,
            hints_used=self.hints_used,
            edited=edited,
        )

    def show_reveal(self, reveal: RevealView) -> None:
        self.query_one("#reveal-box").mount(reveal)

    def add_hint(self, question: Question) -> None:
        """Show the question's next hint."""
        self.hints_used += 1
        hint = question.hints[self.hints_used - 1]
        label = f"Hint {self.hints_used} of {len(question.hints)}"
        self.query_one("#hints").mount(
            Static(Content.from_markup("[b $warning]$label:[/] $hint", label=label, hint=hint))
        )

    def show_running(self) -> None:
        self.query_one("#verdict-box").mount(
            Static(f"Running check {len(self.runs) + 1}…", classes="running")
        )

    def show_verdict(self, verdict: Any, source: str) -> None:
        """Count the run (unless the checker broke) and show its verdict in place of the last."""
        error = getattr(verdict, "error", None)
        if getattr(error, "kind", None) != "internal":  # the checker's fault is not a try
            self.runs.append(bool(verdict.passed))
        passed = sum(1 for check in (verdict.checks or []) if check.passed)
        self.best_checks_passed = max(self.best_checks_passed, passed)
        box = self.query_one("#verdict-box")
        box.remove_children()
        box.mount(VerdictView(verdict, source, max(1, len(self.runs))))
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
