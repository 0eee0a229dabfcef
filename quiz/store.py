"""The review database: card schedules and a log of every answer, in SQLite.

The store takes a sqlite-utils `Database` and migrates it on construction.
Migrations are append-only; a database written by a newer quiz is refused
and left untouched. Every query lives here: callers ask the store by name.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import threading
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime
from functools import lru_cache
from itertools import starmap
from operator import itemgetter
from pathlib import Path
from typing import Any

from quiz.errors import QuizError
from quiz.paths import data_dir
from quiz.schedulers import (
    DEFAULT_SCHEDULER,
    ScheduleState,
    make_scheduler,
    passing_from,
    scheduler_names,
    state_from_dict,
    state_to_dict,
)
from quiz.stats import (
    MATURE_INTERVAL,
    DayRetention,
    KindActivity,
    LogSummary,
    QuestionRecord,
    ScheduledAnswer,
    reduce_scheduled,
)


def _import_sqlite_utils():
    """sqlite-utils imports numpy and pandas whenever they are installed, about a tenth of a
    second of every start-up; quiz stores neither, so they are hidden while it loads."""
    hidden = [name for name in ("numpy", "pandas") if name not in sys.modules]
    sys.modules.update(dict.fromkeys(hidden))
    try:
        import sqlite_utils
    finally:
        for name in hidden:
            if sys.modules.get(name, ...) is None:
                del sys.modules[name]
    return sqlite_utils.Database, sqlite_utils.Migrations


Database, Migrations = _import_sqlite_utils()

REVIEW_KINDS = ("review", "drill", "cram")
TITLE_KEY = "bank.title"  # a setting kept per bank: the title studied under its name
BUSY_TIMEOUT_S = 30
"""How long a writer waits for another process's write to finish before giving up."""
SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY, SQLITE_CORRUPT = 5, 6, 8, 11
SQLITE_CANTOPEN, SQLITE_NOTADB = 14, 26
IMPORT_CACHE_KIB = 32 * 1024
"""The page cache an import may use, so the log's indexes stay in memory as they grow."""
IMPORT_TOUCHED_KEPT = 100_000
"""How many cards and days an import notes as it goes before it reads them back instead."""
IMPORT_ORDER_WINDOW = 10_000
"""How far out of place an answer may arrive for an import to put it in order as it goes."""

migrations = Migrations("quiz")


@migrations()
def m001_cards_and_reviews(db: Database) -> None:
    db["cards"].create(
        {
            "bank": str,
            "question_id": str,
            "repetitions": int,
            "easiness": str,
            "interval": int,
            "due": str,
        },
        pk=("bank", "question_id"),
        not_null={"repetitions", "easiness", "interval"},
    )
    db["cards"].create_index(["bank", "due"])
    db["reviews"].create(
        {
            "id": int,
            "bank": str,
            "question_id": str,
            "reviewed_at": str,
            "day": str,
            "grade": int,
            "kind": str,
            "answer": str,
            "duration_s": float,
            "check_runs": int,
            "first_run_passed": int,
            "state_before": str,
            "state_after": str,
        },
        pk="id",
        not_null={"bank", "question_id", "reviewed_at", "day", "grade", "kind"},
    )
    db["reviews"].create_index(["bank", "day"])
    db["reviews"].create_index(["bank", "question_id", "reviewed_at"])


@migrations()
def m002_question_and_day_totals(db: Database) -> None:
    """Totals kept beside the log, so no screen or command reads the whole log.

    `question_totals` holds each card's scheduled reviews totalled (count, lapses, last
    grade, time, first runs); `day_totals` each study day's answers and true-retention
    counts. Both are written in the same transaction as every answer, undo and import,
    and back-filled here from the log as it stands.
    """
    db.execute(
        "CREATE TABLE question_totals (bank TEXT NOT NULL, question_id TEXT NOT NULL,"
        " reviews INTEGER NOT NULL, lapses INTEGER NOT NULL, last_grade INTEGER NOT NULL,"
        " seconds REAL NOT NULL, timed INTEGER NOT NULL, runs INTEGER NOT NULL,"
        " first_passes INTEGER NOT NULL, PRIMARY KEY (bank, question_id))"
    )
    db.execute(
        "CREATE TABLE day_totals (bank TEXT NOT NULL, day TEXT NOT NULL,"
        " answers INTEGER NOT NULL, young_passed INTEGER NOT NULL,"
        " young_total INTEGER NOT NULL, mature_passed INTEGER NOT NULL,"
        " mature_total INTEGER NOT NULL, PRIMARY KEY (bank, day))"
    )
    # A database that took m004 first already names each review's scheduler.
    sm2_only = "scheduler" not in db["reviews"].columns_dict
    _total_everything(db, _SM2_PASSES if sm2_only else _passes())


def _total_everything(db: Database, passes: str) -> None:
    for table, query in (("question_totals", _QUESTION_TOTALS), ("day_totals", _DAY_TOTALS)):
        db.execute(f"DELETE FROM {table}")
        db.execute(query.format(where="1", passes=passes))


_SM2_PASSES = f"grade >= {passing_from('sm2')}"
"""Whether a review passed, while every review was SM-2's (before m004 named them)."""


def _passes() -> str:
    """Whether a review passed, in SQL: its grade reaches its own scheduler's lowest passing
    rating (`quiz.schedulers.passing_from`). Built on first use, so FSRS loads only then."""
    return _passes_among(scheduler_names())


@lru_cache(maxsize=4)
def _passes_among(names: tuple[str, ...]) -> str:
    floors = " ".join(f"WHEN '{name}' THEN {passing_from(name)}" for name in names)
    return f"grade >= CASE scheduler {floors} END"


