"""Wrong: divides the exponent by n, so the schedule ends one step below end_lr."""


def lr_finder_schedule(start_lr, end_lr, n):
    return [start_lr * (end_lr / start_lr) ** (i / n) for i in range(n)]
