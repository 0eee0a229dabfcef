"""The schedulers quiz offers, by name, and what the rest of quiz may use of them.

Everything outside this package goes through the names below and the `Scheduler`
protocol, never a scheduler's own module. Adding a scheduler: write its module beside
`sm2.py` and `fsrs.py` (the protocol in `base.py`; its ratings say where each sits on
the common quality scale) and register it in `_BUILT_IN` below; a test or a plugin may
instead call `register_scheduler`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from quiz.schedulers.base import (
    MATURE_INTERVAL,
    QUALITIES,
    SCHEDULE_STAGES,
    STAGES,
    Chart,
    Rating,
    Scheduler,
    ScheduleState,
    card_stage,
    checked_from_dict,
    rating_for_key,
    rating_for_quality,
    rating_of,
    stage_by_interval,
)

__all__ = [
    "DEFAULT_SCHEDULER",
    "MATURE_INTERVAL",
    "QUALITIES",
    "SCHEDULE_STAGES",
    "STAGES",
    "Chart",
    "Rating",
    "ScheduleState",
    "Scheduler",
    "SchedulerOptions",
    "card_stage",
    "checked_from_dict",
    "checked_state",
    "convert_rating",
    "default_ratings",
    "make_scheduler",
    "passed",
    "passing_from",
    "rating_for_key",
    "rating_for_quality",
    "rating_of",
    "register_scheduler",
    "replay",
    "scheduler_names",
    "stage_by_interval",
    "state_from_dict",
    "state_to_dict",
    "unregister_scheduler",
]

DEFAULT_SCHEDULER = "sm2"


@dataclass(frozen=True)
class SchedulerOptions:
    """The options a bank may keep for its scheduler; each scheduler reads those it has."""

    desired_retention: float | None = None
    parameters: tuple[float, ...] | None = None


Factory = Callable[[SchedulerOptions], Scheduler[Any]]


def _sm2(options: SchedulerOptions) -> Scheduler[Any]:
    from quiz.schedulers.sm2 import SM2

    return SM2()


def _fsrs(options: SchedulerOptions) -> Scheduler[Any]:
    # Imported on first use, so a session under SM-2 never loads the fsrs package.
    from quiz.schedulers.fsrs import DEFAULT_PARAMETERS, DEFAULT_RETENTION, FSRS

    return FSRS(
        DEFAULT_RETENTION if options.desired_retention is None else options.desired_retention,
        DEFAULT_PARAMETERS if options.parameters is None else options.parameters,
    )


_BUILT_IN: dict[str, Factory] = {"sm2": _sm2, "fsrs": _fsrs}
_FACTORIES: dict[str, Factory] = dict(_BUILT_IN)
_READERS: dict[str, Scheduler[Any]] = {}


def scheduler_names() -> tuple[str, ...]:
    """Every scheduler's name, as `--scheduler` takes it, the default first."""
    return tuple(_FACTORIES)


def register_scheduler(name: str, factory: Factory) -> None:
    """Offer the scheduler `factory` makes under `name`, beside the built-in ones."""
    if name in _FACTORIES:
        raise ValueError(f"a scheduler called {name!r} is already registered")
    _FACTORIES[name] = factory


def unregister_scheduler(name: str) -> None:
    """Withdraw a scheduler `register_scheduler` added; the built-in ones stay."""
    if name in _BUILT_IN:
        raise ValueError(f"{name!r} is built in")
    _FACTORIES.pop(name, None)
    _READERS.pop(name, None)


def make_scheduler(
    name: str, *, desired_retention: float | None = None, parameters: Iterable[float] | None = None
) -> Scheduler[Any]:
    """The scheduler called `name`, with the options it reads of those given."""
    factory = _FACTORIES.get(name)
    if factory is None:
        raise ValueError(f"unknown scheduler {name!r}; quiz knows {', '.join(_FACTORIES)}")
    kept = None if parameters is None else tuple(float(p) for p in parameters)
    return factory(SchedulerOptions(desired_retention, kept))


def _reader(name: str) -> Scheduler[Any]:
    """A scheduler with default options, to read its states and ratings."""
    reader = _READERS.get(name)
    if reader is None:
        reader = _READERS[name] = make_scheduler(name)
    return reader


def default_ratings() -> tuple[Rating, ...]:
    """The default scheduler's ratings, for screens shown before a session has one."""
    return _reader(DEFAULT_SCHEDULER).ratings


def convert_rating(rating: int, logged_under: str, target: str) -> int:
    """A rating logged under scheduler `logged_under`, on `target`'s scale, through the
    common quality scale."""
    if logged_under == target:
        return rating
    quality = rating_of(_reader(logged_under), rating).quality
    return rating_for_quality(_reader(target).ratings, quality).value


def passed(logged_under: str, rating: int) -> bool:
    """Whether `rating`, given under scheduler `logged_under`, counts as a recall
    (retention, lapses, today's misses): SM-2 from 3, FSRS from Hard."""
    return rating_of(_reader(logged_under), rating).passed


def passing_from(name: str) -> int:
    """The lowest passing rating of scheduler `name`; every one above it passes too."""
    return min(r.value for r in _reader(name).ratings if r.passed)


def state_from_dict(data: dict[str, Any]) -> ScheduleState:
    """A stored state, whichever scheduler wrote it; a dict with no name is SM-2's (quiz
    stored those before the seam)."""
    state: ScheduleState = _reader(data.get("scheduler", "sm2")).from_dict(data)
    return state


def state_to_dict(state: ScheduleState) -> dict[str, Any]:
    """A state as stored: versioned JSON naming the scheduler that made it."""
    return _reader(state.scheduler_name).to_dict(state)


def checked_state(data: dict[str, Any], name: str) -> ScheduleState:
    """A state from an export, checked by the scheduler it names (SM-2's when it names
    none) to be one it could have written; a ValueError says what is wrong."""
    try:
        reader = _reader(data.get("scheduler", "sm2"))
    except ValueError as exc:
        raise ValueError(f"{name} is not a state quiz could have written ({exc})") from None
    state: ScheduleState = reader.checked_state(data, name)
    return state


def replay(
    scheduler: Scheduler[Any], log: Iterable[tuple[str, str, int, date]]
) -> dict[str, ScheduleState]:
    """Each card's state after its scheduled reviews, replayed in order under `scheduler`.

    `log` holds (question id, scheduler it was logged under, rating, study day), in the
    order the reviews were given; ratings logged under another scheduler are converted."""
    states: dict[str, ScheduleState] = {}
    for question_id, logged_under, rating, day in log:
        before = states.get(question_id, scheduler.new_state())
        rating = convert_rating(rating, logged_under, scheduler.name)
        states[question_id] = scheduler.review(before, rating, day)
    return states
