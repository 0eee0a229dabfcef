"""A one-line progress bar: a few cells where Textual's ProgressBar composes four widgets."""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget


class ProgressLine(Widget):
    """`done` of `total` as a bar filling the widget's width."""

    DEFAULT_CSS = """
    ProgressLine { height: 1; width: 1fr; }
    """
    done: reactive[int] = reactive(0)
    total: reactive[int] = reactive(1)

    def render(self) -> Content:
        width = max(1, self.size.width)
        filled = round(width * self.done / self.total) if self.total else 0
        return Content.from_markup(
            "[$primary]$filled[/][$panel-lighten-2]$empty[/]",
            filled="━" * filled,
            empty="━" * (width - filled),
        )
