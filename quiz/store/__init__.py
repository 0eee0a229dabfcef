"""The review database: card schedules and a log of every answer, in SQLite.

The store takes a sqlite-utils `Database` and migrates it on construction.
Migrations are append-only; a database written by a newer quiz is refused
and left untouched. Every query lives in this package: callers ask the store by name.

Each part of `Store` is a class of its own, in a file named for the tables it keeps;
they share one `Connection` (its lock, transactions and error policy).
"""

from __future__ import annotations

from pathlib import Path

from quiz.store.bank_settings import BankSettings
from quiz.store.database import Database
from quiz.store.extras import CardFlags, QuestionExtras, StudyExtras
from quiz.store.in_progress import Draft, InProgress, OpenAttempt
from quiz.store.log_figures import LogFigures
from quiz.store.log_import import LogImport
from quiz.store.migrations import (
    NeedsUpgrade,
    m001_cards_and_reviews,
    m002_question_and_day_totals,
    m003_drafts_flags_notes_and_extra_study,
    m004_scheduler_states,
    m005_scheduled_review_indexes,
    m006_code_attempts,
    m007_review_explanation,
    m008_waiting_for_data,
    migrations,
)
from quiz.store.reviews import ReviewLog
from quiz.store.rows import (
    REVIEW_FIELDS,
    REVIEW_KINDS,
    Review,
    instant_text,
    state_text,
    utc_instant,
)


class Store(ReviewLog, LogFigures, LogImport, BankSettings, InProgress, QuestionExtras):
    """Card states and the review log of one SQLite database, and all kept beside them.

    Each base keeps its own tables; all share one `Connection`, so every method holds the
    store's lock and every SQLite fault leaves as one `QuizError`.
    """


def open_store(path: Path | str, *, read_only: bool = False) -> Store:
    """Open the database at `path` in WAL mode, creating it if it is missing (`Store.open`)."""
    return Store.open(path, read_only=read_only)


__all__ = [
    "REVIEW_FIELDS",
    "REVIEW_KINDS",
    "CardFlags",
    "Database",
    "Draft",
    "NeedsUpgrade",
    "OpenAttempt",
    "Review",
    "Store",
    "StudyExtras",
    "instant_text",
    "m001_cards_and_reviews",
    "m002_question_and_day_totals",
    "m003_drafts_flags_notes_and_extra_study",
    "m004_scheduler_states",
    "m005_scheduled_review_indexes",
    "m006_code_attempts",
    "m007_review_explanation",
    "m008_waiting_for_data",
    "migrations",
    "open_store",
    "state_text",
    "utc_instant",
]
