"""Train and evaluate MNIST classifiers, from the chapter's pixel-similarity baseline to a CNN.

Read it top to bottom: settings, data, models, training, checkpoints, the command line. The whole
dataset lives as one tensor on the device and each batch is an index slice of a fresh permutation,
so no per-sample loader stands between the accelerator and its work.

    python solutions/mnist_trainer.py                        # the CNN, defaults tuned for a CPU
    python solutions/mnist_trainer.py --val --lr 0.2         # score a setting on validation
    python solutions/mnist_trainer.py --model pixel-similarity --digits 3,7
    python solutions/mnist_trainer.py --device cuda   # the step replayed as one CUDA graph
    python solutions/mnist_trainer.py --model linear --progress jsonl   # events for a program
    torchrun --nproc-per-node=2 solutions/mnist_trainer.py   # DistributedDataParallel
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import dataclasses
import gzip
import hashlib
import http.client
import json
import math
import os
import struct
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.distributed as dist
import torch.nn.functional as F
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from torch import nn

MODELS = ("pixel-similarity", "linear", "mlp", "cnn")


# ----------------------------------------------------------------------------- settings


@dataclass
class Config:
    """Everything that decides what a run learns; stored in every checkpoint as a plain dict."""

    model: str = "cnn"
    digits: tuple[int, ...] = tuple(range(10))
    epochs: int = 1
    batch_size: int = 128
    lr: float = 0.3  # the best of benchmarks/trainer.py's tuning grid on the validation split
    momentum: float = 0.9
    weight_decay: float = 5e-4
    label_smoothing: float = 0.1
    warmup: float = 0.2  # fraction of the steps spent raising the learning rate
    shift: int = 0  # random translation of training images, in pixels
    width: int = 16  # channels of the CNN's first block; each later block doubles it
    limit_train: int | None = None  # train on the first N images only (quick checks)
    validation: bool = False  # hold out the training split's last sixth and measure on it
    distance: str = "l1"  # pixel-similarity: "l1" mean absolute difference, "l2" root mean square
    seed: int = 0


# Settings that differ from the CNN's, per model; flags given on the command line win over both.
MODEL_DEFAULTS: dict[str, dict] = {
    "pixel-similarity": {"epochs": 1},
    "linear": {"epochs": 5, "lr": 0.05, "label_smoothing": 0.0},
    "mlp": {"epochs": 8, "lr": 0.1},
    "cnn": {},
}


# ----------------------------------------------------------------------------- data

MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)
MD5 = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
SPLITS = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
DOWNLOAD_TIMEOUT_S = 10
PIXEL_MEAN, PIXEL_STD = 0.1307, 0.3081  # over the training images, scaled to [0, 1]
VALIDATION_SHARE = 6  # --val holds out the last 1/6 of the training split: 10,000 of 60,000


class TrainerError(Exception):
    """A problem a person can fix (a device, a checkpoint, a flag); main() prints it and exits 2."""


class DataError(TrainerError):
    """The MNIST files are missing, corrupt or unreadable; the message is one line."""


def default_data_dir() -> Path:
    """`QUIZ_MNIST_DIR` if set, else quiz's user cache dir (as quiz.paths.mnist_dir decides)."""
    override = os.environ.get("QUIZ_MNIST_DIR")
    if override:
        return Path(override)
    try:
        import platformdirs
    except ImportError:  # a bare machine: use the place platformdirs picks on Linux
        return Path.home() / ".cache" / "quiz" / "mnist"
    return Path(platformdirs.user_cache_dir("quiz")) / "mnist"


def _md5(path: Path) -> str:
    digest = hashlib.md5()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


SUBSET_MANIFEST = "subset.json"


def expected_md5s(folder: Path) -> dict[str, str]:
    """The MD5 each file in `folder` must have: the canonical ones, or for a folder that says it
    holds a cut of MNIST (a subset.json such as tests/data/mnist-subset has), the manifest's own.

    A manifest counts only if it names every file and says each was cut from the canonical one,
    so a subset can never pass for the full files, nor a manifest for a different dataset.
    """
    manifest = folder / SUBSET_MANIFEST
    if not manifest.is_file():
        return MD5
    try:
        files = json.loads(manifest.read_text())["files"]
        expected = {name: files[name]["md5"] for name in MD5}
        sources = {name: files[name]["cut_from_md5"] for name in MD5}
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise DataError(f"{manifest} is not a subset manifest ({type(error).__name__})") from None
    if sources != MD5:
        raise DataError(f"{manifest} does not describe a cut of the canonical MNIST files")
    return expected


def _check_file(path: Path, expected: dict[str, str]) -> None:
    """Refuse a file whose MD5 is not the one `expected` (see expected_md5s) names."""
    found = _md5(path)
    if found != expected[path.name]:
        raise DataError(
            f"{path} is corrupt (MD5 {found}, expected {expected[path.name]}); "
            "delete it to download it again, or replace it"
        )