# Both statements total the log's rows matching `where`, with `passes` deciding a pass,
# and replace the totals they cover. They are the one definition, in SQL, of what
# `quiz.stats.reduce_scheduled` does.
_QUESTION_TOTALS = (
    "INSERT OR REPLACE INTO question_totals SELECT bank, question_id, COUNT(*),"
    " TOTAL(NOT ({passes}) AND json_extract(state_before, '$.repetitions') > 0),"
    " (SELECT l.grade FROM reviews l WHERE l.bank = r.bank AND l.question_id = r.question_id"
    "  AND l.kind = 'review' ORDER BY l.reviewed_at DESC, l.id DESC LIMIT 1),"
    " TOTAL(duration_s), COUNT(duration_s), COUNT(first_run_passed), TOTAL(first_run_passed)"
    " FROM reviews r WHERE kind = 'review' AND {where} GROUP BY bank, question_id"
)
_DAY_TOTALS = (
    "INSERT OR REPLACE INTO day_totals SELECT bank, day, answers,"
    " COALESCE(young_passed, 0), COALESCE(young_total, 0),"
    " COALESCE(mature_passed, 0), COALESCE(mature_total, 0)"
    " FROM (SELECT bank, day, COUNT(*) AS answers FROM reviews INDEXED BY idx_reviews_bank_day"
    " WHERE {where} GROUP BY bank, day)"
    " LEFT JOIN (SELECT bank, day,"
    f" TOTAL(counted AND interval < {MATURE_INTERVAL} AND passed) AS young_passed,"
    f" TOTAL(counted AND interval < {MATURE_INTERVAL}) AS young_total,"
    f" TOTAL(counted AND interval >= {MATURE_INTERVAL} AND passed) AS mature_passed,"
    f" TOTAL(counted AND interval >= {MATURE_INTERVAL}) AS mature_total"
    " FROM (SELECT bank, day, {passes} AS passed, ROW_NUMBER() OVER"
    "  (PARTITION BY bank, question_id, day ORDER BY reviewed_at, id) = 1"
    "  AND json_extract(state_before, '$.repetitions') > 0 AS counted,"
    "  json_extract(state_before, '$.interval') AS interval"
    "  FROM reviews WHERE kind = 'review' AND {where})"
    " GROUP BY bank, day) USING (bank, day)"
)
"""Only scheduled reviews count toward retention, so only they are ranked and decoded."""


@migrations()
def m003_drafts_flags_notes_and_extra_study(db: Database) -> None:
    """Per question: a draft answer, suspend and bury, a note, hints taken; per day: extras."""
    db["drafts"].create(
        {"bank": str, "question_id": str, "answer": str, "explanation": str, "saved_at": str},
        pk=("bank", "question_id"),
        not_null={"answer", "explanation", "saved_at"},
    )
    db["card_flags"].create(
        {"bank": str, "question_id": str, "suspended": int, "buried_on": str},
        pk=("bank", "question_id"),
        not_null={"suspended"},
        defaults={"suspended": 0},
    )
    db["notes"].create(
        {"bank": str, "question_id": str, "note": str},
        pk=("bank", "question_id"),
        not_null={"note"},
    )
    db["hints_taken"].create(
        {"bank": str, "question_id": str, "taken": int},
        pk=("bank", "question_id"),
        not_null={"taken"},
    )
    db["study_extras"].create(
        {"bank": str, "day": str, "more_new": int, "ahead_days": int},
        pk=("bank", "day"),
        not_null={"more_new", "ahead_days"},
        defaults={"more_new": 0, "ahead_days": 0},
    )


@migrations()
def m004_scheduler_states(db: Database) -> None:
    """Each card's schedule becomes one versioned JSON state naming its scheduler; each
    review names the scheduler whose scale its grade is on; settings are kept per bank."""
    db["cards"].add_column("state", str)
    rows = db.execute("SELECT rowid, repetitions, easiness, interval, due FROM cards").fetchall()
    for rowid, repetitions, easiness, interval, due in rows:
        state = {
            "scheduler": "sm2",
            "version": 1,
            "repetitions": repetitions,
            "easiness": easiness,
            "interval": interval,
            "due": due,
        }
        db.execute("UPDATE cards SET state = ? WHERE rowid = ?", [json.dumps(state), rowid])
    db["cards"].transform(drop={"repetitions", "easiness", "interval"}, not_null={"state"})
    db["reviews"].add_column("scheduler", str, not_null_default="sm2")
    db["settings"].create({"bank": str, "key": str, "value": str}, pk=("bank", "key"))


@migrations()
def m005_scheduled_review_indexes(db: Database) -> None:
    """The scheduled reviews indexed on their own, by card and by day: a long log is mostly
    drills and cram, and each card's schedule and totals, and each day's retention, read
    only the scheduled reviews."""
    db.execute(
        "CREATE INDEX idx_reviews_scheduled_by_card ON reviews (bank, question_id, reviewed_at)"
        " WHERE kind = 'review'"
    )
    db.execute(
        "CREATE INDEX idx_reviews_scheduled_by_day ON reviews (bank, day) WHERE kind = 'review'"
    )


@migrations()
def m006_code_attempts(db: Database) -> None:
    """Each code question's attempt of the study day, until it is graded: the check runs
    (`quiz check`'s or the app's), the best count of checks passed, hints taken, and the last
    run's answer and verdict. Kept so a relaunch, an undo or `quiz grade` takes it up again."""
    db["code_attempts"].create(
        {
            "bank": str,
            "question_id": str,
            "day": str,
            "runs": str,
            "best_checks_passed": int,
            "hints": int,
            "source": str,
            "verdict": str,
            "last_at": str,
        },
        pk=("bank", "question_id"),
        not_null={"day", "runs", "best_checks_passed", "hints", "source", "last_at"},
    )


@migrations()
def m007_review_explanation(db: Database) -> None:
    """A code question's written explanation, kept with the review it was graded in."""
    db["reviews"].add_column("explanation", str, not_null_default="")


@migrations()
def m008_waiting_for_data(db: Database) -> None:
    """Code questions whose checks found the MNIST files missing: left out of the queue
    until the files are there."""
    db["waiting_for_data"].create(
        {"bank": str, "question_id": str, "since": str},
        pk=("bank", "question_id"),
        not_null={"since"},
    )


