"""Train and evaluate MNIST classifiers, from the chapter's pixel-similarity baseline to a CNN.

Read it top to bottom: the settings, then chapter 4's seven steps in their order (1. initialise,
2. predict, 3. loss, 4. gradient, 5. step, 6. repeat, 7. stop), then the run that joins them.
Each plugged in at one place, beside it: trainer_data.py, trainer_speed.py (CUDA graphs, threads),
trainer_ddp.py (several processes), trainer_progress.py, trainer_checkpoints.py, trainer_cli.py.

    python solutions/mnist_trainer.py                        # the CNN, defaults tuned for a CPU
    python solutions/mnist_trainer.py --val --lr 0.2         # score a setting on validation
    python solutions/mnist_trainer.py --model pixel-similarity --digits 3,7
    torchrun --nproc-per-node=2 solutions/mnist_trainer.py   # DistributedDataParallel
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
import trainer_cli
import trainer_ddp as ddp
from torch import nn
from trainer_checkpoints import restore, save_checkpoint
from trainer_data import random_shift
from trainer_speed import Runtime, speed_up


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


# ----------------------------------------------------------------------------- 1. initialise
class PixelSimilarity(nn.Module):
    """The chapter's baseline: the class whose mean training image is nearest, by mean absolute
    difference ("l1") or root mean squared error ("l2"). Its logits are negative distances."""

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
    """A 4x4 convolution stepping two pixels halves the image at once, then BatchNorm and ReLU:
    a step takes 14.6 ms on a CPU thread here, not 23.8 as with 3x3 and pooling (see README)."""
    return nn.Sequential(
        nn.Conv2d(1, channels_out, 4, stride=2, padding=1, bias=False),
        nn.BatchNorm2d(channels_out),
        nn.ReLU(inplace=True),
    )


def conv_block(channels_in: int, channels_out: int) -> nn.Sequential:
    """3x3 convolution without padding, 2x2 max-pooling halves the image, then BatchNorm and ReLU:
    pooling first leaves those a quarter of the values, and no padding skips the borders."""
    return nn.Sequential(
        nn.Conv2d(channels_in, channels_out, 3, bias=False),
        nn.MaxPool2d(2),
        nn.BatchNorm2d(channels_out),
        nn.ReLU(inplace=True),
    )


def build_model(config: Config) -> nn.Module:
    """The config's model with freshly initialised weights (torch's defaults, from the seed)."""
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


# ----------------------------------------------------------------------------- 2. predict
PIXEL_MEAN, PIXEL_STD = 0.1307, 0.3081  # over the training images, scaled to [0, 1]


def as_inputs(images: torch.Tensor) -> torch.Tensor:
    """uint8 (B, 28, 28) -> normalised float (B, 1, 28, 28)."""
    return ((images.float() / 255 - PIXEL_MEAN) / PIXEL_STD).unsqueeze(1)


def predict(model: nn.Module, images: torch.Tensor) -> torch.Tensor:
    """The model's logits for a batch of uint8 images: a score per class, the highest its guess."""
    return model(as_inputs(images))


# ----------------------------------------------------------------------------- 3. loss
def forward_loss(model, images, classes, label_smoothing: float):
    """Loss and count of right answers for a batch of uint8 images: what --compile compiles."""
    logits = predict(model, images)
    loss = F.cross_entropy(logits.float(), classes, label_smoothing=label_smoothing)
    return loss, (logits.argmax(1) == classes).sum()


# ----------------------------------------------------------------------------- 4. gradient
def train_step(model, optimizer, images, classes, config: Config, runtime: Runtime):
    """Steps 2 to 5 on one batch; returns the loss and right answers as device tensors (no sync)."""
    if runtime.graphed is not None:  # on CUDA: these same lines, captured once and replayed
        return runtime.graphed(images, classes)
    forward = runtime.compiled or forward_loss  # torch.compile's copy under --compile
    with runtime.step():  # bf16 on CUDA
        loss, correct = forward(model, images, classes, config.label_smoothing)
    optimizer.zero_grad()
    loss.backward()  # 4. the gradient of the loss with respect to every weight
    optimizer.step()  # 5. every weight moves a little against its gradient
    return loss.detach(), correct


# ----------------------------------------------------------------------------- 5. step
def lr_factor(step: int, total_steps: int, warmup: float) -> float:
    """Linear warm-up to the peak, then linear decay to zero: a one-cycle schedule."""
    peak = max(1, round(warmup * total_steps))
    if step < peak:
        return (step + 1) / peak
    return max(0.0, (total_steps - step) / max(1, total_steps - peak))


