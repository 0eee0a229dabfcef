"""`quiz stats`: read the figures from the store, then show them as rich text or JSON.

The store counts the answers per day and today's by kind, and hands over only the
scheduled reviews as plain tuples (`Store.log_summary`): no `Review` is built per row.
"""

from __future__ import annotations

import io
import math
from datetime import date
from typing import Any

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from quiz.bank import Bank
from quiz.errors import QuizError
from quiz.listing import due_text
from quiz.records import LogSummary
from quiz.scheduler_choice import bank_scheduler
from quiz.stats import (
    Bucket,
    DayCount,
    QuestionFigures,
    Share,
    Stats,
    compute_stats,
)
from quiz.store import Store

JSON_NAMES = {"interval": "intervals"}
"""The JSON key of a distribution where it differs from the figure's name."""

BLOCKS = " ▁▂▃▄▅▆▇█"
HEAT_GLYPHS = "·░▒▓█"
WEEKDAYS = ("Mon", "", "Wed", "", "Fri", "", "Sun")


def parse_since(text: str) -> date:
    """The `--since` value as a date, or a QuizError naming what was wrong."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise QuizError(f"--since: '{text}' is not a date; use YYYY-MM-DD") from None


def read_log(store: Store, bank: str, today: date, since: date | None = None) -> LogSummary:
    """The log of `bank` from `since` on; consume its scheduled reviews inside `store.reading()`."""
    return store.log_summary(bank, today, since)


def gather(store: Store, bank: Bank, today: date, since: date | None = None) -> Stats:
    """All figures for `bank` as of the study day `today`."""
    with store.reading():
        log = store.log_summary(bank.name, today, since)
        cards = store.card_states(bank.name)
        return compute_stats(log, bank, cards, today, bank_scheduler(store, bank.name))


# Text pieces shared with the TUI charts


def format_share(share: Share) -> str:
    if share.ratio is None:
        return "–"
    return f"{share.ratio:.0%} ({share.passed}/{share.total})"


def format_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    whole = round(seconds)
    if whole < 60:
        return f"{whole}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def format_due(due: date | None, today: date) -> str:
    return "" if due is None else due_text(due, today)


def heat_level(count: int, top: int) -> int:
    """0 for no answers, else 1-4 by the day's share of the busiest day."""
    if count <= 0 or top <= 0:
        return 0
    return max(1, min(4, math.ceil(4 * count / top)))


def calendar_weeks(days: list[DayCount]) -> list[list[DayCount | None]]:
    """Columns of seven days, Monday first, for a calendar; None pads either end."""
    if not days:
        return []
    padded: list[DayCount | None] = [None] * days[0].day.weekday() + list(days)
    padded += [None] * (-len(padded) % 7)
    return [padded[i : i + 7] for i in range(0, len(padded), 7)]


def month_labels(weeks: list[list[DayCount | None]], column_width: int = 1) -> str:
    """A line naming each month above the week in which it starts."""
    line = [" "] * (len(weeks) * column_width + 3)
    for index, week in enumerate(weeks):
        for day in week:
            if day is not None and day.day.day == 1:
                at = index * column_width
                line[at : at + 3] = day.day.strftime("%b")
    return "".join(line).rstrip()


def column_chart(values: list[int], height: int, bar: int = 1, gap: int = 1) -> list[str]:
    """Rows of a vertical bar chart, top row first, drawn in eighths of a row.

    A value above zero always shows at least an eighth, so a quiet day is not lost.
    """
    top = max(values, default=0)
    eighths = [max(1, round(v * height * 8 / top)) if v else 0 for v in values]
    rows = []
    for row in range(height - 1, -1, -1):
        cells = (BLOCKS[min(8, max(0, e - row * 8))] * bar + " " * gap for e in eighths)
        rows.append("".join(cells))
    return rows


# The report for a terminal


PIPED_WIDTH = 1000
"""Wide enough that no line of the report wraps: piped output is for reading whole."""


def render_report(stats: Stats, bank: Bank, width: int | None = None) -> str:
    """The report laid out for a terminal `width` columns wide; None when it is piped."""
    out = io.StringIO()
    console = Console(file=out, width=width or PIPED_WIDTH, force_terminal=False)
    since = f", answers since {stats.since.isoformat()}" if stats.since else ""
    console.print(Text(f"{bank.title}: study day {stats.today.isoformat()}{since}", style="bold"))
    console.print(today_grid(stats), "")
    console.print(_chart("Answers per day, last 30 days", stats.recent))
    console.print(_calendar(stats.calendar))
    console.print(_retention_table(stats), "")
    console.print(_chart("Cards due, next 30 days (overdue counted today)", stats.forecast))
    console.print(f"  and {stats.due_later} due later\n")
    console.print(distributions_grid(stats), "")
    console.print(_hardest_table(stats))
    console.print(_questions_table(stats, console.width))
    return out.getvalue()


