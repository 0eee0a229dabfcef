"""The scheduler seam: what every scheduler offers the app, and how ratings meet.

A scheduler is a pure object: `review(state, rating, when)` returns a new state and never
mutates the old one, and the study day `when` is always passed in. States are frozen
dataclasses that say which scheduler made them and keep at least what `ScheduleState`
names; everything else (easiness, stability, ...) is the scheduler's own, read through
`figures(state)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar, Protocol, TypeVar

STAGES = ("new", "learning", "young", "mature", "suspended", "buried")
"""The one vocabulary for where a card stands, whatever schedules it, used by `quiz list`,
Browse and Stats alike: *new* (never reviewed), *learning* (its last scheduled review
failed), *young* (learned, interval under MATURE_INTERVAL days) and *mature* come from the
scheduler's `stage`; *suspended* and *buried* are the card's flags, which override it."""
SCHEDULE_STAGES = STAGES[:4]
"""The stages a scheduler gives."""
MATURE_INTERVAL = 21
"""Days from which a learned card counts as mature rather than young."""

QUALITIES = range(6)
"""The common scale every rating is placed on, 0 (blackout) to 5 (perfect), as SM-2 grades:
a review logged under one scheduler is replayed by another through it, and the recall
marker suggests a grade on it."""


class ScheduleState(Protocol):
    """What the app reads of any scheduler's card state. The stored form (`to_dict`) also
    holds `due`, `interval` and `repetitions` by those names: the store's totals read them."""

    scheduler_name: ClassVar[str]
    """The name of the scheduler that makes such states."""

    @property
    def due(self) -> date | None: ...

    @property
    def interval(self) -> int: ...

    @property
    def repetitions(self) -> int:
        """Passing reviews since the last failed one: 0 while learning."""

    @property
    def is_new(self) -> bool: ...


StateT = TypeVar("StateT", bound=ScheduleState)


@dataclass(frozen=True)
class Rating:
    """One answer a scheduler accepts: the value logged, its key, label and meaning."""

    value: int
    key: str
    """The key that gives it: a digit, as the review screen binds digits."""
    label: str
    meaning: str
    passed: bool
    """Whether it counts as a successful recall (retention, lapses)."""
    drill: bool
    """Whether a card rated so is asked again later the same day."""
    quality: int = field(kw_only=True)
    """Where it sits on the common scale, QUALITIES."""


@dataclass(frozen=True)
class Chart:
    """One of a scheduler's figures, bucketed for the stats: `figure` names it in
    `figures`; each value is scaled by `scale` and floored before the buckets' lower
    `edges` sort it, and `show` writes an edge as a label."""

    figure: str
    title: str
    unit: str
    """What a bucket's label measures, for JSON: 'range', 'days' or 'percent'."""
    edges: tuple[int, ...]
    scale: int = 1
    show: Callable[[int], str] = str


class Scheduler(Protocol[StateT]):
    """A scheduler over its own card states, `StateT`."""

    name: str
    """The name stored with every state and review, and given to `--scheduler`."""
    label: str
    state_version: int
    ratings: tuple[Rating, ...]
    """Best first, as the grade bar shows them."""
    strength_label: str
    """The short column header of `strength` in listings: 'EF' for SM-2."""
    strength_name: str
    """What `strength` measures, as a JSON key: 'easiness' for SM-2."""
    charts: tuple[Chart, ...]
    """The stats' charts of its own figures."""
    hardest_by: str
    """How 'hardest questions' are ordered, in its terms: 'lowest easiness'."""
    settled_difficulty: float
    """The `difficulty` of a card that has given no trouble yet; 'hardest questions' shows
    only cards above it, or with lapses."""
    tunable: bool
    """Whether its states depend on options kept per bank (FSRS's parameters), so that a
    state logged elsewhere is not necessarily the bank's."""

    def new_state(self) -> StateT: ...

    def review(self, state: StateT, rating: int, when: date) -> StateT:
        """The state after rating the card on study day `when`; `state` is untouched."""

    def next_intervals(self, state: StateT, when: date) -> dict[int, int]:
        """The interval in days each rating would schedule on `when`."""

    def stage(self, state: StateT) -> str:
        """One of SCHEDULE_STAGES."""

    def strength(self, state: StateT) -> str:
        """How well a scheduled card is held, in the scheduler's own terms, as a short cell."""

    def difficulty(self, state: StateT) -> float:
        """How hard a scheduled card is, from 0 to 1 (hardest), comparable across schedulers."""

    def figures(self, state: StateT, when: date) -> dict[str, float]:
        """The scheduler's own numbers for a scheduled card, by name, for stats and listings."""

    def to_dict(self, state: StateT) -> dict[str, Any]: ...

    def from_dict(self, data: dict[str, Any]) -> StateT: ...

    def checked_state(self, data: dict[str, Any], name: str) -> StateT:
        """A state from an export, refused with a ValueError naming `name` unless this
        scheduler could have written it."""


def rating_of(scheduler: Scheduler[Any], value: int) -> Rating:
    for rating in scheduler.ratings:
        if rating.value == value:
            return rating
    raise ValueError(
        f"{scheduler.label} has no rating {value!r}; "
        f"it rates {', '.join(str(r.value) for r in scheduler.ratings)}"
    )


def rating_for_key(scheduler: Scheduler[Any], key: str) -> Rating | None:
    return next((r for r in scheduler.ratings if r.key == key), None)


def rating_for_quality(ratings: tuple[Rating, ...], quality: int) -> Rating:
    """The rating that stands for `quality` on the common scale: the highest one at or
    below it, else the lowest (SM-2's 0, 1 and 2 are all FSRS's Again)."""
    below = [r for r in ratings if r.quality <= quality]
    if below:
        return max(below, key=lambda r: r.quality)
    return min(ratings, key=lambda r: r.quality)


def stage_by_interval(is_new: bool, repetitions: int, interval: int) -> str:
    """new, learning, young or mature, from what every state keeps."""
    if is_new:
        return "new"
    if repetitions == 0:
        return "learning"
    return "young" if interval < MATURE_INTERVAL else "mature"


def card_stage(
    scheduler: Scheduler[Any],
    state: ScheduleState | None,
    *,
    suspended: bool = False,
    buried: bool = False,
) -> str:
    """A card's stage in the one vocabulary: its flags when set aside, else its scheduler's
    stage (new when it has no state yet)."""
    if suspended:
        return "suspended"
    if buried:
        return "buried"
    if state is None:
        return "new"
    return scheduler.stage(state)


def checked_from_dict(scheduler: Scheduler[StateT], data: dict[str, Any], name: str) -> StateT:
    """`scheduler.from_dict(data)`, its complaints worded for an import's `name`."""
    try:
        return scheduler.from_dict(data)
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{name} is not a state quiz could have written ({exc})") from None