KNOWN_MIGRATIONS = frozenset(
    m.name for m in migrations.pending(Database(memory=True, execute_plugins=False))
)


@dataclass(frozen=True)
class Review:
    """One answer in the log. `day` is the study day, which rolls over at a set hour."""

    bank: str
    question_id: str
    reviewed_at: str
    day: str
    grade: int
    kind: str
    state_before: Any
    state_after: Any
    answer: str = ""
    duration_s: float | None = None
    check_runs: int | None = None
    first_run_passed: bool | None = None
    id: int | None = None
    scheduler: str = DEFAULT_SCHEDULER
    """The scheduler whose scale `grade` is on."""
    explanation: str = ""
    """The words a code question asks for beside its code, as they were graded."""

    def to_row(self) -> dict:
        row = dict(zip(_REVIEW_COLUMNS[1:], self.to_values(), strict=True))
        if self.id is not None:
            row["id"] = self.id
        return row

    def to_values(self) -> tuple:
        """The stored columns after `id`, in `_REVIEW_COLUMNS` order."""
        return (
            self.bank,
            self.question_id,
            self.reviewed_at,
            self.day,
            self.grade,
            self.kind,
            self.answer,
            self.duration_s,
            self.check_runs,
            None if self.first_run_passed is None else int(self.first_run_passed),
            _state_json(self.state_before),
            _state_json(self.state_after),
            self.scheduler,
            self.explanation,
        )

    @classmethod
    def from_values(cls, values: tuple) -> Review:
        """The inverse of `to_values`."""
        *head, passed, before, after, scheduler, explanation = values
        return cls(
            *head[:6],
            state_before=_decoded_state(before),
            state_after=_decoded_state(after),
            answer=head[6],
            duration_s=head[7],
            check_runs=head[8],
            first_run_passed=None if passed is None else bool(passed),
            scheduler=scheduler,
            explanation=explanation,
        )

    @classmethod
    def from_row(cls, row: dict) -> Review:
        data = dict(row)
        data["state_before"] = state_from_dict(json.loads(data["state_before"]))
        data["state_after"] = state_from_dict(json.loads(data["state_after"]))
        if data.get("first_run_passed") is not None:
            data["first_run_passed"] = bool(data["first_run_passed"])
        return cls(**data)


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
    verdict: dict | None = None
    """The last run's verdict as the grader's `to_dict` gives it; None from `quiz check`."""


@dataclass(frozen=True)
class CardFlags:
    """A card set aside: suspended until the learner takes it back, or buried for one day."""

    suspended: bool = False
    buried_on: date | None = None

    def buried(self, today: date) -> bool:
        return self.buried_on == today


@dataclass(frozen=True)
class StudyExtras:
    """What a learner asked of one study day beyond the usual: more new cards, reviews ahead."""

    more_new: int = 0
    ahead_days: int = 0


class NeedsUpgrade(QuizError):
    """A database opened read-only that lacks this quiz's migrations."""


