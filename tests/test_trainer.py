"""The reference MNIST trainer, solutions/mnist_trainer.py with the modules beside it, and
quiz.mnist, which reads the MNIST files for it, on the real MNIST files.

Training runs use the subset of the real files shipped in tests/data/mnist-subset (2,000 training
and 1,000 test images), so they run on a bare clone and the file takes seconds; the accuracy the
full data reaches is measured by benchmarks/trainer.py. Tests of the full files request the
`mnist_dir` fixture. Command-line behaviour is checked through a real subprocess; everything else
calls the module's own functions or main() in-process.
"""

from __future__ import annotations

import ast
import gzip
import importlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from quiz import mnist

from .conftest import DATA

TRAINER_PATH = Path(__file__).resolve().parent.parent / "solutions" / "mnist_trainer.py"
SUBSET = DATA / "mnist-subset"
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]

# The trainer imports the modules beside it, as when Python runs the file: its folder goes on
# sys.path, and each module is imported by its own name.
if str(TRAINER_PATH.parent) not in sys.path:
    sys.path.append(str(TRAINER_PATH.parent))
trainer = importlib.import_module("mnist_trainer")
trainer_data = importlib.import_module("trainer_data")
trainer_ddp = importlib.import_module("trainer_ddp")
trainer_progress = importlib.import_module("trainer_progress")
trainer_speed = importlib.import_module("trainer_speed")


def run_main(capsys, *flags: str, data_dir: Path = SUBSET) -> dict:
    """main() in-process with --json, on the shipped subset unless told; its JSON line, parsed."""
    status = trainer.main([*flags, "--data-dir", str(data_dir), "--json"])
    captured = capsys.readouterr()
    out = captured.out.strip().splitlines()
    assert status == 0, captured.err
    assert len(out) == 1 and captured.err == "", captured  # --json prints that line only
    return json.loads(out[0])


