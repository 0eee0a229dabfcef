"""The day's queue over a real bank and a real SQLite file."""

from datetime import date, datetime, timedelta, timezone

import pytest

from quiz.bank import load_bank
from quiz.schedulers.sm2 import CardState, review
from quiz.session import Answer, StudySession, record_cram, study_day
from quiz.store import open_store

TODAY = date(2026, 11, 26)
NOW = datetime(2026, 11, 26, 9, 30, tzinfo=timezone(timedelta(hours=1)))


def make_bank(tmp_path, count=6):
    lines = ["bank: demo", "title: Demo", "questions:"]
    for n in range(1, count + 1):
        lines += [
            f"  - id: q{n}",
            f"    number: {n}",
            "    kind: recall",
            f"    prompt: Question {n}?",
            f"    answer: Answer {n}.",
            "    key_points: [one, two]",
            "    tags: []",
        ]
    path = tmp_path / "bank.yaml"
    path.write_text("\n".join(lines) + "\n")
    return load_bank(path)


@pytest.fixture
def bank(tmp_path):
    return make_bank(tmp_path)


@pytest.fixture
def store(tmp_path):
    return open_store(tmp_path / "q.db")


def schedule(store, bank, question_id, due):
    """Give a card a past review so that it falls due on `due`."""
    state = CardState(repetitions=2, easiness=2.5, interval=6, due=due)
    store._put_card(bank.name, question_id, state)


def ids(questions):
    return [q.id for q in questions]


def test_study_day_rolls_over_at_the_configured_hour():
    assert study_day(datetime(2026, 11, 27, 3, 59)) == date(2026, 11, 26)
    assert study_day(datetime(2026, 11, 27, 4, 0)) == date(2026, 11, 27)
    assert study_day(datetime(2026, 11, 27, 5, 59), day_starts_at=6) == date(2026, 11, 26)


def test_due_most_overdue_first_then_new_up_to_the_limit(bank, store):
    schedule(store, bank, "q5", TODAY)
    schedule(store, bank, "q3", TODAY - timedelta(days=4))
    schedule(store, bank, "q6", TODAY + timedelta(days=1))
    session = StudySession(bank, store, TODAY, new_per_day=2)
    assert ids(session.queue) == ["q3", "q5", "q1", "q2"]
    assert (session.counts().due, session.counts().new, session.counts().drill) == (2, 2, 0)


def test_grading_commits_before_the_next_question(bank, store, tmp_path):
    session = StudySession(bank, store, TODAY, new_per_day=3)
    logged = session.grade(4, Answer(text="my answer", duration_s=3.0), NOW)
    reopened = open_store(tmp_path / "q.db")
    (row,) = list(reopened.reviews("demo"))
    assert row.id == logged.id and row.answer == "my answer" and row.kind == "review"
    assert row.reviewed_at == "2026-11-26T08:30:00.000000+00:00"
    assert reopened.card_state("demo", "q1") == review(CardState(), 4, TODAY)
    assert ids(session.queue) == ["q2", "q3"]
    assert session.progress() == (1, 3)


def test_low_grades_come_back_as_drills_that_leave_the_schedule_alone(bank, store):
    session = StudySession(bank, store, TODAY, new_per_day=2)
    session.grade(2, Answer(), NOW)  # q1 fails
    session.grade(5, Answer(), NOW)  # q2 fine
    assert ids(session.queue) == ["q1"]
    assert session.is_drill(session.current)
    state = store.card_state("demo", "q1")
    session.grade(3, Answer(), NOW)  # still below 4: asked again
    assert ids(session.queue) == ["q1"]
    session.grade(4, Answer(), NOW)
    assert session.queue == []
    assert store.card_state("demo", "q1") == state
    kinds = [(r.question_id, r.kind, r.grade) for r in store.reviews("demo")]
    assert kinds == [("q1", "review", 2), ("q2", "review", 5), ("q1", "drill", 3),
                     ("q1", "drill", 4)]  # fmt: skip


