"""Figures for the reference MNIST trainer (solutions/mnist_trainer.py); prints, never judges.

- tune: the settings the CNN's defaults were chosen from, each scored on the validation split
  (`--val`: trained on the first 50,000 training images, measured on the last 10,000; the test
  set is never read);
- cnn: the default CNN over several seeds, each run as a user runs it (a fresh process): test
  accuracy, training time, warm-up (choosing threads) and the whole command's wall time;
- examples: pytorch/examples' MNIST recipe, written here from its description, beside our default:
  the time each takes to reach 99% test accuracy;
- contention: the default (threads chosen by measuring) beside 1 and 2 threads while a competing
  CPU-bound process runs;
- pixel similarity on 3 vs 7 and on all ten digits, the linear model and the MLP.

Training time counts training only, never data loading, warm-up or evaluation; the whole
command's time counts everything from starting Python to the summary line.

    python benchmarks/trainer.py                     # everything (about 10 minutes on 2 cores)
    python benchmarks/trainer.py --only cnn contention
    python benchmarks/trainer.py --only examples --examples-epochs 3
    python benchmarks/trainer.py --only cnn --against /tmp/old_trainer.py   # a ratio, one run

The full MNIST files come from --data-dir, else where the trainer looks (QUIZ_MNIST_DIR or the
user cache).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from quiz import mnist

ROOT = Path(__file__).resolve().parent.parent
TRAINER = ROOT / "solutions" / "mnist_trainer.py"
SECTIONS = ("tune", "cnn", "examples", "contention", "pixels", "linear", "mlp")
TARGET = 0.99

TUNE_SEEDS = (10, 11, 12)  # not the seeds the cnn section reports on test


# The trainer imports the modules beside it, as when Python runs the file.
sys.path.append(str(TRAINER.parent))
trainer = importlib.import_module("mnist_trainer")
trainer_speed = importlib.import_module("trainer_speed")
default_layout = trainer.build_model


# ----------------------------------------------------------------------------- layouts tried


def padded_pooled_block(channels_in: int, channels_out: int) -> nn.Sequential:
    """A padded 3x3 convolution, 2x2 max-pooling, BatchNorm, ReLU: the image only halves."""
    return nn.Sequential(
        nn.Conv2d(channels_in, channels_out, 3, padding=1, bias=False),
        nn.MaxPool2d(2),
        nn.BatchNorm2d(channels_out),
        nn.ReLU(inplace=True),
    )


def pooled_everywhere(config) -> nn.Module:
    """The earlier default: padded blocks throughout, 28 -> 14 -> 7 -> 3."""
    w = config.width
    return nn.Sequential(
        padded_pooled_block(1, w),
        padded_pooled_block(w, 2 * w),
        padded_pooled_block(2 * w, 4 * w),
        nn.Flatten(),
        nn.Linear(4 * w * 3 * 3, 10),
    )


def pooled_first(config) -> nn.Module:
    """A padded, pooled first block, then the default's unpadded ones: 28 -> 14 -> 6 -> 2."""
    w = config.width
    return nn.Sequential(
        padded_pooled_block(1, w),
        trainer.conv_block(w, 2 * w),
        trainer.conv_block(2 * w, 4 * w),
        nn.Flatten(),
        nn.Linear(4 * w * 2 * 2, 10),
    )


def strided_3x3_first(config) -> nn.Module:
    """As the default, with a 3x3 strided convolution (padding 1) in place of its 4x4 one."""
    model = default_layout(config)
    model[0][0] = nn.Conv2d(1, config.width, 3, stride=2, padding=1, bias=False)
    return model


