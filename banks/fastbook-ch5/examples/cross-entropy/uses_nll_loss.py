"""Wrong: right values, but PyTorch's nll_loss does the picking the question asks for."""

import torch.nn.functional as F


def cross_entropy(acts, targs):
    return F.nll_loss(F.log_softmax(acts, dim=1), targs)
