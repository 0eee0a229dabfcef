"""The scheduler seam on both schedulers: purity, stored state, replay after switching, and
FSRS checked against the `fsrs` package's own results."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import fsrs
import pytest

from quiz.scheduler_choice import bank_scheduler, choose_scheduler
from quiz.schedulers import (
    SCHEDULE_STAGES,
    STAGES,
    card_stage,
    make_scheduler,
    replay,
    state_from_dict,
)
from quiz.schedulers.sm2 import CardState
from quiz.schedulers.sm2 import review as sm2_review
from quiz.store import Review, open_store

START = date(2026, 1, 5)
# (days after START, SM-2 grade) for one card: passes, a lapse, passes again.
HISTORY = [(0, 4), (1, 5), (7, 3), (25, 1), (26, 4), (27, 5), (40, 4)]


@pytest.fixture(params=["sm2", "fsrs"])
def scheduler(request):
    return make_scheduler(request.param)


def ratings_of(scheduler) -> list[int]:
    return [r.value for r in scheduler.ratings]


def test_review_is_pure_and_time_is_passed_in(scheduler):
    state = scheduler.review(scheduler.new_state(), ratings_of(scheduler)[1], START)
    copy = replace(state)
    for rating in ratings_of(scheduler):
        later = scheduler.review(state, rating, START + timedelta(days=3))
        assert later is not state
        assert later == scheduler.review(state, rating, START + timedelta(days=3))
    assert state == copy


def test_stored_state_round_trips_through_json(scheduler):
    state = scheduler.new_state()
    for offset, rating in zip([0, 2, 9, 30], ratings_of(scheduler), strict=False):
        state = scheduler.review(state, rating, START + timedelta(days=offset))
        stored = json.loads(json.dumps(scheduler.to_dict(state)))
        assert stored["scheduler"] == scheduler.name and stored["version"] == 1
        assert scheduler.from_dict(stored) == state
        assert state_from_dict(stored) == state


def test_next_intervals_are_what_each_rating_schedules(scheduler):
    state = scheduler.review(scheduler.new_state(), ratings_of(scheduler)[0], START)
    when = state.due
    intervals = scheduler.next_intervals(state, when)
    assert set(intervals) == set(ratings_of(scheduler))
    for rating, days in intervals.items():
        assert scheduler.review(state, rating, when).due == when + timedelta(days=days)
    best, worst = ratings_of(scheduler)[0], ratings_of(scheduler)[-1]
    assert intervals[best] > intervals[worst]


def test_stages_speak_one_vocabulary(scheduler):
    best, worst = ratings_of(scheduler)[0], ratings_of(scheduler)[-1]
    state = scheduler.new_state()
    seen = [scheduler.stage(state)]
    day = START
    for _ in range(6):
        state = scheduler.review(state, best, day)
        seen.append(scheduler.stage(state))
        day = state.due
    state = scheduler.review(state, worst, day)
    seen.append(scheduler.stage(state))
    assert seen[0] == "new" and seen[1] == "young" and "mature" in seen
    assert seen[-1] == "learning"
    assert set(seen) <= set(SCHEDULE_STAGES)


def test_a_cards_flags_override_its_schedulers_stage(scheduler):
    best, worst = ratings_of(scheduler)[0], ratings_of(scheduler)[-1]
    learned = scheduler.review(scheduler.new_state(), best, START)
    assert card_stage(scheduler, None) == card_stage(scheduler, scheduler.new_state()) == "new"
    assert card_stage(scheduler, scheduler.review(learned, worst, learned.due)) == "learning"
    assert card_stage(scheduler, learned) == "young" and learned.interval < 21
    assert card_stage(scheduler, learned, suspended=True) == "suspended"
    assert card_stage(scheduler, learned, buried=True) == "buried"
    assert card_stage(scheduler, None, suspended=True, buried=True) == "suspended"
    assert STAGES == ("new", "learning", "young", "mature", "suspended", "buried")


def test_a_card_matures_at_21_days():
    sm2 = make_scheduler("sm2")
    assert card_stage(sm2, CardState(3, interval=20, due=START)) == "young"
    assert card_stage(sm2, CardState(3, interval=21, due=START)) == "mature"


def test_sm2_behind_the_seam_is_quiz_scheduler_exactly():
    sm2 = make_scheduler("sm2")
    state = own = CardState()
    for offset, grade in HISTORY:
        day = START + timedelta(days=offset)
        state, own = sm2.review(state, grade, day), sm2_review(own, grade, day)
        assert state == own


def package_reviews(sequence, retention=0.9):
    """The `fsrs` package's own card after each (day, rating), run as quiz asks it to: whole
    days, no learning steps, no fuzz."""
    package = fsrs.Scheduler(
        desired_retention=retention, learning_steps=(), relearning_steps=(), enable_fuzzing=False
    )
    card = fsrs.Card(card_id=7, due=datetime(2026, 1, 1, tzinfo=UTC))
    cards = []
    for day, rating in sequence:
        moment = datetime.combine(day, datetime.min.time(), UTC)
        card, _ = package.review_card(card, fsrs.Rating(rating), review_datetime=moment)
        cards.append(card)
    return cards


@pytest.mark.parametrize(
    "ratings, retention",
    [([3, 3, 3, 3], 0.9), ([1, 3, 2, 4, 1, 3], 0.9), ([4, 4, 1, 3, 3], 0.8), ([2, 3, 3], 0.95)],
)
def test_fsrs_matches_the_package_review_for_review(ratings, retention):
    scheduler = make_scheduler("fsrs", desired_retention=retention)
    state, day, sequence = scheduler.new_state(), START, []
    for rating in ratings:
        sequence.append((day, rating))
        state = scheduler.review(state, rating, day)
        day = state.due
    state, expected = scheduler.new_state(), package_reviews(sequence, retention)
    for (day, rating), card in zip(sequence, expected, strict=True):
        state = scheduler.review(state, rating, day)
        assert state.stability == card.stability
        assert state.difficulty == card.difficulty
        assert state.due == card.due.date()


def logged(question_id, grade, day, scheduler, before, after):
    at = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=9)
    return Review(bank="b", question_id=question_id, reviewed_at=at.isoformat(), day=day.isoformat(),
                  grade=grade, kind="review", state_before=before, state_after=after, scheduler=scheduler)  # fmt: skip


def study(store, scheduler, history, question_id="q"):
    state = store.card_state("b", question_id, scheduler.new_state())
    for offset, rating in history:
        day = START + timedelta(days=offset)
        after = scheduler.review(state, rating, day)
        store.record(logged(question_id, rating, day, scheduler.name, state, after))
        state = after
    return state


def test_switching_keeps_every_review_and_switching_back_restores_sm2_exactly(tmp_path):
    store = open_store(tmp_path / "q.db")
    sm2 = bank_scheduler(store, "b")
    assert sm2.name == "sm2"
    study(store, sm2, HISTORY, "q1")
    study(store, sm2, [(0, 5), (1, 2), (2, 4)], "q2")
    before = store.card_states("b")

    fsrs_scheduler = choose_scheduler(store, "b", "fsrs")
    assert bank_scheduler(open_store(tmp_path / "q.db"), "b").name == "fsrs", "the choice sticks"
    rebuilt = store.card_states("b")
    assert set(rebuilt) == {"q1", "q2"} and store.review_count() == 10
    expected = replay(
        fsrs_scheduler,
        [
            ("q1", "fsrs", {0: 1, 1: 1, 2: 1, 3: 2, 4: 3, 5: 4}[g], START + timedelta(days=o))
            for o, g in HISTORY
        ],
    )
    assert rebuilt["q1"] == expected["q1"]
    assert rebuilt["q1"].repetitions == 3 and rebuilt["q1"].stability > 0

    choose_scheduler(store, "b", "sm2")
    assert store.card_states("b") == before


def test_reviews_logged_under_fsrs_replay_under_sm2(tmp_path):
    store = open_store(tmp_path / "q.db")
    fsrs_scheduler = choose_scheduler(store, "b", "fsrs")
    study(store, fsrs_scheduler, [(0, 3), (3, 4), (20, 1), (21, 2)])
    sm2 = choose_scheduler(store, "b", "sm2")
    state = CardState()
    for offset, grade in [(0, 4), (3, 5), (20, 1), (21, 3)]:
        state = sm2_review(state, grade, START + timedelta(days=offset))
    assert store.card_states("b") == {"q": state}
    assert sm2.stage(state) == "young"


def test_desired_retention_is_kept_and_shortens_or_lengthens_intervals(tmp_path):
    store = open_store(tmp_path / "q.db")
    choose_scheduler(store, "b", "fsrs")
    study(store, bank_scheduler(store, "b"), [(0, 3), (3, 3)])
    usual = store.card_state("b", "q").interval
    choose_scheduler(store, "b", desired_retention=0.8)
    assert bank_scheduler(store, "b").desired_retention == 0.8
    assert store.card_state("b", "q").interval > usual


def test_an_unknown_stored_state_version_is_refused():
    with pytest.raises(ValueError, match="version 2"):
        state_from_dict({"scheduler": "fsrs", "version": 2})


def test_import_into_a_bank_on_fsrs_replays_the_log_under_its_own_options(tmp_path):
    from click.testing import CliRunner

    from quiz.backup import export_reviews
    from quiz.cli import main

    source = open_store(tmp_path / "a.db")
    state = CardState()
    for offset, grade in HISTORY:
        day = START + timedelta(days=offset)
        after = sm2_review(state, grade, day)
        source.record(Review(bank="b", question_id="q1", reviewed_at=f"{day}T08:00:00+00:00",
                             day=day.isoformat(), grade=grade, kind="review",
                             state_before=state, state_after=after))  # fmt: skip
        state = after
    export = tmp_path / "log.jsonl"
    export_reviews(source, export)
    target = open_store(tmp_path / "b.db")
    choose_scheduler(target, "b", "fsrs", desired_retention=0.85)
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "b.db"), "import", str(export)])
    assert result.exit_code == 0, result.output

    fsrs = bank_scheduler(target, "b")
    assert fsrs.name == "fsrs" and fsrs.desired_retention == 0.85
    assert target.card_states("b") == replay(fsrs, target.scheduled_log("b"))
    assert target.card_states("b")["q1"] != state, "not the latest logged SM-2 state"
