"""Reference for `lr_finder_schedule`: rates growing by the same factor each step, start to end."""


def lr_finder_schedule(start_lr, end_lr, n):
    # Equal steps in log space: start * (end / start) ** (i / (n - 1)) for i = 0 .. n - 1.
    ratio = end_lr / start_lr
    return [start_lr * ratio ** (i / (n - 1)) for i in range(n)]
