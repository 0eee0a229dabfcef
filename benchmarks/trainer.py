"""Figures for the reference MNIST trainer (solutions/mnist_trainer.py); prints, never judges.

- the CNN with its default (CPU) settings over several seeds: test accuracy and training time;
- time to 99% test accuracy: our trainer against a plain baseline written here, the same network
  fed the pytorch/examples way (a Dataset that returns one normalised image at a time, a
  DataLoader that batches and shuffles, Adadelta at 1.0 with StepLR 0.7), and their ratio;
- pixel similarity on 3 vs 7 and on all ten digits, the linear model and the MLP.

Training time counts training only, never data loading or evaluation.

    python benchmarks/trainer.py                    # everything, 5 seeds (several minutes on a CPU)
    python benchmarks/trainer.py --quick            # 1 seed, baseline capped at 3 epochs
    python benchmarks/trainer.py --only cnn baseline --seeds 3
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import json
import statistics
import sys
import time
from pathlib import Path

import torch
from torch.utils.data import DataLoader, Dataset

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = ("cnn", "baseline", "pixels", "linear", "mlp")
TARGET = 0.99


def load_trainer():
    spec = importlib.util.spec_from_file_location(
        "mnist_trainer", ROOT / "solutions" / "mnist_trainer.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["mnist_trainer"] = module
    spec.loader.exec_module(module)
    return module


trainer = load_trainer()


def run_trainer(*flags: str) -> dict:
    """One in-process run of the trainer's command line; its JSON summary."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = trainer.main([*flags, "--json"])
    if status != 0:
        raise SystemExit(f"trainer {' '.join(flags)} exited {status}")
    return json.loads(out.getvalue().strip().splitlines()[-1])


# ----------------------------------------------------------------------------- the baseline


