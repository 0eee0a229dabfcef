"""Reference for `softmax`: exp of each activation over the sum of exps along the last axis."""


def softmax(x):
    # Subtracting each row's largest value changes nothing (it cancels between the top and
    # the bottom of the fraction) but keeps exp from overflowing to inf for large activations.
    shifted = x - x.max(dim=-1, keepdim=True).values
    exps = shifted.exp()
    return exps / exps.sum(dim=-1, keepdim=True)
