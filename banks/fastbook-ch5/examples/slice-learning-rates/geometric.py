"""Right: the factor between neighbouring groups' rates, raised to each group's position."""


def lrs_from_slice(lr, n_groups):
    if not isinstance(lr, slice):
        return [lr] * n_groups
    if lr.start is None:
        return [lr.stop / 10] * (n_groups - 1) + [lr.stop]
    if n_groups == 1:
        return [lr.stop]
    step = (lr.stop / lr.start) ** (1 / (n_groups - 1))
    return [lr.start * step**i for i in range(n_groups)]
