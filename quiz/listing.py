"""`quiz list`: every question of the bank with its schedule, as a table.

The table is laid out here rather than by rich: rich measures every cell of every row,
which takes most of a minute for a 50,000-question bank; this takes a fraction of a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import starmap

from quiz.bank import Bank, Question, load_bank
from quiz.counts import counted
from quiz.scheduler_choice import bank_scheduler
from quiz.schedulers import card_stage
from quiz.settings import Settings
from quiz.store import Store, open_store

COLUMNS = ("#", "id", "kind", "state", "EF", "interval", "due", "last")
RIGHT = frozenset({"#", "EF", "D/S", "interval"})


@dataclass(frozen=True)
class QuestionRow:
    """One question with its schedule as `quiz list` and Browse both show it: number, id,
    kind, stage, the scheduler's strength, interval, due day and last grade."""

    question: Question
    stage: str
    status: str  # "new", "due" or "scheduled": words a Browse filter can match
    cells: tuple[str, ...]


def question_rows(store: Store, bank: Bank, today: date) -> list[QuestionRow]:
    """Every question of `bank` in the bank's order, with its schedule on `today`."""
    scheduler = bank_scheduler(store, bank.name)
    states = store.card_states(bank.name)
    last_grades = store.last_grades(bank.name)
    flags = store.card_flags(bank.name)
    rows = []
    for q in bank:
        state = states.get(q.id)
        flag = flags.get(q.id)
        stage = card_stage(
            scheduler,
            state,
            suspended=bool(flag and flag.suspended),
            buried=bool(flag and flag.buried(today)),
        )
        grade = last_grades.get(q.id)
        last = "" if grade is None else str(grade)
        if state is None or state.due is None:
            rows.append(
                QuestionRow(q, stage, "new", (str(q.number), q.id, q.kind, stage, "", "", "", last))
            )
            continue
        schedule = (scheduler.strength(state), f"{state.interval}d", due_text(state.due, today))
        status = "due" if state.due <= today else "scheduled"
        rows.append(
            QuestionRow(q, stage, status, (str(q.number), q.id, q.kind, stage, *schedule, last))
        )
    return rows


def question_table(settings: Settings, today: date) -> str:
    """`quiz list`'s table: the rows Browse shows, laid out for a terminal or a pipe."""
    bank = load_bank(settings.bank_path)
    store = open_store(settings.db_path, read_only=True)
    strength = bank_scheduler(store, bank.name).strength_label
    rows = [row.cells for row in question_rows(store, bank, today)]
    columns = tuple(strength if c == "EF" else c for c in COLUMNS)
    return render_table(f"{bank.title} ({counted(len(bank), 'question')})", columns, rows)


def due_text(due: date, today: date) -> str:
    """When a card is due, as a learner reads it: its date, "today", or how overdue it is."""
    if due > today:
        return due.isoformat()
    late = (today - due).days
    return "today" if late == 0 else f"{late}d overdue"


def render_table(title: str, columns: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """A boxed table with a heavy header, each column as wide as its widest cell."""
    widths = [max(map(len, cells)) for cells in zip(columns, *rows, strict=True)]
    # One format for every row: str.format pads each cell in C, as ljust and rjust would.
    cells = [f"{{:{'>' if c in RIGHT else '<'}{w}}}" for c, w in zip(columns, widths, strict=True)]

    def line(bar: str) -> str:
        return f"{bar} " + f" {bar} ".join(cells) + f" {bar}"

    def rule(left: str, fill: str, cross: str, right: str) -> str:
        return left + cross.join(fill * (w + 2) for w in widths) + right

    out = [title, rule("┏", "━", "┳", "┓"), line("┃").format(*columns)]
    out.append(rule("┡", "━", "╇", "┩"))
    out.extend(starmap(line("│").format, rows))
    out.append(rule("└", "─", "┴", "┘"))
    return "\n".join(out) + "\n"