class PerSampleMNIST(Dataset):
    """torchvision-style: each item is one normalised (1, 28, 28) image and its label."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor):
        self.images, self.labels = images, labels

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int):
        image = self.images[i].float().div(255).sub(trainer.PIXEL_MEAN).div(trainer.PIXEL_STD)
        return image.unsqueeze(0), int(self.labels[i])


def baseline_time_to_target(data_dir: Path, max_epochs: int, workers: int, seed: int) -> dict:
    """Train the same CNN the pytorch/examples way until an epoch ends at >= 99% test accuracy."""
    torch.manual_seed(seed)
    train_images, train_labels = trainer.load_split(data_dir, "train")
    test_images, test_labels = trainer.load_split(data_dir, "test")
    loader = DataLoader(
        PerSampleMNIST(train_images, train_labels), batch_size=64, shuffle=True, num_workers=workers
    )
    model = trainer.build_model(trainer.Config(seed=seed))
    optimizer = torch.optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)
    seconds, history = 0.0, []
    for epoch in range(1, max_epochs + 1):
        model.train()
        start = time.perf_counter()
        for images, labels in loader:
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(images), labels)
            loss.backward()
            optimizer.step()
        scheduler.step()
        seconds += time.perf_counter() - start
        accuracy = trainer.evaluate(model, test_images, test_labels)
        history.append((epoch, accuracy, seconds))
        print(f"  baseline epoch {epoch}: test accuracy {accuracy:.2%}, {seconds:.1f} s so far")
        if accuracy >= TARGET:
            break
    return {"history": history, "reached": history[-1][1] >= TARGET, "seconds": seconds}


# ----------------------------------------------------------------------------- the figures


def default_data_dir() -> Path:
    """The canonical files beside the checkout when there, else where the trainer looks."""
    shared = ROOT.parent / "shared" / "data" / "mnist"
    return (
        shared if (shared / "train-images-idx3-ubyte.gz").is_file() else trainer.default_data_dir()
    )


def cnn_seeds(seeds: int, extra: list[str]) -> list[dict]:
    print(f"CNN, default settings, {seeds} seed(s){' ' + ' '.join(extra) if extra else ''}:")
    runs = []
    for seed in range(seeds):
        run = run_trainer("--model", "cnn", "--device", "cpu", "--seed", str(seed), *extra)
        runs.append(run)
        print(
            f"  seed {seed}: test accuracy {run['test_accuracy']:.2%}, "
            f"{run['train_seconds']:.1f} s of training ({run['epochs']} epochs)"
        )
    accuracy = [r["test_accuracy"] for r in runs]
    seconds = [r["train_seconds"] for r in runs]
    print(
        f"  accuracy mean {statistics.mean(accuracy):.2%} (min {min(accuracy):.2%}, "
        f"max {max(accuracy):.2%}); training time mean {statistics.mean(seconds):.1f} s "
        f"(min {min(seconds):.1f}, max {max(seconds):.1f})"
    )
    return runs


def single(label: str, *flags: str) -> None:
    run = run_trainer(*flags, "--device", "cpu")
    print(
        f"{label}: test accuracy {run['test_accuracy']:.2%}, "
        f"{run['train_seconds']:.1f} s of training ({run['epochs']} epochs)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="CNN seeds (default 5)")
    parser.add_argument("--quick", action="store_true", help="1 seed, baseline at most 3 epochs")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, default=SECTIONS)
    parser.add_argument("--baseline-epochs", type=int, default=6, help="baseline's epoch cap")
    parser.add_argument("--baseline-workers", type=int, default=0, help="DataLoader workers")
    parser.add_argument("--cnn-flags", default="", help="extra trainer flags for the CNN runs")
    parser.add_argument("--data-dir", type=Path, default=default_data_dir())
    args = parser.parse_args(argv)
    seeds = 1 if args.quick else args.seeds
    max_epochs = min(3, args.baseline_epochs) if args.quick else args.baseline_epochs
    data_flags = ["--data-dir", str(args.data_dir)]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads, data {args.data_dir}")

    ours = None
    if "cnn" in args.only:
        ours = cnn_seeds(seeds, args.cnn_flags.split() + data_flags)
    if "baseline" in args.only:
        print(
            f"Baseline: same CNN, per-sample Dataset + DataLoader (batch 64, shuffle, "
            f"{args.baseline_workers} workers), Adadelta 1.0, StepLR 0.7, seed 0:"
        )
        baseline = baseline_time_to_target(args.data_dir, max_epochs, args.baseline_workers, 0)
        if ours is None:
            ours = [run_trainer("--model", "cnn", "--device", "cpu", "--seed", "0", *data_flags)]
        reached = [r["train_seconds"] for r in ours if r["test_accuracy"] >= TARGET]
        ours_text = (
            f"{statistics.mean(reached):.1f} s (mean of the {len(reached)} run(s) "
            f"that ended at >= 99%)"
            if reached
            else "not reached"
        )
        print(f"Time to 99%: ours {ours_text}; baseline ", end="")
        if baseline["reached"]:
            print(f"{baseline['seconds']:.1f} s ({len(baseline['history'])} epochs)", end="")
            if reached:
                print(
                    f"; ratio baseline/ours {baseline['seconds'] / statistics.mean(reached):.1f}x"
                )
            else:
                print()
        else:
            print(
                f"not reached in {max_epochs} epochs ({baseline['seconds']:.1f} s, best "
                f"{max(a for _, a, _ in baseline['history']):.2%}); ratio > "
                f"{baseline['seconds'] / statistics.mean(reached or [float('nan')]):.1f}x"
            )
    if "pixels" in args.only:
        single(
            "pixel similarity, 3 vs 7",
            "--model",
            "pixel-similarity",
            "--digits",
            "3,7",
            *data_flags,
        )
        single(
            "pixel similarity, ten digits, mean |difference|",
            "--model",
            "pixel-similarity",
            *data_flags,
        )
        single(
            "pixel similarity, ten digits, RMSE",
            "--model",
            "pixel-similarity",
            "--distance",
            "l2",
            *data_flags,
        )
    if "linear" in args.only:
        single("linear", "--model", "linear", *data_flags)
    if "mlp" in args.only:
        single("mlp", "--model", "mlp", *data_flags)
    return 0


if __name__ == "__main__":
    sys.exit(main())
