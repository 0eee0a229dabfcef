"""A screen to answer one question on: its prompt, the answer boxes and the panel beside them.

The question on show is an `Attempt`, which the screen drives its widgets from: what is typed
(kept as a draft), hints, runs of the checks and, once revealed, our answer with the grade it
suggests. `ReviewScreen` builds on it: which question comes next, grading, undo, leaving.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, Static, TextArea

from quiz.attempt import Attempt
from quiz.bank import Question
from quiz.recall import asks_for_explanation
from quiz.session import StudySession
from quiz.tui.drafts import DraftKeeper
from quiz.tui.review_work import ReviewWork
from quiz.tui.widgets.answer_area import AnswerArea, prompt_content
from quiz.tui.widgets.grade_bar import GradeBar
from quiz.tui.widgets.reveal import RevealView
from quiz.tui.widgets.review_panel import ReviewPanel
from quiz.tui.widgets.review_status import ReviewStatus


class AnswerScreen(ReviewWork, Screen):
    """One question at a time; a subclass says which comes (`show_question`) and binds keys."""

    AUTO_FOCUS = "#answer"
    COMMAND_KEYS: ClassVar[dict[str, tuple[str, ...]]] = {}
    """The bindings the answer area runs itself, in typing order (see AnswerArea)."""
    DRAFT_DELAY_S = 0.4
    """Typing pauses this long before the draft is saved: a save per pause, not per key."""

    def __init__(self) -> None:
        super().__init__()
        self.attempt: Attempt | None = None
        """The question on show and everything done towards its answer."""
        self.busy = False
        """A grade or an undo is being written: nothing else may change meanwhile."""
        self.checking = False
        self.drafts: DraftKeeper | None = None

    @property
    def session(self) -> StudySession:
        return self.app.session

    @property
    def question(self) -> Question | None:
        return self.attempt.question if self.attempt is not None else None

    @property
    def answer_area(self) -> AnswerArea:
        return self.query_one("#answer", AnswerArea)

    @property
    def explanation(self) -> AnswerArea:
        """The words a coding question's prompt also asks for, beside the code."""
        return self.query_one("#explanation", AnswerArea)

    @property
    def panel(self) -> ReviewPanel:
        return self.query_one("#panel", ReviewPanel)

    def compose(self) -> ComposeResult:
        yield Header()
        yield ReviewStatus(id="status")
        with VerticalScroll(id="prompt-box"):
            yield Static(id="prompt")
        with Horizontal(id="work"):
            with Vertical(id="answer-box"):
                yield AnswerArea(id="explanation")
                yield AnswerArea(id="answer")
            yield ReviewPanel(id="panel")
        yield Label(id="last-graded")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        app = self.app
        self.drafts = DraftKeeper(
            app.store, app.bank.name, app.clock, self.set_timer, self.save_draft, self.DRAFT_DELAY_S
        )
        self.show_question()

    def show_question(self) -> None:
        """Show the question that comes next, through `show_attempt`."""
        raise NotImplementedError

    def show_attempt(self, attempt: Attempt) -> None:
        """Put `attempt` on show: its prompt, its draft or a fresh answer, its hints and runs.
        Never awaits, so keys typed meanwhile keep their order."""
        question = attempt.question
        self.attempt, self.checking = attempt, False
        self.query_one("#prompt", Static).update(prompt_content(question))
        self.panel.clear()
        for grades in self.query(GradeBar):
            grades.suggested = None
        self.set_class(False, "-revealed")
        self.set_class(False, "-panel")
        self.answer_area.prepare(question)
        self.explanation.display = explain = asks_for_explanation(question)
        self.set_class(explain, "-explained")
        if explain:
            self.explanation.prepare_explanation()
        self.restore_draft(question)
        # The day's attempt, taken up where it was left (a relaunch, an undo, `quiz check`).
        self.panel.restore(attempt)
        self.set_class(bool(attempt.runs or attempt.hints_used), "-panel")
        self.refresh_bindings()

    # Drafts: what is typed is saved as it is typed, and comes back after a quit or a crash

    def restore_draft(self, question: Question) -> None:
        draft = self.drafts.take_up(question.id)
        if draft is None:
            return
        self.answer_area.load_text(draft.answer)
        if self.explanation.display:
            self.explanation.load_text(draft.explanation)
            if not draft.explanation.strip():
                self.answer_area.focus()
        self.query_one("#last-graded", Label).update(
            f"Your unfinished answer to {question.id} is back, as you left it."
        )

    def note_typing(self) -> Attempt:
        """Tell the attempt what the answer boxes hold now; return it."""
        explanation = self.explanation.text if self.explanation.display else ""
        self.attempt.typed(self.answer_area.text, explanation)
        return self.attempt

    @on(TextArea.Changed, "#answer, #explanation")
    def typed(self) -> None:
        if self.attempt is None or self.attempt.revealed or self.busy:
            return
        self.drafts.typed(self.attempt.question.id, self.note_typing().draft())

    def on_unmount(self) -> None:
        if self.drafts is not None:  # the widgets are gone: only what was noted is saved
            self.drafts.save_now(wait=True)

    # Keys

    async def run_command(self, key: str) -> None:
        for action in self.COMMAND_KEYS[key]:
            if await self.app.run_action(action, self):
                return

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    def on_descendant_blur(self) -> None:
        self.refresh_bindings()

    def answering(self, action: str) -> bool | None:
        """Whether an action of the answer applies now: shown and greyed (None) while checks run."""
        code, before = self.attempt.question.is_code, not self.attempt.revealed
        if action == "reveal":
            return before and not code
        if action in ("finish", "run_checks"):
            return (None if self.checking else True) if before and code else False
        if action == "hint":
            return before and code and self.attempt.hints_left
        if action == "external_editor":
            return before and code
        return True

    # Answering

    def action_reveal(self) -> None:
        """Show our answer beside the learner's, with the grade it suggests."""
        self.drafts.save_now()
        attempt = self.note_typing()
        suggestion = attempt.reveal(self.session.scheduler, self.app.bank.words)
        self.answer_area.read_only = self.explanation.read_only = True
        ratings = self.session.scheduler.ratings
        note = self.app.store.note(self.app.bank.name, attempt.question.id)
        self.panel.show_reveal(
            RevealView(attempt.question, suggestion, attempt.why, ratings, note=note)
        )
        intervals = self.grade_intervals()
        if self.query(GradeBar):
            grades = self.query_one(GradeBar)
            grades.suggested = attempt.suggested
            grades.show_intervals(intervals)
        else:  # mounted on first use: a quicker first question
            bar = GradeBar(ratings, attempt.suggested, intervals, id="grades")
            self.mount(bar, before="#last-graded")
        self.set_class(True, "-revealed")
        self.set_class(True, "-panel")
        self.panel.focus()
        self.panel.scroll_home(animate=False)
        self.refresh_bindings()

    def action_finish(self) -> None:
        """A coding answer is done: reveal, the suggestion weighing its runs and hints."""
        self.action_reveal()

    def grade_intervals(self) -> dict[int, int] | None:
        """What each grade would schedule, for the grade bar; None where grading does not."""
        return None

    def action_hint(self) -> None:
        self.attempt.take_hint(self.app.clock())
        self.panel.show_hint(self.attempt.question, self.attempt.hints_used)
        self.set_class(True, "-panel")
        self.refresh_bindings()

    def action_external_editor(self) -> None:
        failure = self.answer_area.edit_externally(self.attempt.question.id)
        if failure is not None:
            self.notify(str(failure).capitalize(), severity="error", timeout=8)
        elif not self.checking:
            self.action_run_checks()  # back from the editor: the verdict comes at once

    # Running the checks

    def action_run_checks(self) -> None:
        self.checking = True
        source = self.answer_area.text
        self.panel.show_running(len(self.attempt.runs) + 1)
        self.set_class(True, "-panel")
        self.refresh_bindings()
        self.check_code(self.app.checker, self.attempt.question.id, source)

    @on(ReviewWork.Checked)
    def show_verdict(self, message: ReviewWork.Checked) -> None:
        self.checking = False
        verdict, attempt = message.verdict, self.attempt
        # Recorded here, in order, before any grade can be: the attempt outlives the app.
        attempt.take_verdict(verdict, message.source, self.app.clock())
        self.panel.show_verdict(verdict, message.source, max(1, len(attempt.runs)))
        line = verdict.error.line if verdict.error is not None else None
        if isinstance(line, int) and line >= 1 and not attempt.revealed:
            self.answer_area.move_cursor((line - 1, 0), center=True)
        self.panel.scroll_home(animate=False)
        self.refresh_bindings()

    @on(ReviewWork.WorkFailed)
    def report_failure(self, message: ReviewWork.WorkFailed) -> None:
        self.busy = self.checking = False
        if message.what == "check":
            self.panel.show_check_failure(message.reason)
        else:
            self.notify(f"Could not {message.what}: {message.reason}", severity="error", timeout=10)
        self.refresh_bindings()
