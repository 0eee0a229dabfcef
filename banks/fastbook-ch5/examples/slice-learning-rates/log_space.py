"""Right: evenly spaced in log space is the same as multiplying by one factor each step."""

import math


def lrs_from_slice(lr, n_groups):
    if not isinstance(lr, slice):
        return [float(lr) for _ in range(n_groups)]
    if not lr.start:
        return [lr.stop / 10 for _ in range(n_groups - 1)] + [lr.stop]
    if n_groups == 1:
        return [lr.stop]
    low, high = math.log10(lr.start), math.log10(lr.stop)
    return [10 ** (low + (high - low) * i / (n_groups - 1)) for i in range(n_groups)]
