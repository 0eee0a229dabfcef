"""Summary: how many, how well, how long, and what comes back tomorrow.

Dismissed with "home" or "undo"; the review screen underneath acts on it.
"""

from __future__ import annotations

from datetime import timedelta

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from quiz.scheduler import PASSING_QUALITY, QUALITY_MEANINGS
from quiz.stats import current_streak
from quiz.tui.feedback import days_text, questions_come

BAR_WIDTH = 20


def spent(seconds: float) -> str:
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"


def listed(ids: list[str], most: int = 4) -> str:
    more = f" and {len(ids) - most} more" if len(ids) > most else ""
    return ", ".join(ids[:most]) + more


class SummaryScreen(Screen[str]):
    BINDINGS = [
        Binding("enter,escape", "home", "Home"),
        Binding("u,ctrl+g", "undo", "Undo last grade"),
        Binding("s", "stats", "Stats"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="summary"):
            yield Static(self.headline(), id="headline")
            yield Static(self.grades(), id="grade-spread")
            yield Static(self.tomorrow(), id="tomorrow")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Done for today"

    def headline(self) -> Content:
        graded = self.app.session.graded
        drills = sum(1 for r in graded if r.kind == "drill")
        correct = sum(1 for r in graded if r.grade >= PASSING_QUALITY)
        mean = sum(r.grade for r in graded) / len(graded) if graded else 0.0
        seconds = sum(r.duration_s or 0.0 for r in graded)
        days = current_streak(self.app.store.study_days(self.app.bank.name), self.app.today())
        return Content.from_markup(
            "[b $success]Session complete.[/]\n\n"
            "You answered [b]$count[/] ($reviews scheduled, $drills drills) in [b]$time[/].\n"
            "[b]$correct[/] of them correct (grade 3 or more); average grade [b]$mean[/].\n"
            "Streak: [b]$streak[/].",
            count=str(len(graded)),
            reviews=str(len(graded) - drills),
            drills=str(drills),
            time=spent(seconds),
            correct=str(correct),
            mean=f"{mean:.1f}",
            streak=days_text(days),
        )

    def grades(self) -> Content:
        graded = self.app.session.graded
        lines = [Content.from_markup("[b]Grades[/]")]
        most = max((sum(1 for r in graded if r.grade == g) for g in range(6)), default=0) or 1
        for grade in range(5, -1, -1):
            count = sum(1 for r in graded if r.grade == grade)
            bar = "█" * round(count / most * BAR_WIDTH)
            colour = "$success" if grade >= PASSING_QUALITY else "$error"
            lines.append(
                Content.from_markup(
                    f"$grade [{colour}]$bar[/] $count [dim]$meaning[/]",
                    grade=str(grade),
                    bar=bar.ljust(BAR_WIDTH) if count else " " * BAR_WIDTH,
                    count=str(count).rjust(2),
                    meaning=QUALITY_MEANINGS[grade],
                )
            )
        return Content("\n").join(lines)

    def tomorrow(self) -> Content:
        app = self.app
        tomorrow = app.today() + timedelta(days=1)
        states = app.store.card_states(app.bank.name)
        coming = sorted(
            (state.due, q.number, q.id)
            for q in app.bank
            if (state := states.get(q.id)) is not None and state.due <= tomorrow
        )
        unseen = sum(1 for q in app.bank if q.id not in states)
        new = min(unseen, app.settings.new_per_day)
        ids = [qid for _, _, qid in coming]
        if ids:
            back = f"[b]{len(ids)}[/] {questions_come(len(ids))} back: $ids"
        else:
            back = "Nothing comes back for review."
        return Content.from_markup(
            f"[b]Tomorrow[/]\n{back}\n$new",
            ids=listed(ids),
            new=f"Up to {new} new question{'s' if new != 1 else ''}." if new else "",
        )

    def action_home(self) -> None:
        self.dismiss("home")

    def action_undo(self) -> None:
        self.dismiss("undo")

    def action_stats(self) -> None:
        self.app.open_stats()
