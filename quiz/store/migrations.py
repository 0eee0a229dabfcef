"""The database's schema, as append-only migrations named `m001_…`, and the check that a
database is one this quiz can open."""

from __future__ import annotations

import json

from quiz.errors import QuizError
from quiz.store.database import Database, Migrations
from quiz.store.totals import SM2_PASSES, passes, total_everything

migrations = Migrations("quiz")


@migrations()
def m001_cards_and_reviews(db: Database) -> None:
    db.table("cards").create(
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
    db.table("cards").create_index(["bank", "due"])
    db.table("reviews").create(
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
    db.table("reviews").create_index(["bank", "day"])
    db.table("reviews").create_index(["bank", "question_id", "reviewed_at"])


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
    sm2_only = "scheduler" not in db.table("reviews").columns_dict
    total_everything(db, SM2_PASSES if sm2_only else passes())


@migrations()
def m003_drafts_flags_notes_and_extra_study(db: Database) -> None:
    """Per question: a draft answer, suspend and bury, a note, hints taken; per day: extras."""
    db.table("drafts").create(
        {"bank": str, "question_id": str, "answer": str, "explanation": str, "saved_at": str},
        pk=("bank", "question_id"),
        not_null={"answer", "explanation", "saved_at"},
    )
    db.table("card_flags").create(
        {"bank": str, "question_id": str, "suspended": int, "buried_on": str},
        pk=("bank", "question_id"),
        not_null={"suspended"},
        defaults={"suspended": 0},
    )
    db.table("notes").create(
        {"bank": str, "question_id": str, "note": str},
        pk=("bank", "question_id"),
        not_null={"note"},
    )
    db.table("hints_taken").create(
        {"bank": str, "question_id": str, "taken": int},
        pk=("bank", "question_id"),
        not_null={"taken"},
    )
    db.table("study_extras").create(
        {"bank": str, "day": str, "more_new": int, "ahead_days": int},
        pk=("bank", "day"),
        not_null={"more_new", "ahead_days"},
        defaults={"more_new": 0, "ahead_days": 0},
    )


@migrations()
def m004_scheduler_states(db: Database) -> None:
    """Each card's schedule becomes one versioned JSON state naming its scheduler; each
    review names the scheduler whose scale its grade is on; settings are kept per bank."""
    db.table("cards").add_column("state", str)
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
    db.table("cards").transform(drop={"repetitions", "easiness", "interval"}, not_null={"state"})
    db.table("reviews").add_column("scheduler", str, not_null_default="sm2")
    db.table("settings").create({"bank": str, "key": str, "value": str}, pk=("bank", "key"))


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
    db.table("code_attempts").create(
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
    db.table("reviews").add_column("explanation", str, not_null_default="")


@migrations()
def m008_waiting_for_data(db: Database) -> None:
    """Code questions whose checks found the MNIST files missing: left out of the queue
    until the files are there."""
    db.table("waiting_for_data").create(
        {"bank": str, "question_id": str, "since": str},
        pk=("bank", "question_id"),
        not_null={"since"},
    )


KNOWN_MIGRATIONS = frozenset(
    m.name for m in migrations.pending(Database(memory=True, execute_plugins=False))
)


class NeedsUpgrade(QuizError):
    """A database opened read-only that lacks this quiz's migrations."""


def needs_upgrade(db: Database, where: str) -> bool:
    """Whether `db` lacks some of this quiz's migrations; a database written by a newer quiz,
    or one holding other tables and none of quiz's, is refused."""
    applied = {m.name for m in migrations.applied(db)}
    unknown = applied - KNOWN_MIGRATIONS
    if unknown:
        raise QuizError(
            f"{where}: database was written by a newer version of quiz "
            f"(migration {sorted(unknown)[0]}); upgrade quiz to open it"
        )
    if set(db.table_names()) - {"_sqlite_migrations"} and not applied:
        raise QuizError(f"{where}: not a quiz database (it holds other tables)")
    return not applied >= KNOWN_MIGRATIONS
