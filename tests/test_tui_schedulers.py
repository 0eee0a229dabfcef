"""Pilot: the grade keys follow the bank's scheduler, on the real app and a real SQLite file."""

from __future__ import annotations

import json

import pytest

from quiz.bank import load_bank
from quiz.scheduler_choice import choose_scheduler
from quiz.store import open_store
from quiz.tui.screens.review import ReviewScreen
from quiz.tui.widgets.grade_bar import GradeCell
from tests.test_tui import make_app, pilot_test, rows, settle
from tests.test_tui import small_settings as _small_settings

small_settings = pytest.fixture(_small_settings.__wrapped__, name="small_settings")


def cells(app) -> dict[str, str]:
    return {
        cell.rating.key: str(cell.query_one(".long").render())
        for cell in app.screen.query(GradeCell)
    }


@pilot_test
async def test_fsrs_offers_four_ratings_each_with_its_interval(small_settings):
    store = open_store(small_settings.db_path)
    choose_scheduler(store, load_bank(small_settings.bank_path).name, "fsrs")
    app, _ = make_app(small_settings)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press(*"Paris on the Seine", "ctrl+s")
        await pilot.pause()
        shown = cells(app)
        assert list(shown) == ["4", "3", "2", "1"]
        assert "Easy" in shown["4"] and "→ 8d" in shown["4"]
        assert "Good" in shown["3"] and "→ 2d" in shown["3"]
        assert "Again" in shown["1"] and "→ 1d, drill today" in shown["1"]
        await pilot.press("5")  # not an FSRS key: nothing is graded
        await pilot.pause()
        assert rows(small_settings) == []
        await pilot.press("3")
        await settle(app, pilot)
    logged = rows(small_settings, "SELECT question_id, grade, scheduler, state_after FROM reviews")
    assert [(q, g, s) for q, g, s, _ in logged] == [("capital", 3, "fsrs")]
    after = json.loads(logged[0][3])
    assert after["scheduler"] == "fsrs" and after["due"] == "2025-03-06"


@pilot_test
async def test_sm2_keeps_its_six_grades(small_settings):
    app, _ = make_app(small_settings)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press(*"Paris on the Seine", "ctrl+s")
        await pilot.pause()
        shown = cells(app)
        assert list(shown) == ["5", "4", "3", "2", "1", "0"]
        assert "perfect response" in shown["5"] and "→ 1d" in shown["5"]
        assert "→ 1d, drill today" in shown["0"]
        await pilot.press("0")
        await settle(app, pilot)
    assert rows(small_settings, "SELECT grade, scheduler FROM reviews") == [(0, "sm2")]
