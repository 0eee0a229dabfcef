"""Progress figures over the review log and the card schedules: pure, no I/O, no clock.

Everything, `today` included, is passed in, so each figure can be checked against a
history worked out by hand. The log arrives as a `LogSummary`: answers and retention
counted per study day, today's answers by kind, and each question's scheduled reviews
totalled. The store keeps those totals up to date as it writes; `summarize` works out the
same from answers in memory, and `quiz.scheduled_totals.reduce_scheduled` is the one
definition of both. The record types themselves live in `quiz.records`.

The words below mean exactly this everywhere:

- A *study day* is an answer's stored `day`, which already rolls over at the learner's hour.
- A card is *learned* when its last scheduled review passed (`repetitions > 0`). A card
  whose last review failed is *learning* again (repetitions 0, interval 1); a question
  with no stored state is *new*. Learned cards are *young* below a 21-day interval and
  *mature* from it on.
- A review *passes* by its own scheduler's ratings: SM-2 grades from 3, FSRS from Hard.
- *True retention* is the share passed among the first scheduled review of
  each card on each study day, counting only cards that were learned before it; young
  and mature follow the interval before that review. Drills and cram never count: they
  repeat cards outside the schedule, so a pass there says nothing about an interval.
- A *lapse* is a scheduled review that did not pass on a learned card.
- A question's *reviews*, *last grade* and *average time* count scheduled reviews only:
  drills and cram come right after seeing the answer, or outside the schedule, and
  would flatter both.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, NamedTuple

from quiz.bank import Question
from quiz.records import (
    DayRetention,
    KindActivity,
    LogEntry,
    LogSummary,
    QuestionRecord,
    ScheduledAnswer,
)
from quiz.scheduled_totals import reduce_scheduled
from quiz.schedulers import (
    DEFAULT_SCHEDULER,
    SCHEDULE_STAGES,
    Chart,
    Scheduler,
    ScheduleState,
    card_stage,
    make_scheduler,
    passed,
)

RECENT_DAYS = 30
CALENDAR_DAYS = 365
FORECAST_DAYS = 30
RETENTION_WINDOWS = (7, 30, 365)
HARDEST_SHOWN = 10


def summarize(log: Iterable[LogEntry], today: date, since: date | None = None) -> LogSummary:
    """Reduce answers held in memory, each card's in order, as the store does."""
    today_iso, since_iso = today.isoformat(), since.isoformat() if since else ""
    per_day: Counter[str] = Counter()
    by_kind: dict[str, list] = {}
    scheduled = []
    for entry in log:
        qid, day, kind, grade, duration, first_run, repetitions, interval, logged_under = entry
        if day < since_iso:
            continue
        per_day[day] += 1
        if day == today_iso:
            totals = by_kind.setdefault(kind, [0, 0, 0.0])
            totals[0] += 1
            totals[1] += not passed(logged_under, grade)
            totals[2] += duration or 0.0
        if kind == "review":
            scheduled.append(
                ScheduledAnswer(
                    qid, day, grade, duration, first_run, repetitions, interval, logged_under
                )
            )
    records, retained = reduce_scheduled(scheduled)
    return LogSummary(
        answers_per_day=sorted(per_day.items()),
        today_by_kind=[KindActivity(kind, *totals) for kind, totals in sorted(by_kind.items())],
        records=records,
        retained=retained,
        since=since,
    )


class DayCount(NamedTuple):
    day: date
    count: int


class Bucket(NamedTuple):
    label: str
    count: int


@dataclass(frozen=True)
class Share:
    """`passed` out of `total`; `ratio` is None when there was nothing to count."""

    passed: int = 0
    total: int = 0

    @property
    def ratio(self) -> float | None:
        return self.passed / self.total if self.total else None

    def __add__(self, other: Share) -> Share:
        return Share(self.passed + other.passed, self.total + other.total)


@dataclass(frozen=True)
class TodayFigures:
    """What was done on the current study day, every kind of answer included."""

    answers: int
    seconds: float
    below_passing: int
    by_kind: dict[str, int]

    @property
    def below_passing_share(self) -> float | None:
        return self.below_passing / self.answers if self.answers else None


@dataclass(frozen=True)
class Streak:
    """Runs of consecutive study days with at least one answer of any kind.

    The current run still counts when today has no answer yet: the day is not over.
    """

    current: int
    longest: int


@dataclass(frozen=True)
class Retention:
    days: int
    young: Share
    mature: Share

    @property
    def overall(self) -> Share:
        return self.young + self.mature


@dataclass(frozen=True)
class CardCounts:
    new: int
    learning: int
    young: int
    mature: int

    @property
    def total(self) -> int:
        return self.new + self.learning + self.young + self.mature