# What the CNN's defaults were chosen from: one epoch each, scored on the validation split.
# A layout of None is the trainer's own.
TUNE_GRID = (
    ("earlier layout, padded and pooled blocks, lr 0.4", ("--lr", "0.4"), pooled_everywhere),
    ("pooled first block, unpadded blocks after, lr 0.4", ("--lr", "0.4"), pooled_first),
    ("3x3 strided first block, lr 0.4", ("--lr", "0.4"), strided_3x3_first),
    ("4x4 strided first block, lr 0.2", ("--lr", "0.2"), None),
    ("4x4 strided first block, lr 0.25", ("--lr", "0.25"), None),
    ("4x4 strided first block, lr 0.3 (chosen: the default)", ("--lr", "0.3"), None),
    ("4x4 strided first block, lr 0.4", ("--lr", "0.4"), None),
)


@contextlib.contextmanager
def layout(build):
    """While inside, the trainer builds its CNN with `build` (None: its own layout)."""
    own = trainer.build_model
    if build is not None:
        trainer.build_model = build
    try:
        yield
    finally:
        trainer.build_model = own


def run_in_process(*flags: str) -> dict:
    """One in-process run of the trainer's command line; its JSON summary."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = trainer.main([*flags, "--json"])
    if status != 0:
        raise SystemExit(f"trainer {' '.join(flags)} exited {status}")
    return json.loads(out.getvalue().strip().splitlines()[-1])


def run_command(*flags: str, trainer_path: Path = TRAINER) -> dict:
    """The trainer as a user runs it, in a fresh process; its summary plus the wall time and
    the CPU time the process used (which others' load on a shared machine inflates less)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, str(trainer_path), *flags, "--json"], capture_output=True, text=True
    )
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    if result.returncode != 0:
        raise SystemExit(f"trainer {' '.join(flags)} exited {result.returncode}: {result.stderr}")
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    return summary | {"command_seconds": seconds, "cpu_seconds": cpu}


def machine_line() -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"torch {torch.__version__}, {trainer_speed.cpus_available()} CPUs available, "
        f"load average {load} (this machine is shared: other people's jobs run beside these)"
    )


# ----------------------------------------------------------------------------- pytorch/examples


class ExamplesNet(nn.Module):
    """pytorch/examples' MNIST network, from its description: two 3x3 convolutions (32 and 64
    channels), 2x2 max-pooling, dropout 0.25, a 128-unit linear layer, dropout 0.5, log-softmax."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = torch.relu(self.conv1(x))
        x = torch.relu(self.conv2(x))
        x = self.dropout1(torch.max_pool2d(x, 2)).flatten(1)
        x = self.dropout2(torch.relu(self.fc1(x)))
        return torch.log_softmax(self.fc2(x), dim=1)


class PerSampleMNIST(Dataset):
    """Each item one normalised (1, 28, 28) image and its label, as torchvision's MNIST gives them
    (from a tensor here rather than through PIL)."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor):
        self.images, self.labels = images, labels

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int):
        image = self.images[i].float().div(255).sub(trainer.PIXEL_MEAN).div(trainer.PIXEL_STD)
        return image.unsqueeze(0), int(self.labels[i])


def examples_time_to_target(data_dir: Path, max_epochs: int, seed: int) -> list[tuple]:
    """Train pytorch/examples' recipe (Adadelta lr 1.0, StepLR gamma 0.7, batch 64 from a
    shuffling per-sample DataLoader) and measure test accuracy after every epoch, as the example
    does, until it reaches TARGET; returns [(epoch, accuracy, training seconds so far)]."""
    torch.manual_seed(seed)
    train_images, train_labels = mnist.load_split(data_dir, "train")
    test_images, test_labels = mnist.load_split(data_dir, "test")
    loader = DataLoader(PerSampleMNIST(train_images, train_labels), batch_size=64, shuffle=True)
    model = ExamplesNet()
    optimizer = torch.optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)
    seconds, history = 0.0, []
    for epoch in range(1, max_epochs + 1):
        model.train()
        start = time.perf_counter()
        for images, labels in loader:
            optimizer.zero_grad()
            loss = nn.functional.nll_loss(model(images), labels)
            loss.backward()
            optimizer.step()
        scheduler.step()
        seconds += time.perf_counter() - start
        accuracy = trainer.evaluate(model, test_images, test_labels)
        history.append((epoch, accuracy, seconds))
        print(f"  examples epoch {epoch}: test accuracy {accuracy:.2%}, {seconds:.1f} s so far")
        if accuracy >= TARGET:
            break
    return history


