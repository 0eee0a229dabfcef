"""The Train screen's form: what starts a run, what it keeps, and how it says what is wrong."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Select

from quiz.tui.screens.home import HomeScreen
from quiz.tui.screens.train import FormError, TrainScreen, read_form

from .test_tui import make_app, pilot_test
from .test_tui_train import settings  # noqa: F401 - the fixture


def test_the_form_reads_epochs_and_digits_as_the_trainer_takes_them():
    assert read_form("", "") == (None, "")
    assert read_form("3", "3, 7") == (3, "3,7")
    assert read_form("12", "0,1,2,") == (12, "0,1,2")


@pytest.mark.parametrize(
    ("epochs", "digits", "says"),
    [
        ("0", "", "Epochs must be a whole number from 1 up"),
        ("", "3", "two or more different digits"),
        ("", "3,3", "two or more different digits"),
        ("", "3,17", "single figures from 0 to 9"),
    ],
)
def test_a_choice_the_trainer_would_refuse_is_said_plainly(epochs, digits, says):
    with pytest.raises(FormError, match=says):
        read_form(epochs, digits)


@pilot_test
async def test_enter_in_the_form_never_starts_a_run_and_errors_are_the_screens_own(settings):  # noqa: F811
    app, _ = make_app(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("t")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TrainScreen)
        screen.query_one("#train-model", Select).focus()
        await pilot.press("enter")  # opens the model list
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert screen.process is None
        screen.query_one("#train-epochs", Input).focus()
        await pilot.press("0", "enter")
        await pilot.pause()
        assert screen.process is None, "Enter in a field moves on; it never starts a run"
        assert screen.query_one("#train-digits", Input).has_focus
        await pilot.press("ctrl+r")
        await pilot.pause()
        status = str(screen.query_one("#train-status").render())
        assert screen.process is None
        assert "Epochs must be a whole number from 1 up" in status
        assert "mnist_trainer" not in status


@pilot_test
async def test_the_form_keeps_its_choices_while_the_app_runs(settings):  # noqa: F811
    app, _ = make_app(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("t")
        await pilot.pause()
        screen = app.screen
        screen.query_one("#train-model", Select).value = "cnn"
        screen.query_one("#train-epochs", Input).value = "2"
        screen.query_one("#train-digits", Input).value = "3,7"
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("t")
        await pilot.pause()
        again = app.screen
        assert again is not screen
        assert again.query_one("#train-model", Select).value == "cnn"
        assert again.query_one("#train-epochs", Input).value == "2"
        assert again.query_one("#train-digits", Input).value == "3,7"
