"""What the app asks of a code checker: the seam between the TUI and the grader.

`quiz.grader.Checker` is the real one; a test hands the app any object of this shape instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from quiz.grader.verdict import Verdict


class CodeChecker(Protocol):
    """Runs learner code against a question's checks, in a worker it starts and closes."""

    def start(self) -> None:
        """Begin warming up; return at once (the first check may still wait for it)."""

    def sandbox_notice(self) -> str | None:
        """A sentence to show once when checked code would run unconfined, else None."""

    def check(self, question_id: str, source: str) -> Verdict:
        """Run `source` as an answer to `question_id`; safe to call from a worker thread."""

    def close(self) -> None:
        """Stop the worker; a check in flight fails."""


CheckerFactory = Callable[[], CodeChecker]
"""Makes the checker, on first use: the real grader imports only when a code question needs it."""
