"""mnist_trainer.py on several processes: torchrun starts one per device (or several on a CPU),
each trains on its own shard of every batch, and DistributedDataParallel averages their gradients
so that every process holds the same model after each step.
"""

from __future__ import annotations

import contextlib
import hashlib
import os

import torch
import torch.distributed as dist
from torch import nn


@contextlib.contextmanager
def joined(runtime):
    """Inside, this process is in torchrun's process group (when torchrun started it), and
    runtime.rank and runtime.world_size say where; the group is left on the way out."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size == 1:
        yield runtime
        return
    device = runtime.device
    backend = "nccl" if device.type == "cuda" else "gloo"
    dist.init_process_group(backend, device_id=device if device.type == "cuda" else None)
    runtime.rank, runtime.world_size = dist.get_rank(), world_size
    try:
        yield runtime
    finally:
        dist.destroy_process_group()


def wrapped(net: nn.Module, world_size: int) -> nn.Module:
    """The model to train: `net` itself, or on several processes `net` under DDP."""
    return nn.parallel.DistributedDataParallel(net) if world_size > 1 else net


def end_epoch(net: nn.Module, runtime) -> None:
    """At an epoch's end: on several processes, average the BatchNorm statistics; then wait
    for the device, so that the epoch's time is its own."""
    if runtime.world_size > 1:
        average_buffers(net, runtime.world_size)
    runtime.synchronize()


def average_buffers(net: nn.Module, world_size: int) -> None:
    """Give every rank the mean of the ranks' BatchNorm statistics, so all hold the same model."""
    for buffer in net.buffers():
        if buffer.is_floating_point():
            dist.all_reduce(buffer)
            buffer /= world_size


def weights_hash(net: nn.Module) -> str:
    """A SHA-256 of every tensor in the state dict, to show that ranks agree."""
    digest = hashlib.sha256()
    for name, tensor in sorted(net.state_dict().items()):
        digest.update(name.encode())
        digest.update(bytes(tensor.detach().cpu().contiguous().view(-1).view(torch.uint8).tolist()))
    return digest.hexdigest()


def gathered_hashes(net: nn.Module, world_size: int) -> list[str]:
    """Every rank's weights_hash, in rank order (every rank must call it)."""
    hashes = [None] * world_size
    dist.all_gather_object(hashes, weights_hash(net))
    return hashes