def _download(name: str, folder: Path) -> str | None:
    """Fetch one file from the first mirror that serves it intact; return why none did, or None."""
    reasons = []
    for mirror in MIRRORS:
        partial = folder / f".{name}.{os.getpid()}.part"
        try:
            digest = hashlib.md5()
            with urllib.request.urlopen(mirror + name, timeout=DOWNLOAD_TIMEOUT_S) as response:
                with partial.open("wb") as out:
                    for block in iter(lambda: response.read(1 << 16), b""):
                        digest.update(block)
                        out.write(block)
            if digest.hexdigest() != MD5[name]:
                reasons.append(f"{mirror}: wrong MD5")
                continue
            os.replace(partial, folder / name)  # atomic: a reader never sees half a file
            return None
        except (OSError, http.client.HTTPException) as error:  # URLError is an OSError
            reasons.append(f"{mirror}: {getattr(error, 'reason', error)}")
        finally:
            partial.unlink(missing_ok=True)
    return "; ".join(reasons)


def ensure_mnist(data_dir: str | os.PathLike, download: bool = True) -> Path:
    """Make sure the four MNIST files are in `data_dir` with their canonical MD5s; return the dir.

    Missing files are downloaded when `download` is true. Raises DataError with one line
    saying what is wrong and where the files belong.
    """
    folder = Path(data_dir).expanduser()
    expected = expected_md5s(folder)
    missing = [name for name in MD5 if not (folder / name).is_file()]
    for name in MD5:
        if name not in missing:
            _check_file(folder / name, expected)
    if not missing:
        return folder
    where = f"put {', '.join(missing)} in {folder} (from {MIRRORS[0]}) or pass --data-dir"
    if not download or expected is not MD5:  # a subset is never completed from the full files
        raise DataError(f"MNIST files missing: {where}")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DataError(f"cannot create {folder} ({error.strerror}); {where}") from None
    for name in missing:
        failure = _download(name, folder)
        if failure is not None:
            raise DataError(f"could not download {name} ({failure}); {where}")
    return folder


def _read_idx(path: Path, magic: int, dims: int) -> tuple[bytes, tuple[int, ...]]:
    """Return the payload and shape of a gzipped IDX file, checking its header."""
    try:
        with gzip.open(path, "rb") as file:
            raw = file.read()
    except (OSError, EOFError) as error:
        raise DataError(f"{path} is not a readable gzip file ({error})") from None
    header = 4 + 4 * dims
    if len(raw) < header or struct.unpack(">I", raw[:4])[0] != magic:
        raise DataError(f"{path} is not an MNIST IDX file (bad header)")
    shape = struct.unpack(f">{dims}I", raw[4:header])
    if len(raw) - header != torch.Size(shape).numel():
        raise DataError(f"{path} is truncated: its header promises {shape}")
    return raw[header:], shape


