"""Train: run the reference MNIST trainer in a child process and watch it learn.

The trainer (and torch) never load into the app: the screen starts it as a child process and a
thread worker reads its JSON progress lines, posting them in batches, a few a second at most.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input, Label, Select, Static

from quiz.counts import counted
from quiz.paths import mnist_dir
from quiz.training import (
    MODELS,
    TrainerExit,
    TrainerProcess,
    follow_events,
    trainer_command,
)
from quiz.tui.widgets.line_chart import LineChart
from quiz.tui.widgets.progress_line import ProgressLine


class FormError(ValueError):
    """A choice on the form the trainer would refuse, said in the screen's words."""


def read_form(epochs: str, digits: str) -> tuple[int | None, str]:
    """The epochs and digits as the trainer takes them; FormError says what is wrong."""
    count = int(epochs) if epochs.strip() else None
    if count is not None and not 1 <= count <= 999:
        raise FormError("Epochs must be a whole number from 1 up, or empty for the default.")
    chosen = [part for part in digits.replace(" ", "").split(",") if part]
    if chosen:
        if not all(part.isdigit() and len(part) == 1 for part in chosen):
            raise FormError("Digits are single figures from 0 to 9, separated by commas: 3,7.")
        if len(set(chosen)) != len(chosen) or len(chosen) < 2:
            raise FormError("Choose two or more different digits, such as 3,7, or leave it empty.")
    return count, ",".join(chosen)


def plain_failure(ending: TrainerExit) -> str:
    """The trainer's last error line, told as this screen would tell it."""
    reason = ending.error.split(": error: ", 1)[-1].strip()
    if "could not download" in reason:
        return (
            f"The MNIST files are not in {mnist_dir()} and could not be downloaded. Put the "
            "four MNIST .gz files there, or start quiz with QUIZ_MNIST_DIR naming a folder "
            "that holds them."
        )
    if "corrupt" in reason:
        return f"{reason.split(';')[0]}. Delete it and start again to download it afresh."
    if not reason:
        return f"The trainer stopped with exit status {ending.returncode}."
    return reason[:1].upper() + reason[1:]


