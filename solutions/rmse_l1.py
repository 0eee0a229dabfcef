"""Reference for `rmse-l1`: two ways to measure how far apart two tensors are."""


def rmse(a, b):
    return ((a - b) ** 2).mean().sqrt()


def l1(a, b):
    return (a - b).abs().mean()