def run_cli(*flags: str, env: dict | None = None, timeout: float = 60):
    """The trainer as a user runs it: a fresh Python process."""
    return subprocess.run(
        [sys.executable, str(TRAINER_PATH), *flags],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def assert_one_line_error(result) -> str:
    """Exit 2 and a single error line on stderr, never a traceback."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


# ----------------------------------------------------------------------------- reading order

SEVEN_STEPS = {  # chapter 4's steps, in order, and the definition each one's section holds
    "1. initialise": "build_model",
    "2. predict": "predict",
    "3. loss": "forward_loss",
    "4. gradient": "train_step",
    "5. step": "SGD",
    "6. repeat": "train_epoch",
    "7. stop": "evaluate",
}


def _calls_in_order(function: ast.FunctionDef, names: list[str]) -> list[int]:
    """The line of the first mention of each dotted name (`loss.backward`) in `function`."""
    seen = {}
    for node in ast.walk(function):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            seen.setdefault(f"{node.value.id}.{node.attr}", []).append(node.lineno)
        elif isinstance(node, ast.Name):
            seen.setdefault(node.id, []).append(node.lineno)
    return [min(seen[name]) for name in names]


def test_the_trainer_reads_as_the_seven_steps_in_order_in_at_most_350_lines():
    source = TRAINER_PATH.read_text()
    lines = source.splitlines()
    assert len(lines) <= 350, len(lines)
    headers = [
        next(i for i, line in enumerate(lines, 1) if line.startswith("# --") and step in line)
        for step in SEVEN_STEPS
    ]
    assert headers == sorted(headers), "the steps' sections come in the chapter's order"
    tree = {node.name: node for node in ast.parse(source).body if hasattr(node, "name")}
    ends = [*headers[1:], next(i for i, line in enumerate(lines, 1) if "the whole run" in line)]
    for start, end, name in zip(headers, ends, SEVEN_STEPS.values(), strict=True):
        assert start < tree[name].lineno < end, f"{name} sits under its step's heading"

    # One step of training runs steps 2 to 5 in order, and the run initialises, steps,
    # repeats and then stops to evaluate.
    step = _calls_in_order(tree["train_step"], ["forward_loss", "loss.backward", "optimizer.step"])
    assert step == sorted(step) and tree["forward_loss"].lineno > tree["predict"].lineno
    run = ["build_model", "make_optimizer", "train_epochs", "evaluate"]
    assert _calls_in_order(tree["train_and_evaluate"], run) == sorted(
        _calls_in_order(tree["train_and_evaluate"], run)
    )


# ----------------------------------------------------------------------------- data


def test_training_split_has_mnist_shapes_dtypes_and_digit_counts(mnist_dir):
    images, labels = mnist.load_split(mnist_dir, "train")

    assert images.shape == (60_000, 28, 28) and images.dtype == torch.uint8
    assert labels.shape == (60_000,) and labels.dtype == torch.int64
    assert torch.bincount(labels).tolist() == TRAIN_COUNTS
    assert 0 < images.float().mean() < 255  # real pixels, not a blank buffer


def test_test_split_has_ten_thousand_labelled_images(mnist_dir):
    images, labels = mnist.load_split(mnist_dir, "test")

    assert images.shape == (10_000, 28, 28) and images.dtype == torch.uint8
    assert labels.shape == (10_000,) and labels.dtype == torch.int64
    assert sorted(labels.unique().tolist()) == list(range(10))


def test_an_unknown_split_is_refused(mnist_dir):
    with pytest.raises(ValueError, match="train"):
        mnist.load_split(mnist_dir, "validation")


def test_ensure_mnist_accepts_the_canonical_files(mnist_dir):
    assert mnist.ensure(mnist_dir, download=False) == mnist_dir


@pytest.fixture
def corrupt_copy(mnist_dir, tmp_path) -> Path:
    """The four files, with one byte of the test labels flipped."""
    folder = tmp_path / "mnist"
    shutil.copytree(mnist_dir, folder)
    labels = folder / "t10k-labels-idx1-ubyte.gz"
    data = bytearray(labels.read_bytes())
    data[100] ^= 0xFF
    labels.write_bytes(bytes(data))
    return folder


def test_a_corrupt_file_is_refused_with_one_line_naming_it(corrupt_copy):
    with pytest.raises(mnist.MnistError) as raised:
        mnist.ensure(corrupt_copy)
    message = str(raised.value)
    assert "\n" not in message
    assert "t10k-labels-idx1-ubyte.gz" in message and "MD5" in message
    with pytest.raises(mnist.MnistError, match="t10k-labels"):
        mnist.load_split(corrupt_copy, "test")


def test_the_cli_refuses_a_corrupt_file_with_exit_2(corrupt_copy):
    result = run_cli("--data-dir", str(corrupt_copy), "--model", "linear")
    line = assert_one_line_error(result)
    assert "t10k-labels-idx1-ubyte.gz is corrupt" in line


def test_missing_files_without_network_fail_fast_with_where_to_put_them(tmp_path):
    empty = tmp_path / "no-mnist-here"
    # A proxy nobody listens on makes every download fail at once, network or not.
    env = dict(os.environ)
    env |= {"http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9"}
    start = time.monotonic()
    result = run_cli("--data-dir", str(empty), "--model", "linear", env=env)
    elapsed = time.monotonic() - start

    line = assert_one_line_error(result)
    assert str(empty) in line and "train-images-idx3-ubyte.gz" in line
    assert "t10k-labels-idx1-ubyte.gz" in line  # says every file that belongs there
    assert elapsed < 30
    assert not empty.exists() or not any(empty.iterdir()), "no half-written file is left"


def test_the_shipped_subset_loads_against_its_own_manifest():
    images, labels = mnist.load_split(SUBSET, "train")
    test_images, test_labels = mnist.load_split(SUBSET, "test")

    assert images.shape == (2000, 28, 28) and labels.shape == (2000,)
    assert test_images.shape == (1000, 28, 28) and test_labels.shape == (1000,)
    assert sorted(labels.unique().tolist()) == list(range(10))
    assert mnist.ensure(SUBSET, download=False) == SUBSET


def test_the_subset_is_the_first_images_of_the_full_files(mnist_dir):
    for split, count in (("train", 2000), ("test", 1000)):
        full_images, full_labels = mnist.load_split(mnist_dir, split)
        images, labels = mnist.load_split(SUBSET, split)
        assert torch.equal(images, full_images[:count])
        assert torch.equal(labels, full_labels[:count])


def test_subset_files_without_their_manifest_never_pass_for_the_full_files(tmp_path):
    folder = tmp_path / "mnist"
    shutil.copytree(SUBSET, folder)
    (folder / "subset.json").unlink()

    with pytest.raises(mnist.MnistError, match="train-images-idx3-ubyte.gz is corrupt"):
        mnist.load_split(folder, "train")


def test_a_changed_subset_file_is_refused_against_the_manifest(tmp_path):
    folder = tmp_path / "mnist"
    shutil.copytree(SUBSET, folder)
    labels = folder / "t10k-labels-idx1-ubyte.gz"
    data = bytearray(labels.read_bytes())
    data[100] ^= 0xFF
    labels.write_bytes(bytes(data))

    with pytest.raises(mnist.MnistError, match="t10k-labels-idx1-ubyte.gz is corrupt"):
        mnist.load_split(folder, "test")
    mnist.load_split(folder, "train")  # the untouched files still load


def test_a_manifest_that_is_not_a_cut_of_mnist_is_refused(tmp_path):
    folder = tmp_path / "mnist"
    shutil.copytree(SUBSET, folder)
    manifest = json.loads((folder / "subset.json").read_text())
    manifest["files"]["train-images-idx3-ubyte.gz"]["cut_from_md5"] = "0" * 32
    (folder / "subset.json").write_text(json.dumps(manifest))

    with pytest.raises(mnist.MnistError, match="not describe a cut of the canonical MNIST"):
        mnist.load_split(folder, "test")


def test_idx_reader_rejects_a_file_that_is_not_idx(tmp_path):
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(b"not an idx file at all"))
    with pytest.raises(mnist.MnistError, match="not an MNIST IDX file"):
        mnist.read_idx(path, magic=0x801, dims=1)


# ----------------------------------------------------------------------------- learning


@pytest.mark.parametrize(
    ("flags", "at_least"),
    [
        (["--model", "pixel-similarity", "--digits", "3,7"], 0.93),  # the chapter's 95%
        (["--model", "pixel-similarity"], 0.60),  # mean |difference| on ten digits: ~67%
        (["--model", "pixel-similarity", "--distance", "l2"], 0.78),  # RMSE on ten: ~82%
    ],
    ids=["pixels-3v7", "pixels-l1", "pixels-l2"],
)
def test_pixel_similarity_reaches_the_chapters_figures_on_the_full_files(
    capsys, mnist_dir, flags, at_least
):
    summary = run_main(capsys, *flags, "--device", "cpu", data_dir=mnist_dir)

    assert summary["test_accuracy"] >= at_least and summary["test_images"] > 2000


@pytest.mark.parametrize(
    ("model", "at_least"),
    [("linear", 0.80), ("mlp", 0.85), ("cnn", 0.90)],
)
def test_each_trained_model_learns_well_above_chance(capsys, model, at_least):
    # the subset's 2,000 images at batch 64 for four epochs: 124 steps; chance is 10%
    flags = ["--model", model, "--epochs", "4", "--batch-size", "64", "--device", "cpu"]
    summary = run_main(capsys, *flags)

    assert summary["test_accuracy"] >= at_least
    assert summary["model"] == model and summary["test_images"] == 1000


def test_digits_restrict_training_and_testing_to_those_classes(capsys):
    summary = run_main(capsys, "--model", "linear", "--digits", "3,7", "--epochs", "1")

    assert summary["digits"] == [3, 7]
    assert summary["test_accuracy"] > 0.95  # two classes are far easier than ten


def test_random_shift_moves_each_image_without_losing_ink():
    images = torch.zeros(64, 28, 28, dtype=torch.uint8)
    images[:, 14, 14] = 255
    shifted = trainer_data.random_shift(images, 2, torch.Generator().manual_seed(0))

    assert shifted.shape == images.shape and shifted.dtype == torch.uint8
    assert (shifted.sum((1, 2), dtype=torch.long) == 255).all()
    rows, cols = (shifted == 255).nonzero()[:, 1:].T
    assert ((rows - 14).abs() <= 2).all() and ((cols - 14).abs() <= 2).all()
    assert len(set(zip(rows.tolist(), cols.tolist(), strict=True))) > 5  # offsets vary


def test_learning_rate_rises_to_its_peak_then_falls_to_zero():
    factors = [trainer.lr_factor(step, 100, warmup=0.2) for step in range(100)]

    assert factors[0] < factors[10] < factors[19] == 1.0
    assert factors[19] > factors[50] > factors[99]
    assert factors[99] == pytest.approx(0.0, abs=0.02)


def test_the_optimizer_moves_weights_as_torch_optim_sgd_does():
    """Ours against torch.optim.SGD (Nesterov, weight decay on weights only, the same rates):
    the same weights after every one of five steps of the CNN on real images."""
    config = trainer.Config(batch_size=64)
    images, classes = mnist.load_split(SUBSET, "train")
    torch.manual_seed(0)
    ours = trainer.build_model(config)
    theirs = trainer.build_model(config)
    theirs.load_state_dict(ours.state_dict())
    optimizer = trainer.make_optimizer(ours, config, total_steps=5)
    params = list(theirs.parameters())
    reference = torch.optim.SGD(
        [
            {"params": [p for p in params if p.ndim > 1], "weight_decay": config.weight_decay},
            {"params": [p for p in params if p.ndim <= 1], "weight_decay": 0.0},
        ],
        lr=config.lr,
        momentum=config.momentum,
        nesterov=True,
    )
    rates = [config.lr * trainer.lr_factor(step, 5, config.warmup) for step in range(5)]
    assert len(set(rates)) > 2  # the schedule moves within these steps
    for step, rate in enumerate(rates):
        batch = slice(64 * step, 64 * (step + 1))
        for net in (ours, theirs):
            loss, _ = trainer.forward_loss(
                net, images[batch], classes[batch], config.label_smoothing
            )
            loss.backward()
        optimizer.step()
        for group in reference.param_groups:
            group["lr"] = rate
        reference.step()
        reference.zero_grad()
        optimizer.zero_grad()
        for a, b in zip(ours.state_dict().values(), theirs.state_dict().values(), strict=True):
            assert torch.allclose(a.float(), b.float(), rtol=1e-5, atol=1e-6), step
    assert optimizer.steps == 5


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc settings")
def test_steps_reuse_freed_memory_instead_of_faulting_it_back_in():
    """Without keep_freed_memory, glibc hands each step's large buffers back to the system and
    the next step faults them in again: 400-1,000 page faults a step on the development machine.
    """
    code = f"""
import resource, sys, torch
sys.path.insert(0, {str(TRAINER_PATH.parent)!r})
import mnist_trainer as trainer, trainer_speed
from quiz import mnist
trainer_speed.keep_freed_memory()
torch.set_num_threads(1)
config = trainer.Config()
images, classes = mnist.load_split({str(SUBSET)!r}, "train")
net = trainer.build_model(config).to(memory_format=torch.channels_last)
optimizer = trainer.make_optimizer(net, config, total_steps=20)
runtime = trainer_speed.Runtime(torch.device("cpu"), channels_last=True)
batches = [slice(128 * i, 128 * (i + 1)) for i in range(15)]
for batch in batches[:5]:
    trainer.train_step(net, optimizer, images[batch], classes[batch], config, runtime)
faults = []
for batch in batches[5:]:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    trainer.train_step(net, optimizer, images[batch], classes[batch], config, runtime)
    faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
print(sorted(faults)[len(faults) // 2], faults)
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stderr
    # the median step: the heap may still grow once in a while
    assert int(result.stdout.split()[0]) < 20, result.stdout  # page faults a step


def test_training_never_imports_torch_dynamo(tmp_path):
    """torch.optim imports torch._dynamo, which cost a CPU run here about 2 s of 10."""
    code = (
        "import sys, runpy\n"
        f"sys.argv = ['mnist_trainer.py', '--data-dir', {str(SUBSET)!r}, '--limit-train', '256',"
        f" '--json', '--save', {str(tmp_path / 'c.pt')!r}]\n"
        f"sys.path.insert(0, {str(TRAINER_PATH.parent)!r})\n"  # as `python mnist_trainer.py` does
        "try:\n"
        f"    runpy.run_path({str(TRAINER_PATH)!r}, run_name='__main__')\n"
        "except SystemExit as exit_:\n"
        "    assert exit_.code == 0, exit_.code\n"
        "print('dynamo imported:', 'torch._dynamo' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "dynamo imported: False", result.stdout


def test_step_events_come_at_most_ten_a_second_and_always_at_an_epochs_end():
    seconds = iter([0.0, 0.03, 0.06, 0.09, 0.12, 0.15])  # a step every 30 ms
    events: list[dict] = []
    on_step = trainer_progress.step_reporter(
        events.append, 0, 1, steps=6, clock=lambda: next(seconds)
    )
    for step in range(6):
        on_step(step, torch.tensor(0.5 * (step + 1)), torch.tensor(step + 1), 1)

    assert [event["step"] for event in events] == [1, 5, 6]  # at 0 s, 0.12 s, and the last
    assert events[-1] == {
        "event": "step", "epoch": 1, "epochs": 1, "step": 6, "steps": 6,
        "loss": 0.5, "accuracy": 1.0,
    }  # fmt: skip


def test_val_measures_on_the_training_splits_last_sixth_and_never_on_the_test_set(capsys):
    summary = run_main(capsys, "--val", "--batch-size", "64", "--epochs", "4", "--threads", "1")

    assert summary["train_images"] == 2000 - 333 and summary["val_images"] == 333
    assert "test_accuracy" not in summary and "test_images" not in summary
    assert summary["val_accuracy"] >= 0.90  # the CNN learns what it is measured on


def test_threads_are_chosen_by_timing_steps_that_leave_no_trace():
    config = trainer.Config(batch_size=64)
    net = trainer.build_model(config)
    optimizer = trainer.make_optimizer(net, config, total_steps=10)
    images, labels = mnist.load_split(SUBSET, "train")
    before = {name: tensor.clone() for name, tensor in net.state_dict().items()}
    runtime = trainer_speed.Runtime(torch.device("cpu"))
    threads_before = torch.get_num_threads()
    try:

        def step(images, classes):
            return trainer.train_step(net, optimizer, images, classes, config, runtime)

        chosen = trainer_speed.pick_threads(step, net, optimizer, images, labels, 64, runtime)

        assert chosen in (1, trainer_speed.cpus_available()) and torch.get_num_threads() == chosen
        assert all(torch.equal(before[name], t) for name, t in net.state_dict().items())
        assert optimizer.steps == 0  # no momentum left behind, the schedule not moved on
        assert all(not velocity.any() for velocity in optimizer.velocities)
    finally:
        torch.set_num_threads(threads_before)


def test_the_guard_drops_to_one_thread_when_steps_get_slower_than_one_thread_was():
    threads_before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        guard = trainer_speed.ThreadGuard(one_thread_seconds=0.05)
        for _ in range(guard.WINDOW):
            guard.observe(0.03)  # faster than one thread: keep both
        assert torch.get_num_threads() == 2
        for _ in range(guard.WINDOW):
            guard.observe(0.2)  # someone else took a core
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(threads_before)


def test_a_fixed_thread_count_is_used_and_reported(capsys):
    threads_before = torch.get_num_threads()
    try:
        summary = run_main(capsys, "--model", "linear", "--epochs", "1", "--threads", "1")
    finally:
        torch.set_num_threads(threads_before)

    assert summary["threads"] == 1


# ----------------------------------------------------------------------------- checkpoints


def test_a_saved_checkpoint_evaluates_to_the_same_accuracy(capsys, tmp_path):
    checkpoint = tmp_path / "cnn.pt"
    flags = ["--limit-train", "1000", "--epochs", "1", "--batch-size", "64", "--device", "cpu"]
    trained = run_main(capsys, *flags, "--save", str(checkpoint))
    evaluated = run_main(capsys, "--eval", str(checkpoint), "--device", "cpu")

    assert evaluated["test_accuracy"] == trained["test_accuracy"]
    assert evaluated["epochs"] == 1 and evaluated["train_seconds"] == 0
    state = torch.load(checkpoint, weights_only=True)
    assert {"model", "optimizer", "config", "epoch"} <= state.keys()
    assert state["optimizer"]["steps"] == 1000 // 64
    assert state["config"]["limit_train"] == 1000 and state["epoch"] == 1


def test_resume_continues_from_the_stored_epoch(capsys, tmp_path):
    first, second = tmp_path / "first.pt", tmp_path / "second.pt"
    flags = ["--limit-train", "1000", "--epochs", "1", "--batch-size", "64", "--device", "cpu"]
    run_main(capsys, *flags, "--save", str(first))
    resumed = run_main(capsys, "--resume", str(first), "--epochs", "2", "--save", str(second))

    assert resumed["resumed_from_epoch"] == 1 and resumed["epochs"] == 2
    before = torch.load(first, weights_only=True)
    after = torch.load(second, weights_only=True)
    assert after["epoch"] == 2
    assert after["config"]["limit_train"] == 1000  # the stored settings, not the defaults
    assert after["optimizer"]["steps"] == 2 * before["optimizer"]["steps"]
    assert not torch.equal(after["model"]["0.0.weight"], before["model"]["0.0.weight"])


def test_resume_refuses_flags_that_would_change_the_checkpoint(capsys, tmp_path):
    checkpoint = tmp_path / "linear.pt"
    run_main(
        capsys,
        "--model",
        "linear",
        "--epochs",
        "1",
        "--limit-train",
        "500",
        "--save",
        str(checkpoint),
    )

    assert trainer.main(["--resume", str(checkpoint), "--lr", "0.5"]) == 2
    assert "--lr: a checkpoint keeps its own settings" in capsys.readouterr().err


def test_a_file_that_is_not_a_checkpoint_is_one_clear_error(capsys, tmp_path):
    bogus = tmp_path / "bogus.pt"
    bogus.write_text("not a checkpoint")

    assert trainer.main(["--eval", str(bogus)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is not a trainer checkpoint" in err[0]
    assert trainer.main(["--eval", str(tmp_path / "absent.pt")]) == 2
    assert "not found" in capsys.readouterr().err


def test_a_checkpoint_whose_layers_differ_is_one_clear_error(capsys, tmp_path):
    """Checkpoints of the CNN's earlier layouts are refused: one with BatchNorm before pooling
    (other names), one with a 3x3 first convolution and a 3x3 map at the end (other shapes)."""
    checkpoint = tmp_path / "cnn.pt"
    run_main(capsys, "--limit-train", "500", "--epochs", "1", "--save", str(checkpoint))
    state = torch.load(checkpoint, weights_only=True)
    renamed = {  # BatchNorm second in blocks 1 and 2, where pooling is now
        key.replace(".2.", ".1.") if key[2:4] == "2." else key: value
        for key, value in state["model"].items()
    }
    reshaped = state["model"] | {
        "0.0.weight": torch.zeros(16, 1, 3, 3),
        "4.weight": torch.zeros(10, 64 * 3 * 3),
    }
    for model in (renamed, reshaped):
        torch.save(state | {"model": model}, checkpoint)
        for flag in ("--eval", "--resume"):
            assert trainer.main([flag, str(checkpoint), "--data-dir", str(SUBSET)]) == 2
            err = capsys.readouterr().err.strip().splitlines()
            assert len(err) == 1 and "does not fit this trainer's cnn" in err[0], err


# ----------------------------------------------------------------------------- reproducibility


def test_seeded_cpu_runs_are_reproducible(capsys, tmp_path):
    # a fixed thread count: how a sum is split over threads may change its last bits
    flags = ["--limit-train", "1000", "--epochs", "1", "--batch-size", "64", "--threads", "1"]
    runs = {}
    for name, seed in (("a", "1"), ("b", "1"), ("c", "2")):
        summary = run_main(capsys, *flags, "--seed", seed, "--save", str(tmp_path / name))
        model = torch.load(tmp_path / name, weights_only=True)["model"]
        runs[name] = (summary["test_accuracy"], model)

    assert runs["a"][0] == runs["b"][0]
    assert all(torch.equal(runs["a"][1][k], runs["b"][1][k]) for k in runs["a"][1])
    assert not torch.equal(runs["a"][1]["0.0.weight"], runs["c"][1]["0.0.weight"])


# ----------------------------------------------------------------------------- several processes


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_gloo_processes_finish_with_identical_weights(tmp_path):
    """Two trainer processes joined the way torchrun joins them (the env:// variables it sets),
    started directly so the test pays for two Python processes, not three."""
    checkpoint = tmp_path / "ddp.pt"
    command = [
        sys.executable,
        str(TRAINER_PATH),
        "--data-dir",
        str(SUBSET),
        "--device",
        "cpu",
        "--epochs",
        "1",
        "--batch-size",
        "64",
        "--lr",
        "0.2",
        "--save",
        str(checkpoint),
        "--json",
    ]  # fmt: skip  (32 images a rank: a gentler rate than the default's, set for the full batch)
    port = str(_free_port())
    ranks = []
    for rank in range(2):
        env = dict(os.environ, MASTER_ADDR="127.0.0.1", MASTER_PORT=port, WORLD_SIZE="2")
        env |= {"RANK": str(rank), "LOCAL_RANK": str(rank), "OMP_NUM_THREADS": "1"}
        ranks.append(
            subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        )
    outputs = [rank.communicate(timeout=120) for rank in ranks]

    assert [rank.returncode for rank in ranks] == [0, 0], [err.decode() for _, err in outputs]
    assert outputs[1][0] == b""  # only rank 0 reports
    lines = outputs[0][0].decode().splitlines()
    assert len(lines) == 1
    summary = json.loads(lines[0])
    assert summary["world_size"] == 2
    first, second = summary["weight_hashes"]
    assert first == second
    assert summary["test_accuracy"] > 0.3  # 31 shared steps: learning, well above chance (10%)

    # rank 0 saved the very weights both ranks hold
    saved = trainer.build_model(trainer.Config())
    saved.load_state_dict(torch.load(checkpoint, weights_only=True)["model"])
    assert trainer_ddp.weights_hash(saved) == first


# ----------------------------------------------------------------------------- command line


def test_an_unknown_model_is_a_usage_error():
    result = run_cli("--model", "resnet")

    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "invalid choice: 'resnet'" in result.stderr
    assert result.stdout == ""


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_an_absent_device_is_one_clear_error():
    line = assert_one_line_error(run_cli("--device", "cuda", "--model", "linear"))
    assert "no cuda device" in line


needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


def _steps_on_cuda(graphed: bool, steps: int = 8) -> tuple[list[float], list[torch.Tensor]]:
    """`steps` training steps from one initialisation on the subset, eager or as a CUDA graph;
    the loss of each step and the weights at the end."""
    device = torch.device("cuda")
    config = trainer.Config(batch_size=128, seed=0)
    images, classes = (t[: 128 * steps].to(device) for t in mnist.load_split(SUBSET, "train"))
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.deterministic = True
    torch.manual_seed(0)
    net = trainer.build_model(config).to(device, memory_format=torch.channels_last)
    initial = [t.detach().cpu() for t in net.parameters()]
    runtime = trainer_speed.Runtime(device, amp_dtype=torch.bfloat16, channels_last=True)
    optimizer = trainer.make_optimizer(net, config, steps)
    if graphed:
        before = [t.clone() for t in net.state_dict().values()]

        def forward(images, classes):
            return trainer.forward_loss(net, images, classes, config.label_smoothing)

        runtime.graphed = trainer_speed.GraphedStep(
            forward, net, optimizer, images[:128], classes[:128], runtime
        )
        after = list(net.state_dict().values())
        assert all(torch.equal(a, b) for a, b in zip(before, after, strict=True))  # undone
    losses = []
    for step in range(steps):
        batch = slice(step * 128, (step + 1) * 128)
        loss, _ = trainer.train_step(net, optimizer, images[batch], classes[batch], config, runtime)
        losses.append(loss.item())
    moved = [
        not torch.equal(a, b.detach().cpu()) for a, b in zip(initial, net.parameters(), strict=True)
    ]
    assert all(moved), moved  # every parameter was updated
    return losses, [t.float().cpu() for t in net.state_dict().values()]


@needs_cuda
def test_the_captured_cuda_graph_step_learns_what_the_eager_step_does():
    """Replays follow the schedule's changing learning rate and start from a fresh momentum,
    as eager steps do: same losses step by step and the same weights after eight steps."""
    eager_losses, eager_weights = _steps_on_cuda(graphed=False)
    graph_losses, graph_weights = _steps_on_cuda(graphed=True)

    assert graph_losses == pytest.approx(eager_losses, rel=1e-3), (eager_losses, graph_losses)
    for eager, graph in zip(eager_weights, graph_weights, strict=True):
        assert torch.allclose(eager, graph, rtol=1e-3, atol=1e-4), (eager - graph).abs().max()


@needs_cuda
def test_a_cuda_run_replays_a_graph_unless_told_eager(capsys):
    graphed = run_main(capsys, "--device", "cuda", "--epochs", "5", "--seed", "1")
    eager = run_main(capsys, "--device", "cuda", "--epochs", "5", "--seed", "1", "--eager")

    assert graphed["cuda_graph"] is True and eager["cuda_graph"] is False
    # five epochs of the 2,000-image subset reach 89-91% on a CPU
    assert graphed["test_accuracy"] > 0.8 and eager["test_accuracy"] > 0.8, (graphed, eager)


@pytest.mark.parametrize(
    "flags",
    [["--digits", "3,x"], ["--digits", "4"], ["--epochs", "0"], ["--batch-size", "many"]],
)
def test_bad_flag_values_are_usage_errors(capsys, flags):
    assert trainer.main(flags) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage:") and "error: argument" in err
