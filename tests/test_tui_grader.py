"""A coding question through the real grader, in a fresh interpreter that must never load torch."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("quiz.grader", reason="the grader is not in this checkout")

# The seed's learner: arange(1, 9) has eight numbers, and [:1][:1] slices rows twice.
SEED_ANSWER = """\
import torch

t = torch.arange(1, 9).view(3, 3)
doubled = t * 2
bottom_right = doubled[:1][:1]
"""
RIGHT_ANSWER = """\
import torch

t = torch.arange(1, 10).view(3, 3)
doubled = t * 2
bottom_right = doubled[1:, 1:]
"""

SESSION = """
import asyncio, json, sys
from datetime import datetime
from pathlib import Path

from quiz.settings import Settings
from quiz.store import open_store
from quiz.tui.app import create_app
from quiz.tui.screens.review import ReviewScreen

wrong, right, db = sys.argv[1], sys.argv[2], Path(sys.argv[3])


async def main():
    settings = Settings.from_environment(db_path=db)
    app = create_app(settings, clock=lambda: datetime(2025, 3, 4, 9, 30))
    seen = {}
    async with app.run_test(size=(100, 30)) as pilot:
        app.push_screen(ReviewScreen(cram=app.bank.get("tensor-3x3")))
        await pilot.pause()
        review = app.screen
        for name, source in (("wrong", wrong), ("right", right)):
            review.answer_area.load_text(source)
            await pilot.press("ctrl+r")
            await app.workers.wait_for_complete()
            await pilot.pause()
            seen[name] = str(review.query_one(".verdict-text").render())
            seen[name + "_line"] = review.answer_area.cursor_location[0] + 1
        await pilot.press("ctrl+s")
        await pilot.pause()
        seen["suggested"] = review.attempt.suggested
        await pilot.press("enter")
        await app.workers.wait_for_complete()
    seen["torch"] = "torch" in sys.modules
    seen["rows"] = open_store(db).db.execute(
        "SELECT question_id, grade, kind, check_runs, first_run_passed FROM reviews"
    ).fetchall()
    print(json.dumps(seen))


asyncio.run(main())
"""


def test_tensor_3x3_wrong_then_right_through_the_real_checker(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-c", SESSION, SEED_ANSWER, RIGHT_ANSWER, str(tmp_path / "quiz.db")],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    assert "✗" in seen["wrong"] and "line 3" in seen["wrong"], seen["wrong"]
    assert seen["wrong_line"] == 3, "the editor's cursor goes to the failing line"
    assert "all" in seen["right"] and "checks passed" in seen["right"], seen["right"]
    assert seen["suggested"] == 4, "passed after one failed run"
    assert seen["rows"] == [["tensor-3x3", 4, "cram", 2, 0]]
    assert seen["torch"] is False, "the TUI process never imports torch"


MISSING_DATA_SESSION = """
import asyncio, json, sys
from datetime import datetime
from pathlib import Path

from quiz.settings import Settings
from quiz.tui.app import create_app
from quiz.tui.screens.review import ReviewScreen


async def main():
    settings = Settings.from_environment(db_path=Path(sys.argv[2]))
    app = create_app(settings, clock=lambda: datetime(2025, 3, 4, 9, 30))
    async with app.run_test(size=(100, 30)) as pilot:
        app.push_screen(ReviewScreen(cram=app.bank.get("pixel-similarity")))
        await pilot.pause()
        review = app.screen
        review.answer_area.load_text(sys.argv[1])
        await pilot.press("ctrl+r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = str(review.query_one(".verdict-text").render())
        print(json.dumps({"text": text, "runs": len(review.attempt.runs)}))


asyncio.run(main())
"""


def test_missing_mnist_files_say_cannot_check_and_how_to_get_them(tmp_path):
    empty = tmp_path / "no-mnist"
    empty.mkdir()
    answer = "def mnist_distance(a, b):\n    return (a - b).abs().mean((-1, -2))\n"
    proc = subprocess.run(
        [sys.executable, "-c", MISSING_DATA_SESSION, answer, str(tmp_path / "quiz.db")],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "QUIZ_MNIST_DIR": str(empty)},
    )
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    text = " ".join(seen["text"].split())
    assert "cannot check here" in text and "missing MNIST files" in text, text
    assert f"{empty}/train-images-idx3-ubyte.gz is missing" in text, text
    assert "`quiz train` downloads them" in text and "DataError" not in text, text
    assert seen["runs"] == 0, "a check that could not run is not counted as a try"
