"""The totals kept beside the log equal what a scan of the log gives, after every write."""

import json
import random
from datetime import date, timedelta

import pytest
import sqlite_utils

from quiz.backup import export_reviews, import_reviews, iter_reviews
from quiz.errors import QuizError
from quiz.records import LogEntry
from quiz.scheduler_choice import bank_scheduler, choose_scheduler
from quiz.schedulers import make_scheduler, replay
from quiz.schedulers.sm2 import CardState, review
from quiz.stats import summarize
from quiz.store import (
    Review,
    m001_cards_and_reviews,
    m003_drafts_flags_notes_and_extra_study,
    m004_scheduler_states,
    migrations,
    open_store,
)

TODAY = date(2026, 3, 20)


def scanned(store, bank):
    """The log read answer by answer and reduced in Python: the reference."""
    entries = [
        LogEntry(r.question_id, r.day, r.kind, r.grade, r.duration_s, r.first_run_passed,
                 r.state_before.repetitions, r.state_before.interval, r.scheduler)
        for r in store.reviews(bank)
    ]  # fmt: skip
    return summarize(entries, TODAY)


def assert_totals_match_the_log(store, bank="b"):
    kept, scan = store.log_summary(bank, TODAY), scanned(store, bank)
    assert kept.answers_per_day == scan.answers_per_day
    assert kept.retained == scan.retained
    assert kept.records.keys() == scan.records.keys()
    for qid, record in scan.records.items():
        # Seconds are summed in another order by SQLite: equal to the last bit or so.
        assert kept.records[qid]._replace(seconds=0) == record._replace(seconds=0)
        assert kept.records[qid].seconds == pytest.approx(record.seconds)
    assert store.last_grades(bank) == {q: r.last_grade for q, r in scan.records.items()}
    assert store.study_days(bank) == {date.fromisoformat(d) for d, _ in scan.answers_per_day}


