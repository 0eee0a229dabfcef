"""Custom study from Home: a number of extra new questions, or days of reviews ahead."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static


class CountScreen(ModalScreen[int | None]):
    """Asks for a whole number from 1 to `most`; Enter takes it, Esc asks nothing."""

    DEFAULT_CSS = """
    CountScreen {
        align: center middle;
    }
    CountScreen > Vertical {
        width: 60;
        max-width: 90%;
        height: auto;
        padding: 1 2;
        border: round $accent;
        background: $surface;
    }
    CountScreen #count-error {
        color: $error;
    }
    """
    BINDINGS = [Binding("escape", "drop", "Cancel")]

    def __init__(self, question: str, default: int, most: int = 100):
        super().__init__()
        self.question, self.default, self.most = question, default, most

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.question)
            yield Input(str(self.default), type="integer", id="count")
            yield Static("", id="count-error")
            yield Static("Enter: go    Esc: cancel")

    @on(Input.Submitted, "#count")
    def take(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text.isdigit() or not 1 <= int(text) <= self.most:
            self.query_one("#count-error", Static).update(f"A whole number from 1 to {self.most}.")
            return
        self.dismiss(int(text))

    def action_drop(self) -> None:
        self.dismiss(None)