class TrainScreen(Screen[None]):
    """Choose a model and epochs, Start, watch the loss fall; Esc cancels, a second Esc leaves.

    `flags` go to the trainer after the chosen ones (the tests give it a small budget).
    """

    CSS_PATH = "train.tcss"
    BINDINGS = [
        Binding("ctrl+r", "start", "Start"),
        Binding("escape", "cancel", "Cancel"),
        Binding("escape", "back", "Back"),
    ]

    class Progressed(Message):
        def __init__(self, events: list[dict]) -> None:
            super().__init__()
            self.events = events

    class Ended(Message):
        def __init__(self, ending: TrainerExit, done: dict | None, cancelled: bool) -> None:
            super().__init__()
            self.ending = ending
            self.done = done
            self.cancelled = cancelled

    def __init__(self, flags: Sequence[str] = ()) -> None:
        super().__init__()
        self.flags = tuple(flags)
        self.process: TrainerProcess | None = None
        self.cancel = threading.Event()
        self.started_at = 0.0
        self.steps: list[int | None] = []
        """The chart's x values; None between epochs, whose running figures start afresh."""
        self.losses: list[float | None] = []
        self.accuracies: list[float | None] = []
        self.epoch_plotted = 0

    def compose(self) -> ComposeResult:
        form = self.app.train_form
        yield Header()
        with Vertical(id="train"):
            with Horizontal(id="train-form"):
                yield Label("Model", classes="train-label")
                yield Select(
                    [(model, model) for model in MODELS],
                    value=form.get("model", "linear"),
                    allow_blank=False,
                    id="train-model",
                )
                yield Label("Epochs", classes="train-label")
                yield Input(
                    form.get("epochs", ""),
                    placeholder="default",
                    restrict=r"[0-9]*",
                    max_length=3,
                    id="train-epochs",
                )
                yield Label("Digits", classes="train-label")
                yield Input(
                    form.get("digits", ""),
                    placeholder="all ten",
                    restrict=r"[0-9, ]*",
                    id="train-digits",
                )
                yield Button("Start", id="train-start", variant="primary")
            yield Static(id="train-status")
            yield ProgressLine(id="train-progress")
            yield Static(id="train-figures")
            yield LineChart([], [], [], legend=("loss", "train accuracy", "both"), id="train-chart")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Train"
        self.query_one("#train-chart").border_title = "Loss and training accuracy by step"
        self.say("Choose a model and press Start. Empty epochs: the model's own default.")

    def say(self, markup: str, **values: str) -> None:
        self.query_one("#train-status", Static).update(Content.from_markup(markup, **values))

    @property
    def running(self) -> bool:
        return self.process is not None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("start", "back"):
            return not self.running
        if action == "cancel":
            return self.running
        return True

    # Starting and following a run

    @on(Input.Submitted)
    def next_field(self) -> None:
        """Enter in a field moves on; only the Start button (or ctrl+r) starts a run."""
        self.focus_next()

    @on(Input.Changed)
    @on(Select.Changed)
    def remember_form(self) -> None:
        """The choices stay for the rest of the app's session, as the learner left them."""
        self.app.train_form.update(
            model=str(self.query_one("#train-model", Select).value),
            epochs=self.query_one("#train-epochs", Input).value,
            digits=self.query_one("#train-digits", Input).value,
        )

    @on(Button.Pressed, "#train-start")
    def action_start(self) -> None:
        if self.running:
            return
        model = str(self.query_one("#train-model", Select).value)
        try:
            epochs, digits = read_form(
                self.query_one("#train-epochs", Input).value,
                self.query_one("#train-digits", Input).value,
            )
        except FormError as exc:
            self.say("[b $error]$reason[/]", reason=str(exc))
            return
        command = trainer_command(model, epochs=epochs, digits=digits, flags=self.flags)
        try:
            process = TrainerProcess(command)
        except OSError as exc:
            self.say("[b $error]Could not start the trainer:[/] $reason", reason=str(exc))
            return
        self.process, self.cancel = process, threading.Event()
        self.started_at = time.monotonic()
        self.steps, self.losses, self.accuracies = [], [], []
        self.query_one(LineChart).plot([], [], [])
        self.query_one("#train-figures", Static).update("")
        self.show_progress_of(0, 1)
        self.say("Starting [b]$model[/]: loading MNIST (downloaded on first use)…", model=model)
        self.query_one("#train-form").disabled = True
        self.refresh_bindings()
        self.follow(process, self.cancel)

    @work(thread=True, exclusive=True, group="train")
    def follow(self, process: TrainerProcess, cancel: threading.Event) -> None:
        post = self.post_message
        done = follow_events(process.lines, cancel, lambda batch: post(self.Progressed(batch)))
        ending = process.wait()
        self.post_message(self.Ended(ending, done, cancel.is_set()))

    @on(Progressed)
    def show_events(self, message: Progressed) -> None:
        if self.cancel.is_set():
            return
        latest = None
        for event in message.events:
            kind = event.get("event")
            if kind == "start":
                self.show_start(event)
            elif kind == "step":
                self.add_point(event)
                latest = event
        if latest is None:
            return
        epochs, steps = latest["epochs"], latest["steps"]
        self.show_progress_of(self.steps[-1], epochs * steps)
        self.query_one("#train-figures", Static).update(
            Content.from_markup(
                "epoch [b]$epoch[/] · step $step · loss [b $warning]$loss[/] · "
                "train accuracy [b $success]$accuracy[/] · $seconds",
                epoch=f"{latest['epoch']}/{epochs}",
                step=f"{latest['step']}/{steps}",
                loss=f"{latest['loss']:.4f}",
                accuracy=f"{latest['accuracy']:.2%}",
                seconds=f"{time.monotonic() - self.started_at:.1f} s",
            )
        )
        self.query_one(LineChart).plot(self.steps, self.losses, self.accuracies)

    def add_point(self, step: dict) -> None:
        """A step's figures for the chart, after a gap if they begin a new epoch."""
        if self.steps and step["epoch"] != self.epoch_plotted:
            for series in (self.steps, self.losses, self.accuracies):
                series.append(None)
        self.epoch_plotted = step["epoch"]
        self.steps.append((step["epoch"] - 1) * step["steps"] + step["step"])
        self.losses.append(step["loss"])
        self.accuracies.append(step["accuracy"])

    def show_start(self, event: dict) -> None:
        if event["steps"]:
            plan = counted(event["epochs"], "epoch")
            plan += f" of {event['steps']} steps"
        else:
            plan = "one pass to average each digit, no steps"
        self.say(
            "Training [b]$model[/] on $device: $images images, $plan.",
            model=event["model"],
            device=event["device"],
            images=f"{event['train_images']:,}",
            plan=plan,
        )

    def show_progress_of(self, done: int, total: int) -> None:
        progress = self.query_one(ProgressLine)
        progress.done, progress.total = done, max(1, total)

    @on(Ended)
    def show_ending(self, message: Ended) -> None:
        self.process = None
        seconds = f"{time.monotonic() - self.started_at:.1f} s"
        done, ending = message.done, message.ending
        if message.cancelled:
            self.say(
                "[b $warning]Cancelled[/] after $seconds. Start again, or Esc to go back.",
                seconds=seconds,
            )
        elif ending.returncode == 0 and done is not None:
            self.show_progress_of(1, 1)
            self.say(
                "[b]$model[/]: test accuracy [b $success]$accuracy[/] after $epochs, "
                "$train of training ($seconds in all) on $device.",
                model=done["model"],
                accuracy=f"{done['test_accuracy']:.2%}",
                epochs=counted(done["epochs"], "epoch"),
                train=f"{done['train_seconds']:.1f} s",
                seconds=seconds,
                device=done["device"],
            )
        else:
            self.say("[b $error]$reason[/]", reason=plain_failure(ending))
        self.query_one("#train-form").disabled = False
        self.query_one("#train-start", Button).focus()
        self.refresh_bindings()

    # Leaving

    def stop_run(self) -> None:
        """The reader stops posting and the trainer's process group is signalled."""
        self.cancel.set()
        if self.process is not None:
            self.process.stop()

    def action_cancel(self) -> None:
        self.stop_run()
        self.say("Cancelling…")

    def action_back(self) -> None:
        self.dismiss()

    def on_unmount(self) -> None:
        self.stop_run()  # leaving (or quitting) must not leave a trainer running
