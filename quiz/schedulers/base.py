"""The scheduler seam: what every scheduler offers the app, and the one grade mapping.

A scheduler is a pure object: `review(state, rating, when)` returns a new state and never
mutates the old one, and the study day `when` is always passed in. States are frozen
dataclasses with at least `due` (None while new) and `interval` (days); everything else
(easiness, stability, ...) is the scheduler's own, read through `figures(state)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

STAGES = ("new", "learning", "young", "mature", "suspended", "buried")
"""The one vocabulary for where a card stands, whatever schedules it, used by `quiz list`,
Browse and Stats alike: *new* (never reviewed), *learning* (its last scheduled review
failed), *young* (learned, interval under MATURE_INTERVAL days) and *mature* come from the
scheduler's `stage`; *suspended* and *buried* are the card's flags, which override it."""
SCHEDULE_STAGES = STAGES[:4]
"""The stages a scheduler gives."""
MATURE_INTERVAL = 21
"""Days from which a learned card counts as mature rather than young."""


@dataclass(frozen=True)
class Rating:
    """One answer a scheduler accepts: the value logged, its key, label and meaning."""

    value: int
    key: str
    label: str
    meaning: str
    passed: bool
    """Whether it counts as a successful recall (retention, lapses)."""
    drill: bool
    """Whether a card rated so is asked again later the same day."""


# The one place where the two scales meet, so a log written under either scheduler can be
# replayed by the other. SM-2's three failing grades all reset the card, so they are one
# FSRS Again; Again goes back as 1 ("incorrect; the answer was remembered").
SM2_TO_FSRS = {0: 1, 1: 1, 2: 1, 3: 2, 4: 3, 5: 4}
FSRS_TO_SM2 = {1: 1, 2: 3, 3: 4, 4: 5}
_CONVERSIONS = {("sm2", "fsrs"): SM2_TO_FSRS, ("fsrs", "sm2"): FSRS_TO_SM2}


def convert_rating(rating: int, logged_under: str, target: str) -> int:
    """A rating logged under scheduler `logged_under`, on `target`'s scale."""
    if logged_under == target:
        return rating
    return _CONVERSIONS[logged_under, target][rating]


class Scheduler(Protocol):
    name: str
    """The name stored with every state and review, and given to `--scheduler`."""
    label: str
    state_version: int
    ratings: tuple[Rating, ...]
    """Best first, as the grade bar shows them."""

    def new_state(self) -> Any: ...

    def review(self, state: Any, rating: int, when: date) -> Any:
        """The state after rating the card on study day `when`; `state` is untouched."""

    def next_intervals(self, state: Any, when: date) -> dict[int, int]:
        """The interval in days each rating would schedule on `when`."""

    def stage(self, state: Any) -> str:
        """One of SCHEDULE_STAGES."""

    strength_label: str
    """The short column header of `strength` in listings: 'EF' for SM-2."""

    def strength(self, state: Any) -> str:
        """How well a scheduled card is held, in the scheduler's own terms, as a short cell."""

    def figures(self, state: Any, when: date) -> dict[str, float]:
        """The scheduler's own numbers for a scheduled card, by name, for stats and listings."""

    def to_dict(self, state: Any) -> dict: ...

    def from_dict(self, data: dict) -> Any: ...


def rating_of(scheduler: Scheduler, value: int) -> Rating:
    for rating in scheduler.ratings:
        if rating.value == value:
            return rating
    raise ValueError(
        f"{scheduler.label} has no rating {value!r}; "
        f"it rates {', '.join(str(r.value) for r in scheduler.ratings)}"
    )


def rating_for_key(scheduler: Scheduler, key: str) -> Rating | None:
    return next((r for r in scheduler.ratings if r.key == key), None)


def stage_by_interval(is_new: bool, repetitions: int, interval: int) -> str:
    """new, learning, young or mature, from what both schedulers keep."""
    if is_new:
        return "new"
    if repetitions == 0:
        return "learning"
    return "young" if interval < MATURE_INTERVAL else "mature"


def card_stage(
    scheduler: Scheduler, state: Any | None, *, suspended: bool = False, buried: bool = False
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
