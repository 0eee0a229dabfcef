"""FSRS behind the seam, computed by the `fsrs` package (py-fsrs), not re-implemented.

quiz schedules in whole study days, so the package runs without its minute-long learning
steps and without fuzz: every rating sets a whole number of days, and the same review
always gives the same state. A study day `d` is handed to the package as midnight UTC of
`d`, so the days between two reviews are exactly the days between their study days.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from typing import Any, ClassVar

import fsrs

from quiz.schedulers.base import Chart, Rating, checked_from_dict, stage_by_interval

DEFAULT_RETENTION = 0.9
DEFAULT_PARAMETERS: tuple[float, ...] = tuple(fsrs.scheduler.DEFAULT_PARAMETERS)
_CARD_ID = 1  # the package wants one; a state here is always one card's
MIN_DIFFICULTY, MAX_DIFFICULTY = 1.0, 10.0
"""The range the package keeps a card's difficulty D in."""

DIFFICULTY_EDGES = (1, 3, 5, 7, 9)
"""Lower bounds of the difficulty buckets."""
STABILITY_EDGES = (0, 1, 2, 7, 14, 21, 31, 91, 181, 366)
"""Lower bounds, in days, of the stability buckets (days until recall falls to 90%)."""
RECALL_EDGES = (0, 50, 70, 80, 90, 95)
"""Lower bounds, in percent, of the buckets of the chance of recall today."""


@dataclass(frozen=True)
class FSRSState:
    """One card under FSRS. `FSRSState()` is a new card, never reviewed."""

    scheduler_name: ClassVar[str] = "fsrs"
    stability: float | None = None
    difficulty: float | None = None
    due: date | None = None
    last_review: date | None = None
    interval: int = 0
    repetitions: int = 0
    """Passing reviews since the last Again: 0 after a lapse, as SM-2 counts them."""

    @property
    def is_new(self) -> bool:
        return self.due is None


