"""Each question's totals and each day's retention counts, from the scheduled reviews.

`reduce_scheduled` is the one definition of both: `quiz.stats.summarize` applies it to
answers in memory, and the store's totals, kept in SQL, must agree with it.
"""

from __future__ import annotations

from collections.abc import Iterable

from quiz.records import DayRetention, QuestionRecord, ScheduledAnswer
from quiz.schedulers import MATURE_INTERVAL, passed


class _Record:
    """Running totals for one question while the scheduled reviews stream past."""

    __slots__ = ("reviews", "seconds", "timed", "lapses", "last_grade", "runs", "first_passes")

    def __init__(self) -> None:
        self.reviews = 0
        self.seconds = 0.0
        self.timed = 0
        self.lapses = 0
        self.last_grade: int | None = None
        self.runs = 0
        self.first_passes = 0


def reduce_scheduled(
    scheduled: Iterable[ScheduledAnswer],
) -> tuple[dict[str, QuestionRecord], dict[str, DayRetention]]:
    """Each question's totals and each day's retention counts, in one pass.

    Each card's reviews must come in the order they were given; cards may interleave.
    """
    records: dict[str, _Record] = {}
    first_of_day: set[tuple[str, str]] = set()
    # day -> [young passed, young total, mature passed, mature total]
    retained: dict[str, list[int]] = {}

    for answer in scheduled:
        qid, day, grade, duration, first_run, repetitions, interval, logged_under = answer
        record = records.get(qid)
        if record is None:
            record = records[qid] = _Record()
        record.reviews += 1
        record.last_grade = grade
        if duration is not None:
            record.seconds += duration
            record.timed += 1
        if first_run is not None:
            record.runs += 1
            record.first_passes += bool(first_run)
        if repetitions == 0:
            first_of_day.add((qid, day))
            continue
        recalled = passed(logged_under, grade)
        if not recalled:
            record.lapses += 1
        if (qid, day) in first_of_day:
            continue
        first_of_day.add((qid, day))
        tally = retained.get(day)
        if tally is None:
            tally = retained[day] = [0, 0, 0, 0]
        offset = 0 if interval < MATURE_INTERVAL else 2
        tally[offset] += recalled
        tally[offset + 1] += 1
    return (
        {
            qid: QuestionRecord(
                r.reviews, r.lapses, r.last_grade, r.seconds, r.timed, r.runs, r.first_passes
            )
            for qid, r in records.items()
        },
        {day: DayRetention(*tally) for day, tally in retained.items()},
    )
