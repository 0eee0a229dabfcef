"""Browse: every question with its schedule, filtered as you type; Enter practises one.

Practice here is cram: it is logged, but never moves a question's schedule.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input

from quiz.bank import Bank, Question
from quiz.counts import counted
from quiz.listing import question_rows
from quiz.store import CardFlags, Store

COLUMNS = ("#", "id", "kind", "state", "EF", "ivl", "due", "last")


@dataclass(frozen=True)
class Row:
    """One question as the table shows it, with the text a filter searches."""

    question: Question
    cells: tuple[str, ...]
    haystack: str


def browse_rows(store: Store, bank: Bank, today: date) -> list[Row]:
    """`quiz list`'s rows, each with the words a filter looks in."""
    rows = []
    for row in question_rows(store, bank, today):
        q = row.question
        haystack = " ".join((q.id, q.kind, *q.tags, q.prompt, row.status, row.stage)).lower()
        rows.append(Row(q, row.cells, haystack))
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
        Binding("s", "suspend", "Suspend/unsuspend"),
        Binding("z", "bury", "Bury/unbury"),
        Binding("n", "note", "Note"),
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
        self.post_message(self.Loaded(browse_rows(store, bank, today)))

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
        self.sub_title = f"{table.row_count} of {counted(len(self.rows), 'question')}"
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

    # Setting a question aside, and the learner's note (keys of the table, not the filter)

    def selected_id(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("suspend", "bury", "note"):
            return isinstance(self.focused, DataTable)
        return True

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    def action_suspend(self) -> None:
        self.change_flags(lambda flags: replace(flags, suspended=not flags.suspended), "suspended")

    def action_bury(self) -> None:
        today = self.app.today()
        self.change_flags(
            lambda flags: replace(flags, buried_on=None if flags.buried(today) else today),
            "buried until tomorrow",
        )

    def change_flags(self, change, word: str) -> None:
        question_id = self.selected_id()
        if question_id is None:
            return
        app = self.app
        flags = app.store.card_flags(app.bank.name).get(question_id, CardFlags())
        changed = change(flags)
        app.store.set_flags(app.bank.name, question_id, changed)
        setting = changed.suspended if word == "suspended" else changed.buried_on is not None
        self.notify(f"{question_id}: {word}." if setting else f"{question_id}: back in the queue.")
        self.load_rows(app.store, app.bank, app.today())

    def action_note(self) -> None:
        from quiz.tui.screens.note import NoteScreen

        question_id = self.selected_id()
        if question_id is None:
            return
        note = self.app.store.note(self.app.bank.name, question_id)
        self.app.push_screen(
            NoteScreen(question_id, note), lambda text: self.keep_note(question_id, text)
        )

    def keep_note(self, question_id: str, text: str | None) -> None:
        if text is not None:
            self.app.store.set_note(self.app.bank.name, question_id, text)
            self.notify(f"Note on {question_id} kept." if text.strip() else "Note removed.")

    def action_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_back(self) -> None:
        search = self.query_one("#filter", Input)
        if search.has_focus and search.value:
            search.value = ""
            return
        self.dismiss()
