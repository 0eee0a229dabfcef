"""`quiz optimize`: FSRS fitted to the learner's log by the package's own optimizer, run in
a child process; refused plainly below what the optimizer needs."""

from __future__ import annotations

import random
import re
from datetime import date, timedelta

import pytest
from click.testing import CliRunner

from quiz.bank import load_bank
from quiz.cli import main
from quiz.optimize import MIN_REVIEWS, accuracy, counted_reviews, histories
from quiz.paths import default_bank_path
from quiz.scheduler_choice import PARAMETERS_KEY, bank_scheduler
from quiz.schedulers import make_scheduler
from quiz.schedulers.fsrs import DEFAULT_PARAMETERS
from quiz.store import Review, open_store

START = date(2026, 1, 1)


def learner_log(bank: str, cards: int, days: int, seed: int = 1) -> list[Review]:
    """Reviews of `cards` cards scheduled by default FSRS, recalled by a learner whose
    memory is not FSRS's: recall falls as 0.9 ** (days / s), s doubling-and-more on each
    recall and shrinking on each lapse."""
    rng = random.Random(seed)
    fsrs = make_scheduler("fsrs")
    reviews = []
    for card in range(cards):
        state, strength, last = fsrs.new_state(), 1.5 + rng.random(), None
        day = START + timedelta(days=card % 20)
        while day < START + timedelta(days=days):
            rating = 3
            if last is not None:
                if rng.random() < 0.9 ** ((day - last).days / strength):
                    strength *= 2.2
                else:
                    rating, strength = 1, max(1.0, strength * 0.4)
            after = fsrs.review(state, rating, day)
            reviews.append(Review(bank=bank, question_id=f"q{card}", day=day.isoformat(),
                                  reviewed_at=f"{day.isoformat()}T08:00:{card % 60:02d}+00:00",
                                  grade=rating, kind="review", scheduler="fsrs",
                                  state_before=state, state_after=after))  # fmt: skip
            state, last, day = after, day, after.due
    return reviews


@pytest.fixture
def bank_name() -> str:
    return load_bank(default_bank_path()).name


def test_only_reviews_on_a_later_day_than_the_cards_previous_one_count():
    log = [
        ("a", "fsrs", 3, START),  # a card's first review: nothing to predict
        ("a", "fsrs", 1, START),  # same day: a drill, nothing forgotten in between
        ("a", "fsrs", 3, START + timedelta(days=2)),
        ("b", "sm2", 4, START + timedelta(days=1)),
        ("b", "sm2", 2, START + timedelta(days=3)),
    ]
    cards = histories(log)
    assert cards["b"] == [(START + timedelta(days=1), 3), (START + timedelta(days=3), 1)]
    assert counted_reviews(cards) == 2
    long = {"c": [(START + timedelta(days=d), 3) for d in range(100)]}
    assert counted_reviews(long) == 63, "the optimizer reads each card's first 64 reviews"


def test_too_few_reviews_are_refused_with_how_many_more(tmp_path, bank_name):
    db = tmp_path / "q.db"
    store = open_store(db)
    reviews = learner_log(bank_name, cards=10, days=120)
    store.import_reviews(reviews)
    counted = counted_reviews(histories(store.scheduled_log(bank_name)))
    assert 0 < counted < MIN_REVIEWS
    result = CliRunner().invoke(main, ["--db", str(db), "optimize", "--yes"])
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (
        "quiz: error: too few reviews to fit FSRS: it needs 512 reviews of a card on a later "
        f"day than its previous one, and the log has {counted}, so {512 - counted} more"
    )
    assert PARAMETERS_KEY not in store.settings(bank_name)


def test_optimize_shows_the_fit_and_saves_only_when_told(tmp_path, bank_name):
    db = tmp_path / "q.db"
    store = open_store(db)
    store.import_reviews(learner_log(bank_name, cards=70, days=240))
    cards = histories(store.scheduled_log(bank_name))
    counted = counted_reviews(cards)
    assert counted >= MIN_REVIEWS
    runner = CliRunner()

    declined = runner.invoke(main, ["--db", str(db), "optimize"], input="n\n")
    assert declined.exit_code == 0, declined.output
    assert f"Used {counted} reviews of 70 questions" in declined.output
    assert "Not saved; FSRS keeps the defaults." in declined.output
    assert store.settings(bank_name) == {}
    default = accuracy(cards, DEFAULT_PARAMETERS)
    shown = re.search(r"^default\s+([\d.]+)\s+([\d.]+)$", declined.output, re.M)
    assert shown.groups() == (f"{default.log_loss:.4f}", f"{default.rmse:.4f}")
    fitted_loss = float(re.search(r"^fitted\s+([\d.]+)", declined.output, re.M).group(1))
    assert fitted_loss < default.log_loss, "this learner forgets unlike FSRS's defaults"

    saved = runner.invoke(main, ["--db", str(db), "--scheduler", "fsrs", "optimize", "--yes"])
    assert saved.exit_code == 0, saved.output
    scheduler = bank_scheduler(store, bank_name)
    assert scheduler.parameters != DEFAULT_PARAMETERS
    assert f"{accuracy(cards, scheduler.parameters).log_loss:.4f}" in saved.output
    # The cards are replayed under the fitted parameters at once.
    fitted = make_scheduler("fsrs", parameters=scheduler.parameters)
    state = fitted.new_state()
    for day, rating in cards["q0"]:
        state = fitted.review(state, rating, day)
    assert store.card_states(bank_name)["q0"] == state