@dataclass(frozen=True)
class QuestionFigures:
    """One question's schedule and record; `first_run` only for coding questions."""

    id: str
    number: int
    kind: str
    stage: str
    strength: str | None
    """The scheduler's own measure of the card, as `Scheduler.strength` writes it: '2.36'."""
    difficulty: float | None
    """How hard the card is, 0 to 1 (hardest), as its scheduler judges it."""
    interval: int | None
    due: date | None
    reviews: int
    lapses: int
    last_grade: int | None
    average_seconds: float | None
    first_run: Share | None


@dataclass(frozen=True)
class Distribution:
    """Scheduled cards counted by one of the scheduler's figures, in buckets."""

    name: str
    """The figure, as the scheduler's `figures` names it: 'easiness', 'stability', ..."""
    title: str
    unit: str
    """What a bucket's label measures, for JSON: 'range', 'days' or 'percent'."""
    buckets: list[Bucket]


@dataclass(frozen=True)
class Stats:
    today: date
    since: date | None
    studied_today: TodayFigures
    streak: Streak
    recent: list[DayCount]
    """Answers per day over the last RECENT_DAYS days, oldest first."""
    calendar: list[DayCount]
    """Answers per day over the last CALENDAR_DAYS days, oldest first."""
    retention: list[Retention]
    forecast: list[DayCount]
    """Cards due on each of the next FORECAST_DAYS days; overdue ones count for today."""
    due_later: int
    cards: CardCounts
    distributions: list[Distribution]
    """The scheduler's own figures over the scheduled cards: easiness and interval for
    SM-2; difficulty, stability and retrievability today for FSRS."""
    questions: list[QuestionFigures]
    hardest: list[QuestionFigures]
    hardest_by: str
    """How `hardest` is ordered, in the scheduler's terms: 'lowest easiness'."""
    strength_label: str
    """The column header of each question's `strength`: 'EF' for SM-2."""
    strength_name: str
    """Its key in JSON: 'easiness' for SM-2."""
    first_run: Share
    """First-run passes over every coding question's scheduled answers."""

    def distribution(self, name: str) -> list[Bucket]:
        return next(d.buckets for d in self.distributions if d.name == name)


def stage_of(state: ScheduleState | None, scheduler: Scheduler[Any] | None = None) -> str:
    """new, learning, young or mature, as `scheduler` (the default one unless given) says."""
    return card_stage(scheduler or make_scheduler(DEFAULT_SCHEDULER), state)


def compute_stats(
    log: LogSummary,
    questions: Iterable[Question],
    cards: Mapping[str, ScheduleState],
    today: date,
    scheduler: Scheduler[Any] | None = None,
) -> Stats:
    """Every figure at once, from the log's totals and the cards.

    `log` must have been summarized for the same `today`. Figures drawn from the log
    cover what it holds (from `log.since` on); card counts, the forecast and the
    distributions describe the cards as they are now, as `scheduler` (the bank's, the
    default one unless given) sees them.
    """
    scheduler = scheduler or make_scheduler(DEFAULT_SCHEDULER)
    per_day = dict(log.answers_per_day)
    records = log.records
    retained = log.retained

    questions = list(questions)
    figures = [
        _question_figures(q, cards.get(q.id), records.get(q.id), scheduler) for q in questions
    ]
    states = [cards[q.id] for q in questions if q.id in cards and not cards[q.id].is_new]
    forecast, due_later = _forecast(states, today)
    stages = Counter(f.stage for f in figures)
    return Stats(
        today=today,
        since=log.since,
        studied_today=_today_figures(list(log.today_by_kind)),
        streak=_streak(per_day, today),
        recent=_day_counts(per_day, today, RECENT_DAYS),
        calendar=_day_counts(per_day, today, CALENDAR_DAYS),
        retention=[_retention(retained, today, days) for days in RETENTION_WINDOWS],
        forecast=forecast,
        due_later=due_later,
        cards=CardCounts(*(stages[stage] for stage in SCHEDULE_STAGES)),
        distributions=_distributions(scheduler, states, today),
        questions=figures,
        hardest=_hardest(figures, scheduler.settled_difficulty),
        hardest_by=scheduler.hardest_by,
        strength_label=scheduler.strength_label,
        strength_name=scheduler.strength_name,
        first_run=sum((f.first_run for f in figures if f.first_run), Share()),
    )