class SGD:
    """Stochastic gradient descent with Nesterov momentum, written out as chapter 4 writes its
    own optimizer: torch.optim.SGD's arithmetic (L2 decay on weights, not biases or BatchNorm)
    at the rate `schedule(step)`. The rate is a tensor, so a captured CUDA graph replays with
    the right one; torch.optim would cost a CPU run here 2 s of 6 importing torch._dynamo.
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


# ----------------------------------------------------------------------------- 6. repeat
def steps_per_epoch(config: Config, train_size: int, world_size: int) -> tuple[int, int]:
    """(steps, batch per rank): ranks split the global batch; a last partial batch is dropped."""
    per_rank = max(1, config.batch_size // world_size)
    shard = train_size // world_size
    return max(1, shard // per_rank), min(per_rank, shard)


def train_epoch(model, optimizer, images, classes, config, epoch, runtime, on_step):
    """One pass over this rank's shard of the epoch's permutation; returns (mean loss, accuracy).
    Every rank draws the same permutation and takes every world_size-th index of it."""
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


def train_epochs(model, net, optimizer, train, config, runtime, done, report, save):
    """Train from epoch `done` to config.epochs; after each, report it and (rank 0) save to
    `save`, if given. Returns (seconds of training, epochs finished): the clock stops for both."""
    steps, _ = steps_per_epoch(config, len(train[0]), runtime.world_size)
    seconds = 0.0
    for epoch in range(done, config.epochs):
        on_step = report.on_step(epoch, config.epochs, steps)
        start = time.perf_counter()
        loss, accuracy = train_epoch(model, optimizer, *train, config, epoch, runtime, on_step)
        ddp.end_epoch(net, runtime)  # every process holds the same model; the device is done
        seconds += time.perf_counter() - start
        done = epoch + 1
        report.epoch_done(done, config.epochs, loss, accuracy, seconds)
        if save and runtime.rank == 0:
            save_checkpoint(Path(save), net, optimizer, config, done)
    return seconds, done


# ----------------------------------------------------------------------------- 7. stop
@torch.no_grad()
@torch.inference_mode()
def evaluate(model, images, classes, batch_size: int = 500, amp_dtype=None) -> float:
    """Fraction of uint8 `images` predicted as `classes`; pure: the model's mode is put back.
    Batches of 500 fit a CPU's caches: 10,000 took 0.65 s on a core here, 1.4-2.4 s in 1,000s."""
    was_training = model.training
    model.eval()
    correct = torch.zeros((), dtype=torch.long, device=images.device)
    for start in range(0, len(images), batch_size):
        with torch.autocast(images.device.type, dtype=amp_dtype, enabled=amp_dtype is not None):
            logits = predict(model, images[start : start + batch_size])
        correct += (logits.argmax(1) == classes[start : start + batch_size]).sum()
    model.train(was_training)
    return correct.item() / len(images)


# ----------------------------------------------------------------------------- the whole run
def train_and_evaluate(options, config: Config, state, runtime, train, test, report) -> dict:
    """Initialise (or restore) the model, train the epochs left, stop and evaluate on the
    held-out images; return the summary. `options` are the flags (see trainer_cli)."""
    torch.manual_seed(config.seed)
    net = runtime.place(build_model(config))
    steps, batch = steps_per_epoch(config, len(train[0]), runtime.world_size)
    # --epochs on a resumed run stretches the schedule: it goes on from the steps taken
    optimizer = make_optimizer(net, config, steps * config.epochs)
    done = restore(state, net, optimizer, options)  # the epochs a checkpoint had finished
    trains = optimizer is not None and not options.eval
    report.started(config, runtime, done, steps if trains else 0, len(train[0]))
    train_seconds = warmup_seconds = 0.0
    if optimizer is None and not options.eval:  # pixel-similarity: one pass to average each class
        start = time.perf_counter()
        net.fit(as_inputs(train[0]), train[1])
        runtime.synchronize()
        train_seconds, done = time.perf_counter() - start, config.epochs
    elif trains:
        model = ddp.wrapped(net, runtime.world_size)
        if done < config.epochs:
            model, warmup_seconds = speed_up(
                options, model, optimizer, train, batch, config, runtime, train_step, forward_loss
            )
        train_seconds, done = train_epochs(
            model, net, optimizer, train, config, runtime, done, report, options.save
        )
    summary = report.summary(
        options, config, state, runtime, len(train[0]), done, train_seconds, warmup_seconds
    )
    if runtime.world_size > 1:
        summary["weight_hashes"] = ddp.gathered_hashes(net, runtime.world_size)
    if runtime.rank == 0:
        if options.save and optimizer is None and not options.eval:
            save_checkpoint(Path(options.save), net, None, config, done)
        start = time.perf_counter()
        accuracy = evaluate(net, *test, amp_dtype=runtime.amp_dtype)
        summary["evaluate_seconds"] = round(time.perf_counter() - start, 3)
        held_out = "val" if config.validation else "test"
        summary[f"{held_out}_accuracy"] = round(accuracy, 5)
        summary[f"{held_out}_images"] = len(test[0])  # 10,000 unless a subset or --digits
    return summary


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    """The command line (trainer_cli runs train_and_evaluate); 2 for a person's mistake."""
    return trainer_cli.main(train_and_evaluate, Config, MODEL_DEFAULTS, argv, prog)


if __name__ == "__main__":
    sys.exit(main())
