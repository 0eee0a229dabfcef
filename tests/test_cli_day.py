"""A day done from the command line alone: show our answer, check, hint, grade, export."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from quiz.cli import main
from quiz.paths import default_db_path
from quiz.session import StudySession
from quiz.settings import Settings
from quiz.store import open_store

ANSWERS = Path(__file__).resolve().parent / "data" / "answers"
MORNING = datetime(2026, 3, 4, 9, 0)
"""The day these tests study: each command runs a minute after the one before."""


class Day:
    """Runs `quiz` commands one after another on MORNING's day, a minute apart."""

    def __init__(self) -> None:
        self.minutes = 0

    def __call__(self, *args: str):
        self.minutes += 1
        at = MORNING + timedelta(minutes=self.minutes)
        return CliRunner().invoke(main, list(args), obj=lambda: at)


@pytest.fixture
def day() -> Day:
    return Day()


def logged(question_id: str) -> list[tuple]:
    return (
        open_store(default_db_path())
        .db.execute(
            "SELECT kind, grade, check_runs, first_run_passed, answer, explanation FROM reviews"
            " WHERE question_id = ? ORDER BY id",
            [question_id],
        )
        .fetchall()
    )


def test_show_answer_prints_our_answer_and_its_key_points(day):
    result = day("show", "grayscale-image", "--answer")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "our answer:" in lines and "key points:" in lines
    points = lines[lines.index("key points:") + 1 :]
    assert points and all(line.startswith("  - ") for line in points)


def test_grading_a_new_recall_question_schedules_it(day):
    result = day("grade", "grayscale-image", "4")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "grayscale-image: graded 4; back in 1 day"
    assert logged("grayscale-image") == [("review", 4, None, None, "", "")]
    result = day("grade", "grayscale-image", "2")
    assert "practice, not due today" in result.output
    assert [row[0] for row in logged("grayscale-image")] == ["review", "cram"]


def test_a_grade_the_scheduler_does_not_have_is_one_line_and_exit_2(day):
    result = day("grade", "grayscale-image", "9")
    assert result.exit_code == 2
    assert result.stderr == (
        "quiz: error: '9' is not a grade under SM-2: give one of 0, 1, 2, 3, 4, 5\n"
    )
    assert logged("grayscale-image") == []


def test_quiz_check_runs_and_hints_count_in_the_grade(day):
    wrong, right = ANSWERS / "list_comprehension_wrong.py", ANSWERS / "list_comprehension_right.py"
    assert day("check", "list-comprehension", str(wrong), "--no-worker").exit_code == 1
    assert day("hint", "list-comprehension").exit_code == 0
    assert day("check", "list-comprehension", str(right), "--no-worker").exit_code == 0

    result = day("grade", "list-comprehension", "4", "--explanation", "it builds the list")

    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "list-comprehension: graded 4; back in 1 day; "
        "the checks suggested 3 (passed after 2 runs, 1 hint)"
    )
    ((kind, grade, runs, first, answer, explanation),) = logged("list-comprehension")
    assert (kind, grade, runs, first) == ("review", 4, 2, 0)
    assert answer == right.read_text() and explanation == "it builds the list"
    # graded: the next check begins a new attempt
    store = open_store(default_db_path())
    assert store.open_attempt("fastbook-ch4", "list-comprehension", MORNING.date()) is None


def test_undo_in_the_app_brings_back_the_checks_runs(day):
    wrong = ANSWERS / "list_comprehension_wrong.py"
    assert day("check", "list-comprehension", str(wrong), "--no-worker").exit_code == 1
    assert day("grade", "list-comprehension", "1").exit_code == 0
    store = open_store(default_db_path())
    settings = Settings.from_environment()
    from quiz.bank import load_bank

    session = StudySession(load_bank(settings.bank_path), store, MORNING.date())
    session.graded = [list(store.reviews("fastbook-ch4"))[-1]]
    assert store.open_attempt("fastbook-ch4", "list-comprehension", MORNING.date()) is None
    session.undo()
    attempt = store.open_attempt("fastbook-ch4", "list-comprehension", MORNING.date())
    assert attempt is not None and attempt.runs == (False,)
    assert attempt.source == wrong.read_text()


def test_an_explanation_survives_export_and_import(day, tmp_path):
    assert day("grade", "list-comprehension", "3", "--explanation", "squares, kept").exit_code == 0
    for name in ("log.jsonl", "log.csv"):
        export = tmp_path / name
        assert day("export", str(export)).exit_code == 0
        target = tmp_path / f"{name}.db"
        assert day("--db", str(target), "import", str(export)).exit_code == 0
        (review,) = list(open_store(target).reviews("fastbook-ch4"))
        assert review.explanation == "squares, kept"
    line = json.loads((tmp_path / "log.jsonl").read_text())
    assert line["explanation"] == "squares, kept"


def test_asking_for_the_last_hint_again_counts_it_once(day):
    for _ in range(5):
        assert day("hint", "list-comprehension").exit_code == 0
    store = open_store(default_db_path())
    attempt = store.open_attempt("fastbook-ch4", "list-comprehension", MORNING.date())
    assert attempt is not None and attempt.hints == 3