class Store:
    """Card states and the review log of one SQLite database.

    The store owns one connection, shared by the threads of the app: every method holds
    the store's lock, so one thread's transaction never takes in another thread's
    statements. Writes take `BEGIN IMMEDIATE`, so a second process waits its turn (up to
    `BUSY_TIMEOUT_S`) instead of failing. Every SQLite fault leaves as one `QuizError`.
    """

    def __init__(self, db: Database, *, read_only: bool = False):
        self.db = db
        self.read_only = read_only
        self._lock = threading.RLock()
        self.filename = _main_file(db)
        with self._guard():
            applied = {m.name for m in migrations.applied(db)}
            unknown = applied - KNOWN_MIGRATIONS
            if unknown:
                raise QuizError(
                    f"{self._where()}: database was written by a newer version of quiz "
                    f"(migration {sorted(unknown)[0]}); upgrade quiz to open it"
                )
            if set(db.table_names()) - {"_sqlite_migrations"} and not applied:
                raise QuizError(f"{self._where()}: not a quiz database (it holds other tables)")
            if applied >= KNOWN_MIGRATIONS:
                return
            if read_only:
                raise NeedsUpgrade(
                    f"{self._where()}: database needs upgrading, which needs write access"
                )
            with self._writing():
                migrations.apply(db)

    def _where(self) -> str:
        return str(self.filename) if self.filename else ":memory:"

    # Transactions and faults

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """Hold the lock; turn any SQLite fault into one QuizError naming the file."""
        with self._lock:
            try:
                yield
            except sqlite3.DatabaseError as exc:
                raise self._fault(exc) from None

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """One write transaction that takes the write lock first, waiting for other writers."""
        with self._guard():
            conn = self.db.conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    def reading(self):
        """Hold the store while a caller consumes a stream it handed out (`log_summary`)."""
        return self._guard()

    def _fault(self, exc: sqlite3.DatabaseError) -> QuizError:
        code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
        where = self._where()
        if code == SQLITE_NOTADB:
            return QuizError(f"{where}: not a usable SQLite database ({exc})")
        if code == SQLITE_CORRUPT:
            return self._damaged()
        if code in (SQLITE_BUSY, SQLITE_LOCKED):
            return QuizError(
                f"{where}: another quiz kept the database busy for {BUSY_TIMEOUT_S} s; "
                "try again when it has finished"
            )
        if code == SQLITE_READONLY:
            return QuizError(f"{where}: cannot write the database ({exc})")
        if code == SQLITE_CANTOPEN:
            return QuizError(
                f"{where}: cannot open the database ({exc}); "
                "check that you may write to it and to its folder"
            )
        return QuizError(f"{where}: cannot use the database ({exc})")

    def _damaged(self, detail: str | None = None) -> QuizError:
        """The one line for a damaged file: what SQLite's integrity check says, and the way out."""
        if detail is None:
            try:
                detail = self.db.execute("PRAGMA integrity_check").fetchone()[0]
            except sqlite3.DatabaseError as exc:
                detail = str(exc)
            detail = f"integrity check: {str(detail).splitlines()[0]}"
        return QuizError(
            f"{self._where()}: the database is damaged ({detail}); restore it from a "
            "`quiz export` file: move this file aside, then `quiz import` the export"
        )

    def check_writable(self) -> None:
        """Fail now, not at the first grade, when the database cannot be written."""
        if self.read_only:
            raise QuizError(f"{self._where()}: cannot write the database (opened read-only)")
        with self._writing():
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            self.db.execute(f"PRAGMA user_version = {int(version)}")  # a write that changes nothing

    # Card schedules

    def card_states(self, bank: str, question_id: str | None = None) -> dict[str, ScheduleState]:
        """Every scheduled card of `bank` (or just `question_id`); a question missing is new."""
        sql = "SELECT question_id, state FROM cards WHERE bank = ?"
        params = [bank]
        if question_id is not None:
            sql += " AND question_id = ?"
            params.append(question_id)
        with self._guard():
            rows = self.db.execute(sql, params).fetchall()
            try:
                return {qid: state_from_dict(json.loads(state)) for qid, state in rows}
            except (ValueError, TypeError, KeyError, ArithmeticError) as exc:
                raise self._damaged(f"a card's schedule cannot be read: {exc}") from None

    def card_state(
        self, bank: str, question_id: str, new: ScheduleState | None = None
    ) -> ScheduleState:
        """The schedule of one card: `new` (the default scheduler's new state unless given)
        while it is new."""
        state = self.card_states(bank, question_id).get(question_id)
        if state is not None:
            return state
        return make_scheduler(DEFAULT_SCHEDULER).new_state() if new is None else new

    def _put_card(self, bank: str, question_id: str, state: ScheduleState) -> None:
        if state.is_new:
            self.db.execute(
                "DELETE FROM cards WHERE bank = ? AND question_id = ?", [bank, question_id]
            )
            return
        row = {
            "bank": bank,
            "question_id": question_id,
            "due": state.due.isoformat(),
            "state": json.dumps(state_to_dict(state)),
        }
        self.db["cards"].upsert(row, pk=("bank", "question_id"))

    def replace_cards(
        self, bank: str, states: dict[str, ScheduleState], settings: dict[str, str]
    ) -> None:
        """Every card of `bank` takes the state given (or becomes new), with the settings
        that produced them, in one commit: how a change of scheduler lands."""
        with self._writing():
            self.db.execute("DELETE FROM cards WHERE bank = ?", [bank])
            for question_id, state in states.items():
                self._put_card(bank, question_id, state)
            for key, value in settings.items():
                self.db["settings"].upsert(
                    {"bank": bank, "key": key, "value": value}, pk=("bank", "key")
                )

    # Settings kept per bank

    def bank_title(self, bank: str) -> str | None:
        """The title last studied under the bank name `bank`, if any."""
        return self.settings(bank).get(TITLE_KEY)

    def keep_bank_title(self, bank: str, title: str) -> None:
        """Remember the title of the bank studied under `bank`, so another bank that takes
        the same name can be told apart (`quiz validate` reports it)."""
        if self.bank_title(bank) == title:
            return
        with self._writing():
            self.db["settings"].upsert(
                {"bank": bank, "key": TITLE_KEY, "value": title}, pk=("bank", "key")
            )

    def settings(self, bank: str) -> dict[str, str]:
        """What was chosen for `bank` and kept: its scheduler and that scheduler's options."""
        with self._guard():
            rows = self.db.execute("SELECT key, value FROM settings WHERE bank = ?", [bank])
            return dict(rows.fetchall())

    def scheduled_log(self, bank: str) -> list[tuple[str, str, int, date]]:
        """(question id, scheduler, grade, study day) of each scheduled review, in order:
        what a scheduler replays to rebuild the cards."""
        with self._guard():
            rows = self.db.execute(
                "SELECT question_id, scheduler, grade, day FROM reviews"
                " WHERE bank = ? AND kind = 'review' ORDER BY reviewed_at, id",
                [bank],
            ).fetchall()
            try:
                return [(q, s, g, date.fromisoformat(d)) for q, s, g, d in rows]
            except (ValueError, TypeError) as exc:
                raise self._damaged(f"a logged answer cannot be read: {exc}") from None

    # The review log

    def record(self, review: Review) -> Review:
        """Log an answer and, for a scheduled review, store the card's new state; one commit.

        A graded question's draft is done with, so it goes in the same commit."""
        if review.kind not in REVIEW_KINDS:
            raise ValueError(f"unknown review kind {review.kind!r}")
        review = replace(review, reviewed_at=utc_instant(review.reviewed_at))
        with self._writing():
            review_id = self.db["reviews"].insert(review.to_row()).last_pk
            if review.kind == "review":
                self._put_card(review.bank, review.question_id, review.state_after)
            self.db.execute(
                "DELETE FROM drafts WHERE bank = ? AND question_id = ?",
                [review.bank, review.question_id],
            )
            self._retotal(review)
        return replace(review, id=review_id)

    def undo(self, review_id: int) -> Review | None:
        """Delete one logged answer and restore the card state it replaced."""
        with self._writing():
            cursor = self.db.execute("SELECT * FROM reviews WHERE id = ?", [review_id])
            reviews = self._decode(cursor)
            if not reviews:
                return None
            (review,) = reviews
            self.db.execute("DELETE FROM reviews WHERE id = ?", [review_id])
            if review.kind == "review":
                self._put_card(review.bank, review.question_id, review.state_before)
            self._retotal(review)
        return review

    def _retotal(self, review: Review) -> None:
        """Total again the card and the day of an answer just logged or taken back."""
        if review.kind == "review":
            self._total(
                "question_totals",
                _QUESTION_TOTALS,
                "bank = ? AND question_id = ?",
                [review.bank, review.question_id],
            )
        self._total("day_totals", _DAY_TOTALS, "bank = ? AND day = ?", [review.bank, review.day])

    def rebuild_totals(self) -> None:
        """Work every card's and every day's totals out again from the log as it stands,
        after the log was changed by something other than quiz."""
        with self._writing():
            _total_everything(self.db, _passes())

    def _total(self, table: str, query: str, where: str, params: list) -> None:
        self.db.execute(f"DELETE FROM {table} WHERE {where}", params)
        self.db.execute(
            query.format(where=where, passes=_passes()), params * query.count("{where}")
        )

    def _decode(self, cursor: sqlite3.Cursor) -> list[Review]:
        return self._decode_rows(cursor.description, cursor)

    def _decode_rows(self, description, rows: Iterable[tuple]) -> list[Review]:
        columns = [d[0] for d in description]
        try:
            return [Review.from_row(dict(zip(columns, row, strict=True))) for row in rows]
        except (ValueError, TypeError, KeyError, ArithmeticError) as exc:
            raise self._damaged(f"a logged answer cannot be read: {exc}") from None

    def reviews(
        self,
        bank: str | None = None,
        *,
        day: date | None = None,
        since_day: date | None = None,
    ) -> Iterator[Review]:
        """Logged answers in the order they were given."""
        where, params = [], []
        if bank is not None:
            where.append("bank = ?")
            params.append(bank)
        if day is not None:
            where.append("day = ?")
            params.append(day.isoformat())
        if since_day is not None:
            where.append("day >= ?")
            params.append(since_day.isoformat())
        sql = "SELECT * FROM reviews"
        if where:
            sql += " WHERE " + " AND ".join(where)
        with self._guard():
            return iter(self._decode(self.db.execute(sql + " ORDER BY reviewed_at, id", params)))

    def stream_review_rows(self) -> Iterator[tuple]:
        """The whole log as stored, in the order it was given: each answer's `REVIEW_FIELDS`,
        its card states as the JSON `Review.to_values` writes. For export, which needs no
        `Review`: a log repeats a few thousand states, and each is decoded once.

        One statement reads it, so it is one consistent snapshot however long it takes.
        """
        columns = ", ".join(REVIEW_FIELDS)
        with self._guard():
            cursor = self.db.execute(f"SELECT {columns} FROM reviews ORDER BY reviewed_at, id")
            try:
                while batch := cursor.fetchmany(1000):
                    for row in batch:
                        before, after = _canonical_state(row[10]), _canonical_state(row[11])
                        yield (*row[:10], before, after, *row[12:])
            except (ValueError, TypeError, KeyError, ArithmeticError) as exc:
                raise self._damaged(f"a logged answer cannot be read: {exc}") from None

    def study_days(self, bank: str) -> set[date]:
        """Every study day with at least one answer logged for `bank`."""
        with self._guard():
            rows = self.db.execute("SELECT day FROM day_totals WHERE bank = ?", [bank])
            try:
                return {date.fromisoformat(day) for (day,) in rows}
            except (ValueError, TypeError) as exc:
                raise self._damaged(f"a study day cannot be read: {exc}") from None

    def review_count(self) -> int:
        with self._guard():
            return self.db["reviews"].count

    def last_grades(self, bank: str) -> dict[str, int]:
        """The grade of each card's latest scheduled review."""
        with self._guard():
            rows = self.db.execute(
                "SELECT question_id, last_grade FROM question_totals WHERE bank = ?", [bank]
            ).fetchall()
        return dict(rows)

    def question_totals(self, bank: str) -> dict[str, QuestionRecord]:
        """Each card's scheduled reviews totalled over the whole log."""
        with self._guard():
            rows = self.db.execute(
                "SELECT question_id, reviews, lapses, last_grade, seconds, timed, runs,"
                " first_passes FROM question_totals WHERE bank = ?",
                [bank],
            ).fetchall()
        return {qid: QuestionRecord(*totals) for qid, *totals in rows}

    def log_summary(self, bank: str, today: date, since: date | None = None) -> LogSummary:
        """The log of `bank` from `since` on, as `quiz.stats` reduces it.

        The whole log's figures come from the totals kept beside it; from `since` on,
        each question's are worked out from its scheduled reviews since then.
        """
        start = since.isoformat() if since else ""
        with self._guard():
            today_rows = self.db.execute(
                _TODAY_QUERY.format(passes=_passes()), [bank, today.isoformat()]
            ).fetchall()
            if since is not None and today < since:
                today_rows = []
            days = self.db.execute(
                "SELECT day, answers, young_passed, young_total, mature_passed, mature_total"
                " FROM day_totals WHERE bank = ? AND day >= ? ORDER BY day",
                [bank, start],
            ).fetchall()
            if since is None:
                records = self.question_totals(bank)
            else:
                scheduled = self.db.execute(_SCHEDULED_QUERY, [bank, start])
                records, _ = reduce_scheduled(starmap(ScheduledAnswer, scheduled))
        return LogSummary(
            answers_per_day=[(day, answers) for day, answers, *_ in days],
            today_by_kind=list(starmap(KindActivity, today_rows)),
            records=records,
            retained={
                day: DayRetention(*counts) for day, _, *counts in days if counts[1] or counts[3]
            },
            since=since,
        )

    def import_reviews(self, reviews: Iterable[Review]) -> int:
        """Add answers from another log, skipping ones already present; all or nothing."""
        return self.import_rows(
            (*values[:2], utc_instant(values[2]), *values[3:])
            for values in (review.to_values() for review in reviews)
        )

    def import_rows(self, rows: Iterable[tuple]) -> int:
        """Add answers from another log, skipping ones already present; all or nothing.

        Each row is an answer as `Review.to_values` gives it, its instant in UTC
        (`utc_instant`). The rows stream straight into the log in one transaction, so any
        size of log takes the same memory, and an error raised while they stream writes
        nothing. Instants are compared in UTC, so the same answer written with another
        offset is the same answer; new ones join the log in order of instant. Each card
        then takes the state after its latest scheduled review, by instant, whether that
        came from the import or was already here, and its totals and its days' are worked
        out again.
        """
        names = ", ".join(REVIEW_FIELDS)
        values = ", ".join(f"?{n}" for n in range(1, len(REVIEW_FIELDS) + 1))
        insert = f"INSERT INTO reviews ({names}) VALUES ({values})"
        # One answer is the same as another with the same card, instant and kind.
        insert_unless_present = (
            f"INSERT INTO reviews ({names}) SELECT {values} WHERE NOT EXISTS (SELECT 1"
            " FROM reviews WHERE bank = ?1 AND question_id = ?2 AND reviewed_at = ?3"
            " AND kind = ?6)"
        )
        in_order = _InOrder(rows, IMPORT_ORDER_WINDOW)
        instant = itemgetter(2)
        touched = _Touched()
        with self._writing():
            conn = self.db.conn
            first = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM reviews").fetchone()[0]
            # Only an answer no later than the log's latest can already be in it.
            latest = conn.execute("SELECT MAX(reviewed_at) FROM reviews").fetchone()[0] or ""
            cache = conn.execute("PRAGMA main.cache_size").fetchone()[0]
            conn.execute(f"PRAGMA main.cache_size = {-IMPORT_CACHE_KIB}")
            try:
                added = 0
                # Repeats within the file share an instant, so in order they are neighbours.
                moment, at_moment = None, []
                for batch in in_order:
                    touched.note(batch)
                    old = bisect_right(batch, latest, key=instant)
                    if old:
                        added += conn.executemany(insert_unless_present, batch[:old]).rowcount
                    new = []
                    for row in batch[old:]:
                        key = (row[0], row[1], row[5])
                        if row[2] != moment:
                            moment, at_moment = row[2], [key]
                        elif key in at_moment:
                            continue
                        else:
                            at_moment.append(key)
                        new.append(row)
                    added += conn.executemany(insert, new).rowcount
                if not in_order.so_far:
                    added = self._put_in_order(first)
                self._bring_up_to_date(first, touched)
            finally:
                conn.execute(f"PRAGMA main.cache_size = {cache}")
                for table in ("touched_cards", "touched_days", "reordered"):
                    conn.execute(f"DROP TABLE IF EXISTS temp.{table}")
        return added

    def _put_in_order(self, first: int) -> int:
        """Number the answers from id `first` on again in order of instant, each once:
        for an import whose answers came further out of order than it could sort as they
        arrived. Return how many there are."""
        names = ", ".join(REVIEW_FIELDS)
        self.db.execute(
            f"CREATE TEMP TABLE reordered AS SELECT {names} FROM reviews WHERE id IN"
            " (SELECT MIN(id) FROM reviews WHERE id >= ?"
            "  GROUP BY bank, question_id, reviewed_at, kind)"
            " ORDER BY reviewed_at, id",
            [first],
        )
        self.db.execute("DELETE FROM reviews WHERE id >= ?", [first])
        return self.db.execute(
            f"INSERT INTO reviews ({names}) SELECT {names} FROM temp.reordered ORDER BY rowid"
        ).rowcount

    def _bring_up_to_date(self, first: int, touched: _Touched) -> None:
        """Bring the cards and totals of the answers from id `first` on up to date."""
        self.db.execute("CREATE TEMP TABLE touched_cards (bank TEXT, question_id TEXT)")
        self.db.execute("CREATE TEMP TABLE touched_days (bank TEXT, day TEXT)")
        if touched.cards is not None and touched.days is not None:
            self.db.conn.executemany("INSERT INTO temp.touched_cards VALUES (?, ?)", touched.cards)
            self.db.conn.executemany("INSERT INTO temp.touched_days VALUES (?, ?)", touched.days)
        else:
            self.db.execute(
                "INSERT INTO temp.touched_cards SELECT DISTINCT bank, question_id"
                " FROM reviews NOT INDEXED WHERE id >= ? AND kind = 'review'",
                [first],
            )
            self.db.execute(
                "INSERT INTO temp.touched_days SELECT DISTINCT bank, day FROM reviews"
                " NOT INDEXED WHERE id >= ?",
                [first],
            )
        # Each touched card takes the state after its latest scheduled review, by instant.
        latest = (
            "SELECT bank, question_id, (SELECT state_after FROM reviews r WHERE r.bank = t.bank"
            " AND r.question_id = t.question_id AND r.kind = 'review'"
            " ORDER BY r.reviewed_at DESC, r.id DESC LIMIT 1) AS state"
            " FROM temp.touched_cards t"
        )
        # The state is kept as logged: `state_from_dict` reads it whichever scheduler wrote it.
        self.db.execute(
            "INSERT OR REPLACE INTO cards (bank, question_id, due, state)"
            " SELECT bank, question_id, json_extract(state, '$.due'), state"
            f" FROM ({latest}) WHERE json_extract(state, '$.due') IS NOT NULL"
        )
        self.db.execute(
            "DELETE FROM cards WHERE (bank, question_id) IN (SELECT bank, question_id"
            f" FROM ({latest}) WHERE json_extract(state, '$.due') IS NULL)"
        )
        self._total(
            "question_totals",
            _QUESTION_TOTALS,
            "(bank, question_id) IN (SELECT bank, question_id FROM temp.touched_cards)",
            [],
        )
        self._total(
            "day_totals",
            _DAY_TOTALS,
            "(bank, day) IN (SELECT bank, day FROM temp.touched_days)",
            [],
        )

    # Work in progress, flags and notes, one row per question

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
        verdict: dict | None = None,
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
        self.db["code_attempts"].upsert(row, pk=("bank", "question_id"))

    # Questions waiting for data this machine lacks (the MNIST files)

    def waiting_for_data(self, bank: str) -> frozenset[str]:
        with self._guard():
            rows = self.db.execute(
                "SELECT question_id FROM waiting_for_data WHERE bank = ?", [bank]
            ).fetchall()
        return frozenset(question_id for (question_id,) in rows)

    def wait_for_data(self, bank: str, question_id: str, since: datetime) -> None:
        """Leave `question_id` out of the queue until the data its checks need is there."""
        with self._writing():
            row = {"bank": bank, "question_id": question_id, "since": instant_text(since)}
            self.db["waiting_for_data"].upsert(row, pk=("bank", "question_id"))

    def data_arrived(self, bank: str) -> None:
        """The data is there: every question that waited for it comes back."""
        with self._writing():
            self.db.execute("DELETE FROM waiting_for_data WHERE bank = ?", [bank])

    def card_flags(self, bank: str) -> dict[str, CardFlags]:
        """The suspended and buried cards of `bank`; a card missing here is neither."""
        with self._guard():
            rows = self.db.execute(
                "SELECT question_id, suspended, buried_on FROM card_flags WHERE bank = ?", [bank]
            ).fetchall()
        try:
            return {
                qid: CardFlags(bool(suspended), date.fromisoformat(buried) if buried else None)
                for qid, suspended, buried in rows
            }
        except (ValueError, TypeError) as exc:
            raise self._damaged(f"a card's flags cannot be read: {exc}") from None

    def set_flags(self, bank: str, question_id: str, flags: CardFlags) -> None:
        with self._writing():
            if flags == CardFlags():
                self.db.execute(
                    "DELETE FROM card_flags WHERE bank = ? AND question_id = ?", [bank, question_id]
                )
                return
            row = {
                "bank": bank,
                "question_id": question_id,
                "suspended": int(flags.suspended),
                "buried_on": flags.buried_on.isoformat() if flags.buried_on else None,
            }
            self.db["card_flags"].upsert(row, pk=("bank", "question_id"))

    def notes(self, bank: str | None = None) -> dict[tuple[str, str], str]:
        """Every personal note, by (bank, question id)."""
        sql, params = "SELECT bank, question_id, note FROM notes", []
        if bank is not None:
            sql, params = sql + " WHERE bank = ?", [bank]
        with self._guard():
            return {(b, q): note for b, q, note in self.db.execute(sql, params)}

    def note(self, bank: str, question_id: str) -> str:
        return self.notes(bank).get((bank, question_id), "")

    def set_note(self, bank: str, question_id: str, note: str) -> None:
        """Keep the learner's note on a question; an empty note removes it."""
        with self._writing():
            self._put_note(bank, question_id, note)

    def _put_note(self, bank: str, question_id: str, note: str) -> None:
        if note.strip():
            row = {"bank": bank, "question_id": question_id, "note": note}
            self.db["notes"].upsert(row, pk=("bank", "question_id"))
        else:
            self.db.execute(
                "DELETE FROM notes WHERE bank = ? AND question_id = ?", [bank, question_id]
            )

    def import_notes(self, notes: dict[tuple[str, str], str]) -> int:
        """Add notes from an export where this database has none; return how many were added."""
        added = 0
        with self._writing():
            for (bank, question_id), note in notes.items():
                exists = self.db.execute(
                    "SELECT 1 FROM notes WHERE bank = ? AND question_id = ?", [bank, question_id]
                ).fetchone()
                if not exists and note.strip():
                    self._put_note(bank, question_id, note)
                    added += 1
        return added

    def hints_taken(self, bank: str, question_id: str) -> int:
        """How many of a question's hints `quiz hint` has given."""
        with self._guard():
            row = self.db.execute(
                "SELECT taken FROM hints_taken WHERE bank = ? AND question_id = ?",
                [bank, question_id],
            ).fetchone()
        return row[0] if row else 0

    def take_hint(self, bank: str, question_id: str, available: int) -> int:
        """Count one more hint taken (never past `available`); return how many are taken now."""
        with self._writing():
            taken = min(available, self.hints_taken(bank, question_id) + 1)
            row = {"bank": bank, "question_id": question_id, "taken": taken}
            self.db["hints_taken"].upsert(row, pk=("bank", "question_id"))
        return taken

    # Custom study

    def study_extras(self, bank: str, day: date) -> StudyExtras:
        with self._guard():
            row = self.db.execute(
                "SELECT more_new, ahead_days FROM study_extras WHERE bank = ? AND day = ?",
                [bank, day.isoformat()],
            ).fetchone()
        return StudyExtras(*row) if row else StudyExtras()

    def add_study_extras(
        self, bank: str, day: date, more_new: int = 0, ahead_days: int = 0
    ) -> StudyExtras:
        """Study `more_new` more new cards on `day`, and reviews due up to `ahead_days` later."""
        with self._writing():
            extras = self.study_extras(bank, day)
            extras = StudyExtras(extras.more_new + more_new, max(extras.ahead_days, ahead_days))
            row = {"bank": bank, "day": day.isoformat(), **asdict(extras)}
            self.db["study_extras"].upsert(row, pk=("bank", "day"))
        return extras


