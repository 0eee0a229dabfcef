"""What the learner sees after answering: the key points they covered, a suggested grade
and our answer."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from quiz.bank import Question
from quiz.scheduler import QUALITY_MEANINGS


def key_points_content(
    question: Question, covered: list[bool] | None, suggested: int, why: str
) -> Content:
    lines = [Content.from_markup("[b]Key points[/]")]
    for index, point in enumerate(question.key_points):
        if covered is None:
            mark = "[$text-muted]•[/]"
        else:
            mark = "[$success]✓[/]" if covered[index] else "[$error]✗[/]"
        lines.append(Content.from_markup(f"{mark} $point", point=point))
    if covered is not None:
        lines.append(Content(f"You covered {sum(covered)} of {len(covered)}."))
    lines.append(
        Content.from_markup(
            "[b]Suggested grade: $grade[/] ($meaning)$why. Enter accepts; 0-5 overrides.",
            grade=str(suggested),
            meaning=QUALITY_MEANINGS[suggested],
            why=why,
        )
    )
    return Content("\n").join(lines)


class RevealView(Vertical):
    """`covered` marks each key point (recall); None lists them plainly (code)."""

    def __init__(self, question: Question, covered: list[bool] | None, suggested: int, why=""):
        super().__init__(classes="reveal")
        self.question = question
        self.content = key_points_content(question, covered, suggested, why)

    def compose(self) -> ComposeResult:
        from textual.widgets import Markdown  # loaded only once an answer is revealed

        yield Static(self.content, classes="key-points")
        yield Markdown(f"**Our answer**\n\n{self.question.answer}", classes="our-answer")
