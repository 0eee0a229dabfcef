"""The learner's own note on a question, written in a box over the screen."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea


class NoteScreen(ModalScreen[str | None]):
    """Edit `note`; ctrl+s keeps the text (empty removes the note), Esc drops the changes."""

    DEFAULT_CSS = """
    NoteScreen {
        align: center middle;
    }
    NoteScreen > Vertical {
        width: 70;
        max-width: 95%;
        height: auto;
        padding: 1 2;
        border: round $accent;
        background: $surface;
    }
    NoteScreen TextArea {
        height: 8;
    }
    NoteScreen #note-keys {
        color: $text-muted;
    }
    """
    BINDINGS = [
        Binding("ctrl+s", "keep", "Keep note"),
        Binding("escape", "drop", "Cancel"),
    ]

    def __init__(self, question_id: str, note: str):
        super().__init__()
        self.question_id = question_id
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"Your note on {self.question_id}, shown with our answer")
            yield TextArea(self.note, soft_wrap=True, id="note")
            yield Static("ctrl+s: keep    Esc: cancel", id="note-keys")

    def on_mount(self) -> None:
        self.query_one("#note", TextArea).focus()

    def action_keep(self) -> None:
        self.dismiss(self.query_one("#note", TextArea).text)

    def action_drop(self) -> None:
        self.dismiss(None)