def state_text(state: Any) -> str:
    """A state as the log and the cards keep it."""
    return json.dumps(state_to_dict(state))


_state_json = lru_cache(maxsize=65_536)(state_text)


@lru_cache(maxsize=65_536)
def _decoded_state(text: str) -> Any:
    return state_from_dict(json.loads(text))


@lru_cache(maxsize=65_536)
def _canonical_state(text: str) -> str:
    """A stored state's JSON as quiz writes it: the same text for every row quiz wrote."""
    return state_text(_decoded_state(text))


class _Touched:
    """The cards given scheduled reviews and the days given answers by an import, gathered
    as its answers stream; None once there are more of them than `IMPORT_TOUCHED_KEPT`,
    and the store reads them back from the log instead."""

    def __init__(self) -> None:
        self.cards: set[tuple[str, str]] | None = set()
        self.days: set[tuple[str, str]] | None = set()

    def note(self, rows: list[tuple]) -> None:
        if self.cards is None or self.days is None:
            return
        self.cards.update([(row[0], row[1]) for row in rows if row[5] == "review"])
        self.days.update([(row[0], row[3]) for row in rows])
        if len(self.cards) + len(self.days) > IMPORT_TOUCHED_KEPT:
            self.cards = self.days = None


class _InOrder:
    """Batches of rows in order of instant (`row[2]`), then of arrival, for answers that
    arrive up to `window` places out of order; `so_far` turns False when one came later
    than that, so that the batches were not in order after all."""

    def __init__(self, rows: Iterable[tuple], window: int):
        self.rows = rows
        self.window = window
        self.so_far = True

    def __iter__(self) -> Iterator[list[tuple]]:
        held: list[tuple] = []
        last = ""
        instant = itemgetter(2)
        for row in self.rows:
            held.append(row)
            if len(held) == 2 * self.window:
                held.sort(key=instant)  # stable: arrival order among equal instants
                batch, held = held[: self.window], held[self.window :]
                if batch[0][2] < last:
                    self.so_far = False
                last = batch[-1][2]
                yield batch
        held.sort(key=instant)
        if held and held[0][2] < last:
            self.so_far = False
        if held:
            yield held


