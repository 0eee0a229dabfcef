"""The review database: card schedules and a log of every answer, in SQLite.

The store takes a sqlite-utils `Database` and migrates it on construction.
Migrations are append-only; a database written by a newer quiz is refused
and left untouched.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from datetime import date
from pathlib import Path

from quiz.errors import QuizError
from quiz.scheduler import CardState


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


KNOWN_MIGRATIONS = frozenset(m.name for m in migrations.pending(Database(memory=True)))


@dataclass(frozen=True)
class Review:
    """One answer in the log. `day` is the study day, which rolls over at a set hour."""

    bank: str
    question_id: str
    reviewed_at: str
    day: str
    grade: int
    kind: str
    state_before: CardState
    state_after: CardState
    answer: str = ""
    duration_s: float | None = None
    check_runs: int | None = None
    first_run_passed: bool | None = None
    id: int | None = None

    def to_row(self) -> dict:
        row = asdict(self)
        row["state_before"] = json.dumps(self.state_before.to_dict())
        row["state_after"] = json.dumps(self.state_after.to_dict())
        if self.first_run_passed is not None:
            row["first_run_passed"] = int(self.first_run_passed)
        if self.id is None:
            del row["id"]
        return row

    @classmethod
    def from_row(cls, row: dict) -> Review:
        data = dict(row)
        data["state_before"] = CardState.from_dict(json.loads(data["state_before"]))
        data["state_after"] = CardState.from_dict(json.loads(data["state_after"]))
        if data.get("first_run_passed") is not None:
            data["first_run_passed"] = bool(data["first_run_passed"])
        return cls(**data)


class Store:
    """Card states and the review log of one SQLite database."""

    def __init__(self, db: Database):
        self.db = db
        try:
            applied = {m.name for m in migrations.applied(db)}
            unknown = applied - KNOWN_MIGRATIONS
            if unknown:
                raise QuizError(
                    f"{self._where()}: database was written by a newer version of quiz "
                    f"(migration {sorted(unknown)[0]}); upgrade quiz to open it"
                )
            if set(db.table_names()) - {"_sqlite_migrations"} and not applied:
                raise QuizError(f"{self._where()}: not a quiz database (it holds other tables)")
            migrations.apply(db)
        except sqlite3.DatabaseError as exc:
            raise QuizError(f"{self._where()}: not a usable SQLite database ({exc})") from None

    def _where(self) -> str:
        for _, name, filename in self.db.execute("PRAGMA database_list").fetchall():
            if name == "main":
                return filename or ":memory:"
        return "database"

    # Card schedules

    def card_states(self, bank: str, question_id: str | None = None) -> dict[str, CardState]:
        """Every scheduled card of `bank` (or just `question_id`); a question missing is new."""
        sql = "SELECT question_id, repetitions, easiness, interval, due FROM cards WHERE bank = ?"
        params = [bank]
        if question_id is not None:
            sql += " AND question_id = ?"
            params.append(question_id)
        return {
            qid: CardState.from_dict(
                {"repetitions": reps, "easiness": ef, "interval": interval, "due": due}
            )
            for qid, reps, ef, interval, due in self.db.execute(sql, params)
        }

    def card_state(self, bank: str, question_id: str) -> CardState:
        """The schedule of one card: `CardState()` while it is new."""
        return self.card_states(bank, question_id).get(question_id, CardState())

    def _put_card(self, bank: str, question_id: str, state: CardState) -> None:
        if state.is_new:
            self.db.execute(
                "DELETE FROM cards WHERE bank = ? AND question_id = ?", [bank, question_id]
            )
            return
        row = {"bank": bank, "question_id": question_id, **state.to_dict()}
        self.db["cards"].upsert(row, pk=("bank", "question_id"))

    # The review log

    def record(self, review: Review) -> Review:
        """Log an answer and, for a scheduled review, store the card's new state; one commit."""
        if review.kind not in REVIEW_KINDS:
            raise ValueError(f"unknown review kind {review.kind!r}")
        with self.db.atomic():
            review_id = self.db["reviews"].insert(review.to_row()).last_pk
            if review.kind == "review":
                self._put_card(review.bank, review.question_id, review.state_after)
        return replace(review, id=review_id)

    def undo(self, review_id: int) -> Review | None:
        """Delete one logged answer and restore the card state it replaced."""
        row = self.db.execute("SELECT * FROM reviews WHERE id = ?", [review_id]).fetchone()
        if row is None:
            return None
        columns = [d[0] for d in self.db.execute("SELECT * FROM reviews LIMIT 0").description]
        review = Review.from_row(dict(zip(columns, row, strict=True)))
        with self.db.atomic():
            self.db.execute("DELETE FROM reviews WHERE id = ?", [review_id])
            if review.kind == "review":
                self._put_card(review.bank, review.question_id, review.state_before)
        return review

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
        cursor = self.db.execute(sql + " ORDER BY reviewed_at, id", params)
        columns = [d[0] for d in cursor.description]
        for row in cursor:
            yield Review.from_row(dict(zip(columns, row, strict=True)))

    def study_days(self, bank: str) -> set[date]:
        """Every study day with at least one answer logged for `bank`."""
        rows = self.db.execute("SELECT DISTINCT day FROM reviews WHERE bank = ?", [bank])
        return {date.fromisoformat(day) for (day,) in rows}

    def review_count(self) -> int:
        return self.db["reviews"].count

    def import_reviews(self, reviews: list[Review]) -> int:
        """Add answers from another log, skipping ones already present; all or nothing.

        Each card then takes the state after its latest imported scheduled review,
        unless this database already holds a later one.
        """
        added = 0
        with self.db.atomic():
            for review in reviews:
                exists = self.db.execute(
                    "SELECT 1 FROM reviews WHERE bank = ? AND question_id = ? AND reviewed_at = ?"
                    " AND kind = ?",
                    [review.bank, review.question_id, review.reviewed_at, review.kind],
                ).fetchone()
                if exists:
                    continue
                row = review.to_row()
                row.pop("id", None)
                self.db["reviews"].insert(row)
                added += 1
            latest = self.db.execute(
                "SELECT bank, question_id, state_after FROM reviews r WHERE kind = 'review' "
                "AND reviewed_at = (SELECT MAX(reviewed_at) FROM reviews WHERE kind = 'review' "
                "AND bank = r.bank AND question_id = r.question_id) ORDER BY id"
            ).fetchall()
            for bank, question_id, state in latest:
                self._put_card(bank, question_id, CardState.from_dict(json.loads(state)))
        return added


def open_store(path: Path | str) -> Store:
    """Open (creating if needed) the database at `path`, in WAL mode."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise QuizError(f"{path.parent}: cannot create data directory ({exc.strerror})") from None
    if path.exists() and path.is_dir():
        raise QuizError(f"{path}: is a directory, not a database file")
    try:
        # The app writes from worker threads; sqlite3 is built serialized, so sharing is safe.
        conn = sqlite3.connect(str(path), timeout=5, check_same_thread=False)
        db = Database(conn)
        store = Store(db)
        db.enable_wal()
    except sqlite3.OperationalError as exc:
        raise QuizError(f"{path}: cannot open database ({exc})") from None
    except sqlite3.DatabaseError as exc:
        raise QuizError(f"{path}: not a usable SQLite database ({exc})") from None
    return store
