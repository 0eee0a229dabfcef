"""The review screen shows the recall suggestion as a suggestion, and takes an explanation
beside the code where a coding prompt asks for one. Real bank, real app, driven by Pilot."""

from __future__ import annotations

import asyncio
from datetime import datetime
from types import SimpleNamespace

from quiz.settings import Settings
from quiz.store import open_store
from quiz.tui.app import create_app
from quiz.tui.screens.review import ReviewScreen

NOW = datetime(2025, 3, 4, 9, 30)


class PassingChecker:
    def start(self):
        pass

    def close(self):
        pass

    def check(self, question_id, source):
        check = SimpleNamespace(name="f(x)", passed=True, message="", expected="1", got="1")
        return SimpleNamespace(
            passed=True, checks=[check], error=None, output="", duration_s=0.1, plot=None
        )


def practise(tmp_path, question_id, script):
    settings = Settings.from_environment(db_path=tmp_path / "quiz.db")
    app = create_app(settings, checker_factory=PassingChecker, clock=lambda: NOW)

    async def run():
        async with app.run_test(size=(100, 40)) as pilot:
            await app.workers.wait_for_complete()
            app.push_screen(ReviewScreen(cram=app.bank.get(question_id)))
            await pilot.pause()
            return await script(app, app.screen, pilot)

    result = asyncio.run(run())
    rows = open_store(settings.db_path).db.execute("SELECT question_id, grade FROM reviews")
    return result, rows.fetchall()


def shown(review) -> str:
    return str(review.query_one(".key-points").render())


def test_a_short_right_answer_is_a_guess_with_what_to_check_and_the_learner_grades(tmp_path):
    async def answer(app, review, pilot):
        await pilot.press(*"Randomly!", "ctrl+s")
        await pilot.pause()
        text = shown(review)
        await pilot.press("4")
        await app.workers.wait_for_complete()
        return text

    text, rows = practise(tmp_path, "weight-initialisation", answer)
    assert "✓ random values" in text
    assert "Unsure, a guess: 3." in text
    assert "Check: does your answer say training (SGD) improves them from there?" in text
    assert "Your grade is the one recorded" in text
    assert rows == [("weight-initialisation", 4)], "the learner's grade, not the suggestion"


def test_a_reversed_answer_is_marked_as_saying_the_opposite(tmp_path):
    async def answer(app, review, pilot):
        await pilot.press(*"The shape is the number of axes and the rank is the size of each axis")
        await pilot.press("ctrl+s")
        await pilot.pause()
        return shown(review), review.attempt.suggested

    (text, suggested), _ = practise(tmp_path, "rank-and-shape", answer)
    assert suggested <= 2
    assert "(your answer seems to say the opposite)" in text


def test_a_coding_question_that_asks_what_something_is_takes_an_explanation(tmp_path):
    async def answer(app, review, pilot):
        explanation = review.query_one("#explanation")
        assert explanation.display and app.focused is explanation
        assert not review.query_one("#answer").has_focus
        await pilot.press(*"Tensors of different shapes are combined; the smaller one is expanded")
        await pilot.press("tab")
        assert review.query_one("#answer").has_focus, "tab moves on to the code"
        await pilot.press("ctrl+r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        text, suggested = shown(review), review.attempt.suggested
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        return text, suggested

    (text, suggested), rows = practise(tmp_path, "broadcasting", answer)
    assert "✓ combines tensors of different shapes" in text
    assert "✓ the smaller tensor is expanded (to match the larger one's shape)" in text
    assert "Suggested grade: 5 (perfect response), passed after 1 run." in text
    assert rows == [("broadcasting", 5)]


def test_a_coding_question_that_only_asks_for_code_has_no_explanation_box(tmp_path):
    async def look(app, review, pilot):
        return review.query_one("#explanation").display, review.query_one("#answer").has_focus

    (display, code_focused), _ = practise(tmp_path, "tensor-3x3", look)
    assert not display and code_focused


def test_enter_records_nothing_while_the_suggestion_is_unsure(tmp_path):
    async def answer(app, review, pilot):
        await pilot.press(*"Randomly!", "ctrl+s")
        await pilot.pause()
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        still_open = review.attempt.revealed and review.question.id == "weight-initialisation"
        text = shown(review)
        await pilot.press("4")
        await app.workers.wait_for_complete()
        return still_open, text

    (still_open, text), rows = practise(tmp_path, "weight-initialisation", answer)
    assert still_open, "Enter left the unsure suggestion on screen"
    assert "unsure, so Enter takes nothing: press 0-5." in text
    assert rows == [("weight-initialisation", 4)], "only the key the learner pressed"


def test_enter_records_a_sure_suggestion(tmp_path):
    async def answer(app, review, pilot):
        await pilot.press(*"We start from random values and training improves them from there.")
        await pilot.press("ctrl+s")
        await pilot.pause()
        text = shown(review)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        return text

    text, rows = practise(tmp_path, "weight-initialisation", answer)
    assert "Suggested grade: 5" in text and "Enter takes the suggestion" in text
    assert rows == [("weight-initialisation", 5)]
