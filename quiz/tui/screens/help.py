"""Help: every key quiz understands, screen by screen."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from quiz.schedulers import Rating, default_ratings

KEYS: dict[str, list[tuple[str, str]]] = {
    "Everywhere": [
        ("? / F1", "this help"),
        ("ctrl+p", "command palette"),
        ("q", "quit (ctrl+q while typing)"),
        ("Tab", "move between areas (shift+Tab back)"),
        ("Esc", "leave a text area; again to go back"),
    ],
    "Home": [
        ("Enter", "start today's session"),
        ("b", "browse every question"),
        ("s", "statistics"),
        ("t", "train an MNIST model"),
        ("n", "study more new questions today"),
        ("a", "review ahead: questions due in the next days, today"),
    ],
    "Answering": [
        ("typing", "goes into the answer; keys there are text, never shortcuts"),
        ("ctrl+s", "reveal our answer and the key points you covered"),
        ("ctrl+r / F5", "code: run the checks, as often as you like"),
        ("ctrl+t", "code: the next hint"),
        ("ctrl+o", "code: edit in $VISUAL / $EDITOR (vi if unset)"),
        ("ctrl+s", "code: done, show our answer"),
        ("ctrl+b", "bury: set the question aside until tomorrow"),
        ("F8", "suspend: set the question aside until you unsuspend it in Browse"),
        ("ctrl+n", "your own note on the question, shown with our answer"),
        ("", "what you type is kept as a draft until you grade it"),
    ],
    "After the reveal": [
        ("Enter", "accept the suggested grade, unless it is unsure"),
        ("ctrl+g / u", "undo the last grade and answer again"),
    ],
    "Summary": [
        ("Enter", "back home"),
        ("u", "undo the last grade"),
        ("s", "statistics"),
    ],
    "Browse": [
        ("/", "filter by id, tag, kind, new/due/scheduled or words"),
        ("Enter", "practise the selected question (its schedule never moves)"),
        ("s / z", "suspend or unsuspend, bury or unbury the selected question"),
        ("n", "your note on the selected question"),
        ("Esc", "clear the filter, then back"),
    ],
    "Train": [
        ("Enter / ctrl+r", "start training the chosen model"),
        ("Esc", "cancel the run; again to go back"),
    ],
}


def grade_keys(ratings: tuple[Rating, ...]) -> list[tuple[str, str]]:
    """The scheduler's grade keys, best first, and which of them bring a drill today."""
    drilled = [r.label for r in ratings if r.drill]
    return [
        *((r.key, r.meaning if r.label == r.key else f"{r.label}: {r.meaning}") for r in ratings),
        ("", f"{', '.join(drilled)} bring the question back as a drill today"),
    ]


def keys_content(ratings: tuple[Rating, ...] | None = None) -> Content:
    """Every key, the grade keys those of `ratings` (the default scheduler's unless given)."""
    ratings = ratings or default_ratings()
    lines: list[Content] = []
    sections = dict(KEYS)
    sections["After the reveal"] = [*grade_keys(ratings), *KEYS["After the reveal"]]
    for section, keys in sections.items():
        if lines:
            lines.append(Content(""))
        lines.append(Content.from_markup("[b $primary]$section[/]", section=section))
        for key, meaning in keys:
            lines.append(
                Content.from_markup(
                    "  [b $accent]$key[/] $meaning", key=key.ljust(12), meaning=meaning
                )
            )
    return Content("\n").join(lines)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,question_mark,f1", "close", "Close"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            session = getattr(self.app, "session", None)
            yield Static(keys_content(session.scheduler.ratings if session else None))
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#help").border_title = "Keys"

    def action_close(self) -> None:
        self.dismiss()
