"""What the progress figures read from the store: the totals kept beside the log, today's
answers, and the scheduled reviews of a recent window, as `quiz.records` types."""

from __future__ import annotations

from datetime import date
from itertools import starmap

from quiz.records import DayRetention, KindActivity, LogSummary, QuestionRecord, ScheduledAnswer
from quiz.scheduled_totals import reduce_scheduled
from quiz.store.connection import Connection
from quiz.store.totals import passes

# Today's answers are found through the (bank, day) index.
_TODAY_QUERY = (
    "SELECT kind, COUNT(*), SUM(NOT ({passes})), TOTAL(duration_s) FROM reviews"
    " WHERE bank = ? AND day = ? GROUP BY kind"
)
_SCHEDULED_QUERY = (
    "SELECT question_id, day, grade, duration_s, first_run_passed,"
    " json_extract(state_before, '$.repetitions'), json_extract(state_before, '$.interval'),"
    " scheduler FROM reviews WHERE bank = ? AND day >= ? AND kind = 'review'"
    " ORDER BY question_id, reviewed_at, id"
)


class LogFigures(Connection):
    """The log's figures by bank, read from `question_totals` and `day_totals` where they
    cover what is asked, and from the log itself for a window."""

    def study_days(self, bank: str) -> set[date]:
        """Every study day with at least one answer logged for `bank`."""
        with self._guard():
            rows = self.db.execute("SELECT day FROM day_totals WHERE bank = ?", [bank])
            try:
                return {date.fromisoformat(day) for (day,) in rows}
            except (ValueError, TypeError) as exc:
                raise self._damaged(f"a study day cannot be read: {exc}") from None

    def last_grades(self, bank: str) -> dict[str, int]:
        """The grade of each card's latest scheduled review."""
        with self._guard():
            rows = self.db.execute(
                "SELECT question_id, last_grade FROM question_totals WHERE bank = ?", [bank]
            ).fetchall()
        return dict(rows)

    def question_totals(self, bank: str) -> dict[str, QuestionRecord]:
        """Each card's scheduled reviews totalled over the whole log."""
        with self._guard():
            rows = self.db.execute(
                "SELECT question_id, reviews, lapses, last_grade, seconds, timed, runs,"
                " first_passes FROM question_totals WHERE bank = ?",
                [bank],
            ).fetchall()
        return {qid: QuestionRecord(*totals) for qid, *totals in rows}

    def log_summary(self, bank: str, today: date, since: date | None = None) -> LogSummary:
        """The log of `bank` from `since` on, as `quiz.stats` reduces it.

        The whole log's figures come from the totals kept beside it; from `since` on,
        each question's are worked out from its scheduled reviews since then.
        """
        start = since.isoformat() if since else ""
        with self._guard():
            today_rows = self.db.execute(
                _TODAY_QUERY.format(passes=passes()), [bank, today.isoformat()]
            ).fetchall()
            if since is not None and today < since:
                today_rows = []
            days = self.db.execute(
                "SELECT day, answers, young_passed, young_total, mature_passed, mature_total"
                " FROM day_totals WHERE bank = ? AND day >= ? ORDER BY day",
                [bank, start],
            ).fetchall()
            if since is None:
                records = self.question_totals(bank)
            else:
                scheduled = self.db.execute(_SCHEDULED_QUERY, [bank, start])
                records, _ = reduce_scheduled(starmap(ScheduledAnswer, scheduled))
        return LogSummary(
            answers_per_day=[(day, answers) for day, answers, *_ in days],
            today_by_kind=list(starmap(KindActivity, today_rows)),
            records=records,
            retained={
                day: DayRetention(*counts) for day, _, *counts in days if counts[1] or counts[3]
            },
            since=since,
        )
