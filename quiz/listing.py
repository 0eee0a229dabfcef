"""`quiz list`: every question of the bank with its schedule, as a rich table."""

from __future__ import annotations

import io
from datetime import date

from rich.console import Console
from rich.table import Table

from quiz.bank import load_bank
from quiz.scheduler import format_easiness
from quiz.settings import Settings
from quiz.store import open_store


def question_table(settings: Settings, today: date) -> str:
    bank = load_bank(settings.bank_path)
    store = open_store(settings.db_path)
    states = store.card_states(bank.name)
    last_grades: dict[str, int] = {}
    for review in store.reviews(bank.name):
        if review.kind == "review":
            last_grades[review.question_id] = review.grade
    table = Table(title=f"{bank.title} ({len(bank)} questions)", title_justify="left")
    for column in ("#", "id", "kind", "state", "EF", "interval", "due", "last"):
        table.add_column(column, justify="right" if column in ("#", "EF", "interval") else "left")
    for q in bank:
        state = states.get(q.id)
        if state is None:
            table.add_row(str(q.number), q.id, q.kind, "new", "", "", "", "")
            continue
        when = "today" if state.due <= today else state.due.isoformat()
        grade = last_grades.get(q.id)
        table.add_row(
            str(q.number),
            q.id,
            q.kind,
            "learning" if state.repetitions == 0 else f"{state.repetitions} in a row",
            format_easiness(state.easiness),
            f"{state.interval}d",
            when,
            "" if grade is None else str(grade),
        )
    out = io.StringIO()
    Console(file=out, width=100, force_terminal=False).print(table)
    return out.getvalue()
