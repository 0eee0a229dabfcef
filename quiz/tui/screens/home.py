"""Home: today's counts, the streak, what comes next; Enter starts."""

from __future__ import annotations

from datetime import date, timedelta

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from quiz.counts import counted
from quiz.stats import current_streak
from quiz.training import MNIST_HOW
from quiz.tui.feedback import days_text, questions_come


def first_line(markdown: str, width: int = 70) -> str:
    """The prompt on one line, as plain text: its `code` marks are dropped, not shown."""
    line = " ".join(markdown.replace("`", "").split())
    return line if len(line) <= width else line[: width - 1].rstrip() + "…"


class Figure(Static):
    """One big number with its label underneath."""

    def __init__(self, label: str, id: str):
        super().__init__(id=id, classes="figure")
        self.label = label

    def show(self, value: str) -> None:
        self.update(Content.from_markup("[b]$value[/]\n$label", value=value, label=self.label))


class HomeScreen(Screen):
    BINDINGS = [
        Binding("enter", "start", "Start"),
        Binding("b", "browse", "Browse"),
        Binding("s", "stats", "Stats"),
        Binding("t", "train", "Train"),
        Binding("n", "more_new", "More new", show=False),
        Binding("a", "review_ahead", "Review ahead", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="home"):
            yield Static(id="greeting")
            with Horizontal(id="figures"):
                yield Figure("due", id="due")
                yield Figure("new", id="new")
                yield Figure("in drill", id="drill")
                yield Figure("streak", id="streak")
            yield Static(id="next-up")
            yield Static(id="call-to-action")
        yield Footer()

    def __init__(self) -> None:
        super().__init__()
        self.shown = False

    def on_screen_resume(self) -> None:
        """Today's figures; read afresh on a return, not at start-up (the session is new)."""
        today = self.app.follow_the_day()
        if self.shown:
            self.app.session.refresh()
        self.shown = True
        self.show_today(today)

    def show_today(self, today: date) -> None:
        app = self.app
        session = app.session
        counts = session.counts()
        days_studied = app.store.study_days(app.bank.name)
        days = current_streak(days_studied, today)
        self.query_one("#greeting", Static).update(
            Content.from_markup(
                "[b]$title[/]\n[dim]$when · $size questions in the bank[/]",
                title=app.bank.title,
                when=f"{today:%A} {today.day} {today:%B}",
                size=str(len(app.bank)),
            )
        )
        self.query_one("#due", Figure).show(str(counts.due))
        self.query_one("#new", Figure).show(str(counts.new))
        self.query_one("#drill", Figure).show(str(counts.drill))
        self.query_one("#streak", Figure).show(days_text(days))
        question = session.current
        next_up = self.query_one("#next-up", Static)
        action = self.query_one("#call-to-action", Static)
        if question is None:
            tomorrow = sum(
                1
                for state in app.store.card_states(app.bank.name).values()
                if state.due is not None and state.due <= today + timedelta(days=1)
            )
            next_up.update(
                Content.from_markup(
                    "[b $success]All done for today.[/] $tomorrow back tomorrow.",
                    tomorrow=f"{tomorrow} {questions_come(tomorrow)}",
                )
            )
            action.update(
                "Press n to study more new questions, a to review ahead, or b to browse and "
                "practise any question without moving its schedule." + self.waiting_line()
            )
            return
        kind = (
            "drill"
            if session.is_drill(question)
            else ("new" if session.state_of(question.id).is_new else "review")
        )
        next_up.update(
            Content.from_markup(
                "[b]Next:[/] #$number [dim]·[/] $kind $code[dim]·[/] [b]$id[/]\n$prompt",
                number=str(question.number),
                kind=kind,
                code="[code] " if question.is_code else "",
                id=question.id,
                prompt=first_line(question.prompt, 200),
            )
        )
        keep = "" if today in days_studied or not days else " Study today to keep your streak."
        action.update(
            Content.from_markup(
                "Press [b $accent]Enter[/] to start: $total today.$keep$waiting",
                total=counted(counts.total, "question"),
                keep=keep,
                waiting=self.waiting_line(),
            )
        )

    def waiting_line(self) -> str:
        """Which questions wait for the MNIST files, and how to provide them."""
        waiting = sorted(self.app.session.waiting)
        if not waiting:
            return ""
        return (
            f"\n{counted(len(waiting), 'question')} ({', '.join(waiting)}) "
            f"{'waits' if len(waiting) == 1 else 'wait'} for the MNIST files: {MNIST_HOW}."
        )

    def action_start(self) -> None:
        if self.app.session.current is None:
            self.notify("Nothing left for today. Press b to browse and practise.")
            return
        from quiz.tui.screens.review import ReviewScreen

        self.app.push_screen(ReviewScreen())

    # Custom study: beyond the day's usual queue, for this study day only

    def action_more_new(self) -> None:
        from quiz.tui.screens.extra_study import CountScreen

        ask = CountScreen("Study how many more new questions today?", 5, len(self.app.bank))
        self.app.push_screen(ask, self.study_more_new)

    def study_more_new(self, count: int | None) -> None:
        if count:
            self.add_extras(more_new=count)

    def action_review_ahead(self) -> None:
        from quiz.tui.screens.extra_study import CountScreen

        ask = CountScreen("Review today what falls due in the next how many days?", 1, 365)
        self.app.push_screen(ask, self.review_ahead)

    def review_ahead(self, days: int | None) -> None:
        if days:
            self.add_extras(ahead_days=days)

    def add_extras(self, more_new: int = 0, ahead_days: int = 0) -> None:
        app = self.app
        today = app.follow_the_day()
        before = app.session.counts()
        app.store.add_study_extras(app.bank.name, today, more_new, ahead_days)
        app.session.refresh()
        after = app.session.counts()
        added_new, added_due = after.new - before.new, after.due - before.due
        self.notify(
            f"Today: {added_new} more new and {added_due} more to review."
            if added_new or added_due
            else "Nothing more to add: no such questions are left."
        )
        self.show_today(today)

    def action_browse(self) -> None:
        self.app.open_browse()

    def action_stats(self) -> None:
        self.app.open_stats()

    def action_train(self) -> None:
        self.app.open_train()
