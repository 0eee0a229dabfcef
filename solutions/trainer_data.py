"""MNIST for mnist_trainer.py, as whole tensors on the training device: the training images and
the held-out ones for the digits chosen, and random shifts of a batch for augmentation.

quiz.mnist finds, downloads, checks and reads the files; this module only slices what it reads.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F

from quiz import mnist

VALIDATION_SHARE = 6  # --val holds out the last 1/6 of the training split: 10,000 of 60,000


def load_data(folder: Path, config, device: torch.device):
    """((train images, classes), (held-out images, classes)) for the config's digits, on `device`.

    The held-out images are the test split, or under config.validation the training split's
    last sixth (images 50,000 to 59,999), which is then left out of training; the test split
    is not even read, so choosing settings on it is impossible.
    """
    folder = mnist.ensure(folder)  # missing files are downloaded; every file's MD5 is checked
    images, labels = mnist.load_split(folder, "train")
    if config.validation:
        cut = len(images) - len(images) // VALIDATION_SHARE
        train = select_digits(images[:cut], labels[:cut], config.digits)
        test = select_digits(images[cut:], labels[cut:], config.digits)
    else:
        train = select_digits(images, labels, config.digits)
        test = select_digits(*mnist.load_split(folder, "test"), config.digits)
    if config.limit_train:
        train = tuple(t[: config.limit_train] for t in train)
    return tuple(t.to(device) for t in train), tuple(t.to(device) for t in test)


def select_digits(images, labels, digits: tuple[int, ...]) -> tuple[torch.Tensor, torch.Tensor]:
    """Keep only the given digits and renumber them 0..len(digits)-1 in the order given."""
    class_of = torch.full((10,), -1, dtype=torch.long)
    class_of[list(digits)] = torch.arange(len(digits))
    classes = class_of[labels]
    keep = classes >= 0
    return images[keep], classes[keep]


def random_shift(images: torch.Tensor, pixels: int, generator: torch.Generator) -> torch.Tensor:
    """Translate each uint8 image by up to `pixels` in x and y, on its device; background fills."""
    n, height, width = images.shape
    device = images.device
    padded = F.pad(images, (pixels,) * 4)
    offsets = torch.randint(0, 2 * pixels + 1, (2, n, 1), generator=generator, device=device)
    rows = offsets[0] + torch.arange(height, device=device)  # (n, 28) source rows per image
    cols = offsets[1] + torch.arange(width, device=device)
    return padded[torch.arange(n, device=device)[:, None, None], rows[:, :, None], cols[:, None, :]]
