"""A braille line chart of two series over the same x values: the true function and yours,
or a training run's loss and accuracy."""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

# Bit of each dot in a braille cell, indexed [row][column] (two columns, four rows).
_DOTS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))
_AXIS_WIDTH = 7


def _finite(values: Sequence) -> list[float | None]:
    out: list[float | None] = []
    for value in values:
        try:
            number = float(value)
        except (TypeError, ValueError):
            out.append(None)
            continue
        out.append(number if math.isfinite(number) else None)
    return out


def _line(x0: int, y0: int, x1: int, y1: int) -> list[tuple[int, int]]:
    """The dots on a straight line between two dots (Bresenham)."""
    points = []
    dx, dy = abs(x1 - x0), -abs(y1 - y0)
    sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
    err = dx + dy
    while True:
        points.append((x0, y0))
        if x0 == x1 and y0 == y1:
            return points
        twice = 2 * err
        if twice >= dy:
            err += dy
            x0 += sx
        if twice <= dx:
            err += dx
            y0 += sy


class LineChart(Widget):
    """Plots `expected` and `got` against `x`; where they overlap the learner's line matches."""

    COMPONENT_CLASSES = {"linechart--expected", "linechart--got", "linechart--both"}
    DEFAULT_CSS = """
    LineChart { height: 10; width: 1fr; }
    LineChart > .linechart--expected { color: $success; }
    LineChart > .linechart--got { color: $warning; }
    LineChart > .linechart--both { color: $text; text-style: bold; }
    """

    def __init__(
        self,
        x: Sequence[float],
        expected: Sequence[float],
        got: Sequence,
        label: str = "",
        *,
        legend: tuple[str, str, str] | None = None,
        id: str | None = None,
        classes: str | None = None,
    ):
        super().__init__(id=id, classes=classes)
        self.x = _finite(x)
        self.expected = _finite(expected)
        self.got = _finite(got)
        self.legend = legend or (f"true {label or 'function'}", "yours", "same")
        """What the legend calls `expected`, `got`, and a cell where both are drawn."""

    def plot(self, x: Sequence[float], expected: Sequence[float], got: Sequence) -> None:
        """Draw new series in place of the old."""
        self.x, self.expected, self.got = _finite(x), _finite(expected), _finite(got)
        self.refresh()

    def render(self) -> Text:
        rows = max(1, self.size.height - 1)
        columns = max(4, self.size.width - _AXIS_WIDTH)
        series = {"expected": self.expected, "got": self.got}
        ys = [y for values in series.values() for y in values if y is not None]
        xs = [x for x in self.x if x is not None]
        if not ys or not xs:
            return Text("nothing to plot")
        low, high = min(ys), max(ys)
        if high - low < 1e-9:
            low, high = low - 1, high + 1
        left, right = min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1
        width, height = columns * 2, rows * 4
        cells: dict[tuple[int, int], dict[str, int]] = {}
        for name, values in series.items():
            previous = None
            for x, y in zip(self.x, values, strict=False):
                if x is None or y is None:
                    previous = None
                    continue
                dot = (
                    round((x - left) / (right - left) * (width - 1)),
                    round((high - y) / (high - low) * (height - 1)),
                )
                for dx, dy in _line(*previous, *dot) if previous else [dot]:
                    cell = cells.setdefault((dx // 2, dy // 4), {})
                    cell[name] = cell.get(name, 0) | _DOTS[dy % 4][dx % 2]
                previous = dot
        styles = {
            name: self.get_component_rich_style(f"linechart--{name}")
            for name in ("expected", "got", "both")
        }
        text = Text(no_wrap=True)
        for row in range(rows):
            axis = f"{high:6.2f} " if row == 0 else f"{low:6.2f} " if row == rows - 1 else ""
            text.append(axis.rjust(_AXIS_WIDTH), Style(dim=True))
            for column in range(columns):
                cell = cells.get((column, row))
                if not cell:
                    text.append(" ")
                    continue
                bits = 0
                for value in cell.values():
                    bits |= value
                style = styles["both"] if len(cell) == 2 else styles[next(iter(cell))]
                text.append(chr(0x2800 + bits), style)
            text.append("\n")
        text.append(" " * _AXIS_WIDTH)
        names = ("expected", "got", "both")
        for index, (name, words) in enumerate(zip(names, self.legend, strict=True)):
            text.append("   " if index else "")
            text.append("━━ " + words, styles[name])
        return text
