"""One question's attempt, from the moment it is shown until it is graded.

The app's review screen keeps one for the question on show, and `quiz check` and `quiz grade`
take up the day's attempt through it, so a run or a hint counts the same wherever it happened.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from quiz.bank import Question
from quiz.code_attempt import CodeAttempt
from quiz.grader.display import CANNOT_CHECK, MISSING_DATA, exit_status
from quiz.grader.verdict import Verdict
from quiz.recall import Suggestion, suggest, suggest_for_code
from quiz.schedulers import Scheduler, rating_for_quality
from quiz.session import Answer
from quiz.store import Draft, Store

StudyDay = Callable[[datetime], date]
"""The study day a moment belongs to (`Settings.today`): a run is counted on the day it ran."""


class Attempt:
    """What the learner typed, each run of the checks, the hints taken and, once revealed, the
    suggested grade; runs and hints are recorded in the store as they happen."""

    def __init__(
        self,
        question: Question,
        store: Store,
        bank: str,
        study_day: StudyDay,
        shown_at: datetime | None = None,
    ) -> None:
        self.question = question
        self.store = store
        self.bank = bank
        self.study_day = study_day
        self.shown_at = shown_at
        """When the question came on screen; None where nobody saw it shown (the CLI)."""
        self.text = ""
        self.explanation = ""
        """The words a coding question's prompt asks for beside the code; empty elsewhere."""
        self.edited = False
        """Whether the text differs from what the question starts with (its starter code)."""
        self.runs: list[bool] = []
        """Whether each run of the checks passed; a run that could not judge the code is none."""
        self.best_checks_passed = 0
        self.hints_used = 0
        self.could_not_run = False
        """The checks were asked for but could not run here (the MNIST files missing, say)."""
        self.last_source = ""
        self.last_verdict: dict[str, Any] | None = None
        """The last run's verdict as the grader's `to_dict` gives it; None from `quiz check`."""
        self.suggestion: Suggestion | None = None
        self.suggested: int | None = None
        """The suggested grade on the scheduler's own scale, set once the answer is revealed."""
        self.why = ""
        """How the checks went, for the reveal to say beside the suggestion (", passed after…")."""

    @classmethod
    def resume(
        cls,
        question: Question,
        store: Store,
        bank: str,
        study_day: StudyDay,
        at: datetime,
        *,
        shown: bool = True,
    ) -> Attempt:
        """The attempt at `question` as of `at`: a code question takes up the day's open attempt
        (its runs, hints and last answer), so run numbers carry on after a relaunch or an undo.

        `shown` says the question came on screen at `at`, which times the answer."""
        attempt = cls(question, store, bank, study_day, at if shown else None)
        opened = store.open_attempt(bank, question.id, study_day(at)) if question.is_code else None
        if opened is not None:
            attempt.runs = list(opened.runs)
            attempt.best_checks_passed = opened.best_checks_passed
            attempt.hints_used = min(opened.hints, len(question.hints))
            attempt.text = attempt.last_source = opened.source
            attempt.last_verdict = opened.verdict
        return attempt

    # What is typed

    def typed(self, text: str, explanation: str = "") -> None:
        """Note the answer as it stands: code or words, and a coding prompt's explanation."""
        self.text, self.explanation = text, explanation
        untouched = self.question.starter if self.question.is_code else ""
        self.edited = text.strip() != untouched.strip()

    def draft(self) -> Draft | None:
        """What is typed, to keep until it is graded; None when nothing is."""
        if not self.edited and not self.explanation.strip():
            return None
        return Draft(self.text, self.explanation)

    @property
    def started(self) -> bool:
        """Whether leaving now would leave something behind: typing, runs or hints."""
        return bool(self.draft() or self.runs or self.hints_used)

    # Hints and runs of the checks

    @property
    def hints_left(self) -> bool:
        return self.hints_used < len(self.question.hints)

    def take_hint(self, at: datetime) -> str:
        """The question's next hint, counted in the day's attempt."""
        if not self.hints_left:
            raise LookupError(f"{self.question.id} has no hint left")
        self.hints_used += 1
        self.store.record_attempt_hint(self.bank, self.question.id, self.study_day(at), at)
        return self.question.hints[self.hints_used - 1]

    def take_verdict(self, verdict: Verdict, source: str, at: datetime) -> bool:
        """Count a run of the checks on `source` and record it; say whether it counted.

        A run the checker itself broke, or that stopped for missing MNIST files, is no try;
        missing files also leave the question out of the queue until they are there."""
        message = verdict.error.message if verdict.error is not None else ""
        if MISSING_DATA in (message or ""):
            self.store.wait_for_data(self.bank, self.question.id, at)
        passed = sum(1 for check in verdict.checks or [] if check.passed)
        self.best_checks_passed = max(self.best_checks_passed, passed)
        if exit_status(verdict) == CANNOT_CHECK:
            self.could_not_run = True
            return False
        # A stand-in checker's verdict may not turn into a dict; the run counts all the same.
        logged = verdict.to_dict() if hasattr(verdict, "to_dict") else None
        self.count_run(bool(verdict.passed), source, at, passed, logged)
        return True

    def count_run(
        self,
        passed: bool,
        source: str,
        at: datetime,
        checks_passed: int = 0,
        verdict: dict[str, Any] | None = None,
    ) -> None:
        """Add one run of the checks, passed or not, to the attempt and to the store."""
        self.runs.append(passed)
        self.last_source, self.last_verdict = source, verdict
        day = self.study_day(at)
        self.store.record_run(
            self.bank, self.question.id, day, at, passed, source, checks_passed, verdict
        )

    def code_attempt(self) -> CodeAttempt:
        """How the checks went, as the grade suggestion weighs it."""
        return CodeAttempt(
            runs=tuple(self.runs),
            best_checks_passed=self.best_checks_passed,
            hints_used=self.hints_used,
            edited=self.edited,
            could_not_run=self.could_not_run,
        )

    # Revealing and grading

    @property
    def revealed(self) -> bool:
        return self.suggestion is not None

    @property
    def sure(self) -> bool:
        """Whether the suggestion is sure enough to record as it is; unsure, a person decides."""
        return self.suggestion is not None and self.suggestion.sure

    def reveal(
        self, scheduler: Scheduler[Any], words: Mapping[str, Sequence[str]] | None = None
    ) -> Suggestion:
        """Suggest a grade for the answer as typed: from its key points, or for code from the
        checks (and the explanation, where asked); `suggested` is on `scheduler`'s scale."""
        if self.question.is_code:
            tried = self.code_attempt()
            suggestion = suggest_for_code(self.question, tried, self.explanation, words)
            self.why = f", {tried.summary}"
        else:
            suggestion = suggest(self.question, self.text, words)
            self.why = ""
        self.suggestion = suggestion
        self.suggested = rating_for_quality(scheduler.ratings, suggestion.grade).value
        return suggestion

    def answer(self, at: datetime) -> Answer:
        """The answer as the review log keeps it, graded at `at`."""
        code = self.question.is_code
        spent = None if self.shown_at is None else (at - self.shown_at).total_seconds()
        return Answer(
            text=self.text,
            explanation=self.explanation,
            duration_s=None if spent is None else round(spent, 1),
            check_runs=len(self.runs) if code else None,
            first_run_passed=self.runs[0] if code and self.runs else None,
        )