REVIEW_FIELDS = (
    "bank",
    "question_id",
    "reviewed_at",
    "day",
    "grade",
    "kind",
    "answer",
    "duration_s",
    "check_runs",
    "first_run_passed",
    "state_before",
    "state_after",
    "scheduler",
    "explanation",
)
"""An answer's fields in the order the log stores them and an export writes them."""
_REVIEW_COLUMNS = ("id", *REVIEW_FIELDS)


# Today's answers are found through the (bank, day) index.
_TODAY_QUERY = (
    "SELECT kind, COUNT(*), SUM(NOT ({passes})), TOTAL(duration_s) FROM reviews"
    " WHERE bank = ? AND day = ? GROUP BY kind"
)
_SCHEDULED_QUERY = (
    "SELECT question_id, day, grade, duration_s, first_run_passed,"
    " json_extract(state_before, '$.repetitions'), json_extract(state_before, '$.interval'),"
    " scheduler FROM reviews WHERE bank = ? AND day >= ? AND kind = 'review'"
    " ORDER BY question_id, reviewed_at, id"
)


def utc_instant(text: str) -> str:
    """An ISO 8601 instant as the store keeps it: UTC, to the microsecond.

    Every stored instant has this one form, so comparing the text compares the instants.
    """
    return instant_text(datetime.fromisoformat(text))


