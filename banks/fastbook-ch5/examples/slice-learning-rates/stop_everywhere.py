"""Wrong: reads slice(stop) as the same rate for every group, with no tenth for the earlier ones."""


def lrs_from_slice(lr, n_groups):
    if not isinstance(lr, slice):
        return [lr] * n_groups
    if lr.start is None:
        return [lr.stop] * n_groups
    if n_groups == 1:
        return [lr.stop]
    step = (lr.stop / lr.start) ** (1 / (n_groups - 1))
    return [lr.start * step**i for i in range(n_groups)]
