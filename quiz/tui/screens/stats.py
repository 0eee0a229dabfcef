"""The Stats screen: today, the streak, charts of the log, retention and every question.

The figures are read from the app's store in a worker thread and arrive as one message.
"""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Footer, Static, TabbedContent, TabPane

from quiz.bank import Bank
from quiz.errors import QuizError
from quiz.settings import Settings
from quiz.stats import Stats
from quiz.stats_report import (
    FIRST_RUN_COLUMN,
    QUESTION_COLUMNS,
    TEXT_COLUMNS,
    column_title,
    distributions_grid,
    gather,
    hardest_columns,
    has_code,
    question_cells,
    retention_rows,
    today_grid,
)
from quiz.store import Store
from quiz.tui.widgets.charts import BarChart, CalendarHeatmap, ForecastChart

QUESTIONS_PANE = "stats-every-question"


class StatsScreen(Screen[None]):
    """Progress over the review log; Esc or q goes back.

    `today` pins the study day, as the tests do; otherwise the settings give it.
    """

    CSS_PATH = "stats.tcss"
    LOADING_DELAY_S = 0.3
    """How long the figures may take before the page shows that they are coming."""
    BINDINGS = [
        Binding("escape", "close", "Back"),
        Binding("q", "close", "Back", show=False),
        # The tab bar has the focus at first: these scroll the page from there, no Tab needed.
        Binding("pagedown", "scroll_page('page_down')", "Page down", show=False),
        Binding("pageup", "scroll_page('page_up')", "Page up", show=False),
        Binding("end", "scroll_page('end')", "End", show=False),
        Binding("home", "scroll_page('home')", "Top", show=False),
    ]

    class FiguresLoaded(Message):
        def __init__(self, stats: Stats) -> None:
            super().__init__()
            self.stats = stats

    class FiguresFailed(Message):
        def __init__(self, reason: str) -> None:
            super().__init__()
            self.reason = reason

    def __init__(
        self, settings: Settings, bank: Bank, store: Store, *, today: date | None = None
    ) -> None:
        super().__init__()
        self.settings = settings
        self.bank = bank
        self.today = today
        self.store = store
        self.stats: Stats | None = None

    def compose(self) -> ComposeResult:
        with TabbedContent(id="stats-tabs"):
            with TabPane("Overview", id="stats-overview"):
                with VerticalScroll(id="stats-body"):
                    yield Static(id="stats-summary")
                    yield titled(BarChart(id="stats-recent"), "Answers per day, last 30 days")
                    yield titled(CalendarHeatmap(id="stats-calendar"), "Answers, last year")
                    yield titled(
                        ForecastChart(id="stats-forecast"),
                        "Cards due, next 30 days (overdue counted today)",
                    )
                    yield titled(
                        DataTable(id="stats-retention", cursor_type="none", zebra_stripes=True),
                        "True retention: first scheduled review of the day on learned cards",
                    )
                    yield Static(id="stats-distributions")
                    yield titled(
                        DataTable(id="stats-hardest", cursor_type="row", zebra_stripes=True),
                        "Hardest questions",
                    )
            with TabPane("Every question", id=QUESTIONS_PANE):
                yield DataTable(id="stats-questions", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def action_scroll_page(self, how: str) -> None:
        on_questions = self.query_one(TabbedContent).active == QUESTIONS_PANE
        page = self.query_one("#stats-questions" if on_questions else "#stats-body")
        getattr(page, f"scroll_{how}")(animate=False)

    def on_mount(self) -> None:
        # The figures usually come sooner than a spinner could be seen: it waits its turn.
        self._slow = self.set_timer(self.LOADING_DELAY_S, self._show_loading)
        self.load_figures()

    def _show_loading(self) -> None:
        self.query_one("#stats-body").loading = True

    @work(thread=True, exclusive=True, group="stats")
    def load_figures(self) -> None:
        today = self.today or self.settings.today()
        try:
            stats = gather(self.store, self.bank, today)
        except QuizError as exc:
            self.post_message(self.FiguresFailed(str(exc)))
            return
        self.post_message(self.FiguresLoaded(stats))

    @on(FiguresFailed)
    def show_failure(self, message: FiguresFailed) -> None:
        self._slow.stop()
        self.query_one("#stats-body").loading = False
        self.query_one("#stats-summary", Static).update(f"Statistics unavailable: {message.reason}")

    @on(FiguresLoaded)
    def show_figures(self, message: FiguresLoaded) -> None:
        self._slow.stop()
        stats = self.stats = message.stats
        self.query_one("#stats-summary", Static).update(today_grid(stats))
        self.query_one("#stats-recent", BarChart).show(stats.recent)
        self.query_one("#stats-calendar", CalendarHeatmap).show(stats.calendar)
        forecast = self.query_one("#stats-forecast", ForecastChart)
        forecast.show(stats.forecast)
        forecast.border_subtitle = f"and {stats.due_later} due later"
        self._fill_retention(stats)
        self.query_one("#stats-distributions", Static).update(
            distributions_grid(stats, bar_width=6)
        )
        self._fill_hardest(stats)
        self.query_one("#stats-body").loading = False
        if self.query_one(TabbedContent).active == QUESTIONS_PANE:
            self._fill_questions(stats)

    @on(TabbedContent.TabActivated, pane=f"#{QUESTIONS_PANE}")
    def show_questions(self) -> None:
        """The long table is built when first opened, so the overview comes up sooner."""
        if self.stats is not None:
            self._fill_questions(self.stats)

    def _fill_retention(self, stats: Stats) -> None:
        table = self.query_one("#stats-retention", DataTable)
        table.clear(columns=True)
        table.add_columns("window", "young (< 21 d)", "mature", "all")
        for window, row in zip(stats.retention, retention_rows(stats), strict=True):
            table.add_row(*row, key=str(window.days))

    def _fill_hardest(self, stats: Stats) -> None:
        table = self.query_one("#stats-hardest", DataTable)
        table.border_title = f"Hardest questions: {stats.hardest_by}, most lapses"
        table.clear(columns=True)
        table.add_columns(*hardest_columns(stats))
        for q in stats.hardest:
            table.add_row(
                q.number,
                q.id,
                q.strength or "",
                q.lapses,
                f"{q.interval}d",
                "" if q.last_grade is None else q.last_grade,
                key=q.id,
            )

    def _fill_questions(self, stats: Stats) -> None:
        table = self.query_one("#stats-questions", DataTable)
        if table.row_count:
            return
        code = has_code(stats)
        columns = (*QUESTION_COLUMNS, *([FIRST_RUN_COLUMN] if code else []))
        table.add_columns(*(column_title(stats, c) for c in columns))
        justify = ["left" if c in TEXT_COLUMNS else "right" for c in columns]
        for q in stats.questions:
            # Text cells spare DataTable the markup parsing it gives plain strings.
            cells = question_cells(q, stats.today, code)
            row = [Text(cell, justify=side) for cell, side in zip(cells, justify, strict=True)]
            table.add_row(*row, key=q.id)

    def action_close(self) -> None:
        self.dismiss()


def titled(widget: Widget, title: str) -> Widget:
    """`widget` with a border that names what it shows."""
    widget.border_title = title
    widget.add_class("stats-section")
    return widget
