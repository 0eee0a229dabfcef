"""The day's queue: due cards, then new ones, then same-day drills; with undo.

The queue is derived from the store each time it changes, so a session that
is quit and reopened on the same study day carries on where it stopped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from quiz.bank import Bank, Question
from quiz.schedulers import (
    DEFAULT_SCHEDULER,
    Scheduler,
    convert_rating,
    make_scheduler,
    rating_of,
)
from quiz.store import Review, Store

DEFAULT_NEW_PER_DAY = 10
DEFAULT_DAY_STARTS_AT = 4
"""Hour (local time) at which a new study day begins, so a late-night session counts
for the day it started."""


def study_day(moment: datetime, day_starts_at: int = DEFAULT_DAY_STARTS_AT) -> date:
    """The study day a local `moment` belongs to."""
    return (moment - timedelta(hours=day_starts_at)).date()


def utc_timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class QueueCounts:
    due: int
    new: int
    drill: int

    @property
    def total(self) -> int:
        return self.due + self.new + self.drill


@dataclass(frozen=True)
class Answer:
    """What the learner did before grading: text or code (and a code question's explanation),
    time spent, check runs."""

    text: str = ""
    explanation: str = ""
    duration_s: float | None = None
    check_runs: int | None = None
    first_run_passed: bool | None = None

    def logged_as(
        self,
        bank: Bank,
        question: Question,
        kind: str,
        quality: int,
        states: tuple[Any, Any],
        now: datetime,
        today: date,
        scheduler: str,
    ) -> Review:
        """The log entry for this answer, graded `quality`, moving the card between `states`."""
        before, after = states
        return Review(
            bank=bank.name,
            question_id=question.id,
            reviewed_at=utc_timestamp(now),
            day=today.isoformat(),
            grade=quality,
            kind=kind,
            state_before=before,
            state_after=after,
            answer=self.text,
            duration_s=self.duration_s,
            check_runs=self.check_runs,
            first_run_passed=self.first_run_passed,
            scheduler=scheduler,
            explanation=self.explanation,
        )


class StudySession:
    """One study day over a bank. Every grade is committed before the next question."""

    def __init__(
        self,
        bank: Bank,
        store: Store,
        today: date,
        new_per_day: int = DEFAULT_NEW_PER_DAY,
        scheduler: Scheduler[Any] | None = None,
        waiting: frozenset[str] = frozenset(),
    ):
        self.scheduler = scheduler if scheduler is not None else make_scheduler(DEFAULT_SCHEDULER)
        self.bank = bank
        self.store = store
        self.today = today
        self.new_per_day = new_per_day
        self.graded: list[Review] = []
        self._pinned: list[str] = []
        self.waiting = waiting
        """Questions left out today because this machine lacks the data their checks need."""
        self.refresh()

    def move_to(self, today: date) -> None:
        """Follow the clock into another study day: its queue, its log day and its schedule."""
        if today != self.today:
            self.today = today
            self.refresh()

    def leave_out(self, waiting: frozenset[str]) -> None:
        """Leave out (only) the questions `waiting` for data this machine lacks."""
        if waiting != self.waiting:
            self.waiting = waiting
            self.refresh()

    def refresh(self) -> None:
        """Recompute the queue from the store."""
        states = self.store.card_states(self.bank.name)
        flags = self.store.card_flags(self.bank.name)
        extras = self.store.study_extras(self.bank.name, self.today)
        set_aside = {
            qid for qid, flag in flags.items() if flag.suspended or flag.buried(self.today)
        } | set(self.waiting)
        until = self.today + timedelta(days=extras.ahead_days)
        todays = [r for r in self.store.reviews(self.bank.name, day=self.today) if r.kind != "cram"]
        introduced = {r.question_id for r in todays if r.kind == "review" and r.state_before.is_new}
        last_grade: dict[str, int] = {}
        for r in todays:
            last_grade[r.question_id] = convert_rating(r.grade, r.scheduler, self.scheduler.name)
        due = [
            q
            for q in self.bank
            if q.id in states
            and q.id not in set_aside
            and (due := states[q.id].due) is not None
            and due <= until
        ]
        due.sort(key=lambda q: (states[q.id].due, q.number))
        room = max(0, self.new_per_day + extras.more_new - len(introduced))
        new = [q for q in self.bank if q.id not in states and q.id not in set_aside][:room]
        due_ids = {q.id for q in due}
        drills = [
            self.bank.get(qid)
            for qid, grade in last_grade.items()
            if rating_of(self.scheduler, grade).drill
            and qid in self.bank
            and qid not in due_ids | set_aside
        ]
        self._states = states
        self._due, self._new, self._drills = due, new, drills
        self._pinned = [qid for qid in self._pinned if qid in self._ids_in_queue()]

    def _ids_in_queue(self) -> set[str]:
        return {q.id for q in (*self._due, *self._new, *self._drills)}

    @property
    def queue(self) -> list[Question]:
        """Questions still to answer today, in order."""
        ordered = [*self._due, *self._new, *self._drills]
        pinned = [q for qid in self._pinned for q in ordered if q.id == qid]
        return pinned + [q for q in ordered if q.id not in self._pinned]

    @property
    def current(self) -> Question | None:
        queue = self.queue
        return queue[0] if queue else None

    def counts(self) -> QueueCounts:
        return QueueCounts(due=len(self._due), new=len(self._new), drill=len(self._drills))

    def is_drill(self, question: Question) -> bool:
        """Whether grading this question now is practice: it is neither due nor new today."""
        return question not in self._due + self._new

    def state_of(self, question_id: str) -> Any:
        return self._states.get(question_id, self.scheduler.new_state())

    def progress(self) -> tuple[int, int]:
        """(answered this session, answered + still to answer)."""
        done = len(self.graded)
        return done, done + len(self.queue)

    def take_up(self, question_id: str) -> bool:
        """Bring a question of today's queue to its head, to grade it next; False when it is
        not in the queue (not due, not new, no drill)."""
        if question_id not in self._ids_in_queue():
            return False
        self._pinned.insert(0, question_id)
        return True

    def grade(
        self, quality: int, answer: Answer, now: datetime, today: date | None = None
    ) -> Review:
        """Grade the current question and commit it: a scheduled review, or a drill.

        `today` is the study day of `now`; when the day has rolled over since the question was
        shown, the grade counts for the new day, as a review if the question is due then."""
        question = self.current
        if question is None:
            raise LookupError("no question left today")
        if today is not None:
            self.move_to(today)
        before = self.state_of(question.id)
        kind = "drill" if self.is_drill(question) else "review"
        scheduler = self.scheduler
        after = scheduler.review(before, quality, self.today) if kind == "review" else before
        logged = self.store.record(
            answer.logged_as(
                self.bank, question, kind, quality, (before, after), now, self.today, scheduler.name
            )
        )
        self.graded.append(logged)
        self._pinned = [qid for qid in self._pinned if qid != question.id]
        self.refresh()
        return logged

    def undo(self) -> Question | None:
        """Take back the last grade of this session; its question comes next again."""
        if not self.graded:
            return None
        last = self.graded.pop()
        assert last.id is not None, "a review the session recorded has its row"
        self.store.undo(last.id)
        self._pinned.insert(0, last.question_id)
        self.refresh()
        return self.bank.get(last.question_id)


def record_cram(
    store: Store,
    bank: Bank,
    question: Question,
    quality: int,
    answer: Answer,
    now: datetime,
    today: date,
    scheduler: Scheduler[Any] | None = None,
) -> Review:
    """Log practice outside the schedule: the card's state is left exactly as it was."""
    scheduler = scheduler if scheduler is not None else make_scheduler(DEFAULT_SCHEDULER)
    rating_of(scheduler, quality)
    state = store.card_state(bank.name, question.id, scheduler.new_state())
    return store.record(
        answer.logged_as(
            bank, question, "cram", quality, (state, state), now, today, scheduler.name
        )
    )
