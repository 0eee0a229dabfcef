"""Right: torch.logspace spaces the exponents evenly, which is the same schedule."""

import math

import torch


def lr_finder_schedule(start_lr, end_lr, n):
    exponents = torch.logspace(math.log10(start_lr), math.log10(end_lr), n, dtype=torch.float64)
    return exponents.tolist()
