"""What makes mnist_trainer.py fast without changing what it learns: the device and its options,
the whole step captured as one CUDA graph, torch.compile, the CPU thread count chosen by timing,
and glibc's malloc told to keep freed memory.

The trainer hands in its own functions (a training step, the forward pass and loss) rather than
this module importing them, so the trainer stays the one file a learner reads first.
"""

from __future__ import annotations

import contextlib
import ctypes
import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from trainer_checkpoints import load_optimizer_state, optimizer_state

from quiz.errors import QuizError

Step = Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]
"""A training step (or the forward pass and loss) on one batch of images and classes."""


@dataclass
class Runtime:
    """Where and how a run executes; none of it changes what the model learns."""

    device: torch.device
    rank: int = 0
    world_size: int = 1
    amp_dtype: torch.dtype | None = None  # bf16 autocast on CUDA
    channels_last: bool = False
    cuda_graphs: bool = False  # torch.compile's "reduce-overhead" mode replays captured graphs
    compiled: Callable | None = None  # the trainer's forward_loss, compiled under --compile
    graphed: GraphedStep | None = None  # the whole step as one CUDA graph (CUDA, not --eager)
    thread_guard: ThreadGuard | None = None  # set when --threads auto chose several

    @classmethod
    def for_flags(cls, device_flag: str, threads: int | str) -> Runtime:
        """Resolve --device and --threads, and pick the options this device runs fastest with."""
        device = pick_device(device_flag, int(os.environ.get("LOCAL_RANK", "0")))
        if device.type == "cpu":
            keep_freed_memory()
        if threads != "auto":
            torch.set_num_threads(threads)
        cuda = device.type == "cuda"
        torch.backends.cudnn.benchmark = cuda
        return cls(
            device,
            amp_dtype=torch.bfloat16 if cuda else None,
            # channels-last lets cuDNN and oneDNN pick faster convolutions (2x on a CPU here)
            channels_last=device.type in ("cuda", "cpu"),
        )

    def place(self, net: torch.nn.Module) -> torch.nn.Module:
        """The model on this device, in the memory layout its convolutions run fastest in."""
        net = net.to(self.device)
        return net.to(memory_format=torch.channels_last) if self.channels_last else net

    def autocast(self):
        if self.amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.amp_dtype)

    @contextlib.contextmanager
    def step(self):
        """Around a step's forward pass: mixed precision, and a compiled graph's step begun."""
        if self.cuda_graphs:
            torch.compiler.cudagraph_mark_step_begin()  # the last step's graph outputs are used up
        with self.autocast():
            yield

    def synchronize(self) -> None:
        if self.device.type != "cpu":
            torch.accelerator.synchronize(self.device)

    def described(self) -> dict:
        """What the summary says about the hardware: CPU threads, or the CUDA device's name."""
        if self.device.type == "cpu":
            return {"threads": torch.get_num_threads()}
        if self.device.type == "cuda":
            return {"device_name": torch.cuda.get_device_name(self.device)}
        return {}


def pick_device(name: str, local_rank: int) -> torch.device:
    """Resolve --device; an accelerator asked for but absent is a QuizError."""
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
        raise QuizError(f"--device {name}: no {name} device is available on this machine")
    if name == "cpu":
        return torch.device("cpu")
    return torch.device(name, local_rank % max(1, torch.accelerator.device_count()))


