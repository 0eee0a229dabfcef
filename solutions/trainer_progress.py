"""What a run of mnist_trainer.py tells its user: a bar on stderr, or JSON events on stdout for a
program to follow (quiz's Train screen), and at the end the one-line JSON summary.

Events, each a dict with an "event": "start", "step"s (at most ten a second), an "epoch" at each
epoch's end, and "done" with the summary's fields.
"""

from __future__ import annotations

import json
import time

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

REPORT_EVERY_S = 0.1  # reading the running figures is a device sync: at most ten a second


class RunReport:
    """Where a run's events and summary go, as --progress and --json say: only rank 0 speaks."""

    def __init__(self, progress: str, summary_only: bool, rank: int):
        self.report = None if rank != 0 or summary_only else make_report(progress)
        self.prints_summary = rank == 0 and progress != "jsonl"

    def __enter__(self):
        if self.report is not None:
            self.report.__enter__()
        return self

    def __exit__(self, *exc_info):
        if self.report is not None:
            self.report.__exit__(*exc_info)

    def started(self, config, runtime, from_epoch: int, steps: int, train_images: int) -> None:
        """The "start" event: what is trained where, from which epoch, in how many steps each."""
        self.event(
            "start",
            model=config.model,
            device=runtime.device.type,
            epochs=config.epochs,
            from_epoch=from_epoch,
            steps=steps,
            train_images=train_images,
        )

    def epoch_done(self, epoch: int, epochs: int, loss: float, accuracy: float, seconds: float):
        """The "epoch" event: an epoch's mean loss and accuracy, and the training time so far."""
        self.event(
            "epoch",
            epoch=epoch,
            epochs=epochs,
            loss=round(loss, 5),
            accuracy=round(accuracy, 5),
            seconds=round(seconds, 3),
        )

    def summary(
        self, options, config, state, runtime, train_images, epochs, train_seconds, warmup_seconds
    ) -> dict:
        """The summary's fields before evaluation: what was trained, where, for how long."""
        summary = {
            "model": config.model,
            "digits": list(config.digits),
            "device": runtime.device.type,
            "epochs": epochs,
            "seed": config.seed,
            "batch_size": config.batch_size,
            "train_images": train_images,
            "world_size": runtime.world_size,
            "compiled": bool(options.compile),
            "cuda_graph": runtime.graphed is not None,
            "train_seconds": round(train_seconds, 3),
            "warmup_seconds": round(warmup_seconds, 3),  # includes choosing the thread count
        } | runtime.described()
        if options.resume:
            summary["resumed_from_epoch"] = state["epoch"]
        return summary

    def event(self, kind: str, **fields) -> None:
        if self.report is not None:
            self.report({"event": kind, **fields})

    def on_step(self, epoch: int, epochs: int, steps: int):
        """The callback for each step of `epoch` (counted from 0); see step_reporter."""
        return step_reporter(self.report, epoch, epochs, steps)

    def done(self, summary: dict) -> None:
        """The "done" event, then the summary as one JSON line on stdout (unless JSON lines
        already carry it)."""
        self.event("done", **summary)
        if self.prints_summary:
            print(json.dumps(summary), flush=True)


def step_reporter(report, epoch: int, epochs: int, steps: int, clock=time.perf_counter):
    """The per-step callback: hand `report` a "step" event with the running loss and accuracy,
    at most every REPORT_EVERY_S of `clock` and at the epoch's last step."""
    if report is None:
        return lambda *_: None
    last = -REPORT_EVERY_S

    def on_step(step, loss_sum, correct, batch):
        nonlocal last
        now = clock()
        if now - last < REPORT_EVERY_S and step != steps - 1:
            return
        last, seen = now, step + 1
        report(
            {
                "event": "step",
                "epoch": epoch + 1,
                "epochs": epochs,
                "step": seen,
                "steps": steps,
                "loss": round(loss_sum.item() / seen, 5),
                "accuracy": round(correct.item() / (seen * batch), 5),
            }
        )

    return on_step


class ProgressBar:
    """Shows progress events as a bar per epoch on stderr; off a terminal, a line per epoch."""

    def __init__(self):
        self.console = Console(stderr=True)
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(),
            console=self.console,
            disable=not self.console.is_terminal,
        )
        self.bars: dict[int, TaskID] = {}

    def __enter__(self):
        self.progress.start()
        return self

    def __exit__(self, *exc_info):
        self.progress.stop()

    def __call__(self, event: dict) -> None:
        kind, epoch = event["event"], event.get("epoch")
        if kind == "step":
            if epoch not in self.bars:
                title = f"epoch {epoch}/{event['epochs']}"
                self.bars[epoch] = self.progress.add_task(title, total=event["steps"], status="")
            status = f"loss {event['loss']:.4f}  acc {event['accuracy']:.2%}"
            self.progress.update(self.bars[epoch], completed=event["step"], status=status)
        elif kind == "epoch" and self.progress.disable:
            self.console.print(
                f"epoch {epoch}/{event['epochs']}: loss {event['loss']:.4f}, "
                f"train accuracy {event['accuracy']:.2%}",
                highlight=False,
            )
        elif kind == "done":
            held_out = "val" if "val_accuracy" in event else "test"
            self.console.print(
                f"{event['model']}: {held_out} accuracy {event[f'{held_out}_accuracy']:.2%} after "
                f"{event['epochs']} epoch{'' if event['epochs'] == 1 else 's'}, "
                f"{event['train_seconds']:.1f} s of training "
                f"on {event['device']}",
                highlight=False,
            )


class JsonLines:
    """Prints progress events on stdout, one JSON object a line, for a program to follow."""

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return None

    def __call__(self, event: dict) -> None:
        print(json.dumps(event), flush=True)


def make_report(kind: str):
    """The --progress reporter: "bar" (ProgressBar) or "jsonl" (JsonLines)."""
    return JsonLines() if kind == "jsonl" else ProgressBar()
