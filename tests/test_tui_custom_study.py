"""Custom study, suspend and bury, and notes: driven through the real app over a real SQLite file."""

from __future__ import annotations

import dataclasses

import pytest
from textual.widgets import DataTable

from quiz.settings import Settings
from quiz.store import open_store
from quiz.tui.screens.browse import BrowseScreen
from quiz.tui.screens.home import HomeScreen
from quiz.tui.screens.review import ReviewScreen
from tests.test_tui import SMALL_BANK, TODAY, make_app, pilot_test, settle


@pytest.fixture
def small_settings(tmp_path) -> Settings:
    bank = tmp_path / "bank.yaml"
    bank.write_text(SMALL_BANK)
    (tmp_path / "add.py").write_text("def add(a, b):\n    return a + b\n")
    return Settings(bank_path=bank, db_path=tmp_path / "quiz.db", new_per_day=1)


def figure(app, name: str) -> str:
    return str(app.screen.query_one(f"#{name}").render()).split("\n")[0]


def browse_states(app) -> dict[str, str]:
    table = app.screen.query_one(DataTable)
    return {table.get_row_at(row)[1]: table.get_row_at(row)[3] for row in range(table.row_count)}


@pilot_test
async def test_more_new_questions_and_review_ahead_from_home(small_settings):
    app, _ = make_app(small_settings)
    async with app.run_test(size=(100, 30)) as pilot:
        assert figure(app, "new") == "1"
        await pilot.press("enter", *"Paris", "ctrl+s", "5")
        await settle(app, pilot)
        await pilot.press("enter")  # the summary: back home, nothing left today
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert figure(app, "new") == "0" and figure(app, "due") == "0"
        said = str(app.screen.query_one("#call-to-action").render())
        assert said.startswith("Press n to study more new questions, a to review ahead")
        await pilot.press("n", "backspace", "2", "enter")
        await pilot.pause()
        assert figure(app, "new") == "2"
        await pilot.press("a", "enter")  # one day ahead: capital, due tomorrow, comes now
        await pilot.pause()
        assert figure(app, "due") == "1"
    store = open_store(small_settings.db_path)
    assert dataclasses.astuple(store.study_extras("small", TODAY)) == (2, 1)


@pilot_test
async def test_bury_and_suspend_from_review_and_take_back_in_browse(small_settings):
    app, _ = make_app(small_settings)
    async with app.run_test(size=(110, 30)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        review = app.screen
        assert review.question.id == "capital"
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert review.question.id == "colour"  # the next new question takes its place
        assert "capital: buried until tomorrow" in str(review.query_one("#last-graded").render())
        await pilot.press("f8")
        await pilot.pause()
        assert review.question.id == "sum"
        await pilot.press("escape", "escape")
        await pilot.pause()
        await pilot.press("b")
        await settle(app, pilot)
        assert isinstance(app.screen, BrowseScreen)
        states = browse_states(app)
        assert states == {"capital": "buried", "colour": "suspended", "sum": "new"}
        await pilot.press("down", "z")  # the table has the first row: capital
        await settle(app, pilot)
        await pilot.press("down", "s")
        await settle(app, pilot)
        assert browse_states(app) == {"capital": "new", "colour": "new", "sum": "new"}
    assert open_store(small_settings.db_path).card_flags("small") == {}


@pilot_test
async def test_a_note_written_while_answering_shows_with_our_answer_and_persists(small_settings):
    app, _ = make_app(small_settings)
    async with app.run_test(size=(110, 30)) as pilot:
        await pilot.press("enter", *"Par", "ctrl+n", *"Seine is the river", "ctrl+s")
        await pilot.pause()
        review = app.screen
        assert isinstance(review, ReviewScreen) and review.answer_area.text == "Par"
        review.answer_area.focus()
        await pilot.press("ctrl+s")
        await pilot.pause()
        (note,) = review.query(".your-note")
        assert str(note.render()) == "Your note\nSeine is the river"
    assert open_store(small_settings.db_path).note("small", "capital") == "Seine is the river"


@pilot_test
async def test_stats_scrolls_with_page_down_and_end_straight_away(small_settings):
    app, _ = make_app(small_settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s")
        await settle(app, pilot)
        body = app.screen.query_one("#stats-body")
        assert body.max_scroll_y > 0 and body.scroll_y == 0
        await pilot.press("pagedown")
        await pilot.pause()
        assert 0 < body.scroll_y < body.max_scroll_y
        await pilot.press("end")
        await pilot.pause()
        assert body.scroll_y == body.max_scroll_y
        await pilot.press("home")
        await pilot.pause()
        assert body.scroll_y == 0


@pilot_test
async def test_a_filter_that_matched_nothing_is_gone_after_leaving_browse(small_settings):
    app, _ = make_app(small_settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("b")
        await settle(app, pilot)
        await pilot.press(*"zzz")
        await pilot.pause()
        assert app.screen.query_one(DataTable).row_count == 0
        await pilot.press("tab", "escape")  # from the (empty) table: leave Browse
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("b")
        await settle(app, pilot)
        assert app.screen.query_one("#filter").value == ""
        assert app.screen.query_one(DataTable).row_count == 3
