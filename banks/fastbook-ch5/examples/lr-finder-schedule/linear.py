"""Wrong: rates that grow by the same amount each step (linear), not by the same factor.

Right when n is 2, where both schedules are just start_lr and end_lr."""


def lr_finder_schedule(start_lr, end_lr, n):
    step = (end_lr - start_lr) / (n - 1)
    return [start_lr + step * i for i in range(n)]
