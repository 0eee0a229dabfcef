"""Review: one question at a time. Answer, reveal (or run the checks), grade 0-5, undo.

The screen owns the state of the question on show; the session is only touched by
thread workers (database writes, the checker), which report back by message.
"""

from __future__ import annotations

from datetime import datetime

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, Static, TextArea

from quiz.bank import Question
from quiz.grader.display import MISSING_DATA
from quiz.recall import Suggestion, asks_for_explanation, suggest, suggest_for_code
from quiz.schedulers import Rating, rating_for_key, rating_for_quality, rating_of
from quiz.session import Answer, StudySession, utc_timestamp
from quiz.store import CardFlags, Draft
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
        self.question: Question | None = None
        self.revealed = False
        self.busy = False
        self.checking = False
        self.suggested: int | None = None
        self.sure = False
        """Whether the suggestion is sure enough for Enter to record it; unsure, a key must."""
        self.shown_at = datetime.min
        self.taken_back: dict[str, tuple[str, str]] = {}
        """The answer and explanation of each question graded here, for undo to restore."""
        self.draft_saved: Draft | None = None
        """The draft of the question on show as the database last heard it."""
        self.draft_timer = None
        self.draft_pending: tuple[str, Draft | None] | None = None
        """The question and draft typed since the last save, waiting for a pause."""

    @property
    def session(self) -> StudySession:
        return self.app.session

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
        self.question = question
        self.revealed = self.checking = False
        self.suggested, self.sure = None, False
        self.shown_at = self.app.clock()
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
        if question.is_code:
            self.restore_attempt(question)
        self.refresh_bindings()

    def restore_attempt(self, question: Question) -> None:
        """Take up the day's attempt where it was left (before a relaunch or an undo, or in
        `quiz check`): its runs, hints and last verdict, so run numbers carry on."""
        day = self.app.settings.today(self.app.clock())
        attempt = self.app.store.open_attempt(self.app.bank.name, question.id, day)
        if attempt is None:
            return
        self.panel.restore(question, attempt)
        self.set_class(bool(attempt.runs or attempt.hints), "-panel")

    # Drafts: what is typed is saved as it is typed, and comes back after a quit or a crash

    def restore_draft(self, question: Question) -> None:
        self.save_draft_now()  # the question before, if a pause had not come yet
        draft = self.app.store.draft(self.app.bank.name, question.id)
        self.draft_saved = draft
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

    def current_draft(self) -> Draft | None:
        """What is typed for the question on show; None when nothing is."""
        question = self.question
        answer = self.answer_area.text
        explanation = self.explanation.text if self.explanation.display else ""
        untouched = question.starter if question.is_code else ""
        if answer.strip() == untouched.strip() and not explanation.strip():
            return None
        return Draft(answer, explanation)

    @on(TextArea.Changed, "#answer, #explanation")
    def typed(self) -> None:
        if self.question is None or self.revealed or self.busy:
            return
        self.cancel_draft_save()
        self.draft_pending = (self.question.id, self.current_draft())
        self.draft_timer = self.set_timer(self.DRAFT_DELAY_S, self.save_draft_now)

    def cancel_draft_save(self) -> None:
        if self.draft_timer is not None:
            self.draft_timer.stop()
            self.draft_timer = None

    def save_draft_now(self, *, wait: bool = False) -> None:
        """Hand the pending draft to a worker, or with `wait` save it here (the screen is going)."""
        self.cancel_draft_save()
        pending, self.draft_pending = self.draft_pending, None
        if pending is None or pending[1] == self.draft_saved:
            return
        question_id, draft = pending
        self.draft_saved = draft
        store, at = self.app.store, utc_timestamp(self.app.clock())
        if wait:
            store.save_draft(self.app.bank.name, question_id, draft, at)
        else:
            self.save_draft(store, self.app.bank.name, question_id, draft, at)

    def on_unmount(self) -> None:
        self.save_draft_now(wait=True)  # the widgets are gone: only what was noted is saved

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
        code, before = question.is_code, not self.revealed
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
            return before and code and self.panel.hints_used < len(question.hints)
        if action == "external_editor":
            return before and code
        if action == "grade_key" and rating_for_key(self.session.scheduler, parameters[0]) is None:
            return False
        if action == "accept" and self.revealed and not editing:
            return True if self.sure else None  # shown, greyed: an unsure guess needs a key
        if action in ("grade_key", "accept"):
            return self.revealed and not editing
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
        self.reveal(suggest(self.question, self.answer_area.text, self.app.bank.words))

    def action_finish(self) -> None:
        attempt = self.panel.attempt(
            edited=self.answer_area.text.strip() != self.question.starter.strip()
        )
        explanation = self.explanation.text if self.explanation.display else ""
        suggestion = suggest_for_code(self.question, attempt, explanation, self.app.bank.words)
        self.reveal(suggestion, why=f", {attempt.summary}")

    def reveal(self, suggestion: Suggestion, why: str = "") -> None:
        self.save_draft_now()
        suggested = rating_for_quality(self.session.scheduler.ratings, suggestion.grade).value
        self.revealed, self.suggested, self.sure = True, suggested, suggestion.sure
        self.answer_area.read_only = self.explanation.read_only = True
        ratings = self.session.scheduler.ratings
        note = self.app.store.note(self.app.bank.name, self.question.id)
        self.panel.show_reveal(RevealView(self.question, suggestion, why, ratings, note=note))
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

    def action_hint(self) -> None:
        self.panel.add_hint(self.question)
        now = self.app.clock()
        store, day = self.app.store, self.app.settings.today(now)
        store.record_attempt_hint(self.app.bank.name, self.question.id, day, now)
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
        self.panel.show_running()
        self.set_class(True, "-panel")
        self.refresh_bindings()
        self.check_code(self.app.checker, self.question.id, source)

    @on(ReviewWork.Checked)
    def show_verdict(self, message: ReviewWork.Checked) -> None:
        self.checking = False
        verdict = message.verdict
        counted = self.panel.show_verdict(verdict, message.source)
        if MISSING_DATA in (getattr(verdict.error, "message", "") or ""):
            # Said once, on this verdict; from the next question on it waits for the files.
            self.app.store.wait_for_data(self.app.bank.name, self.question.id, self.app.clock())
        if counted:
            # Written here, in order, before any grade can be: the attempt outlives the app.
            now = self.app.clock()
            self.app.store.record_run(
                self.app.bank.name,
                self.question.id,
                self.app.settings.today(now),
                now,
                bool(verdict.passed),
                message.source,
                sum(1 for check in verdict.checks or [] if check.passed),
                verdict.to_dict() if hasattr(verdict, "to_dict") else None,
            )
        line = getattr(getattr(verdict, "error", None), "line", None)
        if isinstance(line, int) and line >= 1 and not self.revealed:
            self.answer_area.move_cursor((line - 1, 0), center=True)
        self.panel.scroll_home(animate=False)
        self.refresh_bindings()

    # Grading and undo

    def action_accept(self) -> None:
        if self.sure and self.suggested is not None:
            self.commit(self.suggested)

    def action_grade_key(self, key: str) -> None:
        rating = rating_for_key(self.session.scheduler, key)
        if rating is not None:
            self.commit(rating.value)

    @on(GradeBar.Chosen)
    def grade_clicked(self, message: GradeBar.Chosen) -> None:
        if self.revealed and not self.busy:
            self.commit(message.grade)

    def commit(self, grade: int) -> None:
        now = self.app.clock()
        code = self.question.is_code
        self.taken_back[self.question.id] = (self.answer_area.text, self.explanation.text)
        answer = Answer(
            text=self.answer_area.text,
            explanation=self.explanation.text if self.explanation.display else "",
            duration_s=round((now - self.shown_at).total_seconds(), 1),
            check_runs=len(self.panel.runs) if code else None,
            first_run_passed=self.panel.runs[0] if code and self.panel.runs else None,
        )
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
        self.save_draft_now()
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
        if self.revealed:
            return "You have seen our answer but not graded yours. Leave without grading?"
        started = self.question.starter.strip() if self.question.is_code else ""
        typed = self.answer_area.text.strip() != started or self.explanation.text.strip()
        if typed or self.panel.runs or self.panel.hints_used:
            return "You have started this answer. Leave it for now? Your draft is kept."
        return None

    def leave_if_sure(self, sure: bool | None) -> None:
        if sure:
            self.dismiss()
