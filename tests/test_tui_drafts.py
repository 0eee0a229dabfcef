"""Drafts: what the learner types is saved as it is typed and comes back in a new app."""

from __future__ import annotations

import pytest

from quiz.settings import Settings
from quiz.store import Draft, open_store
from quiz.tui.screens.confirm import ConfirmScreen
from quiz.tui.screens.home import HomeScreen
from quiz.tui.screens.review import ReviewScreen
from tests.test_tui import SMALL_BANK, make_app, pilot_test, rows, settle


@pytest.fixture
def small_settings(tmp_path) -> Settings:
    bank = tmp_path / "bank.yaml"
    bank.write_text(SMALL_BANK)
    (tmp_path / "add.py").write_text("def add(a, b):\n    return a + b\n")
    return Settings(bank_path=bank, db_path=tmp_path / "quiz.db", new_per_day=10)


def draft_of(settings, question_id: str) -> Draft | None:
    return open_store(settings.db_path).draft("small", question_id)


@pilot_test
async def test_a_typed_answer_is_saved_while_typing_and_back_after_a_relaunch(small_settings):
    app, _ = make_app(small_settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("enter", *"Paris on the")
        await pilot.pause(ReviewScreen.DRAFT_DELAY_S + 0.2)
        await settle(app, pilot)
        # Saved while the app still runs: a crash now loses nothing.
        assert draft_of(small_settings, "capital") == Draft("Paris on the")
        await pilot.press(*" Seine")
        # Quit before the pause is over: the last words are saved on the way out.
        app.exit()
    assert draft_of(small_settings, "capital") == Draft("Paris on the Seine")

    app, _ = make_app(small_settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        review = app.screen
        assert isinstance(review, ReviewScreen)
        assert review.answer_area.text == "Paris on the Seine"
        assert "unfinished answer to capital is back" in str(
            review.query_one("#last-graded").render()
        )
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "Your draft is kept" in str(app.screen.query_one("#confirm-question").render())
        await pilot.press("n")
        review.answer_area.focus()
        await pilot.press("ctrl+s", "5")
        await settle(app, pilot)
        assert review.question.id == "colour"
        assert review.answer_area.text == ""  # the next question starts empty
    assert draft_of(small_settings, "capital") is None  # graded: the draft is done with
    assert rows(small_settings) == [("capital", 5, "review")]


@pilot_test
async def test_code_drafts_are_per_question_and_leaving_keeps_them(small_settings):
    app, _ = make_app(small_settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        review = app.screen
        for _ in range(2):  # the two recall questions, answered and graded
            await pilot.press(*"blue", "ctrl+s", "5")
            await settle(app, pilot)
        assert review.question.id == "sum"
        review.answer_area.move_cursor((1, 0))
        await pilot.press(*"    return a - b", "enter")
        await pilot.press("escape", "escape", "y")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
    saved = draft_of(small_settings, "sum")
    assert saved is not None and "    return a - b\n" in saved.answer
    assert draft_of(small_settings, "capital") is None

    app, _ = make_app(small_settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.question.id == "sum"
        assert app.screen.answer_area.text == saved.answer
