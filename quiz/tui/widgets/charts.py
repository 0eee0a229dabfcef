"""Text charts for the Stats screen: answers per day, a calendar heatmap, the due forecast.

Each widget is handed plain figures (`DayCount` lists) and draws them in the colours
of its component classes, which default to theme variables, so a theme change recolours it.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from quiz.stats import DayCount
from quiz.stats_report import WEEKDAYS, calendar_weeks, column_chart, heat_level, month_labels


class BarChart(Widget):
    """One column per day, scaled to the busiest day, with the first and last dates below."""

    COMPONENT_CLASSES = {"bar-chart--bar", "bar-chart--axis"}
    DEFAULT_CSS = """
    BarChart {
        height: 8;
    }
    BarChart > .bar-chart--bar {
        color: $primary;
    }
    BarChart > .bar-chart--axis {
        color: $text-muted;
    }
    """

    BAR_CLASS = "bar-chart--bar"

    days: reactive[tuple[DayCount, ...]] = reactive(())

    def show(self, days: Sequence[DayCount]) -> None:
        self.days = tuple(days)

    @property
    def peak(self) -> int:
        return max((d.count for d in self.days), default=0)

    def render(self) -> Text:
        if not self.days:
            return Text("")
        bar_style = self.get_component_rich_style(self.BAR_CLASS)
        axis_style = self.get_component_rich_style("bar-chart--axis")
        peak = str(self.peak)
        margin = len(peak) + 2
        cell = max(2, (self.size.width - margin) // len(self.days))
        height = max(2, self.size.height - 1)
        rows = column_chart([d.count for d in self.days], height, bar=cell - 1, gap=1)
        text = Text(no_wrap=True, overflow="crop")
        for index, row in enumerate(rows):
            label = peak if index == 0 else "0" if index == height - 1 else ""
            text.append(f"{label:>{margin - 2}} │", axis_style)
            text.append(row + "\n", bar_style)
        first = self.days[0].day.strftime("%b %d")
        last = self.days[-1].day.strftime("%b %d")
        span = cell * len(self.days)
        text.append(" " * margin + first + last.rjust(max(0, span - len(first))), axis_style)
        return text


class ForecastChart(BarChart):
    """Cards due on each coming day; the first column also holds every overdue card."""

    COMPONENT_CLASSES = {"forecast-chart--bar"}
    DEFAULT_CSS = """
    ForecastChart > .forecast-chart--bar {
        color: $accent;
    }
    """
    BAR_CLASS = "forecast-chart--bar"


class CalendarHeatmap(Widget):
    """A year of study days, a column per week, shaded by the day's share of the busiest day."""

    COMPONENT_CLASSES = {
        "calendar-heatmap--empty",
        "calendar-heatmap--level-1",
        "calendar-heatmap--level-2",
        "calendar-heatmap--level-3",
        "calendar-heatmap--level-4",
        "calendar-heatmap--label",
    }
    DEFAULT_CSS = """
    CalendarHeatmap {
        height: 9;
    }
    CalendarHeatmap > .calendar-heatmap--empty {
        color: $text-disabled;
    }
    CalendarHeatmap > .calendar-heatmap--level-1 {
        color: $success 35%;
    }
    CalendarHeatmap > .calendar-heatmap--level-2 {
        color: $success 60%;
    }
    CalendarHeatmap > .calendar-heatmap--level-3 {
        color: $success 80%;
    }
    CalendarHeatmap > .calendar-heatmap--level-4 {
        color: $success;
    }
    CalendarHeatmap > .calendar-heatmap--label {
        color: $text-muted;
    }
    """
    days: reactive[tuple[DayCount, ...]] = reactive(())

    def show(self, days: Sequence[DayCount]) -> None:
        self.days = tuple(days)

    def render(self) -> Text:
        weeks = calendar_weeks(list(self.days))
        if not weeks:
            return Text("")
        styles = [
            self.get_component_rich_style("calendar-heatmap--empty"),
            *(self.get_component_rich_style(f"calendar-heatmap--level-{n}") for n in range(1, 5)),
        ]
        label_style = self.get_component_rich_style("calendar-heatmap--label")
        cell = 2 if self.size.width >= 4 + 2 * len(weeks) else 1
        glyphs = ("·", "■", "■", "■", "■")
        top = max(d.count for d in self.days)
        text = Text(no_wrap=True, overflow="crop")
        text.append("    " + month_labels(weeks, cell) + "\n", label_style)
        for weekday in range(7):
            text.append(f"{WEEKDAYS[weekday]:<3} ", label_style)
            for week in weeks:
                day = week[weekday]
                if day is None:
                    text.append(" " * cell)
                    continue
                level = heat_level(day.count, top)
                text.append(glyphs[level].ljust(cell), styles[level])
            text.append("\n")
        studied = sum(1 for d in self.days if d.count)
        text.append(f"    {studied} of {len(self.days)} days studied; less ", label_style)
        for level, style in enumerate(styles):
            text.append(glyphs[level], style)
        text.append(f" more (busiest: {top})", label_style)
        return text
