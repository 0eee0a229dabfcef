"""SM-2's six grades with their meanings and what each schedules, the suggested one highlighted;
click or type one."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import Grid
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Static

from quiz.scheduler import DRILL_UNTIL, QUALITY_MEANINGS

GRADE_ORDER = (5, 4, 3, 2, 1, 0)


def interval_label(grade: int, days: int) -> str:
    """What a grade schedules, as short as Anki's buttons say it: '6d', or '1d, drill today'."""
    label = f"{days}d"
    return f"{label}, drill today" if grade < DRILL_UNTIL else label


class GradeCell(Static):
    def __init__(self, grade: int, days: int | None = None):
        super().__init__(classes=f"grade grade-{grade} {'pass' if grade >= 3 else 'fail'}")
        self.grade = grade
        self.show_interval(days)

    def show_interval(self, days: int | None) -> None:
        """The grade, its meaning and, for a scheduled review, the interval it would set."""
        when = f" [b $accent]→ {interval_label(self.grade, days)}[/]" if days is not None else ""
        self.update(
            Content.from_markup(
                f"[b]$grade[/] $meaning{when}",
                grade=str(self.grade),
                meaning=QUALITY_MEANINGS[self.grade],
            )
        )

    def on_click(self, event: events.Click) -> None:
        self.post_message(GradeBar.Chosen(self.grade))


class GradeBar(Grid):
    """The grades 5 … 0 in reading order; `suggested` marks the app's guess.

    `intervals` maps each grade to the days it would schedule (None for practice, which
    schedules nothing); the scheduler computes them, never a table here."""

    suggested: reactive[int | None] = reactive(None)

    class Chosen(Message):
        def __init__(self, grade: int):
            super().__init__()
            self.grade = grade

    def __init__(
        self,
        suggested: int | None = None,
        intervals: dict[int, int] | None = None,
        *,
        id: str | None = None,
    ):
        super().__init__(id=id)
        self.set_reactive(GradeBar.suggested, suggested)
        self.intervals = intervals

    def compose(self) -> ComposeResult:
        for grade in GRADE_ORDER:
            cell = GradeCell(grade, (self.intervals or {}).get(grade))
            cell.set_class(grade == self.suggested, "-suggested")
            yield cell

    def watch_suggested(self, suggested: int | None) -> None:
        for cell in self.query(GradeCell):
            cell.set_class(cell.grade == suggested, "-suggested")

    def show_intervals(self, intervals: dict[int, int] | None) -> None:
        self.intervals = intervals
        for cell in self.query(GradeCell):
            cell.show_interval((intervals or {}).get(cell.grade))
