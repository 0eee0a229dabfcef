"""Wrong: rates evenly spaced between start and stop, not multiplied by one factor.

Right whenever there are only two groups, as both ends are still start and stop."""


def lrs_from_slice(lr, n_groups):
    if not isinstance(lr, slice):
        return [lr] * n_groups
    if lr.start is None:
        return [lr.stop / 10] * (n_groups - 1) + [lr.stop]
    if n_groups == 1:
        return [lr.stop]
    gap = (lr.stop - lr.start) / (n_groups - 1)
    return [lr.start + gap * i for i in range(n_groups)]