def _question_figures(
    question: Question,
    state: ScheduleState | None,
    record: QuestionRecord | None,
    scheduler: Scheduler[Any],
) -> QuestionFigures:
    record = record or _NO_RECORD
    scheduled = state if state is not None and not state.is_new else None
    return QuestionFigures(
        id=question.id,
        number=question.number,
        kind=question.kind,
        stage=stage_of(state, scheduler),
        strength=scheduler.strength(scheduled) if scheduled else None,
        difficulty=scheduler.difficulty(scheduled) if scheduled else None,
        interval=scheduled.interval if scheduled else None,
        due=scheduled.due if scheduled else None,
        reviews=record.reviews,
        lapses=record.lapses,
        last_grade=record.last_grade,
        average_seconds=record.seconds / record.timed if record.timed else None,
        first_run=Share(record.first_passes, record.runs) if question.is_code else None,
    )


_NO_RECORD = QuestionRecord(0, 0, None, 0.0, 0, 0, 0)


def _today_figures(by_kind: list[KindActivity]) -> TodayFigures:
    return TodayFigures(
        answers=sum(a.answers for a in by_kind),
        seconds=sum(a.seconds for a in by_kind),
        below_passing=sum(a.below_passing for a in by_kind),
        by_kind={a.kind: a.answers for a in by_kind},
    )


def _streak(per_day: Mapping[str, int], today: date) -> Streak:
    days = sorted({date.fromisoformat(day) for day in per_day})
    longest = run = 0
    previous = None
    for day in days:
        run = run + 1 if previous is not None and (day - previous).days == 1 else 1
        longest = max(longest, run)
        previous = day
    return Streak(current=current_streak(set(days), today), longest=longest)


def current_streak(studied: set[date], today: date) -> int:
    """Consecutive study days ending today, or yesterday while today is still to come."""
    cursor = today if today in studied else today - timedelta(days=1)
    count = 0
    while cursor in studied:
        count += 1
        cursor -= timedelta(days=1)
    return count


def _day_counts(per_day: Mapping[str, int], today: date, days: int) -> list[DayCount]:
    start = today - timedelta(days=days - 1)
    span = (start + timedelta(days=i) for i in range(days))
    return [DayCount(day, per_day.get(day.isoformat(), 0)) for day in span]


def _retention(retained: Mapping[str, DayRetention], today: date, days: int) -> Retention:
    first = (today - timedelta(days=days - 1)).isoformat()
    last = today.isoformat()
    young = mature = Share()
    for day, (yp, yt, mp, mt) in retained.items():
        if first <= day <= last:
            young += Share(yp, yt)
            mature += Share(mp, mt)
    return Retention(days=days, young=young, mature=mature)


def _forecast(states: list[ScheduleState], today: date) -> tuple[list[DayCount], int]:
    due = [0] * FORECAST_DAYS
    later = 0
    for state in states:
        assert state.due is not None, "only scheduled cards are forecast"
        offset = max(0, (state.due - today).days)
        if offset < FORECAST_DAYS:
            due[offset] += 1
        else:
            later += 1
    days = [DayCount(today + timedelta(days=i), n) for i, n in enumerate(due)]
    return days, later


def _buckets(values: list[int], edges: tuple[int, ...], labels: list[str]) -> list[Bucket]:
    counts = [0] * len(edges)
    for value in values:
        for i in range(len(edges) - 1, -1, -1):
            if value >= edges[i]:
                counts[i] += 1
                break
    return [Bucket(label, n) for label, n in zip(labels, counts, strict=True)]


def _span_labels(edges: tuple[int, ...], show) -> list[str]:
    labels = []
    for low, high in zip(edges, edges[1:], strict=False):
        labels.append(show(low) if high - low == 1 else f"{show(low)}–{show(high - 1)}")
    return [*labels, f"{show(edges[-1])}+"]


def _distributions(
    scheduler: Scheduler[Any], states: list[ScheduleState], today: date
) -> list[Distribution]:
    """The scheduler's charts of its own figures over the scheduled cards."""
    figures = [scheduler.figures(state, today) for state in states]

    def drawn(chart: Chart) -> Distribution:
        values = [math.floor(f[chart.figure] * chart.scale + 1e-9) for f in figures]
        buckets = _buckets(values, chart.edges, _span_labels(chart.edges, chart.show))
        return Distribution(chart.figure, chart.title, chart.unit, buckets)

    return [drawn(chart) for chart in scheduler.charts]


def _hardest(figures: list[QuestionFigures], settled: float) -> list[QuestionFigures]:
    """Hardest first by the scheduler's difficulty, then most lapses; only cards that gave
    some trouble: a lapse, or a difficulty above `settled`, a card's with no trouble yet."""
    troubled = [
        (f, f.difficulty)
        for f in figures
        if f.difficulty is not None and (f.lapses > 0 or f.difficulty > settled)
    ]
    troubled.sort(key=lambda pair: (-pair[1], -pair[0].lapses, pair[0].number))
    return [f for f, _ in troubled[:HARDEST_SHOWN]]
