"""The Train screen and the trainer's JSON progress stream, with real trainer runs on real MNIST.

Runs use the subset of the real files in tests/data/mnist-subset (2,000 training images) and are
tiny (a linear model) or cancelled early, so the file takes seconds and runs on a bare clone.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import pytest

from quiz.settings import Settings
from quiz.training import follow_events
from quiz.tui.screens.home import HomeScreen
from quiz.tui.screens.train import TrainScreen
from quiz.tui.widgets.line_chart import LineChart
from quiz.tui.widgets.progress_line import ProgressLine

from .conftest import DATA, REPO_ROOT
from .test_tui import SMALL_BANK, make_app, pilot_test

TRAINER = REPO_ROOT / "solutions" / "mnist_trainer.py"
SUBSET = DATA / "mnist-subset"
SMALL_RUN = ("--device", "cpu")


@pytest.fixture
def settings(tmp_path, monkeypatch) -> Settings:
    monkeypatch.setenv("QUIZ_MNIST_DIR", str(SUBSET))  # the Train screen trains on the subset
    bank = tmp_path / "bank.yaml"
    bank.write_text(SMALL_BANK)
    (tmp_path / "add.py").write_text("def add(a, b):\n    return a + b\n")
    return Settings(bank_path=bank, db_path=tmp_path / "quiz.db", new_per_day=10)


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector).render())


async def wait_until(pilot, condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.05)


async def open_train(app, pilot, flags=SMALL_RUN) -> TrainScreen:
    await pilot.press("t")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, TrainScreen)
    screen.flags = flags
    return screen


def test_the_trainer_streams_json_events_that_end_each_epoch_on_its_last_step():
    result = subprocess.run(
        [sys.executable, str(TRAINER), "--model", "linear", "--epochs", "2", *SMALL_RUN,
         "--data-dir", str(SUBSET), "--progress", "jsonl"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip

    assert result.returncode == 0 and result.stderr == "", result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    kinds = [event["event"] for event in events]
    assert kinds[0] == "start" and kinds[-1] == "done" and kinds.count("epoch") == 2
    start, done = events[0], events[-1]
    assert start["steps"] == 2000 // 128 and start["epochs"] == 2
    steps = [event for event in events if event["event"] == "step"]
    for earlier, later in zip(steps, steps[1:], strict=False):  # the bar only moves forward
        assert (earlier["epoch"], earlier["step"]) < (later["epoch"], later["step"])
    ends = [index for index, kind in enumerate(kinds) if kind == "epoch"]
    for epoch, end in enumerate(ends, start=1):  # each epoch's last step comes just before it
        assert events[end]["epoch"] == epoch
        last = events[end - 1]
        assert (last["event"], last["epoch"], last["step"]) == ("step", epoch, start["steps"])
    assert all(0 <= event["accuracy"] <= 1 and event["loss"] > 0 for event in steps)
    assert done["model"] == "linear" and done["epochs"] == 2 and done["test_accuracy"] > 0.7


def test_follow_events_batches_steps_and_passes_the_rest_at_once():
    lines = [json.dumps({"event": "step", "step": n}) + "\n" for n in range(1, 201)]
    lines += ["not json\n", json.dumps({"event": "epoch"}) + "\n", json.dumps({"event": "done"})]
    batches: list[list[dict]] = []

    done = follow_events(lines, threading.Event(), batches.append, every_s=60)

    assert done == {"event": "done"}
    assert len(batches) == 3  # the first step, then the rest up to the epoch, then done
    assert [e.get("step") for batch in batches for e in batch][:200] == list(range(1, 201))
    assert batches[1][-1] == {"event": "epoch"}


@pilot_test
async def test_a_small_run_shows_progress_the_chart_and_the_test_accuracy(settings):
    app, _ = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_train(app, pilot)
        screen.query_one("#train-epochs").value = "1"
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert "Starting linear" in text_of(screen, "#train-status")
        await wait_until(pilot, lambda: screen.process is None)
        await app.workers.wait_for_complete()
        await pilot.pause()

        status = text_of(screen, "#train-status")
        assert "linear: test accuracy" in status and "after 1 epoch," in status, status
        assert "step 15/15" in text_of(screen, "#train-figures")
        progress = screen.query_one(ProgressLine)
        assert progress.done == progress.total
        chart = screen.query_one(LineChart)
        assert chart.x[-1] == 15 and len(chart.x) == len(chart.got) >= 2
        assert "loss" in str(chart.render())


@pilot_test
async def test_esc_cancels_the_run_and_kills_the_trainer_then_leaves(settings):
    app, _ = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_train(app, pilot, flags=("--device", "cpu"))
        screen.query_one("#train-model").value = "cnn"
        screen.query_one("#train-epochs").value = "100"  # far more than the test waits for
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: screen.steps)  # training, not still loading
        pid = screen.process.pid

        await pilot.press("escape")
        await wait_until(pilot, lambda: screen.process is None, timeout=20)
        await app.workers.wait_for_complete()
        await pilot.pause()

        assert "Cancelled" in text_of(screen, "#train-status")
        with pytest.raises(ProcessLookupError):
            os.killpg(pid, 0)  # neither the trainer nor anything in its group is left
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


@pilot_test
async def test_missing_mnist_files_show_the_trainers_one_line_error(
    settings, tmp_path, monkeypatch
):
    empty = tmp_path / "no-mnist-here"
    empty.mkdir()
    monkeypatch.setenv("QUIZ_MNIST_DIR", str(empty))
    # A proxy nobody listens on makes the trainer's download fail at once, network or not.
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    monkeypatch.setenv("https_proxy", "http://127.0.0.1:9")
    app, _ = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_train(app, pilot)
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: screen.process is None)
        await app.workers.wait_for_complete()
        await pilot.pause()

        status = " ".join(text_of(screen, "#train-status").split())
        assert status.startswith(f"The MNIST files are not in {empty} and could not be downloaded")
        assert "QUIZ_MNIST_DIR" in status
        assert "mnist_trainer.py" not in status and "--data-dir" not in status
        assert not screen.query_one("#train-form").disabled


def test_the_train_screen_never_loads_torch():
    code = "import sys, quiz.tui.screens.train; print('torch' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"