def random_history(store, rng, answers=120, bank="b", scheduler="sm2"):
    """Reviews, drills and cram over a few cards and days, with undos along the way,
    rated on `scheduler`'s scale and scheduled by it."""
    grader = make_scheduler(scheduler)
    ratings = sorted(r.value for r in grader.ratings)
    states = {}
    logged = []
    for n in range(answers):
        day = TODAY - timedelta(days=40 - n // 4)
        qid = rng.choice(("q1", "q2", "q3", "q4"))
        kind = rng.choice(("review", "review", "drill", "cram"))
        before = states.get(qid, grader.new_state())
        grade = rng.choice(ratings)
        after = grader.review(before, grade, day) if kind == "review" else before
        entry = store.record(
            Review(bank=bank, question_id=qid, reviewed_at=f"{day}T{8 + n % 12:02d}:00:00+00:00",
                   day=day.isoformat(), grade=grade, kind=kind, state_before=before,
                   state_after=after, duration_s=rng.choice((None, 3.5, 12.25)),
                   first_run_passed=rng.choice((None, True, False)), scheduler=scheduler)
        )  # fmt: skip
        if kind == "review":
            states[qid] = after
        logged.append(entry)
        if rng.random() < 0.15:
            undone = logged.pop()
            store.undo(undone.id)
            if undone.kind == "review":
                states[qid] = undone.state_before
    return logged


@pytest.mark.parametrize("scheduler", ["sm2", "fsrs"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_totals_equal_a_scan_after_record_undo_cram_import_and_reimport(tmp_path, seed, scheduler):
    rng = random.Random(seed)
    source = open_store(tmp_path / "a.db")
    choose_scheduler(source, "b", scheduler)
    random_history(source, rng, scheduler=scheduler)
    assert_totals_match_the_log(source)

    path = tmp_path / "log.jsonl"
    export_reviews(source, path)
    target = open_store(tmp_path / "b.db")
    random_history(target, random.Random(seed + 10), answers=30)  # a log of its own first
    # Under FSRS the target switches before the import, so its log holds both scales.
    choose_scheduler(target, "b", scheduler)
    import_reviews(target, path)
    assert_totals_match_the_log(target)
    if scheduler != "sm2":  # the import replayed the whole log under the bank's scheduler
        replayed = replay(bank_scheduler(target, "b"), target.scheduled_log("b"))
        assert target.card_states("b") == {q: s for q, s in replayed.items() if not s.is_new}
    assert import_reviews(target, path) == 0
    assert_totals_match_the_log(target)

    # Undo in the target, after the import, still keeps the totals right.
    last = max(target.reviews("b"), key=lambda r: (r.reviewed_at, r.id))
    target.undo(last.id)
    assert_totals_match_the_log(target)


def test_undoing_a_cards_only_review_leaves_no_totals(tmp_path):
    store = open_store(tmp_path / "q.db")
    first = store.record(
        Review(bank="b", question_id="q1", reviewed_at="2026-03-20T08:00:00+00:00",
               day=TODAY.isoformat(), grade=4, kind="review", state_before=CardState(),
               state_after=review(CardState(), 4, TODAY))
    )  # fmt: skip
    assert store.last_grades("b") == {"q1": 4}
    store.undo(first.id)
    assert store.last_grades("b") == {}
    assert store.study_days("b") == set()
    assert store.db.execute("SELECT COUNT(*) FROM day_totals").fetchone() == (0,)


def test_a_database_from_before_the_totals_migrates_with_them_filled_in(tmp_path):
    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    migrations.apply(db, stop_before="m002_question_and_day_totals")
    assert "question_totals" not in db.table_names()
    # Fill it as the previous version did: rows in the log, the cards' latest states.
    donor = open_store(tmp_path / "donor.db")
    random_history(donor, random.Random(7))
    for r in donor.reviews():
        row = r.to_row()  # as quiz wrote it then: no scheduler, unversioned states
        del row["scheduler"], row["explanation"]
        row["state_before"] = json.dumps(r.state_before.to_dict())
        row["state_after"] = json.dumps(r.state_after.to_dict())
        db["reviews"].insert(row)
    for qid, state in donor.card_states("b").items():
        db["cards"].insert({"bank": "b", "question_id": qid, **state.to_dict()})
    db.close()

    store = open_store(path)
    assert {"question_totals", "day_totals"} <= set(store.db.table_names())
    assert_totals_match_the_log(store)
    assert store.last_grades("b") == donor.last_grades("b")


def test_a_database_that_named_schedulers_before_it_had_totals_totals_each_by_its_own(tmp_path):
    """m002 came after m004 was written: a database that took m004 first takes m002 last,
    when its log may already hold FSRS ratings, whose Hard is a pass."""
    path = tmp_path / "early.db"
    db = sqlite_utils.Database(path)
    migrations.ensure_migrations_table(db)
    for step in (
        m001_cards_and_reviews,
        m003_drafts_flags_notes_and_extra_study,
        m004_scheduler_states,
    ):
        step(db)
        db["_sqlite_migrations"].insert(
            {
                "migration_set": "quiz",
                "name": step.__name__,
                "applied_at": "2026-03-01 00:00:00+00:00",
            }
        )
    donor = open_store(tmp_path / "donor.db")
    random_history(donor, random.Random(8), scheduler="fsrs")
    random_history(donor, random.Random(9), answers=40)  # and SM-2 answers after them
    for r in donor.reviews():
        row = r.to_row()
        del row["explanation"]  # m007 came later
        db["reviews"].insert(row)
    assert "question_totals" not in db.table_names()
    db.close()

    store = open_store(path)
    assert [m.name for m in migrations.pending(store.db)] == []
    assert_totals_match_the_log(store)
    assert {r.scheduler for r in store.reviews()} == {"sm2", "fsrs"}


def test_import_streams_answers_before_the_rest_of_the_file_is_read(tmp_path):
    source = open_store(tmp_path / "a.db")
    random_history(source, random.Random(4), answers=10)
    path = tmp_path / "log.jsonl"
    export_reviews(source, path)
    with path.open("a", encoding="utf-8") as out:
        out.write("not json\n")
    answers = iter_reviews(path, {})
    first = next(answers)  # handed over while the bad line is still unread
    assert first.bank == "b"
    with pytest.raises(QuizError, match=r"log.jsonl:\d+: not valid JSON"):
        list(answers)
    # and importing it writes nothing
    target = open_store(tmp_path / "b.db")
    with pytest.raises(QuizError):
        import_reviews(target, path)
    assert target.review_count() == 0
    assert target.db.execute("SELECT COUNT(*) FROM question_totals").fetchone() == (0,)
    assert target.db.execute("SELECT COUNT(*) FROM day_totals").fetchone() == (0,)


def test_import_orders_new_answers_by_instant_and_drops_repeats_within_the_file(tmp_path):
    path = tmp_path / "log.jsonl"
    source = open_store(tmp_path / "a.db")
    state = CardState()
    for at, grade in (("2026-03-02T10:00:00+05:00", 5), ("2026-03-02T06:00:00+00:00", 4)):
        after = review(state, grade, TODAY)
        source.record(Review(bank="b", question_id="q1", reviewed_at=at, day="2026-03-02",
                             grade=grade, kind="review", state_before=state, state_after=after))  # fmt: skip
        state = after
    export_reviews(source, path)
    path.write_text(path.read_text() * 2)  # every answer twice
    target = open_store(tmp_path / "b.db")
    assert import_reviews(target, path) == 2
    rows = target.db.execute("SELECT reviewed_at, grade FROM reviews ORDER BY id").fetchall()
    assert rows == [
        ("2026-03-02T05:00:00.000000+00:00", 5),
        ("2026-03-02T06:00:00.000000+00:00", 4),
    ]
    assert target.card_state("b", "q1") == state
    assert_totals_match_the_log(target)


def rows_in_order(store):
    return store.db.execute(
        "SELECT reviewed_at, question_id, kind, grade FROM reviews ORDER BY id"
    ).fetchall()


def exported_history(tmp_path, monkeypatch, window: int, seed: int, answers: int):
    """A random log in a.db, exported to log.jsonl, with import sorting `window` answers at a
    time; (the source store, the export's path, its lines)."""
    import quiz.store.log_import

    monkeypatch.setattr(quiz.store.log_import, "IMPORT_ORDER_WINDOW", window)
    source = open_store(tmp_path / "a.db")
    random_history(source, random.Random(seed), answers=answers)
    path = tmp_path / "log.jsonl"
    export_reviews(source, path)
    return source, path, path.read_text().splitlines(keepends=True)


@pytest.mark.parametrize("window", [10_000, 3])
def test_a_shuffled_log_with_repeats_imports_in_order_within_and_beyond_the_window(
    tmp_path, monkeypatch, window
):
    source, path, lines = exported_history(tmp_path, monkeypatch, window, seed=7, answers=60)
    random.Random(8).shuffle(lines)
    path.write_text("".join(lines + lines[:10]))  # out of order, some twice
    target = open_store(tmp_path / "b.db")
    assert import_reviews(target, path) == len(lines)
    by_instant = source.db.execute(
        "SELECT reviewed_at, question_id, kind, grade FROM reviews ORDER BY reviewed_at, id"
    ).fetchall()
    assert rows_in_order(target) == by_instant
    assert [r.id for r in target.reviews()] == list(range(1, len(lines) + 1))
    assert target.card_states("b") == source.card_states("b")
    assert_totals_match_the_log(target)


@pytest.mark.parametrize("window", [10_000, 2])
def test_an_import_overlapping_the_log_adds_only_the_answers_it_lacks(
    tmp_path, monkeypatch, window
):
    source, path, lines = exported_history(tmp_path, monkeypatch, window, seed=11, answers=80)
    # The target already holds the middle of the log, written with another offset.
    middle = tmp_path / "middle.jsonl"
    shifted = []
    for line in lines[20:50]:
        record = json.loads(line)
        at = date.fromisoformat(record["reviewed_at"][:10])
        hour = int(record["reviewed_at"][11:13])
        record["reviewed_at"] = f"{at}T{hour + 2:02d}{record['reviewed_at'][13:19]}+02:00"
        shifted.append(json.dumps(record) + "\n")
    middle.write_text("".join(shifted))
    target = open_store(tmp_path / "b.db")
    assert import_reviews(target, middle) == 30
    assert import_reviews(target, path) == len(lines) - 30
    assert sorted(rows_in_order(target)) == sorted(rows_in_order(source))
    assert target.card_states("b") == source.card_states("b")
    assert_totals_match_the_log(target)


def test_answers_sharing_an_instant_are_kept_unless_they_repeat_one(tmp_path):
    at, day = "2026-03-02T06:00:00.000000+00:00", "2026-03-02"
    state = CardState()
    lines = []
    for qid, kind, grade in [("q1", "review", 4), ("q2", "review", 3), ("q1", "cram", 2),
                             ("q1", "review", 1), ("q2", "drill", 5)]:  # fmt: skip
        after = review(state, grade, TODAY) if kind == "review" else state
        row = Review(bank="b", question_id=qid, reviewed_at=at, day=day, grade=grade,
                     kind=kind, state_before=state, state_after=after).to_row()  # fmt: skip
        row["state_before"], row["state_after"] = map(json.loads, (row.pop("state_before"), row.pop("state_after")))  # fmt: skip
        lines.append(json.dumps(row) + "\n")
    path = tmp_path / "log.jsonl"
    path.write_text("".join(lines))
    target = open_store(tmp_path / "b.db")
    assert import_reviews(target, path) == 4  # the second q1 review repeats the first
    assert [(q, k, g) for _, q, k, g in rows_in_order(target)] == [
        ("q1", "review", 4), ("q2", "review", 3), ("q1", "cram", 2), ("q2", "drill", 5)
    ]  # fmt: skip
    assert_totals_match_the_log(target)


def test_an_import_touching_more_cards_and_days_than_it_notes_reads_them_back(
    tmp_path, monkeypatch
):
    import quiz.store.log_import

    source = open_store(tmp_path / "a.db")
    random_history(source, random.Random(12), answers=50)
    path = tmp_path / "log.jsonl"
    export_reviews(source, path)
    targets = []
    for kept in (100_000, 2):
        monkeypatch.setattr(quiz.store.log_import, "IMPORT_TOUCHED_KEPT", kept)
        target = open_store(tmp_path / f"b{kept}.db")
        random_history(target, random.Random(13), answers=20)
        import_reviews(target, path)
        assert_totals_match_the_log(target)
        targets.append(target)
    noted, read_back = targets
    assert read_back.card_states("b") == noted.card_states("b")
    for table in ("question_totals", "day_totals"):
        query = f"SELECT * FROM {table} ORDER BY 1, 2"
        assert read_back.db.execute(query).fetchall() == noted.db.execute(query).fetchall()