def _instant(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def _percent(p: int) -> str:
    return f"{p}%"


class FSRS:
    """FSRS behind the seam, rated Again to Easy."""

    name = "fsrs"
    label = "FSRS"
    state_version = 1
    # On the common scale, Again stands for SM-2's 1 ("incorrect; the answer was
    # remembered") and the passing ratings for its 3, 4 and 5.
    ratings: tuple[Rating, ...] = (
        Rating(4, "4", "Easy", "recalled at once, without effort", True, False, quality=5),
        Rating(3, "3", "Good", "recalled after a moment's thought", True, False, quality=4),
        Rating(2, "2", "Hard", "recalled, with serious difficulty", True, True, quality=3),
        Rating(1, "1", "Again", "forgotten", False, True, quality=1),
    )
    strength_label = "D/S"
    strength_name = "difficulty_stability"
    charts: tuple[Chart, ...] = (
        Chart("difficulty", "Difficulty", "range", DIFFICULTY_EDGES),
        Chart("stability", "Stability (days)", "days", STABILITY_EDGES),
        Chart("retrievability", "Recall today", "percent", RECALL_EDGES, 100, _percent),
    )
    hardest_by = "highest difficulty"
    tunable = True

    def __init__(
        self,
        desired_retention: float = DEFAULT_RETENTION,
        parameters: tuple[float, ...] | list[float] = DEFAULT_PARAMETERS,
    ):
        if not 0.5 <= desired_retention < 1:
            raise ValueError(f"desired retention must be from 0.5 to 0.99, not {desired_retention}")
        self.desired_retention = desired_retention
        self.parameters = tuple(parameters)
        self._package = fsrs.Scheduler(
            parameters=self.parameters,
            desired_retention=desired_retention,
            learning_steps=(),
            relearning_steps=(),
            enable_fuzzing=False,
        )
        # A card first answered Good has given no trouble; its D is the line above which
        # 'hardest questions' looks.
        first_good = self.review(self.new_state(), 3, date(2000, 1, 1))
        self.settled_difficulty = self.difficulty(first_good)

    def new_state(self) -> FSRSState:
        return FSRSState()

    def card(self, state: FSRSState) -> fsrs.Card:
        """The package's card for `state`."""
        if state.due is None:
            return fsrs.Card(card_id=_CARD_ID, due=_instant(date(1970, 1, 1)))
        return fsrs.Card(
            card_id=_CARD_ID,
            state=fsrs.State.Review,
            step=None,
            stability=state.stability,
            difficulty=state.difficulty,
            due=_instant(state.due),
            last_review=_instant(state.last_review) if state.last_review else None,
        )

    def review(self, state: FSRSState, rating: int, when: date) -> FSRSState:
        if rating not in (1, 2, 3, 4) or isinstance(rating, bool):
            raise ValueError(f"an FSRS rating is 1 (Again) to 4 (Easy), got {rating!r}")
        card, _ = self._package.review_card(
            self.card(state), fsrs.Rating(rating), review_datetime=_instant(when)
        )
        due = card.due.date()
        return FSRSState(
            stability=card.stability,
            difficulty=card.difficulty,
            due=due,
            last_review=when,
            interval=(due - when).days,
            repetitions=0 if rating == fsrs.Rating.Again else state.repetitions + 1,
        )

    def next_intervals(self, state: FSRSState, when: date) -> dict[int, int]:
        return {r.value: self.review(state, r.value, when).interval for r in self.ratings}

    def stage(self, state: FSRSState) -> str:
        return stage_by_interval(state.is_new, state.repetitions, state.interval)

    def retrievability(self, state: FSRSState, when: date) -> float:
        """The chance, by the model, that the card is recalled on `when`."""
        return self._package.get_card_retrievability(self.card(state), _instant(when))

    def strength(self, state: FSRSState) -> str:
        """Difficulty (1-10) and stability (days until recall falls to 90%)."""
        return f"{state.difficulty:.1f}/{state.stability:.0f}d"

    def difficulty(self, state: FSRSState) -> float:
        """D from its range 1-10 onto 0-1."""
        assert state.difficulty is not None, "a scheduled FSRS state has its difficulty"
        return (state.difficulty - MIN_DIFFICULTY) / (MAX_DIFFICULTY - MIN_DIFFICULTY)

    def figures(self, state: FSRSState, when: date) -> dict[str, float]:
        assert state.difficulty is not None and state.stability is not None
        return {
            "difficulty": state.difficulty,
            "stability": state.stability,
            "retrievability": self.retrievability(state, when),
            "interval": state.interval,
        }

    def to_dict(self, state: FSRSState) -> dict[str, Any]:
        return {
            "scheduler": self.name,
            "version": self.state_version,
            "stability": state.stability,
            "difficulty": state.difficulty,
            "due": state.due.isoformat() if state.due else None,
            "last_review": state.last_review.isoformat() if state.last_review else None,
            "interval": state.interval,
            "repetitions": state.repetitions,
        }

    def from_dict(self, data: dict[str, Any]) -> FSRSState:
        if data.get("version") != self.state_version:
            raise ValueError(f"FSRS state version {data.get('version')!r} is not one quiz knows")
        due, last = data["due"], data["last_review"]
        state = FSRSState(
            stability=None if data["stability"] is None else float(data["stability"]),
            difficulty=None if data["difficulty"] is None else float(data["difficulty"]),
            due=date.fromisoformat(due) if due else None,
            last_review=date.fromisoformat(last) if last else None,
            interval=int(data["interval"]),
            repetitions=int(data["repetitions"]),
        )
        if not state.is_new and (state.stability is None or state.difficulty is None):
            raise ValueError("a scheduled FSRS state needs its stability and difficulty")
        return replace(state)

    def checked_state(self, data: dict[str, Any], name: str) -> FSRSState:
        return checked_from_dict(self, data, name)
