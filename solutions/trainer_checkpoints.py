"""Saving a run of mnist_trainer.py and taking it up again: a checkpoint holds the model's
weights, the optimizer's state (its velocities and steps taken), the settings (a plain dict of
the Config) and the epochs done.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import torch

from quiz.errors import QuizError


def save_checkpoint(path: Path, net, optimizer, config, epoch: int) -> None:
    """Write model, optimizer (its velocities and steps taken), config and finished epochs;
    atomically."""
    state = {
        "model": net.state_dict(),
        "optimizer": optimizer_state(optimizer) if optimizer else None,
        "config": dataclasses.asdict(config) | {"digits": list(config.digits)},
        "epoch": epoch,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    torch.save(state, partial)
    os.replace(partial, path)


def optimizer_state(optimizer) -> dict:
    """What a checkpoint keeps of the trainer's SGD: the steps it took and its velocities."""
    return {"steps": optimizer.steps, "velocities": [v.clone() for v in optimizer.velocities]}


def load_optimizer_state(optimizer, state: dict) -> None:
    """Put back an optimizer_state, in place: a captured CUDA graph keeps its addresses."""
    if [s.shape for s in state["velocities"]] != [v.shape for v in optimizer.velocities]:
        raise ValueError("the velocities do not fit this model's parameters")
    for velocity, value in zip(optimizer.velocities, state["velocities"], strict=True):
        velocity.copy_(value)
    optimizer.steps = int(state["steps"])


def load_checkpoint(path: Path, config_type: type) -> tuple[dict, object]:
    """Read a checkpoint with weights_only=True: its state and its settings as a `config_type`.
    A missing or foreign file is a QuizError."""
    if not path.is_file():
        raise QuizError(f"checkpoint {path} not found")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        stored = dict(state["config"])
        config = config_type(**stored | {"digits": tuple(stored["digits"])})
        state["model"], state["epoch"]
    except Exception as error:  # whatever torch.load or Config objects to, it is not ours
        reason = (str(error).strip().splitlines() or [""])[0][:120]
        raise QuizError(
            f"{path} is not a trainer checkpoint ({type(error).__name__}: {reason})"
        ) from None
    return state, config


def restore(state: dict | None, net, optimizer, options) -> int:
    """Put a checkpoint's weights into `net` (and when resuming, its state into `optimizer`);
    the epochs it had finished, 0 without a checkpoint. `options` are the trainer's flags."""
    if state is None:
        return 0
    try:
        net.load_state_dict(state["model"])
        if optimizer is not None and options.resume:
            load_optimizer_state(optimizer, state["optimizer"])
    except (RuntimeError, ValueError, KeyError, TypeError):  # saved by another version
        raise QuizError(
            f"{options.resume or options.eval} does not fit this trainer's "
            f"{state['config']['model']} (saved by another version of it); train it again"
        ) from None
    return state["epoch"]
