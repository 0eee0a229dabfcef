"""Wrong: stable, but normalises over every element at once, not along the last axis.

Right on a single row such as the chapter's three bear activations."""


def softmax(x):
    exps = (x - x.max()).exp()
    return exps / exps.sum()
