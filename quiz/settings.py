"""What a run of quiz was asked to use: which bank, which database, how many new cards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from quiz.paths import default_bank_path, default_db_path
from quiz.session import DEFAULT_DAY_STARTS_AT, DEFAULT_NEW_PER_DAY, study_day


@dataclass(frozen=True)
class Settings:
    bank_path: Path
    db_path: Path
    new_per_day: int = DEFAULT_NEW_PER_DAY
    day_starts_at: int = DEFAULT_DAY_STARTS_AT

    @classmethod
    def from_environment(cls, **overrides: Path | int | None) -> Settings:
        """Defaults from the environment, then any non-None overrides."""
        values: dict[str, Any] = {"bank_path": default_bank_path(), "db_path": default_db_path()}
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def today(self, now: datetime | None = None) -> date:
        """The current study day, which begins at `day_starts_at` local time."""
        return study_day(now or datetime.now(), self.day_starts_at)
