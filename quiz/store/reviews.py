"""The review log: every answer given, recorded with its card's new state, taken back by
undo, and read again in the order it was given."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from quiz.store.cards import CardSchedules
from quiz.store.rows import REVIEW_FIELDS, REVIEW_KINDS, Review, canonical_state, utc_instant
from quiz.store.totals import DAY_TOTALS, QUESTION_TOTALS, passes, total, total_everything


class ReviewLog(CardSchedules):
    """The `reviews` table, which also keeps the cards and the totals in step as it changes."""

    def scheduled_log(self, bank: str) -> list[tuple[str, str, int, date]]:
        """(question id, scheduler, grade, study day) of each scheduled review, in order:
        what a scheduler replays to rebuild the cards."""
        with self._guard():
            rows = self.db.execute(
                "SELECT question_id, scheduler, grade, day FROM reviews"
                " WHERE bank = ? AND kind = 'review' ORDER BY reviewed_at, id",
                [bank],
            ).fetchall()
            try:
                return [(q, s, g, date.fromisoformat(d)) for q, s, g, d in rows]
            except (ValueError, TypeError) as exc:
                raise self._damaged(f"a logged answer cannot be read: {exc}") from None

    def record(self, review: Review) -> Review:
        """Log an answer and, for a scheduled review, store the card's new state; one commit.

        A graded question's draft is done with, so it goes in the same commit."""
        if review.kind not in REVIEW_KINDS:
            raise ValueError(f"unknown review kind {review.kind!r}")
        review = replace(review, reviewed_at=utc_instant(review.reviewed_at))
        with self._writing():
            review_id = self.db.table("reviews").insert(review.to_row()).last_pk
            if review.kind == "review":
                self._put_card(review.bank, review.question_id, review.state_after)
            self.db.execute(
                "DELETE FROM drafts WHERE bank = ? AND question_id = ?",
                [review.bank, review.question_id],
            )
            self._retotal(review)
        return replace(review, id=review_id)

    def undo(self, review_id: int) -> Review | None:
        """Delete one logged answer and restore the card state it replaced."""
        with self._writing():
            cursor = self.db.execute("SELECT * FROM reviews WHERE id = ?", [review_id])
            reviews = self._decode(cursor)
            if not reviews:
                return None
            (review,) = reviews
            self.db.execute("DELETE FROM reviews WHERE id = ?", [review_id])
            if review.kind == "review":
                self._put_card(review.bank, review.question_id, review.state_before)
            self._retotal(review)
        return review

    def _retotal(self, review: Review) -> None:
        """Total again the card and the day of an answer just logged or taken back."""
        if review.kind == "review":
            total(
                self.db,
                "question_totals",
                QUESTION_TOTALS,
                "bank = ? AND question_id = ?",
                [review.bank, review.question_id],
            )
        where, params = "bank = ? AND day = ?", [review.bank, review.day]
        total(self.db, "day_totals", DAY_TOTALS, where, params)

    def rebuild_totals(self) -> None:
        """Work every card's and every day's totals out again from the log as it stands,
        after the log was changed by something other than quiz."""
        with self._writing():
            total_everything(self.db, passes())

    def _decode(self, cursor: sqlite3.Cursor) -> list[Review]:
        return self._decode_rows(cursor.description, cursor)

    def _decode_rows(
        self, description: Sequence[Sequence[Any]], rows: Iterable[tuple[Any, ...]]
    ) -> list[Review]:
        columns = [d[0] for d in description]
        try:
            return [Review.from_row(dict(zip(columns, row, strict=True))) for row in rows]
        except (ValueError, TypeError, KeyError, ArithmeticError) as exc:
            raise self._damaged(f"a logged answer cannot be read: {exc}") from None

    def reviews(
        self,
        bank: str | None = None,
        *,
        day: date | None = None,
        since_day: date | None = None,
    ) -> Iterator[Review]:
        """Logged answers in the order they were given."""
        where: list[str] = []
        params: list[str] = []
        if bank is not None:
            where.append("bank = ?")
            params.append(bank)
        if day is not None:
            where.append("day = ?")
            params.append(day.isoformat())
        if since_day is not None:
            where.append("day >= ?")
            params.append(since_day.isoformat())
        sql = "SELECT * FROM reviews"
        if where:
            sql += " WHERE " + " AND ".join(where)
        with self._guard():
            return iter(self._decode(self.db.execute(sql + " ORDER BY reviewed_at, id", params)))

    def stream_review_rows(self) -> Iterator[tuple[Any, ...]]:
        """The whole log as stored, in the order it was given: each answer's `REVIEW_FIELDS`,
        its card states as the JSON `Review.to_values` writes. For export, which needs no
        `Review`: a log repeats a few thousand states, and each is decoded once.

        One statement reads it, so it is one consistent snapshot however long it takes.
        """
        columns = ", ".join(REVIEW_FIELDS)
        with self._guard():
            cursor = self.db.execute(f"SELECT {columns} FROM reviews ORDER BY reviewed_at, id")
            try:
                while batch := cursor.fetchmany(1000):
                    for row in batch:
                        before, after = canonical_state(row[10]), canonical_state(row[11])
                        yield (*row[:10], before, after, *row[12:])
            except (ValueError, TypeError, KeyError, ArithmeticError) as exc:
                raise self._damaged(f"a logged answer cannot be read: {exc}") from None

    def review_count(self) -> int:
        with self._guard():
            return self.db.table("reviews").count
