"""mnist_trainer.py as a program: its flags and the settings they make, the run set up around
the trainer's train_and_evaluate (device, data, processes, progress), and how a run ends (the
exit status, and one line on stderr for a mistake a person can fix)."""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections.abc import Callable
from pathlib import Path

import trainer_ddp as ddp
from trainer_checkpoints import load_checkpoint
from trainer_data import load_data
from trainer_progress import RunReport
from trainer_speed import Runtime

from quiz import mnist
from quiz.errors import QuizError
from quiz.mnist import MnistMissing


def main(
    train_and_evaluate: Callable,
    config_type: type,
    model_defaults: dict,
    argv: list[str] | None = None,
    prog: str | None = None,
) -> int:
    """Parse `argv`, run the trainer's `train_and_evaluate` as they say, and return the exit
    status (2 for a mistake a person can fix, 130 when interrupted)."""
    parser = build_parser(prog, tuple(model_defaults))
    try:
        options = parser.parse_args(argv)
        if options.json and options.progress == "jsonl":
            parser.error("--json and --progress jsonl: choose one")
        if options.resume or options.eval:
            fixed = set(given_settings(options, config_type))
            fixed -= {"epochs"} if options.resume else set()
            if fixed:
                flags = ", ".join("--" + name.replace("_", "-") for name in sorted(fixed))
                parser.error(f"{flags}: a checkpoint keeps its own settings")
    except SystemExit as exit_:  # argparse has printed its usage error (or --help)
        return int(exit_.code or 0)
    try:
        run(options, train_and_evaluate, config_type, model_defaults)
        return 0
    except MnistMissing as error:  # the trainer reads another folder when told to
        print(f"{parser.prog}: error: {error} or pass --data-dir", file=sys.stderr)
        return 2
    except QuizError as error:
        print(f"{parser.prog}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{parser.prog}: interrupted", file=sys.stderr)
        return 130


def run(options, train_and_evaluate: Callable, config_type: type, model_defaults: dict) -> dict:
    """Train (or resume, or only evaluate) as the parsed flags say; rank 0 prints the summary."""
    runtime = Runtime.for_flags(options.device, options.threads)
    state, config = settings(options, config_type, model_defaults)
    start = time.perf_counter()
    train, test = load_data(options.data_dir or mnist.default_folder(), config, runtime.device)
    data_seconds = time.perf_counter() - start  # the first use of an accelerator starts it
    with ddp.joined(runtime):
        with RunReport(options.progress, options.json, runtime.rank) as report:
            summary = train_and_evaluate(options, config, state, runtime, train, test, report)
        summary["data_seconds"] = round(data_seconds, 3)
        report.done(summary)
    return summary


def settings(options: argparse.Namespace, config_type: type, model_defaults: dict):
    """(checkpoint state or None, Config): a checkpoint's settings (with --epochs when
    resuming), or Config defaults, then the model's own defaults, then the flags given."""
    if options.resume or options.eval:
        state, config = load_checkpoint(Path(options.resume or options.eval), config_type)
        if options.resume and options.epochs is not None:
            config = dataclasses.replace(config, epochs=options.epochs)
        return state, config
    model = options.model or "cnn"
    given = given_settings(options, config_type)
    return None, config_type(**model_defaults[model] | given | {"model": model})


def given_settings(options: argparse.Namespace, config_type: type) -> dict:
    """The Config fields set by flags on this command line."""
    names = (field.name for field in dataclasses.fields(config_type))
    return {
        name: getattr(options, name) for name in names if getattr(options, name, None) is not None
    }


def _digits(text: str) -> tuple[int, ...]:
    try:
        digits = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a comma-separated list of digits"
        ) from None
    if len(set(digits)) != len(digits) or len(digits) < 2 or not all(0 <= d <= 9 for d in digits):
        raise argparse.ArgumentTypeError(f"{text!r}: give two or more different digits from 0 to 9")
    return digits


def _threads(text: str) -> int | str:
    return text if text == "auto" else _positive(int)(text)


def _positive(kind):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{text!r} must be above zero")
        return value

    return parse


def build_parser(prog: str | None, models) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Train an MNIST classifier; print one JSON line with its test accuracy.",
        epilog="Several processes: torchrun --nproc-per-node=N mnist_trainer.py [flags] (DDP).",
    )
    add = parser.add_argument
    add("--model", choices=models, help="what to train (default: cnn)")
    add("--digits", type=_digits, help="digits to tell apart, e.g. 3,7 (default: all ten)")
    add("--epochs", type=_positive(int), help="passes over the training set")
    add("--batch-size", type=_positive(int), help="images per step, across all processes")
    add("--lr", type=_positive(float), help="peak learning rate of the one-cycle schedule")
    add("--width", type=_positive(int), help="channels of the CNN's first block (default 16)")
    add("--shift", type=int, choices=range(5), help="random translation in pixels (default 0)")
    add("--label-smoothing", type=float, help="cross-entropy label smoothing")
    add("--weight-decay", type=float, help="L2 penalty on weights (not biases or BatchNorm)")
    add("--distance", choices=("l1", "l2"), help="pixel-similarity: l1 (default) or l2 (RMSE)")
    add("--limit-train", type=_positive(int), metavar="N", help="train on the first N images")
    add("--seed", type=int, help="seed for initialisation, shuffling and augmentation")
    add(
        "--device",
        default="auto",
        choices=("auto", "cpu", "cuda", "mps"),
        help="where to train (default: an available accelerator, else the CPU)",
    )
    add(
        "--threads",
        type=_threads,
        default="auto",
        help="CPU threads; auto (default): times a few steps on every available CPU and on one, "
        "and keeps the faster, so a busy machine does not slow the run down",
    )
    add(
        "--val",
        dest="validation",
        action="store_true",
        default=None,
        help="train on the first 50,000 training images and report accuracy on the last 10,000 "
        "(the split the defaults were chosen on); the test set is not read",
    )
    add("--compile", action="store_true", help="torch.compile the step (CUDA graphs on CUDA)")
    add(
        "--eager",
        action="store_true",
        help="on CUDA, launch each kernel from Python instead of replaying the whole step as one "
        "captured CUDA graph (the default there, without --compile)",
    )
    add("--data-dir", type=Path, help="folder of the four MNIST .gz files (default: cache)")
    add("--save", metavar="PATH", help="write a checkpoint after every epoch")
    exclusive = parser.add_mutually_exclusive_group()
    exclusive.add_argument("--resume", metavar="PATH", help="continue a checkpoint's training")
    exclusive.add_argument("--eval", metavar="PATH", help="only evaluate a checkpoint")
    add("--json", action="store_true", help="print only the JSON summary line")
    add(
        "--progress",
        choices=("bar", "jsonl"),
        default="bar",
        help="bar: a bar on stderr (default); jsonl: JSON events on stdout, the summary last",
    )
    return parser
