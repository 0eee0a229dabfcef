"""SVG snapshots of the main screens at 80x24, with a fixed clock and a fresh database.

After a deliberate change, look at the report, then update with `pytest --snapshot-update`.
"""

from __future__ import annotations

import math
from datetime import datetime
from types import SimpleNamespace

import pytest

from quiz.settings import Settings
from quiz.tui.app import create_app
from quiz.tui.screens.review import ReviewScreen

NOW = datetime(2025, 3, 4, 9, 30)


class SigmoidChecker:
    """A checker whose verdict is always the same learner mistake: sigmoid mirrored."""

    def start(self):
        pass

    def sandbox_notice(self):
        return None

    def close(self):
        pass

    def check(self, question_id, source):
        xs = [i / 2 for i in range(-12, 13)]
        return SimpleNamespace(
            passed=False,
            checks=[
                SimpleNamespace(name="sigmoid(0)", passed=True, message="0.5", expected=None),
                SimpleNamespace(
                    name="sigmoid(tensor([-2., 2.]))",
                    passed=False,
                    message="values differ",
                    expected="tensor([0.1192, 0.8808])",
                    got="tensor([0.8808, 0.1192])",
                ),
            ],
            error=None,
            output="",
            duration_s=0.2,
            plot={
                "x": xs,
                "expected": [1 / (1 + math.exp(-x)) for x in xs],
                "got": [1 / (1 + math.exp(x)) for x in xs],
                "label": "sigmoid",
            },
        )


async def steady_cursors(pilot) -> None:
    """Stop every cursor blinking, so a snapshot never catches one mid-blink.

    TextArea keys its cache of rendered lines on the blink phase only while blinking, so a
    line drawn in the off phase would be reused without its cursor: the cache is emptied."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    for widget in pilot.app.screen.query("TextArea, Input"):
        widget.cursor_blink = False
        if hasattr(widget, "_line_cache"):
            widget._line_cache.clear()
        widget.refresh()
    await pilot.pause()


@pytest.fixture
def app(tmp_path):
    settings = Settings.from_environment(db_path=tmp_path / "quiz.db")
    return create_app(settings, checker_factory=SigmoidChecker, clock=lambda: NOW)


def test_home(snap_compare, app):
    assert snap_compare(app, terminal_size=(80, 24))


def test_review_recall_revealed(snap_compare, app):
    async def reveal(pilot):
        await pilot.press("enter", *"a grid of pixel numbers", "ctrl+s")
        await steady_cursors(pilot)

    assert snap_compare(app, run_before=reveal, terminal_size=(80, 24))


def test_review_code_verdict_with_plot(snap_compare, app):
    async def practise_sigmoid(pilot):
        app.push_screen(ReviewScreen(cram=app.bank.get("sigmoid")))
        await pilot.pause()
        await pilot.press("ctrl+t", "ctrl+r")
        await app.workers.wait_for_complete()
        await steady_cursors(pilot)

    assert snap_compare(app, run_before=practise_sigmoid, terminal_size=(100, 30))


def test_summary(snap_compare, tmp_path):
    settings = Settings.from_environment(db_path=tmp_path / "quiz.db", new_per_day=2)
    app = create_app(settings, checker_factory=SigmoidChecker, clock=lambda: NOW)

    async def finish(pilot):
        await pilot.press("enter", *"pixels", "ctrl+s", "5")
        await app.workers.wait_for_complete()
        await pilot.press(*"train valid", "ctrl+s", "4")
        await app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(app, run_before=finish, terminal_size=(80, 24))


def test_browse(snap_compare, app):
    async def browse(pilot):
        await pilot.press("b")
        await app.workers.wait_for_complete()
        await pilot.press(*"tensor")
        await steady_cursors(pilot)

    assert snap_compare(app, run_before=browse, terminal_size=(80, 24))


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_review_code_revealed_at_both_sizes(snap_compare, app, size):
    """Our answer's longest code line wraps, and the footer keeps the key that lists the rest."""

    async def reveal(pilot):
        app.push_screen(ReviewScreen(cram=app.bank.get("pixel-similarity")))
        await pilot.pause()
        await pilot.press("ctrl+s")
        await steady_cursors(pilot)
        panel = app.screen.query_one("#panel")
        panel.scroll_end(animate=False)  # down to our answer's code
        await pilot.pause()

    assert snap_compare(app, run_before=reveal, terminal_size=size)


def test_review_code_revealed_in_the_days_queue_at_80x24(snap_compare, app):
    """At 80x24 a revealed code question of the day keeps its key points, the suggestion and
    every grade key with the interval it would set on screen; our answer is a scroll away."""

    async def reveal(pilot):
        await pilot.press("enter", *"a grid of pixel numbers", "ctrl+s", "5")
        await app.workers.wait_for_complete()
        await pilot.press(*"train and valid folders", "ctrl+s", "4")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.question.id == "pixel-similarity"
        await pilot.press("ctrl+s")
        await steady_cursors(pilot)

    assert snap_compare(app, run_before=reveal, terminal_size=(80, 24))