def test_reopening_the_same_day_keeps_pending_drills_and_the_new_limit(bank, store):
    first = StudySession(bank, store, TODAY, new_per_day=2)
    first.grade(1, Answer(), NOW)
    again = StudySession(bank, store, TODAY, new_per_day=2)
    assert ids(again.queue) == ["q2", "q1"]
    assert again.counts().new == 1 and again.counts().drill == 1
    tomorrow = StudySession(bank, store, TODAY + timedelta(days=1), new_per_day=2)
    assert ids(tomorrow.queue) == ["q1", "q2", "q3"]  # q1 due again; fresh drills list


def test_undo_restores_state_and_asks_the_question_again(bank, store):
    schedule(store, bank, "q4", TODAY)
    session = StudySession(bank, store, TODAY, new_per_day=1)
    before = store.card_state("demo", "q4")
    session.grade(1, Answer(), NOW)
    assert store.card_state("demo", "q4") != before
    assert session.undo().id == "q4"
    assert store.card_state("demo", "q4") == before
    assert store.review_count() == 0
    assert ids(session.queue) == ["q4", "q1"]
    assert session.undo() is None


def test_undo_of_a_new_card_makes_it_new_again(bank, store):
    session = StudySession(bank, store, TODAY, new_per_day=1)
    session.grade(5, Answer(), NOW)
    assert session.queue == []
    session.undo()
    assert store.card_states("demo") == {}
    assert ids(session.queue) == ["q1"]


def test_cram_never_touches_the_schedule(bank, store):
    schedule(store, bank, "q2", TODAY + timedelta(days=9))
    before = store.card_states("demo")
    record_cram(store, bank, bank.get("q2"), 0, Answer(text="guess"), NOW, TODAY)
    record_cram(store, bank, bank.get("q3"), 5, Answer(), NOW, TODAY)
    assert store.card_states("demo") == before
    session = StudySession(bank, store, TODAY, new_per_day=10)
    assert "q2" not in ids(session.queue) and "q3" in ids(session.queue)
    assert session.counts().drill == 0


def test_grading_an_empty_queue_is_an_error(bank, store):
    session = StudySession(bank, store, TODAY, new_per_day=0)
    with pytest.raises(LookupError):
        session.grade(4, Answer(), NOW)


def test_suspended_and_buried_cards_leave_the_queue_and_come_back(bank, store):
    from quiz.store import CardFlags

    session = StudySession(bank, store, TODAY, new_per_day=3)
    assert [q.id for q in session.queue] == ["q1", "q2", "q3"]
    store.set_flags("demo", "q1", CardFlags(suspended=True))
    store.set_flags("demo", "q2", CardFlags(buried_on=TODAY))
    session.refresh()
    assert [q.id for q in session.queue] == ["q3", "q4", "q5"]
    tomorrow = StudySession(bank, store, TODAY + timedelta(days=1), new_per_day=3)
    assert [q.id for q in tomorrow.queue] == ["q2", "q3", "q4"]  # a burial lasts one day
    store.set_flags("demo", "q1", CardFlags())
    session.refresh()
    assert [q.id for q in session.queue] == ["q1", "q3", "q4"]


def test_more_new_cards_and_reviews_ahead_for_one_day(bank, store):
    session = StudySession(bank, store, TODAY, new_per_day=1)
    session.grade(5, Answer("x"), NOW)
    assert session.queue == []
    store.add_study_extras("demo", TODAY, more_new=2)
    session.refresh()
    assert [q.id for q in session.queue] == ["q2", "q3"]
    assert StudySession(bank, store, TODAY + timedelta(days=1), new_per_day=1).counts().new == 1
    store.add_study_extras("demo", TODAY, ahead_days=1)  # q1 is due tomorrow
    session.refresh()
    assert [q.id for q in session.queue] == ["q1", "q2", "q3"]
    assert session.grade(4, Answer("y"), NOW).kind == "review"
