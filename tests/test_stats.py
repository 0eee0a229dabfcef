"""quiz.stats on histories small enough to work out by hand."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path

import pytest

from quiz.bank import Bank, Question
from quiz.records import LogEntry
from quiz.schedulers.sm2 import CardState
from quiz.stats import Share, compute_stats, stage_of, summarize

TODAY = date(2024, 6, 15)


def ago(days: int) -> str:
    return (TODAY - timedelta(days=days)).isoformat()


def entry(qid, days_ago, grade=4, kind="review", *, reps=0, interval=0, secs=None, first=None):
    return LogEntry(qid, ago(days_ago), kind, grade, secs, first, reps, interval)


def question(qid: str, number: int, kind: str = "recall") -> Question:
    return Question(qid, number, kind, "prompt", "answer", ("a", "b"), ())


BANK = Bank(
    name="test",
    title="Test bank",
    path=Path("bank.yaml"),
    questions=[
        question("alpha", 1),
        question("beta", 2),
        question("gamma", 3, "code"),
        question("delta", 4),
        question("omega", 5),
    ],
)


def figures(log, cards=None, since=None):
    return compute_stats(summarize(log, TODAY, since), BANK, cards or {}, TODAY)


def card(reps: int, interval: int, due_in: int, easiness: str = "2.5") -> CardState:
    return CardState(reps, Fraction(easiness), interval, TODAY + timedelta(days=due_in))


def test_an_empty_history_gives_zeros_and_empty_shares():
    stats = figures([])

    assert stats.studied_today.answers == 0
    assert stats.studied_today.below_passing_share is None
    assert (stats.streak.current, stats.streak.longest) == (0, 0)
    assert len(stats.recent) == 30 and stats.recent[-1].day == TODAY
    assert len(stats.calendar) == 365 and stats.calendar[0].day == TODAY - timedelta(days=364)
    assert all(d.count == 0 for d in stats.calendar)
    assert [w.days for w in stats.retention] == [7, 30, 365]
    assert all(w.overall.ratio is None for w in stats.retention)
    assert sum(d.count for d in stats.forecast) == 0 and stats.due_later == 0
    assert (stats.cards.new, stats.cards.total) == (5, 5)
    assert stats.hardest == [] and stats.first_run == Share(0, 0)
    assert [q.stage for q in stats.questions] == ["new"] * 5


def test_today_counts_every_kind_of_answer_with_its_time_and_low_grades():
    log = [
        entry("alpha", 1, 5, secs=99.0),
        entry("alpha", 0, 4, reps=1, interval=1, secs=10.0),
        entry("beta", 0, 2, reps=2, interval=6, secs=20.5),
        entry("beta", 0, 4, "drill", secs=5.0),
        entry("delta", 0, 1, "cram"),
    ]
    today = figures(log).studied_today

    assert today.answers == 4
    assert today.seconds == pytest.approx(35.5)
    assert today.below_passing == 2 and today.below_passing_share == 0.5
    assert today.by_kind == {"review": 2, "drill": 1, "cram": 1}


def test_streak_runs_through_yesterday_until_today_is_over():
    studied = [0, 1, 2, 4, 10, 11, 12, 13, 14, 20]
    log = [entry("alpha", n) for n in studied]

    with_today = figures(log).streak
    without_today = figures(log[1:]).streak
    broken = figures(log[2:]).streak

    assert (with_today.current, with_today.longest) == (3, 5)
    assert (without_today.current, without_today.longest) == (2, 5)
    assert (broken.current, broken.longest) == (0, 5)


def test_drills_and_cram_count_as_study_days_for_the_streak():
    log = [entry("alpha", 2), entry("alpha", 1, 2, "cram"), entry("alpha", 0, 3, "drill")]

    assert figures(log).streak.current == 3


def test_answers_per_day_cover_the_last_thirty_and_the_year():
    log = [entry("alpha", 0), entry("beta", 0, 1, "drill"), entry("alpha", 29), entry("alpha", 30)]
    log += [entry("beta", 364), entry("beta", 365)]
    stats = figures(log)

    assert stats.recent[-1].count == 2
    assert stats.recent[0].day == TODAY - timedelta(days=29) and stats.recent[0].count == 1
    assert sum(d.count for d in stats.recent) == 3
    assert stats.calendar[0].count == 1
    assert sum(d.count for d in stats.calendar) == 5


def test_true_retention_counts_first_scheduled_reviews_of_learned_cards_only():
    log = [
        # alpha: young and recalled; the same day's drill and cram are ignored.
        entry("alpha", 0, 4, reps=2, interval=6),
        entry("alpha", 0, 1, "drill", reps=3, interval=15),
        entry("alpha", 0, 0, "cram", reps=3, interval=15),
        # beta: mature and forgotten five days ago, then relearned: the relearning is no test.
        entry("beta", 5, 2, reps=5, interval=30),
        entry("beta", 4, 5, reps=0, interval=1),
        # gamma: new, then failed on its first sight and passed next day: nothing learned yet.
        entry("gamma", 3, 1),
        entry("gamma", 2, 4, reps=0, interval=1),
        # delta: learned; a second scheduled answer the same day (merged logs) is not a first.
        entry("delta", 1, 3, reps=1, interval=1),
        entry("delta", 1, 0, reps=2, interval=6),
        # omega: mature, recalled 20 days ago and 200 days ago; 400 days ago is out of every window.
        entry("omega", 400, 5, reps=3, interval=21),
        entry("omega", 200, 5, reps=4, interval=40),
        entry("omega", 20, 3, reps=5, interval=100),
    ]
    week, month, year = figures(log).retention

    assert (week.young, week.mature) == (Share(2, 2), Share(0, 1))
    assert (month.young, month.mature) == (Share(2, 2), Share(1, 2))
    assert (year.young, year.mature) == (Share(2, 2), Share(2, 3))
    assert year.overall == Share(4, 5) and year.overall.ratio == 0.8


def test_the_week_window_starts_six_days_back():
    log = [entry("alpha", 6, 4, reps=2, interval=6), entry("beta", 7, 1, reps=2, interval=6)]

    week, month, _ = figures(log).retention

    assert week.young == Share(1, 1)
    assert month.young == Share(1, 2)


def test_a_lapse_is_a_failed_scheduled_review_of_a_learned_card():
    log = [
        entry("alpha", 9, 5),
        entry("alpha", 8, 2, reps=1, interval=1),  # lapse
        entry("alpha", 8, 1, "drill"),  # a drill: not a lapse
        entry("alpha", 7, 2, reps=0, interval=1),  # still learning: not another lapse
        entry("alpha", 6, 1, "cram", reps=0, interval=1),
        entry("alpha", 5, 4, reps=0, interval=1),
        entry("alpha", 4, 0, reps=1, interval=1),  # lapse
    ]
    alpha = figures(log).questions[0]

    assert alpha.lapses == 2
    assert alpha.reviews == 5
    assert alpha.last_grade == 0


def test_per_question_figures_count_scheduled_reviews_only():
    log = [
        entry("gamma", 3, 5, secs=40.0, first=True),
        entry("gamma", 2, 2, reps=1, interval=1, secs=80.0, first=False),
        entry("gamma", 2, 4, "drill", secs=30.0, first=False),
        entry("gamma", 1, 3, reps=0, interval=1, first=True),
        entry("gamma", 0, 5, "cram", secs=50.0, first=True),
        entry("alpha", 0, 3, secs=12.0),
        entry("alpha", 0, 5, "drill"),
    ]
    cards = {"gamma": card(1, 1, 1), "alpha": card(1, 1, 1)}
    stats = figures(log, cards)
    alpha, _, gamma, *_ = stats.questions

    assert gamma.last_grade == 3
    assert gamma.reviews == 3
    assert gamma.average_seconds == pytest.approx(60.0)
    assert gamma.first_run == Share(2, 3)
    assert stats.first_run == Share(2, 3)
    assert alpha.first_run is None
    assert alpha.last_grade == 3 and alpha.average_seconds == 12.0


def test_forecast_puts_overdue_cards_on_today_and_counts_the_rest_later():
    cards = {
        "alpha": card(2, 6, -3),
        "beta": card(1, 1, 0),
        "gamma": card(3, 15, 1),
        "delta": card(4, 40, 29),
        "omega": card(5, 90, 30),
        "removed": card(1, 1, 0),  # no longer in the bank
    }
    stats = figures([], cards)

    assert stats.forecast[0].day == TODAY and stats.forecast[0].count == 2
    assert stats.forecast[1].count == 1
    assert stats.forecast[29].count == 1 and stats.forecast[29].day == TODAY + timedelta(days=29)
    assert stats.due_later == 1


def test_cards_fall_into_new_learning_young_and_mature():
    cards = {
        "alpha": card(0, 1, 1),
        "beta": card(3, 20, 5),
        "gamma": card(4, 21, 5),
        "delta": card(1, 1, 1),
    }
    stats = figures([], cards)

    assert [q.stage for q in stats.questions] == ["learning", "young", "mature", "young", "new"]
    counts = stats.cards
    assert (counts.new, counts.learning, counts.young, counts.mature) == (1, 1, 2, 1)
    assert stage_of(None) == "new" and stage_of(CardState()) == "new"


def test_easiness_and_interval_distributions_bucket_every_scheduled_card():
    cards = {
        "alpha": card(1, 1, 1, "1.3"),
        "beta": card(2, 6, 1, "1.49"),
        "gamma": card(3, 20, 1, "2.5"),
        "delta": card(4, 21, 1, "2.6"),
        "omega": card(9, 400, 1, "2.8"),
    }
    stats = figures([], cards)

    easiness = dict(stats.distribution("easiness"))
    assert easiness["1.30–1.49"] == 2
    assert easiness["2.50–2.69"] == 2
    assert easiness["2.70+"] == 1
    assert sum(easiness.values()) == 5
    intervals = dict(stats.distribution("interval"))
    assert (intervals["1"], intervals["2–6"], intervals["14–20"]) == (1, 1, 1)
    assert (intervals["21–30"], intervals["366+"]) == (1, 1)


def test_hardest_questions_lowest_easiness_first_then_most_lapses():
    cards = {
        "alpha": card(3, 15, 1, "2.5"),
        "beta": card(3, 15, 1, "1.7"),
        "gamma": card(3, 15, 1, "2.5"),
        "delta": card(3, 15, 1, "1.7"),
        "omega": card(3, 15, 1, "2.6"),
    }
    log = [entry("gamma", 3, 1, reps=2, interval=6), entry("delta", 2, 1, reps=2, interval=6)]
    log += [entry("delta", 1, 2, reps=1, interval=1)]

    hardest = figures(log, cards).hardest

    assert [q.id for q in hardest] == ["delta", "beta", "gamma"]
    assert hardest[0].lapses == 2


def test_since_leaves_earlier_answers_out_but_not_the_cards():
    log = [
        entry("alpha", 10, 1, reps=2, interval=6),
        entry("alpha", 3, 4, reps=0, interval=1),
        entry("alpha", 2, 4, reps=1, interval=1),
    ]
    cards = {"alpha": card(2, 6, 4)}
    stats = figures(log, cards, since=TODAY - timedelta(days=3))

    assert stats.since == TODAY - timedelta(days=3)
    assert stats.questions[0].lapses == 0 and stats.questions[0].reviews == 2
    assert stats.streak.longest == 2
    assert stats.retention[2].overall == Share(1, 1)
    assert stats.cards.young == 1 and stats.forecast[4].count == 1


def test_the_figures_modules_load_without_textual_or_torch():
    code = (
        "import sys, quiz.stats, quiz.stats_report;"
        "print(sorted(m for m in ('textual', 'torch') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