def today_grid(stats: Stats) -> Table:
    """Today's work, the streak and the first-run share, as two aligned columns."""
    today, streak = stats.studied_today, stats.streak
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(today.by_kind.items()))
    below = today.below_passing_share
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    table.add_row("Answered today", f"{today.answers}" + (f" ({kinds})" if kinds else ""))
    table.add_row("Time spent today", format_seconds(today.seconds))
    table.add_row("Graded below 3", "–" if below is None else f"{below:.0%}")
    table.add_row("Streak", f"{_days(streak.current)} now, longest {_days(streak.longest)}")
    if has_code(stats):
        table.add_row("First run passed", f"{format_share(stats.first_run)} of coding answers")
    return table


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def _chart(title: str, days: list[DayCount], height: int = 6) -> Group:
    values = [d.count for d in days]
    rows = column_chart(values, height)
    top = str(max(values, default=0))
    label_width = len(top) + 1
    lines = [
        (top if i == 0 else "0" if i == height - 1 else "").rjust(label_width - 1) + " │" + row
        for i, row in enumerate(rows)
    ]
    first, last = days[0].day.strftime("%b %d"), days[-1].day.strftime("%b %d")
    axis = " " * (label_width + 1) + first + last.rjust(2 * len(days) - len(first))
    return Group(Text(title, style="bold"), *map(Text, lines), Text(axis), Text(""))


def _calendar(days: list[DayCount]) -> Group:
    weeks = calendar_weeks(days)
    top = max((d.count for d in days), default=0)
    lines = ["    " + month_labels(weeks)]
    for weekday in range(7):
        cells = []
        for week in weeks:
            cell = week[weekday]
            cells.append(" " if cell is None else HEAT_GLYPHS[heat_level(cell.count, top)])
        lines.append(f"{WEEKDAYS[weekday]:<3} " + "".join(cells))
    studied = sum(1 for d in days if d.count)
    legend = f"    less {HEAT_GLYPHS} more; {studied} of {len(days)} days studied, busiest {top}"
    title = Text("Answers over the last year", style="bold")
    return Group(title, *map(Text, lines), Text(legend), Text(""))


def _retention_table(stats: Stats) -> Table:
    table = Table(
        title="True retention",
        title_justify="left",
        caption="First scheduled review of the day on learned cards; drills and cram never count.",
        caption_justify="left",
    )
    for column in ("window", "young (< 21 d)", "mature", "all"):
        table.add_column(column, justify="left" if column == "window" else "right")
    for row in retention_rows(stats):
        table.add_row(*row)
    return table


def retention_rows(stats: Stats) -> list[tuple[str, str, str, str]]:
    """One row per window: its name, then young, mature and overall retention."""
    return [
        (
            f"last {window.days} days",
            format_share(window.young),
            format_share(window.mature),
            format_share(window.overall),
        )
        for window in stats.retention
    ]


def stage_buckets(stats: Stats) -> list[Bucket]:
    counts = stats.cards
    return [
        Bucket("new", counts.new),
        Bucket("learning", counts.learning),
        Bucket("young", counts.young),
        Bucket("mature", counts.mature),
    ]


def distributions_grid(stats: Stats, bar_width: int = 12) -> Table:
    """Card stages and the scheduler's own distributions side by side."""
    table = Table.grid(padding=(0, 3))
    table.add_row(
        bucket_table("Cards", stage_buckets(stats), bar_width),
        *(bucket_table(d.title, d.buckets, bar_width) for d in stats.distributions),
    )
    return table


def bucket_table(title: str, buckets: list[Bucket], bar_width: int = 12) -> Table:
    """Counts with a bar each, scaled to the largest."""
    top = max((b.count for b in buckets), default=0)
    table = Table(title=title, title_justify="left", title_style="bold", box=None, pad_edge=False)
    table.show_header = False
    table.add_column(no_wrap=True)
    table.add_column(justify="right")
    table.add_column(no_wrap=True)
    for bucket in buckets:
        length = round(bucket.count * bar_width / top) if top else 0
        table.add_row(bucket.label, str(bucket.count), "█" * length)
    return table


def hardest_columns(stats: Stats) -> tuple[str, ...]:
    """The columns of the hardest questions, the scheduler's own measure third."""
    return ("#", "id", stats.strength_label, "lapses", "interval", "last")


def _hardest_table(stats: Stats) -> Table:
    title = f"Hardest questions ({stats.hardest_by}, most lapses)"
    # As wide as its title at least, so that the title never wraps.
    table = Table(title=title, title_justify="left", min_width=len(title))
    for column in hardest_columns(stats):
        add_column(table, column, text=column == "id")
    for q in stats.hardest:
        table.add_row(
            str(q.number),
            q.id,
            q.strength or "",
            str(q.lapses),
            f"{q.interval}d",
            _text(q.last_grade),
        )
    if not stats.hardest:
        table.add_row("", "none yet", "", "", "", "")
    return table


QUESTION_COLUMNS = (
    "#",
    "id",
    "stage",
    "EF",
    "interval",
    "due",
    "reviews",
    "lapses",
    "last",
    "avg time",
)
FIRST_RUN_COLUMN = "1st run"
TEXT_COLUMNS = ("id", "stage", "due")


def column_title(stats: Stats, column: str) -> str:
    """A column's header as shown: 'EF' stands for the scheduler's own measure."""
    return stats.strength_label if column == "EF" else column


