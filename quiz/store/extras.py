"""What a learner keeps beside the schedule, per question or per day: questions waiting for
data, suspended and buried cards, notes, hints taken, and a day's extra study."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime

from quiz.store.connection import Connection
from quiz.store.rows import instant_text


@dataclass(frozen=True)
class CardFlags:
    """A card set aside: suspended until the learner takes it back, or buried for one day."""

    suspended: bool = False
    buried_on: date | None = None

    def buried(self, today: date) -> bool:
        return self.buried_on == today


@dataclass(frozen=True)
class StudyExtras:
    """What a learner asked of one study day beyond the usual: more new cards, reviews ahead."""

    more_new: int = 0
    ahead_days: int = 0


class QuestionExtras(Connection):
    """The `waiting_for_data`, `card_flags`, `notes`, `hints_taken` and `study_extras` tables."""

    # Questions waiting for data this machine lacks (the MNIST files)

    def waiting_for_data(self, bank: str) -> frozenset[str]:
        with self._guard():
            rows = self.db.execute(
                "SELECT question_id FROM waiting_for_data WHERE bank = ?", [bank]
            ).fetchall()
        return frozenset(question_id for (question_id,) in rows)

    def wait_for_data(self, bank: str, question_id: str, since: datetime) -> None:
        """Leave `question_id` out of the queue until the data its checks need is there."""
        with self._writing():
            row = {"bank": bank, "question_id": question_id, "since": instant_text(since)}
            self.db.table("waiting_for_data").upsert(row, pk=("bank", "question_id"))

    def data_arrived(self, bank: str) -> None:
        """The data is there: every question that waited for it comes back."""
        with self._writing():
            self.db.execute("DELETE FROM waiting_for_data WHERE bank = ?", [bank])

    # Cards set aside, notes and hints, one row per question

    def card_flags(self, bank: str) -> dict[str, CardFlags]:
        """The suspended and buried cards of `bank`; a card missing here is neither."""
        with self._guard():
            rows = self.db.execute(
                "SELECT question_id, suspended, buried_on FROM card_flags WHERE bank = ?", [bank]
            ).fetchall()
        try:
            return {
                qid: CardFlags(bool(suspended), date.fromisoformat(buried) if buried else None)
                for qid, suspended, buried in rows
            }
        except (ValueError, TypeError) as exc:
            raise self._damaged(f"a card's flags cannot be read: {exc}") from None

    def set_flags(self, bank: str, question_id: str, flags: CardFlags) -> None:
        with self._writing():
            if flags == CardFlags():
                self.db.execute(
                    "DELETE FROM card_flags WHERE bank = ? AND question_id = ?", [bank, question_id]
                )
                return
            row = {
                "bank": bank,
                "question_id": question_id,
                "suspended": int(flags.suspended),
                "buried_on": flags.buried_on.isoformat() if flags.buried_on else None,
            }
            self.db.table("card_flags").upsert(row, pk=("bank", "question_id"))

    def notes(self, bank: str | None = None) -> dict[tuple[str, str], str]:
        """Every personal note, by (bank, question id)."""
        sql, params = "SELECT bank, question_id, note FROM notes", []
        if bank is not None:
            sql, params = sql + " WHERE bank = ?", [bank]
        with self._guard():
            return {(b, q): note for b, q, note in self.db.execute(sql, params)}

    def note(self, bank: str, question_id: str) -> str:
        return self.notes(bank).get((bank, question_id), "")

    def set_note(self, bank: str, question_id: str, note: str) -> None:
        """Keep the learner's note on a question; an empty note removes it."""
        with self._writing():
            self._put_note(bank, question_id, note)

    def _put_note(self, bank: str, question_id: str, note: str) -> None:
        if note.strip():
            row = {"bank": bank, "question_id": question_id, "note": note}
            self.db.table("notes").upsert(row, pk=("bank", "question_id"))
        else:
            self.db.execute(
                "DELETE FROM notes WHERE bank = ? AND question_id = ?", [bank, question_id]
            )

    def import_notes(self, notes: dict[tuple[str, str], str]) -> int:
        """Add notes from an export where this database has none; return how many were added."""
        added = 0
        with self._writing():
            for (bank, question_id), note in notes.items():
                exists = self.db.execute(
                    "SELECT 1 FROM notes WHERE bank = ? AND question_id = ?", [bank, question_id]
                ).fetchone()
                if not exists and note.strip():
                    self._put_note(bank, question_id, note)
                    added += 1
        return added

    def hints_taken(self, bank: str, question_id: str) -> int:
        """How many of a question's hints `quiz hint` has given."""
        with self._guard():
            row = self.db.execute(
                "SELECT taken FROM hints_taken WHERE bank = ? AND question_id = ?",
                [bank, question_id],
            ).fetchone()
        return row[0] if row else 0

    def take_hint(self, bank: str, question_id: str, available: int) -> int:
        """Count one more hint taken (never past `available`); return how many are taken now."""
        with self._writing():
            taken = min(available, self.hints_taken(bank, question_id) + 1)
            row = {"bank": bank, "question_id": question_id, "taken": taken}
            self.db.table("hints_taken").upsert(row, pk=("bank", "question_id"))
        return taken

    # Custom study

    def study_extras(self, bank: str, day: date) -> StudyExtras:
        with self._guard():
            row = self.db.execute(
                "SELECT more_new, ahead_days FROM study_extras WHERE bank = ? AND day = ?",
                [bank, day.isoformat()],
            ).fetchone()
        return StudyExtras(*row) if row else StudyExtras()

    def add_study_extras(
        self, bank: str, day: date, more_new: int = 0, ahead_days: int = 0
    ) -> StudyExtras:
        """Study `more_new` more new cards on `day`, and reviews due up to `ahead_days` later."""
        with self._writing():
            extras = self.study_extras(bank, day)
            extras = StudyExtras(extras.more_new + more_new, max(extras.ahead_days, ahead_days))
            row = {"bank": bank, "day": day.isoformat(), **asdict(extras)}
            self.db.table("study_extras").upsert(row, pk=("bank", "day"))
        return extras
