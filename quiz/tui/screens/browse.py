"""Browse: every question with its schedule, filtered as you type; Enter practises one.

Practice here is cram: it is logged, but never moves a question's schedule.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input

from quiz.bank import Question
from quiz.scheduler_choice import bank_scheduler
from quiz.store import Store

COLUMNS = ("#", "id", "kind", "reps", "EF", "ivl", "due", "last")


@dataclass(frozen=True)
class Row:
    """One question as the table shows it, with the text a filter searches."""

    question: Question
    cells: tuple[str, ...]
    haystack: str


def question_rows(store: Store, bank, today) -> list[Row]:
    scheduler = bank_scheduler(store, bank.name)
    states = store.card_states(bank.name)
    last = store.last_grades(bank.name)
    rows = []
    for q in bank:
        state = states.get(q.id)
        if state is None:
            schedule = ("new", "", "", "")
        else:
            due = "today" if state.due <= today else state.due.isoformat()
            reps = str(state.repetitions)
            schedule = (reps, scheduler.strength(state), f"{state.interval}d", due)
        grade = last.get(q.id)
        cells = (str(q.number), q.id, q.kind, *schedule, "" if grade is None else str(grade))
        status = "new" if state is None else "due" if state.due <= today else "scheduled"
        haystack = " ".join((q.id, q.kind, *q.tags, q.prompt, status)).lower()
        rows.append(Row(q, cells, haystack))
    return rows


class FilterInput(Input):
    """The filter box: `/` is the key that comes to it, never a character typed into it."""

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "slash":
            event.stop()
            event.prevent_default()
            self.select_all()  # as in a browser's find bar: the next words replace the filter
            return
        await super()._on_key(event)


class BrowseScreen(Screen):
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("down", "to_table", "Questions", show=False),
    ]

    class Loaded(Message):
        def __init__(self, rows: list[Row]):
            super().__init__()
            self.rows = rows

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[Row] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield FilterInput(
            placeholder="Filter: id, tag, kind, new/due/scheduled or words of the question",
            id="filter",
        )
        yield DataTable(cursor_type="row", zebra_stripes=True, id="questions")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Browse"
        table = self.query_one(DataTable)
        strength = self.app.session.scheduler.strength_label
        for column in COLUMNS:
            table.add_column(strength if column == "EF" else column, key=column)
        self.query_one("#filter", Input).focus()
        self.load_rows(self.app.store, self.app.bank, self.app.today())

    def on_screen_resume(self) -> None:
        if self.rows:
            self.load_rows(self.app.store, self.app.bank, self.app.today())

    @work(thread=True, exclusive=True, group="browse")
    def load_rows(self, store, bank, today) -> None:
        self.post_message(self.Loaded(question_rows(store, bank, today)))

    @on(Loaded)
    def show_rows(self, message: Loaded) -> None:
        self.rows = message.rows
        self.show_filtered(self.query_one("#filter", Input).value)

    def show_filtered(self, text: str) -> None:
        table = self.query_one(DataTable)
        selected = table.cursor_row
        words = text.lower().split()
        table.clear()
        for row in self.rows:
            if all(word in row.haystack for word in words):
                table.add_row(*row.cells, key=row.question.id)
        self.sub_title = f"{table.row_count} of {len(self.rows)} questions"
        if table.row_count:
            table.move_cursor(row=min(selected, table.row_count - 1))

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.show_filtered(event.value)

    @on(Input.Submitted, "#filter")
    def filter_submitted(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count == 1:
            self.open_question(table.coordinate_to_cell_key((0, 0)).row_key.value)
        else:
            table.focus()

    def action_to_table(self) -> None:
        self.query_one(DataTable).focus()

    @on(DataTable.RowSelected)
    def practise(self, event: DataTable.RowSelected) -> None:
        self.open_question(event.row_key.value)

    def open_question(self, question_id: str) -> None:
        from quiz.tui.screens.review import ReviewScreen

        question = self.app.bank.get(question_id)
        if question.is_code:
            self.app.warm_checker()
        self.app.push_screen(ReviewScreen(cram=question))

    def action_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_back(self) -> None:
        search = self.query_one("#filter", Input)
        if search.has_focus and search.value:
            search.value = ""
            return
        self.dismiss()