def instant_text(moment: datetime) -> str:
    """`utc_instant` of a time already read."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _main_file(db: Database) -> Path | None:
    """The file behind the connection, or None for an in-memory database."""
    for _, name, filename in db.execute("PRAGMA database_list").fetchall():
        if name == "main":
            return Path(filename) if filename else None
    return None


def open_store(path: Path | str, *, read_only: bool = False) -> Store:
    """Open the database at `path` in WAL mode, creating it if it is missing.

    A missing folder is created only for quiz's own data directory: a mistyped `--db`
    or `QUIZ_DB` is refused rather than becoming a new, empty database. `read_only`
    opens an existing file without ever writing it, for the commands that only read.
    """
    path = Path(path)
    _check_location(path)
    uri = False
    target = str(path)
    if read_only and path.exists():
        target, uri = f"{path.resolve().as_uri()}?mode=ro", True
    else:
        read_only = False
    try:
        conn = _connect(target, uri)
        if read_only and not _can_read(conn) and not _has_log(path):
            # A WAL database in a folder no one may write to has no shared-memory index;
            # with no log to replay, it can be read as the immutable file it is.
            conn.close()
            conn = _connect(target + "&immutable=1", uri)
        # sqlite-utils plugins would change every connection, and finding them reads the
        # metadata of every installed package at each start: quiz uses none.
        store = Store(Database(conn, execute_plugins=False), read_only=read_only)
    except sqlite3.Error as exc:
        raise QuizError(f"{path}: cannot open database ({exc})") from None
    except NeedsUpgrade:
        conn.close()
        if not os.access(path, os.W_OK):
            raise
        # A newly installed quiz's first command may be one that only reads (`quiz stats`):
        # it upgrades the database, as any command that writes would, then reads it.
        open_store(path).db.close()
        return open_store(path, read_only=True)
    try:
        if not read_only:
            with store._guard():
                store.db.enable_wal()
    except BaseException:
        conn.close()
        raise
    return store


def _can_read(conn: sqlite3.Connection) -> bool:
    try:
        conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
    except sqlite3.OperationalError as exc:
        return (exc.sqlite_errorcode & 0xFF) != SQLITE_CANTOPEN
    except sqlite3.DatabaseError:
        pass  # a damaged file: Store reports it
    return True


def _has_log(path: Path) -> bool:
    wal = path.with_name(path.name + "-wal")
    return wal.exists() and wal.stat().st_size > 0


def _connect(target: str, uri: bool) -> sqlite3.Connection:
    return sqlite3.connect(
        target,
        timeout=BUSY_TIMEOUT_S,
        check_same_thread=False,  # shared by the app's threads; Store serializes its use
        isolation_level=None,  # no implicit transactions: Store begins each one itself
        uri=uri,
    )


def _check_location(path: Path) -> None:
    if path.is_dir():
        raise QuizError(f"{path}: is a directory, not a database file")
    if path.exists() and not path.is_file():
        raise QuizError(f"{path}: is not a regular file, so it cannot be a database")
    folder = path.parent
    if folder.is_dir():
        return
    if folder.resolve() != data_dir().resolve():
        raise QuizError(
            f"{path}: folder {folder} does not exist; check the path, or create the folder"
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise QuizError(f"{folder}: cannot create data directory ({exc.strerror})") from None
