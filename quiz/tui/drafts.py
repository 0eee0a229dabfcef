"""What is typed for a question is saved as it is typed, and comes back after a quit or a crash."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from textual.timer import Timer

from quiz.session import utc_timestamp
from quiz.store import Draft, Store

SaveInWorker = Callable[[Store, str, str, Draft | None, str], None]
"""Saves (store, bank, question id, draft or None to drop it, time) off the UI thread."""


class DraftKeeper:
    """One save per pause in typing, handed to a worker; the last one waits when the screen
    goes, as its widgets are gone by then."""

    def __init__(
        self,
        store: Store,
        bank: str,
        clock: Callable[[], datetime],
        set_timer: Callable[[float, Callable[[], None]], Timer],
        save_in_worker: SaveInWorker,
        delay_s: float,
    ) -> None:
        self.store, self.bank, self.clock = store, bank, clock
        self.set_timer, self.save_in_worker, self.delay_s = set_timer, save_in_worker, delay_s
        self.saved: Draft | None = None
        """The draft of the question on show as the database last heard it."""
        self.pending: tuple[str, Draft | None] | None = None
        """The question and draft typed since the last save, waiting for a pause."""
        self.timer: Timer | None = None

    def take_up(self, question_id: str) -> Draft | None:
        """The draft kept for `question_id`, after saving what was typed for the one before."""
        self.save_now()
        self.saved = self.store.draft(self.bank, question_id)
        return self.saved

    def typed(self, question_id: str, draft: Draft | None) -> None:
        """Note what is typed now; it is saved once typing pauses."""
        self.cancel()
        self.pending = (question_id, draft)
        self.timer = self.set_timer(self.delay_s, self.save_now)

    def cancel(self) -> None:
        if self.timer is not None:
            self.timer.stop()
            self.timer = None

    def save_now(self, *, wait: bool = False) -> None:
        """Hand the pending draft to a worker, or with `wait` save it before returning."""
        self.cancel()
        pending, self.pending = self.pending, None
        if pending is None or pending[1] == self.saved:
            return
        question_id, draft = pending
        self.saved = draft
        at = utc_timestamp(self.clock())
        if wait:
            self.store.save_draft(self.bank, question_id, draft, at)
        else:
            self.save_in_worker(self.store, self.bank, question_id, draft, at)