# ----------------------------------------------------------------------------- sections


def tune(data_flags: list[str]) -> None:
    print(f"Tuning on the validation split (--val), one epoch, seeds {TUNE_SEEDS}:")
    for label, flags, build in TUNE_GRID:
        with layout(build):
            runs = [
                run_in_process("--val", "--seed", str(seed), *flags, *data_flags)
                for seed in TUNE_SEEDS
            ]
        accuracy = [r["val_accuracy"] for r in runs]
        seconds = [r["train_seconds"] for r in runs]
        print(
            f"  {label}: validation accuracy {' '.join(f'{a:.2%}' for a in accuracy)} "
            f"(min {min(accuracy):.2%}); training {' '.join(f'{s:.1f}' for s in seconds)} s"
        )


def cnn_seeds(seeds: int, data_flags: list[str], against: Path | None = None) -> list[dict]:
    """The default CNN once per seed, each run a fresh process. With `against` (another copy of
    the trainer, such as an earlier version), each seed runs both, alternating which goes first,
    so that the machine's changing load falls on both alike and their ratio means something."""
    trainers = {"this trainer": TRAINER} | ({str(against): against} if against else {})
    print(f"Default CNN, {seeds} seeds, each a fresh `python <trainer>`: {', '.join(trainers)}")
    runs: dict[str, list[dict]] = {label: [] for label in trainers}
    for seed in range(1, seeds + 1):
        order = list(trainers.items())
        for label, path in order if seed % 2 else reversed(order):
            run = run_command("--seed", str(seed), *data_flags, trainer_path=path)
            runs[label].append(run)
            print(
                f"  {label}, seed {seed}: test accuracy {run['test_accuracy']:.2%} after "
                f"{run['epochs']} epoch; training {run['train_seconds']:.1f} s on "
                f"{run['threads']} thread(s), warm-up {run['warmup_seconds']:.2f} s, whole "
                f"command {run['command_seconds']:.1f} s using {run['cpu_seconds']:.1f} s of CPU; "
                f"load average {os.getloadavg()[0]:.2f}"
            )
    for label, done in runs.items():
        accuracy = [r["test_accuracy"] for r in done]
        training = [r["train_seconds"] for r in done]
        command = [r["command_seconds"] for r in done]
        cpu = [r["cpu_seconds"] for r in done]
        print(
            f"  {label}: test accuracy min {min(accuracy):.2%}, max {max(accuracy):.2%}, "
            f"{sum(a >= TARGET for a in accuracy)} of {len(done)} at >= 99%; training median "
            f"{statistics.median(training):.1f} s (min {min(training):.1f}, "
            f"max {max(training):.1f}); whole command median "
            f"{statistics.median(command):.1f} s (max {max(command):.1f}), CPU time median "
            f"{statistics.median(cpu):.1f} s"
        )
    if against:
        ours, theirs = runs["this trainer"], runs[str(against)]
        for key, what in (
            ("train_seconds", "training"),
            ("command_seconds", "whole command"),
            ("cpu_seconds", "CPU time"),
        ):
            ratio = statistics.median(r[key] for r in ours) / statistics.median(
                r[key] for r in theirs
            )
            print(f"  {what}: this trainer's median / {against}'s median = {ratio:.2f}")
    return runs["this trainer"]


