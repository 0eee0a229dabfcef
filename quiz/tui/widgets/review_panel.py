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
from quiz.grader.display import MISSING_DATA
from quiz.grader.verdict import Verdict
from quiz.store import OpenAttempt
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
        self.could_not_run = False

    def compose(self) -> ComposeResult:
        yield Vertical(id="reveal-box")
        yield Vertical(id="hints")
        yield Vertical(id="verdict-box")

    def clear(self) -> None:
        """Empty the panel and forget the attempt, for a new question."""
        self.runs, self.best_checks_passed, self.hints_used = [], 0, 0
        self.could_not_run = False
        for box in ("#hints", "#verdict-box", "#reveal-box"):
            self.query_one(box).remove_children()

    def restore(self, question: Question, attempt: OpenAttempt) -> None:
        """Take up an attempt again where it was left: its runs, the hints it had shown, and
        its last verdict (from the app) or the outcome of its last run (from `quiz check`)."""
        self.runs, self.best_checks_passed = list(attempt.runs), attempt.best_checks_passed
        for _ in range(min(attempt.hints, len(question.hints))):
            self.add_hint(question)
        if not attempt.runs:
            return
        box = self.query_one("#verdict-box")
        if attempt.verdict is not None:
            verdict = Verdict.from_dict(attempt.verdict)
            box.mount(VerdictView(verdict, attempt.source, len(self.runs)))
        else:
            passed = "passed" if attempt.runs[-1] else "did not pass"
            line = f"Run {len(self.runs)}, through quiz check: {passed}."
            box.mount(Static(line, classes="running"))

    def attempt(self, edited: bool) -> CodeAttempt:
        return CodeAttempt(
            runs=tuple(self.runs),
            best_checks_passed=self.best_checks_passed,
            hints_used=self.hints_used,
            edited=edited,
            could_not_run=self.could_not_run,
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

    def show_verdict(self, verdict: Any, source: str) -> bool:
        """Count the run (unless nobody's code ran) and show its verdict in place of the last;
        say whether it counted."""
        error = getattr(verdict, "error", None)
        message = getattr(error, "message", "") or ""
        # the checker's fault, or missing MNIST files, is not a try
        counted = getattr(error, "kind", None) != "internal" and MISSING_DATA not in message
        if counted:
            self.runs.append(bool(verdict.passed))
        else:
            self.could_not_run = True
        passed = sum(1 for check in (verdict.checks or []) if check.passed)
        self.best_checks_passed = max(self.best_checks_passed, passed)
        box = self.query_one("#verdict-box")
        box.remove_children()
        box.mount(VerdictView(verdict, source, max(1, len(self.runs))))
        if verdict.passed:
            box.mount(Static("Press ctrl+s to see our answer and grade.", classes="next"))
        return counted

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
