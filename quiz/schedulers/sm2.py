"""SM-2 behind the seam: `quiz.scheduler` exactly, with its six grades as ratings."""

from __future__ import annotations

from datetime import date

from quiz import scheduler as sm2
from quiz.schedulers.base import Rating, stage_by_interval

_KEEPS = ("repetitions", "easiness", "interval", "due")


class SM2:
    name = "sm2"
    label = "SM-2"
    state_version = 1
    ratings = tuple(
        Rating(
            value=grade,
            key=str(grade),
            label=str(grade),
            meaning=sm2.QUALITY_MEANINGS[grade],
            passed=grade >= sm2.PASSING_QUALITY,
            drill=grade < sm2.DRILL_UNTIL,
        )
        for grade in range(5, -1, -1)
    )

    def new_state(self) -> sm2.CardState:
        return sm2.CardState()

    def review(self, state: sm2.CardState, rating: int, when: date) -> sm2.CardState:
        return sm2.review(state, rating, when)

    def next_intervals(self, state: sm2.CardState, when: date) -> dict[int, int]:
        return sm2.next_intervals(state, when)

    def stage(self, state: sm2.CardState) -> str:
        return stage_by_interval(state.is_new, state.repetitions, state.interval)

    strength_label = "EF"

    def strength(self, state: sm2.CardState) -> str:
        return sm2.format_easiness(state.easiness)

    def figures(self, state: sm2.CardState, when: date) -> dict[str, float]:
        return {"easiness": float(state.easiness), "interval": state.interval}

    def to_dict(self, state: sm2.CardState) -> dict:
        return {"scheduler": self.name, "version": self.state_version, **state.to_dict()}

    def from_dict(self, data: dict) -> sm2.CardState:
        """Also reads the unversioned dicts quiz stored before the seam."""
        version = data.get("version", 1)
        if version != self.state_version:
            raise ValueError(f"SM-2 state version {version!r} is not one quiz knows")
        return sm2.CardState.from_dict({key: data[key] for key in _KEEPS if key in data})
