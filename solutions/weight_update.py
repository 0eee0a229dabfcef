"""Reference for `weight-update`: one plain SGD step, then zeroed gradients."""

import torch


def sgd_step(params, lr):
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad
            p.grad.zero_()
