"""The schedulers quiz offers, by name, and replaying a review log under any of them.

Adding a scheduler: write its module beside `sm2.py` and `fsrs.py` (the `Scheduler`
protocol in `base.py`), name it in `SCHEDULERS` and `make_scheduler` below, and give
its ratings a row in `base.py`'s conversions.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from quiz.schedulers.base import (
    MATURE_INTERVAL,
    SCHEDULE_STAGES,
    STAGES,
    Rating,
    Scheduler,
    card_stage,
    convert_rating,
    rating_for_key,
    rating_of,
)
from quiz.schedulers.sm2 import SM2

SM2_RATINGS = SM2.ratings

__all__ = [
    "MATURE_INTERVAL",
    "SCHEDULERS",
    "SCHEDULE_STAGES",
    "SM2_RATINGS",
    "STAGES",
    "Rating",
    "Scheduler",
    "card_stage",
    "convert_rating",
    "make_scheduler",
    "rating_for_key",
    "rating_of",
    "passed",
    "passing_from",
    "replay",
    "state_from_dict",
    "state_to_dict",
]

SCHEDULERS = ("sm2", "fsrs")
DEFAULT_SCHEDULER = "sm2"


def make_scheduler(
    name: str, *, desired_retention: float | None = None, parameters: Iterable[float] | None = None
) -> Scheduler:
    """The scheduler called `name`; the FSRS options are ignored by SM-2."""
    if name == "sm2":
        return SM2()
    if name == "fsrs":
        from quiz.schedulers.fsrs import DEFAULT_PARAMETERS, DEFAULT_RETENTION, FSRS

        return FSRS(
            DEFAULT_RETENTION if desired_retention is None else desired_retention,
            DEFAULT_PARAMETERS if parameters is None else tuple(parameters),
        )
    raise ValueError(f"unknown scheduler {name!r}; quiz knows {', '.join(SCHEDULERS)}")


_READERS: dict[str, Scheduler] = {}


def _reader(name: str) -> Scheduler:
    """A scheduler with default options, to read its states and ratings."""
    reader = _READERS.get(name)
    if reader is None:
        reader = _READERS[name] = make_scheduler(name)
    return reader


def passed(logged_under: str, rating: int) -> bool:
    """Whether `rating`, given under scheduler `logged_under`, counts as a recall
    (retention, lapses, today's misses): SM-2 from 3, FSRS from Hard."""
    return rating_of(_reader(logged_under), rating).passed


def passing_from(name: str) -> int:
    """The lowest passing rating of scheduler `name`; every one above it passes too."""
    return min(r.value for r in _reader(name).ratings if r.passed)


def state_from_dict(data: dict) -> Any:
    """A stored state, whichever scheduler wrote it; a dict with no name is SM-2's (quiz
    stored those before the seam)."""
    return _reader(data.get("scheduler", "sm2")).from_dict(data)


def replay(scheduler: Scheduler, log: Iterable[tuple[str, str, int, date]]) -> dict[str, Any]:
    """Each card's state after its scheduled reviews, replayed in order under `scheduler`.

    `log` holds (question id, scheduler it was logged under, rating, study day), in the
    order the reviews were given; ratings logged under another scheduler are converted."""
    states: dict[str, Any] = {}
    for question_id, logged_under, rating, day in log:
        before = states.get(question_id, scheduler.new_state())
        rating = convert_rating(rating, logged_under, scheduler.name)
        states[question_id] = scheduler.review(before, rating, day)
    return states


def state_to_dict(state: Any) -> dict:
    """A state as stored: versioned JSON naming the scheduler that made it."""
    from quiz.scheduler import CardState

    return _reader("sm2" if isinstance(state, CardState) else "fsrs").to_dict(state)
