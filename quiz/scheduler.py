"""SM-2 (SuperMemo, 1990) as pure functions: no clock, no I/O, no globals.

Easiness factors move in steps of 0.02, so they are held as exact fractions;
floating point drifts and, after a few reviews, rounds an interval up a day.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, timedelta
from fractions import Fraction

INITIAL_EASINESS = Fraction(5, 2)
MIN_EASINESS = Fraction(13, 10)
PASSING_QUALITY = 3
"""Grades from here up count as a successful recall."""
DRILL_UNTIL = 4
"""Step 7 of SM-2: within a day, items graded below this are asked again."""

QUALITY_MEANINGS = {
    5: "perfect response",
    4: "correct after a hesitation",
    3: "correct with serious difficulty",
    2: "incorrect; the answer seemed easy to recall",
    1: "incorrect; the answer was remembered",
    0: "complete blackout",
}


def _exact(value: Fraction | float | int | str) -> Fraction:
    """Turn 2.36 into 236/100, not into the nearest binary double's fraction."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, float):
        return Fraction(repr(value))
    return Fraction(value)


@dataclass(frozen=True)
class CardState:
    """The schedule of one card. `CardState()` is a new card, never reviewed."""

    repetitions: int = 0
    easiness: Fraction = INITIAL_EASINESS
    interval: int = 0
    due: date | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "easiness", _exact(self.easiness))

    @property
    def is_new(self) -> bool:
        return self.due is None

    def to_dict(self) -> dict:
        """A JSON-ready form; easiness as a decimal string so it round-trips exactly."""
        return {
            "repetitions": self.repetitions,
            "easiness": format_easiness(self.easiness),
            "interval": self.interval,
            "due": self.due.isoformat() if self.due else None,
        }

    @classmethod
    def from_dict(cls, data: dict) -> CardState:
        due = data.get("due")
        return cls(
            repetitions=int(data["repetitions"]),
            easiness=_exact(str(data["easiness"])),
            interval=int(data["interval"]),
            due=date.fromisoformat(due) if due else None,
        )


def format_easiness(easiness: Fraction) -> str:
    """2.5 -> '2.50'; every reachable easiness is a whole number of hundredths."""
    hundredths = easiness * 100
    if hundredths.denominator == 1:
        return f"{hundredths.numerator // 100}.{hundredths.numerator % 100:02d}"
    return str(float(easiness))


def easiness_delta(quality: int) -> Fraction:
    """EF' - EF for a successful grade: +0.10 for 5, 0 for 4, -0.14 for 3."""
    miss = 5 - quality
    return Fraction(10 - miss * (8 + miss * 2), 100)


def review(state: CardState, quality: int, today: date) -> CardState:
    """Return the state after grading a card `quality` (0-5) on `today`; `state` is untouched."""
    if isinstance(quality, bool) or not isinstance(quality, int) or not 0 <= quality <= 5:
        raise ValueError(f"quality must be an integer from 0 to 5, got {quality!r}")
    if quality < PASSING_QUALITY:
        return replace(state, repetitions=0, interval=1, due=today + timedelta(days=1))
    easiness = max(MIN_EASINESS, state.easiness + easiness_delta(quality))
    repetitions = state.repetitions + 1
    if repetitions == 1:
        interval = 1
    elif repetitions == 2:
        interval = 6
    else:
        interval = math.ceil(state.interval * easiness)
    return CardState(
        repetitions=repetitions,
        easiness=easiness,
        interval=interval,
        due=today + timedelta(days=interval),
    )


def next_intervals(state: CardState, today: date) -> dict[int, int]:
    """The interval in days each grade 0-5 would schedule for a card reviewed `today`."""
    return {quality: review(state, quality, today).interval for quality in range(6)}
