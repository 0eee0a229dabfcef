"""Golden tests for SM-2: every figure here was worked out by hand from the rules."""

from datetime import date, timedelta
from fractions import Fraction

import pytest

from quiz.schedulers.sm2 import CardState, easiness_delta, review

DAY = date(2026, 1, 1)


def run(grades, start=DAY):
    state, today = CardState(), start
    for grade in grades:
        state = review(state, grade, today)
        today = state.due
    return state


def test_new_card():
    card = CardState()
    assert (card.repetitions, card.easiness, card.interval, card.due) == (0, 2.5, 0, None)
    assert card.is_new


@pytest.mark.parametrize(
    ("quality", "delta"), [(5, Fraction(1, 10)), (4, 0), (3, Fraction(-14, 100))]
)
def test_easiness_delta_per_grade(quality, delta):
    assert easiness_delta(quality) == delta
    assert review(CardState(), quality, DAY).easiness == Fraction(5, 2) + delta


def test_easiness_never_below_1_3():
    state = run([3] * 12)
    assert state.easiness == Fraction(13, 10)
    assert review(CardState(easiness=Fraction(135, 100)), 3, DAY).easiness == Fraction(13, 10)


def test_intervals_1_then_6_then_ceil_of_interval_times_new_easiness():
    first = review(CardState(), 5, DAY)
    assert (first.repetitions, first.interval, first.due) == (1, 1, DAY + timedelta(days=1))
    second = review(first, 5, first.due)
    assert (second.repetitions, second.interval) == (2, 6)
    third = review(second, 5, second.due)
    # easiness after three 5s is 2.8; 6 * 2.8 = 16.8 -> 17
    assert third.easiness == Fraction(28, 10)
    assert third.interval == 17


def test_updated_easiness_is_used_for_the_interval():
    state = run([5, 5])  # EF 2.7, interval 6
    assert review(state, 3, DAY).interval == 16  # ceil(6 * 2.56) = ceil(15.36)
    assert review(state, 4, DAY).interval == 17  # ceil(6 * 2.7) = ceil(16.2)


def test_exact_arithmetic_where_floats_give_897():
    state = run([4, 4, 5, 4, 5, 5, 4])
    assert state.interval == 896
    assert state.easiness == Fraction(28, 10)


def test_failure_restarts_repetitions_and_keeps_easiness():
    learned = run([5, 4, 3])
    for quality in (0, 1, 2):
        failed = review(learned, quality, DAY)
        assert failed.repetitions == 0
        assert failed.interval == 1
        assert failed.easiness == learned.easiness
        assert failed.due == DAY + timedelta(days=1)
    relearned = review(review(learned, 2, DAY), 4, DAY + timedelta(days=1))
    assert (relearned.repetitions, relearned.interval) == (1, 1)


def test_lateness_earns_nothing():
    state = run([5, 5])
    on_time = review(state, 4, state.due)
    late = review(state, 4, state.due + timedelta(days=40))
    assert on_time.interval == late.interval


def test_review_never_mutates_its_input():
    state = run([5, 4])
    copy = CardState(state.repetitions, state.easiness, state.interval, state.due)
    review(state, 1, DAY)
    review(state, 5, DAY)
    assert state == copy


@pytest.mark.parametrize("quality", [-1, 6, 2.5, "4", True, None])
def test_invalid_quality_is_refused(quality):
    with pytest.raises(ValueError):
        review(CardState(), quality, DAY)


def test_state_round_trips_through_its_dict_exactly():
    state = run([3, 5, 3, 4, 5, 3])
    assert CardState.from_dict(state.to_dict()) == state
    assert state.to_dict()["easiness"] == "2.28"  # 2.5 - .14 + .1 - .14 + 0 + .1 - .14


def test_next_intervals_are_what_each_grade_would_schedule():
    from quiz.schedulers.sm2 import next_intervals

    today = date(2025, 1, 10)
    assert next_intervals(CardState(), today) == {q: 1 for q in range(6)}
    second = CardState(repetitions=2, easiness=Fraction(5, 2), interval=6, due=today)
    assert next_intervals(second, today) == {0: 1, 1: 1, 2: 1, 3: 15, 4: 15, 5: 16}
    for quality, days in next_intervals(second, today).items():
        assert review(second, quality, today).interval == days
