"""Each card's schedule: the state its scheduler left it in, kept while it is not new."""

from __future__ import annotations

import json

from quiz.schedulers import (
    DEFAULT_SCHEDULER,
    ScheduleState,
    make_scheduler,
    state_from_dict,
    state_to_dict,
)
from quiz.store.connection import Connection


class CardSchedules(Connection):
    """The `cards` table: one row per card a scheduler has seen, holding its state as JSON."""

    def card_states(self, bank: str, question_id: str | None = None) -> dict[str, ScheduleState]:
        """Every scheduled card of `bank` (or just `question_id`); a question missing is new."""
        sql = "SELECT question_id, state FROM cards WHERE bank = ?"
        params = [bank]
        if question_id is not None:
            sql += " AND question_id = ?"
            params.append(question_id)
        with self._guard():
            rows = self.db.execute(sql, params).fetchall()
            try:
                return {qid: state_from_dict(json.loads(state)) for qid, state in rows}
            except (ValueError, TypeError, KeyError, ArithmeticError) as exc:
                raise self._damaged(f"a card's schedule cannot be read: {exc}") from None

    def card_state(
        self, bank: str, question_id: str, new: ScheduleState | None = None
    ) -> ScheduleState:
        """The schedule of one card: `new` (the default scheduler's new state unless given)
        while it is new."""
        state = self.card_states(bank, question_id).get(question_id)
        if state is not None:
            return state
        return make_scheduler(DEFAULT_SCHEDULER).new_state() if new is None else new

    def _put_card(self, bank: str, question_id: str, state: ScheduleState) -> None:
        if state.is_new or state.due is None:  # a state without a due day is a new card
            self.db.execute(
                "DELETE FROM cards WHERE bank = ? AND question_id = ?", [bank, question_id]
            )
            return
        row = {
            "bank": bank,
            "question_id": question_id,
            "due": state.due.isoformat(),
            "state": json.dumps(state_to_dict(state)),
        }
        self.db.table("cards").upsert(row, pk=("bank", "question_id"))

    def replace_cards(
        self, bank: str, states: dict[str, ScheduleState], settings: dict[str, str]
    ) -> None:
        """Every card of `bank` takes the state given (or becomes new), with the settings
        that produced them, in one commit: how a change of scheduler lands."""
        with self._writing():
            self.db.execute("DELETE FROM cards WHERE bank = ?", [bank])
            for question_id, state in states.items():
                self._put_card(bank, question_id, state)
            for key, value in settings.items():
                self.db.table("settings").upsert(
                    {"bank": bank, "key": key, "value": value}, pk=("bank", "key")
                )