def speed_up(
    options, model, optimizer, train, batch: int, config, runtime: Runtime, train_step, forward_loss
) -> tuple[torch.nn.Module, float]:
    """Ready `model` to train as fast as this device allows; the model to train and the seconds
    spent (warm-up, graph capture, choosing threads), which a run reports apart from training.

    `train_step` and `forward_loss` are the trainer's, with its signatures; `options` are the
    parsed flags (compile, eager, threads).
    """
    seconds = 0.0
    if options.compile and runtime.world_size > 1:
        model = torch.compile(model)  # DDP's documented way: compile the wrapped model
    elif options.compile:
        # The forward pass and loss as one graph. On CUDA, "reduce-overhead" also replays it
        # as a CUDA graph: a step of so small a network is bound by launches, not arithmetic.
        runtime.cuda_graphs = runtime.device.type == "cuda"
        mode = "reduce-overhead" if runtime.cuda_graphs else None
        runtime.compiled = torch.compile(forward_loss, mode=mode)

    def step(images, classes):
        return train_step(model, optimizer, images, classes, config, runtime)

    images, classes = train
    graph = runtime.device.type == "cuda" and runtime.world_size == 1
    graph = graph and not options.compile and not options.eager
    if (runtime.device.type != "cpu" or options.compile) and not graph:
        seconds += warm_up(step, model, optimizer, images, classes, batch, runtime)
    if graph:  # the capture warms up on its own
        start = time.perf_counter()

        def forward(images, classes):
            return forward_loss(model, images, classes, config.label_smoothing)

        runtime.graphed = GraphedStep(
            forward, model, optimizer, images[:batch], classes[:batch], runtime
        )
        runtime.synchronize()
        seconds += time.perf_counter() - start
    if options.threads == "auto" and runtime.device.type == "cpu":
        if runtime.world_size == 1 and "OMP_NUM_THREADS" not in os.environ:
            start = time.perf_counter()
            pick_threads(step, model, optimizer, images, classes, batch, runtime)
            seconds += time.perf_counter() - start
    return model, seconds


# ----------------------------------------------------------------------------- steps undone


@contextlib.contextmanager
def undone(model, optimizer):
    """Steps taken inside leave no trace: weights, BatchNorm statistics and optimizer state are
    put back (in place, so compiled graphs keep their addresses) and the momentum built dropped."""
    net = getattr(model, "module", model)
    weights = {name: t.clone() for name, t in net.state_dict().items()}
    saved = optimizer_state(optimizer)
    model.train()
    try:
        yield
    finally:
        net.load_state_dict(weights)
        load_optimizer_state(optimizer, saved)
        optimizer.zero_grad()


def fixed_steps(
    step: Step, images, classes, batch: int, runtime: Runtime, steps: int, stop_above=math.inf
) -> list[float]:
    """Take up to `steps` steps on the first batches (no randomness drawn); the seconds each took.

    Stops after the first step, other than the very first, slower than `stop_above` seconds.
    """
    seconds = []
    for index_of_step in range(steps):
        first = index_of_step * batch
        index = torch.arange(first, first + batch, device=images.device) % len(images)
        start = time.perf_counter()
        step(images[index], classes[index])
        runtime.synchronize()
        seconds.append(time.perf_counter() - start)
        if index_of_step > 0 and seconds[-1] > stop_above:
            break
    return seconds


def warm_up(step: Step, model, optimizer, images, classes, batch, runtime, steps=5) -> float:
    """Run a few steps so cuDNN and torch.compile settle their kernels, then undo them; the
    seconds spent."""
    start = time.perf_counter()
    with undone(model, optimizer):
        fixed_steps(step, images, classes, batch, runtime, steps)
    return time.perf_counter() - start


# ----------------------------------------------------------------------------- CUDA graphs


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

    def __init__(self, forward: Step, model, optimizer, images, classes, runtime: Runtime):
        """`forward(images, classes)` is the loss and right answers; `images` and `classes`, a
        batch of the size every replay takes."""
        self.optimizer = optimizer
        self.images = images.clone()
        self.classes = classes.clone()

        def step():
            # autocast's weight cache would hold tensors made outside the graph
            with torch.autocast("cuda", dtype=runtime.amp_dtype, cache_enabled=False):
                loss, correct = forward(self.images, self.classes)
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


# ----------------------------------------------------------------------------- CPU threads


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


def pick_threads(step: Step, model, optimizer, images, classes, batch, runtime, steps=3) -> int:
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
        times = fixed_steps(step, images, classes, batch, runtime, steps + 1, stop_above)
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


# ----------------------------------------------------------------------------- memory

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
