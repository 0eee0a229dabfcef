"""What the learner sees after answering: how each key point fared, a suggested grade
(a suggestion, never the verdict) and our answer."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from quiz.bank import Question
from quiz.recall import Suggestion
from quiz.schedulers import Rating, default_ratings, rating_for_quality

MARKS = {
    "covered": "[$success]✓[/]",
    "partly": "[$warning]~[/]",
    "missing": "[$error]✗[/]",
    "contradicted": "[$error]![/]",
}
MISTAKE_NOTE = " (a common mistake, which your answer seems to make)"
NOTES = {"partly": " (in part)", "contradicted": " (your answer seems to say the opposite)"}


def key_points_content(
    question: Question, suggestion: Suggestion, why: str, ratings: tuple[Rating, ...] | None = None
) -> Content:
    """The key points and the suggested grade, as the rating of `ratings` (the default
    scheduler's unless given) that stands for it on the common quality scale."""
    ratings = ratings or default_ratings()
    lines = [Content.from_markup("[b]Key points[/]")]
    findings = {f.point: f for f in suggestion.points}
    for point in question.key_points:
        finding = findings.get(point)
        mark = MARKS[finding.status] if finding else "[$text-muted]•[/]"
        note = NOTES.get(finding.status, "") if finding else ""
        lines.append(
            Content.from_markup(f"{mark} $point[$text-muted]$note[/]", point=point, note=note)
        )
    for mistake in suggestion.mistakes:
        lines.append(
            Content.from_markup(
                "[$error]![/] $mistake[$text-muted]$note[/]",
                mistake=mistake,
                note=MISTAKE_NOTE,
            )
        )
    if findings:
        covered = sum(f.covered for f in suggestion.points)
        lines.append(Content(f"Your answer covers {covered} of {len(findings)}."))
    rating = rating_for_quality(ratings, suggestion.grade)
    grade = rating.key if rating.label == rating.key else f"{rating.key} {rating.label}"
    meaning = rating.meaning
    if suggestion.sure:
        lines.append(
            Content.from_markup(
                "[b]Suggested grade: $grade[/] ($meaning)$why.",
                grade=grade,
                meaning=meaning,
                why=why,
            )
        )
    else:
        lines.append(
            Content.from_markup("[b]Unsure, a guess: $grade[/]$why.", grade=grade, why=why)
        )
    if suggestion.check:
        lines.append(Content.from_markup("Check: [i]$check[/]", check=suggestion.check))
    keys = sorted(r.key for r in ratings)
    if suggestion.sure:
        take = f"Enter takes the suggestion, {keys[0]}-{keys[-1]} yours."
    else:
        take = f"unsure, so Enter takes nothing: press {keys[0]}-{keys[-1]}."
    lines.append(Content(f"Your grade is the one recorded: {take}"))
    return Content("\n").join(lines)


class RevealView(Vertical):
    """Key points marked against the written answer; listed plainly when there is none."""

    def __init__(
        self,
        question: Question,
        suggestion: Suggestion,
        why: str = "",
        ratings: tuple[Rating, ...] | None = None,
        note: str = "",
    ):
        super().__init__(classes="reveal")
        self.question = question
        self.note = note
        self.content = key_points_content(question, suggestion, why, ratings)

    def compose(self) -> ComposeResult:
        from textual.widgets import Markdown  # loaded only once an answer is revealed

        yield Static(self.content, classes="key-points")
        yield Markdown(f"**Our answer**\n\n{self.question.answer}", classes="our-answer")
        if self.note.strip():
            note = Content.from_markup("[b]Your note[/]\n$note", note=self.note.strip())
            yield Static(note, classes="your-note")
