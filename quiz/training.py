"""Runs the reference MNIST trainer that ships in solutions/: in-process for `quiz train`, or as a
child process whose JSON progress lines the TUI follows (torch stays out of the TUI's process).
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from quiz.errors import QuizError
from quiz.paths import mnist_dir, solutions_dir

MODELS = ("pixel-similarity", "linear", "mlp", "cnn")
"""The trainer's --model choices, repeated here so that reading them never imports torch."""


MNIST_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)
"""The four files the trainer and the MNIST questions' checks read."""
MNIST_HOW = (
    "set QUIZ_MNIST_DIR to a folder holding the four MNIST .gz files, "
    "or run `quiz train` once to download them"
)


def mnist_present() -> bool:
    """Whether the MNIST files are where quiz looks (QUIZ_MNIST_DIR, else the cache)."""
    folder = mnist_dir()
    return all((folder / name).is_file() for name in MNIST_FILES)


def run_trainer(argv: list[str]) -> int:
    """`quiz train`: the trainer's own command line, in this process, under quiz's name.

    The trainer imports the modules beside it (trainer_speed.py and the rest), so its folder
    goes on sys.path as when Python runs the file itself; appended, it shadows nothing.
    """
    folder = solutions_dir()
    path = folder / "mnist_trainer.py"
    if not path.is_file():
        raise QuizError(f"{path}: the reference trainer is missing from this installation")
    if str(folder) not in sys.path:
        sys.path.append(str(folder))
    module = importlib.import_module("mnist_trainer")
    return module.main(argv, prog="quiz train")


def trainer_command(
    model: str, epochs: int | None = None, digits: str = "", flags: Sequence[str] = ()
) -> list[str]:
    """The command line that trains `model` and prints its progress as JSON lines."""
    command = [sys.executable, str(solutions_dir() / "mnist_trainer.py"), "--progress", "jsonl"]
    command += ["--data-dir", str(mnist_dir()), "--model", model]
    if epochs is not None:
        command += ["--epochs", str(epochs)]
    if digits:
        command += ["--digits", digits]
    return [*command, *flags]


def follow_events(
    lines: Iterable[str],
    cancel: threading.Event,
    post: Callable[[list[dict]], None],
    every_s: float = 0.1,
) -> dict | None:
    """Hand the JSON events in `lines` to `post` in batches, at most one batch every `every_s`
    (anything but a "step" goes at once); stop when `cancel` is set. Returns the "done" event.

    Lines that are not JSON objects (a stray print) are skipped.
    """
    batch: list[dict] = []
    done = None
    last = -every_s
    for line in lines:
        if cancel.is_set():
            return None
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if not isinstance(event, dict):
            continue
        batch.append(event)
        if event.get("event") == "done":
            done = event
        now = time.monotonic()
        if event.get("event") != "step" or now - last >= every_s:
            post(batch)
            batch, last = [], now
    if batch and not cancel.is_set():
        post(batch)
    return done


@dataclass(frozen=True)
class TrainerExit:
    """How a followed run ended: its exit status, and the last line it wrote to stderr."""

    returncode: int
    error: str


class TrainerProcess:
    """The trainer as a child in a process group of its own, so a cancel reaches all of it.

    Its stderr goes to a temporary file rather than a pipe: nobody has to read it while the
    run goes on, and its last line is the trainer's one-line error when there is one.
    """

    KILL_AFTER_S = 3.0

    def __init__(self, command: Sequence[str]):
        self._stderr = tempfile.TemporaryFile()
        try:
            self.popen = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                text=True,
                start_new_session=True,
            )
        except OSError:
            self._stderr.close()
            raise
        self.stopped = False

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def lines(self) -> Iterable[str]:
        return self.popen.stdout

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Signal the whole process group, unless the child has already been reaped."""
        self.stopped = True
        if self.popen.returncode is None:
            try:
                os.killpg(self.popen.pid, sig)
            except ProcessLookupError:
                pass

    def wait(self) -> TrainerExit:
        """Reap the child (killing its group if it outlives a stop) and read its last error line."""
        try:
            returncode = self.popen.wait(timeout=self.KILL_AFTER_S if self.stopped else None)
        except subprocess.TimeoutExpired:
            self.stop(signal.SIGKILL)
            returncode = self.popen.wait()
        self.popen.stdout.close()
        self._stderr.seek(0)
        text = self._stderr.read().decode("utf-8", "replace")
        self._stderr.close()
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        return TrainerExit(returncode, lines[-1] if lines else "")
