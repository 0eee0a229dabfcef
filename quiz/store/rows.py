"""An answer as the log stores it: its fields, its card states as JSON, its instant in UTC."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from quiz.schedulers import DEFAULT_SCHEDULER, state_from_dict, state_to_dict

REVIEW_KINDS = ("review", "drill", "cram")
"""A scheduled review, a drill after a miss, or cram outside the schedule."""
REVIEW_FIELDS = (
    "bank",
    "question_id",
    "reviewed_at",
    "day",
    "grade",
    "kind",
    "answer",
    "duration_s",
    "check_runs",
    "first_run_passed",
    "state_before",
    "state_after",
    "scheduler",
    "explanation",
)
"""An answer's fields in the order the log stores them and an export writes them."""
_REVIEW_COLUMNS = ("id", *REVIEW_FIELDS)


@dataclass(frozen=True)
class Review:
    """One answer in the log. `day` is the study day, which rolls over at a set hour."""

    bank: str
    question_id: str
    reviewed_at: str
    day: str
    grade: int
    kind: str
    state_before: Any
    state_after: Any
    answer: str = ""
    duration_s: float | None = None
    check_runs: int | None = None
    first_run_passed: bool | None = None
    id: int | None = None
    scheduler: str = DEFAULT_SCHEDULER
    """The scheduler whose scale `grade` is on."""
    explanation: str = ""
    """The words a code question asks for beside its code, as they were graded."""

    def to_row(self) -> dict[str, Any]:
        row = dict(zip(_REVIEW_COLUMNS[1:], self.to_values(), strict=True))
        if self.id is not None:
            row["id"] = self.id
        return row

    def to_values(self) -> tuple[Any, ...]:
        """The stored columns after `id`, in `_REVIEW_COLUMNS` order."""
        return (
            self.bank,
            self.question_id,
            self.reviewed_at,
            self.day,
            self.grade,
            self.kind,
            self.answer,
            self.duration_s,
            self.check_runs,
            None if self.first_run_passed is None else int(self.first_run_passed),
            _state_json(self.state_before),
            _state_json(self.state_after),
            self.scheduler,
            self.explanation,
        )

    @classmethod
    def from_values(cls, values: tuple[Any, ...]) -> Review:
        """The inverse of `to_values`."""
        (bank, question_id, reviewed_at, day, grade, kind, answer, duration_s, check_runs,
         passed, before, after, scheduler, explanation) = values  # fmt: skip
        return cls(
            bank,
            question_id,
            reviewed_at,
            day,
            grade,
            kind,
            state_before=decoded_state(before),
            state_after=decoded_state(after),
            answer=answer,
            duration_s=duration_s,
            check_runs=check_runs,
            first_run_passed=None if passed is None else bool(passed),
            scheduler=scheduler,
            explanation=explanation,
        )

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Review:
        data = dict(row)
        data["state_before"] = state_from_dict(json.loads(data["state_before"]))
        data["state_after"] = state_from_dict(json.loads(data["state_after"]))
        if data.get("first_run_passed") is not None:
            data["first_run_passed"] = bool(data["first_run_passed"])
        return cls(**data)


def state_text(state: Any) -> str:
    """A state as the log and the cards keep it."""
    return json.dumps(state_to_dict(state))


_state_json = lru_cache(maxsize=65_536)(state_text)


@lru_cache(maxsize=65_536)
def decoded_state(text: str) -> Any:
    """A stored state, read back; each distinct text is decoded once."""
    return state_from_dict(json.loads(text))


@lru_cache(maxsize=65_536)
def canonical_state(text: str) -> str:
    """A stored state's JSON as quiz writes it: the same text for every row quiz wrote."""
    return state_text(decoded_state(text))


def utc_instant(text: str) -> str:
    """An ISO 8601 instant as the store keeps it: UTC, to the microsecond.

    Every stored instant has this one form, so comparing the text compares the instants.
    """
    return instant_text(datetime.fromisoformat(text))


def instant_text(moment: datetime) -> str:
    """`utc_instant` of a time already read."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")
