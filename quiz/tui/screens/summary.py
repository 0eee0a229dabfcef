"""Summary: how many, how well, how long, and what comes back tomorrow.

Dismissed with "home" or "undo"; the review screen underneath acts on it.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from quiz.counts import counted
from quiz.schedulers import convert_rating, rating_of
from quiz.stats import current_streak
from quiz.store import Review
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

    def __init__(self) -> None:
        super().__init__()
        self.today: date | None = None
        self.answers: list[Review] = []

    def compose(self) -> ComposeResult:
        # The whole study day from the log, so a session quit and reopened still adds up.
        app = self.app
        self.today = app.today()
        self.answers = list(app.store.reviews(app.bank.name, day=self.today))
        yield Header()
        with VerticalScroll(id="summary"):
            yield Static(self.headline(), id="headline")
            yield Static(self.grades(), id="grade-spread")
            yield Static(self.tomorrow(), id="tomorrow")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Done for today"

    def headline(self) -> Content:
        graded = self.answers
        kinds = Counter(r.kind for r in graded)
        correct = sum(1 for r in graded if self.rating(r).passed)
        mean = sum(self.rating(r).value for r in graded) / len(graded) if graded else 0.0
        seconds = sum(r.duration_s or 0.0 for r in graded)
        days = current_streak(self.app.store.study_days(self.app.bank.name), self.today)
        parts = [f"{kinds['review']} scheduled", counted(kinds["drill"], "drill")]
        if kinds["cram"]:
            parts.append(f"{kinds['cram']} practised")
        return Content.from_markup(
            "[b $success]Session complete.[/]\n\n"
            "Today you answered [b]$count[/] ($kinds) in [b]$time[/].\n"
            "[b]$correct[/] of them correct (grade $passing or more); average grade [b]$mean[/].\n"
            "Streak: [b]$streak[/].",
            count=str(len(graded)),
            kinds=", ".join(parts),
            time=spent(seconds),
            correct=str(correct),
            passing=[r for r in self.app.session.scheduler.ratings if r.passed][-1].label,
            mean=f"{mean:.1f}",
            streak=days_text(days),
        )

    def rating(self, review):
        """A logged answer's rating on the scale of the scheduler in use."""
        scheduler = self.app.session.scheduler
        return rating_of(scheduler, convert_rating(review.grade, review.scheduler, scheduler.name))

    def grades(self) -> Content:
        graded = self.answers
        lines = [Content.from_markup("[b]Grades[/]")]
        ratings = self.app.session.scheduler.ratings
        counts = Counter(self.rating(r).value for r in graded)
        most = max(counts.values(), default=0) or 1
        for rating in ratings:
            count = counts[rating.value]
            bar = "█" * round(count / most * BAR_WIDTH)
            colour = "$success" if rating.passed else "$error"
            lines.append(
                Content.from_markup(
                    f"$grade [{colour}]$bar[/] $count [dim]$meaning[/]",
                    grade=rating.key,
                    bar=bar.ljust(BAR_WIDTH) if count else " " * BAR_WIDTH,
                    count=str(count).rjust(2),
                    meaning=rating.meaning if rating.label == rating.key else rating.label,
                )
            )
        return Content("\n").join(lines)

    def tomorrow(self) -> Content:
        app = self.app
        tomorrow = self.today + timedelta(days=1)
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
            new=f"Up to {counted(new, 'new question')}." if new else "",
        )

    def action_home(self) -> None:
        self.dismiss("home")

    def action_undo(self) -> None:
        self.dismiss("undo")

    def action_stats(self) -> None:
        self.app.open_stats()
