"""Reference for `sigmoid`: 1 / (1 + e^-x), elementwise."""

import torch


def sigmoid(x):
    return 1 / (1 + torch.exp(-x))