def examples(ours: list[dict] | None, max_epochs: int, data_dir: Path) -> None:
    data_flags = ["--data-dir", str(data_dir)]
    if ours is None:
        ours = [run_command("--seed", "1", *data_flags)]
    threads = ours[0]["threads"]
    torch.set_num_threads(threads)
    print(
        f"pytorch/examples' MNIST recipe, written here from its description (two 3x3 convs of "
        f"32 and 64 channels, max-pool, dropout 0.25, 128-unit linear, dropout 0.5; Adadelta "
        f"lr 1.0, StepLR gamma 0.7; batch 64 from a shuffling per-sample DataLoader), seed 1, "
        f"on {threads} thread(s) like our first run; test accuracy after each epoch as the "
        f"example measures it:"
    )
    history = examples_time_to_target(data_dir, max_epochs, seed=1)
    reached = [r["train_seconds"] for r in ours if r["test_accuracy"] >= TARGET]
    ours_text = (
        f"{statistics.median(reached):.1f} s of training, 1 epoch (median of the "
        f"{len(reached)} default run(s) that ended at >= 99%)"
        if reached
        else "not reached"
    )
    epoch, accuracy, seconds = history[-1]
    theirs = (
        f"{seconds:.1f} s of training, {epoch} epochs"
        if accuracy >= TARGET
        else f"not reached in {epoch} epochs ({seconds:.1f} s, best "
        f"{max(a for _, a, _ in history):.2%})"
    )
    print(f"Time to 99% test accuracy: our default {ours_text}; pytorch/examples' recipe {theirs}")
    if reached and accuracy >= TARGET:
        print(f"  ratio: {seconds / statistics.median(reached):.1f}x")


def contention(data_flags: list[str], steps: int) -> None:
    """The default beside fixed thread counts while one CPU-bound process competes."""
    budget = ["--limit-train", str(steps * 128), "--seed", "1", *data_flags]
    competitor = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(1.0)  # let the scheduler see it
        print(f"Contention: one competing CPU-bound process running; {steps} steps of batch 128:")
        for label, flags in (
            ("default (threads measured)", []),
            ("--threads 1", ["--threads", "1"]),
            ("--threads 2", ["--threads", "2"]),
        ):
            run = run_command(*flags, *budget)
            per_step = 1000 * run["train_seconds"] / steps
            print(
                f"  {label}: {run['threads']} thread(s), {per_step:.0f} ms a step, training "
                f"{run['train_seconds']:.1f} s, warm-up {run['warmup_seconds']:.2f} s, whole "
                f"command {run['command_seconds']:.1f} s"
            )
    finally:
        competitor.kill()
        competitor.wait()


def single(label: str, *flags: str) -> None:
    run = run_in_process(*flags, "--device", "cpu")
    print(
        f"{label}: test accuracy {run['test_accuracy']:.2%}, "
        f"{run['train_seconds']:.1f} s of training ({run['epochs']} epochs)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="default-CNN seeds (default 5)")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, default=SECTIONS)
    parser.add_argument("--examples-epochs", type=int, default=6, help="the recipe's epoch cap")
    parser.add_argument("--contention-steps", type=int, default=100)
    parser.add_argument("--data-dir", type=Path, default=mnist.default_folder())
    parser.add_argument(
        "--against", type=Path, help="cnn: also run this copy of the trainer, seed by seed"
    )
    args = parser.parse_args(argv)
    data_flags = ["--data-dir", str(args.data_dir)]
    print(machine_line())
    print(f"data {args.data_dir}")

    ours = None
    if "tune" in args.only:
        tune(data_flags)
    if "cnn" in args.only:
        ours = cnn_seeds(args.seeds, data_flags, args.against)
    if "examples" in args.only:
        examples(ours, args.examples_epochs, args.data_dir)
    if "contention" in args.only:
        contention(data_flags, args.contention_steps)
    if "pixels" in args.only:
        single("pixel similarity, 3 vs 7", "--model", "pixel-similarity", "--digits", "3,7",
               *data_flags)  # fmt: skip
        single("pixel similarity, ten digits, mean |difference|", "--model", "pixel-similarity",
               *data_flags)  # fmt: skip
        single("pixel similarity, ten digits, RMSE", "--model", "pixel-similarity", "--distance",
               "l2", *data_flags)  # fmt: skip
    if "linear" in args.only:
        single("linear", "--model", "linear", *data_flags)
    if "mlp" in args.only:
        single("mlp", "--model", "mlp", *data_flags)
    print(machine_line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
