"""Where the kernel has no Landlock or user namespaces, checks still run and the learner is told.

The sandbox module's switches make it behave as on such a kernel; the answers here are plain
right and wrong ones (and one that writes a file this test made), never hostile ones.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from quiz.bank import load_bank
from quiz.grader import Checker
from quiz.grader.sandbox import NO_LANDLOCK_ENV, NO_NAMESPACES_ENV

REPO_ROOT = Path(__file__).resolve().parent.parent
RIGHT = "def double_odds(nums):\n    return [2 * n for n in nums if n % 2 == 1]\n"
WRONG = "def double_odds(nums):\n    return [n for n in nums if n % 2 == 1]\n"
NOTICE = "checked code runs unconfined"


@pytest.fixture
def no_fences(monkeypatch):
    monkeypatch.setenv(NO_LANDLOCK_ENV, "1")
    monkeypatch.setenv(NO_NAMESPACES_ENV, "1")


def test_without_the_fences_checks_still_pass_fail_and_keep_their_limits(no_fences, tmp_path):
    reached = tmp_path / "reached"
    writes = f"open({str(reached)!r}, 'w').close()\n" + RIGHT
    with Checker(load_bank(REPO_ROOT / "questions.yaml")) as checker:
        assert NOTICE in checker.sandbox_notice()
        assert checker.check("list-comprehension", RIGHT).passed
        assert not checker.check("list-comprehension", WRONG).passed
        endless = "def double_odds(nums):\n    while True:\n        pass\n"
        verdict = checker.check("list-comprehension", endless, time_limit=1)
        assert verdict.error.kind == "timeout"
        assert checker.check("list-comprehension", writes).passed
    assert reached.exists(), "the switch really turns Landlock off"


def test_quiz_check_says_once_that_code_runs_unconfined(no_fences, tmp_path):
    program = Path(sys.executable).with_name("quiz")
    for source, status in ((RIGHT, 0), (WRONG, 1)):
        answer = tmp_path / "answer.py"
        answer.write_text(source)
        proc = subprocess.run(
            [str(program), "check", "list-comprehension", str(answer)],
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert proc.returncode == status, proc.stderr
        assert proc.stderr.count(NOTICE) == 1 and NOTICE not in proc.stdout


def test_quiz_check_says_nothing_where_the_fences_are_up(tmp_path):
    answer = tmp_path / "answer.py"
    answer.write_text(RIGHT)
    program = Path(sys.executable).with_name("quiz")
    proc = subprocess.run(
        [str(program), "check", "list-comprehension", str(answer)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0 and NOTICE not in proc.stderr + proc.stdout


SESSION = """
import asyncio, json, sys
from datetime import datetime
from pathlib import Path

from quiz.settings import Settings
from quiz.tui.app import create_app
from quiz.tui.screens.review import ReviewScreen

wrong, right, db = sys.argv[1], sys.argv[2], Path(sys.argv[3])


async def main():
    app = create_app(Settings.from_environment(db_path=db), clock=lambda: datetime(2025, 3, 4))
    notes, seen = [], {}
    notify = app.notify
    app.notify = lambda message, **options: (notes.append(message), notify(message, **options))
    async with app.run_test(size=(100, 30)) as pilot:
        app.push_screen(ReviewScreen(cram=app.bank.get("list-comprehension")))
        await pilot.pause()
        review = app.screen
        for name, source in (("wrong", wrong), ("right", right)):
            review.answer_area.load_text(source)
            await pilot.press("ctrl+r")
            await app.workers.wait_for_complete()
            await pilot.pause()
            seen[name] = str(review.query_one(".verdict-text").render())
    seen["notes"] = notes
    print(json.dumps(seen))


asyncio.run(main())
"""


def test_the_tui_says_once_when_the_checker_starts_that_code_runs_unconfined(no_fences, tmp_path):
    proc = subprocess.run(
        [sys.executable, "-c", SESSION, WRONG, RIGHT, str(tmp_path / "quiz.db")],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    assert "✗" in seen["wrong"] and "all" in seen["right"], seen
    assert [note for note in seen["notes"] if NOTICE in note] == [
        "Note: this system has no Landlock, so checked code runs unconfined: "
        "it can read and write your files and reach the network."
    ]
