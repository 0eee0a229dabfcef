"""A third scheduler, defined and registered here, is offered, schedules, replays and is
exported like the built-in two: the seam in `quiz.schedulers` is all it needs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest
from click.testing import CliRunner

from quiz.backup import export_reviews, import_reviews
from quiz.bank import load_bank
from quiz.cli import main
from quiz.paths import default_db_path
from quiz.scheduler_choice import bank_scheduler, choose_scheduler
from quiz.schedulers import (
    Chart,
    Rating,
    checked_from_dict,
    register_scheduler,
    scheduler_names,
    stage_by_interval,
    unregister_scheduler,
)
from quiz.session import Answer, StudySession
from quiz.store import open_store

KNEW_DAYS = 3


@dataclass(frozen=True)
class FixedState:
    scheduler_name: ClassVar[str] = "fixed"
    repetitions: int = 0
    interval: int = 0
    due: date | None = None

    @property
    def is_new(self) -> bool:
        return self.due is None


class Fixed:
    """Knew it: back in KNEW_DAYS days, always. Forgot it: tomorrow, and a drill today."""

    name = "fixed"
    label = "Fixed"
    state_version = 1
    ratings: tuple[Rating, ...] = (
        Rating(2, "2", "Knew", "remembered it", True, False, quality=4),
        Rating(1, "1", "Forgot", "did not remember it", False, True, quality=1),
    )
    strength_label = "reps"
    strength_name = "repetitions"
    charts: tuple[Chart, ...] = (Chart("interval", "Interval (days)", "days", (1, 2, 7)),)
    hardest_by = "fewest passes"
    settled_difficulty = 0.5
    tunable = False

    def new_state(self) -> FixedState:
        return FixedState()

    def review(self, state: FixedState, rating: int, when: date) -> FixedState:
        if rating == 2:
            return FixedState(state.repetitions + 1, KNEW_DAYS, when + timedelta(KNEW_DAYS))
        if rating == 1:
            return FixedState(0, 1, when + timedelta(days=1))
        raise ValueError(f"a fixed rating is 1 or 2, not {rating!r}")

    def next_intervals(self, state: FixedState, when: date) -> dict[int, int]:
        return {r.value: self.review(state, r.value, when).interval for r in self.ratings}

    def stage(self, state: FixedState) -> str:
        return stage_by_interval(state.is_new, state.repetitions, state.interval)

    def strength(self, state: FixedState) -> str:
        return str(state.repetitions)

    def difficulty(self, state: FixedState) -> float:
        return 1 / (1 + state.repetitions)

    def figures(self, state: FixedState, when: date) -> dict[str, float]:
        return {"interval": state.interval}

    def to_dict(self, state: FixedState) -> dict[str, Any]:
        due = state.due.isoformat() if state.due else None
        return {"scheduler": self.name, "version": self.state_version,
                "repetitions": state.repetitions, "interval": state.interval, "due": due}  # fmt: skip

    def from_dict(self, data: dict[str, Any]) -> FixedState:
        due = data["due"]
        return FixedState(
            int(data["repetitions"]),
            int(data["interval"]),
            date.fromisoformat(due) if due else None,
        )

    def checked_state(self, data: dict[str, Any], name: str) -> FixedState:
        return checked_from_dict(self, data, name)


BANK_YAML = """\
bank: third
title: A third scheduler's bank
questions:
  - {id: alpha, number: 1, kind: recall, prompt: p, answer: a, key_points: [a, b], tags: []}
  - {id: beta, number: 2, kind: recall, prompt: p, answer: a, key_points: [a, b], tags: []}
