"""Pilot tests: drive the app like a learner and check what lands in the database."""

from __future__ import annotations

import asyncio
import functools
import io
import re
import textwrap
from datetime import date, datetime

import pytest
from rich.console import Console
from textual.widgets import DataTable, Input, TextArea

from quiz.bank import load_bank
from quiz.grader.verdict import CheckResult, GraderError, Verdict
from quiz.settings import Settings
from quiz.store import open_store
from quiz.tui.app import create_app
from quiz.tui.screens.browse import BrowseScreen
from quiz.tui.screens.help import HelpScreen
from quiz.tui.screens.home import HomeScreen
from quiz.tui.screens.review import ReviewScreen
from quiz.tui.screens.summary import SummaryScreen

NOW = datetime(2025, 3, 4, 9, 30)
TODAY = date(2025, 3, 4)

SMALL_BANK = """\
bank: small
title: A small bank
questions:
  - id: capital
    number: 1
    kind: recall
    prompt: What is the capital of France?
    answer: Paris, on the Seine.
    key_points: [Paris, on the river Seine]
    tags: [geo]
  - id: colour
    number: 2
    kind: recall
    prompt: What colour is the sky?
    answer: Blue, because of Rayleigh scattering.
    key_points: [blue, Rayleigh scattering]
    tags: [physics]
  - id: sum
    number: 3
    kind: code
    prompt: Define add(a, b).
    answer: "`def add(a, b): return a + b`"
    key_points: [a function, returns the sum]
    tags: [python]
    contract: [add]
    starter: |
      def add(a, b):
          ...
    hints: [Use the + operator., return a + b]
    solution: add.py
    checks: {cases: ["add(1, 2)", "add(-1.5, 2)"]}
"""


def pilot_test(test):
    """Run an async test function to completion (no async plugin needed)."""

    @functools.wraps(test)
    def run(*args, **kwargs):
        asyncio.run(test(*args, **kwargs))

    return run


def fixed_clock() -> datetime:
    return NOW


class FakeChecker:
    """Stands in for quiz.grader.Checker: fails until the code contains `a + b`."""

    def __init__(self):
        self.started = False
        self.closed = False
        self.sources: list[str] = []

    def start(self):
        self.started = True

    def sandbox_notice(self):
        return None

    def check(self, question_id: str, source: str):
        self.sources.append(source)
        good = "a + b" in source
        check = CheckResult(
            name="add(2, 3)",
            passed=good,
            message="" if good else "wrong value",
            expected="5",
            got="5" if good else "None",
        )
        error = None if good else GraderError(kind="exception", message="boom", line=2)
        return Verdict(question_id, good, [check], error, output="hi\n", duration_s=0.1)

    def close(self):
        self.closed = True


@pytest.fixture
def small_settings(tmp_path) -> Settings:
    bank = tmp_path / "bank.yaml"
    bank.write_text(SMALL_BANK)
    (tmp_path / "add.py").write_text("def add(a, b):\n    return a + b\n")
    return Settings(bank_path=bank, db_path=tmp_path / "quiz.db", new_per_day=10)


def make_app(settings: Settings, checker: FakeChecker | None = None):
    checker = checker or FakeChecker()
    app = create_app(settings, checker_factory=lambda: checker, clock=fixed_clock)
    app.CHECKER_WARM_DELAY_S = 0
    return app, checker


def rows(settings: Settings, sql: str = "SELECT question_id, grade, kind FROM reviews ORDER BY id"):
    return open_store(settings.db_path).db.execute(sql).fetchall()


async def settle(app, pilot) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()


async def answer_and_grade(app, pilot, text: str, grade: str) -> None:
    await pilot.press(*text)
    await pilot.press("ctrl+s")
    await pilot.press(grade)
    await settle(app, pilot)


