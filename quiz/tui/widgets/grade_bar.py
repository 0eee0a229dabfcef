"""The scheduler's ratings with their meanings and what each schedules, the suggested one
highlighted; click or type one."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import Grid, Vertical
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Static

from quiz.schedulers import Rating


def interval_label(rating: Rating, days: int) -> str:
    """What a rating schedules, as short as Anki's buttons say it: '6d', or '1d, drill today'."""
    label = f"{days}d"
    return f"{label}, drill today" if rating.drill else label


class GradeCell(Vertical):
    """One rating, said two ways: with its meaning, and (for a short terminal, where the
    stylesheet shows it instead) as its key, name and interval alone."""

    def __init__(self, rating: Rating, days: int | None = None):
        passed = "pass" if rating.passed else "fail"
        super().__init__(classes=f"grade grade-{rating.value} {passed}")
        self.rating = rating
        self.grade = rating.value
        self.days = days

    def compose(self) -> ComposeResult:
        yield Static(classes="long")
        yield Static(classes="short")

    def on_mount(self) -> None:
        self.show_interval(self.days)

    def show_interval(self, days: int | None) -> None:
        """The grade, its meaning and, for a scheduled review, the interval it would set."""
        self.days = days
        rating = self.rating
        when = f" [b $accent]→ {interval_label(rating, days)}[/]" if days is not None else ""
        named = "" if rating.label == rating.key else f"[b]{rating.label}[/] "
        long, short = self.query_one(".long", Static), self.query_one(".short", Static)
        said = Content.from_markup(
            f"[b]$key[/] {named}$meaning{when}", key=rating.key, meaning=rating.meaning
        )
        long.update(said)
        # Practice schedules nothing: with no interval to show, the meaning stays.
        brief = Content.from_markup(f"[b]$key[/] {named}{when}".replace("  ", " "), key=rating.key)
        short.update(said if days is None else brief)

    def on_click(self, event: events.Click) -> None:
        self.post_message(GradeBar.Chosen(self.grade))


class GradeBar(Grid):
    """The scheduler's ratings, best first; `suggested` marks the app's guess.

    `intervals` maps each grade to the days it would schedule (None for practice, which
    schedules nothing); the scheduler computes them, never a table here."""

    suggested: reactive[int | None] = reactive(None)

    class Chosen(Message):
        def __init__(self, grade: int):
            super().__init__()
            self.grade = grade

    def __init__(
        self,
        ratings: tuple[Rating, ...],
        suggested: int | None = None,
        intervals: dict[int, int] | None = None,
        *,
        id: str | None = None,
    ):
        super().__init__(id=id)
        self.ratings = ratings
        self.set_reactive(GradeBar.suggested, suggested)
        self.intervals = intervals

    def compose(self) -> ComposeResult:
        for rating in self.ratings:
            cell = GradeCell(rating, (self.intervals or {}).get(rating.value))
            cell.set_class(rating.value == self.suggested, "-suggested")
            yield cell

    def watch_suggested(self, suggested: int | None) -> None:
        for cell in self.query(GradeCell):
            cell.set_class(cell.grade == suggested, "-suggested")

    def show_intervals(self, intervals: dict[int, int] | None) -> None:
        self.intervals = intervals
        for cell in self.query(GradeCell):
            cell.show_interval((intervals or {}).get(cell.grade))
