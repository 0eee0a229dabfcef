"""The review log's records, shared by the store that keeps them and the figures made of them.

Plain types only: the store fills them from SQLite, `quiz.stats` reduces them to figures,
and neither needs the other to name them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple


class LogEntry(NamedTuple):
    """One answer of any kind, reduced to what the figures need."""

    question_id: str
    day: str
    kind: str
    grade: int
    duration_s: float | None
    first_run_passed: bool | None
    repetitions_before: int
    interval_before: int
    scheduler: str = "sm2"
    """The scheduler whose scale `grade` is on."""


class KindActivity(NamedTuple):
    """The answers of one kind on one study day."""

    kind: str
    answers: int
    below_passing: int
    seconds: float


class ScheduledAnswer(NamedTuple):
    """One scheduled review; SQLite hands `first_run_passed` over as 0/1."""

    question_id: str
    day: str
    grade: int
    duration_s: float | None
    first_run_passed: bool | int | None
    repetitions_before: int
    interval_before: int
    scheduler: str = "sm2"


class QuestionRecord(NamedTuple):
    """One question's scheduled reviews, totalled: all its row of figures needs from the log."""

    reviews: int
    lapses: int
    last_grade: int | None
    seconds: float
    timed: int
    runs: int
    first_passes: int


class DayRetention(NamedTuple):
    """One study day's true-retention counts, split young and mature."""

    young_passed: int
    young_total: int
    mature_passed: int
    mature_total: int


@dataclass
class LogSummary:
    """The log from `since` on: answers and retention per study day, today's answers by
    kind, and each question's scheduled reviews totalled."""

    answers_per_day: Iterable[tuple[str, int]]
    today_by_kind: Iterable[KindActivity]
    records: Mapping[str, QuestionRecord]
    retained: Mapping[str, DayRetention]
    since: date | None = None