@pilot_test
async def test_whole_session_with_undo_and_drill(small_settings):
    app, checker = make_app(small_settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, HomeScreen)
        assert checker.started, "the queue holds a coding question, so the checker warms up"
        await pilot.press("enter")
        await pilot.pause()
        review = app.screen
        assert isinstance(review, ReviewScreen)
        assert review.question.id == "capital"

        await answer_and_grade(app, pilot, "Paris on the Seine", "5")
        assert review.question.id == "colour"
        await answer_and_grade(app, pilot, "green", "2")
        assert rows(small_settings) == [("capital", 5, "review"), ("colour", 2, "review")]

        await pilot.press("ctrl+g")
        await settle(app, pilot)
        assert review.question.id == "colour", "undo brings the question back"
        assert rows(small_settings) == [("capital", 5, "review")]
        await answer_and_grade(app, pilot, "blue", "1")

        assert review.question.id == "sum"
        await pilot.press("ctrl+s", "0")
        await settle(app, pilot)
        assert review.question.id == "colour" and "drill" in str(review.query_one("#tag").render())
        await answer_and_grade(app, pilot, "blue, Rayleigh scattering", "4")
        assert review.question.id == "sum"
        await pilot.press("ctrl+s", "enter")  # accepts the suggested 0: still a drill
        await settle(app, pilot)
        assert review.question.id == "sum"
        await pilot.press("ctrl+s", "4")
        await settle(app, pilot)
        assert isinstance(app.screen, SummaryScreen)
        assert "answered 6" in str(app.screen.query_one("#headline").render())
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("q")
    assert checker.closed
    assert rows(small_settings) == [
        ("capital", 5, "review"),
        ("colour", 1, "review"),
        ("sum", 0, "review"),
        ("colour", 4, "drill"),
        ("sum", 0, "drill"),
        ("sum", 4, "drill"),
    ]
    cards = rows(
        small_settings,
        "SELECT question_id, json_extract(state, '$.repetitions'), json_extract(state, '$.interval'), due FROM cards",
    )
    assert sorted(cards) == [
        ("capital", 1, 1, "2025-03-05"),
        ("colour", 0, 1, "2025-03-05"),
        ("sum", 0, 1, "2025-03-05"),
    ]


