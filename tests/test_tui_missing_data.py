"""Without the MNIST files, a question whose checks need them says how to provide them once,
then waits outside the queue (Home says so) until they are there; it never drills forever."""

from __future__ import annotations

import pytest

from quiz.grader.verdict import GraderError, Verdict
from quiz.settings import Settings
from quiz.store import open_store
from quiz.tui.screens.home import HomeScreen
from quiz.tui.screens.review import ReviewScreen
from quiz.tui.screens.summary import SummaryScreen
from tests.test_tui import SMALL_BANK, FakeChecker, answer_and_grade, make_app, pilot_test, settle

MISSING = "quiz.mnist.MnistMissing: train-images-idx3-ubyte.gz is not in /nowhere"


@pytest.fixture
def small_settings(tmp_path) -> Settings:
    bank = tmp_path / "bank.yaml"
    bank.write_text(SMALL_BANK)
    (tmp_path / "add.py").write_text("def add(a, b):\n    return a + b\n")
    return Settings(bank_path=bank, db_path=tmp_path / "quiz.db", new_per_day=10)


class NoMnistChecker(FakeChecker):
    """Every check stops before the learner's code runs: the MNIST files are missing."""

    def check(self, question_id: str, source: str):
        self.sources.append(source)
        return Verdict(question_id, False, error=GraderError("exception", MISSING))


@pilot_test
async def test_a_question_that_needs_the_files_says_how_then_waits_for_them(
    small_settings, tmp_path, monkeypatch
):
    monkeypatch.setenv("QUIZ_MNIST_DIR", str(tmp_path / "empty"))
    app, _ = make_app(small_settings, NoMnistChecker())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        await answer_and_grade(app, pilot, "Paris on the Seine", "5")
        await answer_and_grade(app, pilot, "Blue, Rayleigh scattering", "5")
        review = app.screen
        assert isinstance(review, ReviewScreen) and review.question.id == "sum"
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        said = str(review.query_one(".verdict-text").render())
        assert "QUIZ_MNIST_DIR" in said and "quiz train" in said
        assert review.attempt.runs == [], "a check that could not run is no try"
        await pilot.press("ctrl+s")
        await pilot.pause()
        key_points = str(review.query_one(".key-points").render())
        assert "the checks could not run here" in key_points
        assert "checks never run" not in key_points
        await pilot.press("2")  # a failing grade: a drill, were it not waiting
        await settle(app, pilot)
        assert isinstance(app.screen, SummaryScreen), "it does not come straight back"
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, HomeScreen)
        line = str(app.screen.query_one("#call-to-action").render())
        assert "1 question (sum) waits for the MNIST files" in line
        assert "QUIZ_MNIST_DIR" in line

    store = open_store(small_settings.db_path)
    assert store.waiting_for_data("small") == {"sum"}
    # The files arrive: the question comes back to the queue.
    data = tmp_path / "mnist"
    data.mkdir()
    for name in ("train-images-idx3", "train-labels-idx1", "t10k-images-idx3", "t10k-labels-idx1"):
        (data / f"{name}-ubyte.gz").write_bytes(b"")
    monkeypatch.setenv("QUIZ_MNIST_DIR", str(data))
    app, _ = make_app(small_settings, NoMnistChecker())
    assert "sum" in [q.id for q in app.session.queue]
    assert store.waiting_for_data("small") == set()