"""
# Half past nine on the first day; every later moment is counted from it.
START = datetime(2025, 3, 3, 9, 30)
DAY = START.date()


@pytest.fixture
def fixed() -> Iterator[None]:
    register_scheduler("fixed", lambda options: Fixed())
    try:
        yield
    finally:
        unregister_scheduler("fixed")


@pytest.fixture
def bank_path(tmp_path) -> Path:
    path = tmp_path / "bank.yaml"
    path.write_text(BANK_YAML)
    return path


def quiz(bank_path: Path, *args: str, at: datetime = START):
    result = CliRunner().invoke(main, ["--bank", str(bank_path), *args], obj=lambda: at)
    assert result.exit_code == 0, result.output
    return result.output


def test_it_is_listed_where_schedulers_are_named(fixed, bank_path):
    assert scheduler_names() == ("sm2", "fsrs", "fixed")
    assert "[sm2|fsrs|fixed]" in quiz(bank_path, "--help")

    listing = quiz(bank_path, "--scheduler", "fixed", "list")

    header = next(line for line in listing.splitlines() if "┃ id" in line)
    assert "┃ reps ┃" in header  # its own measure's column, where SM-2 shows EF
    assert bank_scheduler(open_store(default_db_path()), "third").name == "fixed"


def test_without_it_the_name_is_refused_in_one_line(bank_path):
    result = CliRunner().invoke(main, ["--bank", str(bank_path), "--scheduler", "fixed", "list"])
    assert result.exit_code == 2
    assert "'fixed' is not one of 'sm2', 'fsrs'" in result.output


def test_it_schedules_replays_undoes_and_exports(fixed, bank_path, tmp_path):
    store = open_store(default_db_path())
    bank = load_bank(bank_path)
    # Under SM-2 first: alpha passes (4), beta fails (1).
    quiz(bank_path, "grade", "alpha", "4")
    quiz(bank_path, "grade", "beta", "1")
    sm2_states = store.card_states("third")

    # Choosing it replays the log: SM-2's 4 is a Knew, its 1 a Forgot.
    quiz(bank_path, "--scheduler", "fixed", "list")
    assert store.card_states("third") == {
        "alpha": FixedState(1, KNEW_DAYS, DAY + timedelta(KNEW_DAYS)),
        "beta": FixedState(0, 1, DAY + timedelta(1)),
    }

    # Its own ratings, by its own keys, give its intervals through the real store.
    later = START + timedelta(days=KNEW_DAYS)
    said = quiz(bank_path, "grade", "alpha", "2", at=later)
    assert said == f"alpha: graded Knew; back in {KNEW_DAYS} days\n"
    assert store.card_state("third", "alpha") == FixedState(
        2, KNEW_DAYS, later.date() + timedelta(KNEW_DAYS)
    )
    logged = list(store.reviews("third"))[-1]
    assert (logged.grade, logged.scheduler) == (2, "fixed")
    assert "asked again today" in quiz(bank_path, "grade", "beta", "1", at=later)
    assert store.card_state("third", "beta") == FixedState(0, 1, later.date() + timedelta(1))

    # Undo puts the card back as it was before the grade.
    session = StudySession(
        bank, store, DAY + timedelta(4), scheduler=bank_scheduler(store, "third")
    )
    before = store.card_state("third", "beta")
    assert session.take_up("beta")
    session.grade(2, Answer(), later + timedelta(days=1))
    assert store.card_state("third", "beta") == FixedState(
        1, KNEW_DAYS, DAY + timedelta(4 + KNEW_DAYS)
    )
    session.undo()
    assert store.card_state("third", "beta") == before
    fixed_states = store.card_states("third")

    # Away to SM-2 and back: the log replays into the same states each time.
    choose_scheduler(store, "third", "sm2")
    assert store.card_states("third")["alpha"] != fixed_states["alpha"]
    choose_scheduler(store, "third", "fixed")
    assert store.card_states("third") == fixed_states
    assert sm2_states["alpha"].interval == 1  # SM-2's first pass, as the replay started from

    # The export carries its reviews and states; imported elsewhere, the log rebuilds them.
    exported = tmp_path / "log.jsonl"
    assert export_reviews(store, exported) == len(list(store.reviews("third")))
    records = [json.loads(line) for line in exported.read_text().splitlines()]
    ours = [r for r in records if r["scheduler"] == "fixed"]
    assert len(ours) == 2 and ours[0]["state_after"]["scheduler"] == "fixed"
    elsewhere = open_store(tmp_path / "elsewhere.db")
    assert import_reviews(elsewhere, exported) == len(records)
    choose_scheduler(elsewhere, "third", "fixed")
    assert elsewhere.card_states("third") == fixed_states