@pilot_test
async def test_digits_typed_into_an_answer_are_text_not_grades(small_settings):
    app, _ = make_app(small_settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press(*"42 is 5", "q", "?")
        assert app.screen.query_one("#answer", TextArea).text == "42 is 5q?"
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("ctrl+s", "3")
        await settle(app, pilot)
    assert rows(small_settings, "SELECT question_id, grade, answer FROM reviews") == [
        ("capital", 3, "42 is 5q?")
    ]


@pilot_test
async def test_undo_from_the_summary_returns_to_the_last_question(small_settings):
    settings = Settings(small_settings.bank_path, small_settings.db_path, new_per_day=1)
    app, _ = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        await answer_and_grade(app, pilot, "Paris", "5")
        assert isinstance(app.screen, SummaryScreen)
        await pilot.press("u")
        await settle(app, pilot)
        assert isinstance(app.screen, ReviewScreen)
        assert app.screen.question.id == "capital"
    assert rows(settings) == []


@pilot_test
async def test_coding_question_runs_checks_hints_and_suggests_a_grade(small_settings):
    settings = Settings(small_settings.bank_path, small_settings.db_path, new_per_day=10)
    app, checker = make_app(settings)
    bank = load_bank(settings.bank_path)
    async with app.run_test(size=(100, 30)) as pilot:
        app.push_screen(ReviewScreen(cram=bank.get("sum")))
        await pilot.pause()
        review = app.screen
        editor = review.query_one("#answer", TextArea)
        assert editor.text.startswith("def add(a, b):")
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        panel = str(review.query_one(".verdict-text").render())
        assert "0 of 1 check passed" in panel and "boom" in panel and "wrong value" in panel
        assert editor.cursor_location[0] == 1, "the cursor jumps to the error's line"
        await pilot.press("ctrl+t")
        assert "Hint 1 of 2" in str(review.query_one("#hints Static").render())
        editor.text = "def add(a, b):\n    return a + b\n"
        await pilot.press("f5")
        await settle(app, pilot)
        assert "its check passed" in str(review.query_one(".verdict-text").render())
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert review.attempt.suggested == 3, "passed after a failed run and a hint"
        why = str(review.query_one(".key-points").render())
        assert "(correct with serious difficulty), passed after 2 runs, 1 hint." in why
        await pilot.press("enter")
        await settle(app, pilot)
        assert not isinstance(app.screen, ReviewScreen)
    assert checker.sources[-1] == "def add(a, b):\n    return a + b\n"
    assert rows(
        settings, "SELECT question_id, grade, kind, check_runs, first_run_passed FROM reviews"
    ) == [("sum", 3, "cram", 2, 0)]
    assert rows(settings, "SELECT * FROM cards") == [], "cram never schedules"


@pilot_test
async def test_external_editor_replaces_the_code_and_runs_the_checks(
    small_settings, tmp_path, monkeypatch
):
    script = tmp_path / "fake-editor"
    script.write_text("#!/bin/sh\nprintf 'def add(a, b):\\n    return a + b\\n' > \"$1\"\n")
    script.chmod(0o755)
    monkeypatch.setenv("VISUAL", str(script))
    app, checker = make_app(small_settings)
    bank = load_bank(small_settings.bank_path)
    monkeypatch.setattr(type(app), "suspend", lambda self: _nothing())
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(ReviewScreen(cram=bank.get("sum")))
        await pilot.pause()
        await pilot.press("ctrl+o")
        await settle(app, pilot)
        code = textwrap.dedent(
            """\
            def add(a, b):
                return a + b
            """
        )
        assert app.screen.query_one("#answer", TextArea).text == code
        assert checker.sources == [code], "the checks ran as soon as the editor returned"
        assert "its check passed" in str(app.screen.query_one(".verdict-text").render())


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pilot_test
async def test_browse_filters_and_practises_without_touching_the_schedule(small_settings):
    app, _ = make_app(small_settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        await answer_and_grade(app, pilot, "Paris", "4")
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("b")
        await settle(app, pilot)
        assert isinstance(app.screen, BrowseScreen)
        table = app.screen.query_one(DataTable)
        assert table.row_count == 3
        assert table.get_row("capital")[3:] == ["young", "2.50", "1d", "2025-03-05", "4"]
        await pilot.press(*"capi")  # the filter has focus from the start
        assert table.row_count == 1
        await pilot.press("enter")  # a single match opens at once
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen) and app.screen.cram
        await answer_and_grade(app, pilot, "Paris", "2")
        assert isinstance(app.screen, BrowseScreen)
        assert app.screen.query_one(Input).value == "capi"
    assert rows(small_settings) == [("capital", 4, "review"), ("capital", 2, "cram")]
    assert rows(
        small_settings, "SELECT question_id, json_extract(state, '$.repetitions'), due FROM cards"
    ) == [("capital", 1, "2025-03-05")]


@pilot_test
async def test_home_shows_counts_streak_and_next_question(small_settings):
    store = open_store(small_settings.db_path)
    bank = load_bank(small_settings.bank_path)
    from quiz.session import Answer, StudySession

    for day in (date(2025, 3, 2), date(2025, 3, 3)):
        session = StudySession(bank, store, day, new_per_day=1)
        session.grade(5, Answer("x"), datetime(day.year, day.month, day.day, 12))
    app = create_app(small_settings, bank, store, checker_factory=FakeChecker, clock=fixed_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        home = app.screen
        # capital was new on the 2nd, reviewed on the 3rd and is next due on the 9th
        assert str(home.query_one("#due").render()) == "0\ndue"
        assert str(home.query_one("#new").render()) == "2\nnew"
        assert "2 days" in str(home.query_one("#streak").render())
        assert "colour" in str(home.query_one("#next-up").render())


@pilot_test
async def test_help_palette_and_stats_keys(small_settings):
    app, _ = make_app(small_settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert type(app.screen).__name__ == "CommandPalette"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("s")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "StatsScreen"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)


@pilot_test
async def test_undo_brings_back_the_code_its_runs_and_hints(small_settings):
    app, checker = make_app(small_settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        await answer_and_grade(app, pilot, "Paris on the Seine", "5")
        await answer_and_grade(app, pilot, "Blue, Rayleigh scattering", "5")
        review = app.screen
        assert review.question.id == "sum"
        editor = review.query_one("#answer", TextArea)
        await pilot.press("ctrl+r")  # the starter fails
        await settle(app, pilot)
        await pilot.press("ctrl+t")
        editor.text = "def add(a, b):\n    return a + b\n"
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert review.attempt.suggested == 3
        await pilot.press("4")
        await settle(app, pilot)
        assert isinstance(app.screen, SummaryScreen)
        await pilot.press("u")
        await settle(app, pilot)
        assert app.screen is review and review.question.id == "sum"
        assert editor.text == "def add(a, b):\n    return a + b\n", "the graded code comes back"
        assert "Hint 1 of 2" in str(review.query_one("#hints Static").render())
        shown = str(review.query_one(".verdict-text").render())
        assert shown.startswith("✓ Run 2: its check passed"), "the checks pane comes back too"
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert review.attempt.suggested == 3, "the failed run and the hint still count"
        await pilot.press("enter")
        await settle(app, pilot)
    assert rows(
        small_settings,
        "SELECT question_id, grade, check_runs, first_run_passed FROM reviews WHERE question_id = 'sum'",
    ) == [("sum", 3, 3, 0)]


@pilot_test
async def test_a_relaunch_takes_up_the_days_runs_where_they_stopped(small_settings):
    app, _ = make_app(small_settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        await answer_and_grade(app, pilot, "Paris on the Seine", "5")
        await answer_and_grade(app, pilot, "Blue, Rayleigh scattering", "5")
        assert app.screen.question.id == "sum"
        await pilot.press("ctrl+r")  # the starter fails
        await settle(app, pilot)
    app, _ = make_app(small_settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("enter")
        await settle(app, pilot)
        review = app.screen
        assert review.question.id == "sum"
        assert str(review.query_one(".verdict-text").render()).startswith("✗ Run 1: 0 of 1 check")
        review.query_one("#answer", TextArea).text = "def add(a, b):\n    return a + b\n"
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert str(review.query_one(".verdict-text").render()).startswith("✓ Run 2: its check")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert review.attempt.suggested == 4, "passed after one failed run, before the relaunch"


@pilot_test
async def test_slash_in_browse_focuses_the_filter_without_typing_into_it(small_settings):
    app, _ = make_app(small_settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("b")
        await settle(app, pilot)
        browse = app.screen
        table, search = browse.query_one(DataTable), browse.query_one(Input)
        await pilot.press("slash", *"sum")
        assert search.value == "sum" and table.row_count == 1
        await pilot.press("down")  # to the table
        assert table.has_focus
        await pilot.press("slash")
        assert search.has_focus and search.value == "sum"
        await pilot.press(*"colour")  # the old filter was selected: typing replaces it
        assert search.value == "colour"
        assert [table.get_row_at(0)[1]] == ["colour"]


@pilot_test
async def test_the_summary_after_a_relaunch_counts_the_whole_day_as_stats_does(small_settings):
    app, _ = make_app(small_settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        await answer_and_grade(app, pilot, "Paris on the Seine", "5")
        await pilot.press("escape", "escape")
        await pilot.pause()
        await pilot.press("q")
    app, _ = make_app(small_settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        await answer_and_grade(app, pilot, "Blue, Rayleigh scattering", "5")
        await pilot.press("ctrl+s", "4")  # the coding question, graded without running it
        await settle(app, pilot)
        assert isinstance(app.screen, SummaryScreen)
        headline = str(app.screen.query_one("#headline").render())
        assert "Today you answered 3 (3 scheduled, 0 drills)" in headline
        await pilot.press("s")
        await settle(app, pilot)
        await pilot.pause()
        assert type(app.screen).__name__ == "StatsScreen"
        console = Console(file=io.StringIO(), width=100)
        console.print(app.screen.query_one("#stats-summary").content)
        assert re.search(r"Answered today +3 \(3 review\)", console.file.getvalue())


@pilot_test
async def test_the_study_day_follows_the_clock_while_the_app_stays_open(small_settings):
    now = [datetime(2025, 3, 4, 3, 50)]  # before 04:00: still the study day of March 3rd
    app = create_app(small_settings, checker_factory=FakeChecker, clock=lambda: now[0])
    app.CHECKER_WARM_DELAY_S = 0
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        await answer_and_grade(app, pilot, "Paris on the Seine", "5")  # due again on the 4th
        assert app.screen.question.id == "colour"
        now[0] = datetime(2025, 3, 4, 4, 10)
        await answer_and_grade(app, pilot, "Blue, Rayleigh scattering", "5")
        assert app.screen.question.id == "capital", "due on the new day, so it comes first"
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert "Tuesday 4 March" in str(app.screen.query_one("#greeting").render())
        assert str(app.screen.query_one("#due").render()) == "1\ndue"
    assert rows(small_settings, "SELECT question_id, day, kind FROM reviews ORDER BY id") == [
        ("capital", "2025-03-03", "review"),
        ("colour", "2025-03-04", "review"),
    ]
    assert rows(small_settings, "SELECT question_id, due FROM cards ORDER BY question_id") == [
        ("capital", "2025-03-04"),
        ("colour", "2025-03-05"),
    ]


def test_the_next_question_on_home_is_plain_text_without_backticks():
    from quiz.tui.screens.home import first_line

    prompt = "How are the files and folders in the `MNIST_SAMPLE` dataset structured? Why?"
    assert first_line(prompt, 200) == (
        "How are the files and folders in the MNIST_SAMPLE dataset structured? Why?"
    )
    assert first_line(prompt, 20) == "How are the files a…"


@pilot_test
async def test_each_grade_shows_the_interval_the_scheduler_would_give(small_settings):
    from quiz.session import Answer, StudySession

    store = open_store(small_settings.db_path)
    bank = load_bank(small_settings.bank_path)
    StudySession(bank, store, date(2025, 3, 3), new_per_day=1).grade(
        5, Answer("Paris"), datetime(2025, 3, 3, 12)
    )  # capital: due again on the 4th, its second review
    app = create_app(small_settings, bank, store, checker_factory=FakeChecker, clock=fixed_clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.question.id == "capital"
        await pilot.press(*"Paris on the Seine", "ctrl+s")
        await pilot.pause()
        cells = {
            cell.grade: str(cell.query_one(".long").render()) for cell in app.screen.query(".grade")
        }
        assert cells[5].endswith("→ 6d") and cells[4].endswith("→ 6d")
        assert cells[3].endswith("→ 6d, drill today")
        assert cells[0].endswith("→ 1d, drill today")
        await pilot.press("5")
        await settle(app, pilot)
        assert app.screen.question.id == "colour"  # a new card: every grade gives one day
        await pilot.press(*"Blue", "ctrl+s")
        await pilot.pause()
        cells = {
            cell.grade: str(cell.query_one(".long").render()) for cell in app.screen.query(".grade")
        }
        assert cells[5].endswith("→ 1d") and cells[2].endswith("→ 1d, drill today")


@pilot_test
async def test_leaving_a_started_or_revealed_question_asks_first(small_settings):
    from quiz.tui.screens.confirm import ConfirmScreen

    app, _ = make_app(small_settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        review = app.screen
        await pilot.press("escape", "escape")  # nothing typed: leaves at once
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("enter")
        await pilot.pause()
        review = app.screen
        await pilot.press(*"Paris", "escape", "escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "started this answer" in str(app.screen.query_one("#confirm-question").render())
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is review and review.answer_area.text == "Paris"
        review.answer_area.focus()
        await pilot.press("ctrl+s")  # reveal, then try to leave without grading
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "not graded" in str(app.screen.query_one("#confirm-question").render())
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
    assert rows(small_settings) == []
