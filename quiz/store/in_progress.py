"""Work not yet graded, one row per question: a typed answer's draft, and a code question's
open attempt (its check runs, hints and last verdict)."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from quiz.store.connection import Connection
from quiz.store.rows import instant_text, utc_instant


@dataclass(frozen=True)
class Draft:
    """An answer typed but not yet graded: the code or words, and a coding prompt's explanation."""

    answer: str
    explanation: str = ""


@dataclass(frozen=True)
class OpenAttempt:
    """A code question's attempt not yet graded: each run's outcome ("1" passed, "0" not),
    the most checks one run passed, hints taken, and the last run's answer and verdict."""

    runs: tuple[bool, ...] = ()
    best_checks_passed: int = 0
    hints: int = 0
    source: str = ""
    verdict: dict[str, Any] | None = None
    """The last run's verdict as the grader's `to_dict` gives it; None from `quiz check`."""


class InProgress(Connection):
    """The `drafts` and `code_attempts` tables."""

    def save_draft(self, bank: str, question_id: str, draft: Draft | None, saved_at: str) -> None:
        """Keep what was typed for `question_id`; None (nothing typed) forgets it."""
        with self._writing():
            if draft is None:
                self.db.execute(
                    "DELETE FROM drafts WHERE bank = ? AND question_id = ? AND saved_at <= ?",
                    [bank, question_id, utc_instant(saved_at)],
                )
                return
            # Saves may finish out of order (one thread each): an older one never wins.
            self.db.execute(
                "INSERT INTO drafts (bank, question_id, answer, explanation, saved_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (bank, question_id) DO UPDATE SET"
                " answer = excluded.answer, explanation = excluded.explanation,"
                " saved_at = excluded.saved_at WHERE excluded.saved_at >= drafts.saved_at",
                [bank, question_id, draft.answer, draft.explanation, utc_instant(saved_at)],
            )

    def draft(self, bank: str, question_id: str) -> Draft | None:
        with self._guard():
            row = self.db.execute(
                "SELECT answer, explanation FROM drafts WHERE bank = ? AND question_id = ?",
                [bank, question_id],
            ).fetchone()
        return None if row is None else Draft(*row)

    # A code question's attempt: open from its first run or hint until a review of the
    # question is logged after its last one; an undo deletes that review, which opens it again.

    def open_attempt(self, bank: str, question_id: str, day: date) -> OpenAttempt | None:
        """The attempt at `question_id` on study day `day` not yet graded, if any."""
        with self._guard():
            row = self.db.execute(
                "SELECT runs, best_checks_passed, hints, source, verdict FROM code_attempts a"
                " WHERE bank = ? AND question_id = ? AND day = ? AND NOT EXISTS (SELECT 1"
                " FROM reviews r WHERE r.bank = a.bank AND r.question_id = a.question_id"
                " AND r.reviewed_at >= a.last_at)",
                [bank, question_id, day.isoformat()],
            ).fetchone()
        if row is None:
            return None
        runs, best, hints, source, verdict = row
        return OpenAttempt(
            tuple(c == "1" for c in runs), best, hints, source, verdict and json.loads(verdict)
        )

    def record_run(
        self,
        bank: str,
        question_id: str,
        day: date,
        at: datetime,
        passed: bool,
        source: str,
        checks_passed: int = 0,
        verdict: dict[str, Any] | None = None,
    ) -> OpenAttempt:
        """Add one run of the checks to the day's open attempt (or begin one); return it."""
        with self._writing():
            now = self.open_attempt(bank, question_id, day) or OpenAttempt()
            attempt = replace(
                now,
                runs=(*now.runs, passed),
                best_checks_passed=max(now.best_checks_passed, checks_passed),
                source=source,
                verdict=verdict,
            )
            self._put_attempt(bank, question_id, day, at, attempt)
        return attempt

    def record_attempt_hint(self, bank: str, question_id: str, day: date, at: datetime) -> None:
        """Count one more hint in the day's open attempt (or begin one with it)."""
        with self._writing():
            now = self.open_attempt(bank, question_id, day) or OpenAttempt()
            self._put_attempt(bank, question_id, day, at, replace(now, hints=now.hints + 1))

    def _put_attempt(
        self, bank: str, question_id: str, day: date, at: datetime, attempt: OpenAttempt
    ) -> None:
        row = {
            "bank": bank,
            "question_id": question_id,
            "day": day.isoformat(),
            "runs": "".join("1" if run else "0" for run in attempt.runs),
            "best_checks_passed": attempt.best_checks_passed,
            "hints": attempt.hints,
            "source": attempt.source,
            "verdict": None if attempt.verdict is None else json.dumps(attempt.verdict),
            "last_at": instant_text(at),
        }
        self.db.table("code_attempts").upsert(row, pk=("bank", "question_id"))