def load_split(data_dir: str | os.PathLike, split: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Read MNIST's "train" or "test" split: uint8 images (N, 28, 28) and int64 labels (N,).

    The files are checked against their MD5s first: the canonical ones, or a subset manifest's
    (see expected_md5s). Nothing is downloaded (see ensure_mnist).
    """
    if split not in SPLITS:
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    folder = Path(data_dir).expanduser()
    expected = expected_md5s(folder)
    paths = [folder / name for name in SPLITS[split]]
    for path in paths:
        if not path.is_file():
            raise DataError(f"{path} is missing; put the MNIST files in {folder} or download them")
        _check_file(path, expected)
    pixels, shape = _read_idx(paths[0], magic=0x803, dims=3)
    targets, (count,) = _read_idx(paths[1], magic=0x801, dims=1)
    if count != shape[0]:
        raise DataError(f"{paths[1]} holds {count} labels for {shape[0]} images")
    images = torch.frombuffer(bytearray(pixels), dtype=torch.uint8).view(shape)
    labels = torch.frombuffer(bytearray(targets), dtype=torch.uint8).long()
    return images, labels


def select_digits(
    images: torch.Tensor, labels: torch.Tensor, digits: tuple[int, ...]
) -> tuple[torch.Tensor, torch.Tensor]:
    """Keep only the given digits and renumber them 0..len(digits)-1 in the order given."""
    class_of = torch.full((10,), -1, dtype=torch.long)
    class_of[list(digits)] = torch.arange(len(digits))
    classes = class_of[labels]
    keep = classes >= 0
    return images[keep], classes[keep]


# ----------------------------------------------------------------------------- models


class PixelSimilarity(nn.Module):
    """The chapter's baseline: the class whose mean training image is nearest.

    Nearest by mean absolute difference ("l1", the chapter's first choice) or root mean squared
    error ("l2"). Its logits are negative distances, so evaluation and checkpoints treat it like
    any other model.
    """

    def __init__(self, num_classes: int, distance: str = "l1"):
        super().__init__()
        self.distance = distance
        self.register_buffer("means", torch.zeros(num_classes, 28, 28))

    @torch.no_grad()
    def fit(self, inputs: torch.Tensor, classes: torch.Tensor) -> None:
        for k in range(len(self.means)):
            self.means[k] = inputs[classes == k, 0].mean(0)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        difference = inputs - self.means  # (B, 1, 28, 28) - (K, 28, 28) -> (B, K, 28, 28)
        if self.distance == "l2":
            return -difference.square().mean((-2, -1)).sqrt()
        return -difference.abs().mean((-2, -1))


def first_block(channels_out: int) -> nn.Sequential:
    """A 4x4 convolution stepping two pixels halves the image at once, then BatchNorm and ReLU.

    At full size a 3x3 convolution and max-pooling cost as much CPU time as the next block for
    little of the arithmetic (pooling alone writes its indices, then zeroes a gradient the size
    of its input). With this block and the unpadded ones after it, a step on one thread here
    takes 14.6 ms against 23.8 ms for padded, pooled blocks throughout; on the validation split
    it scores a little lower, 99.08-99.18% against 99.14-99.22% (benchmarks/trainer.py's grid).
    """
    return nn.Sequential(
        nn.Conv2d(1, channels_out, 4, stride=2, padding=1, bias=False),
        nn.BatchNorm2d(channels_out),
        nn.ReLU(inplace=True),
    )


def conv_block(channels_in: int, channels_out: int) -> nn.Sequential:
    """3x3 convolution without padding, 2x2 max-pooling halves the image, then BatchNorm and ReLU.

    Pooling straight after the convolution leaves BatchNorm and ReLU a quarter of the values to
    work on, forward and backward. Without padding the convolution works only where the whole
    3x3 window lies on the image, a quarter fewer places at 14x14, a half fewer at 6x6.
    """
    return nn.Sequential(
        nn.Conv2d(channels_in, channels_out, 3, bias=False),
        nn.MaxPool2d(2),
        nn.BatchNorm2d(channels_out),
        nn.ReLU(inplace=True),
    )


def build_model(config: Config) -> nn.Module:
    classes = len(config.digits)
    if config.model == "pixel-similarity":
        return PixelSimilarity(classes, config.distance)
    if config.model == "linear":
        return nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, classes))
    if config.model == "mlp":
        return nn.Sequential(
            nn.Flatten(),
            nn.Linear(28 * 28, 512),
            nn.ReLU(inplace=True),
            nn.Linear(512, 256),
            nn.ReLU(inplace=True),
            nn.Linear(256, classes),
        )
    w = config.width  # 28x28 -> 14, -> 12 -> 6, -> 4 -> 2, then a linear layer over the 2x2 map
    return nn.Sequential(
        first_block(w),
        conv_block(w, 2 * w),
        conv_block(2 * w, 4 * w),
        nn.Flatten(),
        nn.Linear(4 * w * 2 * 2, classes),
    )


# ----------------------------------------------------------------------------- training


def as_inputs(images: torch.Tensor) -> torch.Tensor:
    """uint8 (B, 28, 28) -> normalised float (B, 1, 28, 28)."""
    return ((images.float() / 255 - PIXEL_MEAN) / PIXEL_STD).unsqueeze(1)


def random_shift(images: torch.Tensor, pixels: int, generator: torch.Generator) -> torch.Tensor:
    """Translate each uint8 image by up to `pixels` in x and y, on its device; background fills."""
    n, height, width = images.shape
    device = images.device
    padded = F.pad(images, (pixels,) * 4)
    offsets = torch.randint(0, 2 * pixels + 1, (2, n, 1), generator=generator, device=device)
    rows = offsets[0] + torch.arange(height, device=device)  # (n, 28) source rows per image
    cols = offsets[1] + torch.arange(width, device=device)
    return padded[torch.arange(n, device=device)[:, None, None], rows[:, :, None], cols[:, None, :]]


def forward_loss(model, images, classes, label_smoothing: float):
    """Loss and count of right answers for a batch of uint8 images: what --compile compiles."""
    logits = model(as_inputs(images))
    loss = F.cross_entropy(logits.float(), classes, label_smoothing=label_smoothing)
    return loss, (logits.argmax(1) == classes).sum()


@dataclass
class Runtime:
    """Where and how a run executes; none of it changes what the model learns."""

    device: torch.device
    rank: int = 0
    world_size: int = 1
    amp_dtype: torch.dtype | None = None  # bf16 autocast on CUDA
    channels_last: bool = False
    cuda_graphs: bool = False  # torch.compile's "reduce-overhead" mode replays captured graphs
    forward_loss: Callable = forward_loss  # compiled under --compile
    graphed: GraphedStep | None = None  # the whole step as one CUDA graph (CUDA, not --eager)
    thread_guard: ThreadGuard | None = None  # set when --threads auto chose several

    def autocast(self):
        if self.amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.amp_dtype)

    def synchronize(self) -> None:
        if self.device.type != "cpu":
            torch.accelerator.synchronize(self.device)


def lr_factor(step: int, total_steps: int, warmup: float) -> float:
    """Linear warm-up to the peak, then linear decay to zero: a one-cycle schedule."""
    peak = max(1, round(warmup * total_steps))
    if step < peak:
        return (step + 1) / peak
    return max(0.0, (total_steps - step) / max(1, total_steps - peak))


def steps_per_epoch(config: Config, train_size: int, world_size: int) -> tuple[int, int]:
    """(steps, batch per rank): ranks split the global batch; a last partial batch is dropped."""
    per_rank = max(1, config.batch_size // world_size)
    shard = train_size // world_size
    return max(1, shard // per_rank), min(per_rank, shard)


class SGD:
    """Stochastic gradient descent with Nesterov momentum, written out the way chapter 4 writes
    its own optimizer: each step moves every parameter against its gradient.

    The arithmetic is torch.optim.SGD's (momentum buffers start at zero, L2 weight decay on
    weights but not on biases or BatchNorm), at the rate `schedule(step)` for each step. The
    rate lives in a tensor that `update` reads, so a captured CUDA graph replays with the rate
    of the step it is replaying. torch.optim would bring torch._dynamo with it: 1.2 s to
    import and 0.5-0.7 s more at exit on a CPU here, where a whole run takes about 6 s.
    """

    def __init__(self, params, schedule: Callable[[int], float], momentum: float, decay: float):
        self.params = list(params)
        self.schedule = schedule
        self.momentum = momentum
        self.decays = [decay if p.ndim > 1 else 0.0 for p in self.params]
        self.velocities = [torch.zeros_like(p) for p in self.params]
        self.rate = torch.zeros((), device=self.params[0].device)
        self.steps = 0  # updates taken: the schedule's position

    def zero_grad(self) -> None:
        for param in self.params:
            param.grad = None

    @torch.no_grad()
    def update(self) -> None:
        """Move every parameter one Nesterov step at `self.rate`."""
        for param, velocity, decay in zip(self.params, self.velocities, self.decays, strict=True):
            grad = param.grad if decay == 0 else param.grad.add(param, alpha=decay)
            velocity.mul_(self.momentum).add_(grad)
            param.addcmul_(grad.add(velocity, alpha=self.momentum), self.rate, value=-1)

    def set_rate(self) -> None:
        self.rate.fill_(self.schedule(self.steps))

    def step(self, update: Callable[[], None] | None = None) -> None:
        """Set this step's rate, apply `update` (by default self.update: a captured copy of it
        can stand in), and count the step."""
        self.set_rate()
        (update or self.update)()
        self.steps += 1

    def state_dict(self) -> dict:
        return {"steps": self.steps, "velocities": [v.clone() for v in self.velocities]}

    def load_state_dict(self, state: dict) -> None:
        """Put back a state_dict's steps and velocities, in place (graphs keep their addresses)."""
        saved = state["velocities"]
        if len(saved) != len(self.velocities) or any(
            s.shape != v.shape for s, v in zip(saved, self.velocities, strict=False)
        ):
            raise ValueError("the velocities do not fit this model's parameters")
        for velocity, value in zip(self.velocities, saved, strict=True):
            velocity.copy_(value)
        self.steps = int(state["steps"])


def make_optimizer(model: nn.Module, config: Config, total_steps: int) -> SGD | None:
    """SGD with Nesterov momentum under the one-cycle schedule; None without parameters."""
    params = list(model.parameters())
    if not params:
        return None
    return SGD(
        params,
        schedule=lambda step: config.lr * lr_factor(step, total_steps, config.warmup),
        momentum=config.momentum,
        decay=config.weight_decay,
    )


def train_step(model, optimizer, images, classes, config: Config, runtime: Runtime):
    """One optimizer step; returns the loss and right answers as device tensors (no sync)."""
    if runtime.graphed is not None:
        return runtime.graphed(images, classes)
    if runtime.cuda_graphs:
        torch.compiler.cudagraph_mark_step_begin()  # the last step's graph outputs are used up
    with runtime.autocast():
        loss, correct = runtime.forward_loss(model, images, classes, config.label_smoothing)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.detach(), correct


def train_epoch(model, optimizer, images, classes, config, epoch, runtime, on_step):
    """One pass over this rank's shard of the epoch's permutation; returns (mean loss, accuracy).

    Every rank draws the same permutation (seeded by seed and epoch) and takes every
    world_size-th index, so the shards are disjoint and cover the data.
    """
    device = images.device
    seed = config.seed * 1_000 + epoch
    order = torch.Generator(device=device).manual_seed(seed)
    augment = torch.Generator(device=device).manual_seed(seed * 1_000 + runtime.rank + 1)
    permutation = torch.randperm(len(images), generator=order, device=device)
    shard = permutation[runtime.rank :: runtime.world_size]
    steps, batch = steps_per_epoch(config, len(images), runtime.world_size)
    loss_sum = torch.zeros((), device=device)
    correct = torch.zeros((), device=device, dtype=torch.long)
    model.train()
    for step in range(steps):
        index = shard[step * batch : (step + 1) * batch]
        x = images[index]
        if config.shift:
            x = random_shift(x, config.shift, augment)
        start = time.perf_counter()
        loss, right = train_step(model, optimizer, x, classes[index], config, runtime)
        if runtime.thread_guard is not None:  # a CPU step has finished when it returns
            runtime.thread_guard.observe(time.perf_counter() - start)
        loss_sum += loss
        correct += right
        on_step(step, loss_sum, correct, batch)
    return loss_sum.item() / steps, correct.item() / (steps * batch)


@contextlib.contextmanager
def undone(model, optimizer):
    """Steps taken inside leave no trace: weights, BatchNorm statistics and optimizer state are
    put back (in place, so compiled graphs keep their addresses) and the momentum built dropped."""
    net = getattr(model, "module", model)
    weights = {name: t.clone() for name, t in net.state_dict().items()}
    optimizer_state = optimizer.state_dict()
    model.train()
    try:
        yield
    finally:
        net.load_state_dict(weights)
        optimizer.load_state_dict(optimizer_state)
        optimizer.zero_grad()


def fixed_steps(
    model, optimizer, images, classes, config, runtime, steps: int, stop_above: float = math.inf
) -> list[float]:
    """Take up to `steps` steps on the first batches (no randomness drawn); the seconds each took.

    Stops after the first step, other than the very first, slower than `stop_above` seconds.
    """
    _, batch = steps_per_epoch(config, len(images), runtime.world_size)
    seconds = []
    for step in range(steps):
        index = torch.arange(step * batch, (step + 1) * batch, device=images.device) % len(images)
        start = time.perf_counter()
        train_step(model, optimizer, images[index], classes[index], config, runtime)
        runtime.synchronize()
        seconds.append(time.perf_counter() - start)
        if step > 0 and seconds[-1] > stop_above:
            break
    return seconds


def warm_up(model, optimizer, images, classes, config, runtime, steps: int = 5) -> float:
    """Run a few steps so cuDNN and torch.compile settle their kernels, then undo them.

    Returns the seconds spent, which a run reports apart from its training time.
    """
    start = time.perf_counter()
    with undone(model, optimizer):
        fixed_steps(model, optimizer, images, classes, config, runtime, steps)
    return time.perf_counter() - start


class GraphedStep:
    """The whole training step, from the forward pass to the optimizer's update, captured once
    as a CUDA graph and then replayed for every batch.

    A step of so small a network is bound by launching its few dozen kernels one by one from
    Python, not by the GPU's arithmetic; a replay hands them all to the GPU at once. A replay
    reads and writes fixed addresses, so each batch is copied into `images` and `classes`, and
    the update reads the optimizer's rate tensor, which is set before each replay. What a run
    learns is unchanged: the capture's own warm-up steps are undone before training starts.
    """

    WARMUP_STEPS = 3  # on a side stream, as CUDA graph capture requires

    def __init__(self, model, optimizer: SGD, images, classes, config: Config, runtime: Runtime):
        _, batch = steps_per_epoch(config, len(images), runtime.world_size)
        self.optimizer = optimizer
        self.images = images[:batch].clone()
        self.classes = classes[:batch].clone()

        def step():
            # autocast's weight cache would hold tensors made outside the graph
            with torch.autocast("cuda", dtype=runtime.amp_dtype, cache_enabled=False):
                loss, correct = forward_loss(
                    model, self.images, self.classes, config.label_smoothing
                )
            optimizer.zero_grad()
            loss.backward()
            optimizer.update()
            return loss.detach(), correct

        with undone(model, optimizer):  # in place: the graph keeps these addresses
            optimizer.set_rate()
            side = torch.cuda.Stream()
            side.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(side):
                for _ in range(self.WARMUP_STEPS):
                    step()
            torch.cuda.current_stream().wait_stream(side)
        self.graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(self.graph):
            self.loss, self.correct = step()

    def __call__(self, images: torch.Tensor, classes: torch.Tensor):
        """One step on this batch; the loss and right answers are overwritten by the next."""
        self.images.copy_(images)
        self.classes.copy_(classes)
        self.optimizer.step(update=self.graph.replay)
        return self.loss, self.correct


class ThreadGuard:
    """Drops to one thread for good when steps on several, over a window, run slower than one
    thread ran when measured: contention that began after pick_threads chose."""

    WINDOW = 20

    def __init__(self, one_thread_seconds: float):
        self.limit = one_thread_seconds
        self.seconds: list[float] = []

    def observe(self, seconds: float) -> None:
        if torch.get_num_threads() == 1:
            return
        self.seconds.append(seconds)
        if len(self.seconds) == self.WINDOW:
            if sorted(self.seconds)[self.WINDOW // 2] > self.limit:
                torch.set_num_threads(1)
            self.seconds = []


THREADS_GAIN = 1.25  # more threads are kept only if they make a step at least this much faster


def cpus_available() -> int:
    """The CPUs this process may run on (its affinity mask, as taskset or a container sets it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS and Windows have no affinity mask
        return os.cpu_count() or 1


def pick_threads(model, optimizer, images, classes, config, runtime, steps: int = 3) -> int:
    """Time a few steps on every available CPU and on one, keep the faster, and set it; when
    that is several, runtime.thread_guard watches the run for contention that starts later.

    On a machine that other work shares, a step split over every core waits for its slowest
    thread, which the scheduler has handed to someone else: such steps can take several times
    as long as on one thread. Measuring is the only way to know what the machine gives now.
    The steps are undone, so the choice never changes what the run learns.
    """
    cpus = cpus_available()
    if cpus == 1:
        torch.set_num_threads(1)
        return 1

    def median_step(threads: int, stop_above: float = math.inf) -> float:
        torch.set_num_threads(threads)
        # the first step wakes the thread pool and builds kernels: not counted
        times = fixed_steps(
            model, optimizer, images, classes, config, runtime, steps + 1, stop_above
        )
        return sorted(times[1:])[len(times[1:]) // 2]

    median = {}
    with undone(model, optimizer):
        median[1] = median_step(1)
        # a busy machine makes split steps very slow: one step that loses ends the trial
        median[cpus] = median_step(cpus, stop_above=median[1] / THREADS_GAIN)
    chosen = cpus if median[1] >= THREADS_GAIN * median[cpus] else 1
    torch.set_num_threads(chosen)
    runtime.thread_guard = ThreadGuard(median[1]) if chosen > 1 else None
    return chosen


def average_buffers(net: nn.Module, world_size: int) -> None:
    """Give every rank the mean of the ranks' BatchNorm statistics, so all hold the same model."""
    for buffer in net.buffers():
        if buffer.is_floating_point():
            dist.all_reduce(buffer)
            buffer /= world_size


@torch.no_grad()
@torch.inference_mode()
def evaluate(model, images, classes, batch_size: int = 500, amp_dtype=None) -> float:
    """Fraction of `images` (uint8, N x 28 x 28) whose predicted class is `classes`.

    Pure: the model's train/eval mode is restored and nothing else changes. Batches of 500 keep
    a CPU's caches busy: 10,000 test images took 0.65 s on one core here, 1.4-2.4 s in batches
    of 1,000 or 2,000.
    """
    was_training = model.training
    model.eval()
    correct = torch.zeros((), dtype=torch.long, device=images.device)
    for start in range(0, len(images), batch_size):
        batch = as_inputs(images[start : start + batch_size])
        with torch.autocast(images.device.type, dtype=amp_dtype, enabled=amp_dtype is not None):
            logits = model(batch)
        correct += (logits.argmax(1) == classes[start : start + batch_size]).sum()
    model.train(was_training)
    return correct.item() / len(images)


def weights_hash(net: nn.Module) -> str:
    """A SHA-256 of every tensor in the state dict, to show that ranks agree."""
    digest = hashlib.sha256()
    for name, tensor in sorted(net.state_dict().items()):
        digest.update(name.encode())
        digest.update(bytes(tensor.detach().cpu().contiguous().view(-1).view(torch.uint8).tolist()))
    return digest.hexdigest()


# ----------------------------------------------------------------------------- checkpoints


def save_checkpoint(path: Path, net, optimizer: SGD | None, config: Config, epoch: int) -> None:
    """Write model, optimizer (its velocities and steps taken), config and finished epochs;
    atomically."""
    state = {
        "model": net.state_dict(),
        "optimizer": optimizer.state_dict() if optimizer else None,
        "config": dataclasses.asdict(config) | {"digits": list(config.digits)},
        "epoch": epoch,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    torch.save(state, partial)
    os.replace(partial, path)


def load_checkpoint(path: Path) -> tuple[dict, Config]:
    """Read a checkpoint with weights_only=True; a missing or foreign file is a TrainerError."""
    if not path.is_file():
        raise TrainerError(f"checkpoint {path} not found")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        stored = dict(state["config"])
        config = Config(**stored | {"digits": tuple(stored["digits"])})
        state["model"], state["epoch"]
    except Exception as error:  # whatever torch.load or Config objects to, it is not ours
        reason = (str(error).strip().splitlines() or [""])[0][:120]
        raise TrainerError(
            f"{path} is not a trainer checkpoint ({type(error).__name__}: {reason})"
        ) from None
    return state, config


# ----------------------------------------------------------------------------- progress

REPORT_EVERY_S = 0.1  # reading the running figures is a device sync: at most ten a second


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
                f"{event['epochs']} epochs, {event['train_seconds']:.1f} s of training "
                f"on {event['device']}",
                highlight=False,
            )


class JsonLines:
    """Prints progress events on stdout, one JSON object a line, for a program to follow
    (quiz's Train screen): "start", "step"s, an "epoch" at each epoch's end, "done"."""

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return None

    def __call__(self, event: dict) -> None:
        print(json.dumps(event), flush=True)


def make_report(kind: str):
    """The --progress reporter: "bar" (ProgressBar) or "jsonl" (JsonLines)."""
    return JsonLines() if kind == "jsonl" else ProgressBar()


# ----------------------------------------------------------------------------- running


def pick_device(name: str, local_rank: int) -> torch.device:
    """Resolve --device; an accelerator asked for but absent is a TrainerError."""
    if name == "auto":
        if torch.accelerator.is_available():
            name = torch.accelerator.current_accelerator().type
        else:
            name = "cpu"
    available = {
        "cpu": True,
        "cuda": torch.cuda.is_available(),
        "mps": torch.backends.mps.is_available(),
    }.get(name, True)
    if not available:
        raise TrainerError(f"--device {name}: no {name} device is available on this machine")
    if name == "cpu":
        return torch.device("cpu")
    return torch.device(name, local_rank % max(1, torch.accelerator.device_count()))


def start_distributed(device: torch.device) -> tuple[int, int]:
    """Join the process group when launched by torchrun; return (rank, world size)."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size == 1:
        return 0, 1
    backend = "nccl" if device.type == "cuda" else "gloo"
    dist.init_process_group(backend, device_id=device if device.type == "cuda" else None)
    return dist.get_rank(), world_size


def load_data(data_dir: Path, config: Config, device: torch.device):
    """((train images, classes), (held-out images, classes)) for the config's digits, on `device`.

    The held-out images are the test split, or under config.validation the training split's
    last sixth (images 50,000 to 59,999), which is then left out of training; the test split
    is not even read, so choosing settings on it is impossible.
    """
    folder = ensure_mnist(data_dir)
    images, labels = load_split(folder, "train")
    if config.validation:
        cut = len(images) - len(images) // VALIDATION_SHARE
        train = select_digits(images[:cut], labels[:cut], config.digits)
        test = select_digits(images[cut:], labels[cut:], config.digits)
    else:
        train = select_digits(images, labels, config.digits)
        test = select_digits(*load_split(folder, "test"), config.digits)
    if config.limit_train:
        train = tuple(t[: config.limit_train] for t in train)
    return tuple(t.to(device) for t in train), tuple(t.to(device) for t in test)


M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's malloc.h


def keep_freed_memory() -> None:
    """Ask glibc's malloc to keep freed memory for the next allocation rather than return it.

    Every CPU step allocates the same activation buffers and frees them again. By default
    glibc hands large blocks back to the system, and the next step faults them in again page
    by page, each page zeroed: 12-18% of a step's time here. Where the C library is not glibc
    (macOS, Windows, musl) this does nothing.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library this process already runs on
    except (OSError, AttributeError):
        return
    mallopt(M_TRIM_THRESHOLD, 1 << 30)  # keep up to 1 GiB free at the top of the heap
    mallopt(M_MMAP_THRESHOLD, 32 << 20)  # blocks under 32 MiB come from the heap, not mmap


def run(args: argparse.Namespace) -> int:
    """Train (or resume, or only evaluate) as the parsed flags say; rank 0 prints the summary."""
    device = pick_device(args.device, int(os.environ.get("LOCAL_RANK", "0")))
    if device.type == "cpu":
        keep_freed_memory()
    if args.threads != "auto":
        torch.set_num_threads(args.threads)
    state, config = None, config_from_args(args)
    if args.resume or args.eval:
        state, config = load_checkpoint(Path(args.resume or args.eval))
        if args.resume and args.epochs is not None:
            config = dataclasses.replace(config, epochs=args.epochs)
    start = time.perf_counter()
    train, test = load_data(args.data_dir or default_data_dir(), config, device)
    data_seconds = time.perf_counter() - start  # the first use of an accelerator starts it

    rank, world_size = start_distributed(device)
    report = None if rank != 0 or args.json else make_report(args.progress)
    try:
        cuda = device.type == "cuda"
        torch.backends.cudnn.benchmark = cuda
        runtime = Runtime(
            device,
            rank,
            world_size,
            amp_dtype=torch.bfloat16 if cuda else None,
            # channels-last lets cuDNN and oneDNN pick faster convolutions (2x on a CPU here)
            channels_last=device.type in ("cuda", "cpu"),
        )
        with report or contextlib.nullcontext():
            summary = train_and_evaluate(args, config, state, runtime, train, test, report)
        summary["data_seconds"] = round(data_seconds, 3)
        if report is not None:
            report({"event": "done", **summary})
        if rank == 0 and args.progress != "jsonl":
            print(json.dumps(summary), flush=True)
        return 0
    finally:
        if world_size > 1:
            dist.destroy_process_group()


def train_and_evaluate(args, config: Config, state, runtime: Runtime, train, test, report) -> dict:
    """Build (or restore) the model, train the remaining epochs, evaluate; return the summary.

    `report`, when given, is called with each progress event (see ProgressBar and JsonLines).
    """
    torch.manual_seed(config.seed)
    net = build_model(config).to(runtime.device)
    if runtime.channels_last:
        net = net.to(memory_format=torch.channels_last)
    steps, _ = steps_per_epoch(config, len(train[0]), runtime.world_size)
    total_steps = steps * config.epochs
    # --epochs on a resumed run stretches the schedule: it goes on from the steps taken
    optimizer = make_optimizer(net, config, total_steps)
    done = 0  # epochs finished
    if state is not None:
        try:
            net.load_state_dict(state["model"])
            if optimizer and args.resume:
                optimizer.load_state_dict(state["optimizer"])
        except (RuntimeError, ValueError, KeyError, TypeError):  # saved by another version
            raise TrainerError(
                f"{args.resume or args.eval} does not fit this trainer's {config.model} "
                "(saved by another version of it); train it again"
            ) from None
        done = state["epoch"]

    if report is not None:
        report(
            {
                "event": "start",
                "model": config.model,
                "device": runtime.device.type,
                "epochs": config.epochs,
                "from_epoch": done,
                "steps": 0 if optimizer is None or args.eval else steps,
                "train_images": len(train[0]),
            }
        )
    train_seconds = warmup_seconds = 0.0
    if args.eval:
        pass
    elif optimizer is None:  # pixel-similarity: one pass to average each class
        start = time.perf_counter()
        net.fit(as_inputs(train[0]), train[1])
        runtime.synchronize()
        train_seconds, done = time.perf_counter() - start, config.epochs
    else:
        model = net
        if runtime.world_size > 1:
            model = nn.parallel.DistributedDataParallel(net)
        if args.compile and runtime.world_size > 1:
            model = torch.compile(model)  # DDP's documented way: compile the wrapped model
        elif args.compile:
            # The forward pass and loss as one graph. On CUDA, "reduce-overhead" also replays it
            # as a CUDA graph: a step of so small a network is bound by launches, not arithmetic.
            runtime.cuda_graphs = runtime.device.type == "cuda"
            mode = "reduce-overhead" if runtime.cuda_graphs else None
            runtime.forward_loss = torch.compile(forward_loss, mode=mode)
        graph = runtime.device.type == "cuda" and runtime.world_size == 1 and not args.compile
        graph = graph and not args.eager
        if (runtime.device.type != "cpu" or args.compile) and not graph and done < config.epochs:
            warmup_seconds = warm_up(model, optimizer, *train, config, runtime)
        if graph and done < config.epochs:  # the capture warms up on its own
            start = time.perf_counter()
            runtime.graphed = GraphedStep(model, optimizer, *train, config, runtime)
            runtime.synchronize()
            warmup_seconds += time.perf_counter() - start
        if args.threads == "auto" and runtime.device.type == "cpu" and done < config.epochs:
            if runtime.world_size == 1 and "OMP_NUM_THREADS" not in os.environ:
                start = time.perf_counter()
                pick_threads(model, optimizer, *train, config, runtime)
                warmup_seconds += time.perf_counter() - start
        train_seconds, done = train_epochs(
            args, model, net, optimizer, train, config, runtime, done, report
        )

    summary = {
        "model": config.model,
        "digits": list(config.digits),
        "device": runtime.device.type,
        "epochs": done,
        "seed": config.seed,
        "batch_size": config.batch_size,
        "train_images": len(train[0]),
        "world_size": runtime.world_size,
        "compiled": bool(args.compile),
        "cuda_graph": runtime.graphed is not None,
        "train_seconds": round(train_seconds, 3),
        "warmup_seconds": round(warmup_seconds, 3),  # includes choosing the thread count
    }
    if runtime.device.type == "cpu":
        summary["threads"] = torch.get_num_threads()
    if runtime.device.type == "cuda":
        summary["device_name"] = torch.cuda.get_device_name(runtime.device)
    if args.resume:
        summary["resumed_from_epoch"] = state["epoch"]
    if runtime.world_size > 1:
        hashes = [None] * runtime.world_size
        dist.all_gather_object(hashes, weights_hash(net))
        summary["weight_hashes"] = hashes
    if runtime.rank == 0:
        if args.save and optimizer is None and not args.eval:
            save_checkpoint(Path(args.save), net, None, config, done)
        start = time.perf_counter()
        accuracy = evaluate(net, *test, amp_dtype=runtime.amp_dtype)
        summary["evaluate_seconds"] = round(time.perf_counter() - start, 3)
        held_out = "val" if config.validation else "test"
        summary[f"{held_out}_accuracy"] = round(accuracy, 5)
        summary[f"{held_out}_images"] = len(test[0])  # 10,000 unless a subset or --digits
    return summary


def train_epochs(args, model, net, optimizer, train, config, runtime, done, report):
    """Train from epoch `done` to config.epochs, reporting progress; rank 0 saves each epoch.

    Returns (seconds of training, epochs finished): the clock stops for reporting and saving.
    """
    steps, _ = steps_per_epoch(config, len(train[0]), runtime.world_size)
    seconds = 0.0
    for epoch in range(done, config.epochs):
        on_step = step_reporter(report, epoch, config.epochs, steps)
        start = time.perf_counter()
        loss, accuracy = train_epoch(model, optimizer, *train, config, epoch, runtime, on_step)
        if runtime.world_size > 1:
            average_buffers(net, runtime.world_size)
        runtime.synchronize()
        seconds += time.perf_counter() - start
        done = epoch + 1
        if report is not None:
            report(
                {
                    "event": "epoch",
                    "epoch": done,
                    "epochs": config.epochs,
                    "loss": round(loss, 5),
                    "accuracy": round(accuracy, 5),
                    "seconds": round(seconds, 3),
                }
            )
        if args.save and runtime.rank == 0:
            save_checkpoint(Path(args.save), net, optimizer, config, done)
    return seconds, done


# ----------------------------------------------------------------------------- command line


def given_settings(args: argparse.Namespace) -> dict:
    """The Config fields set by flags on this command line."""
    fields = (field.name for field in dataclasses.fields(Config))
    return {name: getattr(args, name) for name in fields if getattr(args, name, None) is not None}


def config_from_args(args: argparse.Namespace) -> Config:
    """Config defaults, then the model's own defaults, then the flags given."""
    model = args.model or "cnn"
    return Config(**MODEL_DEFAULTS[model] | given_settings(args) | {"model": model})


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


def build_parser(prog: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Train an MNIST classifier; print one JSON line with its test accuracy.",
        epilog="Several processes: torchrun --nproc-per-node=N mnist_trainer.py [flags] (DDP).",
    )
    add = parser.add_argument
    add("--model", choices=MODELS, help="what to train (default: cnn)")
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


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    """Command-line entry point; returns the exit status (2 for anything a person can fix)."""
    parser = build_parser(prog)
    try:
        args = parser.parse_args(argv)
        if args.json and args.progress == "jsonl":
            parser.error("--json and --progress jsonl: choose one")
        if args.resume or args.eval:
            fixed = set(given_settings(args)) - ({"epochs"} if args.resume else set())
            if fixed:
                flags = ", ".join("--" + name.replace("_", "-") for name in sorted(fixed))
                parser.error(f"{flags}: a checkpoint keeps its own settings")
    except SystemExit as exit_:  # argparse has printed its usage error (or --help)
        return int(exit_.code or 0)
    try:
        return run(args)
    except TrainerError as error:
        print(f"{parser.prog}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{parser.prog}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
