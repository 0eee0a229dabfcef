"""Wrong: sums along axis 1, the last axis of a batch of rows but not of a 1-D or 3-D tensor."""


def softmax(x):
    exps = (x - x.max(dim=1, keepdim=True).values).exp()
    return exps / exps.sum(dim=1, keepdim=True)
