"""Wrong: right values, but calls torch's own softmax instead of computing it."""

import torch


def softmax(x):
    return torch.softmax(x, dim=-1)
