"""SM-2's six grades with their meanings, the suggested one highlighted; click or type one."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import Grid
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Static

from quiz.scheduler import QUALITY_MEANINGS

GRADE_ORDER = (5, 4, 3, 2, 1, 0)


class GradeCell(Static):
    def __init__(self, grade: int):
        super().__init__(
            Content.from_markup(
                "[b]$grade[/] $meaning", grade=str(grade), meaning=QUALITY_MEANINGS[grade]
            ),
            classes=f"grade grade-{grade} {'pass' if grade >= 3 else 'fail'}",
        )
        self.grade = grade

    def on_click(self, event: events.Click) -> None:
        self.post_message(GradeBar.Chosen(self.grade))


class GradeBar(Grid):
    """The grades 5 … 0 in reading order; `suggested` marks the app's guess."""

    suggested: reactive[int | None] = reactive(None)

    class Chosen(Message):
        def __init__(self, grade: int):
            super().__init__()
            self.grade = grade

    def __init__(self, suggested: int | None = None, *, id: str | None = None):
        super().__init__(id=id)
        self.set_reactive(GradeBar.suggested, suggested)

    def compose(self) -> ComposeResult:
        for grade in GRADE_ORDER:
            cell = GradeCell(grade)
            cell.set_class(grade == self.suggested, "-suggested")
            yield cell

    def watch_suggested(self, suggested: int | None) -> None:
        for cell in self.query(GradeCell):
            cell.set_class(cell.grade == suggested, "-suggested")
