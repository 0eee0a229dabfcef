"""SM-2 (SuperMemo, 1990): its arithmetic as pure functions, and the scheduler over them.

Easiness factors move in steps of 0.02, so they are held as exact fractions;
floating point drifts and, after a few reviews, rounds an interval up a day.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from fractions import Fraction
from typing import Any, ClassVar

from quiz.schedulers.base import Chart, Rating, stage_by_interval

INITIAL_EASINESS = Fraction(5, 2)
MIN_EASINESS = Fraction(13, 10)
MAX_EASINESS = Fraction(10)
"""The most an imported state may claim; far beyond what reviews reach."""
PASSING_QUALITY = 3
"""Grades from here up count as a successful recall."""
DRILL_UNTIL = 4
"""Step 7 of SM-2: within a day, items graded below this are asked again."""
MAX_INTERVAL = 36_500
"""A century: no schedule SM-2 gives a learner comes near it, and due dates stay in range."""
MAX_REPETITIONS = 100_000

QUALITY_MEANINGS = {
    5: "perfect response",
    4: "correct after a hesitation",
    3: "correct with serious difficulty",
    2: "incorrect; the answer seemed easy to recall",
    1: "incorrect; the answer was remembered",
    0: "complete blackout",
}

EASINESS_EDGES = (130, 150, 170, 190, 210, 230, 250, 270)
"""Lower bounds, in hundredths, of the easiness buckets; the last is open-ended."""
INTERVAL_EDGES = (1, 2, 7, 14, 21, 31, 91, 181, 366)
"""Lower bounds, in days, of the interval buckets; the last is open-ended."""


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

    scheduler_name: ClassVar[str] = "sm2"
    repetitions: int = 0
    easiness: Fraction = INITIAL_EASINESS
    interval: int = 0
    due: date | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "easiness", _exact(self.easiness))

    @property
    def is_new(self) -> bool:
        return self.due is None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form; easiness as a decimal string so it round-trips exactly."""
        return {
            "repetitions": self.repetitions,
            "easiness": format_easiness(self.easiness),
            "interval": self.interval,
            "due": self.due.isoformat() if self.due else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CardState:
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


def _hundredths(h: int) -> str:
    return f"{h // 100}.{h % 100:02d}"


_KEEPS = ("repetitions", "easiness", "interval", "due")
_EASINESS_TEXT = re.compile(r"\d{1,3}(\.\d{1,2})?")


class SM2:
    """SM-2 behind the seam, its six grades as ratings."""

    name = "sm2"
    label = "SM-2"
    state_version = 1
    ratings: tuple[Rating, ...] = tuple(
        Rating(
            value=grade,
            key=str(grade),
            label=str(grade),
            meaning=QUALITY_MEANINGS[grade],
            passed=grade >= PASSING_QUALITY,
            drill=grade < DRILL_UNTIL,
            quality=grade,
        )
        for grade in range(5, -1, -1)
    )
    strength_label = "EF"
    strength_name = "easiness"
    charts: tuple[Chart, ...] = (
        Chart("easiness", "Easiness", "range", EASINESS_EDGES, 100, _hundredths),
        Chart("interval", "Interval (days)", "days", INTERVAL_EDGES),
    )
    hardest_by = "lowest easiness"
    settled_difficulty = float(MIN_EASINESS / INITIAL_EASINESS)
    tunable = False

    def new_state(self) -> CardState:
        return CardState()

    def review(self, state: CardState, rating: int, when: date) -> CardState:
        return review(state, rating, when)

    def next_intervals(self, state: CardState, when: date) -> dict[int, int]:
        return next_intervals(state, when)

    def stage(self, state: CardState) -> str:
        return stage_by_interval(state.is_new, state.repetitions, state.interval)

    def strength(self, state: CardState) -> str:
        return format_easiness(state.easiness)

    def difficulty(self, state: CardState) -> float:
        """1.3 / EF: 1 at the floor of 1.3, 0.52 for a new card's 2.5, falling towards 0 as
        the easiness grows, so that every easiness keeps its own place in the order."""
        return float(MIN_EASINESS / state.easiness)

    def figures(self, state: CardState, when: date) -> dict[str, float]:
        return {"easiness": float(state.easiness), "interval": state.interval}

    def to_dict(self, state: CardState) -> dict[str, Any]:
        return {"scheduler": self.name, "version": self.state_version, **state.to_dict()}

    def from_dict(self, data: dict[str, Any]) -> CardState:
        """Also reads the unversioned dicts quiz stored before the seam."""
        version = data.get("version", 1)
        if version != self.state_version:
            raise ValueError(f"SM-2 state version {version!r} is not one quiz knows")
        return CardState.from_dict({key: data[key] for key in _KEEPS if key in data})

    def checked_state(self, data: dict[str, Any], name: str) -> CardState:
        """Every field checked against what reviews can produce, so grading it later works."""
        if data.get("version", 1) != 1:
            version = _show(data["version"])
            raise ValueError(f"{name}: SM-2 state version {version} is not one quiz knows")
        data = {key: value for key, value in data.items() if key not in ("scheduler", "version")}
        for key in _KEEPS[:3]:
            if key not in data:
                raise ValueError(f"{name} is missing '{key}'")
        unknown = set(data) - set(_KEEPS)
        if unknown:
            raise ValueError(f"{name} has an unknown field '{sorted(map(str, unknown))[0]}'")
        repetitions, interval = data["repetitions"], data["interval"]
        if not _is_int(repetitions) or not 0 <= repetitions <= MAX_REPETITIONS:
            raise ValueError(f"{name}: repetitions must be an integer from 0 to {MAX_REPETITIONS}")
        if not _is_int(interval) or not 0 <= interval <= MAX_INTERVAL:
            raise ValueError(f"{name}: interval must be whole days from 0 to {MAX_INTERVAL}")
        easiness = data["easiness"]
        text = repr(easiness) if _is_number(easiness) else easiness
        if not isinstance(text, str) or not _EASINESS_TEXT.fullmatch(text):
            raise ValueError(f"{name}: easiness must be a decimal like 2.50, not {_show(easiness)}")
        if not MIN_EASINESS <= Fraction(text) <= MAX_EASINESS:
            raise ValueError(
                f"{name}: easiness must be from {float(MIN_EASINESS)} to {float(MAX_EASINESS)}"
            )
        due = data.get("due")
        if due is not None and not isinstance(due, str):
            raise ValueError(f"{name}: due must be an ISO date or null")
        return CardState(
            repetitions=repetitions,
            easiness=Fraction(text),
            interval=interval,
            due=None if due is None else _day(due, f"{name}: due"),
        )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{name} is not an ISO date: {_show(value)}") from None
