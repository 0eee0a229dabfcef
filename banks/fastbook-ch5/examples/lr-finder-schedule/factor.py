"""Right: one factor, found from the whole range, applied once per step."""


def lr_finder_schedule(start_lr, end_lr, n):
    factor = (end_lr / start_lr) ** (1 / (n - 1))
    rates = [start_lr]
    for _ in range(n - 1):
        rates.append(rates[-1] * factor)
    return rates
