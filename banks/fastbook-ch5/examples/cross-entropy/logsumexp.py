"""Right: log-softmax written with logsumexp, then minus the mean of each target's column."""

import torch


def cross_entropy(acts, targs):
    log_probs = acts - acts.logsumexp(dim=1, keepdim=True)
    return -log_probs[torch.arange(len(targs)), targs].mean()