def has_code(stats: Stats) -> bool:
    return any(q.first_run is not None for q in stats.questions)


def question_cells(q: QuestionFigures, today: date, code: bool) -> list[str]:
    """One row of the every-question table, in QUESTION_COLUMNS order."""
    cells = [
        str(q.number),
        q.id,
        q.stage,
        q.strength or "",
        "" if q.interval is None else f"{q.interval}d",
        format_due(q.due, today),
        str(q.reviews),
        str(q.lapses),
        _text(q.last_grade),
        "" if q.average_seconds is None else format_seconds(q.average_seconds),
    ]
    if code:
        cells.append("" if q.first_run is None else format_share(q.first_run))
    return cells


LEFT_OUT_FIRST = ("avg time", "EF", "lapses", FIRST_RUN_COLUMN, "reviews", "stage")
"""The columns a narrow terminal goes without, the least missed first."""


def fitting_columns(header: list[str], rows: list[list[str]], width: int) -> list[int]:
    """The indexes of the columns that fit in `width`, leaving out LEFT_OUT_FIRST's as needed."""
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    kept = list(range(len(header)))
    for name in LEFT_OUT_FIRST:
        if sum(widths[i] + 2 for i in kept) <= width or name not in header:
            continue
        kept.remove(header.index(name))
    return kept


def _questions_table(stats: Stats, width: int) -> Table:
    code = has_code(stats)
    header = [*QUESTION_COLUMNS, *([FIRST_RUN_COLUMN] if code else [])]
    rows = [question_cells(q, stats.today, code) for q in stats.questions]
    kept = fitting_columns(header, rows, width)
    left_out = [column_title(stats, name) for i, name in enumerate(header) if i not in kept]
    caption = f"{', '.join(left_out)}: left out to fit this terminal"
    table = Table(
        caption=caption if left_out else None,
        caption_justify="left",
        title="Every question",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        collapse_padding=True,
        pad_edge=False,
    )
    for i in kept:
        add_column(table, column_title(stats, header[i]), text=header[i] in TEXT_COLUMNS)
    for row in rows:
        table.add_row(*(row[i] for i in kept))
    return table


def add_column(table: Table, header: str, text: bool) -> None:
    """A column never cut short ("inte…"): a terminal too narrow folds a long id instead."""
    table.add_column(
        header,
        justify="left" if text else "right",
        min_width=len(header),
        no_wrap=not text,
        overflow="fold",
    )


def _text(value: int | None) -> str:
    return "" if value is None else str(value)


# The JSON form for scripts


def stats_json(stats: Stats, bank: Bank) -> dict[str, Any]:
    """Every figure as plain JSON values: dates as ISO strings, easiness as '2.36'."""
    today = stats.studied_today
    return {
        "bank": bank.name,
        "today": stats.today.isoformat(),
        "since": stats.since.isoformat() if stats.since else None,
        "studied_today": {
            "answers": today.answers,
            "seconds": round(today.seconds, 3),
            "below_passing": today.below_passing,
            "below_passing_share": _ratio(today.below_passing_share),
            "by_kind": today.by_kind,
        },
        "streak": {"current": stats.streak.current, "longest": stats.streak.longest},
        "answers_per_day": _days_json(stats.recent, "answers"),
        "calendar": _days_json(stats.calendar, "answers"),
        "retention": [
            {
                "days": window.days,
                "young": _share_json(window.young),
                "mature": _share_json(window.mature),
                "overall": _share_json(window.overall),
            }
            for window in stats.retention
        ],
        "forecast": _days_json(stats.forecast, "due"),
        "due_later": stats.due_later,
        "cards": {
            "new": stats.cards.new,
            "learning": stats.cards.learning,
            "young": stats.cards.young,
            "mature": stats.cards.mature,
            "total": stats.cards.total,
        },
        **{
            JSON_NAMES.get(d.name, d.name): [{d.unit: b.label, "cards": b.count} for b in d.buckets]
            for d in stats.distributions
        },
        "first_run": _share_json(stats.first_run),
        "hardest": [q.id for q in stats.hardest],
        "questions": [
            {
                "id": q.id,
                "number": q.number,
                "kind": q.kind,
                "stage": q.stage,
                **_own_measure(stats, q),
                "interval": q.interval,
                "due": q.due.isoformat() if q.due else None,
                "reviews": q.reviews,
                "lapses": q.lapses,
                "last_grade": q.last_grade,
                "average_seconds": _ratio(q.average_seconds, 2),
                "first_run": None if q.first_run is None else _share_json(q.first_run),
            }
            for q in stats.questions
        ],
    }


def _own_measure(stats: Stats, q: QuestionFigures) -> dict[str, str | None]:
    """The scheduler's own measure under its own name: SM-2's `"easiness": "2.36"`."""
    return {stats.strength_name: q.strength}


def _ratio(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def _share_json(share: Share) -> dict[str, Any]:
    return {"passed": share.passed, "total": share.total, "ratio": _ratio(share.ratio)}


def _days_json(days: list[DayCount], name: str) -> list[dict[str, Any]]:
    return [{"day": d.day.isoformat(), name: d.count} for d in days]
