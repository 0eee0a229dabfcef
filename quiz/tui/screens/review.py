"""Review: one question at a time. Answer, reveal (or run the checks), grade 0-5, undo.

Answering is `AnswerScreen`'s; this screen picks the question, records its grade and takes it
back. The session is only touched by thread workers, which report back by message.
"""

from __future__ import annotations

from textual import on
from textual.binding import Binding
from textual.widgets import Label, TextArea

from quiz.attempt import Attempt
from quiz.bank import Question
from quiz.schedulers import Rating, rating_for_key, rating_of
from quiz.store import CardFlags
from quiz.tui.feedback import days_text
from quiz.tui.review_work import ReviewWork
from quiz.tui.screens.answer import AnswerScreen
from quiz.tui.widgets.grade_bar import GradeBar
from quiz.tui.widgets.review_status import ReviewStatus


class ReviewScreen(AnswerScreen):
    """Today's queue, or with `cram` one question practised outside its schedule."""

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

    def __init__(self, cram: Question | None = None):
        super().__init__()
        self.cram = cram
        self.title = "Practice" if cram else "Review"
        self.taken_back: dict[str, tuple[str, str]] = {}
        """The answer and explanation of each question graded here, for undo to restore."""

    def show_question(self) -> None:
        """Show the next question (or the day's summary); never awaits, so keys typed meanwhile
        keep their order."""
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
        self.query_one(ReviewStatus).show(question, self.session, self.cram is not None)
        self.show_attempt(attempt)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        attempt = self.attempt
        if attempt is None:
            return action == "back"
        editing = isinstance(self.focused, TextArea) and not self.focused.read_only
        if action == "back":
            return not self.busy
        if self.busy:
            return None if action in ("grade_key", "accept", "undo") else False
        if action == "grade_key" and rating_for_key(self.session.scheduler, parameters[0]) is None:
            return False
        if action == "accept" and attempt.revealed and not editing:
            return True if attempt.sure else None  # shown, greyed: an unsure guess needs a key
        if action in ("grade_key", "accept"):
            return attempt.revealed and not editing
        if action == "undo":
            return self.cram is None and bool(self.session.graded)
        if action in ("bury", "suspend"):
            return self.cram is None
        return self.answering(action)

    def rating(self, value: int) -> Rating:
        return rating_of(self.session.scheduler, value)

    def grade_intervals(self) -> dict[int, int] | None:
        """What each grade would schedule; None for practice, which leaves the schedule be."""
        question = self.question
        if self.cram is not None or self.session.is_drill(question):
            return None
        scheduler = self.session.scheduler
        return scheduler.next_intervals(self.session.state_of(question.id), self.session.today)

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
        today = self.app.settings.today(now)
        if self.cram:
            self.record_practice(self.session, self.cram, grade, answer, now, today)
        else:
            self.record_grade(self.session, grade, answer, now, today)

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
