"""Review: one question at a time. Answer, reveal (or run the checks), grade 0-5, undo.

The question on show is an `Attempt`, which the screen drives its widgets from; the session is
only touched by thread workers (database writes, the checker), which report back by message.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, Static, TextArea

from quiz.attempt import Attempt
from quiz.bank import Question
from quiz.recall import asks_for_explanation
from quiz.schedulers import Rating, rating_for_key, rating_of
from quiz.session import StudySession
from quiz.store import CardFlags
from quiz.tui.drafts import DraftKeeper
from quiz.tui.feedback import days_text
from quiz.tui.review_work import ReviewWork
from quiz.tui.widgets.answer_area import AnswerArea, prompt_content
from quiz.tui.widgets.grade_bar import GradeBar
from quiz.tui.widgets.reveal import RevealView
from quiz.tui.widgets.review_panel import ReviewPanel
from quiz.tui.widgets.review_status import ReviewStatus


class ReviewScreen(ReviewWork, Screen):
    """Today's queue, or with `cram` one question practised outside its schedule."""

    AUTO_FOCUS = "#answer"

    BINDINGS = [
        # First, so a narrow footer always keeps the key that lists every other one (? is
        # a character while an answer is being typed; F1 never is).
        Binding("f1", "app.help", "Keys"),
        Binding("ctrl+s", "reveal", "Reveal answer"),
        Binding("ctrl+s", "finish", "Done"),
        Binding("ctrl+r,f5", "run_checks", "Run checks"),
        Binding("ctrl+t", "hint", "Hint"),
        Binding("ctrl+o", "external_editor", "$EDITOR"),
        Binding("enter", "accept", "Accept suggested grade"),
        # Every digit reaches `grade_key`; the scheduler says which are its ratings' keys.
        *(Binding(str(d), f"grade_key('{d}')", "Grade", show=False) for d in range(10)),
        Binding("ctrl+g", "undo", "Undo last grade"),
        Binding("u", "undo", "Undo last grade", show=False),
        Binding("escape", "back", "Back"),
        Binding("ctrl+b", "bury", "Bury till tomorrow", show=False),
        Binding("f8", "suspend", "Suspend", show=False),
        Binding("ctrl+n", "note", "Note", show=False),
    ]
    COMMAND_KEYS = {
        "ctrl+s": ("reveal", "finish"),
        "ctrl+r": ("run_checks",),
        "f5": ("run_checks",),
        "ctrl+t": ("hint",),
        "ctrl+o": ("external_editor",),
        "ctrl+g": ("undo",),
        "ctrl+b": ("bury",),
        "f8": ("suspend",),
        "ctrl+n": ("note",),
    }
    """The bindings the answer area runs itself, in typing order (see AnswerArea)."""
    DRAFT_DELAY_S = 0.4
    """Typing pauses this long before the draft is saved: a save per pause, not per key."""

    def __init__(self, cram: Question | None = None):
        super().__init__()
        self.cram = cram
        self.attempt: Attempt | None = None
        """The question on show and everything done towards its answer."""
        self.busy = False
        self.checking = False
        self.taken_back: dict[str, tuple[str, str]] = {}
        """The answer and explanation of each question graded here, for undo to restore."""
        self.drafts: DraftKeeper | None = None

    @property
    def session(self) -> StudySession:
        return self.app.session

    @property
    def question(self) -> Question | None:
        return self.attempt.question if self.attempt is not None else None

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
        self.title = "Practice" if self.cram else "Review"
        app = self.app
        self.drafts = DraftKeeper(
            app.store, app.bank.name, app.clock, self.set_timer, self.save_draft, self.DRAFT_DELAY_S
        )
        self.show_question()

    # Showing a question

    def show_question(self) -> None:
        """Show the next question; never awaits, so keys typed meanwhile keep their order."""
        if self.cram is None:
            self.app.follow_the_day()
            self.session.leave_out(self.app.waiting_for_data())
        question = self.cram or self.session.current
        if question is None:
            from quiz.tui.screens.summary import SummaryScreen

            self.app.push_screen(SummaryScreen(), self.after_summary)
            return
        app = self.app
        attempt = Attempt.resume(
            question, app.store, app.bank.name, app.settings.today, app.clock()
        )
        self.attempt, self.checking = attempt, False
        self.query_one(ReviewStatus).show(question, self.session, self.cram is not None)
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

    # Which keys apply now

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        question = self.question
        if question is None:
            return action == "back"
        editing = isinstance(self.focused, TextArea) and not self.focused.read_only
        code, before = question.is_code, not self.attempt.revealed
        if action == "back":
            return not self.busy
        if self.busy:
            return None if action in ("grade_key", "accept", "undo") else False
        if action == "reveal":
            return before and not code
        if action == "finish":
            return (None if self.checking else True) if before and code else False
        if action == "run_checks":
            return (None if self.checking else True) if before and code else False
        if action == "hint":
            return before and code and self.attempt.hints_left
        if action == "external_editor":
            return before and code
        if action == "grade_key" and rating_for_key(self.session.scheduler, parameters[0]) is None:
            return False
        if action == "accept" and self.attempt.revealed and not editing:
            return True if self.attempt.sure else None  # shown, greyed: an unsure guess needs a key
        if action in ("grade_key", "accept"):
            return self.attempt.revealed and not editing
        if action == "undo":
            return self.cram is None and bool(self.session.graded)
        if action in ("bury", "suspend"):
            return self.cram is None
        return True

    async def run_command(self, key: str) -> None:
        for action in self.COMMAND_KEYS[key]:
            if await self.app.run_action(action, self):
                return

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    def on_descendant_blur(self) -> None:
        self.refresh_bindings()

    # Answering

    def action_reveal(self) -> None:
        """Show our answer beside the learner's, with the grade it suggests (ctrl+s, recall)."""
        self.drafts.save_now()
        attempt = self.note_typing()
        suggestion = attempt.reveal(self.session.scheduler, self.app.bank.words)
        suggested = attempt.suggested
        self.answer_area.read_only = self.explanation.read_only = True
        ratings = self.session.scheduler.ratings
        note = self.app.store.note(self.app.bank.name, attempt.question.id)
        self.panel.show_reveal(
            RevealView(attempt.question, suggestion, attempt.why, ratings, note=note)
        )
        intervals = self.grade_intervals()
        if self.query(GradeBar):
            grades = self.query_one(GradeBar)
            grades.suggested = suggested
            grades.show_intervals(intervals)
        else:  # mounted on first use: a quicker first question
            bar = GradeBar(ratings, suggested, intervals, id="grades")
            self.mount(bar, before="#last-graded")
        self.set_class(True, "-revealed")
        self.set_class(True, "-panel")
        self.panel.focus()
        self.panel.scroll_home(animate=False)
        self.refresh_bindings()

    def rating(self, value: int) -> Rating:
        return rating_of(self.session.scheduler, value)

    def grade_intervals(self) -> dict[int, int] | None:
        """What each grade would schedule; None for practice, which leaves the schedule be."""
        question = self.question
        if self.cram is not None or self.session.is_drill(question):
            return None
        scheduler = self.session.scheduler
        return scheduler.next_intervals(self.session.state_of(question.id), self.session.today)

    def action_finish(self) -> None:
        """A coding answer is done: reveal, the suggestion weighing its runs (ctrl+s, code)."""
        self.action_reveal()

    def action_hint(self) -> None:
        self.attempt.take_hint(self.app.clock())
        self.panel.show_hint(self.attempt.question, self.attempt.hints_used)
        self.set_class(True, "-panel")
        self.refresh_bindings()

    def action_external_editor(self) -> None:
        failure = self.answer_area.edit_externally(self.question.id)
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
        self.check_code(self.app.checker, self.question.id, source)

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

    # Grading and undo

    def action_accept(self) -> None:
        if self.attempt.sure and self.attempt.suggested is not None:
            self.commit(self.attempt.suggested)

    def action_grade_key(self, key: str) -> None:
        rating = rating_for_key(self.session.scheduler, key)
        if rating is not None:
            self.commit(rating.value)

    @on(GradeBar.Chosen)
    def grade_clicked(self, message: GradeBar.Chosen) -> None:
        if self.attempt.revealed and not self.busy:
            self.commit(message.grade)

    def commit(self, grade: int) -> None:
        now = self.app.clock()
        self.taken_back[self.question.id] = (self.answer_area.text, self.explanation.text)
        answer = self.note_typing().answer(now)
        self.busy = True
        self.refresh_bindings()
        app = self.app
        if self.cram:
            self.record_practice(
                app.store,
                app.bank,
                self.cram,
                grade,
                answer,
                now,
                app.settings.today(now),
                self.session.scheduler,
            )
        else:
            self.record_grade(self.session, grade, answer, now, app.settings.today(now))

    @on(ReviewWork.Graded)
    def next_question(self, message: ReviewWork.Graded) -> None:
        self.busy = False
        review = message.review
        if self.cram:
            self.notify(
                f"Practised {review.question_id}: grade {review.grade}; schedule unchanged."
            )
            self.dismiss()
            return
        if review.kind == "drill":
            back = "drill logged"
        elif self.rating(review.grade).drill:
            back = "drill before you finish"
        else:
            back = f"back in {days_text(review.state_after.interval)}"
        self.query_one("#last-graded", Label).update(
            f"{review.question_id}: graded {self.rating(review.grade).label}, {back}. "
            "ctrl+g undoes."
        )
        self.show_question()

    def action_undo(self) -> None:
        self.busy = True
        self.refresh_bindings()
        self.undo_last(self.session)

    @on(ReviewWork.Undone)
    def show_undone(self, message: ReviewWork.Undone) -> None:
        self.busy = False
        question = message.question
        if question is not None:
            self.query_one("#last-graded", Label).update(
                f"Took back the grade of {question.id}; answer it again."
            )
        self.show_question()
        if question is not None and question == self.question and question.id in self.taken_back:
            # The answer comes back as it was graded: undo never launders runs or hints.
            text, explanation = self.taken_back.pop(question.id)
            self.answer_area.load_text(text)
            if self.explanation.display:
                self.explanation.load_text(explanation)
            self.refresh_bindings()  # a code question's runs came back with its attempt

    @on(ReviewWork.WorkFailed)
    def report_failure(self, message: ReviewWork.WorkFailed) -> None:
        self.busy = self.checking = False
        if message.what == "check":
            self.panel.show_check_failure(message.reason)
        else:
            self.notify(f"Could not {message.what}: {message.reason}", severity="error", timeout=10)
        self.refresh_bindings()

    # Setting the question aside, and the learner's note

    def action_bury(self) -> None:
        self.set_aside(CardFlags(buried_on=self.session.today), "buried until tomorrow")

    def action_suspend(self) -> None:
        self.set_aside(CardFlags(suspended=True), "suspended; Browse (s) takes it back")

    def set_aside(self, flags: CardFlags, what: str) -> None:
        """Leave the question out of the queue; its draft stays for when it comes back."""
        question = self.question
        self.drafts.save_now()
        self.app.store.set_flags(self.app.bank.name, question.id, flags)
        self.session.refresh()
        self.query_one("#last-graded", Label).update(f"{question.id}: {what}.")
        self.show_question()

    def action_note(self) -> None:
        from quiz.tui.screens.note import NoteScreen

        question = self.question
        note = self.app.store.note(self.app.bank.name, question.id)
        self.app.push_screen(
            NoteScreen(question.id, note), lambda text: self.keep_note(question.id, text)
        )

    def keep_note(self, question_id: str, text: str | None) -> None:
        if text is not None:
            self.app.store.set_note(self.app.bank.name, question_id, text)
            self.notify(f"Note on {question_id} kept; it shows with our answer.")

    def after_summary(self, result: str | None) -> None:
        if result == "undo":
            self.action_undo()
        else:
            self.dismiss()

    def action_back(self) -> None:
        if isinstance(self.focused, TextArea) and not self.focused.read_only:
            self.set_focus(None)
            self.refresh_bindings()
            return
        worry = self.unfinished()
        if worry is None:
            self.dismiss()
            return
        from quiz.tui.screens.confirm import ConfirmScreen

        self.app.push_screen(ConfirmScreen(worry), self.leave_if_sure)

    def unfinished(self) -> str | None:
        """What leaving now would drop, in words, or None when nothing would be lost."""
        if self.question is None or self.busy:
            return None
        if self.attempt.revealed:
            return "You have seen our answer but not graded yours. Leave without grading?"
        if self.note_typing().started:
            return "You have started this answer. Leave it for now? Your draft is kept."
        return None

    def leave_if_sure(self, sure: bool | None) -> None:
        if sure:
            self.dismiss()
