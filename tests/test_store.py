"""The SQLite store: schema, durability, refusal of foreign files, export and import."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from datetime import date

import pytest

from quiz.backup import export_reviews, import_reviews, read_reviews
from quiz.errors import QuizError
from quiz.schedulers.sm2 import CardState, review
from quiz.store import Review, open_store

DAY = date(2026, 3, 1)

SCHEMA = {
    "waiting_for_data": 'CREATE TABLE "waiting_for_data" (\n   "bank" TEXT,\n   "question_id" TEXT,\n'
    '   "since" TEXT NOT NULL,\n   PRIMARY KEY ("bank", "question_id")\n)',
    "code_attempts": 'CREATE TABLE "code_attempts" (\n   "bank" TEXT,\n   "question_id" TEXT,\n'
    '   "day" TEXT NOT NULL,\n   "runs" TEXT NOT NULL,\n   "best_checks_passed" INTEGER NOT NULL,\n'
    '   "hints" INTEGER NOT NULL,\n   "source" TEXT NOT NULL,\n   "verdict" TEXT,\n'
    '   "last_at" TEXT NOT NULL,\n   PRIMARY KEY ("bank", "question_id")\n)',
    "cards": 'CREATE TABLE "cards" (\n   "bank" TEXT,\n   "question_id" TEXT,\n'
    '   "due" TEXT,\n   "state" TEXT NOT NULL,\n   PRIMARY KEY ("bank", "question_id")\n)',
    "reviews": 'CREATE TABLE "reviews" (\n   "id" INTEGER PRIMARY KEY,\n'
    '   "bank" TEXT NOT NULL,\n   "question_id" TEXT NOT NULL,\n'
    '   "reviewed_at" TEXT NOT NULL,\n   "day" TEXT NOT NULL,\n   "grade" INTEGER NOT NULL,\n'
    '   "kind" TEXT NOT NULL,\n   "answer" TEXT,\n   "duration_s" REAL,\n'
    '   "check_runs" INTEGER,\n   "first_run_passed" INTEGER,\n   "state_before" TEXT,\n'
    '   "state_after" TEXT\n, "scheduler" TEXT NOT NULL DEFAULT \'sm2\','
    " \"explanation\" TEXT NOT NULL DEFAULT '')",
    "settings": 'CREATE TABLE "settings" (\n   "bank" TEXT,\n   "key" TEXT,\n   "value" TEXT,\n'
    '   PRIMARY KEY ("bank", "key")\n)',
    "idx_cards_bank_due": 'CREATE INDEX "idx_cards_bank_due"\n    ON "cards" ("bank", "due")',
    "idx_reviews_bank_day": 'CREATE INDEX "idx_reviews_bank_day"\n    ON "reviews" ("bank", "day")',
    "idx_reviews_bank_question_id_reviewed_at": "CREATE INDEX "
    '"idx_reviews_bank_question_id_reviewed_at"\n'
    '    ON "reviews" ("bank", "question_id", "reviewed_at")',
    "idx_reviews_scheduled_by_card": "CREATE INDEX idx_reviews_scheduled_by_card"
    " ON reviews (bank, question_id, reviewed_at) WHERE kind = 'review'",
    "idx_reviews_scheduled_by_day": "CREATE INDEX idx_reviews_scheduled_by_day"
    " ON reviews (bank, day) WHERE kind = 'review'",
    "question_totals": "CREATE TABLE question_totals (bank TEXT NOT NULL, question_id TEXT NOT NULL,"
    " reviews INTEGER NOT NULL, lapses INTEGER NOT NULL, last_grade INTEGER NOT NULL,"
    " seconds REAL NOT NULL, timed INTEGER NOT NULL, runs INTEGER NOT NULL,"
    " first_passes INTEGER NOT NULL, PRIMARY KEY (bank, question_id))",
    "day_totals": "CREATE TABLE day_totals (bank TEXT NOT NULL, day TEXT NOT NULL,"
    " answers INTEGER NOT NULL, young_passed INTEGER NOT NULL,"
    " young_total INTEGER NOT NULL, mature_passed INTEGER NOT NULL,"
    " mature_total INTEGER NOT NULL, PRIMARY KEY (bank, day))",
    "drafts": 'CREATE TABLE "drafts" (\n   "bank" TEXT,\n   "question_id" TEXT,\n'
    '   "answer" TEXT NOT NULL,\n   "explanation" TEXT NOT NULL,\n   "saved_at" TEXT NOT NULL,\n'
    '   PRIMARY KEY ("bank", "question_id")\n)',
    "card_flags": 'CREATE TABLE "card_flags" (\n   "bank" TEXT,\n   "question_id" TEXT,\n'
    '   "suspended" INTEGER NOT NULL DEFAULT 0,\n   "buried_on" TEXT,\n'
    '   PRIMARY KEY ("bank", "question_id")\n)',
    "notes": 'CREATE TABLE "notes" (\n   "bank" TEXT,\n   "question_id" TEXT,\n'
    '   "note" TEXT NOT NULL,\n   PRIMARY KEY ("bank", "question_id")\n)',
    "hints_taken": 'CREATE TABLE "hints_taken" (\n   "bank" TEXT,\n   "question_id" TEXT,\n'
    '   "taken" INTEGER NOT NULL,\n   PRIMARY KEY ("bank", "question_id")\n)',
    "study_extras": 'CREATE TABLE "study_extras" (\n   "bank" TEXT,\n   "day" TEXT,\n'
    '   "more_new" INTEGER NOT NULL DEFAULT 0,\n   "ahead_days" INTEGER NOT NULL DEFAULT 0,\n'
    '   PRIMARY KEY ("bank", "day")\n)',
}


def graded(question_id="q1", grade=4, state=None, kind="review", at="2026-03-01T08:00:00.000001+00:00",
           **extra):  # fmt: skip
    state = state or CardState()
    after = review(state, grade, DAY) if kind == "review" else state
    return Review(bank="b", question_id=question_id, reviewed_at=at, day=DAY.isoformat(),
                  grade=grade, kind=kind, state_before=state, state_after=after, **extra)  # fmt: skip


def test_schema_of_a_freshly_migrated_database(tmp_path):
    store = open_store(tmp_path / "q.db")
    rows = store.db.execute(
        "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE '%sqlite_migrations%'"
    ).fetchall()
    assert dict(rows) == SCHEMA
    applied = store.db.execute("SELECT name FROM _sqlite_migrations").fetchall()
    assert applied == [
        ("m001_cards_and_reviews",),
        ("m002_question_and_day_totals",),
        ("m003_drafts_flags_notes_and_extra_study",),
        ("m004_scheduler_states",),
        ("m005_scheduled_review_indexes",),
        ("m006_code_attempts",),
        ("m007_review_explanation",),
        ("m008_waiting_for_data",),
    ]
    assert store.db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_reopening_migrates_nothing_twice(tmp_path):
    open_store(tmp_path / "q.db").record(graded())
    store = open_store(tmp_path / "q.db")
    assert store.review_count() == 1
    assert store.db.execute("SELECT count(*) FROM _sqlite_migrations").fetchone() == (8,)


def test_record_logs_and_schedules_in_one_step(tmp_path):
    store = open_store(tmp_path / "q.db")
    logged = store.record(graded(answer="an answer", duration_s=12.5))
    assert logged.id == 1
    assert store.card_states("b") == {"q1": review(CardState(), 4, DAY)}
    (row,) = list(store.reviews("b"))
    assert row == logged
    assert row.answer == "an answer" and row.duration_s == 12.5


def test_drills_and_cram_leave_the_schedule_alone(tmp_path):
    store = open_store(tmp_path / "q.db")
    store.record(graded())
    before = store.card_states("b")
    store.record(graded(grade=1, kind="drill", state=before["q1"]))
    store.record(graded(grade=0, kind="cram", state=before["q1"]))
    assert store.card_states("b") == before
    assert [r.kind for r in store.reviews("b")] == ["review", "drill", "cram"]


def test_undo_restores_the_exact_previous_state(tmp_path):
    store = open_store(tmp_path / "q.db")
    first = store.record(graded(grade=5))
    state = store.card_state("b", "q1")
    second = store.record(graded(grade=2, state=state, at="2026-03-02T08:00:00.000000+00:00"))
    assert store.card_state("b", "q1").repetitions == 0
    store.undo(second.id)
    assert store.card_state("b", "q1") == state
    store.undo(first.id)
    assert store.card_states("b") == {}
    assert store.review_count() == 0


def test_newer_database_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "q.db"
    newer = open_store(path).db
    newer.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
        "VALUES ('quiz', 'm099_from_the_future', '2030-01-01')"
    ).connection.commit()
    # The newer quiz has exited: its connection is closed and its WAL folded into the file,
    # so only the refused open could still change a byte.
    newer.close()
    before = path.read_bytes()
    with pytest.raises(QuizError, match="newer version of quiz.*m099_from_the_future"):
        open_store(path)
    assert path.read_bytes() == before


def test_a_file_that_is_not_a_database_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n" * 50)
    before = path.read_bytes()
    with pytest.raises(QuizError, match="not a usable SQLite database"):
        open_store(path)
    assert path.read_bytes() == before


def test_another_programs_database_is_refused(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER)")
    with pytest.raises(QuizError, match="not a quiz database"):
        open_store(path)


def test_unwritable_data_directory_is_one_clear_error(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("QUIZ_DATA_DIR", str(blocker / "sub"))
    with pytest.raises(QuizError, match="cannot create data directory"):
        open_store(blocker / "sub" / "q.db")


def test_only_the_data_directory_is_created_on_demand(tmp_path, isolated_home):
    typo = tmp_path / "Dropbx" / "quiz.db"
    with pytest.raises(QuizError, match=r"Dropbx does not exist; check the path"):
        open_store(typo)
    assert not typo.parent.exists()
    open_store(isolated_home / "quiz.db")
    assert (isolated_home / "quiz.db").is_file()


WRITER = textwrap.dedent(
    """
    import sys
    from datetime import date
    from quiz.schedulers.sm2 import CardState, review
    from quiz.store import Review, open_store
    store = open_store(sys.argv[1])
    day = date(2026, 3, 1)
    n = 0
    while True:
        state = CardState()
        store.record(Review(bank="b", question_id=f"q{n}", reviewed_at=f"2026-03-01T00:00:00.{n:06d}+00:00",
                            day=day.isoformat(), grade=4, kind="review", state_before=state,
                            state_after=review(state, 4, day), answer="x" * 2000))
        print(n, flush=True)
        n += 1
    """
)


def test_sigkill_while_grading_loses_no_committed_grade(tmp_path):
    path = tmp_path / "q.db"
    open_store(path)
    for attempt in range(3):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True
        )
        committed = -1
        deadline = time.monotonic() + 30
        while committed < 50 * (attempt + 1) and time.monotonic() < deadline:
            committed = int(proc.stdout.readline())
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        conn.close()
        store = open_store(path)
        ids = {r.question_id for r in store.reviews("b")}
        # every grade reported as committed is there, with its card state
        assert {f"q{n}" for n in range(committed + 1)} <= ids
        assert set(store.card_states("b")) == ids
        # start the next run from a clean log, so each kill is checked on its own
        store.db.execute("DELETE FROM reviews")
        store.db.execute("DELETE FROM cards")
        store.db.conn.commit()


def sample_log(store):
    state = CardState()
    for n, grade in enumerate([5, 4, 2, 3, 5]):
        logged = store.record(
            graded("q1", grade, state, at=f"2026-03-0{n + 1}T07:00:00.123456+00:00",
                   answer=f"try {n}, with \"quotes\", commas\nand a newline é\u2028\r",
                   duration_s=1.25 * n, check_runs=n or None, first_run_passed=bool(n % 2))
        )  # fmt: skip
        state = logged.state_after
    store.record(graded("q2", 1, kind="cram", at="2026-03-05T09:00:00+00:00"))


@pytest.mark.parametrize("name", ["log.jsonl", "log.csv"])
def test_export_import_round_trip_is_exact(tmp_path, name):
    source = open_store(tmp_path / "a.db")
    sample_log(source)
    source.set_note("b", "q1", '=mind the, "comma"\nand a second line')
    path = tmp_path / name
    assert export_reviews(source, path) == 6
    target = open_store(tmp_path / "b.db")
    assert import_reviews(target, path) == 6
    strip = lambda reviews: [r.to_row() | {"id": None} for r in reviews]  # noqa: E731
    assert strip(target.reviews()) == strip(source.reviews())
    assert target.card_states("b") == source.card_states("b")
    assert target.notes() == {("b", "q1"): '=mind the, "comma"\nand a second line'}
    # importing the same file again adds nothing
    assert import_reviews(target, path) == 0
    again = tmp_path / ("again" + path.suffix)
    export_reviews(target, again)
    assert again.read_bytes() == path.read_bytes()


def test_import_is_all_or_nothing_and_names_the_bad_line(tmp_path):
    source = open_store(tmp_path / "a.db")
    sample_log(source)
    path = tmp_path / "log.jsonl"
    export_reviews(source, path)
    lines = path.read_text(encoding="utf-8").split("\n")
    assert '"grade": 3' in lines[3]
    lines[3] = lines[3].replace('"grade": 3', '"grade": 9')
    path.write_text("\n".join(lines), encoding="utf-8")
    target = open_store(tmp_path / "b.db")
    with pytest.raises(QuizError, match=r"log.jsonl:4: grade must be an integer 0-5, not 9"):
        import_reviews(target, path)
    assert target.review_count() == 0
    assert target.card_states("b") == {}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "not valid JSON"),
        ("[1, 2]", "each line must be a JSON object"),
        ('{"bank": "b"}', "missing field 'question_id'"),
    ],
)
def test_malformed_lines(tmp_path, line, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(line + "\n")
    with pytest.raises(QuizError, match=rf"bad.jsonl:1: .*{message}"):
        read_reviews(path)


def test_import_keeps_a_later_local_review(tmp_path):
    source = open_store(tmp_path / "a.db")
    source.record(graded("q1", 5, at="2026-03-01T07:00:00+00:00"))
    path = tmp_path / "log.jsonl"
    export_reviews(source, path)
    target = open_store(tmp_path / "b.db")
    later = target.record(graded("q1", 2, at="2026-03-09T07:00:00+00:00"))
    import_reviews(target, path)
    assert target.card_state("b", "q1") == later.state_after
    assert json.loads(path.read_text())["grade"] == 5


def test_a_draft_is_kept_per_question_until_that_question_is_graded(tmp_path):
    from quiz.store import Draft

    store = open_store(tmp_path / "q.db")
    store.save_draft("b", "q1", Draft("half an answer", "why"), "2026-03-01T09:00:00+01:00")
    store.save_draft("b", "q2", Draft("another"), "2026-03-01T09:00:00+01:00")
    store.save_draft("b", "q1", Draft("a longer answer", "why"), "2026-03-01T09:01:00+01:00")
    reopened = open_store(tmp_path / "q.db")
    assert reopened.draft("b", "q1") == Draft("a longer answer", "why")
    reopened.record(graded("q1"))
    assert reopened.draft("b", "q1") is None
    assert reopened.draft("b", "q2") == Draft("another")
    reopened.save_draft("b", "q2", None, "2026-03-01T09:02:00+01:00")
    assert reopened.draft("b", "q2") is None


def test_an_older_database_gains_the_new_tables_and_keeps_its_log(tmp_path):
    from quiz.store import Database, migrations

    db = Database(tmp_path / "old.db")
    migrations.apply(db, stop_before="m003_drafts_flags_notes_and_extra_study")
    answer = graded("q9")
    row = answer.to_row()  # as quiz wrote it then: no scheduler, unversioned states
    del row["scheduler"], row["explanation"]
    row["state_before"] = json.dumps(answer.state_before.to_dict())
    row["state_after"] = json.dumps(answer.state_after.to_dict())
    db["reviews"].insert(row)
    db.close()
    store = open_store(tmp_path / "old.db")
    store.set_note("b", "q9", "mine")
    assert store.review_count() == 1 and store.note("b", "q9") == "mine"
    assert list(store.reviews()) == [replace(answer, id=1)]


def test_an_export_from_before_notes_still_imports(tmp_path):
    import csv

    source = open_store(tmp_path / "a.db")
    sample_log(source)
    path = tmp_path / "log.csv"
    export_reviews(source, path)
    with path.open(newline="") as handle:
        rows = [row[:-3] for row in csv.reader(handle)]  # before the scheduler seam, too
    assert rows[0][-1] == "state_after"
    older = tmp_path / "older.csv"
    with older.open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    target = open_store(tmp_path / "b.db")
    assert import_reviews(target, older) == 6
    assert target.notes() == {}


def test_import_keeps_each_instant_in_utc_to_the_microsecond_however_it_was_written(tmp_path):
    from quiz.backup import iter_rows

    record = json.loads(json.dumps(graded().to_row()))
    record["state_before"], record["state_after"] = CardState().to_dict(), CardState().to_dict()
    written = ["2026-03-02T06:00:00.000000+00:00", "2026-03-02 06:00:00+00:00",
               "2026-03-02T07:00:00.000000+01:00", "2026-03-02T06:00:00Z",
               "2026-03-01T23:30:00-06:30"]  # fmt: skip
    path = tmp_path / "log.jsonl"
    path.write_text("".join(json.dumps(record | {"reviewed_at": at}) + "\n" for at in written))
    instants = {row[2] for row in iter_rows(path, {})}
    assert instants == {"2026-03-02T06:00:00.000000+00:00"}


def decoded_export(store, suffix: str) -> bytes:
    """The export as written by decoding every answer and encoding it again: the reference."""
    import csv
    import io

    from quiz.backup import FIELDS
    from quiz.schedulers import state_to_dict

    notes, out = store.notes(), io.StringIO(newline="")
    writer = csv.writer(out) if suffix == ".csv" else None
    if writer:
        writer.writerow(FIELDS)
    for r in store.reviews():
        record = {name: getattr(r, name) for name in FIELDS if name != "note"}
        record |= {"state_before": state_to_dict(r.state_before),
                   "state_after": state_to_dict(r.state_after)}  # fmt: skip
        record["note"] = notes.get((r.bank, r.question_id), "")
        if writer is None:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            continue
        record |= {key: json.dumps(record[key]) for key in ("state_before", "state_after")}
        flag = record["first_run_passed"]
        record["first_run_passed"] = "" if flag is None else str(flag).lower()
        cells = ["" if v is None else str(v) for v in record.values()]
        writer.writerow("'" + c if c.startswith(("=", "+", "-", "@", "\t", "\r", "'")) else c
                        for c in cells)  # fmt: skip
    return out.getvalue().encode("utf-8")


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_export_writes_what_decoding_each_answer_would(tmp_path, suffix):
    from quiz.scheduler_choice import choose_scheduler
    from quiz.schedulers import make_scheduler

    store = open_store(tmp_path / "a.db")
    sample_log(store)
    store.record(graded("q3", 4, at="2026-02-28T23:30:00-05:00", answer='ünï ☃ \\ "x"',
                        duration_s=None, first_run_passed=False))  # fmt: skip
    choose_scheduler(store, "b", "fsrs")
    fsrs = make_scheduler("fsrs")
    after = fsrs.review(fsrs.new_state(), 3, DAY)
    store.record(Review(bank="b", question_id="q4", reviewed_at="2026-03-06T09:00:00+00:00",
                        day="2026-03-06", grade=3, kind="review", state_before=fsrs.new_state(),
                        state_after=after, scheduler="fsrs"))  # fmt: skip
    store.set_note("b", "q1", 'é "quoted"\n=SUM(A1)')
    store.set_note("b", "q3", "☃")
    path = tmp_path / f"log{suffix}"
    assert export_reviews(store, path) == 8
    assert path.read_bytes() == decoded_export(store, suffix)


def test_export_reports_a_stored_state_it_cannot_read(tmp_path):
    store = open_store(tmp_path / "a.db")
    sample_log(store)
    store.db.execute("UPDATE reviews SET state_after = '{\"repetitions\": 1}' WHERE id = 2")
    with pytest.raises(QuizError, match="damaged .*a logged answer cannot be read"):
        export_reviews(store, tmp_path / "log.jsonl")
    assert not (tmp_path / "log.jsonl").exists()


def test_a_name_already_seen_is_still_checked_as_a_day(tmp_path):
    record = json.loads(json.dumps(graded().to_row()))
    record["state_before"], record["state_after"] = CardState().to_dict(), CardState().to_dict()
    path = tmp_path / "log.jsonl"
    lines = [record | {"question_id": "2026-02-30"}, record | {"day": "2026-02-30"}]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    with pytest.raises(QuizError, match=r"log.jsonl:2: day is not an ISO date"):
        read_reviews(path)


def test_a_reading_command_upgrades_a_database_from_an_earlier_quiz(tmp_path):
    from quiz.store import Database, migrations

    path = tmp_path / "older.db"
    db = Database(path)
    migrations.apply(db, stop_before="m006_code_attempts")
    db.close()
    store = open_store(path, read_only=True)
    assert store.read_only and store.review_count() == 0
    assert "code_attempts" in store.db.table_names()
