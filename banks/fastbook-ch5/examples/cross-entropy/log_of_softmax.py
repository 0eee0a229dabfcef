"""Wrong: log of a softmax written from exp: exp(1000) is inf, so large activations give nan."""

import torch


def cross_entropy(acts, targs):
    probs = acts.exp() / acts.exp().sum(dim=1, keepdim=True)
    return -probs.log()[torch.arange(len(targs)), targs].mean()
