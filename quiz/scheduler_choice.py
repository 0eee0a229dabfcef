"""Which scheduler a bank uses, kept in its database, and switching by replaying the log.

Switching never loses a review: the new scheduler's card states are rebuilt by replaying
every scheduled review in order (ratings converted where they were logged under the other
scheduler), so switching back gives the first scheduler's states exactly as they were.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from quiz.schedulers import DEFAULT_SCHEDULER, Scheduler, make_scheduler, replay
from quiz.store import REVIEW_FIELDS, Store

SCHEDULER_KEY = "scheduler"
RETENTION_KEY = "fsrs.desired_retention"
PARAMETERS_KEY = "fsrs.parameters"


def bank_scheduler(store: Store, bank: str) -> Scheduler[Any]:
    """The scheduler kept for `bank`, with its options; SM-2 until another is chosen."""
    kept = store.settings(bank)
    retention = kept.get(RETENTION_KEY)
    parameters = kept.get(PARAMETERS_KEY)
    return make_scheduler(
        kept.get(SCHEDULER_KEY, DEFAULT_SCHEDULER),
        desired_retention=None if retention is None else float(retention),
        parameters=None if parameters is None else json.loads(parameters),
    )


def choose_scheduler(
    store: Store,
    bank: str,
    name: str | None = None,
    *,
    desired_retention: float | None = None,
    parameters: list[float] | None = None,
) -> Scheduler[Any]:
    """Keep `name` (and any FSRS option given) for `bank`; when anything changes, rebuild
    every card's state by replaying the log under the scheduler now chosen."""
    kept = store.settings(bank)
    wanted = dict(kept)
    if name is not None:
        wanted[SCHEDULER_KEY] = name
    if desired_retention is not None:
        wanted[RETENTION_KEY] = repr(float(desired_retention))
    if parameters is not None:
        wanted[PARAMETERS_KEY] = json.dumps([float(p) for p in parameters])
    scheduler = make_scheduler(
        wanted.get(SCHEDULER_KEY, DEFAULT_SCHEDULER),
        desired_retention=(float(wanted[RETENTION_KEY]) if RETENTION_KEY in wanted else None),
        parameters=json.loads(wanted[PARAMETERS_KEY]) if PARAMETERS_KEY in wanted else None,
    )
    if wanted != kept:
        changes = {k: v for k, v in wanted.items() if kept.get(k) != v}
        store.replace_cards(bank, replay(scheduler, store.scheduled_log(bank)), changes)
    return scheduler


def import_log(
    store: Store, rows: Iterable[tuple[Any, ...]], notes: dict[tuple[str, str], str]
) -> tuple[int, int]:
    """Add an export's answers and notes; return how many of each were new.

    `rows` are answers as `Store.import_rows` takes them; they may stream, and `notes`
    fill as they do. The store gives each card the state after its latest logged review.
    That is the schedule only where every answer was logged under the bank's scheduler and
    its states depend on nothing kept per bank: a bank on a tunable scheduler (FSRS, whose
    states also depend on its parameters and retention), or answers logged under another
    scheduler, get their cards rebuilt by replaying the bank's whole log."""
    logged_under: set[tuple[str, str]] = set()
    scheduler_at = REVIEW_FIELDS.index("scheduler")

    def noted(stream: Iterable[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
        for row in stream:
            logged_under.add((row[0], row[scheduler_at]))
            yield row

    added = store.import_rows(noted(rows))
    kept = store.import_notes(notes)
    for bank in sorted({bank for bank, _ in logged_under}):
        scheduler = bank_scheduler(store, bank)
        schedulers = {name for b, name in logged_under if b == bank}
        if added and (scheduler.tunable or schedulers != {scheduler.name}):
            store.replace_cards(bank, replay(scheduler, store.scheduled_log(bank)), {})
    return added, kept
